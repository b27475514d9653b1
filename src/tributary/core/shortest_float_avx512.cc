// FormatFloatList with AVX-512: the shortest text of 16 floats at a time.
//
// Each group of 16 floats goes through two stages.
//
// 1. In vector registers (16 32-bit lanes; for the products, the even and
//    the odd floats each in 8 64-bit lanes): Schubfach's decimal for every
//    float, exactly as ToDecimal in shortest_float.cc computes it (the three
//    rounded products, each from two 32x32->64-bit multiplications, since g
//    has 63 bits and the other factor at most 29), integers below 2^24 and
//    zeros blended in; then the digits
//    (count, first digit, the eight that follow, trailing zeros) and the
//    decimal exponent. Each float leaves a 16-byte slot of raw digit values
//    and exponent digits, and the number of its layout ("shape").
// 2. One float at a time: a shape is a byte shuffle of the slot plus a
//    constant (the '0', '.', 'e', sign and comma characters), so the text is
//    one shuffle, one OR and one 16-byte store, and no branch. The shapes
//    are computed at compile time from the same layout rules WriteDecimal
//    follows: for each sign, each decimal exponent from -5 (standing for
//    every smaller one, all scientific) to 14 (every larger one) and each
//    digit count.
//
// The few floats the vector stage does not handle (NaN and infinities, the
// powers of two whose rounding interval is lopsided, and integers of 2^24
// and more printed in plain notation, which are printed exactly) are marked
// and written by the scalar FormatFloat.
//
// Each float's text and its comma is at most 16 bytes, so the float at index
// i starts at most 16 i bytes into the output, and its 16-byte store ends
// inside the n * (kMaxFloatChars + 1) bytes the caller reserved (FormatFloat,
// for the others, touches at most kMaxFloatChars + 1 bytes). Every float is
// written with a comma after it; the last one is dropped from the returned
// end.
//
// The code is compiled for AVX-512 with a function attribute only; the rest
// of the binary stays plain x86-64, and FormatFloatList calls this only when
// Avx512FloatListSupported().

// GCC 12's AVX-512 intrinsics start results from _mm512_undefined_*(),
// which its -W(maybe-)uninitialized reports wherever they are inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "tributary/core/numbers.h"
#include "tributary/core/shortest_float_internal.h"

namespace tributary::shortest_float_internal {

#if defined(__x86_64__)

namespace {

#define TRIB_AVX512 __attribute__((target("avx512f,avx512bw,avx512cd,avx512dq,avx512vl")))

// ---------------------------------------------------------------------------
// Constants of the vector stage, checked against the scalar ones.

// Schubfach's g per table index q - kQMin, 8-byte entries for the gathers.
constexpr std::array<uint64_t, 254> MakeGTable() {
  std::array<uint64_t, 254> t{};
  for (size_t i = 0; i < t.size(); ++i) t[i] = kExponents[i].g;
  return t;
}
alignas(64) constexpr std::array<uint64_t, 254> kG = MakeGTable();

// k and h from q with 32-bit multiplications, and h's range, which the
// products below rely on.
constexpr int VectorK(int q) { return (q * 78913) >> 18; }
constexpr int VectorH(int q) { return q + ((-VectorK(q) * 1741647) >> 19) + 33; }
constexpr bool VectorKHMatch() {
  for (int i = 0; i < 254; ++i) {
    const int q = kQMin + i;
    if (VectorK(q) != kExponents[static_cast<size_t>(i)].k) return false;
    if (VectorH(q) != kExponents[static_cast<size_t>(i)].h) return false;
    if (VectorH(q) < 33 || VectorH(q) > 36) return false;
  }
  return true;
}
static_assert(VectorKHMatch());

// ---------------------------------------------------------------------------
// Shapes.

// A float's slot: bytes 0-7 the eight digits after the first (values 0-9,
// most significant first), byte 8 the first digit, bytes 9 and 10 the
// decimal exponent's two digits.
constexpr int kSlotRest = 0;
constexpr int kSlotFirst = 8;
constexpr int kSlotExpTens = 9;
constexpr int kSlotExpOnes = 10;

// Text = shuffle(slot, ctrl) | orc: a digit takes its slot byte and ORs in
// '0'; a fixed character takes zero (ctrl 0x80) and ORs in itself. The text
// with its comma is at most 16 bytes ("-1.17549435e-38,").
struct alignas(32) Shape {
  std::array<uint8_t, 16> ctrl;
  std::array<uint8_t, 16> orc;
};
static_assert(sizeof(Shape) == 32);

constexpr int kShapeXMin = -5;  // this and below: scientific, negative exponent
constexpr int kShapeXMax = 14;  // this and above: scientific, positive exponent
// Shape number ((x - kShapeXMin) * 9 + m - 1) * 2 + sign.
constexpr int kShapeCount = (kShapeXMax - kShapeXMin + 1) * 9 * 2;

struct ShapeAndLength {
  Shape shape;
  int length;  // with the comma
};

// The layout of m significant digits with first-digit exponent x, by the rules
// of WriteDecimal in shortest_float.cc (plain when no longer than scientific;
// integers of q <= 0 only, so never the exact-integer case), with a '-'
// first if negative.
constexpr ShapeAndLength MakeShape(int x, int m, bool negative) {
  Shape s{};
  int len = 0;
  auto put_char = [&](char c) {
    s.ctrl[static_cast<size_t>(len)] = 0x80;
    s.orc[static_cast<size_t>(len)] = static_cast<uint8_t>(c);
    ++len;
  };
  auto put_slot = [&](int byte) {
    s.ctrl[static_cast<size_t>(len)] = static_cast<uint8_t>(byte);
    s.orc[static_cast<size_t>(len)] = '0';
    ++len;
  };
  auto put_digit = [&](int i) { put_slot(i == 0 ? kSlotFirst : kSlotRest + i - 1); };
  if (negative) put_char('-');
  bool scientific = false;
  if (x < 0) {
    if (x >= -4 + (m == 1 ? 1 : 0)) {
      put_char('0');
      put_char('.');
      for (int i = 0; i < -x - 1; ++i) put_char('0');
      for (int i = 0; i < m; ++i) put_digit(i);
    } else {
      scientific = true;
    }
  } else if (m > x + 1) {
    for (int i = 0; i <= x; ++i) put_digit(i);
    put_char('.');
    for (int i = x + 1; i < m; ++i) put_digit(i);
  } else if (x + 1 <= m + (m > 1 ? 1 : 0) + 4) {
    for (int i = 0; i < m; ++i) put_digit(i);
    for (int i = m; i <= x; ++i) put_char('0');
  } else {
    scientific = true;
  }
  if (scientific) {
    put_digit(0);
    if (m > 1) {
      put_char('.');
      for (int i = 1; i < m; ++i) put_digit(i);
    }
    put_char('e');
    put_char(x < 0 ? '-' : '+');
    put_slot(kSlotExpTens);
    put_slot(kSlotExpOnes);
  }
  put_char(',');
  const int length = len;
  while (len < 16) put_char('\0');  // never part of the text
  return {s, length};
}

constexpr ShapeAndLength MakeShapeNumber(size_t i) {
  const int key = static_cast<int>(i / 2);
  return MakeShape(key / 9 + kShapeXMin, key % 9 + 1, i % 2 != 0);
}

constexpr std::array<Shape, kShapeCount> MakeShapes() {
  std::array<Shape, kShapeCount> t{};
  for (size_t i = 0; i < t.size(); ++i) t[i] = MakeShapeNumber(i).shape;
  return t;
}
constexpr std::array<uint8_t, kShapeCount> MakeShapeLengths() {
  std::array<uint8_t, kShapeCount> t{};
  for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<uint8_t>(MakeShapeNumber(i).length);
  return t;
}
alignas(64) constexpr std::array<Shape, kShapeCount> kShapes = MakeShapes();
alignas(64) constexpr std::array<uint8_t, kShapeCount> kShapeLengths = MakeShapeLengths();

constexpr bool ShapesFit() {
  for (uint8_t length : kShapeLengths) {
    if (length > 16) return false;
  }
  return true;
}
static_assert(ShapesFit(), "a text and its comma must fit one 16-byte store");

// ---------------------------------------------------------------------------
// Stage 1.

// What stage 1 leaves for stage 2.
struct Group {
  alignas(64) uint8_t slots[16][16];
  alignas(64) uint32_t shapes[16];  // shape numbers
  uint32_t scalar;                  // bit i: float i is written by FormatFloat
};

// floor(a * m / 2^32) per 32-bit lane.
TRIB_AVX512 inline __m512i MulHi32(__m512i a, __m512i m) {
  const __m512i even = _mm512_srli_epi64(_mm512_mul_epu32(a, m), 32);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
  return _mm512_mask_blend_epi32(0xAAAA, even, odd);
}

// RoundToOdd(g * (cbx << h)) of shortest_float.cc per 64-bit lane, with
// x = cbx << (h - 33) in the lane's low 32 bits (below 2^29) and g_high =
// g >> 32. With P = g * x, the rounded product's x1 is P >> 31, and the
// result is x1 >> 31 = P >> 62, made odd if x1's low 32 bits (P's bits 31 to
// 62) are not all zero. P is built from g's two halves.
TRIB_AVX512 inline __m512i RoundToOdd8(__m512i g, __m512i g_high, __m512i x) {
  const __m512i a = _mm512_mul_epu32(g_high, x);
  const __m512i b = _mm512_mul_epu32(g, x);
  const __m512i hi = _mm512_add_epi64(a, _mm512_srli_epi64(b, 32));  // P >> 32
  // P's bits 32-62 are hi's bits 0-30; its bit 31 is b's.
  const __m512i low_bits = _mm512_ternarylogic_epi64(_mm512_set1_epi64(0x7FFFFFFF), hi, b, 0xCA);
  const __mmask8 sticky = _mm512_test_epi64_mask(low_bits, _mm512_set1_epi64(0xFFFFFFFF));
  const __m512i vbp = _mm512_srli_epi64(hi, 30);
  return _mm512_mask_or_epi64(vbp, sticky, vbp, _mm512_set1_epi64(1));
}

// RoundToOdd for 16 floats: the even ones in the low halves of the 64-bit
// lanes, the odd ones in the high halves, as the multiplications take them.
// g_even and g_odd are the floats' g, in 64-bit lanes.
TRIB_AVX512 inline __m512i RoundToOdd16(__m512i g_even, __m512i g_odd, __m512i x) {
  const __m512i even = RoundToOdd8(g_even, _mm512_srli_epi64(g_even, 32), x);
  const __m512i odd = RoundToOdd8(g_odd, _mm512_srli_epi64(g_odd, 32), _mm512_srli_epi64(x, 32));
  return _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
}

// ToDecimal's significand for 16 floats c * 2^q of regular spacing, from the
// three rounded products; the same choice as ToDecimal, with masks. All
// values fit 32 bits: vb < 2^30.
TRIB_AVX512 inline __m512i ChooseSignificand(__m512i c, __m512i vb, __m512i vbl, __m512i vbr) {
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i odd = _mm512_and_si512(c, one);
  const __m512i s = _mm512_srli_epi32(vb, 2);
  const __m512i sp =
      _mm512_srli_epi32(MulHi32(s, _mm512_set1_epi32(static_cast<int>(0xCCCCCCCDu))), 3);
  const __m512i sp10 = _mm512_add_epi32(_mm512_slli_epi32(sp, 3), _mm512_slli_epi32(sp, 1));
  const __m512i tp10 = _mm512_add_epi32(sp10, _mm512_set1_epi32(10));
  const __m512i low = _mm512_add_epi32(vbl, odd);
  const __mmask16 upin = _mm512_cmple_epu32_mask(low, _mm512_slli_epi32(sp10, 2));
  const __mmask16 wpin =
      _mm512_cmple_epu32_mask(_mm512_add_epi32(_mm512_slli_epi32(tp10, 2), odd), vbr);
  const __mmask16 shorter =
      static_cast<__mmask16>(_mm512_cmpge_epu32_mask(s, _mm512_set1_epi32(10)) & (upin ^ wpin));
  const __m512i short_pick = _mm512_mask_blend_epi32(upin, tp10, sp10);

  const __m512i s4 = _mm512_slli_epi32(s, 2);
  const __mmask16 uin = _mm512_cmple_epu32_mask(low, s4);
  const __mmask16 win = _mm512_cmple_epu32_mask(
      _mm512_add_epi32(_mm512_add_epi32(s4, _mm512_set1_epi32(4)), odd), vbr);
  const __m512i mid = _mm512_add_epi32(s4, _mm512_set1_epi32(2));
  const __mmask16 closer_t =
      static_cast<__mmask16>(_mm512_cmpgt_epu32_mask(vb, mid) |
                             (_mm512_cmpeq_epu32_mask(vb, mid) & _mm512_test_epi32_mask(s, one)));
  const __mmask16 pick_t = static_cast<__mmask16>(win & (static_cast<__mmask16>(~uin) | closer_t));
  const __m512i long_pick = _mm512_mask_add_epi32(s, pick_t, s, one);
  return _mm512_mask_blend_epi32(shorter, long_pick, short_pick);
}

// The eight digits of each 32-bit pair (v / 10^4, v % 10^4) per 64-bit
// lane, as byte values, most significant in the lowest byte (the vector form
// of EightDigitValues).
TRIB_AVX512 inline __m512i EightDigits(__m512i pairs) {
  const __m512i q100 = _mm512_srli_epi32(_mm512_mullo_epi32(pairs, _mm512_set1_epi32(5243)), 19);
  const __m512i y = _mm512_or_si512(
      q100, _mm512_slli_epi32(
                _mm512_sub_epi32(pairs, _mm512_mullo_epi32(q100, _mm512_set1_epi32(100))), 16));
  const __m512i q10 = _mm512_srli_epi16(_mm512_mullo_epi16(y, _mm512_set1_epi16(103)), 10);
  return _mm512_or_si512(
      q10,
      _mm512_slli_epi16(_mm512_sub_epi16(y, _mm512_mullo_epi16(q10, _mm512_set1_epi16(10))), 8));
}

// Packs two vectors of 8 64-bit lanes into one of 16 32-bit lanes (the low
// halves).
TRIB_AVX512 inline __m512i Narrow(__m512i lo, __m512i hi) {
  return _mm512_permutex2var_epi32(
      lo, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
}

TRIB_AVX512 void Decimals(const float* src, size_t count, Group* out) {
  const __mmask16 live =
      count >= 16 ? __mmask16{0xFFFF} : static_cast<__mmask16>((1u << count) - 1);
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i bits = _mm512_maskz_loadu_epi32(live, src);
  const __m512i sign = _mm512_srli_epi32(bits, 31);
  const __m512i bq = _mm512_and_si512(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(0xFF));
  const __m512i t = _mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFF));
  const __mmask16 normal = _mm512_test_epi32_mask(bq, bq);
  const __m512i c = _mm512_mask_or_epi32(t, normal, t, _mm512_set1_epi32(static_cast<int>(kCMin)));
  // Table index q - kQMin, q, and Schubfach's k and h.
  // (NaN and infinities, bq = 255, take the last entry; FormatFloat writes them.)
  const __m512i index =
      _mm512_min_epu32(_mm512_sub_epi32(_mm512_max_epu32(bq, one), one), _mm512_set1_epi32(253));
  const __m512i q = _mm512_add_epi32(index, _mm512_set1_epi32(kQMin));
  __m512i k = _mm512_srai_epi32(_mm512_mullo_epi32(q, _mm512_set1_epi32(78913)), 18);
  const __m512i h = _mm512_add_epi32(
      _mm512_add_epi32(
          q, _mm512_srai_epi32(_mm512_mullo_epi32(_mm512_sub_epi32(_mm512_setzero_si512(), k),
                                                  _mm512_set1_epi32(1741647)),
                               19)),
      _mm512_set1_epi32(33));
  // The three multipliers c * 4 - 2, c * 4, c * 4 + 2, shifted left by h - 33.
  const __m512i sh = _mm512_sub_epi32(h, _mm512_set1_epi32(33));
  const __m512i x_mid = _mm512_sllv_epi32(_mm512_slli_epi32(c, 2), sh);
  const __m512i x_step = _mm512_sllv_epi32(_mm512_set1_epi32(2), sh);
  const __m512i x_low = _mm512_sub_epi32(x_mid, x_step);
  const __m512i x_high = _mm512_add_epi32(x_mid, x_step);

  const __m512i g_even = _mm512_i32gather_epi64(_mm512_cvtepi64_epi32(index), kG.data(), 8);
  const __m512i g_odd =
      _mm512_i32gather_epi64(_mm512_cvtepi64_epi32(_mm512_srli_epi64(index, 32)), kG.data(), 8);
  __m512i f =
      ChooseSignificand(c, RoundToOdd16(g_even, g_odd, x_mid), RoundToOdd16(g_even, g_odd, x_low),
                        RoundToOdd16(g_even, g_odd, x_high));

  // Integers below 2^24 are their own decimal: 0 < -q < 24 and c's low -q
  // bits zero. Zero is f = 0, k = 1 (one digit "0", exponent 0).
  const __m512i mq = _mm512_sub_epi32(_mm512_set1_epi32(150), bq);
  const __mmask16 small_exp =
      _mm512_cmplt_epu32_mask(_mm512_sub_epi32(bq, _mm512_set1_epi32(127)), _mm512_set1_epi32(23));
  const __mmask16 integer = static_cast<__mmask16>(
      small_exp &
      _mm512_testn_epi32_mask(_mm512_sllv_epi32(c, _mm512_sub_epi32(_mm512_set1_epi32(32), mq)),
                              _mm512_set1_epi32(-1)));
  f = _mm512_mask_mov_epi32(f, integer, _mm512_srlv_epi32(c, mq));
  k = _mm512_maskz_mov_epi32(static_cast<__mmask16>(~integer), k);
  const __mmask16 zero = _mm512_testn_epi32_mask(bits, _mm512_set1_epi32(0x7FFFFFFF));
  f = _mm512_maskz_mov_epi32(static_cast<__mmask16>(~zero), f);
  k = _mm512_mask_mov_epi32(k, zero, one);

  // Digits: n of them in f; f9 = f scaled to nine digits.
  const __m512i pow10 = _mm512_setr_epi32(1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                          100000000, 1000000000, 0, 0, 0, 0, 0, 0);
  const __m512i width = _mm512_sub_epi32(_mm512_set1_epi32(32), _mm512_lzcnt_epi32(f));
  const __m512i approx = _mm512_srli_epi32(_mm512_mullo_epi32(width, _mm512_set1_epi32(1233)), 12);
  const __m512i n = _mm512_mask_add_epi32(
      approx, _mm512_cmpge_epu32_mask(f, _mm512_permutexvar_epi32(approx, pow10)), approx, one);
  const __m512i f9 = _mm512_mullo_epi32(
      f, _mm512_permutexvar_epi32(_mm512_sub_epi32(_mm512_set1_epi32(9), n), pow10));
  const __m512i first =
      _mm512_srli_epi32(MulHi32(f9, _mm512_set1_epi32(static_cast<int>(2882303762u))), 26);
  const __m512i rest =
      _mm512_sub_epi32(f9, _mm512_mullo_epi32(first, _mm512_set1_epi32(100000000)));
  const __m512i rest_hi =
      _mm512_srli_epi32(MulHi32(rest, _mm512_set1_epi32(static_cast<int>(3518437209u))), 13);
  const __m512i rest_lo =
      _mm512_sub_epi32(rest, _mm512_mullo_epi32(rest_hi, _mm512_set1_epi32(10000)));
  const __m512i digits0 = EightDigits(_mm512_permutex2var_epi32(
      rest_hi, _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), rest_lo));
  const __m512i digits1 = EightDigits(_mm512_permutex2var_epi32(
      rest_hi, _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31),
      rest_lo));
  // Significant digits: 9 less the trailing zeros (the high zero bytes).
  const __m512i m = _mm512_sub_epi32(
      _mm512_set1_epi32(9),
      _mm512_srli_epi32(Narrow(_mm512_lzcnt_epi64(digits0), _mm512_lzcnt_epi64(digits1)), 3));
  const __m512i x = _mm512_sub_epi32(_mm512_add_epi32(k, n), one);
  const __m512i abs_x = _mm512_abs_epi32(x);
  const __m512i exp_tens = _mm512_srli_epi32(_mm512_mullo_epi32(abs_x, _mm512_set1_epi32(205)), 11);
  const __m512i exp_ones =
      _mm512_sub_epi32(abs_x, _mm512_mullo_epi32(exp_tens, _mm512_set1_epi32(10)));
  const __m512i meta = _mm512_or_si512(
      first, _mm512_or_si512(_mm512_slli_epi32(exp_tens, 8), _mm512_slli_epi32(exp_ones, 16)));
  const __m512i meta0 = _mm512_cvtepu32_epi64(_mm512_castsi512_si256(meta));
  const __m512i meta1 = _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(meta, 1));
  const __m512i pair_lo = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
  const __m512i pair_hi = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  _mm512_store_si512(out->slots[0], _mm512_permutex2var_epi64(digits0, pair_lo, meta0));
  _mm512_store_si512(out->slots[4], _mm512_permutex2var_epi64(digits0, pair_hi, meta0));
  _mm512_store_si512(out->slots[8], _mm512_permutex2var_epi64(digits1, pair_lo, meta1));
  _mm512_store_si512(out->slots[12], _mm512_permutex2var_epi64(digits1, pair_hi, meta1));

  const __m512i xc =
      _mm512_sub_epi32(_mm512_min_epi32(_mm512_max_epi32(x, _mm512_set1_epi32(kShapeXMin)),
                                        _mm512_set1_epi32(kShapeXMax)),
                       _mm512_set1_epi32(kShapeXMin));
  const __m512i shape =
      _mm512_add_epi32(_mm512_mullo_epi32(xc, _mm512_set1_epi32(9)), _mm512_sub_epi32(m, one));
  _mm512_store_si512(out->shapes, _mm512_or_si512(_mm512_slli_epi32(shape, 1), sign));

  // For FormatFloat: NaN and infinities; powers of two above the smallest
  // normal that are not integers below 2^24 (their rounding interval is
  // narrower below than above); integers of 2^24 and more (0 < q <= 40)
  // in plain notation, which are printed exactly rather than shortest.
  const __mmask16 non_finite = _mm512_cmpeq_epi32_mask(bq, _mm512_set1_epi32(0xFF));
  const __mmask16 lopsided = static_cast<__mmask16>(
      _mm512_testn_epi32_mask(t, t) & _mm512_cmpge_epu32_mask(bq, _mm512_set1_epi32(2)) & ~integer);
  const __m512i x1 = _mm512_add_epi32(x, one);
  const __m512i m_limit = _mm512_mask_add_epi32(_mm512_add_epi32(m, _mm512_set1_epi32(4)),
                                                _mm512_cmpgt_epi32_mask(m, one),
                                                _mm512_add_epi32(m, _mm512_set1_epi32(4)), one);
  const __mmask16 exact = static_cast<__mmask16>(
      _mm512_cmplt_epu32_mask(_mm512_sub_epi32(bq, _mm512_set1_epi32(151)), _mm512_set1_epi32(40)) &
      _mm512_cmpge_epi32_mask(x, _mm512_setzero_si512()) & _mm512_cmple_epi32_mask(m, x1) &
      _mm512_cmple_epi32_mask(x1, m_limit));
  out->scalar = static_cast<uint32_t>((non_finite | lopsided | exact) & live);
}

// ---------------------------------------------------------------------------
// Stage 2.

TRIB_AVX512 inline char* WriteShaped(const Group& group, size_t i, char* out) {
  const uint32_t number = group.shapes[i];
  const Shape& shape = kShapes[number];
  const __m128i slot = _mm_load_si128(reinterpret_cast<const __m128i*>(group.slots[i]));
  const __m128i text = _mm_or_si128(
      _mm_shuffle_epi8(slot, _mm_load_si128(reinterpret_cast<const __m128i*>(shape.ctrl.data()))),
      _mm_load_si128(reinterpret_cast<const __m128i*>(shape.orc.data())));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), text);
  return out + kShapeLengths[number];
}

TRIB_AVX512 char* WriteGroup(const Group& group, const float* src, size_t count, char* out) {
  if (group.scalar == 0) {
    for (size_t i = 0; i < count; ++i) out = WriteShaped(group, i, out);
    return out;
  }
  for (size_t i = 0; i < count; ++i) {
    if ((group.scalar >> i) & 1) {
      out += FormatFloat(src[i], out);
      *out++ = ',';
    } else {
      out = WriteShaped(group, i, out);
    }
  }
  return out;
}

}  // namespace

TRIB_AVX512 char* FormatFloatListAvx512(std::span<const float> v, char* out) {
  if (v.empty()) return out;
  // The next group's decimals are made before this group's texts, so that
  // the texts' loads find the slots long stored.
  Group groups[2];
  const size_t n = v.size();
  Decimals(v.data(), std::min<size_t>(16, n), &groups[0]);
  for (size_t base = 0, g = 0; base < n; base += 16, g ^= 1) {
    if (base + 16 < n)
      Decimals(v.data() + base + 16, std::min<size_t>(16, n - base - 16), &groups[g ^ 1]);
    out = WriteGroup(groups[g], v.data() + base, std::min<size_t>(16, n - base), out);
  }
  return out - 1;  // the comma after the last float
}

bool Avx512FloatListSupported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl");
}

#else  // not x86-64

char* FormatFloatListAvx512(std::span<const float> v, char* out) {
  return FormatFloatListScalar(v, out);
}

bool Avx512FloatListSupported() { return false; }

#endif

}  // namespace tributary::shortest_float_internal
