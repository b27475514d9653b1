#include "tributary/formats/json/extended_json.h"

#include <cmath>

#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
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
    }
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

Status RewriteExtendedJson(std::string_view text, std::string* out) {
  out->clear();
  TRIB_ASSIGN_OR_RETURN(JsonValue doc, JsonValue::Parse(text));
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

void AppendMongoRecordJson(const RecordBatch& batch, size_t row, std::string* out) {
  // The record's own JSON, with "_id" for id and $date wrappers around the
  // two timestamps, which come last in record order.
  const size_t start = out->size();
  AppendRecordJson(batch, row, out);
  // {"id": -> {"_id":
  out->insert(start + 1, "\"_");
  out->erase(start + 3, 1);
  for (const char* field : {"\"updated_at\":", "\"created_at\":"}) {
    size_t at = out->rfind(field);
    if (at == std::string::npos || at < start) continue;
    size_t value = at + std::char_traits<char>::length(field);
    if ((*out)[value] != '"') continue;  // null
    size_t end = out->find('"', value + 1);
    out->insert(end + 1, "}");
    out->insert(value, "{\"$date\":");
  }
}

}  // namespace tributary::json_internal
