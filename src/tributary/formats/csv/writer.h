// CsvWriter: writes RecordBatches as CSV or TSV in the seed's shape.
//
//   id,document_id,values,content,metadata,chunk_id,...,updated_at
//   doc1,doc1,"[0.1,0.2,0.3]","Sample text","{""category"":""test""}",...
//
// A header with the 14 field names in record order, then one line per record,
// each ended by "\n". A null is an empty cell; a cell is quoted when it holds
// the delimiter, a quote, CR or LF, has a leading or trailing space or tab,
// or is the empty string, so that the reader tells "" from null. Inner quotes
// are doubled. Vectors are "[0.1,0.2]" with shortest round-trip floats (quoted
// when the delimiter could occur in them, i.e. for CSV but not TSV),
// metadata is compact JSON, timestamps RFC 3339 UTC with 'Z'. CsvReader reads
// this back to identical batches, float bits included.
//
// Output is buffered and written to the stream in pieces of about 1 MiB
// (more when a batch is encoded in parallel). Finish() flushes but never
// closes the stream.
//
// Threads: formatting floats dominates the cost, so a large batch is encoded
// on WriteOptions::encode_threads threads (0 = one per core) by a
// ParallelEncoder; the output never depends on the thread count.
//
// Thread-safety: driven by one thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/formats/format.h"
#include "tributary/formats/parallel_encoder.h"

namespace tributary::csv {

class CsvWriter final : public RecordWriter {
 public:
  // REQUIRES: out outlives the writer.
  static Result<std::unique_ptr<CsvWriter>> Open(OutputStream* out, const WriteOptions& options,
                                                 char delimiter);
  ~CsvWriter() override;

  Status Write(const RecordBatch& batch) override;
  Status Finish() override;

 private:
  CsvWriter(OutputStream* out, char delimiter, int encode_threads);

  // Encoding; const, so helper threads share it.
  void EncodeRows(const RecordBatch& batch, size_t begin, size_t end, std::string* out) const;
  // Appends s as one cell, quoted if it needs to be.
  void AppendCell(std::string_view s, std::string* out) const;
  bool NeedsQuotes(std::string_view s) const;

  Status Flush();

  OutputStream* out_;
  const char delimiter_;
  const bool quote_vectors_;
  std::array<bool, 256> special_{};  // bytes that force quoting anywhere in a cell
  std::string buf_;
  bool finished_ = false;
  ParallelEncoder encoder_;
};

}  // namespace tributary::csv
