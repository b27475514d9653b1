#include "tributary/core/shortest_float.h"

#include "tributary/core/numbers.h"
#include "tributary/core/shortest_float_internal.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace tributary {
namespace {

using namespace shortest_float_internal;  // NOLINT: the tables

// Round to odd of x * 2^-95, x = g * cp (Schubfach, figure 11).
inline uint32_t RoundToOdd(unsigned __int128 x) {
  const uint64_t x1 = static_cast<uint64_t>(x >> 64);
  const uint64_t vbp = x1 >> 31;
  return static_cast<uint32_t>(vbp | (((x1 & 0xFFFFFFFFull) + 0xFFFFFFFFull) >> 32));
}

// ---------------------------------------------------------------------------
// Text.

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

constexpr uint32_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

// Digits of f, 0 < f < 10^9.
inline int CountDigits(uint32_t f) {
  const int t = (static_cast<int>(std::bit_width(f)) * 1233) >> 12;  // ~ log10
  return t + (f >= kPow10[t] ? 1 : 0);
}

// The 8 decimal digits of v < 10^8 (with leading zeros) as byte values 0-9,
// the most significant in the lowest byte: 4-, 2- and 1-digit splits done in
// parallel lanes of one register.
inline uint64_t EightDigitValues(uint32_t v) {
  const uint64_t hi = v / 10000, lo = v % 10000;
  uint64_t y = hi | (lo << 32);
  uint64_t z = ((y * 10486) >> 20) & 0x0000007F0000007Full;  // / 100 per 32-bit lane
  y = z | ((y - 100 * z) << 16);
  z = ((y * 103) >> 10) & 0x000F000F000F000Full;  // / 10 per 16-bit lane
  return z | ((y - 10 * z) << 8);
}

// The significant digits of a decimal f * 10^e: f scaled to exactly nine
// digits, so that the first digit is never zero and the trailing zeros come
// from one count of leading zero bits instead of a division loop.
struct Digits {
  char first;          // the leading digit, ASCII
  uint64_t rest;       // the next eight digits, ASCII, most significant in the lowest byte
  int count;           // significant digits, 1-9, trailing zeros dropped
  int sci_exp;         // the decimal exponent of the first digit
};

inline Digits MakeDigits(uint32_t f, int e) {
  const int n = CountDigits(f);
  const uint32_t f9 = f * kPow10[9 - n];
  const uint32_t first = f9 / 100000000;
  const uint64_t rest = EightDigitValues(f9 - first * 100000000);
  // countl_zero(0) is 64: eight trailing zeros.
  const int trailing = std::countl_zero(rest) >> 3;
  return {static_cast<char>('0' + first), rest | 0x3030303030303030ull, 9 - trailing, e + n - 1};
}

// Writes the exponent part, "e+05", at p and returns its end.
inline char* WriteExponent(int sci_exp, char* p) {
  const int abs_exp = sci_exp < 0 ? -sci_exp : sci_exp;  // <= 45 for float
  p[0] = 'e';
  p[1] = sci_exp < 0 ? '-' : '+';
  std::memcpy(p + 2, kDigitPairs + 2 * abs_exp, 2);
  return p + 4;
}

// Writes f * 10^e, 0 < f < 10^9 (trailing zeros allowed), laid out as
// std::to_chars does, and returns the length. exact, when not zero, is the
// float's own value, an integer of at least 2^24: plain notation prints it
// exactly (as printf's %.0f would) rather than the shortest digits followed
// by zeros.
//
// With m significant digits and first-digit exponent x, to_chars picks plain
// notation when it is no longer than scientific (m + (m > 1) + 4 characters):
//   x < 0:  "0.0..0ddd" is m + 1 - x characters: plain for x >= -3, and for
//           x == -4 when m > 1;
//   x >= 0 with digits after the point: m + 1 characters, always plain;
//   x >= 0, an integer: x + 1 characters.
// The tests compare every float with std::to_chars.
//
// Stores are fixed 8-byte pieces that may run past the text (never past
// kFloatTextBuffer bytes).
inline size_t WriteDecimal(uint32_t f, int e, uint64_t exact, char* out) {
  const Digits d = MakeDigits(f, e);
  const int m = d.count;
  const int x = d.sci_exp;
  if (x < 0) {
    if (x >= -4 + (m == 1)) {
      // "0." and -x - 1 (<= 3) zeros, then the digits.
      std::memcpy(out, "0.000000", 8);
      out[1 - x] = d.first;
      std::memcpy(out + 2 - x, &d.rest, 8);
      return static_cast<size_t>(m + 1 - x);
    }
  } else if (m > x + 1) {
    // The point falls inside the digits: x + 1 (<= 7) of them before it.
    out[0] = d.first;
    std::memcpy(out + 1, &d.rest, 8);
    out[x + 1] = '.';
    const uint64_t after = d.rest >> (8 * x);
    std::memcpy(out + x + 2, &after, 8);
    return static_cast<size_t>(m + 1);
  } else if (x + 1 <= m + (m > 1) + 4) {
    // An integer: plain notation with at most 5 zeros appended.
    if (exact != 0) {
      char tmp[24];
      char* q = tmp + sizeof(tmp);
      do {
        *--q = static_cast<char>('0' + exact % 10);
        exact /= 10;
      } while (exact != 0);
      const size_t len = static_cast<size_t>(tmp + sizeof(tmp) - q);
      std::memcpy(out, q, len);
      return len;
    }
    out[0] = d.first;
    std::memcpy(out + 1, &d.rest, 8);
    std::memcpy(out + m, "00000000", 8);
    return static_cast<size_t>(x + 1);
  }
  // Scientific: "d", or "d.ddd", then the exponent.
  out[0] = d.first;
  out[1] = '.';
  std::memcpy(out + 2, &d.rest, 8);
  return static_cast<size_t>(WriteExponent(x, out + m + (m > 1)) - out);
}

// A finite float as a decimal f * 10^e (0 <= f < 10^9; zero is f = 0,
// e = 1), with exact as WriteDecimal takes it.
struct Decimal {
  uint32_t f;
  int32_t e;
  uint64_t exact;
};

// Schubfach for c * 2^q, c > 0: the shortest decimal in the rounding interval,
// closest to the value on ties of length.
//
// The choice between the candidates is made with arithmetic rather than
// branches: for the 8- and 9-digit values of embeddings whether the shorter
// candidate exists, and which neighbour is closer, are coin flips that a
// branch predictor cannot learn.
inline __attribute__((always_inline)) Decimal ToDecimal(int q, uint32_t c) {
  const uint32_t odd = c & 1;
  const uint64_t cb = static_cast<uint64_t>(c) << 2;
  uint64_t cbl;
  int k, h;
  uint64_t g;
  if (c != kCMin || q == kQMin) {
    cbl = cb - 2;  // regular spacing
    const ExponentEntry& x = kExponents[static_cast<size_t>(q - kQMin)];
    k = x.k;
    h = x.h;
    g = x.g;
  } else {
    cbl = cb - 1;  // at a power of two the interval below is half as wide
    k = FloorLog10ThreeQuartersPow2(q);
    h = q + FloorLog2Pow10(-k) + 33;
    g = kG1[static_cast<size_t>(k - kKMin)] + 1;
  }
  const uint32_t vb = RoundToOdd(static_cast<unsigned __int128>(g) * (cb << h));
  const uint32_t vbl = RoundToOdd(static_cast<unsigned __int128>(g) * (cbl << h));
  const uint32_t vbr = RoundToOdd(static_cast<unsigned __int128>(g) * ((cb + 2) << h));

  // Integers of 2^24 and above: plain notation prints them exactly. Plain
  // notation loses to scientific long before 2^64 (q <= 40 is ample).
  uint64_t exact_or_zero = 0;
  if (__builtin_expect(q > 0, 0)) exact_or_zero = q <= 40 ? static_cast<uint64_t>(c) << q : 0;

  const uint32_t s = vb >> 2;
  // One digit fewer: s' = floor(s / 10), candidates 10 s' and 10 s' + 10.
  // (Schubfach as published tests this only from s >= 100, because Java
  // wants at least two digits; the shortest text needs it for the tiniest
  // subnormals too: 3e-44, not 2.9e-44.)
  const uint32_t sp10 = 10 * static_cast<uint32_t>((static_cast<uint64_t>(s) * 1717986919ull) >> 34);
  const uint32_t tp10 = sp10 + 10;
  const bool upin = vbl + odd <= (sp10 << 2);
  const bool wpin = (tp10 << 2) + odd <= vbr;
  const bool shorter = (s >= 10) & (upin != wpin);
  const uint32_t short_pick = upin ? sp10 : tp10;
  // Otherwise s or t = s + 1: the one in the interval, or if both are, the
  // closer one, the even one on a tie.
  const uint32_t t = s + 1;
  const bool uin = vbl + odd <= (s << 2);
  const bool win = (t << 2) + odd <= vbr;
  // (Schubfach chooses k so that the interval is at least one unit of s
  // wide: one of them always is. The exhaustive test checks every float.)
  const uint64_t mid = (static_cast<uint64_t>(s) << 2) + 2;  // 4 (s + t) / 2
  const bool closer_t = (vb > mid) | ((vb == mid) & ((s & 1) != 0));
  const bool pick_t = win & (!uin | closer_t);
  const uint32_t long_pick = s + static_cast<uint32_t>(pick_t);
  // A mask rather than ?: so that the compiler keeps it a select.
  const uint32_t f = long_pick ^ ((long_pick ^ short_pick) & (0u - static_cast<uint32_t>(shorter)));
  return {f, k, exact_or_zero};
}

// The decimal of a finite float's magnitude (bits without the sign).
inline Decimal Decompose(uint32_t bits) {
  const uint32_t t = bits & ((uint32_t{1} << (kP - 1)) - 1);
  const uint32_t bq = (bits >> (kP - 1)) & 0xFF;
  if (bq != 0) {
    const int mq = -kQMin + 1 - static_cast<int>(bq);  // -q
    const uint32_t c = kCMin | t;
    if (mq > 0 && mq < kP) {
      // An integer below 2^24 is its own shortest decimal.
      const uint32_t f = c >> mq;
      if ((f << mq) == c) return {f, 0, 0};
    }
    return ToDecimal(-mq, c);
  }
  if (t != 0) return ToDecimal(kQMin, t);
  return {0, 1, 0};
}

// "NaN", "Infinity" or "-Infinity" for a non-finite float's bits.
inline size_t WriteNonFinite(uint32_t bits, char* out) {
  if ((bits & 0x7FFFFF) != 0) {
    std::memcpy(out, "NaN", 3);
    return 3;
  }
  if ((bits >> 31) != 0) {
    std::memcpy(out, "-Infinity", 9);
    return 9;
  }
  std::memcpy(out, "Infinity", 8);
  return 8;
}

inline bool IsFinite(uint32_t bits) { return (bits & 0x7F800000) != 0x7F800000; }

}  // namespace

size_t FormatShortestFloat(float v, char* buf) {
  const uint32_t bits = std::bit_cast<uint32_t>(v);
  // The sign of a vector element is random: a branch on it would be
  // mispredicted half the time.
  buf[0] = '-';
  const size_t sign = bits >> 31;
  const Decimal d = Decompose(bits);
  return sign + WriteDecimal(d.f, d.e, d.exact, buf + sign);
}

size_t FormatFloat(float v, char* buf) {
  const uint32_t bits = std::bit_cast<uint32_t>(v);
  if (!IsFinite(bits)) return WriteNonFinite(bits, buf);
  return FormatShortestFloat(v, buf);
}

char* FormatFloatList(std::span<const float> v, char* out) {
  // Chosen once: the AVX-512 writer where the CPU has it.
  static const bool avx512 = shortest_float_internal::Avx512FloatListSupported();
  return avx512 ? shortest_float_internal::FormatFloatListAvx512(v, out)
                : shortest_float_internal::FormatFloatListScalar(v, out);
}

char* shortest_float_internal::FormatFloatListScalar(std::span<const float> v, char* out) {
  // In blocks: first every float's decimal, then every float's text. Each
  // half is a short chain of dependent operations, so the processor overlaps
  // several floats; one float at a time, the whole long chain (bits to
  // decimal to digits to text) held most of them back.
  constexpr size_t kBlock = 32;
  Decimal dec[kBlock];
  for (size_t base = 0; base < v.size(); base += kBlock) {
    const size_t n = std::min(kBlock, v.size() - base);
    const float* block = v.data() + base;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t bits = std::bit_cast<uint32_t>(block[i]);
      dec[i] = IsFinite(bits) ? Decompose(bits) : Decimal{0, 0, 0};
    }
    for (size_t i = 0; i < n; ++i) {
      const uint32_t bits = std::bit_cast<uint32_t>(block[i]);
      *out = ',';
      out += base + i != 0;
      if (!IsFinite(bits)) {
        out += WriteNonFinite(bits, out);
        continue;
      }
      *out = '-';
      out += bits >> 31;
      out += WriteDecimal(dec[i].f, dec[i].e, dec[i].exact, out);
    }
  }
  return out;
}

}  // namespace tributary
