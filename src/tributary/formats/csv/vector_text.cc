#include "tributary/formats/csv/vector_text.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace tributary::csv {
namespace {

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Eight ASCII digits at once (the SWAR trick of simdjson and fast_float):
// shortest-form floats carry 7 to 9 digits, and a byte loop spends most of
// its time mispredicting where they end.
inline uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian: p[0] is the low byte
}

inline bool AllDigits8(uint64_t v) {
  return ((v & 0xF0F0F0F0F0F0F0F0) |
          (((v + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) == 0x3333333333333333;
}

inline uint64_t Digits8(uint64_t v) {
  v = (v & 0x0F0F0F0F0F0F0F0F) * 2561 >> 8;
  v = (v & 0x00FF00FF00FF00FF) * 6553601 >> 16;
  return (v & 0x0000FFFF0000FFFF) * 42949672960001 >> 32;
}

// Accumulates the digits at p into *w; returns the end of the digits.
inline const char* ScanDigits(const char* p, const char* end, uint64_t* w) {
  while (end - p >= 8) {
    const uint64_t v = Load8(p);
    if (!AllDigits8(v)) break;
    *w = *w * 100000000 + Digits8(v);
    p += 8;
  }
  while (p < end && IsDigit(*p)) {
    *w = *w * 10 + static_cast<uint64_t>(*p - '0');
    ++p;
  }
  return p;
}

}  // namespace

const char* ParseFloatFast(const char* p, const char* end, float* out) {
  if (p == end) return nullptr;
  // Half the numbers of a vector are negative, at random: no branch.
  const uint32_t negative = *p == '-';
  p += negative;
  uint64_t w = 0;
  const char* const int_start = p;
  p = ScanDigits(p, end, &w);
  int64_t digits = p - int_start;
  if (digits == 0) return nullptr;
  int64_t exp10 = 0;
  if (p < end && *p == '.') {
    ++p;
    const char* const frac_start = p;
    p = ScanDigits(p, end, &w);
    const int64_t frac = p - frac_start;
    if (frac == 0) return nullptr;
    digits += frac;
    exp10 = -frac;
  }
  // 19 digits cannot overflow w; more might have.
  if (digits > 19) return nullptr;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p < end && (*p == '+' || *p == '-')) {
      exp_negative = *p == '-';
      ++p;
    }
    const char* const exp_start = p;
    int64_t e = 0;
    while (p < end && IsDigit(*p)) {
      if (p - exp_start >= 6) return nullptr;
      e = e * 10 + (*p - '0');
      ++p;
    }
    if (p == exp_start) return nullptr;
    exp10 += exp_negative ? -e : e;
  }
  if (w == 0) {
    *out = negative ? -0.0f : 0.0f;
    return p;
  }
  if (w > (uint64_t{1} << 53) || exp10 < -22 || exp10 > 22) return nullptr;

  double d = static_cast<double>(w);
  d = exp10 < 0 ? d / kPow10[-exp10] : d * kPow10[exp10];
  // Below the float normal range the halfway test below does not hold.
  if (d < 0x1p-126) return nullptr;
  const uint64_t low = std::bit_cast<uint64_t>(d) & ((uint64_t{1} << 29) - 1);
  if (low == (uint64_t{1} << 28)) return nullptr;
  const float f = static_cast<float>(d);
  if (std::isinf(f)) return nullptr;
  *out = std::bit_cast<float>(std::bit_cast<uint32_t>(f) | (negative << 31));
  return p;
}

bool ParseBracketedVector(std::string_view text, std::vector<float>* out) {
  if (text.size() < 3 || text.front() != '[' || text.back() != ']') return false;
  const char* p = text.data() + 1;
  const char* const end = text.data() + text.size() - 1;
  out->clear();
  for (;;) {
    while (p < end && *p == ' ') ++p;
    float v;
    const char* next = ParseFloatFast(p, end, &v);
    if (next == nullptr) {
      auto res = std::from_chars(p, end, v);
      // Out of range, non-finite or malformed: the general parser decides.
      if (res.ec != std::errc() || !std::isfinite(v)) return false;
      next = res.ptr;
    }
    out->push_back(v);
    p = next;
    while (p < end && *p == ' ') ++p;
    if (p == end) return true;
    if (*p != ',') return false;
    ++p;
  }
}

}  // namespace tributary::csv
