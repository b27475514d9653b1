#include "tributary/core/float_parse.h"

#include <bit>
#include <cfloat>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <tmmintrin.h>
#define TRIB_FLOAT_PARSE_SSE 1
#endif

#include "tributary/core/numbers.h"

namespace tributary {
namespace {

// 10^e for -22 <= e <= 22, at kScale[e + 22]: exact from 10^0 up, the
// nearest double below that.
constexpr double kScale[] = {1e-22, 1e-21, 1e-20, 1e-19, 1e-18, 1e-17, 1e-16, 1e-15, 1e-14,
                             1e-13, 1e-12, 1e-11, 1e-10, 1e-9,  1e-8,  1e-7,  1e-6,  1e-5,
                             1e-4,  1e-3,  1e-2,  1e-1,  1e0,   1e1,   1e2,   1e3,   1e4,
                             1e5,   1e6,   1e7,   1e8,   1e9,   1e10,  1e11,  1e12,  1e13,
                             1e14,  1e15,  1e16,  1e17,  1e18,  1e19,  1e20,  1e21,  1e22};

constexpr uint64_t kPow10Int[] = {1,
                                  10,
                                  100,
                                  1000,
                                  10000,
                                  100000,
                                  1000000,
                                  10000000,
                                  100000000,
                                  1000000000,
                                  10000000000,
                                  100000000000,
                                  1000000000000,
                                  10000000000000,
                                  100000000000000,
                                  1000000000000000};

inline uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian: p[0] is the low byte
}

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }
inline bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The value of eight digits, the most significant in the lowest byte; each
// byte is an ASCII digit or a digit value 0-9 (only its low nibble counts).
// Three multiply-shift steps combine 1-, 2- and 4-digit lanes.
inline uint64_t EightDigits(uint64_t v) {
  v = (v & 0x0F0F0F0F0F0F0F0F) * 2561 >> 8;
  v = (v & 0x00FF00FF00FF00FF) * 6553601 >> 16;
  return (v & 0x0000FFFF0000FFFF) * 42949672960001 >> 32;
}

// A decimal as read: the digits as an integer w with the point moved to
// the end (value w * 10^exp10). fits is false when there were more than 19
// digits or an exponent of more than 5 digits; w is then meaningless.
struct Decimal {
  uint64_t w = 0;
  int64_t exp10 = 0;
  bool fits = true;
};

// Reads [eE][+-]?digits at q (q[0] is 'e' or 'E') into *dec; returns the
// end, or nullptr when no digit follows.
inline const char* ScanExponent(const char* q, const char* end, Decimal* dec) {
  ++q;
  bool negative = false;
  if (q < end && (*q == '+' || *q == '-')) {
    negative = *q == '-';
    ++q;
  }
  const char* const start = q;
  int64_t e = 0;
  while (q < end && IsDigit(*q)) {
    if (q - start < 5) e = e * 10 + (*q - '0');
    ++q;
  }
  if (q == start) return nullptr;
  if (q - start > 5) dec->fits = false;
  dec->exp10 += negative ? -e : e;
  return q;
}

// The byte-at-a-time reader, for numbers near the end of the readable
// bytes and for long ones.
__attribute__((noinline)) const char* ScanDecimalScalar(const char* p, const char* end,
                                                        Decimal* dec) {
  const char* q = p;
  while (q < end && IsDigit(*q)) ++q;
  const char* const int_end = q;
  const int64_t int_len = int_end - p;
  if (int_len == 0 || (int_len > 1 && *p == '0')) return nullptr;
  int64_t frac_len = 0;
  if (q < end && *q == '.') {
    ++q;
    const char* const frac_start = q;
    while (q < end && IsDigit(*q)) ++q;
    frac_len = q - frac_start;
    if (frac_len == 0) return nullptr;
  }
  if (int_len + frac_len <= 19) {
    uint64_t w = 0;
    for (const char* d = p; d < q; ++d) {
      if (*d != '.') w = w * 10 + static_cast<uint64_t>(*d - '0');
    }
    dec->w = w;
  } else {
    dec->fits = false;
  }
  dec->exp10 = -frac_len;
  if (q < end && (*q | 0x20) == 'e') q = ScanExponent(q, end, dec);
  return q;
}

// The rare paths, through a copy: the caller's Decimal, whose address never
// leaves the inlined fast path, stays in registers.
inline const char* ScanDecimalScalarInto(const char* p, const char* end, Decimal* dec) {
  Decimal tmp;
  const char* q = ScanDecimalScalar(p, end, &tmp);
  *dec = tmp;
  return q;
}

__attribute__((noinline)) const char* ScanExponentOutOfLine(const char* q, const char* end,
                                                            Decimal* dec) {
  return ScanExponent(q, end, dec);
}

inline const char* ScanExponentInto(const char* q, const char* end, Decimal* dec) {
  Decimal tmp = *dec;
  q = ScanExponentOutOfLine(q, end, &tmp);
  *dec = tmp;
  return q;
}

// The correctly rounded float32 of w * 10^exp10 (negated when negative), or
// false when that cannot be proved here (see the header).
inline bool ToFloat(const Decimal& dec, uint32_t negative, float* out) {
  if (!dec.fits) return false;
  if (dec.w == 0) {
    *out = negative ? -0.0f : 0.0f;
    return true;
  }
  if (dec.w > (uint64_t{1} << 53) || dec.exp10 < -22 || dec.exp10 > 22) return false;
  // One multiplication (a division would be correctly rounded but takes
  // three times as long, and a vector's numbers wait on it): 10^e is exact
  // for e >= 0 and within half an ulp for e < 0, so d is within two ulps of
  // the decimal.
  const double d = static_cast<double>(dec.w) * kScale[dec.exp10 + 22];
  // Below the float normal range the halfway test below does not hold;
  // above it the value overflows.
  if (!(d >= static_cast<double>(FLT_MIN) && d <= static_cast<double>(FLT_MAX))) return false;
  // 53 - 24 = 29 low bits of d are below float precision. Narrowing d rounds
  // the decimal correctly unless a float midpoint (low bits 2^28) lies
  // between them: d must be more than two ulps from one; eight is the margin.
  const int64_t low = static_cast<int64_t>(std::bit_cast<uint64_t>(d) & ((uint64_t{1} << 29) - 1));
  if (low - (int64_t{1} << 28) >= -8 && low - (int64_t{1} << 28) <= 8) return false;
  const float f = static_cast<float>(d);
  // The sign of a vector element is random: set its bit without a branch.
  *out = std::bit_cast<float>(std::bit_cast<uint32_t>(f) | (negative << 31));
  return true;
}

#if defined(TRIB_FLOAT_PARSE_SSE)

// Where the digits and the point of a number lie.
struct Shape {
  int int_len;    // digits before the point
  int has_point;  // 0 or 1
  int frac_len;   // digits after the point
  int len;        // all of it
};

// Digits to an integer, portable: the integer part, the first fraction
// digits and (for more than eight) the last eight are each one 8-byte load
// inside the 16 bytes, shifted so that unwanted bytes fall off, and one
// EightDigits. Handles int_len <= 7.
struct SwarDigits {
  static constexpr int kMaxIntLen = 7;
  static uint64_t Value(__m128i, const char* p, const Shape& s) {
    // Most vector elements have one digit before the point.
    const uint64_t int_value = s.int_len == 1 ? static_cast<uint64_t>(*p - '0')
                                              : EightDigits(Load8(p) << (8 * (8 - s.int_len)));
    if (!s.has_point) return int_value;
    const uint64_t first = Load8(p + s.int_len + 1);               // the first fraction digits
    const uint64_t last = Load8(p + (s.len > 8 ? s.len : 8) - 8);  // the last eight
    // Eight fraction digits or more is a coin flip for shortest-form
    // floats: both ways are computed and combined without a branch.
    const uint64_t two = static_cast<uint64_t>(s.frac_len > 8);
    const int head_len = s.frac_len - 8 * static_cast<int>(two);
    const uint64_t head = EightDigits(first << (8 * (8 - head_len)));
    const uint64_t tail = EightDigits(last) & (0 - two);
    return (int_value * kPow10Int[head_len] + head) * kPow10Int[8 * two] + tail;
  }
};

// For each (digits before the point, digits after it), the byte shuffle
// that drops the point and right-aligns the digits in 16 bytes, zeros
// before them.
struct ShuffleTable {
  alignas(16) uint8_t m[16][16][16];
};

constexpr ShuffleTable MakeShuffleTable() {
  ShuffleTable t{};
  for (int i = 0; i < 16; ++i) {
    for (int f = 0; f < 16; ++f) {
      const int n = i + f;
      for (int j = 0; j < 16; ++j) {
        const int k = j - (16 - n);  // which digit lands in byte j
        t.m[i][f][j] = n > 15 || k < 0 ? 0x80 : static_cast<uint8_t>(k < i ? k : k + 1);
      }
    }
  }
  return t;
}

constexpr ShuffleTable kShuffle = MakeShuffleTable();

// Digits to an integer with SSSE3: one shuffle puts the digits in place,
// then multiply-adds combine 1-, 2-, 4- and 8-digit groups. Handles up to 15
// digits.
struct Ssse3Digits {
  static constexpr int kMaxIntLen = 15;
  __attribute__((target("ssse3"))) static uint64_t Value(__m128i v, const char*, const Shape& s) {
    const __m128i t = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const __m128i order =
        _mm_load_si128(reinterpret_cast<const __m128i*>(kShuffle.m[s.int_len][s.frac_len]));
    const __m128i d = _mm_shuffle_epi8(t, order);
    const __m128i pairs =
        _mm_maddubs_epi16(d, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
    const __m128i quads = _mm_madd_epi16(pairs, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    const __m128i packed = _mm_packs_epi32(quads, quads);
    const __m128i eights =
        _mm_madd_epi16(packed, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    const uint64_t both = static_cast<uint64_t>(_mm_cvtsi128_si64(eights));
    return (both & 0xFFFFFFFF) * 100000000 + (both >> 32);
  }
};

// Reads the number at p: '-'? digits ('.' digits)? ([eE] [+-]? digits)?,
// no leading zeros. Returns its end, or nullptr when the text is not such a
// number; sets *negative and *dec.
//
// In a vector the next number's position depends on where this one ends,
// so that is worked out first and with as few dependent steps as possible
// (one load, one compare, one bit scan); the value comes off that path.
template <typename Digits>
inline const char* ScanNumber(const char* p, const char* end, const char* readable_end,
                              uint32_t* negative, Decimal* dec) {
  if (p >= end) return nullptr;
  const uint32_t neg = *p == '-';  // no branch: the sign is random
  *negative = neg;
  if (readable_end - p >= 17) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int64_t avail = end - p;
    const uint32_t in_text = avail >= 16 ? 0xFFFFu : (uint32_t{1} << avail) - 1;
    const __m128i t = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const uint32_t digits = static_cast<uint32_t>(_mm_movemask_epi8(
                                _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t))) &
                            in_text;
    const uint32_t points =
        static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')))) & in_text;
    const uint32_t minus =
        static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')))) & 1;
    // The number's bytes: a leading '-', digits, points.
    const int total = std::countr_zero(~(digits | points | minus));
    if (total < 16) {
      // Its shape after the sign.
      const uint32_t stop = ~(digits >> neg);
      Shape s;
      s.int_len = std::countr_zero(stop);
      s.has_point = static_cast<int>((points >> (neg + static_cast<uint32_t>(s.int_len))) & 1);
      s.frac_len = std::countr_zero(stop >> (s.int_len + 1)) & -s.has_point;
      s.len = s.int_len + s.has_point + s.frac_len;
      const char* const d = p + neg;
      if ((s.int_len == 0) | (s.has_point & (s.frac_len == 0)) | ((s.int_len > 1) & (*d == '0'))) {
        return nullptr;  // no digit before or after the point, a leading zero
      }
      if ((s.len + static_cast<int>(neg) != total) | (s.int_len > Digits::kMaxIntLen)) {
        // A second point or a '-' right after the number ("1.5.", which
        // ends at the second point), or a long integer part.
        return ScanDecimalScalarInto(d, end, dec);
      }
      dec->w = Digits::Value(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d)), d, s);
      dec->exp10 = -s.frac_len;
      const char* const q = p + total;
      if (q < end && (*q | 0x20) == 'e') return ScanExponentInto(q, end, dec);
      return q;
    }
  }
  return ScanDecimalScalarInto(p + neg, end, dec);
}

#else  // no SSE2: byte at a time

struct SwarDigits {};
template <typename Digits>
inline const char* ScanNumber(const char* p, const char* end, const char*, uint32_t* negative,
                              Decimal* dec) {
  if (p >= end) return nullptr;
  *negative = *p == '-';
  return ScanDecimalScalar(p + *negative, end, dec);
}

#endif

// One number at p, with its sign.
template <typename Digits>
inline const char* ParseNumber(const char* p, const char* end, const char* readable_end,
                               float* out) {
  uint32_t negative = 0;
  Decimal dec;
  const char* q = ScanNumber<Digits>(p, end, readable_end, &negative, &dec);
  if (q == nullptr || !ToFloat(dec, negative, out)) return nullptr;
  return q;
}

template <typename Digits>
inline const char* ParseArray(const char* p, const char* end, const char* readable_end,
                              std::vector<float>* out) {
  out->clear();
  if (p >= end || *p != '[') return nullptr;
  ++p;
  while (p < end && IsSpace(*p)) ++p;
  if (p < end && *p == ']') return p + 1;
  for (;;) {
    const char* const token = p;
    uint32_t negative = 0;
    Decimal dec;
    p = ScanNumber<Digits>(p, end, readable_end, &negative, &dec);
    if (p == nullptr) return nullptr;
    float f;
    if (!ToFloat(dec, negative, &f) &&
        ParseFloat(std::string_view(token, static_cast<size_t>(p - token)), &f, false) !=
            ParseNumberError::kOk) {
      return nullptr;
    }
    out->push_back(f);
    if (p < end && *p == ',') {  // the usual case: no whitespace
      ++p;
      if (p < end && IsSpace(*p)) {
        while (p < end && IsSpace(*p)) ++p;
      }
      continue;
    }
    while (p < end && IsSpace(*p)) ++p;
    if (p >= end) return nullptr;
    if (*p == ']') return p + 1;
    if (*p != ',') return nullptr;
    ++p;
    while (p < end && IsSpace(*p)) ++p;
  }
}

#if defined(TRIB_FLOAT_PARSE_SSE) && (defined(__x86_64__) || defined(__i386__))
#define TRIB_FLOAT_PARSE_SSSE3 1
// flatten: the kernel, compiled for SSSE3, is inlined into the loop here
// (and only here: the rest of the program stays baseline x86-64).
__attribute__((target("ssse3"), flatten)) const char* ParseArraySsse3(const char* p,
                                                                      const char* end,
                                                                      const char* readable_end,
                                                                      std::vector<float>* out) {
  return ParseArray<Ssse3Digits>(p, end, readable_end, out);
}
__attribute__((target("ssse3"), flatten)) const char* ParseNumberSsse3(const char* p,
                                                                       const char* end,
                                                                       const char* readable_end,
                                                                       float* out) {
  return ParseNumber<Ssse3Digits>(p, end, readable_end, out);
}
bool DetectSsse3() {
  __builtin_cpu_init();  // may run before libgcc's own initialiser
  return __builtin_cpu_supports("ssse3");
}
// Read by calls during static initialisation elsewhere it may still be
// false: they take the portable kernel, which gives the same results.
const bool kHaveSsse3 = DetectSsse3();
#endif

}  // namespace

namespace float_parse_internal {

__attribute__((flatten)) const char* ParseFloatPrefixBaseline(const char* p, const char* end,
                                                              const char* readable_end,
                                                              float* out) {
  return ParseNumber<SwarDigits>(p, end, readable_end, out);
}

__attribute__((flatten)) const char* ParseFloatArrayBaseline(const char* p, const char* end,
                                                             const char* readable_end,
                                                             std::vector<float>* out) {
  return ParseArray<SwarDigits>(p, end, readable_end, out);
}

}  // namespace float_parse_internal

const char* ParseFloatPrefix(const char* p, const char* end, const char* readable_end, float* out) {
#if defined(TRIB_FLOAT_PARSE_SSSE3)
  if (kHaveSsse3) return ParseNumberSsse3(p, end, readable_end, out);
#endif
  return float_parse_internal::ParseFloatPrefixBaseline(p, end, readable_end, out);
}

const char* ParseFloatArray(const char* p, const char* end, const char* readable_end,
                            std::vector<float>* out) {
#if defined(TRIB_FLOAT_PARSE_SSSE3)
  if (kHaveSsse3) return ParseArraySsse3(p, end, readable_end, out);
#endif
  return float_parse_internal::ParseFloatArrayBaseline(p, end, readable_end, out);
}

}  // namespace tributary
