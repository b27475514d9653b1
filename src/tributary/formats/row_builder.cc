#include "tributary/formats/row_builder.h"

#include <algorithm>

#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
#include "tributary/io/sha256.h"

namespace tributary {
namespace {

std::string Shown(std::string_view s) {
  if (s.size() <= 40) return std::string(s);
  return std::string(s.substr(0, 40)) + "...";
}

}  // namespace

RowBuilder::RowBuilder(const ReadOptions& options, RecordBatch* batch)
    : options_(options), batch_(batch) {}

RowBuilder::Target RowBuilder::Resolve(std::string_view name) const {
  for (const auto& [field, source] : options_.mapping.entries) {
    if (source == name) return {Target::Kind::kField, field};
  }
  if (name.empty()) return {Target::Kind::kIgnore, Field::kId};
  if (auto f = FieldFromName(name)) {
    bool mapped_away = std::any_of(options_.mapping.entries.begin(), options_.mapping.entries.end(),
                                   [&](const auto& e) { return e.first == *f; });
    if (!mapped_away) return {Target::Kind::kField, *f};
  }
  switch (options_.unknown_fields) {
    case UnknownFieldPolicy::kMetadata: return {Target::Kind::kExtra, Field::kId};
    case UnknownFieldPolicy::kIgnore: return {Target::Kind::kIgnore, Field::kId};
    case UnknownFieldPolicy::kReject: return {Target::Kind::kReject, Field::kId};
  }
  return {Target::Kind::kIgnore, Field::kId};
}

void RowBuilder::Begin(RowOrigin origin) {
  origin_ = origin;
  raw_ = {};
  state_.fill(State::kUnset);
  vec_.clear();
  extras_.clear();
  extra_count_ = 0;
  error_ = Status::OK();
}

void RowBuilder::Fail(Status st) {
  if (error_.ok()) error_ = std::move(st);
}

Status RowBuilder::Err(Field f, std::string what) {
  Status st = Status::InvalidData(std::string(FieldName(f)) + ": " + what);
  Fail(st);
  return st;
}

Status RowBuilder::SetNull(Field f) {
  state_[static_cast<int>(f)] = State::kNull;
  return Status::OK();
}

Status RowBuilder::SetText(Field f, std::string_view text, bool quoted) {
  const int i = static_cast<int>(f);
  if (text.empty() && !quoted) return SetNull(f);
  switch (FieldTypeOf(f)) {
    case FieldType::kString:
      text_[i].assign(text);
      state_[i] = State::kSet;
      return Status::OK();
    case FieldType::kJsonObject: {
      text_[i].clear();
      Status st = CanonicalizeJsonObject(text, &text_[i]);
      if (!st.ok()) return Err(f, st.message());
      state_[i] = State::kSet;
      return Status::OK();
    }
    case FieldType::kInt64: {
      int64_t v;
      if (ParseInt64(text, &v) != ParseNumberError::kOk) {
        return Err(f, "expected an integer, got '" + Shown(text) + "'");
      }
      ints_[i] = v;
      state_[i] = State::kSet;
      return Status::OK();
    }
    case FieldType::kTimestamp: {
      int64_t v;
      Status st = ParseTimestamp(text, &v);
      if (!st.ok()) return Err(f, st.message());
      ints_[i] = v;
      state_[i] = State::kSet;
      return Status::OK();
    }
    case FieldType::kVector: {
      vec_.clear();
      VectorParseOptions vo;
      vo.allow_non_finite = options_.allow_non_finite;
      Status st = ParseVectorText(text, vo, &vec_);
      if (!st.ok()) return Err(f, st.message());
      state_[i] = State::kSet;
      return Status::OK();
    }
  }
  return Status::OK();
}

Status RowBuilder::SetInt(Field f, int64_t v) {
  const int i = static_cast<int>(f);
  switch (FieldTypeOf(f)) {
    case FieldType::kInt64:
      ints_[i] = v;
      state_[i] = State::kSet;
      return Status::OK();
    case FieldType::kString:
      text_[i].clear();
      AppendInt(v, &text_[i]);
      state_[i] = State::kSet;
      return Status::OK();
    case FieldType::kTimestamp:
      return Err(f, "expected an RFC 3339 timestamp string, got the number " + std::to_string(v));
    case FieldType::kVector: return Err(f, "expected an array of numbers, got a number");
    case FieldType::kJsonObject: return Err(f, "metadata is not a JSON object (got number)");
  }
  return Status::OK();
}

Status RowBuilder::SetNumberToken(Field f, std::string_view token) {
  const int i = static_cast<int>(f);
  switch (FieldTypeOf(f)) {
    case FieldType::kInt64: {
      int64_t v;
      if (ParseInt64(token, &v) != ParseNumberError::kOk) {
        return Err(f, "expected an integer, got " + Shown(token));
      }
      ints_[i] = v;
      state_[i] = State::kSet;
      return Status::OK();
    }
    case FieldType::kString:
      // Numeric ids are common; keep the number's text.
      text_[i].assign(token);
      state_[i] = State::kSet;
      return Status::OK();
    case FieldType::kTimestamp:
      return Err(f, "expected an RFC 3339 timestamp string, got the number " + Shown(token));
    case FieldType::kVector: return Err(f, "expected an array of numbers, got a number");
    case FieldType::kJsonObject: return Err(f, "metadata is not a JSON object (got number)");
  }
  return Status::OK();
}

Status RowBuilder::SetBool(Field f, bool v) {
  if (FieldTypeOf(f) == FieldType::kString) {
    text_[static_cast<int>(f)].assign(v ? "true" : "false");
    state_[static_cast<int>(f)] = State::kSet;
    return Status::OK();
  }
  if (f == Field::kMetadata) return Err(f, "metadata is not a JSON object (got boolean)");
  return Err(f, std::string("expected ") +
                    (FieldTypeOf(f) == FieldType::kVector ? "an array of numbers" : "a number") +
                    ", got a boolean");
}

Status RowBuilder::SetTimestamp(Field f, int64_t micros) {
  const int i = static_cast<int>(f);
  switch (FieldTypeOf(f)) {
    case FieldType::kTimestamp:
      ints_[i] = micros;
      state_[i] = State::kSet;
      return Status::OK();
    case FieldType::kString:
      text_[i].clear();
      AppendTimestamp(micros, &text_[i]);
      state_[i] = State::kSet;
      return Status::OK();
    case FieldType::kInt64: return Err(f, "expected an integer, got a timestamp");
    case FieldType::kVector: return Err(f, "expected an array of numbers, got a timestamp");
    case FieldType::kJsonObject: return Err(f, "metadata is not a JSON object (got a timestamp)");
  }
  return Status::OK();
}

void RowBuilder::CommitVector() { state_[static_cast<int>(Field::kValues)] = State::kSet; }

void RowBuilder::SetMetadataJson(std::string_view compact_object) {
  const int i = static_cast<int>(Field::kMetadata);
  text_[i].assign(compact_object);
  state_[i] = State::kSet;
}

Status RowBuilder::AddExtraJson(std::string_view key, std::string_view value_json) {
  switch (options_.unknown_fields) {
    case UnknownFieldPolicy::kIgnore: return Status::OK();
    case UnknownFieldPolicy::kReject: {
      Status st = Status::InvalidData("Unknown field: " + Shown(key));
      Fail(st);
      return st;
    }
    case UnknownFieldPolicy::kMetadata: break;
  }
  if (extra_count_ > 0) extras_.push_back(',');
  if (extra_keys_.size() <= extra_count_) extra_keys_.resize(extra_count_ + 1);
  extra_keys_[extra_count_].assign(key);
  ++extra_count_;
  AppendJsonString(key, &extras_);
  extras_.push_back(':');
  extras_.append(value_json);
  return Status::OK();
}

Status RowBuilder::AddExtraText(std::string_view key, std::string_view text, bool quoted) {
  if (options_.unknown_fields != UnknownFieldPolicy::kMetadata) return AddExtraJson(key, {});
  std::string value;
  if (text.empty() && !quoted) {
    value = "null";
  } else {
    AppendJsonString(text, &value);
  }
  return AddExtraJson(key, value);
}

Status RowBuilder::Finish() {
  if (!error_.ok()) return error_;
  auto st = [&](Field f) { return state_[static_cast<int>(f)]; };

  // Id generation for records that have none.
  if (st(Field::kId) != State::kSet && options_.generate_ids != IdGeneration::kNone) {
    std::string& id = text_[static_cast<int>(Field::kId)];
    if (options_.generate_ids == IdGeneration::kRowNumber) {
      id.clear();
      AppendInt(origin_.row, &id);
    } else {
      if (st(Field::kContent) != State::kSet) {
        return Err(Field::kId, "cannot derive an id from the content hash: content is missing");
      }
      id = Sha256::HexOf(text_[static_cast<int>(Field::kContent)]).substr(0, 32);
    }
    state_[static_cast<int>(Field::kId)] = State::kSet;
    if (st(Field::kDocumentId) != State::kSet) {
      text_[static_cast<int>(Field::kDocumentId)] = id;
      state_[static_cast<int>(Field::kDocumentId)] = State::kSet;
    }
  }

  // Extras merge into metadata; explicit metadata keys win.
  std::string& meta = text_[static_cast<int>(Field::kMetadata)];
  if (extra_count_ > 0) {
    if (st(Field::kMetadata) != State::kSet) {
      meta.assign("{");
      meta.append(extras_);
      meta.push_back('}');
      state_[static_cast<int>(Field::kMetadata)] = State::kSet;
    } else {
      auto parsed = JsonValue::Parse(meta);
      if (!parsed.ok()) return Err(Field::kMetadata, parsed.status().message());
      std::string wrapped = "{" + extras_ + "}";
      auto extras = JsonValue::Parse(wrapped);
      if (!extras.ok()) return Err(Field::kMetadata, extras.status().message());
      JsonValue merged = std::move(parsed).value();
      for (auto& [k, v] : extras->members()) {
        if (merged.Find(k) == nullptr) merged.Set(k, v);
      }
      meta.clear();
      merged.AppendTo(&meta);
    }
  }

  if (options_.metadata_default_object && st(Field::kMetadata) != State::kSet) {
    meta.assign("{}");
    state_[static_cast<int>(Field::kMetadata)] = State::kSet;
  }

  RecordBatch& b = *batch_;
  for (Field f : AllFields()) {
    const int i = static_cast<int>(f);
    const bool set = state_[i] == State::kSet;
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject:
        if (set) b.strings(f).Append(text_[i]); else b.strings(f).AppendNull();
        break;
      case FieldType::kInt64:
      case FieldType::kTimestamp:
        if (set) b.ints(f).Append(ints_[i]); else b.ints(f).AppendNull();
        break;
      case FieldType::kVector:
        if (set) b.values.Append(vec_); else b.values.AppendNull();
        break;
    }
  }
  b.origin.push_back(origin_);
  if (options_.keep_raw) b.raw.Append(raw_);
  if (b.num_rows() == 1) b.ReserveLike(options_.rows_per_batch());
  return Status::OK();
}

}  // namespace tributary
