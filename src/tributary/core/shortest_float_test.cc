#include "tributary/core/shortest_float.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tributary/core/numbers.h"
#include "tributary/core/shortest_float_internal.h"

namespace tributary {
namespace {

float FromBits(uint32_t bits) {
  float v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

std::string Ours(float v) {
  char buf[kFloatTextBuffer];
  std::memset(buf, 'x', sizeof(buf));
  return std::string(buf, FormatShortestFloat(v, buf));
}

std::string Reference(float v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// Same text as std::to_chars, and it reads back to the same bits.
void Check(uint32_t bits) {
  const float v = FromBits(bits);
  if (!std::isfinite(v)) return;
  const std::string ours = Ours(v);
  ASSERT_EQ(ours, Reference(v)) << "bits 0x" << std::hex << bits;
  float back = 0;
  ASSERT_EQ(ParseFloat(ours, &back, false), ParseNumberError::kOk) << ours;
  uint32_t back_bits;
  std::memcpy(&back_bits, &back, sizeof(back));
  ASSERT_EQ(back_bits, bits) << ours;
}

TEST(ShortestFloat, KnownValues) {
  EXPECT_EQ(Ours(0.0f), "0");
  EXPECT_EQ(Ours(-0.0f), "-0");
  EXPECT_EQ(Ours(0.1f), "0.1");
  EXPECT_EQ(Ours(-0.25f), "-0.25");
  EXPECT_EQ(Ours(1.0f), "1");
  EXPECT_EQ(Ours(100.0f), "100");
  EXPECT_EQ(Ours(1e-7f), "1e-07");
  EXPECT_EQ(Ours(0.001f), "0.001");    // a tie in length: plain
  EXPECT_EQ(Ours(0.0001f), "1e-04");   // shorter in scientific
  EXPECT_EQ(Ours(3e-44f), "3e-44");
  EXPECT_EQ(Ours(1e10f), "1e+10");
  EXPECT_EQ(Ours(123456792.0f), "123456792");  // plain notation prints the integer exactly
  EXPECT_EQ(Ours(std::numeric_limits<float>::max()), "3.4028235e+38");
  EXPECT_EQ(Ours(std::numeric_limits<float>::min()), "1.1754944e-38");
  EXPECT_EQ(Ours(std::numeric_limits<float>::denorm_min()), "1e-45");
  EXPECT_EQ(Ours(-std::numeric_limits<float>::denorm_min()), "-1e-45");
}

TEST(ShortestFloat, EdgesAgreeWithToChars) {
  for (uint32_t sign : {0u, 0x80000000u}) {
    // Every power of two, and its neighbours (the irregular spacing below a
    // power of two is where shortest-digit algorithms go wrong).
    for (uint32_t exp = 0; exp < 255; ++exp) {
      const uint32_t p = sign | (exp << 23);
      for (uint32_t d : {0u, 1u, 2u, 3u}) Check(p + d);
      if (p > sign) Check(p - 1);
    }
    // Subnormals at both ends.
    for (uint32_t t = 1; t < 4096; ++t) Check(sign | t);
    for (uint32_t t = 0x7FFFFF - 4096; t <= 0x7FFFFF; ++t) Check(sign | t);
  }
  // Powers of ten and integers around 2^24..2^27, where plain notation wins.
  for (int e = -45; e <= 38; ++e) {
    const float v = std::pow(10.0f, static_cast<float>(e));
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    for (int d = -2; d <= 2; ++d) Check(bits + static_cast<uint32_t>(d));
  }
  for (uint32_t i = (1u << 24) - 1000; i < (1u << 27) + 1000; i += 997) {
    const float v = static_cast<float>(i);
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    Check(bits);
  }
}

TEST(ShortestFloat, SampleOfAllFloatsAgreesWithToChars) {
  // Every 4093rd bit pattern (about a million floats over the whole range),
  // then random ones. TRIBUTARY_EXHAUSTIVE_FLOAT=1 checks all 2^32 instead
  // (a few minutes).
  const bool exhaustive = std::getenv("TRIBUTARY_EXHAUSTIVE_FLOAT") != nullptr;
  const uint64_t step = exhaustive ? 1 : 4093;
  for (uint64_t i = 0; i < (uint64_t{1} << 32); i += step) {
    Check(static_cast<uint32_t>(i));
    if (::testing::Test::HasFatalFailure()) return;
  }
  std::mt19937 rng(20261121);
  for (int i = 0; i < 500000; ++i) {
    Check(static_cast<uint32_t>(rng()));
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(ShortestFloat, StaysWithinItsBuffer) {
  // The writer may use all kFloatTextBuffer bytes, but no more.
  std::mt19937 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const float v = FromBits(static_cast<uint32_t>(rng()));
    if (!std::isfinite(v)) continue;
    char buf[kFloatTextBuffer + 8];
    std::memset(buf, '#', sizeof(buf));
    FormatShortestFloat(v, buf);
    for (size_t j = kFloatTextBuffer; j < sizeof(buf); ++j) ASSERT_EQ(buf[j], '#');
  }
}

}  // namespace
}  // namespace tributary

namespace tributary {
namespace {

TEST(ShortestFloat, ListWriterMatchesOneByOne) {
  // FormatFloatList is FormatFloat's text joined by commas, whatever the
  // values (all exponents, subnormals, zeros of both signs, NaN and the
  // infinities) and however many (blocks of 32 inside, and remainders).
  std::mt19937 rng(99);
  for (size_t n : {size_t{0}, size_t{1}, size_t{31}, size_t{32}, size_t{33}, size_t{768}, size_t{1000}}) {
    for (int round = 0; round < 20; ++round) {
      std::vector<float> v(n);
      for (float& f : v) {
        const uint32_t r = static_cast<uint32_t>(rng());
        switch (r % 8) {
          case 0: f = FromBits(r & 0x807FFFFF); break;  // subnormal or zero
          case 1: f = FromBits(r | 0x7F800000); break;  // NaN or infinity
          default: f = FromBits(r); break;
        }
      }
      std::string want;
      for (size_t i = 0; i < n; ++i) {
        if (i > 0) want.push_back(',');
        char buf[kMaxFloatChars];
        want.append(buf, FormatFloat(v[i], buf));
      }
      std::string got(FormatFloatListBytes(n), '\0');
      got.resize(static_cast<size_t>(FormatFloatList(v, got.data()) - got.data()));
      ASSERT_EQ(got, want) << n;
    }
  }
}

}  // namespace
}  // namespace tributary

namespace tributary {
namespace {

using shortest_float_internal::Avx512FloatListSupported;
using shortest_float_internal::FormatFloatListAvx512;
using shortest_float_internal::FormatFloatListScalar;

// FormatFloat's texts joined by commas.
std::string JoinedOneByOne(const std::vector<float>& v) {
  std::string want;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) want.push_back(',');
    char buf[kMaxFloatChars];
    want.append(buf, FormatFloat(v[i], buf));
  }
  return want;
}

// Runs a list writer in a heap buffer of exactly the size callers reserve
// (so that AddressSanitizer sees any store past it) and returns its text.
template <typename Writer>
std::string RunListWriter(Writer writer, const std::vector<float>& v) {
  const size_t size = FormatFloatListBytes(v.size());
  std::unique_ptr<char[]> buf(new char[size]);
  char* end = writer(std::span<const float>(v), buf.get());
  EXPECT_GE(end, buf.get());
  EXPECT_LE(end, buf.get() + size);
  return std::string(buf.get(), end);
}

// Both list writers against FormatFloat one by one.
void CheckListWriters(const std::vector<float>& v) {
  const std::string want = JoinedOneByOne(v);
  ASSERT_EQ(RunListWriter(FormatFloatListScalar, v), want) << v.size();
  if (Avx512FloatListSupported()) {
    ASSERT_EQ(RunListWriter(FormatFloatListAvx512, v), want) << v.size();
  }
}

float Bits(uint32_t b) { return std::bit_cast<float>(b); }

// Floats with the longest texts (nine digits and a two-digit negative
// exponent, "-1.23456789e-20,"), mixed with those the vector writer hands to
// FormatFloat: the writers touch nothing past FormatFloatListBytes.
TEST(ShortestFloat, ListWritersStayWithinTheirBytes) {
  std::mt19937 rng(16);
  for (size_t n : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{768}}) {
    for (int round = 0; round < 50; ++round) {
      std::vector<float> v(n);
      for (float& f : v) {
        const uint32_t r = static_cast<uint32_t>(rng());
        switch (r % 16) {
          case 0: f = -std::numeric_limits<float>::min(); break;    // "-1.17549435e-38", by FormatFloat
          case 1: f = -std::numeric_limits<float>::infinity(); break;
          case 2: f = -16777217.0f * 1024; break;                   // an exact integer, by FormatFloat
          default: f = -std::ldexp(1.0f + static_cast<float>(r % 1000003) / 1000003.0f, -40 - static_cast<int>(r % 80)); break;
        }
      }
      const std::string want = JoinedOneByOne(v);
      using Writer = char* (*)(std::span<const float>, char*);
      std::vector<Writer> writers = {FormatFloatListScalar};
      if (Avx512FloatListSupported()) writers.push_back(FormatFloatListAvx512);
      for (Writer writer : writers) {
        const size_t bytes = FormatFloatListBytes(n);
        std::string buf(bytes + 64, '#');
        char* end = writer(std::span<const float>(v), buf.data());
        ASSERT_EQ(std::string(buf.data(), end), want) << n;
        for (size_t j = bytes; j < buf.size(); ++j) ASSERT_EQ(buf[j], '#') << n << " at " << j;
      }
    }
  }
}

TEST(ShortestFloat, SimdListWriterRuns) {
  // The AVX-512 writer is what FormatFloatList uses where the CPU has it;
  // say so when the tests below can only check the scalar one.
  if (!Avx512FloatListSupported()) GTEST_SKIP() << "this CPU lacks AVX-512; scalar path only";
  const std::vector<float> v = {0.5f, -0.25f, 1e-7f, 123456792.0f};
  EXPECT_EQ(RunListWriter(FormatFloatListAvx512, v), "0.5,-0.25,1e-07,123456792");
}

TEST(ShortestFloat, ListWritersAgreeOnEveryKindOfFloat) {
  std::mt19937 rng(2026);
  // Lengths around the vector width (16) and the scalar block (32).
  const std::vector<size_t> lengths = {0, 1, 2, 15, 16, 17, 31, 32, 33, 47, 100, 768};
  auto random_of = [&](int kind) -> float {
    const uint32_t r = static_cast<uint32_t>(rng());
    switch (kind) {
      case 0: return Bits(r);                                   // any pattern
      case 1: return Bits(r & 0x807FFFFF);                      // subnormal or zero
      case 2: return Bits((r & 0x80000000) | (r % 255) << 23);  // a power of two
      case 3: return Bits(r | 0x7F800000);                      // NaN or infinity
      case 4: {                                                 // an integer >= 2^24
        const float f = static_cast<float>((uint64_t{1} << 24) + (uint64_t{r} << (r % 20)));
        return (r & 1) ? -f : f;
      }
      case 5: return static_cast<float>(static_cast<int32_t>(r) >> (r % 31));  // small integers
      case 6: return Bits((r & 0x807FFFFF) | ((100 + r % 60) << 23));  // embedding-like
      default: return Bits(r & 0x80000000);                     // zeros
    }
  };
  for (size_t n : lengths) {
    for (int round = 0; round < 200; ++round) {
      std::vector<float> v(n);
      const int mode = round % 10;  // one kind, or a mix
      for (float& f : v) f = random_of(mode < 8 ? mode : static_cast<int>(rng() % 8));
      CheckListWriters(v);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(ShortestFloat, ListWritersAgreeAtEveryExponent) {
  // Every biased exponent, both signs, with mantissas at the edges (zero,
  // one, all ones) and random ones, in vectors of 17.
  std::mt19937 rng(5);
  for (uint32_t sign : {0u, 0x80000000u}) {
    for (uint32_t e = 0; e < 256; ++e) {
      std::vector<float> v;
      for (uint32_t t : {0u, 1u, 2u, 0x7FFFFFu, 0x7FFFFEu, 0x400000u}) {
        v.push_back(Bits(sign | e << 23 | t));
      }
      while (v.size() < 17) {
        v.push_back(Bits(sign | e << 23 | (static_cast<uint32_t>(rng()) & 0x7FFFFF)));
      }
      CheckListWriters(v);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(ShortestFloat, ListWritersAgreeOnASampleOfAllFloats) {
  // Every 997th bit pattern through both writers, in vectors of 1000;
  // TRIBUTARY_EXHAUSTIVE_FLOAT=1: all 2^32 (SampleOfAllFloatsAgreesWithToChars
  // checks FormatFloat against std::to_chars for each of them).
  const bool exhaustive = std::getenv("TRIBUTARY_EXHAUSTIVE_FLOAT") != nullptr;
  const uint64_t step = exhaustive ? 1 : 997;
  std::vector<float> v;
  for (uint64_t i = 0; i < (uint64_t{1} << 32); i += step) {
    v.push_back(Bits(static_cast<uint32_t>(i)));
    if (v.size() == 1000 || i + step >= (uint64_t{1} << 32)) {
      CheckListWriters(v);
      if (HasFatalFailure()) return;
      v.clear();
    }
  }
}

}  // namespace
}  // namespace tributary
