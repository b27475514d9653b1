// CsvReader: a streaming RecordReader for CSV and TSV (see lexer.h for the
// dialect).
//
// The first non-blank line is the header. Its names are resolved once through
// RowBuilder::Resolve, so --map, the unknown-field policy and the ignored
// empty name (a pandas index column) behave as in the JSON formats. Two
// columns with the same non-empty name, or two that fill the same field, make
// the header an error: which one should win is a guess we refuse to make
// silently. A header name padded with spaces (" values") still matches its
// field.
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
// 1 KiB cut) for conversion errors, and the record's text as a JSON string
// when the record could not be split into the header's columns.
//
// Errors that stop the reader (returned as Status, and again by every later
// call): an I/O error, a header that cannot be read, and a record longer than
// ReadOptions::max_record_bytes (InvalidData naming its line). Records read
// before the failure are handed out first. The limit also bounds the input
// buffer, so an unclosed quote at the start of a huge file fails after
// reading about max_record_bytes, not the whole file.
//
// Batches: ReadNext takes records in order until it has batch_rows rows or
// has seen 4 * batch_rows records (so that all-bad input still returns with
// bounded errors), or the input ends.
//
// Threads: with decode_threads == 1 everything happens on the caller's thread
// inside ReadNext. Otherwise, from the first ReadNext on, one background
// thread reads and frames the input into blocks of up to batch_rows records
// and decode_threads threads decode blocks in parallel, also while the
// caller is busy with the previous batch. The output is the same either way:
// the same batches, errors, numbering and records_read(). Destroying the
// reader waits for a background read in progress to return.
//
// Memory: an input buffer of 1 MiB, or about twice the largest record; in
// threaded mode also 2 * decode_threads + 2 blocks of at most 4 MiB of text
// (or one record) with their decoded rows. The reader makes no per-record
// heap allocation in the steady state (RowBuilder's metadata parsing does).
//
// Thread-safety: the RecordReader methods are called from one thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/core/status.h"
#include "tributary/formats/csv/lexer.h"
#include "tributary/formats/format.h"
#include "tributary/formats/row_builder.h"
#include "tributary/io/mapped_file.h"

namespace tributary::csv {

class CsvReader final : public RecordReader {
 public:
  // Input is pulled in blocks of this size; a record that does not fit grows
  // the buffer to about twice its size.
  static constexpr size_t kDefaultBlockSize = 1u << 20;

  // Reads the header. Fails on invalid options or delimiter, an unreadable
  // header or an I/O error. An empty input (or one with only blank lines) is
  // not an error: it has no columns and no records. Tests and the fuzz target
  // pass a tiny block_size to put block boundaries everywhere.
  static Result<std::unique_ptr<CsvReader>> Open(std::unique_ptr<InputStream> in,
                                                 const ReadOptions& options, char delimiter,
                                                 size_t block_size = kDefaultBlockSize);
  ~CsvReader() override;

  Status ReadNext(RecordBatch* batch, std::vector<RowError>* errors) override;
  Status SkipRecords(int64_t n) override;
  int64_t records_read() const override { return records_read_; }
  uint64_t bytes_read() const override { return bytes_read_.load(std::memory_order_relaxed); }
  int64_t source_size() const override { return source_size_; }
  // The header line as read (without a BOM) and "\n"; empty for an empty input.
  std::string RejectsPreamble() const override;

  // The header's column names, unescaped.
  const std::vector<std::string>& column_names() const { return names_; }

 private:
  // A framed record. Offsets are into whatever text its cells were framed in.
  struct PendingRecord {
    size_t begin;
    size_t end;
    size_t first_cell;
    size_t num_cells;
    RowOrigin origin;
    bool unterminated;
  };
  class Decoder;
  struct Block;

  CsvReader(std::unique_ptr<InputStream> in, const ReadOptions& options, char delimiter,
            size_t block_size);

  // Framing; called by one thread at a time (the caller's, or the framing
  // thread once it runs).
  // Maps the input if it is a plain file read from its start (else leaves
  // it to Fill).
  void MapPlainFile();
  Status ReadHeader();
  Status Fill();
  Status RecordTooLong(int64_t line) const;
  // Frames up to max_records records (and about max_bytes) into pending_ and
  // cells_, with offsets into data(). Returns early when the buffer must be
  // refilled and something is already framed, so pending offsets stay valid.
  Status FrameRecords(size_t max_records, size_t max_bytes);
  std::string_view data() const { return std::string_view(map_ ? map_->data().data() : buf_.get(), end_); }
  // Mapped input: progress is what has been framed, not what was read.
  void NoteFramed() {
    if (map_) bytes_read_.store(at_end_ ? end_ : pos_, std::memory_order_relaxed);
  }

  Status ReadNextSerial(RecordBatch* batch, std::vector<RowError>* errors);
  Status ReadNextThreaded(RecordBatch* batch, std::vector<RowError>* errors);
  void StartThreads();
  void FramerLoop();
  void DecoderLoop();

  std::unique_ptr<InputStream> in_;
  const ReadOptions options_;
  const Framer framer_;
  const size_t block_size_;
  const int decode_threads_;
  const int64_t source_size_;

  // Framing state. A plain file is mapped whole (map_; buf_ stays empty and
  // eof_ is set from the start), and blocks then point into the mapping
  // instead of holding copies.
  std::unique_ptr<MappedFile> map_;
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t pos_ = 0;  // start of the next unframed record
  size_t end_ = 0;  // end of valid data
  bool eof_ = false;
  Status read_error_;  // from the stream, reported once buffered data is used up
  bool at_end_ = false;
  int64_t line_ = 1;  // line the next record starts on
  int64_t records_framed_ = 0;
  std::vector<PendingRecord> pending_;
  std::vector<CellSpan> cells_;
  std::atomic<uint64_t> bytes_read_{0};

  // Header; immutable once Open returns, read by decode threads.
  std::string header_line_;
  bool has_header_ = false;
  std::vector<std::string> names_;
  std::vector<RowBuilder::Target> targets_;

  // Caller's state.
  int64_t records_read_ = 0;
  Status sticky_;  // a stream-level error, returned again by every call
  bool finished_ = false;
  std::unique_ptr<Decoder> serial_decoder_;

  // Threaded mode. Blocks cycle free_ -> (framed) in_order_ and to_decode_
  // -> (decoded) consumed by ReadNext -> free_.
  std::mutex mu_;
  std::condition_variable framer_cv_;   // a block was freed, or stop
  std::condition_variable work_cv_;     // a block awaits decoding, or stop
  std::condition_variable done_cv_;     // a block was decoded
  std::vector<std::unique_ptr<Block>> blocks_;
  std::vector<Block*> free_;
  std::deque<Block*> to_decode_;
  std::deque<Block*> in_order_;
  bool stop_ = false;
  bool started_ = false;
  std::thread framer_thread_;
  std::vector<std::thread> decoder_threads_;
};

}  // namespace tributary::csv
