// RowBuilder assembles one record at a time from named input fields and
// appends it to a RecordBatch. Every text format uses it, so field mapping,
// unknown-field policy, type conversion and id generation behave the same for
// CSV, JSON and JSONL.
//
// Usage, per record:
//   builder.Begin(origin);
//   for each input field: target = builder.Resolve(name); builder.Set...(target, ...)
//   Status st = builder.Finish();   // appends the row, or reports why not
//
// Type conversion errors name the field ("chunk_index: expected an integer,
// got 'abc'"). Required-field and dimension checks are not done here; they
// belong to the Validator, which also sees rows from Parquet and stores.
//
// No per-row heap allocation once the scratch buffers have grown.
// Thread-safety: one builder per thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/core/status.h"
#include "tributary/formats/options.h"

namespace tributary {

class RowBuilder {
 public:
  // Where an input field goes.
  struct Target {
    enum class Kind : uint8_t { kField, kExtra, kIgnore, kReject } kind;
    Field field = Field::kId;  // when kind == kField
  };

  RowBuilder(const ReadOptions& options, RecordBatch* batch);

  // Resolves an input field name (after mapping). Names that are the source of
  // a mapping resolve to its target; a record field name that is mapped away
  // from (values=embedding makes an input "values" unknown) does not.
  // Empty names (a pandas index column) are ignored.
  Target Resolve(std::string_view input_name) const;

  void Begin(RowOrigin origin);
  // Keep the record's source text (RecordBatch::raw) when options.keep_raw.
  void SetRaw(std::string_view raw) { raw_ = raw; }

  // Setters. A later value for the same field replaces an earlier one.
  // kExtra targets go through AddExtraJson. Errors are returned and also
  // remembered, so Finish() fails with the first one.
  //
  // Text value: string fields take it as is; ints and timestamps parse it;
  // values parses vector text ("[..]", "{..}", "a b c"); metadata parses JSON
  // text and requires an object. An empty text with quoted=false is null.
  Status SetText(Field f, std::string_view text, bool quoted = true);
  Status SetNull(Field f);
  Status SetInt(Field f, int64_t v);
  // A JSON number token for a field (ints parse it; strings keep its text).
  Status SetNumberToken(Field f, std::string_view token);
  Status SetBool(Field f, bool v);
  // A point in time (microseconds since the Unix epoch, UTC), from typed
  // sources such as Parquet: timestamp fields take it as is, string fields
  // take its RFC 3339 text.
  Status SetTimestamp(Field f, int64_t micros);
  // Vector: append floats to VectorScratch(), then CommitVector().
  FloatVector& VectorScratch() { return vec_; }
  void CommitVector();
  // Metadata given as a compact JSON object text (already validated).
  void SetMetadataJson(std::string_view compact_object);
  // An unknown input field, value as compact JSON text. Applies the unknown
  // field policy (reject makes the row an error naming the field).
  Status AddExtraJson(std::string_view key, std::string_view value_json);
  // Convenience: an unknown field whose value is plain text (CSV cells).
  Status AddExtraText(std::string_view key, std::string_view text, bool quoted = true);

  // Records an error against this row (e.g. from the caller's own parsing).
  void Fail(Status st);
  bool failed() const { return !error_.ok(); }

  // Appends the row to the batch (applying id generation and merging extras
  // into metadata), or returns the row's first error and appends nothing.
  Status Finish();

 private:
  enum class State : uint8_t { kUnset, kNull, kSet };
  Status Err(Field f, std::string what);

  const ReadOptions& options_;
  RecordBatch* batch_;
  RowOrigin origin_;
  std::string_view raw_;
  std::array<State, kNumFields> state_{};
  std::array<std::string, kNumFields> text_;  // string / metadata fields
  std::array<int64_t, kNumFields> ints_{};    // int / timestamp fields
  FloatVector vec_;
  std::string extras_;  // "\"k\":v,\"k2\":v2" (compact members, no braces)
  std::vector<std::string> extra_keys_;
  size_t extra_count_ = 0;
  Status error_;
};

}  // namespace tributary
