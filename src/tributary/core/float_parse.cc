#include "tributary/core/float_parse.h"

#include <algorithm>
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
#if defined(__x86_64__)
#include <immintrin.h>
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
                              FloatVector* out) {
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
                                                                      FloatVector* out) {
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

#if defined(__x86_64__)
#define TRIB_FLOAT_PARSE_AVX512 1
// GCC 12 reports the AVX-512 headers' deliberately undefined vectors
// (_mm512_undefined_*) as maybe uninitialised where they are inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// The AVX-512 array kernel: up to eight elements per step.
//
// Two 64-byte loads (masked at readable_end) and byte compares give bit
// masks of the points, ',' and ']' in a 128-byte window. The terminators
// (',' and the first ']') of up to eight elements give every element's
// end at once, and so the next step's position. Byte compressions (VBMI2)
// of the masks list, per element, where its terminator and its point are
// (its start is the byte after the previous terminator), and lane by lane
// the element must be '-'? d+ '.' d+: exactly one point, every other byte
// after the sign a digit, no leading zero, at most 15 digits. The step
// stops at the first element that is not (whitespace, an exponent,
// garbage), which goes the per-number way. Once an array shows whitespace
// after its terminators, each window drops it first.
//
// Each element's digits, without the point, are gathered right-aligned
// into a 16-byte lane with one byte permute (VBMI): four elements per
// register, two registers. Multiply-adds make 8-digit halves and one
// 32x32 multiply the integer w < 10^15, exactly a double; times 10^-f (f
// digits after the point) it is the same product as ToFloat's, checked
// against the same range and the same midpoint margin, and narrowed the
// same way, so an element the step answers has the value the per-number
// kernel gives. Elements it cannot prove stop the step there: the
// per-number kernel (and ParseFloat behind it) takes the element.
#define TRIB_AVX512_TARGET \
  "avx512f,avx512bw,avx512vl,avx512dq,avx512vbmi,avx512vbmi2,bmi,bmi2,popcnt,ssse3"

// The step's window: 128 bytes, two registers, masked at readable_end.
struct Window {
  __m512i lo;
  __m512i hi;
};

__attribute__((target(TRIB_AVX512_TARGET))) inline Window LoadWindow(const char* p,
                                                                     const char* readable_end) {
  const int64_t readable = readable_end - p;  // > 0: p < end <= readable_end
  if (readable >= 128) return Window{_mm512_loadu_si512(p), _mm512_loadu_si512(p + 64)};
  const unsigned n0 = readable >= 64 ? 64 : static_cast<unsigned>(readable);
  const unsigned n1 = readable >= 64 ? static_cast<unsigned>(readable - 64) : 0;
  return Window{_mm512_maskz_loadu_epi8(_bzhi_u64(~uint64_t{0}, n0), p),
                _mm512_maskz_loadu_epi8(_bzhi_u64(~uint64_t{0}, n1), p + 64)};
}

// The first eight of the terminators term0 (bytes 0-63) and term1 (64-127),
// how many, where the last is and the bytes up to it.
struct Kept {
  uint64_t term0;
  uint64_t term1;
  int n0;  // kept in term0
  int k;   // kept in all
  int last;
  uint64_t region0;
  uint64_t region1;
};

__attribute__((target(TRIB_AVX512_TARGET))) inline Kept KeepEight(uint64_t term0, uint64_t term1) {
  Kept r;
  const int c0 = static_cast<int>(_mm_popcnt_u64(term0));
  if (c0 >= 8) {
    r.term0 = _pdep_u64(0xFF, term0);
    r.term1 = 0;
  } else {
    r.term0 = term0;
    r.term1 = _pdep_u64(_bzhi_u64(0xFF, static_cast<unsigned>(8 - c0)), term1);
  }
  r.n0 = std::min(c0, 8);
  r.k = r.n0 + static_cast<int>(_mm_popcnt_u64(r.term1));
  r.last = r.term1 != 0 ? 127 - std::countl_zero(r.term1) : 63 - std::countl_zero(r.term0);
  r.region0 =
      r.term1 != 0 ? ~uint64_t{0} : _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(r.last + 1));
  r.region1 = r.term1 != 0 ? _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(r.last - 63)) : 0;
  return r;
}

// The digits of four elements, one per 16-byte lane (its low 64 bits hold
// the value of the high 8 digits, its high 64 bits that of the low 8):
// `spread` says which element (byte i of base, ppos, dpos) each lane takes.
__attribute__((target(TRIB_AVX512_TARGET))) inline __m512i LaneValues(const Window& vd,
                                                                    __m512i base, __m512i ppos,
                                                                    __m512i dpos, __m512i spread,
                                                                    __mmask8* not_digits) {
  const __m512i lane_byte = _mm512_set_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
                                            15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
                                            15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
                                            15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i minus_one = _mm512_set1_epi8(-1);
  const __m512i pairs_w = _mm512_set1_epi16(0x010A);      // bytes 10, 1
  const __m512i quads_w = _mm512_set1_epi32(0x00010064);  // words 100, 1
  const __m512i e4 = _mm512_set1_epi64(10000);
  const __m512i t = _mm512_add_epi8(_mm512_permutexvar_epi8(spread, base), lane_byte);
  const __m512i pt = _mm512_permutexvar_epi8(spread, ppos);
  const __m512i d0 = _mm512_permutexvar_epi8(spread, dpos);
  // Bytes from the point on come one further on.
  const __m512i src = _mm512_mask_sub_epi8(t, _mm512_cmpge_epi8_mask(t, pt), t, minus_one);
  const __m512i dig =
      _mm512_maskz_permutex2var_epi8(_mm512_cmpge_epi8_mask(src, d0), vd.lo, src, vd.hi);
  // 64-bit lanes holding a byte that is not a digit.
  const __m512i over = _mm512_subs_epu8(dig, _mm512_set1_epi8(9));
  *not_digits = _mm512_test_epi64_mask(over, over);
  const __m512i quads = _mm512_madd_epi16(_mm512_maddubs_epi16(dig, pairs_w), quads_w);
  const __m512i eights =
      _mm512_add_epi64(_mm512_mul_epu32(quads, e4), _mm512_srli_epi64(quads, 32));
  return eights;
}

// Up to `turns` elements the per-number way, as ParseArray reads them,
// appended to *out; returns where the next element starts, or after the
// array's ']' (setting *closed), or nullptr as ParseArray does. Out of
// line and compiled for SSSE3 only, so that the general reader it calls
// now and then runs without AVX-512 state.
__attribute__((target("ssse3"), noinline, flatten)) const char* ScalarElements(
    const char* p, const char* end, const char* readable_end, int turns,
    FloatVector* out, bool* closed) {
  for (; turns > 0; --turns) {
    const char* const token = p;
    uint32_t negative = 0;
    Decimal dec;
    p = ScanNumber<Ssse3Digits>(p, end, readable_end, &negative, &dec);
    if (p == nullptr) return nullptr;
    float f;
    if (!ToFloat(dec, negative, &f) &&
        ParseFloat(std::string_view(token, static_cast<size_t>(p - token)), &f, false) !=
            ParseNumberError::kOk) {
      return nullptr;
    }
    out->push_back(f);
    while (p < end && IsSpace(*p)) ++p;
    if (p >= end) return nullptr;
    if (*p == ']') {
      *closed = true;
      return p + 1;
    }
    if (*p != ',') return nullptr;
    ++p;
    while (p < end && IsSpace(*p)) ++p;
  }
  return p;
}

// A window's bytes by kind, as bit masks (bit i: byte i of the half).
struct WindowMasks {
  Window vd;  // the bytes minus '0'
  uint64_t point0, point1;
  uint64_t close0, close1;  // ']' in the text
  uint64_t term0, term1;    // ',' and ']' in the text
};

__attribute__((target(TRIB_AVX512_TARGET))) inline WindowMasks Classify(const Window& v,
                                                                        uint64_t in0,
                                                                        uint64_t in1) {
  WindowMasks m;
  const __m512i zero_char = _mm512_set1_epi8('0');
  m.vd = Window{_mm512_sub_epi8(v.lo, zero_char), _mm512_sub_epi8(v.hi, zero_char)};
  const __m512i point_char = _mm512_set1_epi8('.');
  const __m512i comma_char = _mm512_set1_epi8(',');
  const __m512i close_char = _mm512_set1_epi8(']');
  m.point0 = _mm512_cmpeq_epi8_mask(v.lo, point_char);
  m.point1 = _mm512_cmpeq_epi8_mask(v.hi, point_char);
  m.close0 = _mm512_cmpeq_epi8_mask(v.lo, close_char) & in0;
  m.close1 = _mm512_cmpeq_epi8_mask(v.hi, close_char) & in1;
  m.term0 = (_mm512_cmpeq_epi8_mask(v.lo, comma_char) | m.close0) & in0;
  m.term1 = (_mm512_cmpeq_epi8_mask(v.hi, comma_char) | m.close1) & in1;
  return m;
}

// A step's first half: the window, its terminators (at most eight) and per
// element (byte i) the terminator's and the point's positions; false when
// no element ends in the window. The next step's position comes from it.
struct StepFront {
  Window vd;       // the window's bytes minus '0'
  __m512i tpos;    // terminators, 127 after the k-th
  __m512i ppos;    // points, the i-th in the window; 127 after the last
  const char* at;  // where the window starts
  uint64_t term0;  // the kept terminators in bytes 0-63
  uint64_t term1;  // ... and 64-127
  int n0;          // how many of them are in term0
  int k;           // in all
  int last;        // the last one's byte
  bool closed;     // it is the array's ']'
  // Whitespace after terminators is dropped from the window before the
  // rest: the positions above are then in the window without it, and
  // these are the text's bytes it kept.
  bool compacted;
  uint64_t keep0;
  uint64_t keep1;
};

// Where byte i of the step's window lies in the text (from f.at).
__attribute__((target(TRIB_AVX512_TARGET))) inline int TextOffset(bool compacted, uint64_t keep0,
                                                                  uint64_t keep1, int i) {
  if (!compacted) return i;
  const int c0 = static_cast<int>(_mm_popcnt_u64(keep0));
  return i < c0 ? std::countr_zero(_pdep_u64(uint64_t{1} << i, keep0))
                : 64 + std::countr_zero(_pdep_u64(uint64_t{1} << (i - c0), keep1));
}

// The window without the whitespace that follows a terminator (JSON's
// ", " and ",\n  "); other whitespace stays, and stops the step.
// Returns false when there is none to drop.
__attribute__((target(TRIB_AVX512_TARGET))) inline bool DropSpaces(Window* v, uint64_t in0,
                                                                   uint64_t in1, int64_t* avail,
                                                                   uint64_t* keep0,
                                                                   uint64_t* keep1) {
  uint64_t s[2];
  uint64_t t[2];
  const __m512i halves[2] = {v->lo, v->hi};
  for (int h = 0; h < 2; ++h) {
    const __m512i x = halves[h];
    s[h] = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(' ')) |
           _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\n')) |
           _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\r')) |
           _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\t'));
    t[h] = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(',')) |
           _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(']'));
  }
  s[0] &= in0;
  s[1] &= in1;
  // The runs of whitespace that start right after a terminator: adding
  // their first bits to the whitespace mask carries through each run.
  using u128 = unsigned __int128;
  const u128 sp = (static_cast<u128>(s[1]) << 64) | s[0];
  const u128 tm = (static_cast<u128>(t[1]) << 64) | t[0];
  const u128 covered = sp & ~(sp + ((tm << 1) & sp));
  if (covered == 0) return false;
  *keep0 = ~static_cast<uint64_t>(covered);
  *keep1 = ~static_cast<uint64_t>(covered >> 64);
  const int c0 = static_cast<int>(_mm_popcnt_u64(*keep0));
  const __m512i lo = _mm512_maskz_compress_epi8(*keep0, v->lo);
  const __m512i hi = _mm512_maskz_compress_epi8(*keep1, v->hi);
  // lo's first c0 bytes, then hi's; hi moved down by 64 - c0 bytes.
  const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49,
                                       48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34,
                                       33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
                                       18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2,
                                       1, 0);
  v->lo = _mm512_mask_expand_epi8(lo, ~_bzhi_u64(~uint64_t{0}, static_cast<unsigned>(c0)), hi);
  v->hi = _mm512_permutexvar_epi8(
      _mm512_add_epi8(iota, _mm512_set1_epi8(static_cast<char>(64 - c0))), hi);
  // The window's text, less what was dropped (the window holds 128 bytes).
  *avail = std::min<int64_t>(*avail, 128) -
           static_cast<int64_t>(_mm_popcnt_u64(static_cast<uint64_t>(covered)) +
                                _mm_popcnt_u64(static_cast<uint64_t>(covered >> 64)));
  return true;
}

__attribute__((target(TRIB_AVX512_TARGET))) inline bool FrontHalf(const char* p, const char* end,
                                                                  const char* readable_end,
                                                                  bool drop_spaces, StepFront& f) {
  Window v = LoadWindow(p, readable_end);
  // The window's bytes that are text (bzhi keeps every bit from 64 up).
  int64_t avail = std::min<int64_t>(end - p, 255);
  uint64_t in0 = _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(avail));
  uint64_t in1 = _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(avail > 64 ? avail - 64 : 0));
  f.compacted = false;
  if (drop_spaces && DropSpaces(&v, in0, in1, &avail, &f.keep0, &f.keep1)) {
    f.compacted = true;
    in0 = _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(avail));
    in1 = _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(avail > 64 ? avail - 64 : 0));
  }
  const WindowMasks m = Classify(v, in0, in1);
  Kept kept = KeepEight(m.term0, m.term1);
  if (__builtin_expect(((m.close0 & kept.region0) | (m.close1 & kept.region1)) != 0, 0)) {
    // Terminators up to the first ']'.
    kept = KeepEight(m.term0 & _blsmsk_u64(m.close0),
                     m.close0 != 0 ? 0 : m.term1 & _blsmsk_u64(m.close1));
  }
  const Window& vd = m.vd;
  const uint64_t point0 = m.point0;
  const uint64_t point1 = m.point1;
  const uint64_t close0 = m.close0;
  const uint64_t close1 = m.close1;
  if ((kept.term0 | kept.term1) == 0) return false;
  const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49,
                                       48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34,
                                       33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
                                       18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2,
                                       1, 0);
  const __m512i iota64 = _mm512_add_epi8(iota, _mm512_set1_epi8(64));
  const __m512i fill = _mm512_set1_epi8(127);
  f.vd = vd;
  f.tpos = _mm512_mask_expand_epi8(
      _mm512_mask_compress_epi8(fill, kept.term0, iota),
      ~_bzhi_u64(~uint64_t{0}, static_cast<unsigned>(kept.n0)),
      _mm512_mask_compress_epi8(fill, kept.term1, iota64));
  f.ppos = _mm512_mask_expand_epi8(
      _mm512_mask_compress_epi8(fill, point0, iota),
      ~_bzhi_u64(~uint64_t{0}, static_cast<unsigned>(_mm_popcnt_u64(point0))),
      _mm512_mask_compress_epi8(fill, point1, iota64));
  f.at = p;
  f.term0 = kept.term0;
  f.term1 = kept.term1;
  f.n0 = kept.n0;
  f.k = kept.k;
  f.last = kept.last;
  f.closed = ((kept.last < 64 ? close0 >> kept.last : close1 >> (kept.last - 64)) & 1) != 0;
  return true;
}

// The byte of the i-th kept terminator.
__attribute__((target(TRIB_AVX512_TARGET))) inline int TerminatorAt(uint64_t term0, uint64_t term1,
                                                                    int n0, int i) {
  return i < n0 ? std::countr_zero(_pdep_u64(uint64_t{1} << i, term0))
                : 64 + std::countr_zero(_pdep_u64(uint64_t{1} << (i - n0), term1));
}

// A step's second half: the elements' shapes and values. Writes eight
// floats at dst and returns how many of the first elements are right (the
// rest are left to the per-number kernel).
__attribute__((target(TRIB_AVX512_TARGET))) inline int BackHalf(const Window& vd, __m512i tpos,
                                                                __m512i ppos, int k, float* dst) {
  // The per-element bytes sit in the low 16 bytes: 128-bit operations.
  const __m128i minus_one = _mm_set1_epi8(-1);
  const __m128i zero = _mm_setzero_si128();
  const __m128i tpos_x = _mm512_castsi512_si128(tpos);
  const __m128i ppos_x = _mm512_castsi512_si128(ppos);
  // Each element's start, and its first digit (one on after a '-').
  const __m128i start = _mm_bslli_si128(_mm_sub_epi8(tpos_x, minus_one), 1);
  const __mmask16 negative =
      _mm_cmpeq_epi8_mask(_mm512_castsi512_si128(_mm512_permutex2var_epi8(
                              vd.lo, _mm512_castsi128_si512(start), vd.hi)),
                          _mm_set1_epi8('-' - '0')) &
      0xFF;
  const __m128i dpos_x = _mm_mask_sub_epi8(start, negative, start, minus_one);
  const __m512i dpos = _mm512_castsi128_si512(dpos_x);
  // The shape, lane by lane: first digit < point < terminator - 1 (a
  // digit on each side), the next point after the terminator (only
  // one), at most 15 digits, no leading zero.
  const __m128i next_ppos = _mm_bsrli_si128(ppos_x, 1);
  const __m128i int_len = _mm_sub_epi8(ppos_x, dpos_x);
  const __m128i first = _mm512_castsi512_si128(_mm512_permutex2var_epi8(vd.lo, dpos, vd.hi));
  const __mmask16 shape =
      _mm_cmpgt_epi8_mask(int_len, zero) &
      _mm_cmpgt_epi8_mask(_mm_add_epi8(tpos_x, minus_one), ppos_x) &
      _mm_cmpgt_epi8_mask(next_ppos, tpos_x) &
      _mm_cmpge_epi8_mask(_mm_set1_epi8(16), _mm_sub_epi8(tpos_x, dpos_x)) &
      ~(_mm_cmpgt_epi8_mask(int_len, _mm_set1_epi8(1)) & _mm_cmpeq_epi8_mask(first, zero));

  // The digits: element 2j in 16-byte lane j of `even`, 2j+1 of `odd`,
  // right-aligned, zeros before. Byte b of an element's lane takes the
  // text byte at t - 17 + b, one further on from the point.
  const __m512i base = _mm512_sub_epi8(tpos, _mm512_set1_epi8(17));
  __mmask8 even_bad;
  __mmask8 odd_bad;
  const __m512i even = LaneValues(
      vd, base, ppos, dpos,
      _mm512_set_epi64(0x0606060606060606, 0x0606060606060606, 0x0404040404040404,
                       0x0404040404040404, 0x0202020202020202, 0x0202020202020202, 0, 0),
      &even_bad);
  const __m512i odd = LaneValues(
      vd, base, ppos, dpos,
      _mm512_set_epi64(0x0707070707070707, 0x0707070707070707, 0x0505050505050505,
                       0x0505050505050505, 0x0303030303030303, 0x0303030303030303,
                       0x0101010101010101, 0x0101010101010101),
      &odd_bad);
  // Element 2j's lane is 64-bit lanes 2j and 2j + 1 of even, 2j + 1's of odd.
  const uint32_t eb = even_bad;
  const uint32_t ob = odd_bad;
  const uint32_t not_plain = ((eb | (eb >> 1)) & 0x55) | (((ob | (ob >> 1)) & 0x55) << 1);
  // Element i's high and low halves in 64-bit lane i, then w = high * 10^8 + low.
  const __m512i high = _mm512_permutex2var_epi64(even, _mm512_setr_epi64(0, 8, 2, 10, 4, 12, 6, 14), odd);
  const __m512i low = _mm512_permutex2var_epi64(even, _mm512_setr_epi64(1, 9, 3, 11, 5, 13, 7, 15), odd);
  const __m512i w = _mm512_add_epi64(_mm512_mul_epu32(high, _mm512_set1_epi64(100000000)), low);

  // ToFloat, lane by lane: the same product and midpoint margin. Its range
  // check always passes here (w < 10^15 and 1 <= f <= 14, so d is 0 or
  // between 10^-14 and 10^14), and w = 0 gives +0 (its sign set below),
  // whose low bits lie outside the margin.
  const __m512i frac = _mm512_cvtepu8_epi64(_mm_add_epi8(_mm_sub_epi8(tpos_x, ppos_x), minus_one));
  const __m512d scale = _mm512_permutex2var_pd(
      _mm512_setr_pd(1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7), frac,
      _mm512_setr_pd(1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15));
  const __m512d d = _mm512_mul_pd(_mm512_cvtepu64_pd(w), scale);
  const __mmask8 near_mid = _mm512_cmplt_epu64_mask(
      _mm512_add_epi64(
          _mm512_and_si512(_mm512_castpd_si512(d), _mm512_set1_epi64((int64_t{1} << 29) - 1)),
          _mm512_set1_epi64(8 - (int64_t{1} << 28))),
      _mm512_set1_epi64(17));
  const uint32_t good = static_cast<uint32_t>(shape) & ~not_plain &
                        _bzhi_u32(0xFF, static_cast<unsigned>(k)) &
                        static_cast<uint32_t>(static_cast<__mmask8>(~near_mid));
  const __m256i fl = _mm256_castps_si256(_mm512_cvtpd_ps(d));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                      _mm256_mask_or_epi32(fl, static_cast<__mmask8>(negative), fl,
                                           _mm256_set1_epi32(static_cast<int>(0x80000000u))));
  return std::countr_zero(~good);  // <= k
}

// The steps overlap: the next step's first half runs before this one's
// second half, which does not hold it up (its position needs only the
// terminators). A step whose elements are not all right undoes the next.
__attribute__((target(TRIB_AVX512_TARGET), flatten)) const char* ParseArrayAvx512(
    const char* p, const char* end, const char* readable_end, FloatVector* out) {
  out->clear();
  if (p >= end || *p != '[') return nullptr;
  ++p;
  while (p < end && IsSpace(*p)) ++p;
  if (p < end && *p == ']') return p + 1;

  size_t n = 0;
  size_t room = out->size();
  float* data = out->data();
  int scalar_turns = 0;  // after a step that parsed little, this many per-number turns
  int backoff = 8;
  bool pending = false;
  // The pending step's first half, in variables of their own, so that no
  // step is copied as a whole.
  Window cur_vd{};
  __m512i cur_tpos = _mm512_setzero_si512();
  __m512i cur_ppos = _mm512_setzero_si512();
  const char* cur_at = p;
  uint64_t cur_term0 = 0;
  uint64_t cur_term1 = 0;
  int cur_n0 = 0;
  int cur_k = 0;
  int cur_last = 0;
  bool cur_closed = false;
  bool cur_compacted = false;
  uint64_t cur_keep0 = 0;
  uint64_t cur_keep1 = 0;
  bool spaces = false;  // whitespace follows terminators: drop it from windows
  for (;;) {
    for (;;) {
      StepFront next;
      bool have_next = false;
      if (!(pending && cur_closed) && scalar_turns == 0 && p < end) {
        have_next = FrontHalf(p, end, readable_end, spaces, next);
        if (have_next) {
          p += TextOffset(next.compacted, next.keep0, next.keep1, next.last) + 1;
          while (p < end && IsSpace(*p)) ++p;
        }
      }
      if (pending) {
        if (n + 8 > room) {
          out->resize(n + 64);  // std::vector grows its capacity geometrically
          room = out->size();
          data = out->data();
        }
        const int count = BackHalf(cur_vd, cur_tpos, cur_ppos, cur_k, data + n);
        // Counted as if all were right, so that the next step's output
        // position does not wait on this step's values; corrected below.
        n += static_cast<size_t>(cur_k);
        if (__builtin_expect(count < cur_k, 0)) {
          n -= static_cast<size_t>(cur_k - count);
          // Resume after the last right element, the per-number way.
          have_next = false;
          p = count == 0 ? cur_at
                         : cur_at +
                               TextOffset(cur_compacted, cur_keep0, cur_keep1,
                                          TerminatorAt(cur_term0, cur_term1, cur_n0, count - 1)) +
                               1;
          if (p < end && IsSpace(*p)) spaces = true;
          while (p < end && IsSpace(*p)) ++p;
          scalar_turns = 0;
        } else if (cur_closed) {
          out->resize(n);
          return cur_at + TextOffset(cur_compacted, cur_keep0, cur_keep1, cur_last) + 1;
        } else if (count < 4) {
          // Few plain elements in a row (exponents, long mantissas,
          // spaces): the per-number way is faster for a while, the longer
          // the more often.
          scalar_turns = backoff;
          backoff = std::min(2 * backoff, 256);
        } else if (count == 8) {
          backoff = 8;
        }
      }
      pending = have_next;
      if (!pending) break;
      cur_vd = next.vd;
      cur_tpos = next.tpos;
      cur_ppos = next.ppos;
      cur_at = next.at;
      cur_term0 = next.term0;
      cur_term1 = next.term1;
      cur_n0 = next.n0;
      cur_k = next.k;
      cur_last = next.last;
      cur_closed = next.closed;
      cur_compacted = next.compacted;
      cur_keep0 = next.keep0;
      cur_keep1 = next.keep1;
    }
    if (scalar_turns == 0) {
      scalar_turns = backoff;
      backoff = std::min(2 * backoff, 256);
    }
    out->resize(n);
    bool closed = false;
    p = ScalarElements(p, end, readable_end, scalar_turns, out, &closed);
    if (p == nullptr || closed) return p;
    scalar_turns = 0;
    n = out->size();
    room = n;
    data = out->data();
  }
}

bool DetectAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vbmi2") &&
         __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
         __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("ssse3");
}
const bool kHaveAvx512 = DetectAvx512();
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // __x86_64__

}  // namespace

namespace float_parse_internal {

__attribute__((flatten)) const char* ParseFloatPrefixBaseline(const char* p, const char* end,
                                                              const char* readable_end,
                                                              float* out) {
  return ParseNumber<SwarDigits>(p, end, readable_end, out);
}

__attribute__((flatten)) const char* ParseFloatArrayBaseline(const char* p, const char* end,
                                                             const char* readable_end,
                                                             FloatVector* out) {
  return ParseArray<SwarDigits>(p, end, readable_end, out);
}

bool Ssse3KernelSupported() {
#if defined(TRIB_FLOAT_PARSE_SSSE3)
  return kHaveSsse3;
#else
  return false;
#endif
}

bool Avx512KernelSupported() {
#if defined(TRIB_FLOAT_PARSE_AVX512)
  return kHaveAvx512;
#else
  return false;
#endif
}

const char* ParseFloatArraySsse3(const char* p, const char* end, const char* readable_end,
                                 FloatVector* out) {
#if defined(TRIB_FLOAT_PARSE_SSSE3)
  if (kHaveSsse3) return ParseArraySsse3(p, end, readable_end, out);
#endif
  return ParseFloatArrayBaseline(p, end, readable_end, out);
}

const char* ParseFloatArrayAvx512(const char* p, const char* end, const char* readable_end,
                                  FloatVector* out) {
#if defined(TRIB_FLOAT_PARSE_AVX512)
  if (kHaveAvx512) return ParseArrayAvx512(p, end, readable_end, out);
#endif
  return ParseFloatArraySsse3(p, end, readable_end, out);
}

}  // namespace float_parse_internal

const char* ParseFloatPrefix(const char* p, const char* end, const char* readable_end, float* out) {
#if defined(TRIB_FLOAT_PARSE_SSSE3)
  if (kHaveSsse3) return ParseNumberSsse3(p, end, readable_end, out);
#endif
  return float_parse_internal::ParseFloatPrefixBaseline(p, end, readable_end, out);
}

const char* ParseFloatArray(const char* p, const char* end, const char* readable_end,
                            FloatVector* out) {
#if defined(TRIB_FLOAT_PARSE_AVX512)
  if (kHaveAvx512) return ParseArrayAvx512(p, end, readable_end, out);
#endif
#if defined(TRIB_FLOAT_PARSE_SSSE3)
  if (kHaveSsse3) return ParseArraySsse3(p, end, readable_end, out);
#endif
  return float_parse_internal::ParseFloatArrayBaseline(p, end, readable_end, out);
}

}  // namespace tributary
