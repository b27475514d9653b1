// Small JSON helpers shared by formats, filters and reports.
//
// JsonValue is a plain DOM for the small documents tributary reasons about
// (filters, one record's metadata in the in-memory evaluator, manifests). Bulk
// record parsing does not go through it; formats stream with simdjson and
// write straight into RecordBatch arenas.
//
// Numbers keep their source text so that re-serialising a document changes
// no digit; comparisons use the double value.
//
// Thread-safety: all functions are reentrant; JsonValue is a value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tributary/core/status.h"

namespace tributary {

class JsonValue {
 public:
  enum class Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;
  static JsonValue Null() { return JsonValue(); }
  static JsonValue Bool(bool b);
  static JsonValue Number(double d);
  // text must be a valid JSON number token.
  static JsonValue NumberFromText(std::string text, double d);
  static JsonValue Int(int64_t i);
  static JsonValue String(std::string s);
  static JsonValue Array(std::vector<JsonValue> items = {});
  static JsonValue Object(std::vector<Member> members = {});

  // Parses one complete JSON document. Errors say what and where (byte offset).
  static Result<JsonValue> Parse(std::string_view text);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  bool bool_value() const { return bool_; }
  double number() const { return number_; }
  // True when the number is integral and fits int64 exactly.
  bool is_integer() const;
  int64_t int_value() const { return static_cast<int64_t>(number_); }
  // For numbers, the source token; for strings, the unescaped string.
  const std::string& str() const { return str_; }
  const std::vector<JsonValue>& items() const { return items_; }
  std::vector<JsonValue>& items() { return items_; }
  const std::vector<Member>& members() const { return members_; }
  std::vector<Member>& members() { return members_; }
  // First member with this key, or nullptr.
  const JsonValue* Find(std::string_view key) const;
  // Adds or replaces a member (objects only).
  void Set(std::string key, JsonValue v);

  // Compact serialisation.
  void AppendTo(std::string* out) const;
  std::string ToString() const;

  // Structural equality; numbers compare by value (1 == 1.0).
  friend bool operator==(const JsonValue& a, const JsonValue& b);

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string str_;
  std::vector<JsonValue> items_;
  std::vector<Member> members_;
};

// Appends s as a JSON string literal, quotes included. s must be UTF-8;
// control characters are escaped, everything else is kept as is.
// Appends a double as a JSON number that parses back to the same double:
// shortest round-trip digits, "-0.0" for negative zero, scientific notation
// for whole numbers beyond 64-bit integers; "null" for NaN and infinities.
void AppendJsonDouble(double d, std::string* out);
void AppendJsonString(std::string_view s, std::string* out);

// Returns the byte offset of the first invalid UTF-8 sequence, or npos.
size_t FindInvalidUtf8(std::string_view s);

// Parses text as JSON and requires an object. Appends its compact form to out.
// Error messages name what is wrong ("metadata is not a JSON object (got
// array)", or the parse error).
Status CanonicalizeJsonObject(std::string_view text, std::string* out);

// Human text for a simdjson error code, in the style "Expecting ',' delimiter".
std::string_view JsonErrorText(int simdjson_error_code);

}  // namespace tributary
