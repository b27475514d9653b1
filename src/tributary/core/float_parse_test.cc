#include "tributary/core/float_parse.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tributary/core/numbers.h"

namespace tributary {
namespace {

// The text in a heap block of exactly its size, so that AddressSanitizer
// reports any read past the end.
struct ExactBuffer {
  explicit ExactBuffer(const std::string& s)
      : size(s.size()), data(new char[s.size() == 0 ? 1 : s.size()]) {
    std::memcpy(data.get(), s.data(), s.size());
  }
  const char* begin() const { return data.get(); }
  const char* end() const { return data.get() + size; }
  size_t size;
  std::unique_ptr<char[]> data;
};

// When the kernel answers, std::from_chars agrees on the value, bit for bit,
// and on where the number ends. Checked with the number alone in an exact
// buffer, and followed by more text (which takes the 16-byte compare).
using PrefixFn = const char* (*)(const char*, const char*, const char*, float*);
using ArrayFn = const char* (*)(const char*, const char*, const char*, std::vector<float>*);

// The kernel this machine uses, and the portable one.
constexpr PrefixFn kPrefixFns[] = {ParseFloatPrefix,
                                   float_parse_internal::ParseFloatPrefixBaseline};
constexpr ArrayFn kArrayFns[] = {ParseFloatArray, float_parse_internal::ParseFloatArrayBaseline};

void ExpectAgreesIn(const std::string& s) {
  for (PrefixFn fn : kPrefixFns) {
    const ExactBuffer buf(s);
    float fast = 0;
    const char* p = fn(buf.begin(), buf.end(), buf.end(), &fast);
    if (p == nullptr) continue;
    float slow = 0;
    auto res = std::from_chars(buf.begin(), buf.end(), slow);
    ASSERT_EQ(res.ec, std::errc()) << s;
    ASSERT_EQ(res.ptr, p) << s;
    ASSERT_EQ(std::bit_cast<uint32_t>(fast), std::bit_cast<uint32_t>(slow)) << s;
  }
}

void ExpectAgrees(const std::string& s) {
  ExpectAgreesIn(s);
  ExpectAgreesIn(s + ",12345678901234567890123456789012345");
  ExpectAgreesIn(s + "]\"," + std::string(40, '7'));
  ExpectAgreesIn(s + "x");
}

// The float ParseFloat (the general reader) gives, or nullopt-like false.
bool General(const std::string& s, float* out) {
  return ParseFloat(s, out, false) == ParseNumberError::kOk;
}

// Parses "[s]" through the array reader, in an exact buffer and with
// readable padding of digits after the end (which must not count).
void ExpectArrayMatchesGeneral(const std::string& s) {
  for (ArrayFn fn : kArrayFns) {
    float want;
    const bool ok = General(s, &want);
    const std::string text = "[" + s + "]";
    const ExactBuffer buf(text);
    std::vector<float> got;
    const char* end = fn(buf.begin(), buf.end(), buf.end(), &got);
    std::string padded = text + std::string(32, '9');
    std::vector<float> got_padded;
    const char* end_padded =
        fn(padded.data(), padded.data() + text.size(), padded.data() + padded.size(), &got_padded);
    if (end == nullptr) {
      EXPECT_EQ(end_padded, nullptr) << s;
      continue;  // declined: the caller's general path decides
    }
    if (s.empty()) {  // "[]"
      EXPECT_TRUE(got.empty());
      continue;
    }
    ASSERT_TRUE(ok) << s << " was accepted but the general reader refuses it";
    ASSERT_EQ(end, buf.end()) << s;
    ASSERT_EQ(got.size(), 1u) << s;
    EXPECT_EQ(std::bit_cast<uint32_t>(got[0]), std::bit_cast<uint32_t>(want)) << s;
    ASSERT_EQ(end_padded, padded.data() + text.size()) << s;
    ASSERT_EQ(got_padded.size(), 1u) << s;
    EXPECT_EQ(std::bit_cast<uint32_t>(got_padded[0]), std::bit_cast<uint32_t>(want)) << s;
  }
}

std::string Digits(std::mt19937_64& rng, int n, bool nonzero_first) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    const int lo = (i == 0 && nonzero_first) ? 1 : 0;
    s += static_cast<char>('0' + lo + static_cast<int>(rng() % static_cast<uint64_t>(10 - lo)));
  }
  return s;
}

TEST(FloatParse, MantissasOfEveryLengthAgreeWithFromChars) {
  std::mt19937_64 rng(1);
  // 9, 10, 17 and 20 digits are where the 8-digit steps, the 16-byte
  // window and the 19-digit limit change over; every length up to 24.
  for (int digits = 1; digits <= 24; ++digits) {
    for (int point = 0; point <= digits; ++point) {
      for (int k = 0; k < 30; ++k) {
        const std::string d = Digits(rng, digits, true);
        std::string s = point == 0 ? d
                                   : d.substr(0, static_cast<size_t>(point)) + "." +
                                         d.substr(static_cast<size_t>(point));
        if (point == digits) s = d;
        for (const std::string& t :
             {s, "-" + s, "0." + d, "-0.000" + d, s + "e-7", s + "E+3", s + "e-30"}) {
          ExpectAgrees(t);
          ExpectArrayMatchesGeneral(t);
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(FloatParse, HalfwayCasesRoundToEven) {
  // Decimals exactly halfway between two adjacent floats, and a hair either
  // side: only an exact reader gets all three right.
  std::mt19937 rng(2);
  for (int i = 0; i < 20000; ++i) {
    uint32_t bits = rng() & 0x7FFFFFFF;
    if ((bits >> 23) == 0xFF || (bits >> 23) == 0xFE) continue;
    const double lo = std::bit_cast<float>(bits);
    const double hi = std::bit_cast<float>(bits + 1);
    const double mid = (lo + hi) / 2;  // exact in double
    char buf[128];
    std::snprintf(buf, sizeof(buf), "%.70g", mid);  // the exact decimal
    std::string exact = buf;
    float want;
    ASSERT_EQ(std::from_chars(exact.data(), exact.data() + exact.size(), want).ec, std::errc())
        << exact;
    ExpectAgrees(exact);
    ExpectArrayMatchesGeneral(exact);
    if (exact.find('e') == std::string::npos && exact.find('.') != std::string::npos) {
      ExpectArrayMatchesGeneral(exact + "0000001");
      ExpectAgrees(exact + "0000001");
    }
    // Short decimals that land on a midpoint: integers 2^24 + odd.
    const std::string odd = std::to_string((uint64_t{1} << 24) + 2 * (rng() % 1000) + 1);
    ExpectAgrees(odd);
    ExpectArrayMatchesGeneral(odd);
  }
}

TEST(FloatParse, EdgeSpellings) {
  for (const char* c : {"0",
                        "-0",
                        "0.0",
                        "-0.0",
                        "0e5",
                        "0.000000000000000000000000000001",
                        "1e-45",
                        "1.4e-45",
                        "7e-46",
                        "1e-40",
                        "-1.17549435e-38",
                        "1.17549435e-38",
                        "1.1754942e-38",
                        "3.4028235e38",
                        "3.4028236e38",
                        "3.40282357e38",
                        "1e38",
                        "1e39",
                        "1e-50",
                        "00",
                        "01",
                        "-01",
                        "0.5",
                        "00.5",
                        "+1",
                        "+0.5",
                        ".5",
                        "-.5",
                        "5.",
                        "1e",
                        "1e+",
                        "1e-",
                        "1ee5",
                        "1.2.3",
                        "1e5.5",
                        "--1",
                        "-",
                        "",
                        "1e0000001",
                        "1e00000000000000000001",
                        "123456789012345678901234567890",
                        "0.1000000000000000000000000001",
                        "9007199254740993",
                        "9007199254740992e-22",
                        "4.9406564584124654e-324",
                        "16777217",
                        "16777216.5",
                        "16777217.000000001",
                        "0.30000001192092896",
                        "0.1",
                        "0.2",
                        "0.3"}) {
    ExpectAgrees(c);
    ExpectArrayMatchesGeneral(c);
  }
}

TEST(FloatParse, BothKernelsAnswerAlike) {
  // A second point or sign right after a number ends it, as for
  // std::from_chars; a long integer part takes the byte-at-a-time path in
  // one kernel and not the other. (Cases found by the fuzz target.)
  for (const char* c : {"6666666660.660.eeee1", "1.5.", "1.5.5", "0.5-1", "-0.5-", "1e5.5",
                        "12345678.5", "123456789012345.5", "1234567.25.", "55555555555550.50.0"}) {
    const std::string s(c);
    for (size_t i = 0; i < s.size(); ++i) {
      const std::string t = s.substr(i) + std::string(20, ' ');
      const char* end = t.data() + s.size() - i;
      float x = 0, y = 0;
      const char* px = ParseFloatPrefix(t.data(), end, t.data() + t.size(), &x);
      const char* py =
          float_parse_internal::ParseFloatPrefixBaseline(t.data(), end, t.data() + t.size(), &y);
      ASSERT_EQ(px, py) << c << " at " << i;
      if (px != nullptr) {
        EXPECT_EQ(std::bit_cast<uint32_t>(x), std::bit_cast<uint32_t>(y)) << c << " at " << i;
        float z = 0;
        auto res = std::from_chars(t.data(), end, z);
        EXPECT_EQ(res.ptr, px) << c << " at " << i;
        EXPECT_EQ(std::bit_cast<uint32_t>(z), std::bit_cast<uint32_t>(x)) << c << " at " << i;
      }
    }
  }
}

TEST(FloatParse, DeclinesOtherGrammar) {
  for (const char* c :
       {"[01]", "[-01.5]", "[+1]", "[.5]",  "[-.5]",   "[1.]",       "[1.e5]", "[1e]",
        "[-]",  "[1,]",    "[,1]", "[1 2]", "[NaN]",   "[Infinity]", "[1e39]", "[-1e39]",
        "[1",   "[1,2",    "1]",   "[1]]x", "[\"1\"]", "[[1]]",      "[1;2]"}) {
    const std::string s(c);
    const ExactBuffer buf(s);
    for (ArrayFn fn : kArrayFns) {
      std::vector<float> out;
      const char* end = fn(buf.begin(), buf.end(), buf.end(), &out);
      EXPECT_TRUE(end == nullptr || end != buf.end()) << c;
    }
  }
}

TEST(FloatParse, StopsAtEndEvenWhenDigitsFollow) {
  // The readable bytes after end hold digits, a point and an exponent; none
  // of them may be taken into the number.
  for (const std::string body : {"1", "12", "0.5", "-0.25", "123.456", "1e5", "1.5e-3"}) {
    for (const std::string tail : {"0", ".5", "e7", "123456789012345678901234567890"}) {
      const std::string text = body + tail;
      float v = 0;
      const char* p =
          ParseFloatPrefix(text.data(), text.data() + body.size(), text.data() + text.size(), &v);
      float want = 0;
      std::from_chars(body.data(), body.data() + body.size(), want);
      ASSERT_EQ(p, text.data() + body.size()) << body << "|" << tail;
      EXPECT_EQ(v, want) << body << "|" << tail;
    }
  }
}

TEST(FloatParse, WhitespaceAndEmptyArrays) {
  std::vector<float> out = {7};
  const std::string empty = "[ \n]";
  EXPECT_EQ(
      ParseFloatArray(empty.data(), empty.data() + empty.size(), empty.data() + empty.size(), &out),
      empty.data() + empty.size());
  EXPECT_TRUE(out.empty());
  const std::string spaced = "[\t0.5 ,\r\n-2 , 1e-3\n]";
  ASSERT_NE(ParseFloatArray(spaced.data(), spaced.data() + spaced.size(),
                            spaced.data() + spaced.size(), &out),
            nullptr);
  EXPECT_EQ(out, (std::vector<float>{0.5f, -2.0f, 1e-3f}));
}

TEST(FloatParse, EveryFloatRoundTripsThroughTheListWriter) {
  // Random bit patterns (every exponent, subnormals) and embedding-like
  // values, written by FormatFloatList and read back bit for bit.
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  for (int round = 0; round < 200; ++round) {
    std::vector<float> v;
    for (int i = 0; i < 768; ++i) {
      float f = round % 2 ? normal(rng) : std::bit_cast<float>(static_cast<uint32_t>(rng()));
      if (!std::isfinite(f)) f = 0.5f;
      v.push_back(f);
    }
    std::string text(2 + v.size() * (kMaxFloatChars + 1), '\0');
    text[0] = '[';
    char* p = FormatFloatList(v, text.data() + 1);
    *p++ = ']';
    text.resize(static_cast<size_t>(p - text.data()));
    const ExactBuffer buf(text);
    for (ArrayFn fn : kArrayFns) {
      std::vector<float> back;
      ASSERT_EQ(fn(buf.begin(), buf.end(), buf.end(), &back), buf.end()) << text.substr(0, 200);
      ASSERT_EQ(back.size(), v.size());
      for (size_t i = 0; i < v.size(); ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(back[i]), std::bit_cast<uint32_t>(v[i])) << i;
      }
    }
  }
}

}  // namespace
}  // namespace tributary
