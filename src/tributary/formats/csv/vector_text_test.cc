#include "tributary/formats/csv/vector_text.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "tributary/core/numbers.h"

namespace tributary::csv {
namespace {

// Whenever the fast path answers, it must agree with std::from_chars on the
// value (bit for bit) and on where the number ends: both for the number
// alone and followed by more text, which takes the 16-byte digit scan.
void ExpectAgreesIn(const std::string& s) {
  float fast = 0;
  const char* end = s.data() + s.size();
  const char* p = ParseFloatFast(s.data(), end, &fast);
  if (p == nullptr) return;
  float slow = 0;
  auto res = std::from_chars(s.data(), end, slow);
  ASSERT_EQ(res.ec, std::errc()) << s;
  ASSERT_EQ(res.ptr, p) << s;
  ASSERT_EQ(std::bit_cast<uint32_t>(fast), std::bit_cast<uint32_t>(slow)) << s;
}

void ExpectAgrees(const std::string& s) {
  ExpectAgreesIn(s);
  ExpectAgreesIn(s + ",12345678901234567890123456789012345");
  ExpectAgreesIn(s + "]\"," + std::string(40, '7'));
}

TEST(CsvVectorTextTest, FastFloatAgreesOnShortestFormsOfRandomFloats) {
  std::mt19937_64 rng(7);
  size_t answered = 0;
  for (int i = 0; i < 300000; ++i) {
    float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    if (!std::isfinite(f)) continue;
    char buf[64];
    std::string s(buf, std::to_chars(buf, buf + sizeof(buf), f).ptr);
    ExpectAgrees(s);
    float back;
    if (ParseFloatFast(s.data(), s.data() + s.size(), &back) != nullptr) {
      ++answered;
      ASSERT_EQ(std::bit_cast<uint32_t>(back), std::bit_cast<uint32_t>(f)) << s;
    }
  }
  // Random bit patterns span every exponent; many are out of its reach.
  EXPECT_GT(answered, 20000u);
}

TEST(CsvVectorTextTest, FastFloatAnswersForEmbeddingValues) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  size_t answered = 0;
  for (int i = 0; i < 200000; ++i) {
    const float f = normal(rng);
    char buf[64];
    std::string s(buf, std::to_chars(buf, buf + sizeof(buf), f).ptr);
    float back;
    if (ParseFloatFast(s.data(), s.data() + s.size(), &back) != nullptr) {
      ++answered;
      ASSERT_EQ(std::bit_cast<uint32_t>(back), std::bit_cast<uint32_t>(f)) << s;
    }
    // Also the longer spellings other writers use.
    std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(f));
    ExpectAgrees(buf);
    std::snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(f));
    ExpectAgrees(buf);
    std::snprintf(buf, sizeof(buf), "%.6e", static_cast<double>(f));
    ExpectAgrees(buf);
  }
  EXPECT_GT(answered, 199000u);
}

TEST(CsvVectorTextTest, FastFloatAgreesOnRandomDecimals) {
  std::mt19937_64 rng(3);
  auto digit = [&] { return static_cast<char>('0' + rng() % 10); };
  for (int i = 0; i < 500000; ++i) {
    std::string s;
    if (rng() % 2) s += '-';
    const int int_digits = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < int_digits; ++k) s += (k == 0 && rng() % 3 == 0) ? '0' : digit();
    if (rng() % 4 != 0) {
      s += '.';
      const int frac_digits = 1 + static_cast<int>(rng() % 12);
      for (int k = 0; k < frac_digits; ++k) s += digit();
    }
    if (rng() % 3 == 0) {
      s += (rng() % 2) ? 'e' : 'E';
      const int r = static_cast<int>(rng() % 3);
      if (r == 1) s += '-';
      if (r == 2) s += '+';
      s += std::to_string(rng() % 60);
    }
    ExpectAgrees(s);
  }
}

TEST(CsvVectorTextTest, FastFloatDigitRunsOfEveryLength) {
  std::mt19937_64 rng(5);
  for (int int_len = 1; int_len <= 20; ++int_len) {
    for (int frac_len = 0; frac_len <= 20; ++frac_len) {
      for (int k = 0; k < 20; ++k) {
        std::string s;
        for (int i = 0; i < int_len; ++i) s += static_cast<char>('0' + rng() % 10);
        if (frac_len > 0) s += '.';
        for (int i = 0; i < frac_len; ++i) s += static_cast<char>('0' + rng() % 10);
        ExpectAgrees(s);
        ExpectAgrees("-" + s);
        ExpectAgrees(s + "e-3");
      }
    }
  }
  // Runs ending exactly at 8 and 16 bytes, and longer.
  for (const char* c : {"12345678", "1234567812345678", "0.12345678", "0.1234567812345678",
                        "12345678.87654321", "99999999.99999999", "1234567890123456789"}) {
    ExpectAgrees(c);
  }
}

TEST(CsvVectorTextTest, FastFloatDeclinesWhatItCannotProve) {
  const char* cases[] = {
      "",  "-", ".5", "5.", "1e", "1e+", "+1", "inf", "nan", "Infinity", "-.5",
      "1e-50",                  // underflow
      "1e-40",                  // subnormal
      "1e39", "3.5e38",         // overflow
      "12345678901234567890",   // 20 digits
      "16777217",               // exactly halfway between two floats
      "16777217.000000001",     // rounds in double onto that midpoint
      "1e23",                   // exponent beyond exact powers of ten
      "1e0000001",              // absurd exponent spelling
  };
  for (const char* c : cases) {
    float v = 42;
    std::string s(c);
    EXPECT_EQ(ParseFloatFast(s.data(), s.data() + s.size(), &v), nullptr) << c;
  }
}

TEST(CsvVectorTextTest, FastFloatExactCases) {
  const std::pair<const char*, float> cases[] = {
      {"0", 0.0f},         {"-0", -0.0f},       {"-0.0", -0.0f},   {"0.1", 0.1f},
      {"9007199254740992e22", 9007199254740992e22f},
      {"1e-22", 1e-22f},
      {"16777216", 16777216.0f}, {"16777218", 16777218.0f}, {"1E2", 100.0f}, {"2.5e-3", 0.0025f},
  };
  for (const auto& [text, want] : cases) {
    std::string s(text);
    float v = 42;
    ASSERT_NE(ParseFloatFast(s.data(), s.data() + s.size(), &v), nullptr) << text;
    EXPECT_EQ(std::bit_cast<uint32_t>(v), std::bit_cast<uint32_t>(want)) << text;
  }
  // Stops at the first byte that is not part of the number.
  std::string s = "1.5,2";
  float v;
  EXPECT_EQ(ParseFloatFast(s.data(), s.data() + s.size(), &v), s.data() + 3);
}

TEST(CsvVectorTextTest, BracketedVectors) {
  FloatVector out = {9, 9};
  ASSERT_TRUE(ParseBracketedVector("[0.1,-2,3e-3]", &out));
  EXPECT_EQ(out, (FloatVector{0.1f, -2.0f, 3e-3f}));
  ASSERT_TRUE(ParseBracketedVector("[ 0.1, -2 ,3e-3 ]", &out));
  EXPECT_EQ(out, (FloatVector{0.1f, -2.0f, 3e-3f}));
  // Values the kernel cannot prove still parse here, through ParseFloat.
  ASSERT_TRUE(ParseBracketedVector("[16777217,1e-40,-1234567890123456789012]", &out));
  EXPECT_EQ(out[0], 16777216.0f);
  EXPECT_EQ(out[1], 1e-40f);
  EXPECT_EQ(out[2], -1234567890123456789012.0f);
  // Spellings outside JSON's grammar are left to the general parser, which
  // reads them.
  for (const char* c : {"[.5,01]", "[+0.5,1]", "[0.5 , 1.]"}) {
    EXPECT_FALSE(ParseBracketedVector(c, &out)) << c;
    out.clear();
    ASSERT_TRUE(ParseVectorText(c, VectorParseOptions(), &out).ok()) << c;
    EXPECT_EQ(out, (FloatVector{0.5f, 1.0f})) << c;
  }
  for (const char* c : {"[]", "[ ]", "[1,]", "[,1]", "[1 2]", "[1e39]", "[NaN]", "[inf]",
                        "(1,2)", "{1,2}", "1,2", "[1,2", " [1]", "[1]x", "[+1]", "[1,,2]"}) {
    EXPECT_FALSE(ParseBracketedVector(c, &out)) << c;
  }
}

}  // namespace
}  // namespace tributary::csv
