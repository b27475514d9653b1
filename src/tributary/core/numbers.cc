#include "tributary/core/numbers.h"

#include "tributary/core/ascii.h"
#include "tributary/core/shortest_float.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace tributary {

static_assert(kMaxFloatChars >= kFloatTextBuffer);

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

// FormatFloat and FormatFloatList are in shortest_float.cc, beside the kernel
// they share.

void AppendFloat(float v, std::string* out) {
  char buf[kMaxFloatChars];
  out->append(buf, FormatFloat(v, buf));
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(res.ptr - buf));
}

ParseNumberError ParseFloat(std::string_view token, float* out, bool allow_non_finite) {
  if (token.empty()) return ParseNumberError::kSyntax;
  std::string_view t = token;
  if (t.front() == '+') t.remove_prefix(1);
  if (t.empty()) return ParseNumberError::kSyntax;
  char c0 = t.front();
  bool looks_numeric = (c0 >= '0' && c0 <= '9') || c0 == '-' || c0 == '.';
  if (looks_numeric) {
    // from_chars does not accept "-.5" style? It does accept ".5"? It does not;
    // JSON forbids both, but CSV writers produce ".5" sometimes.
    const char* first = t.data();
    const char* last = t.data() + t.size();
    float v = 0;
    auto res = std::from_chars(first, last, v);
    if (res.ec == std::errc() && res.ptr == last) {
      // from_chars accepts "inf"/"nan" too; catch them below by isfinite.
      if (!std::isfinite(v)) {
        if (!allow_non_finite) return ParseNumberError::kNonFinite;
      }
      *out = v;
      return ParseNumberError::kOk;
    }
    if (res.ec == std::errc::result_out_of_range && res.ptr == last) {
      // Underflow rounds toward zero as every float32 reader does; overflow is an error.
      double d = 0;
      auto rd = std::from_chars(first, last, d);
      if (rd.ptr == last && rd.ec == std::errc() && std::isfinite(d) && std::fabs(d) < 1.0) {
        *out = static_cast<float>(d);
        return ParseNumberError::kOk;
      }
      if (rd.ptr == last && rd.ec == std::errc::result_out_of_range) {
        // Out of range even for double: tiny if the exponent is negative.
        std::string_view tv(first, static_cast<size_t>(last - first));
        size_t e = tv.find_first_of("eE");
        if (e != std::string_view::npos && e + 1 < tv.size() && tv[e + 1] == '-') {
          *out = tv.front() == '-' ? -0.0f : 0.0f;
          return ParseNumberError::kOk;
        }
      }
      return ParseNumberError::kOutOfRange;
    }
    // Leading '.' or "-.": retry with an explicit zero.
    std::string_view digits = t;
    bool neg = false;
    if (!digits.empty() && digits.front() == '-') {
      neg = true;
      digits.remove_prefix(1);
    }
    if (!digits.empty() && digits.front() == '.' && digits.size() > 1 && digits.size() < 64) {
      char buf[66];
      size_t n = 0;
      if (neg) buf[n++] = '-';
      buf[n++] = '0';
      std::memcpy(buf + n, digits.data(), digits.size());
      n += digits.size();
      auto r2 = std::from_chars(buf, buf + n, v);
      if (r2.ec == std::errc() && r2.ptr == buf + n) {
        *out = v;
        return ParseNumberError::kOk;
      }
    }
    if (neg) {
      std::string_view rest = digits;
      if (EqualsIgnoreAsciiCase(rest, "infinity") || EqualsIgnoreAsciiCase(rest, "inf")) {
        if (!allow_non_finite) return ParseNumberError::kNonFinite;
        *out = -std::numeric_limits<float>::infinity();
        return ParseNumberError::kOk;
      }
    }
    return ParseNumberError::kSyntax;
  }
  if (EqualsIgnoreAsciiCase(t, "nan")) {
    if (!allow_non_finite) return ParseNumberError::kNonFinite;
    *out = std::numeric_limits<float>::quiet_NaN();
    return ParseNumberError::kOk;
  }
  if (EqualsIgnoreAsciiCase(t, "infinity") || EqualsIgnoreAsciiCase(t, "inf")) {
    if (!allow_non_finite) return ParseNumberError::kNonFinite;
    *out = std::numeric_limits<float>::infinity();
    return ParseNumberError::kOk;
  }
  return ParseNumberError::kSyntax;
}

ParseNumberError ParseInt64(std::string_view token, int64_t* out) {
  if (token.empty()) return ParseNumberError::kSyntax;
  std::string_view t = token;
  if (t.front() == '+') t.remove_prefix(1);
  int64_t v = 0;
  auto res = std::from_chars(t.data(), t.data() + t.size(), v);
  if (res.ec == std::errc() && res.ptr == t.data() + t.size()) {
    *out = v;
    return ParseNumberError::kOk;
  }
  if (res.ec == std::errc::result_out_of_range) return ParseNumberError::kOutOfRange;
  // Integral values written as floats ("4.0", "1e3").
  double d = 0;
  auto r2 = std::from_chars(t.data(), t.data() + t.size(), d);
  if (r2.ec == std::errc() && r2.ptr == t.data() + t.size() && std::isfinite(d) &&
      d == std::floor(d)) {
    if (d < -9.2233720368547758e18 || d >= 9.2233720368547758e18) return ParseNumberError::kOutOfRange;
    *out = static_cast<int64_t>(d);
    return ParseNumberError::kOk;
  }
  return ParseNumberError::kSyntax;
}

Status ParseVectorText(std::string_view text, const VectorParseOptions& options,
                       FloatVector* out) {
  std::string_view s = Trim(text);
  char close = 0;
  if (!s.empty() && s.front() == '[') close = ']';
  if (!s.empty() && s.front() == '{') close = '}';
  if (close != 0) {
    if (s.size() < 2 || s.back() != close) {
      return Status::InvalidData(std::string("vector text starts with '") + s.front() +
                                 "' but does not end with '" + close + "'");
    }
    s = Trim(s.substr(1, s.size() - 2));
    if (s.empty()) return Status::OK();
  }
  // Elements are separated by commas (bracketed or bare) or by whitespace.
  bool comma_separated = s.find(',') != std::string_view::npos || close != 0;
  size_t index = 0;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t end;
    if (comma_separated) {
      end = s.find(',', pos);
      if (end == std::string_view::npos) end = s.size();
    } else {
      while (pos < s.size() && IsSpace(s[pos])) ++pos;
      if (pos == s.size()) break;
      end = pos;
      while (end < s.size() && !IsSpace(s[end])) ++end;
    }
    std::string_view tok = Trim(s.substr(pos, end - pos));
    // PostgreSQL arrays may quote elements: {"1.5","2"}.
    if (close == '}' && tok.size() >= 2 && tok.front() == '"' && tok.back() == '"') {
      tok = tok.substr(1, tok.size() - 2);
    }
    float v = 0;
    switch (ParseFloat(tok, &v, options.allow_non_finite)) {
      case ParseNumberError::kOk: break;
      case ParseNumberError::kNonFinite:
        return Status::InvalidData("Invalid vector value at index " + std::to_string(index) +
                                   ": " + std::string(tok) + " is not a finite number");
      case ParseNumberError::kOutOfRange:
        return Status::InvalidData("Invalid vector value at index " + std::to_string(index) +
                                   ": " + std::string(tok.substr(0, 40)) +
                                   " is out of float32 range");
      case ParseNumberError::kSyntax:
        return Status::InvalidData("Invalid vector value at index " + std::to_string(index) +
                                   ": '" + std::string(tok.substr(0, 40)) + "' is not a number");
    }
    out->push_back(v);
    ++index;
    if (end >= s.size()) break;
    pos = end + 1;
  }
  return Status::OK();
}

}  // namespace tributary
