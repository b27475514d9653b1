#include "tributary/formats/json/json_decoder.h"

#include <simdjson.h>

#include <bit>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "tributary/core/float_parse.h"
#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/formats/json/extended_json.h"
#include "tributary/formats/json/json_framing.h"
#include "tributary/formats/row_builder.h"

namespace tributary::json_internal {

static_assert(kRecordPadding >= simdjson::SIMDJSON_PADDING,
              "the framer must leave simdjson's padding after each record");

namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// Nesting allowed inside metadata, as JsonValue::Parse allows (so CSV and
// JSON inputs accept the same metadata).
constexpr int kMaxMetadataDepth = 256;
// Past this the record is rejected outright; it also bounds recursion.
constexpr int kMaxNesting = 1000;
// Records larger than this get a fresh parser afterwards.
constexpr size_t kKeepParserBytes = size_t{4} << 20;
// data_json of an unparseable record keeps this much of its text.
constexpr size_t kReportBytes = 1024;

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Shown(std::string_view s) {
  if (s.size() <= 40) return std::string(s);
  return std::string(s.substr(0, 40)) + "...";
}

const char* BareTypeName(od::json_type t) {
  switch (t) {
    case od::json_type::object: return "object";
    case od::json_type::array: return "array";
    case od::json_type::string: return "string";
    case od::json_type::number: return "number";
    case od::json_type::boolean: return "boolean";
    case od::json_type::null: return "null";
  }
  return "value";
}

const char* TypeName(od::json_type t) {
  switch (t) {
    case od::json_type::object: return "an object";
    case od::json_type::array: return "an array";
    case od::json_type::string: return "a string";
    case od::json_type::number: return "a number";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "a value";
}

// What a field of each type expects, for "<field>: expected X, got Y".
const char* Expected(FieldType t) {
  switch (t) {
    case FieldType::kString: return "a string";
    case FieldType::kVector: return "an array of numbers";
    case FieldType::kJsonObject: return "a JSON object";
    case FieldType::kInt64: return "an integer";
    case FieldType::kTimestamp: return "an RFC 3339 timestamp string";
  }
  return "a value";
}

// The float32 nearest to the decimal that simdjson rounded to d, when that is
// simply (float)d. Rounding twice (decimal -> double -> float) can only go
// wrong when d lands exactly halfway between two floats; then, and for
// subnormal or overflowing magnitudes, the caller parses the token itself.
inline bool FloatFromCorrectDouble(double d, float* out) {
  const double a = std::fabs(d);
  if (a >= static_cast<double>(FLT_MIN) && a <= static_cast<double>(FLT_MAX)) {
    // 53 - 24 = 29 low mantissa bits are below float precision.
    const uint64_t low = std::bit_cast<uint64_t>(d) & ((uint64_t{1} << 29) - 1);
    if (low == (uint64_t{1} << 28)) return false;
    *out = static_cast<float>(d);
    return true;
  }
  if (d == 0) {
    *out = static_cast<float>(d);  // keeps the sign of -0
    return true;
  }
  return false;
}

// True when a number token has more than 19 mantissa digits. simdjson
// 3.0's On Demand get_double misreads some of those
// (0.1000000000000000000000000001 as 1.15e-9), so they are parsed again
// with an exact parser.
bool LongMantissa(std::string_view token) {
  size_t digits = 0;
  for (char c : token) {
    if (c == 'e' || c == 'E') break;
    digits += c >= '0' && c <= '9';
  }
  return digits > 19;
}

// A validated JSON number token in metadata's canonical form: an integer
// within 64 bits as its digits, anything else as the shortest text of its
// double (d, as simdjson read it, unless the token is long).
void AppendCanonicalNumber(std::string_view token, double d, std::string* out) {
  if (token.find_first_of(".eE") == std::string_view::npos) {
    const char* end = token.data() + token.size();
    int64_t i;
    if (auto r = std::from_chars(token.data(), end, i); r.ec == std::errc() && r.ptr == end) {
      if (i == 0 && token[0] == '-') {
        out->append("0");  // -0 as an integer is 0
      } else {
        out->append(token);
      }
      return;
    }
    uint64_t u;
    if (auto r = std::from_chars(token.data(), end, u); r.ec == std::errc() && r.ptr == end) {
      out->append(token);
      return;
    }
  }
  if (LongMantissa(token)) {
    double exact;
    auto r = std::from_chars(token.data(), token.data() + token.size(), exact);
    if (r.ec == std::errc() && r.ptr == token.data() + token.size()) d = exact;
  }
  AppendJsonDouble(d, out);
}

bool IsJsonNumber(std::string_view t) {
  size_t i = 0;
  auto digit = [&](size_t k) { return k < t.size() && t[k] >= '0' && t[k] <= '9'; };
  if (i < t.size() && t[i] == '-') ++i;
  if (!digit(i)) return false;
  if (t[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
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

}  // namespace

void AppendReportString(std::string_view text, size_t max_bytes, std::string* out) {
  bool truncated = false;
  if (text.size() > max_bytes) {
    size_t cut = max_bytes;
    // Back up to the start of a UTF-8 sequence.
    for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80; ++k) {
      --cut;
    }
    text = text.substr(0, cut);
    truncated = true;
  }
  if (FindInvalidUtf8(text) == std::string_view::npos) {
    AppendJsonString(text, out);
  } else {
    std::string clean;
    clean.reserve(text.size() + 8);
    while (!text.empty()) {
      size_t bad = FindInvalidUtf8(text);
      if (bad == std::string_view::npos) {
        clean.append(text);
        break;
      }
      clean.append(text.substr(0, bad));
      clean.append("\xEF\xBF\xBD");
      text.remove_prefix(bad + 1);
    }
    AppendJsonString(clean, out);
  }
  if (truncated) {
    out->pop_back();
    out->append("...\"");
  }
}

class RecordDecoder::Impl {
 public:
  explicit Impl(const ReadOptions& options) : options_(options), builder_(options, &batch_) {}

  RecordBatch* batch() { return &batch_; }

  bool Decode(std::string_view text, RowOrigin origin, std::vector<RowError>* errors) {
    builder_.Begin(origin);
    if (options_.keep_raw) builder_.SetRaw(text);
    const std::string_view original = text;
    if (options_.mongo_extended_json) {
      // Unwrap Extended JSON into a plain record, then decode that.
      Status st = RewriteExtendedJson(text, &rewritten_, origin.line);
      if (!st.ok()) {
        RowError& e = errors->emplace_back();
        e.origin = origin;
        e.raw.assign(text);
        e.by_line = st.message().rfind("Invalid JSON", 0) == 0;
        e.message = st.message();
        AppendReportString(text, kReportBytes, &e.data_json);
        return false;
      }
      const size_t n = rewritten_.size();
      rewritten_.append(kRecordPadding, '\0');
      text = std::string_view(rewritten_.data(), n);
    }
    bool not_object = false;
    error_code err = DecodeRecord(text, &not_object);
    // simdjson keeps about five bytes per input byte of its largest document;
    // do not hold on to that after a rare outsized record.
    if (text.size() > kKeepParserBytes) parser_ = od::parser();
    if (err == simdjson::SUCCESS && !not_object) {
      Status st = builder_.Finish();  // also reports field errors seen while decoding
      if (st.ok()) return true;
      Reject(original, origin, err, false, st, errors);
      return false;
    }
    Reject(original, origin, err, not_object, Status::OK(), errors);
    return false;
  }

 private:
  error_code DecodeRecord(std::string_view text, bool* not_object) {
    record_ = text;
    od::document doc;
    error_code err =
        parser_.iterate(text.data(), text.size(), text.size() + simdjson::SIMDJSON_PADDING).get(doc);
    if (err) return err;
    od::json_type type;
    if ((err = doc.type().get(type))) return err;
    if (type != od::json_type::object) {
      *not_object = true;
      return simdjson::SUCCESS;
    }
    od::object object;
    if ((err = doc.get_object().get(object))) return err;
    for (auto member : object) {
      od::field field;
      if ((err = std::move(member).get(field))) return err;
      std::string_view key;
      if ((err = field.unescaped_key().get(key))) return err;
      if ((err = DecodeField(key, field.value()))) return err;
    }
    // On Demand stops at the root object's '}'; anything after it is an error.
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return simdjson::TRAILING_CONTENT;
    return simdjson::SUCCESS;
  }

  error_code DecodeField(std::string_view key, od::value& value) {
    RowBuilder::Target target = builder_.Resolve(key);
    switch (target.kind) {
      case RowBuilder::Target::Kind::kField:
        return DecodeKnown(target.field, value);
      case RowBuilder::Target::Kind::kExtra: {
        extra_.clear();
        too_deep_ = false;
        error_code err = Canonical<true>(value, 1, &extra_);
        if (err) return err;
        if (too_deep_) {
          builder_.Fail(Status::InvalidData(Shown(key) + ": Invalid JSON: nesting deeper than 256 levels"));
          return simdjson::SUCCESS;
        }
        (void)builder_.AddExtraJson(key, extra_);
        return simdjson::SUCCESS;
      }
      case RowBuilder::Target::Kind::kReject:
        (void)builder_.AddExtraJson(key, {});  // fails the row, naming the field
        return Canonical<false>(value, 1, nullptr);
      case RowBuilder::Target::Kind::kIgnore:
        return Canonical<false>(value, 1, nullptr);
    }
    return simdjson::SUCCESS;
  }

  error_code DecodeKnown(Field f, od::value& value) {
    od::json_type type;
    error_code err = value.type().get(type);
    if (err) return err;
    const FieldType ftype = FieldTypeOf(f);
    switch (type) {
      case od::json_type::null: {
        bool is_null = false;
        if ((err = value.is_null().get(is_null))) return err;
        if (!is_null) return simdjson::N_ATOM_ERROR;
        (void)builder_.SetNull(f);
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        std::string_view s;
        if ((err = value.get_string().get(s))) return err;
        (void)builder_.SetText(f, s);
        return simdjson::SUCCESS;
      }
      case od::json_type::array:
        if (ftype == FieldType::kVector) {
          // The array's text lies in the record; parse it in one tight loop
          // and let On Demand skip it. Anything unusual goes the general way.
          const char* start = value.raw_json_token().data();
          if (start >= record_.data() && start < record_.data() + record_.size() &&
              ParseFloatArray(start, record_.data() + record_.size(),
                              record_.data() + record_.size() + simdjson::SIMDJSON_PADDING,
                              &builder_.VectorScratch()) != nullptr) {
            builder_.CommitVector();
            return simdjson::SUCCESS;
          }
          return DecodeVector(value);
        }
        break;
      case od::json_type::object:
        if (ftype == FieldType::kJsonObject) {
          metadata_.clear();
          too_deep_ = false;
          if ((err = Canonical<true>(value, 0, &metadata_))) return err;
          if (too_deep_) {
            builder_.Fail(Status::InvalidData("metadata: Invalid JSON: nesting deeper than 256 levels"));
          } else {
            builder_.SetMetadataJson(metadata_);
          }
          return simdjson::SUCCESS;
        }
        break;
      case od::json_type::number:
        if (ftype != FieldType::kVector && ftype != FieldType::kJsonObject) {
          std::string_view token = TrimRight(value.raw_json_token());
          // Validates the token. get_double, unlike get_number, also takes
          // integers past 64 bits, which string fields keep as text.
          double unused;
          if ((err = value.get_double().get(unused))) return err;
          (void)builder_.SetNumberToken(f, token);
          return simdjson::SUCCESS;
        }
        break;
      case od::json_type::boolean: {
        bool b;
        if ((err = value.get_bool().get(b))) return err;
        (void)builder_.SetBool(f, b);  // fails the row unless f is a string field
        return simdjson::SUCCESS;
      }
    }
    // A value of the wrong kind: the row fails, but the rest of the record is
    // still checked so that broken JSON is reported as such.
    if (f == Field::kMetadata) {
      builder_.Fail(Status::InvalidData(std::string("metadata: metadata is not a JSON object (got ") +
                                        BareTypeName(type) + ")"));
    } else {
      builder_.Fail(Status::InvalidData(std::string(FieldName(f)) + ": expected " + Expected(ftype) +
                                        ", got " + TypeName(type)));
    }
    return Canonical<false>(value, 1, nullptr);
  }

  // Fills the builder's vector scratch straight from the array.
  error_code DecodeVector(od::value& value) {
    od::array array;
    error_code err = value.get_array().get(array);
    if (err) return err;
    FloatVector& vec = builder_.VectorScratch();
    vec.clear();
    bool failed = false;
    size_t index = 0;
    for (auto item : array) {
      od::value element;
      if ((err = std::move(item).get(element))) return err;
      double d;
      error_code num_err = element.get_double().get(d);
      float f;
      if (num_err == simdjson::SUCCESS) {
        std::string_view token = TrimRight(element.raw_json_token());
        if (LongMantissa(token) || !FloatFromCorrectDouble(d, &f)) {
          switch (ParseFloat(token, &f, options_.allow_non_finite)) {
            case ParseNumberError::kOk: break;
            case ParseNumberError::kOutOfRange:
              if (!failed) FailVector(index, Shown(token) + " is out of float32 range");
              failed = true;
              break;
            default:  // cannot happen for a token simdjson accepted
              if (!failed) FailVector(index, "'" + Shown(token) + "' is not a number");
              failed = true;
              break;
          }
        }
      } else {
        std::string_view token = TrimRight(element.raw_json_token());
        if (options_.mongo_extended_json && token.size() > 2 && token.front() == '"' && token.back() == '"') {
          // {"$numberDouble": "NaN"} and its kin, unwrapped to strings.
          std::string_view inner = token.substr(1, token.size() - 2);
          if (inner == "NaN" || inner == "Infinity" || inner == "-Infinity") token = inner;
        }
        if (token == "NaN" || token == "Infinity" || token == "-Infinity") {
          // Python's json module writes these; so does AppendVectorText.
          if (options_.allow_non_finite) {
            f = token == "NaN" ? std::numeric_limits<float>::quiet_NaN()
                               : (token[0] == '-' ? -std::numeric_limits<float>::infinity()
                                                  : std::numeric_limits<float>::infinity());
          } else {
            if (!failed) FailVector(index, std::string(token) + " is not a finite number");
            failed = true;
          }
        } else if (num_err == simdjson::INCORRECT_TYPE) {
          od::json_type type;
          if ((err = element.type().get(type))) return err;
          if (!failed) {
            if (type == od::json_type::array || type == od::json_type::object) {
              FailVector(index, std::string("expected a number, got ") + TypeName(type));
            } else {
              FailVector(index, "'" + Shown(token) + "' is not a number");
            }
          }
          failed = true;
          if ((err = Canonical<false>(element, 1, nullptr))) return err;
        } else {
          // simdjson refuses numbers past the double range; anything else is
          // a malformed number.
          if (num_err != simdjson::NUMBER_ERROR || !IsJsonNumber(token)) return num_err;
          if (!failed) FailVector(index, Shown(token) + " is out of float32 range");
          failed = true;
        }
      }
      if (!failed) vec.push_back(f);
      ++index;
    }
    if (!failed) builder_.CommitVector();
    return simdjson::SUCCESS;
  }

  void FailVector(size_t index, const std::string& what) {
    builder_.Fail(Status::InvalidData("values: Invalid vector value at index " + std::to_string(index) +
                                      ": " + what));
  }

  // Writes value as JsonValue::AppendTo would after JsonValue::Parse: keys
  // and strings re-escaped, integers as integers, other numbers as the
  // shortest double. With kEmit false it only validates. depth counts from
  // the metadata object (0).
  template <bool kEmit>
  error_code Canonical(od::value& value, int depth, std::string* out) {
    if (depth > kMaxNesting) return simdjson::DEPTH_ERROR;
    if (depth > kMaxMetadataDepth) too_deep_ = true;
    od::json_type type;
    error_code err = value.type().get(type);
    if (err) return err;
    switch (type) {
      case od::json_type::object: {
        od::object object;
        if ((err = value.get_object().get(object))) return err;
        if constexpr (kEmit) out->push_back('{');
        bool first = true;
        for (auto member : object) {
          od::field field;
          if ((err = std::move(member).get(field))) return err;
          std::string_view key;
          if ((err = field.unescaped_key().get(key))) return err;
          if constexpr (kEmit) {
            if (!first) out->push_back(',');
            AppendJsonString(key, out);
            out->push_back(':');
          }
          first = false;
          if ((err = Canonical<kEmit>(field.value(), depth + 1, out))) return err;
        }
        if constexpr (kEmit) out->push_back('}');
        return simdjson::SUCCESS;
      }
      case od::json_type::array: {
        od::array array;
        if ((err = value.get_array().get(array))) return err;
        if constexpr (kEmit) out->push_back('[');
        bool first = true;
        for (auto item : array) {
          od::value element;
          if ((err = std::move(item).get(element))) return err;
          if constexpr (kEmit) {
            if (!first) out->push_back(',');
          }
          first = false;
          if ((err = Canonical<kEmit>(element, depth + 1, out))) return err;
        }
        if constexpr (kEmit) out->push_back(']');
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        std::string_view s;
        if ((err = value.get_string().get(s))) return err;
        if constexpr (kEmit) AppendJsonString(s, out);
        return simdjson::SUCCESS;
      }
      case od::json_type::number: {
        // Integers that fit 64 bits keep their digits; every other number
        // (fractions, exponents, integers past 64 bits) becomes its double.
        // get_double validates the token and, unlike get_number in this
        // simdjson, reads long fractions correctly and takes big integers.
        const std::string_view token = TrimRight(value.raw_json_token());
        double d;
        if ((err = value.get_double().get(d))) return err;
        if constexpr (kEmit) AppendCanonicalNumber(token, d, out);
        return simdjson::SUCCESS;
      }
      case od::json_type::boolean: {
        bool b;
        if ((err = value.get_bool().get(b))) return err;
        if constexpr (kEmit) out->append(b ? "true" : "false");
        return simdjson::SUCCESS;
      }
      case od::json_type::null: {
        bool is_null = false;
        if ((err = value.is_null().get(is_null))) return err;
        if (!is_null) return simdjson::N_ATOM_ERROR;
        if constexpr (kEmit) out->append("null");
        return simdjson::SUCCESS;
      }
    }
    return simdjson::INCORRECT_TYPE;
  }

  // The slow path: builds the RowError. Allocation is fine here.
  void Reject(std::string_view text, RowOrigin origin, error_code json_err, bool not_object,
              const Status& field_error, std::vector<RowError>* errors) {
    RowError& e = errors->emplace_back();
    e.origin = origin;
    e.raw.assign(text);
    if (json_err != simdjson::SUCCESS) {
      e.by_line = true;
      e.message = "Invalid JSON: ";
      if (json_err == simdjson::UTF8_ERROR) {
        e.message += "invalid UTF-8 at byte " + std::to_string(FindInvalidUtf8(text));
      } else {
        e.message += JsonErrorText(static_cast<int>(json_err));
      }
      AppendReportString(text, kReportBytes, &e.data_json);
      return;
    }
    // Valid JSON, so a DOM gives the compact form. It can still refuse what
    // On Demand took (NaN in a vector, nesting past its limit); then report
    // the text.
    Result<JsonValue> parsed = JsonValue::Parse(text);
    if (not_object) {
      if (!parsed.ok()) {
        // Not an object, and the strict parser found what On Demand did not
        // look at (it only typed the root).
        e.by_line = true;
        e.message = parsed.status().message();
        AppendReportString(text, kReportBytes, &e.data_json);
        return;
      }
      static const char* kNames[] = {"null", "boolean", "number", "string", "array", "object"};
      e.message = std::string("record is not a JSON object (got ") +
                  kNames[static_cast<int>(parsed->type())] + ")";
    } else {
      e.message = field_error.message();
    }
    e.by_line = false;
    if (parsed.ok()) {
      parsed->AppendTo(&e.data_json);
    } else {
      AppendReportString(text, kReportBytes, &e.data_json);
    }
  }

  const ReadOptions& options_;
  od::parser parser_;
  RecordBatch batch_;
  RowBuilder builder_;
  std::string_view record_;  // the record being decoded
  std::string metadata_;
  std::string extra_;
  std::string rewritten_;  // an Extended JSON record made plain, plus padding
  bool too_deep_ = false;
};

RecordDecoder::RecordDecoder(const ReadOptions& options) : impl_(std::make_unique<Impl>(options)) {}
RecordDecoder::~RecordDecoder() = default;

bool RecordDecoder::Decode(std::string_view text, RowOrigin origin, std::vector<RowError>* errors) {
  return impl_->Decode(text, origin, errors);
}

RecordBatch* RecordDecoder::batch() { return impl_->batch(); }

}  // namespace tributary::json_internal
