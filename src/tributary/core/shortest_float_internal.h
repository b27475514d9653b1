// Internals of the shortest float32 writer (core/shortest_float.h): the
// Schubfach constants and tables, shared by the scalar writer and the
// AVX-512 list writer (shortest_float_avx512.cc), and both list writers, so
// that the tests can compare them on any machine that runs both.
//
// Thread-safety: the tables are compile-time constants; the functions are
// reentrant.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tributary::shortest_float_internal {

// float32: 24-bit significands, binary exponents of the least significant bit
// from kQMin (subnormals) to kQMax.
inline constexpr int kP = 24;
inline constexpr int kQMin = -149;
inline constexpr uint32_t kCMin = uint32_t{1} << (kP - 1);

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

inline constexpr int kKMin = FloorLog10Pow2(kQMin);               // -45
inline constexpr int kKMax = FloorLog10Pow2(127 - (kP - 1));      //  31

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

inline constexpr std::array<uint64_t, kKMax - kKMin + 1> kG1 = MakeG1Table();
// Spot checks against values worked out by hand: 10^0 = 2^125 * 2^-125, so
// g1(0) = (2^125 + 1) >> 63 = 2^62; 10^-1 * 2^129 = 68056473384187692692674921486353642291.
static_assert(kG1[static_cast<size_t>(0 - kKMin)] == uint64_t{1} << 62);
static_assert(kG1[static_cast<size_t>(1 - kKMin)] == 7378697629483820646ull);

// For each binary exponent q of the regular case, Schubfach's k =
// floor(q log10 2), its shift h and its multiplier g1(k) + 1: one load
// instead of two multiply-shifts and a dependent load.
struct ExponentEntry {
  uint64_t g;
  int32_t k;
  int32_t h;
};

constexpr std::array<ExponentEntry, 254> MakeExponentTable() {
  std::array<ExponentEntry, 254> t{};
  for (int q = kQMin; q < kQMin + 254; ++q) {
    const int k = FloorLog10Pow2(q);
    t[static_cast<size_t>(q - kQMin)] = {kG1[static_cast<size_t>(k - kKMin)] + 1, k,
                                         q + FloorLog2Pow10(-k) + 33};
  }
  return t;
}

inline constexpr std::array<ExponentEntry, 254> kExponents = MakeExponentTable();

// FormatFloatList (core/numbers.h), one float at a time in portable code.
char* FormatFloatListScalar(std::span<const float> v, char* out);

// FormatFloatList with AVX-512 (F, BW, CD, DQ, VL): 16 floats at a time.
// Same text, same buffer contract. REQUIRES: Avx512FloatListSupported().
char* FormatFloatListAvx512(std::span<const float> v, char* out);

// Whether this CPU runs FormatFloatListAvx512.
bool Avx512FloatListSupported();

}  // namespace tributary::shortest_float_internal
