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
#include "tributary/core/shortest_float.h"

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
using ArrayFn = const char* (*)(const char*, const char*, const char*, FloatVector*);

// The kernel this machine uses, and the portable one.
constexpr PrefixFn kPrefixFns[] = {ParseFloatPrefix,
                                   float_parse_internal::ParseFloatPrefixBaseline};
// Every array kernel: the one this machine uses, the AVX-512 and SSSE3
// ones (each runs the next simpler one where the processor lacks it) and
// the portable one.
constexpr ArrayFn kArrayFns[] = {ParseFloatArray, float_parse_internal::ParseFloatArrayAvx512,
                                 float_parse_internal::ParseFloatArraySsse3,
                                 float_parse_internal::ParseFloatArrayBaseline};

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
    FloatVector got;
    const char* end = fn(buf.begin(), buf.end(), buf.end(), &got);
    std::string padded = text + std::string(32, '9');
    FloatVector got_padded;
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
      FloatVector out;
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
  FloatVector out = {7};
  const std::string empty = "[ \n]";
  EXPECT_EQ(
      ParseFloatArray(empty.data(), empty.data() + empty.size(), empty.data() + empty.size(), &out),
      empty.data() + empty.size());
  EXPECT_TRUE(out.empty());
  const std::string spaced = "[\t0.5 ,\r\n-2 , 1e-3\n]";
  ASSERT_NE(ParseFloatArray(spaced.data(), spaced.data() + spaced.size(),
                            spaced.data() + spaced.size(), &out),
            nullptr);
  EXPECT_EQ(out, (FloatVector{0.5f, -2.0f, 1e-3f}));
}

TEST(FloatParse, KernelsThisMachineHasAreChosen) {
  __builtin_cpu_init();
  EXPECT_EQ(float_parse_internal::Ssse3KernelSupported(), __builtin_cpu_supports("ssse3") != 0);
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vbmi") &&
                      __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("bmi2");
  EXPECT_EQ(float_parse_internal::Avx512KernelSupported(), avx512);
  if (!avx512) GTEST_SKIP() << "no AVX-512 kernel on this processor; its entry runs SSSE3";
}

// Tokens an array may hold: the vector kernels' plain shape in every
// length around their limits, and everything they must hand on.
std::string RandomToken(std::mt19937_64& rng) {
  auto digits = [&](int n, bool nonzero_first) { return Digits(rng, n, nonzero_first); };
  const std::string sign = rng() % 2 ? "-" : "";
  switch (rng() % 24) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4: {  // bench-like: shortest float32 of a uniform value in (-1, 1)
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      char buf[kFloatTextBuffer];
      return std::string(buf, FormatShortestFloat(u(rng), buf));
    }
    case 5:  // "%.9g", 8 to 10 digits after "0."
      return sign + "0." + digits(static_cast<int>(8 + rng() % 3), false);
    case 6: {  // 1 to 20 digits, the point anywhere
      const int n = static_cast<int>(1 + rng() % 20);
      const std::string d = digits(n, true);
      const size_t at = 1 + rng() % static_cast<size_t>(n);
      return sign + (at >= d.size() ? d : d.substr(0, at) + "." + d.substr(at));
    }
    case 7:  // 9, 10, 17 and 20 digits after "0."
    {
      static constexpr int kLengths[] = {9, 10, 17, 20};
      return sign + "0." + digits(kLengths[rng() % 4], false);
    }
    case 8:  // 15 and 16 digits in all: the lane's limit
      return sign + digits(static_cast<int>(1 + rng() % 3), true) + "." +
             digits(static_cast<int>(13 + rng() % 2), false);
    case 9: {  // an exact float midpoint, and a hair either side
      const uint32_t bits = static_cast<uint32_t>(rng() % 0x7F000000u);
      const double mid =
          (static_cast<double>(std::bit_cast<float>(bits)) +
           static_cast<double>(std::bit_cast<float>(bits + 1))) / 2;
      char buf[128];
      std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(rng() % 3) + 8, mid);
      return sign + buf;
    }
    case 10: {  // short decimals near midpoints: 2^24 + odd, with a point
      const std::string odd = std::to_string((uint64_t{1} << 24) + 2 * (rng() % 1000) + 1);
      return sign + odd.substr(0, 4) + "." + odd.substr(4);
    }
    case 11:  // subnormal and tiny
      return sign + "0.0000000000000" + digits(static_cast<int>(1 + rng() % 3), true);
    case 12: {  // exponents
      const char* e[] = {"e5", "E-7", "e+3", "e-45", "e39", "e-50", "e0", "E+00"};
      return sign + digits(1, true) + "." + digits(static_cast<int>(1 + rng() % 8), false) +
             e[rng() % 8];
    }
    case 13:  // integers, zeros
      return sign + (rng() % 2 ? "0" : digits(static_cast<int>(1 + rng() % 9), true));
    case 14:
      return sign + "0." + std::string(static_cast<size_t>(rng() % 12), '0');
    case 15: {  // things the general reader words or refuses
      const char* bad[] = {"01.5", "00", "-01", "+1.5", "+0", ".5", "-.5", "1.", "5.e3", "--1",
                           "-", "", "1.2.3", "0.5-1", "1e", "1e+", "NaN", "Infinity", "\"1\"",
                           "1x", "0.5x", "[1]", "1;2", "1e5.5", "1.5.", "3.4028236e38"};
      return bad[rng() % 26];
    }
    default:  // more bench-like, with leading zeros after the point
      return sign + "0.0" + digits(static_cast<int>(7 + rng() % 3), true);
  }
}

std::string RandomSeparator(std::mt19937_64& rng, bool spaces) {
  if (!spaces || rng() % 4 != 0) return ",";
  const char* seps[] = {", ", " ,", " , ", ",\n", ",\r\n\t", "\t,", ",  "};
  return seps[rng() % 7];
}

// Every kernel gives the same answer on the same text: the same end (or
// none), the same elements bit for bit, and when it answers, the general
// reader's values. In an exact buffer, with digits readable past the end,
// and with the readable end exactly at the array's ']'.
void ExpectKernelsAgree(const std::string& text, size_t array_len) {
  FloatVector want;
  const ExactBuffer exact(text);
  const char* want_end = float_parse_internal::ParseFloatArrayBaseline(
      exact.begin(), exact.begin() + array_len, exact.end(), &want);
  if (want_end != nullptr) {
    FloatVector general;
    ASSERT_TRUE(ParseVectorText(std::string_view(exact.begin(),
                                                 static_cast<size_t>(want_end - exact.begin())),
                                VectorParseOptions(), &general)
                    .ok())
        << text;
    ASSERT_EQ(general.size(), want.size()) << text;
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(std::bit_cast<uint32_t>(general[i]), std::bit_cast<uint32_t>(want[i]))
          << i << " in " << text;
    }
  }
  const std::string padded = text + std::string(160, '7');
  for (ArrayFn fn : kArrayFns) {
    for (int variant = 0; variant < 2; ++variant) {
      const char* base = variant == 0 ? exact.begin() : padded.data();
      const char* readable = variant == 0 ? exact.end() : padded.data() + padded.size();
      FloatVector got = {1, 2, 3};
      const char* end = fn(base, base + array_len, readable, &got);
      if (want_end == nullptr) {
        ASSERT_EQ(end, nullptr) << text;
        continue;
      }
      ASSERT_EQ(end - base, want_end - exact.begin()) << text;
      ASSERT_EQ(got.size(), want.size()) << text;
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i]))
            << i << " in " << text;
      }
    }
  }
}

TEST(FloatParse, ArrayKernelsAgreeOnRandomArrays) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 30000; ++round) {
    // Lengths around the vector kernels' steps of eight and their windows.
    const int n = round % 5 == 0 ? static_cast<int>(rng() % 200) : static_cast<int>(rng() % 20);
    const bool plain = rng() % 3 != 0;  // mostly bench-like, to reach deep into arrays
    const bool spaces = rng() % 4 == 0;
    std::string text = "[";
    if (spaces && rng() % 2) text += " ";
    for (int i = 0; i < n; ++i) {
      if (i > 0) text += RandomSeparator(rng, spaces);
      if (plain && rng() % 50 != 0) {
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        char buf[kFloatTextBuffer];
        text.append(buf, FormatShortestFloat(u(rng), buf));
      } else {
        text += RandomToken(rng);
      }
    }
    if (spaces && rng() % 2) text += "\n";
    text += "]";
    const size_t array_len = text.size();
    switch (rng() % 4) {
      case 0:
        break;  // the array ends at the readable end
      case 1:
        text += ",\"x\":1}";
        break;
      case 2:
        text += "]";
        break;
      default:
        text += "0.5,0.25]";  // digits and terminators after the end
    }
    ExpectKernelsAgree(text, array_len);
    if (HasFatalFailure()) return;
    // Cut short: no ']' within the text.
    if (array_len > 2) {
      ExpectKernelsAgree(text, 1 + rng() % (array_len - 1));
      if (HasFatalFailure()) return;
    }
  }
}

TEST(FloatParse, ArrayKernelsAgreeOnEdgeArrays) {
  std::vector<std::string> cases = {"[]", "[ ]", "[0]", "[-0]", "[0.5]", "[-0.5]", "[1.5,2.5]",
                                    "[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]",
                                    "[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9]", "[0.1,]", "[,0.1]",
                                    "[0.1,,0.2]", "[0.1 0.2]", "[0.1],", "[0.1", "[-]", "[-,1]",
                                    "[0.5-]", "[1-0.5]", "[0.5,-0.25,-]",
                                    // Whitespace inside an element is not a separator.
                                    "[1 2.5]", "[0.5,1 2.5]", "[0.5, 1 2.5, 3.5]",
                                    "[0.5, 1\n2.5]", "[0.5 ,2.5]", "[0.5,\t\n -2.5 ]",
                                    "[0.5, -0 .5]", "[0.5, - 0.5]", "[0.5,  , 0.5]"};
  // Every element count from 0 to 40 of one 1- to 17-byte shape: the
  // elements of a step fill the window to its end, or not.
  for (const char* shape : {"1", "-1", "0.5", "-0.5", "0.123456789", "-0.0894086435",
                            "1.2345678901234", "-12.345678901234", "0.00000000000001"}) {
    for (int n = 0; n <= 40; ++n) {
      std::string text = "[";
      for (int i = 0; i < n; ++i) text += (i ? "," : "") + std::string(shape);
      cases.push_back(text + "]");
    }
  }
  // JSON's own spellings: ", " (Python's json.dumps) and one element a
  // line, indented; spaces runs that fill or cross a window.
  for (const char* sep : {", ", ",\n    ", ",\r\n\t", ", " "                                    "}) {
    for (int n = 1; n <= 30; ++n) {
      std::string text = "[";
      for (int i = 0; i < n; ++i) text += (i ? sep : "") + std::string(i % 2 ? "-0.25" : "0.125");
      cases.push_back(text + "]");
      cases.push_back(text + "\n]");
    }
  }
  for (const std::string& c : cases) {
    ExpectKernelsAgree(c, c.size());
    if (HasFatalFailure()) return;
  }
}

TEST(FloatParse, EveryFloatRoundTripsThroughTheListWriter) {
  // Random bit patterns (every exponent, subnormals) and embedding-like
  // values, written by FormatFloatList and read back bit for bit.
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  for (int round = 0; round < 200; ++round) {
    FloatVector v;
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
      FloatVector back;
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
