// CsvReader: a streaming RecordReader for CSV and TSV (see lexer.h for the
// dialect).
//
// The first non-blank line is the header. Its names are resolved once through
// RowBuilder::Resolve, so --map, the unknown-field policy and the ignored
// empty name (a pandas index column) behave as in the JSON formats. Two
// columns with the same non-empty name make the header an error: which one
// should win is a guess we refuse to make silently.
//
// Cells: an empty unquoted cell is null, a quoted empty cell ("") is the empty
// string. Unknown columns merged into metadata become JSON strings (or null).
//
// Numbering: lines and rows count from 1. The header is on line 1; the first
// record after it is row 1. RowOrigin.line is the line a record starts on, so
// quoted line breaks and blank lines move later records to later lines.
//
// Errors per record (the reader continues with the next one):
//   - "Expected N fields, got M" (reported by row),
//   - "unterminated quoted field" at end of input (by line),
//   - "Invalid UTF-8 in column 'c' ..." (by line),
//   - any RowBuilder conversion error (by row).
// A RowError's data_json is an object of header name -> cell text (cells over
// 1 KiB truncated) for conversion errors, and the record's text as a JSON
// string when the record could not be split into the header's columns.
//
// Errors that stop the reader (returned as Status, and again by every later
// call): an I/O error, a header that cannot be read, and a record longer than
// ReadOptions::max_record_bytes (InvalidData naming its line). That limit also
// bounds the input buffer, so an unclosed quote at the start of a huge file
// fails after reading about max_record_bytes, not the whole file.
//
// Memory: one input buffer of 1 MiB, or about twice the largest record if
// that is more; no per-record heap allocation in the steady state.
//
// Thread-safety: driven by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/core/status.h"
#include "tributary/formats/format.h"
#include "tributary/formats/csv/lexer.h"
#include "tributary/formats/row_builder.h"

namespace tributary::csv {

class CsvReader final : public RecordReader {
 public:
  // Reads the header. Fails on an invalid delimiter, an unreadable header or
  // an I/O error. An empty input (or one with only blank lines) is not an
  // error: it has no columns and no records.
  static Result<std::unique_ptr<CsvReader>> Open(std::unique_ptr<InputStream> in,
                                                 const ReadOptions& options, char delimiter);

  Status ReadNext(RecordBatch* batch, std::vector<RowError>* errors) override;
  Status SkipRecords(int64_t n) override;
  int64_t records_read() const override { return records_read_; }
  uint64_t bytes_read() const override { return in_->source_bytes_read(); }
  int64_t source_size() const override { return in_->source_size(); }
  // The header line as read (without a BOM) and "\n"; empty for an empty input.
  std::string RejectsPreamble() const override;

  // The header's column names, unescaped.
  const std::vector<std::string>& column_names() const { return names_; }

 private:
  // A record framed but not yet decoded. Offsets are into buf_.
  struct PendingRecord {
    size_t begin;
    size_t end;
    size_t first_cell;  // index into cells_
    size_t num_cells;
    RowOrigin origin;
    bool unterminated;
  };

  CsvReader(std::unique_ptr<InputStream> in, const ReadOptions& options, char delimiter);

  Status ReadHeader();
  // Reads more input after the record starting at pos_, moving it to the
  // front of the buffer and growing the buffer as the record requires.
  Status Fill();
  Status RecordTooLong(int64_t line, bool in_quote) const;
  // Frames up to max_records records from the buffer into pending_. Stops
  // early when the buffer must be refilled and something is already framed,
  // so that pending offsets never move.
  Status FrameRecords(size_t max_records);
  void DecodeRecord(const PendingRecord& rec, RowBuilder* builder, std::vector<RowError>* errors);
  // Appends a RowError whose data is the record text.
  void TextError(const PendingRecord& rec, std::string message, bool by_line,
                 std::vector<RowError>* errors) const;
  void AppendCellsJson(const PendingRecord& rec, std::string* out);

  std::string_view data() const { return std::string_view(buf_.get(), end_); }

  std::unique_ptr<InputStream> in_;
  ReadOptions options_;
  Framer framer_;

  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t pos_ = 0;  // start of the next unframed record
  size_t end_ = 0;  // end of valid data
  bool eof_ = false;
  bool at_end_ = false;
  Status sticky_;   // a stream-level error, returned again by every call

  std::string header_line_;
  bool has_header_ = false;
  std::vector<std::string> names_;
  std::vector<RowBuilder::Target> targets_;

  int64_t records_read_ = 0;
  int64_t line_ = 1;  // line the next record starts on

  std::vector<PendingRecord> pending_;
  std::vector<CellSpan> cells_;
  std::string scratch_;       // unescaped cell text
  std::string json_scratch_;  // an unknown column's value as JSON
};

}  // namespace tributary::csv
