// libFuzzer target for the float list writers (core/shortest_float_internal.h).
//
// The input's bytes, four at a time, are the bit patterns of a vector of
// floats (any length, any values: NaN, infinities, subnormals). Both list
// writers (the portable one and, where the CPU has it, the AVX-512 one) write
// it into a heap block of exactly the size callers reserve (so that
// AddressSanitizer sees any store past it); their texts must be FormatFloat's
// joined by commas, and each element must be std::to_chars's (finite ones)
// and read back to the same bits.
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tributary/core/numbers.h"
#include "tributary/core/shortest_float_internal.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

using Writer = char* (*)(std::span<const float>, char*);

std::string Run(Writer writer, const std::vector<float>& v) {
  const size_t size = v.size() * (tributary::kMaxFloatChars + 1);
  std::unique_ptr<char[]> buf(new char[size == 0 ? 1 : size]);
  char* end = writer(std::span<const float>(v), buf.get());
  Check(end >= buf.get() && end <= buf.get() + size);
  return std::string(buf.get(), end);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<float> v(size / 4);
  if (!v.empty()) std::memcpy(v.data(), data, v.size() * 4);

  std::string want;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) want.push_back(',');
    char buf[tributary::kMaxFloatChars];
    const size_t n = tributary::FormatFloat(v[i], buf);
    if ((std::bit_cast<uint32_t>(v[i]) & 0x7F800000) != 0x7F800000) {
      char ref[64];
      const auto r = std::to_chars(ref, ref + sizeof(ref), v[i]);
      Check(std::string(buf, n) == std::string(ref, r.ptr));
      float back = 0;
      Check(tributary::ParseFloat(std::string(buf, n), &back, false) ==
            tributary::ParseNumberError::kOk);
      Check(std::bit_cast<uint32_t>(back) == std::bit_cast<uint32_t>(v[i]));
    }
    want.append(buf, n);
  }
  namespace internal = tributary::shortest_float_internal;
  Check(Run(internal::FormatFloatListScalar, v) == want);
  if (internal::Avx512FloatListSupported()) Check(Run(internal::FormatFloatListAvx512, v) == want);
  return 0;
}
