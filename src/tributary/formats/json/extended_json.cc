#include "tributary/formats/json/extended_json.h"

#include <cmath>
#include <cstring>

#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
#include "tributary/formats/json/mongo_shell.h"
#include "tributary/formats/record_text.h"

namespace tributary::json_internal {
namespace {

bool IsJsonNumberText(std::string_view t) {
  size_t i = 0;
  auto digit = [&](size_t k) { return k < t.size() && t[k] >= '0' && t[k] <= '9'; };
  if (i < t.size() && t[i] == '-') ++i;
  if (!digit(i)) return false;
  if (t[i] == '0') ++i; else while (digit(i)) ++i;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == t.size();
}

// "-0700" or "+0530" at the end of an ISO string -> "-07:00" (what the
// RFC 3339 parser takes).
std::string WithColonOffset(const std::string& s) {
  if (s.size() >= 5) {
    std::string_view tail(s.data() + s.size() - 5, 5);
    if ((tail[0] == '+' || tail[0] == '-') && std::isdigit(static_cast<unsigned char>(tail[1])) &&
        std::isdigit(static_cast<unsigned char>(tail[2])) && std::isdigit(static_cast<unsigned char>(tail[3])) &&
        std::isdigit(static_cast<unsigned char>(tail[4])) && s.find('T') != std::string::npos) {
      return s.substr(0, s.size() - 2) + ":" + s.substr(s.size() - 2);
    }
  }
  return s;
}

Status DateFromMillis(const std::string& ms_text, JsonValue* out) {
  if (ms_text.empty() || !IsJsonNumberText(ms_text) || ms_text.find_first_of(".eE") != std::string::npos) {
    return Status::InvalidData("$date: '" + ms_text + "' is not a whole number of milliseconds");
  }
  errno = 0;
  long long ms = std::strtoll(ms_text.c_str(), nullptr, 10);
  if (errno != 0 || ms > 9223372036854775LL || ms < -9223372036854775LL) {
    return Status::InvalidData("$date: " + ms_text + " milliseconds is out of range");
  }
  *out = JsonValue::String(FormatTimestamp(static_cast<int64_t>(ms) * 1000));
  return Status::OK();
}

Status Convert(JsonValue* v, int depth);

// A regular expression as plain JSON: {"pattern": p, "options": o}.
JsonValue RegexValue(const std::string& pattern, const std::string& options) {
  JsonValue out = JsonValue::Object();
  out.members().emplace_back("pattern", JsonValue::String(pattern));
  out.members().emplace_back("options", JsonValue::String(options));
  return out;
}

// Unwraps v in place if it is a wrapper; sets *done when it was.
Status Unwrap(JsonValue* v, bool* done) {
  *done = false;
  const auto& m = v->members();
  if (m.empty() || m.size() > 2 || m[0].first.empty() || m[0].first[0] != '$') return Status::OK();
  const std::string& key = m[0].first;
  const JsonValue& val = m[0].second;
  if (m.size() == 1) {
    if (key == "$oid" && val.is_string()) {
      JsonValue s = JsonValue::String(val.str());
      *v = std::move(s);
      *done = true;
    } else if (key == "$date") {
      JsonValue out;
      if (val.is_string()) {
        int64_t micros = 0;
        Status st = ParseTimestamp(WithColonOffset(val.str()), &micros);
        if (!st.ok()) return Status::InvalidData("$date: " + st.message());
        out = JsonValue::String(FormatTimestamp(micros));
      } else if (val.is_number()) {
        TRIB_RETURN_NOT_OK(DateFromMillis(val.str(), &out));
      } else if (val.is_object() && val.members().size() == 1 && val.members()[0].first == "$numberLong" &&
                 val.members()[0].second.is_string()) {
        TRIB_RETURN_NOT_OK(DateFromMillis(val.members()[0].second.str(), &out));
      } else {
        return Status::OK();
      }
      *v = std::move(out);
      *done = true;
    } else if ((key == "$numberInt" || key == "$numberLong" || key == "$numberDouble" || key == "$numberDecimal") &&
               val.is_string()) {
      const std::string& t = val.str();
      if (IsJsonNumberText(t)) {
        JsonValue n = JsonValue::NumberFromText(t, std::strtod(t.c_str(), nullptr));
        *v = std::move(n);
      } else if (t == "NaN" || t == "Infinity" || t == "-Infinity" || t == "-NaN") {
        JsonValue s = JsonValue::String(t);
        *v = std::move(s);
      } else {
        return Status::InvalidData(key + ": '" + t + "' is not a number");
      }
      *done = true;
    } else if (key == "$binary" && val.is_object()) {
      const JsonValue* b64 = val.Find("base64");
      if (b64 != nullptr && b64->is_string() && val.members().size() == 2 && val.Find("subType") != nullptr) {
        JsonValue s = JsonValue::String(b64->str());
        *v = std::move(s);
        *done = true;
      }
    } else if (key == "$timestamp" && val.is_object() && val.members().size() == 2 && val.Find("t") != nullptr &&
               val.Find("i") != nullptr) {
      JsonValue inner = val;
      *v = std::move(inner);
      *done = true;
    } else if (key == "$regularExpression" && val.is_object() && val.members().size() == 2 &&
               val.Find("pattern") != nullptr && val.Find("pattern")->is_string() &&
               val.Find("options") != nullptr && val.Find("options")->is_string()) {
      *v = RegexValue(val.Find("pattern")->str(), val.Find("options")->str());
      *done = true;
    } else if ((key == "$minKey" || key == "$maxKey") && val.is_number() && val.number() == 1) {
      *v = JsonValue::String(key == "$minKey" ? "MinKey" : "MaxKey");
      *done = true;
    } else if (key == "$undefined" && val.is_bool() && val.bool_value()) {
      *v = JsonValue::Null();
      *done = true;
    } else if ((key == "$symbol" || key == "$code") && val.is_string()) {
      JsonValue s = JsonValue::String(val.str());
      *v = std::move(s);
      *done = true;
    } else if (key == "$dbPointer" && val.is_object() && val.members().size() == 2 && val.Find("$ref") != nullptr &&
               val.Find("$ref")->is_string() && val.Find("$id") != nullptr) {
      // The DBRef convention: {"$ref": namespace, "$id": id}, the id unwrapped.
      JsonValue ref = *val.Find("$ref");
      JsonValue id = *val.Find("$id");
      bool unused = false;
      if (id.is_object()) TRIB_RETURN_NOT_OK(Unwrap(&id, &unused));
      JsonValue out = JsonValue::Object();
      out.members().emplace_back("$ref", std::move(ref));
      out.members().emplace_back("$id", std::move(id));
      *v = std::move(out);
      *done = true;
    }
    return Status::OK();
  }
  // Legacy regular expression: {"$regex": "p", "$options": "f"}. A lone
  // {"$regex": …} is a query operator and stays data.
  if (key == "$regex" && val.is_string() && m[1].first == "$options" && m[1].second.is_string()) {
    *v = RegexValue(val.str(), m[1].second.str());
    *done = true;
    return Status::OK();
  }
  // Legacy binary: {"$binary": "<base64>", "$type": "00"}.
  if (key == "$binary" && val.is_string() && m[1].first == "$type" && m[1].second.is_string()) {
    JsonValue s = JsonValue::String(val.str());
    *v = std::move(s);
    *done = true;
  }
  return Status::OK();
}

Status Convert(JsonValue* v, int depth) {
  if (depth > 256) return Status::InvalidData("nesting deeper than 256 levels");
  if (v->is_array()) {
    for (JsonValue& item : v->items()) TRIB_RETURN_NOT_OK(Convert(&item, depth + 1));
    return Status::OK();
  }
  if (!v->is_object()) return Status::OK();
  bool done = false;
  TRIB_RETURN_NOT_OK(Unwrap(v, &done));
  if (done) return Status::OK();
  for (auto& [key, child] : v->members()) TRIB_RETURN_NOT_OK(Convert(&child, depth + 1));
  return Status::OK();
}

}  // namespace

Status RewriteExtendedJson(std::string_view text, std::string* out, int64_t first_line) {
  out->clear();
  auto parsed = JsonValue::Parse(text);
  if (!parsed.ok()) {
    // Not strict JSON: read it as mongo shell syntax (mongo_shell.h), whose
    // errors name the line and column.
    std::string strict;
    TRIB_RETURN_NOT_OK(ShellToExtendedJson(text, first_line, &strict));
    parsed = JsonValue::Parse(strict);
    if (!parsed.ok()) return parsed.status();
  }
  JsonValue doc = std::move(*parsed);
  if (!doc.is_object()) {
    doc.AppendTo(out);  // the decoder reports what it is
    return Status::OK();
  }
  TRIB_RETURN_NOT_OK(Convert(&doc, 0));
  if (doc.Find("id") == nullptr) {
    for (auto& [key, value] : doc.members()) {
      if (key == "_id") {
        key = "id";
        break;
      }
    }
  }
  doc.AppendTo(out);
  return Status::OK();
}

namespace {

const char* NonFiniteName(float f) {
  if (std::isnan(f)) return "NaN";
  return f < 0 ? "-Infinity" : "Infinity";
}

// A vector as relaxed Extended JSON: finite floats as plain numbers (their
// shortest float32 text; -0.0 for negative zero), NaN and the infinities as
// {"$numberDouble": …}.
void AppendMongoVector(std::span<const float> v, std::string* out) {
  size_t start = out->size();
  out->resize(start + 2 + v.size() * (kMaxFloatChars + 1));
  char* p = out->data() + start;
  *p++ = '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) *p++ = ',';
    if (v[i] == 0 && std::signbit(v[i])) {
      // "-0" would read back as the integer 0; mongoexport writes -0.0.
      std::memcpy(p, "-0.0", 4);
      p += 4;
    } else if (std::isfinite(v[i])) {
      p += FormatFloat(v[i], p);
    } else {
      size_t at = static_cast<size_t>(p - out->data());
      out->resize(at);
      out->append("{\"$numberDouble\":\"");
      out->append(NonFiniteName(v[i]));
      out->append("\"}");
      // Room for the rest, as at the start.
      size_t used = out->size();
      out->resize(used + 1 + (v.size() - i) * (kMaxFloatChars + 1));
      p = out->data() + used;
    }
  }
  *p++ = ']';
  out->resize(static_cast<size_t>(p - out->data()));
}

// Metadata text with any bare NaN / Infinity / -Infinity token (outside
// strings) written as {"$numberDouble": …}. Stored metadata is normally
// strict JSON, in which case it is copied as is.
void AppendMongoMetadata(std::string_view m, std::string* out) {
  if (m.find("NaN") == std::string_view::npos && m.find("Infinity") == std::string_view::npos) {
    out->append(m);
    return;
  }
  bool in_string = false;
  for (size_t i = 0; i < m.size(); ++i) {
    const char c = m[i];
    if (in_string) {
      out->push_back(c);
      if (c == '\\' && i + 1 < m.size()) {
        out->push_back(m[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out->push_back(c);
    } else if (m.compare(i, 3, "NaN") == 0) {
      out->append("{\"$numberDouble\":\"NaN\"}");
      i += 2;
    } else if (m.compare(i, 8, "Infinity") == 0) {
      out->append("{\"$numberDouble\":\"Infinity\"}");
      i += 7;
    } else if (m.compare(i, 9, "-Infinity") == 0) {
      out->append("{\"$numberDouble\":\"-Infinity\"}");
      i += 8;
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

void AppendMongoRecordJson(const RecordBatch& b, size_t row, std::string* out) {
  // The record's fields in record order, as AppendRecordJson writes them,
  // with "_id" for id, {"$date": …} around timestamps and non-finite
  // numbers as {"$numberDouble": …}.
  static const RecordJsonDialect kMongo{"_id", AppendMongoMetadata, AppendMongoVector, true};
  AppendRecordJson(b, row, out, kMongo);
}

}  // namespace tributary::json_internal
