// RecordDecoder turns one JSON record's text into a RecordBatch row (through
// RowBuilder) or into a RowError.
//
// Decoding uses simdjson's On Demand API straight from the framer's buffer
// and walks the whole record, so every value is validated even when it is
// ignored. Vectors are parsed element by element into RowBuilder's scratch
// with correct float32 rounding; metadata and unknown fields are written in
// the same canonical compact JSON that JsonValue::Parse(x).ToString() gives,
// so a record reads the same from CSV and from JSON.
//
// Errors:
//   - text that is not valid JSON: RowError{by_line = true, "Invalid JSON:
//     ...", data_json = the text as a JSON string (truncated to ~1 KiB)}
//   - valid JSON that is not an object, or a field that fails conversion:
//     RowError{by_line = false, message naming the field, data_json = the
//     record as compact JSON}
// In both cases RowError::raw is the exact record text.
//
// Decoding allocates nothing per row once the parser and scratch buffers have
// grown to the largest record.
//
// Thread-safety: one decoder per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/formats/options.h"

namespace tributary::json_internal {

class RecordDecoder {
 public:
  // options must outlive the decoder.
  explicit RecordDecoder(const ReadOptions& options);
  ~RecordDecoder();
  RecordDecoder(const RecordDecoder&) = delete;
  RecordDecoder& operator=(const RecordDecoder&) = delete;

  // Decodes text as the record at origin. Appends a row to batch() and
  // returns true, or appends one RowError to *errors and returns false.
  // REQUIRES: kRecordPadding readable bytes follow text (json_framing.h).
  bool Decode(std::string_view text, RowOrigin origin, std::vector<RowError>* errors);

  // The batch rows are appended to. The caller may swap its contents out.
  RecordBatch* batch();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends text as a JSON string literal for error reports: invalid UTF-8 is
// replaced by U+FFFD, and text longer than max_bytes is cut at a character
// boundary and marked with "...".
void AppendReportString(std::string_view text, size_t max_bytes, std::string* out);

}  // namespace tributary::json_internal
