#include "tributary/core/numbers.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace tributary {
namespace {

TEST(NumbersTest, ShortestFloatText) {
  std::string s;
  AppendFloat(0.1f, &s);
  EXPECT_EQ(s, "0.1");
  s.clear();
  AppendFloat(-0.0f, &s);
  EXPECT_EQ(s, "-0");
  s.clear();
  AppendFloat(std::numeric_limits<float>::denorm_min(), &s);
  EXPECT_EQ(s, "1e-45");
  s.clear();
  AppendFloat(std::numeric_limits<float>::max(), &s);
  EXPECT_EQ(s, "3.4028235e+38");
}

TEST(NumbersTest, EveryFloatPatternRoundTripsOnASample) {
  std::mt19937 rng(42);
  for (int i = 0; i < 200000; ++i) {
    uint32_t bits = rng();
    float f = std::bit_cast<float>(bits);
    if (!std::isfinite(f)) continue;
    std::string s;
    AppendFloat(f, &s);
    float back = 0;
    ASSERT_EQ(ParseFloat(s, &back, false), ParseNumberError::kOk) << s;
    ASSERT_EQ(std::bit_cast<uint32_t>(back), bits) << s;
  }
}

TEST(NumbersTest, ParseFloatRoundsCorrectlyToFloat32) {
  // Halfway cases where parsing to double first and then narrowing rounds twice.
  float f = 0;
  ASSERT_EQ(ParseFloat("1.00000005960464477539062499", &f, false), ParseNumberError::kOk);
  EXPECT_EQ(f, 1.0f);
  ASSERT_EQ(ParseFloat("1e-50", &f, false), ParseNumberError::kOk);
  EXPECT_EQ(f, 0.0f);
  EXPECT_EQ(ParseFloat("1e39", &f, false), ParseNumberError::kOutOfRange);
  EXPECT_EQ(ParseFloat("1e400", &f, false), ParseNumberError::kOutOfRange);
  EXPECT_EQ(ParseFloat("-1e400", &f, false), ParseNumberError::kOutOfRange);
  ASSERT_EQ(ParseFloat("1e-400", &f, false), ParseNumberError::kOk);
  EXPECT_EQ(f, 0.0f);
  EXPECT_EQ(ParseFloat("NaN", &f, false), ParseNumberError::kNonFinite);
  EXPECT_EQ(ParseFloat("-Infinity", &f, false), ParseNumberError::kNonFinite);
  ASSERT_EQ(ParseFloat("-Infinity", &f, true), ParseNumberError::kOk);
  EXPECT_TRUE(std::isinf(f) && f < 0);
  EXPECT_EQ(ParseFloat("abc", &f, false), ParseNumberError::kSyntax);
  EXPECT_EQ(ParseFloat("", &f, false), ParseNumberError::kSyntax);
  ASSERT_EQ(ParseFloat(".5", &f, false), ParseNumberError::kOk);
  EXPECT_EQ(f, 0.5f);
  ASSERT_EQ(ParseFloat("-.5", &f, false), ParseNumberError::kOk);
  EXPECT_EQ(f, -0.5f);
}

TEST(NumbersTest, ParseInt64) {
  int64_t v = 0;
  ASSERT_EQ(ParseInt64("42", &v), ParseNumberError::kOk);
  EXPECT_EQ(v, 42);
  ASSERT_EQ(ParseInt64("-7", &v), ParseNumberError::kOk);
  EXPECT_EQ(v, -7);
  ASSERT_EQ(ParseInt64("3.0", &v), ParseNumberError::kOk);
  EXPECT_EQ(v, 3);
  EXPECT_EQ(ParseInt64("3.5", &v), ParseNumberError::kSyntax);
  EXPECT_EQ(ParseInt64("99999999999999999999", &v), ParseNumberError::kOutOfRange);
  EXPECT_EQ(ParseInt64("x", &v), ParseNumberError::kSyntax);
}

TEST(NumbersTest, VectorTextForms) {
  VectorParseOptions o;
  for (const char* text : {"[0.1,0.2,0.3]", "[ 0.1 , 0.2, 0.3 ]", "{0.1,0.2,0.3}", "0.1 0.2 0.3",
                           "0.1,0.2,0.3", "{\"0.1\",\"0.2\",\"0.3\"}", "  0.1\t0.2\n0.3 "}) {
    FloatVector v;
    ASSERT_TRUE(ParseVectorText(text, o, &v).ok()) << text;
    EXPECT_EQ(v, (FloatVector{0.1f, 0.2f, 0.3f})) << text;
  }
  FloatVector v;
  EXPECT_TRUE(ParseVectorText("[]", o, &v).ok());
  EXPECT_TRUE(v.empty());
}

TEST(NumbersTest, VectorTextErrorsNameTheElement) {
  VectorParseOptions o;
  FloatVector v;
  Status st = ParseVectorText("[0.1,abc,0.3]", o, &v);
  EXPECT_EQ(st.message(), "Invalid vector value at index 1: 'abc' is not a number");
  v.clear();
  st = ParseVectorText("[0.1,NaN]", o, &v);
  EXPECT_EQ(st.message(), "Invalid vector value at index 1: NaN is not a finite number");
  v.clear();
  st = ParseVectorText("[0.1,0.2", o, &v);
  EXPECT_FALSE(st.ok());
  v.clear();
  st = ParseVectorText("[0.1,,0.2]", o, &v);
  EXPECT_EQ(st.message(), "Invalid vector value at index 1: '' is not a number");
}

}  // namespace
}  // namespace tributary
