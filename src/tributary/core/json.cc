#include "tributary/core/json.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tributary {
namespace {

constexpr int kMaxDepth = 256;

Status FromError(simdjson::error_code ec) {
  std::string msg = "Invalid JSON: ";
  msg += JsonErrorText(static_cast<int>(ec));
  return Status::InvalidData(std::move(msg));
}

Status Build(simdjson::dom::element e, int depth, JsonValue* out) {
  if (depth > kMaxDepth) return Status::InvalidData("Invalid JSON: nesting deeper than 256 levels");
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      std::vector<JsonValue::Member> members;
      simdjson::dom::object obj;
      if (auto err = e.get_object().get(obj)) return FromError(err);
      for (auto field : obj) {
        JsonValue cv;
        TRIB_RETURN_NOT_OK(Build(field.value, depth + 1, &cv));
        members.emplace_back(std::string(field.key), std::move(cv));
      }
      *out = JsonValue::Object(std::move(members));
      return Status::OK();
    }
    case simdjson::dom::element_type::ARRAY: {
      std::vector<JsonValue> items;
      simdjson::dom::array arr;
      if (auto err = e.get_array().get(arr)) return FromError(err);
      for (auto child : arr) {
        JsonValue cv;
        TRIB_RETURN_NOT_OK(Build(child, depth + 1, &cv));
        items.push_back(std::move(cv));
      }
      *out = JsonValue::Array(std::move(items));
      return Status::OK();
    }
    case simdjson::dom::element_type::STRING:
      *out = JsonValue::String(std::string(e.get_string().value_unsafe()));
      return Status::OK();
    case simdjson::dom::element_type::INT64:
      *out = JsonValue::Int(e.get_int64().value_unsafe());
      return Status::OK();
    case simdjson::dom::element_type::UINT64: {
      uint64_t u = e.get_uint64().value_unsafe();
      *out = JsonValue::NumberFromText(std::to_string(u), static_cast<double>(u));
      return Status::OK();
    }
    case simdjson::dom::element_type::DOUBLE:
      *out = JsonValue::Number(e.get_double().value_unsafe());
      return Status::OK();
    case simdjson::dom::element_type::BOOL:
      *out = JsonValue::Bool(e.get_bool().value_unsafe());
      return Status::OK();
    case simdjson::dom::element_type::NULL_VALUE:
      *out = JsonValue::Null();
      return Status::OK();
  }
  return Status::InvalidData("Invalid JSON: unknown value type");
}

bool NumbersEqual(const JsonValue& a, const JsonValue& b) { return a.number() == b.number(); }

}  // namespace

JsonValue JsonValue::Bool(bool b) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}

JsonValue JsonValue::Number(double d) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.number_ = d;
  return v;
}

JsonValue JsonValue::NumberFromText(std::string text, double d) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.number_ = d;
  v.str_ = std::move(text);
  return v;
}

JsonValue JsonValue::Int(int64_t i) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.number_ = static_cast<double>(i);
  v.str_ = std::to_string(i);
  return v;
}

JsonValue JsonValue::String(std::string s) {
  JsonValue v;
  v.type_ = Type::kString;
  v.str_ = std::move(s);
  return v;
}

JsonValue JsonValue::Array(std::vector<JsonValue> items) {
  JsonValue v;
  v.type_ = Type::kArray;
  v.items_ = std::move(items);
  return v;
}

JsonValue JsonValue::Object(std::vector<Member> members) {
  JsonValue v;
  v.type_ = Type::kObject;
  v.members_ = std::move(members);
  return v;
}

bool JsonValue::is_integer() const {
  return type_ == Type::kNumber && std::isfinite(number_) && number_ == std::floor(number_) &&
         std::fabs(number_) < 9.2233720368547758e18;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const auto& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

void JsonValue::Set(std::string key, JsonValue v) {
  for (auto& m : members_) {
    if (m.first == key) {
      m.second = std::move(v);
      return;
    }
  }
  members_.emplace_back(std::move(key), std::move(v));
}

void JsonValue::AppendTo(std::string* out) const {
  switch (type_) {
    case Type::kNull: out->append("null"); break;
    case Type::kBool: out->append(bool_ ? "true" : "false"); break;
    case Type::kNumber:
      if (!str_.empty()) out->append(str_); else AppendJsonDouble(number_, out);
      break;
    case Type::kString: AppendJsonString(str_, out); break;
    case Type::kArray:
      out->push_back('[');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out->push_back(',');
        items_[i].AppendTo(out);
      }
      out->push_back(']');
      break;
    case Type::kObject:
      out->push_back('{');
      for (size_t i = 0; i < members_.size(); ++i) {
        if (i) out->push_back(',');
        AppendJsonString(members_[i].first, out);
        out->push_back(':');
        members_[i].second.AppendTo(out);
      }
      out->push_back('}');
      break;
  }
}

std::string JsonValue::ToString() const {
  std::string s;
  AppendTo(&s);
  return s;
}

bool operator==(const JsonValue& a, const JsonValue& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case JsonValue::Type::kNull: return true;
    case JsonValue::Type::kBool: return a.bool_ == b.bool_;
    case JsonValue::Type::kNumber: return NumbersEqual(a, b);
    case JsonValue::Type::kString: return a.str_ == b.str_;
    case JsonValue::Type::kArray: return a.items_ == b.items_;
    case JsonValue::Type::kObject: return a.members_ == b.members_;
  }
  return false;
}

namespace {

// simdjson's DOM refuses integers beyond 64 bits, which JSON allows (and
// JavaScript's JSON.stringify writes, e.g. -9223372036854776000). Returns a
// copy of text in which every integer token outside strings that no 64-bit
// integer holds has ".0" appended, so that it reads as the double JavaScript
// and MongoDB's tools read; empty when there is none.
std::string WidenLongIntegers(std::string_view text) {
  std::string out;
  size_t copied = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    size_t j = i + (c == '-' ? 1 : 0);
    const size_t digits_start = j;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    const bool integer = j == text.size() || (text[j] != '.' && text[j] != 'e' && text[j] != 'E');
    int64_t i64;
    uint64_t u64;
    if (integer && j - digits_start >= 19 &&
        std::from_chars(text.data() + i, text.data() + j, i64).ec != std::errc() &&
        std::from_chars(text.data() + i, text.data() + j, u64).ec != std::errc()) {
      out.append(text.substr(copied, j - copied));
      out.append(".0");
      copied = j;
    }
    // Skip the rest of the token (fraction, exponent).
    while (j < text.size() && ((text[j] >= '0' && text[j] <= '9') || text[j] == '.' || text[j] == 'e' ||
                               text[j] == 'E' || text[j] == '+' || text[j] == '-')) {
      ++j;
    }
    i = j - 1;
  }
  if (copied == 0) return std::string();
  out.append(text.substr(copied));
  return out;
}

}  // namespace

Result<JsonValue> JsonValue::Parse(std::string_view text) {
  if (size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    return Status::InvalidData("Invalid JSON: invalid UTF-8 at byte " + std::to_string(bad));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto err = parser.parse(text.data(), text.size(), true).get(root);
  if (err == simdjson::NUMBER_ERROR) {
    std::string widened = WidenLongIntegers(text);
    if (!widened.empty()) err = parser.parse(widened.data(), widened.size(), true).get(root);
  }
  if (err) return FromError(err);
  JsonValue out;
  TRIB_RETURN_NOT_OK(Build(root, 0, &out));
  return out;
}

void AppendJsonDouble(double d, std::string* out) {
  if (!std::isfinite(d)) {
    out->append("null");
    return;
  }
  if (d == 0 && std::signbit(d)) {
    out->append("-0.0");  // "-0" would read back as the integer 0
    return;
  }
  char buf[40];
  auto res = std::to_chars(buf, buf + sizeof(buf), d);
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  if (std::fabs(d) >= 9.2e18 && text.find_first_of(".e") == std::string_view::npos) {
    // A whole number beyond the 64-bit integers: plain digits would read back
    // as an out-of-range integer; scientific notation reads back as this double.
    res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
    text = std::string_view(buf, static_cast<size_t>(res.ptr - buf));
  }
  out->append(text);
}

namespace {

// Offset of the first byte of [p, p + n) that a JSON string must escape (a
// control character, '"' or '\\'), or n.
inline size_t FindJsonEscape(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                last_control = _mm_set1_epi8(0x1F);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Unsigned v <= 0x1F: min(v, 0x1F) == v.
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, last_control), v);
    const __m128i hit = _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                           _mm_cmpeq_epi8(v, backslash)));
    if (int mask = _mm_movemask_epi8(hit)) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return n;
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    i += FindJsonEscape(s.data() + i, s.size() - i);
    if (i == s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    out->append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, 6);
      }
    }
  }
  out->append(s.data() + start, s.size() - start);
  out->push_back('"');
}

size_t FindInvalidUtf8(std::string_view s) {
  if (simdjson::validate_utf8(s.data(), s.size())) return std::string_view::npos;
  // Slow path only to locate the error.
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;  // the same rules as simdjson's: not reached
}

namespace {

// Writes e in compact form straight from simdjson's document, exactly as
// Build + JsonValue::AppendTo would (same number forms, same depth limit),
// without building a JsonValue.
Status WriteCompact(simdjson::dom::element e, int depth, std::string* out) {
  if (depth > kMaxDepth) return Status::InvalidData("Invalid JSON: nesting deeper than 256 levels");
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object obj;
      if (auto err = e.get_object().get(obj)) return FromError(err);
      out->push_back('{');
      bool first = true;
      for (auto field : obj) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(field.key, out);
        out->push_back(':');
        TRIB_RETURN_NOT_OK(WriteCompact(field.value, depth + 1, out));
      }
      out->push_back('}');
      return Status::OK();
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array arr;
      if (auto err = e.get_array().get(arr)) return FromError(err);
      out->push_back('[');
      bool first = true;
      for (auto child : arr) {
        if (!first) out->push_back(',');
        first = false;
        TRIB_RETURN_NOT_OK(WriteCompact(child, depth + 1, out));
      }
      out->push_back(']');
      return Status::OK();
    }
    case simdjson::dom::element_type::STRING: AppendJsonString(e.get_string().value_unsafe(), out); return Status::OK();
    case simdjson::dom::element_type::INT64: {
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof(buf), e.get_int64().value_unsafe());
      out->append(buf, res.ptr);
      return Status::OK();
    }
    case simdjson::dom::element_type::UINT64: {
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof(buf), e.get_uint64().value_unsafe());
      out->append(buf, res.ptr);
      return Status::OK();
    }
    case simdjson::dom::element_type::DOUBLE: AppendJsonDouble(e.get_double().value_unsafe(), out); return Status::OK();
    case simdjson::dom::element_type::BOOL: out->append(e.get_bool().value_unsafe() ? "true" : "false"); return Status::OK();
    case simdjson::dom::element_type::NULL_VALUE: out->append("null"); return Status::OK();
  }
  return Status::InvalidData("Invalid JSON: unknown value type");
}

// Texts up to this size are parsed with a parser kept per thread (its
// buffers are reused); larger ones get their own, freed after.
constexpr size_t kReusedParserBytes = 1u << 20;

}  // namespace

Status CanonicalizeJsonObject(std::string_view text, std::string* out) {
  if (size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    return Status::InvalidData("Invalid JSON: invalid UTF-8 at byte " + std::to_string(bad));
  }
  thread_local simdjson::dom::parser reused;
  simdjson::dom::parser own;
  simdjson::dom::parser& parser = text.size() <= kReusedParserBytes ? reused : own;
  simdjson::dom::element root;
  if (auto err = parser.parse(text.data(), text.size(), true).get(root)) return FromError(err);
  const char* got = nullptr;
  switch (root.type()) {
    case simdjson::dom::element_type::OBJECT: break;
    case simdjson::dom::element_type::ARRAY: got = "array"; break;
    case simdjson::dom::element_type::STRING: got = "string"; break;
    case simdjson::dom::element_type::BOOL: got = "boolean"; break;
    case simdjson::dom::element_type::NULL_VALUE: got = "null"; break;
    default: got = "number"; break;
  }
  if (got) {
    // The whole value is checked first, as a full parse would.
    std::string scratch;
    TRIB_RETURN_NOT_OK(WriteCompact(root, 0, &scratch));
    return Status::InvalidData(std::string("metadata is not a JSON object (got ") + got + ")");
  }
  const size_t mark = out->size();
  Status st = WriteCompact(root, 0, out);
  if (!st.ok()) out->resize(mark);
  return st;
}

std::string_view JsonErrorText(int code) {
  switch (static_cast<simdjson::error_code>(code)) {
    case simdjson::TAPE_ERROR: return "Expecting ',' delimiter or closing bracket";
    case simdjson::DEPTH_ERROR: return "nesting too deep";
    case simdjson::STRING_ERROR: return "bad string (unescaped control character or bad escape)";
    case simdjson::T_ATOM_ERROR: return "expected 'true'";
    case simdjson::F_ATOM_ERROR: return "expected 'false'";
    case simdjson::N_ATOM_ERROR: return "expected 'null'";
    case simdjson::NUMBER_ERROR: return "bad number";
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::UNCLOSED_STRING: return "unclosed string";
    case simdjson::EMPTY: return "empty input";
    case simdjson::INCORRECT_TYPE: return "unexpected value type";
    case simdjson::NUMBER_OUT_OF_RANGE: return "number out of range";
    case simdjson::TRAILING_CONTENT: return "unexpected text after the value";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: return "unclosed array or object";
    case simdjson::NO_SUCH_FIELD: return "missing field";
    default: return simdjson::error_message(static_cast<simdjson::error_code>(code));
  }
}

}  // namespace tributary
