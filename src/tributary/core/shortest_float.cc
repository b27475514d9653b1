#include "tributary/core/shortest_float.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace tributary {
namespace {

// float32: 24-bit significands, binary exponents of the least significant bit
// from kQMin (subnormals) to kQMax.
constexpr int kP = 24;
constexpr int kQMin = -149;
constexpr uint32_t kCMin = uint32_t{1} << (kP - 1);

// floor(q * log10(2)), exact for |q| <= 5456721 (and so on our range).
constexpr int FloorLog10Pow2(int q) {
  return static_cast<int>((static_cast<int64_t>(q) * 661971961083LL) >> 41);
}
// floor(log10(3/4 * 2^q)).
constexpr int FloorLog10ThreeQuartersPow2(int q) {
  return static_cast<int>((static_cast<int64_t>(q) * 661971961083LL - 274743187321LL) >> 41);
}
// floor(e * log2(10)).
constexpr int FloorLog2Pow10(int e) {
  return static_cast<int>((static_cast<int64_t>(e) * 913124641741LL) >> 38);
}

constexpr int kKMin = FloorLog10Pow2(kQMin);               // -45
constexpr int kKMax = FloorLog10Pow2(127 - (kP - 1));      //  31

// ---------------------------------------------------------------------------
// The table: for each k, with 10^-k = beta * 2^r and 2^125 <= beta < 2^126,
// g1(k) = (floor(beta) + 1) >> 63, a 63-bit number. Computed exactly with a
// small unsigned big integer at start-up.

// Unsigned integers of up to 320 bits, enough for 2^229 (k = 31), in
// constexpr so the table is built by the compiler.
struct BigUint {
  static constexpr int kWords = 10;
  std::array<uint32_t, kWords> w{};

  constexpr void MulSmall(uint32_t m) {
    uint64_t carry = 0;
    for (uint32_t& x : w) {
      const uint64_t p = static_cast<uint64_t>(x) * m + carry;
      x = static_cast<uint32_t>(p);
      carry = p >> 32;
    }
  }
  constexpr void DivSmall(uint32_t d) {  // floor
    uint64_t rem = 0;
    for (int i = kWords - 1; i >= 0; --i) {
      const uint64_t cur = (rem << 32) | w[static_cast<size_t>(i)];
      w[static_cast<size_t>(i)] = static_cast<uint32_t>(cur / d);
      rem = cur % d;
    }
  }
  constexpr bool Bit(int i) const {
    return i >= 0 && i < 32 * kWords && ((w[static_cast<size_t>(i / 32)] >> (i % 32)) & 1);
  }
  // Shifts left by n (n < 0: right, floor).
  constexpr void Shift(int n) {
    std::array<uint32_t, kWords> r{};
    for (int i = 0; i < 32 * kWords; ++i) {
      if (Bit(i - n)) r[static_cast<size_t>(i / 32)] |= uint32_t{1} << (i % 32);
    }
    w = r;
  }
  constexpr void AddOne() {
    for (uint32_t& x : w) {
      if (++x != 0) return;
    }
  }
};

constexpr uint64_t ComputeG1(int k) {
  const int e = -k;                          // we need 10^e
  const int r = FloorLog2Pow10(e) - 125;     // 10^e = beta * 2^r
  BigUint beta;
  beta.w[0] = 1;
  if (e >= 0) {
    for (int i = 0; i < e; ++i) beta.MulSmall(10);
    beta.Shift(-r);
  } else {
    beta.Shift(-r);                          // 2^-r, then / 10^-e (floor)
    for (int i = 0; i < -e; ++i) beta.DivSmall(10);
  }
  beta.AddOne();
  beta.Shift(-63);
  return static_cast<uint64_t>(beta.w[0]) | (static_cast<uint64_t>(beta.w[1]) << 32);
}

constexpr std::array<uint64_t, kKMax - kKMin + 1> MakeG1Table() {
  std::array<uint64_t, kKMax - kKMin + 1> t{};
  for (int k = kKMin; k <= kKMax; ++k) t[static_cast<size_t>(k - kKMin)] = ComputeG1(k);
  return t;
}

constexpr std::array<uint64_t, kKMax - kKMin + 1> kG1 = MakeG1Table();
// Spot checks against values worked out by hand: 10^0 = 2^125 * 2^-125, so
// g1(0) = (2^125 + 1) >> 63 = 2^62; 10^-1 * 2^129 = 68056473384187692692674921486353642291.
static_assert(kG1[static_cast<size_t>(0 - kKMin)] == uint64_t{1} << 62);
static_assert(kG1[static_cast<size_t>(1 - kKMin)] == 7378697629483820646ull);

// Round to odd of g * cp * 2^-95 (Schubfach, figure 11).
inline uint32_t RoundToOdd(uint64_t g, uint64_t cp) {
  const unsigned __int128 x = static_cast<unsigned __int128>(g) * cp;
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

// The 8 decimal digits of v < 10^8 (with leading zeros) as ASCII, the most
// significant in the lowest byte: 4-, 2- and 1-digit splits done in parallel
// lanes of one register.
inline uint64_t EightDigits(uint32_t v) {
  const uint64_t hi = v / 10000, lo = v % 10000;
  uint64_t y = hi | (lo << 32);
  uint64_t z = ((y * 10486) >> 20) & 0x0000007F0000007Full;  // / 100 per 32-bit lane
  y = z | ((y - 100 * z) << 16);
  z = ((y * 103) >> 10) & 0x000F000F000F000Full;  // / 10 per 16-bit lane
  y = z | ((y - 10 * z) << 8);
  return y | 0x3030303030303030ull;
}

// The n digits of f (0 < f < 10^9), most significant in the lowest byte,
// bytes from n on zero. Kept in registers: digits stored piecemeal and read
// back as a block would stall on store forwarding.
struct DigitString {
  unsigned __int128 bytes;
  // Stores 9 bytes at dst (the digits, then filler).
  void StoreTo(char* dst) const {
    const uint64_t lo = static_cast<uint64_t>(bytes);
    std::memcpy(dst, &lo, 8);
    dst[8] = static_cast<char>(bytes >> 64);
  }
  DigitString Skip(int k) const { return {bytes >> (8 * k)}; }
};

inline DigitString MakeDigits(uint32_t f, int n) {
  const uint32_t first = f / 100000000;
  const uint32_t rest = f - first * 100000000;
  const unsigned __int128 all = (static_cast<unsigned __int128>(EightDigits(rest)) << 8) | ('0' + first);
  return {all >> (8 * (9 - n))};
}

// Writes f * 10^e, f > 0, laid out as std::to_chars does, and returns the
// length. exact, when not zero, is the float's own value, an integer of at
// least 2^24: plain notation prints it exactly (as printf's %.0f would)
// rather than the shortest digits followed by zeros.
//
// Stores are fixed 8- and 9-byte pieces that may run past the text (never
// past kFloatTextBuffer bytes). When plain notation wins there are at most 5
// zeros to append and at most 3 to insert after "0.", which they cover.
inline size_t WriteDecimal(uint32_t f, int e, uint64_t exact, char* out) {
  // Shortest digits: Schubfach's s or t may end in a zero or two.
  while (f % 10 == 0) {
    f /= 10;
    ++e;
  }
  const int n = CountDigits(f);
  const int sci_exp = e + n - 1;
  const int abs_exp = sci_exp < 0 ? -sci_exp : sci_exp;  // <= 45 for float
  const int sci_len = n + (n > 1 ? 1 : 0) + 4;
  const int fixed_len = e >= 0 ? n + e : (n + e > 0 ? n + 1 : 2 - e);
  const DigitString d = MakeDigits(f, n);
  if (fixed_len <= sci_len) {
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
    if (e >= 0) {  // digits, then e (<= 5) zeros
      d.StoreTo(out);
      std::memcpy(out + n, "00000000", 8);
      return static_cast<size_t>(n + e);
    }
    if (n + e > 0) {  // the point falls inside the digits
      const int whole = n + e;
      d.StoreTo(out);
      out[whole] = '.';
      d.Skip(whole).StoreTo(out + whole + 1);
      return static_cast<size_t>(n + 1);
    }
    std::memcpy(out, "0.000000", 8);  // "0." and -e - n (<= 3) zeros
    d.StoreTo(out + 2 - e - n);
    return static_cast<size_t>(2 - e);
  }
  out[0] = static_cast<char>(d.bytes);
  char* p = out + 1;
  if (n > 1) {
    *p = '.';
    d.Skip(1).StoreTo(p + 1);
    p += n;
  }
  p[0] = 'e';
  p[1] = sci_exp < 0 ? '-' : '+';
  std::memcpy(p + 2, kDigitPairs + 2 * abs_exp, 2);
  return static_cast<size_t>(p + 4 - out);
}

// Schubfach for c * 2^q, c > 0: the shortest decimal in the rounding interval,
// closest to the value on ties of length.
inline size_t ToDecimal(int q, uint32_t c, char* out) {
  const uint32_t odd = c & 1;
  const uint64_t cb = static_cast<uint64_t>(c) << 2;
  const uint64_t cbr = cb + 2;
  uint64_t cbl;
  int k;
  if (c != kCMin || q == kQMin) {
    cbl = cb - 2;  // regular spacing
    k = FloorLog10Pow2(q);
  } else {
    cbl = cb - 1;  // at a power of two the interval below is half as wide
    k = FloorLog10ThreeQuartersPow2(q);
  }
  const int h = q + FloorLog2Pow10(-k) + 33;
  const uint64_t g = kG1[static_cast<size_t>(k - kKMin)] + 1;
  const uint32_t vb = RoundToOdd(g, cb << h);
  const uint32_t vbl = RoundToOdd(g, cbl << h);
  const uint32_t vbr = RoundToOdd(g, cbr << h);

  // Integers of 2^24 and above: plain notation prints them exactly. Plain
  // notation loses to scientific long before 2^64 (q <= 40 is ample).
  const uint64_t exact_or_zero = q > 0 && q <= 40 ? static_cast<uint64_t>(c) << q : 0;

  const uint32_t s = vb >> 2;
  if (s >= 10) {
    // One digit fewer: s' = floor(s / 10), candidates 10 s' and 10 s' + 10.
    // (Schubfach as published tests this only from s >= 100, because Java
    // wants at least two digits; the shortest text needs it for the tiniest
    // subnormals too: 3e-44, not 2.9e-44.)
    const uint32_t sp10 = 10 * static_cast<uint32_t>((static_cast<uint64_t>(s) * 1717986919ull) >> 34);
    const uint32_t tp10 = sp10 + 10;
    const bool upin = vbl + odd <= (sp10 << 2);
    const bool wpin = (tp10 << 2) + odd <= vbr;
    if (upin != wpin) return WriteDecimal(upin ? sp10 : tp10, k, exact_or_zero, out);
  }
  const uint32_t t = s + 1;
  const bool uin = vbl + odd <= (s << 2);
  const bool win = (t << 2) + odd <= vbr;
  if (uin != win) return WriteDecimal(uin ? s : t, k, exact_or_zero, out);
  // Both in the interval: the closer one, the even one on a tie.
  const int64_t cmp = static_cast<int64_t>(vb) - static_cast<int64_t>((s + t) << 1);
  return WriteDecimal(cmp < 0 || (cmp == 0 && (s & 1) == 0) ? s : t, k, exact_or_zero, out);
}

}  // namespace

size_t FormatShortestFloat(float v, char* buf) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  // The sign of a vector element is random: a branch on it would be
  // mispredicted half the time.
  buf[0] = '-';
  char* p = buf + (bits >> 31);
  const uint32_t t = bits & ((uint32_t{1} << (kP - 1)) - 1);
  const uint32_t bq = (bits >> (kP - 1)) & 0xFF;
  if (bq != 0) {
    const int mq = -kQMin + 1 - static_cast<int>(bq);  // -q
    const uint32_t c = kCMin | t;
    if (mq > 0 && mq < kP) {
      // An integer below 2^24 is its own shortest decimal.
      const uint32_t f = c >> mq;
      if ((f << mq) == c) return static_cast<size_t>(p - buf) + WriteDecimal(f, 0, 0, p);
    }
    return static_cast<size_t>(p - buf) + ToDecimal(-mq, c, p);
  }
  if (t != 0) return static_cast<size_t>(p - buf) + ToDecimal(kQMin, t, p);
  *p++ = '0';
  return static_cast<size_t>(p - buf);
}

}  // namespace tributary
