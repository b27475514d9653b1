#include "tributary/formats/parquet/value_convert.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"

namespace tributary::parquet {
namespace {

constexpr int64_t kMicrosPerDay = 86400LL * 1000000LL;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
  return r;
}

void AppendDouble(double d, std::string* out) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), d);
  out->append(buf, res.ptr);
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

void AppendBase64(std::string_view s, std::string* out) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= s.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<uint8_t>(s[i])} << 16) | (uint32_t{static_cast<uint8_t>(s[i + 1])} << 8) |
                 static_cast<uint8_t>(s[i + 2]);
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back(kAlphabet[v & 63]);
  }
  if (i < s.size()) {
    uint32_t v = uint32_t{static_cast<uint8_t>(s[i])} << 16;
    if (i + 1 < s.size()) v |= uint32_t{static_cast<uint8_t>(s[i + 1])} << 8;
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(i + 1 < s.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out->push_back('=');
  }
}

void AppendUuid(std::string_view s, std::string* out) {
  static const char* kHex = "0123456789abcdef";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out->push_back('-');
    out->push_back(kHex[static_cast<uint8_t>(s[i]) >> 4]);
    out->push_back(kHex[static_cast<uint8_t>(s[i]) & 15]);
  }
}

// Decimal text of an unscaled integer with a scale.
void AppendDecimal(__int128 unscaled, int scale, std::string* out) {
  bool neg = unscaled < 0;
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-(unscaled + 1)) + 1 : static_cast<unsigned __int128>(unscaled);
  char digits[48];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
  } while (u != 0);
  while (n <= scale) digits[n++] = '0';
  if (neg) out->push_back('-');
  for (int i = n - 1; i >= 0; --i) {
    out->push_back(digits[i]);
    if (i == scale && scale > 0) out->push_back('.');
  }
}

// Unscaled decimal value; false when it does not fit 128 bits.
bool DecimalUnscaled(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v, __int128* out) {
  if (leaf.physical == fmt::Type::INT32 || leaf.physical == fmt::Type::INT64) {
    *out = r.Int(v);
    return true;
  }
  std::string_view b = r.Bytes(v);
  if (b.empty()) {
    *out = 0;
    return true;
  }
  const bool neg = static_cast<uint8_t>(b[0]) & 0x80;
  // Leading sign bytes beyond 16 must be pure sign extension.
  while (b.size() > 16) {
    if (static_cast<uint8_t>(b[0]) != (neg ? 0xff : 0x00)) return false;
    b.remove_prefix(1);
  }
  unsigned __int128 u = neg ? ~static_cast<unsigned __int128>(0) : 0;
  for (char c : b) u = (u << 8) | static_cast<uint8_t>(c);
  *out = static_cast<__int128>(u);
  return true;
}

void AppendTimeOfDay(int64_t micros, std::string* out) {
  if (micros < 0) micros = 0;
  char buf[32];
  int64_t s = micros / 1000000, frac = micros % 1000000;
  int n = std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                        static_cast<long long>((s / 60) % 60), static_cast<long long>(s % 60));
  out->append(buf, static_cast<size_t>(n));
  if (frac) {
    n = std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(frac));
    out->append(buf, static_cast<size_t>(n));
  }
}

int64_t TimeMicros(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v) {
  int64_t x = r.Int(v);
  if (leaf.unit_per_second == 1000) return SaturatingMul(x, 1000);
  if (leaf.unit_per_second == 1000000000) return FloorDiv(x, 1000);
  return x;
}

void AppendDate(int64_t days, std::string* out) {
  std::string t;
  AppendTimestamp(SaturatingMul(days, kMicrosPerDay), &t);
  size_t tpos = t.find('T');
  out->append(t, 0, tpos == std::string::npos ? t.size() : tpos);
}

// Text form of a value for string-typed targets and JSON strings.
// Returns false for numeric kinds (the caller formats numbers itself).
void AppendText(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v, std::string* out) {
  switch (leaf.kind) {
    case ValueKind::kDate: AppendDate(r.Int(v), out); break;
    case ValueKind::kTimestamp: AppendTimestamp(TimestampMicros(leaf, r, v), out); break;
    case ValueKind::kTime: AppendTimeOfDay(TimeMicros(leaf, r, v), out); break;
    case ValueKind::kUuid: AppendUuid(r.Bytes(v), out); break;
    case ValueKind::kBinary: AppendBase64(r.Bytes(v), out); break;
    default: out->append(r.Bytes(v)); break;
  }
}

// Number text for numeric kinds; false if not numeric or not finite.
bool AppendNumber(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v, std::string* out) {
  switch (leaf.kind) {
    case ValueKind::kInt: AppendInt(r.Int(v), out); return true;
    case ValueKind::kUInt: {
      if (leaf.physical == fmt::Type::INT32) {
        AppendInt(static_cast<int64_t>(r.UInt(v)), out);
      } else {
        char buf[24];
        auto res = std::to_chars(buf, buf + sizeof(buf), r.UInt(v));
        out->append(buf, res.ptr);
      }
      return true;
    }
    case ValueKind::kFloat: {
      float f = r.Float(v);
      if (!std::isfinite(f)) return false;
      AppendFloat(f, out);
      return true;
    }
    case ValueKind::kDouble: {
      double d = r.Double(v);
      if (!std::isfinite(d)) return false;
      AppendDouble(d, out);
      return true;
    }
    case ValueKind::kFloat16: {
      std::string_view b = r.Bytes(v);
      float f = HalfToFloat(static_cast<uint16_t>(static_cast<uint8_t>(b[0]) | (static_cast<uint8_t>(b[1]) << 8)));
      if (!std::isfinite(f)) return false;
      AppendFloat(f, out);
      return true;
    }
    case ValueKind::kDecimal: {
      __int128 u;
      if (!DecimalUnscaled(leaf, r, v, &u)) return false;
      AppendDecimal(u, leaf.scale, out);
      return true;
    }
    default: return false;
  }
}

bool IsNumeric(ValueKind k) {
  return k == ValueKind::kInt || k == ValueKind::kUInt || k == ValueKind::kFloat || k == ValueKind::kDouble ||
         k == ValueKind::kFloat16 || k == ValueKind::kDecimal;
}

}  // namespace

int64_t TimestampMicros(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v) {
  if (leaf.is_int96) {
    const uint8_t* p = r.Fixed(v);
    int64_t nanos;
    uint32_t julian;
    std::memcpy(&nanos, p, 8);
    std::memcpy(&julian, p + 8, 4);
    int64_t days = static_cast<int64_t>(julian) - 2440588;
    return SaturatingMul(days, kMicrosPerDay) + FloorDiv(nanos, 1000);
  }
  int64_t x = r.Int(v);
  if (leaf.unit_per_second == 1000) return SaturatingMul(x, 1000);
  if (leaf.unit_per_second == 1000000000) return FloorDiv(x, 1000);
  return x;
}

void AppendValueJson(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v, std::string* out) {
  if (leaf.kind == ValueKind::kNull) {
    out->append("null");
    return;
  }
  if (leaf.kind == ValueKind::kBool) {
    out->append(r.Bool(v) ? "true" : "false");
    return;
  }
  if (IsNumeric(leaf.kind)) {
    size_t mark = out->size();
    if (!AppendNumber(leaf, r, v, out)) {
      out->resize(mark);
      out->append("null");
    }
    return;
  }
  if (leaf.kind == ValueKind::kJson) {
    auto parsed = JsonValue::Parse(r.Bytes(v));
    if (parsed.ok()) {
      parsed->AppendTo(out);
      return;
    }
    // Not valid JSON: keep it as a string.
  }
  std::string text;
  AppendText(leaf, r, v, &text);
  if (FindInvalidUtf8(text) != std::string::npos) {
    std::string b64;
    AppendBase64(text, &b64);
    text.swap(b64);
  }
  AppendJsonString(text, out);
}

Status SetFieldValue(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v, Field f, RowBuilder* b,
                     std::string* scratch) {
  switch (leaf.kind) {
    case ValueKind::kNull: return b->SetNull(f);
    case ValueKind::kBool: return b->SetBool(f, r.Bool(v));
    case ValueKind::kInt: return b->SetInt(f, r.Int(v));
    case ValueKind::kTimestamp: return b->SetTimestamp(f, TimestampMicros(leaf, r, v));
    case ValueKind::kDate:
      if (FieldTypeOf(f) == FieldType::kTimestamp) return b->SetTimestamp(f, SaturatingMul(r.Int(v), kMicrosPerDay));
      break;
    default: break;
  }
  scratch->clear();
  if (IsNumeric(leaf.kind)) {
    if (!AppendNumber(leaf, r, v, scratch)) return b->SetNull(f);
    return b->SetNumberToken(f, *scratch);
  }
  if (leaf.kind == ValueKind::kString || leaf.kind == ValueKind::kJson) return b->SetText(f, r.Bytes(v));
  AppendText(leaf, r, v, scratch);
  return b->SetText(f, *scratch);
}

}  // namespace tributary::parquet
