// Streaming record readers and writers, one pair per file format.
//
// A RecordReader hands out RecordBatches until it reports the end, in the
// manner of Arrow's RecordBatchReader. Records that cannot be parsed become
// RowErrors, never batch rows; the reader goes on with the next record
// whenever the format allows it (JSONL line, CSV record, JSON array element),
// and returns a non-OK Status only when the stream itself is unusable (I/O
// error, a JSON array whose structure is broken, a record over
// max_record_bytes). Memory is bounded by the batch size and the largest
// record, never by the input size.
//
// A RecordWriter takes batches and writes the format to an OutputStream; it
// never closes the stream.
//
// Thread-safety: a reader or writer is driven by one thread; implementations
// may use internal worker threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/core/status.h"
#include "tributary/formats/options.h"
#include "tributary/io/stream.h"

namespace tributary {

class RecordReader {
 public:
  virtual ~RecordReader() = default;

  // Clears *batch and fills it with up to batch_rows parsed records; appends
  // unparseable records to *errors. A call that returns OK with an empty
  // batch and no new errors means the end of the input.
  virtual Status ReadNext(RecordBatch* batch, std::vector<RowError>* errors) = 0;

  // Skips the next n input records (good or bad) without decoding them, for
  // resuming an interrupted import at a checkpoint.
  // REQUIRES: called before the first ReadNext.
  virtual Status SkipRecords(int64_t n) = 0;

  // Input records consumed so far (parsed, rejected, or skipped).
  virtual int64_t records_read() const = 0;
  // Source bytes consumed so far, and the source size if known (-1 if not),
  // for progress.
  virtual uint64_t bytes_read() const = 0;
  virtual int64_t source_size() const = 0;

  // Text a rejects file in this format starts with (the CSV header line,
  // with its line ending), possibly empty.
  virtual std::string RejectsPreamble() const { return {}; }
};

class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  virtual Status Write(const RecordBatch& batch) = 0;
  // Writes whatever closes the document (a JSON array's ']'). Does not close
  // the stream. REQUIRES: called once, after the last Write.
  virtual Status Finish() = 0;
};

// Opens a reader of the given format over in.
Result<std::unique_ptr<RecordReader>> OpenRecordReader(Format format,
                                                       std::unique_ptr<InputStream> in,
                                                       const ReadOptions& options);
// Opens a writer; out must outlive it.
Result<std::unique_ptr<RecordWriter>> OpenRecordWriter(Format format, OutputStream* out,
                                                       const WriteOptions& options);

// Format from a path's extension, ignoring a trailing .gz/.zst. Unknown -> nullopt.
std::optional<Format> FormatFromPath(std::string_view path);
// Format guessed from the first bytes of the (decompressed) content:
// "PAR1" -> parquet, '[' -> json, '{' -> jsonl (or json for a single
// pretty-printed object), otherwise csv, or tsv when the first line has tabs and no commas.
std::optional<Format> FormatFromContent(std::string_view head);

// One format's functions, as registered by its folder.
namespace internal {
Result<std::unique_ptr<RecordReader>> OpenJsonlReader(std::unique_ptr<InputStream> in,
                                                      const ReadOptions& options);
Result<std::unique_ptr<RecordReader>> OpenJsonReader(std::unique_ptr<InputStream> in,
                                                     const ReadOptions& options);
Result<std::unique_ptr<RecordReader>> OpenCsvReader(std::unique_ptr<InputStream> in,
                                                    const ReadOptions& options, char delimiter);
Result<std::unique_ptr<RecordWriter>> OpenJsonlWriter(OutputStream* out, const WriteOptions& options);
Result<std::unique_ptr<RecordWriter>> OpenJsonWriter(OutputStream* out, const WriteOptions& options);
Result<std::unique_ptr<RecordWriter>> OpenCsvWriter(OutputStream* out, const WriteOptions& options,
                                                    char delimiter);
Result<std::unique_ptr<RecordReader>> OpenParquetReader(std::unique_ptr<InputStream> in,
                                                        const ReadOptions& options);
Result<std::unique_ptr<RecordWriter>> OpenParquetWriter(OutputStream* out, const WriteOptions& options);
}  // namespace internal

}  // namespace tributary
