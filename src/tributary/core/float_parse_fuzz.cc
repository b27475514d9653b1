// libFuzzer target for the float reader (core/float_parse.h).
//
// The input, copied into a heap block of exactly its size (so that
// AddressSanitizer sees any read past the end), is read
//   1. as an array by every kernel (the one this machine uses, the
//      AVX-512 and SSSE3 ones where the processor has them, and the
//      portable one), with the readable end at the text's end and, through
//      a padded copy, 64 readable bytes of digits past it: they must agree
//      on the answer, the end and every element, and every element must be
//      what ParseFloat gives for its token;
//   2. as one number at every offset by both kernels: when they answer,
//      std::from_chars must give the same value and end.
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "tributary/core/float_parse.h"
#include "tributary/core/numbers.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tributary;
  std::unique_ptr<char[]> buf(new char[size == 0 ? 1 : size]);
  std::memcpy(buf.get(), data, size);
  const char* const begin = buf.get();
  const char* const end = begin + size;

  FloatVector a, b;
  const char* ea = ParseFloatArray(begin, end, end, &a);
  const char* eb = float_parse_internal::ParseFloatArrayBaseline(begin, end, end, &b);
  Check(ea == eb);
  if (ea != nullptr) {
    Check(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      Check(std::bit_cast<uint32_t>(a[i]) == std::bit_cast<uint32_t>(b[i]));
    }
  }
  // Each vector kernel against the portable one, with and without
  // readable bytes past the end.
  std::unique_ptr<char[]> padded(new char[size + 64]);
  std::memcpy(padded.get(), data, size);
  std::memset(padded.get() + size, '7', 64);
  for (auto kernel : {float_parse_internal::ParseFloatArrayAvx512,
                      float_parse_internal::ParseFloatArraySsse3}) {
    for (int variant = 0; variant < 2; ++variant) {
      const char* base = variant == 0 ? begin : padded.get();
      FloatVector c = {1.0f};
      const char* ec = kernel(base, base + size, base + size + (variant == 0 ? 0 : 64), &c);
      Check((ec == nullptr) == (eb == nullptr));
      if (ec == nullptr) continue;
      Check(ec - base == eb - begin);
      Check(c.size() == b.size());
      for (size_t i = 0; i < c.size(); ++i) {
        Check(std::bit_cast<uint32_t>(c[i]) == std::bit_cast<uint32_t>(b[i]));
      }
    }
  }
  if (ea != nullptr) {
    // The elements are ParseFloat's values of the comma-separated tokens.
    FloatVector general;
    Check(ParseVectorText(std::string_view(begin, static_cast<size_t>(ea - begin)),
                          VectorParseOptions(), &general)
              .ok());
    Check(general.size() == a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      Check(std::bit_cast<uint32_t>(general[i]) == std::bit_cast<uint32_t>(a[i]));
    }
  }

  for (size_t i = 0; i < size && i < 256; ++i) {
    float x = 0, y = 0;
    const char* px = ParseFloatPrefix(begin + i, end, end, &x);
    const char* py = float_parse_internal::ParseFloatPrefixBaseline(begin + i, end, end, &y);
    Check(px == py);
    if (px == nullptr) continue;
    Check(std::bit_cast<uint32_t>(x) == std::bit_cast<uint32_t>(y));
    float z = 0;
    auto res = std::from_chars(begin + i, end, z);
    Check(res.ec == std::errc() && res.ptr == px);
    Check(std::bit_cast<uint32_t>(z) == std::bit_cast<uint32_t>(x));
  }
  return 0;
}
