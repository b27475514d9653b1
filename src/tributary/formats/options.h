// Options shared by every format reader and writer.
//
// Plain structs with defaults and a Validate(), in the manner of Arrow's
// csv/options.h.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/core/status.h"

namespace tributary {

enum class Format : uint8_t { kJsonl, kJson, kCsv, kTsv, kParquet };

std::string_view FormatName(Format f);
// Accepts "jsonl" (also "ndjson"), "json", "csv", "tsv". Error lists the choices.
Result<Format> ParseFormatName(std::string_view name);
// MIME type for downloads.
std::string_view FormatContentType(Format f);
// Conventional file extension without the dot ("jsonl").
std::string_view FormatExtension(Format f);

// What happens to input fields that match no record field.
enum class UnknownFieldPolicy : uint8_t {
  kMetadata,  // merged into metadata (explicit metadata keys win on clashes)
  kIgnore,    // dropped
  kReject,    // the row is an error
};
Result<UnknownFieldPolicy> ParseUnknownFieldPolicy(std::string_view name);

// How ids are made for records that have none.
enum class IdGeneration : uint8_t {
  kNone,         // a missing id is a row error
  kRowNumber,    // the record's 1-based row number, as text
  kContentHash,  // hex sha256 of the content field (first 32 hex digits)
};
Result<IdGeneration> ParseIdGeneration(std::string_view name);

// Maps input names to record fields: "values=embedding" means the input
// field "embedding" fills values.
struct FieldMapping {
  std::vector<std::pair<Field, std::string>> entries;  // target field, source name

  // Parses "target=source". Target must be a record field name.
  Status Add(std::string_view spec);
};

struct ReadOptions {
  FieldMapping mapping;
  UnknownFieldPolicy unknown_fields = UnknownFieldPolicy::kMetadata;
  IdGeneration generate_ids = IdGeneration::kNone;
  // NaN and infinities in vectors are row errors unless this is set.
  bool allow_non_finite = false;
  // Records per batch handed out by ReadNext.
  size_t batch_rows = 100;
  // When set (and not 0), replaces batch_rows from the next batch on: an
  // import whose batch size is changed while it runs. Use rows_per_batch().
  std::shared_ptr<const std::atomic<size_t>> live_batch_rows;
  size_t rows_per_batch() const {
    size_t n = live_batch_rows ? live_batch_rows->load(std::memory_order_relaxed) : 0;
    return n > 0 ? n : batch_rows;
  }
  // A batch is also handed out, short of batch_rows, once its records hold
  // this many bytes (RecordBatch::ByteSize), so a batch of huge records
  // stays small.
  size_t max_batch_bytes = 16u << 20;
  // A single record (line, CSV record, JSON array element) larger than this
  // is an error naming its line; it bounds memory on hostile input. 16 MiB,
  // MongoDB's limit for one document: far beyond any real chunk, and small
  // enough that decoding the largest record stays well inside the memory
  // budget.
  size_t max_record_bytes = 16u << 20;
  // Keep each record's source text in RecordBatch::raw so rejects files can
  // reproduce rows that fail later validation.
  bool keep_raw = false;
  // CSV/TSV: delimiter override (0 = by format: ',' or '\t').
  char delimiter = 0;
  // Absent or null metadata becomes {} (what stores hold); off, it stays null.
  bool metadata_default_object = false;
  // Threads used to decode records (0 = hardware concurrency).
  int decode_threads = 0;
  // JSON/JSONL: read MongoDB Extended JSON (mongoexport output): type
  // wrappers unwrapped, "_id" read as id (formats/json/extended_json.h).
  bool mongo_extended_json = false;

  Status Validate() const;
};

struct WriteOptions {
  // CSV/TSV: delimiter override (0 = by format).
  char delimiter = 0;
  // Threads used to encode records (0 = hardware concurrency).
  int encode_threads = 0;
  // JSONL: write relaxed MongoDB Extended JSON ("_id", {"$date": ...}) that
  // mongoimport accepts.
  bool mongo_extended_json = false;
  // Parquet: page compression ("zstd", "snappy", "gzip", "none") and its
  // level (0 = the codec's default), BYTE_STREAM_SPLIT for the vector's
  // floats, and the bound on a row group's buffered bytes.
  std::string parquet_compression = "zstd";
  int parquet_compression_level = 0;
  bool parquet_byte_stream_split = false;
  size_t parquet_row_group_bytes = 64u << 20;
  Status Validate() const;
};

}  // namespace tributary
