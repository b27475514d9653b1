// The import engine: one input file (or stream) into one collection.
//
//   bytes -> [decompress] -> RecordReader -> Validator -> Store::WriteBatch
//                                  \-- row errors --> ErrorSink (capped list + rejects file)
//
// Parsing runs on its own thread, one batch ahead of validation and writing
// on the calling thread. Each batch commits in one transaction with the job's
// checkpoint, so a job interrupted at any point (even SIGKILL) and run again
// with the same job id continues after the last committed batch: nothing is
// lost, nothing doubled.
//
// Thread-safety: RunImport may run concurrently for different jobs on one
// Store. The progress callback is invoked on the calling thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/core/status.h"
#include "tributary/formats/options.h"
#include "tributary/io/stream.h"
#include "tributary/store/store.h"

namespace tributary {

inline constexpr size_t kDefaultBatchSize = 100;
inline constexpr size_t kMaxBatchSize = 1000;
inline constexpr size_t kDefaultMaxErrorsKept = 1000;

enum class JobStatus : uint8_t { kQueued, kRunning, kCompleted, kCompletedWithErrors, kFailed, kCancelled };
std::string_view JobStatusName(JobStatus s);

struct ImportOptions {
  CollectionRef collection;
  std::string input_path;          // "-" = stdin
  std::optional<Format> format;    // nullopt = from the extension, else from the content
  ReadOptions read;                // batch_rows is set from batch_size
  size_t batch_size = kDefaultBatchSize;  // 1..kMaxBatchSize
  WriteMode mode = WriteMode::kInsert;
  int32_t dimension = 0;           // for a new collection; 0 = from the first record
  int64_t max_errors = -1;         // stop (status failed) once more rows than this failed; -1 = no limit
  bool dry_run = false;            // parse and validate, write nothing
  std::string errors_file;         // rejects file, in the input's format; empty = none
  size_t max_errors_kept = kDefaultMaxErrorsKept;
  // Identifies the job for checkpoints. Empty = derived from the collection
  // and the input file's path, size and mtime (so re-running an interrupted
  // command resumes it); stdin imports are never resumed.
  std::string job_id;
  bool resume = true;              // false = ignore and replace an old checkpoint
  // Check records against the collection's metadata schema (its document
  // kind applies regardless). Off for restores, which bring back exactly
  // what was stored.
  bool check_metadata_schema = true;
  // Called on the calling thread for every rejected row, in input order, as
  // it is counted (before the batch it belongs to commits). Optional.
  std::function<void(const RowError&)> on_row_error;
  // Opens the input instead of OpenInput(input_path), which then only names
  // it (an upload still arriving). Optional.
  std::function<Result<std::unique_ptr<InputStream>>()> open_input;
  Status Validate() const;
};

struct ImportProgress {
  int64_t records_read = 0;  // input records consumed
  int64_t successful_rows = 0;
  int64_t failed_rows = 0;
  uint64_t bytes_read = 0;
  int64_t bytes_total = -1;  // -1 when unknown (stdin)
  double percentage = 0;
  double rows_per_second = 0;
};
using ImportProgressFn = std::function<void(const ImportProgress&)>;

struct ImportReport {
  std::string job_id;
  CollectionRef collection;
  Format format = Format::kJsonl;
  JobStatus status = JobStatus::kRunning;
  int64_t total_rows = 0;       // input records seen
  int64_t processed_rows = 0;   // == total_rows at the end
  int64_t successful_rows = 0;  // inserted + updated + skipped
  int64_t failed_rows = 0;
  int64_t inserted_rows = 0;
  int64_t updated_rows = 0;
  int64_t skipped_rows = 0;
  std::vector<RowError> errors;  // the first max_errors_kept
  uint64_t bytes_read = 0;
  int64_t started_at = 0;
  int64_t completed_at = 0;
  int64_t resumed_from = 0;      // records already done by an earlier run of this job
  int32_t dimension = 0;
  bool dry_run = false;
  std::string error;             // why the job failed, when it did
  std::vector<std::string> warnings;  // limits the job ran into (JSON "warnings", when any)
  double progress_percentage = 0;
};

// Runs an import to the end. A non-OK Status means the job could not start
// (bad options, unreadable input, missing collection in a dry run); failures
// after the start are reported in ImportReport (status failed, error), with
// everything committed before the failure kept.
Result<ImportReport> RunImport(Store* store, const ImportOptions& options,
                               const ImportProgressFn& progress = nullptr,
                               const std::atomic<bool>* cancel = nullptr);

// The seed's job object, e.g. {"job_id":..., "dataset_id":..., "status":...}.
std::string ImportReportJson(const ImportReport& report);
// One error as the seed's error object: {"row":150,"error":"...","data":{...}}
// or {"line":15,...} for errors about the record's text.
void AppendRowErrorJson(const RowError& e, std::string* out);

}  // namespace tributary
