// Batch files: a collection split into files of N records, and a set of
// files imported as one job.
//
// Split export scans the collection once (one consistent snapshot) and
// rotates the writer every records_per_file records: <prefix>_00001.jsonl,
// <prefix>_00002.jsonl, ... in insertion order. Each file appears only when
// complete; if the export fails, the files it wrote are removed.
//
// Batch import runs RunImport over the matching files in name order as one
// job: one job id, one progress over the bytes of every file, one report.
// Each file is a step with its own checkpoint, derived from the job id, so an
// interrupted batch run again skips the files already done and resumes the
// interrupted one at its last committed batch. When the whole batch has
// finished, the steps' checkpoints are removed and a new run starts afresh,
// as a single-file import does.
//
// Thread-safety: each call is independent; the Store may be shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/formats/options.h"
#include "tributary/io/stream.h"
#include "tributary/pipeline/export.h"
#include "tributary/pipeline/import.h"
#include "tributary/store/store.h"

namespace tributary {

struct SplitExportOptions {
  CollectionRef collection;
  std::string output_dir;
  Format format = Format::kJsonl;
  int64_t records_per_file = 1000;
  std::string filter_json;  // empty = all
  int64_t limit = -1;
  std::string prefix;       // empty = the collection name, made safe for file names
  // What a single-file export takes: mongo_extended_json, Parquet codec and
  // options, CSV delimiter...
  WriteOptions write;
  // Each file compressed (".gz" / ".zst" added to its name). Not for Parquet,
  // which compresses its pages (write.parquet_compression).
  Compression compression = Compression::kNone;
  Status Validate() const;
};

struct SplitFile {
  std::string path;
  int64_t records = 0;
  uint64_t bytes = 0;
  std::string sha256;
};

struct SplitExportReport {
  std::vector<SplitFile> files;
  int64_t total = 0;
  int64_t started_at = 0;
  int64_t completed_at = 0;
};

Result<SplitExportReport> RunSplitExport(Store* store, const SplitExportOptions& options,
                                         const ExportProgressFn& progress = nullptr);

// The file name of the k-th (1-based) split file: "<prefix>_00001.<ext>",
// plus ".gz" or ".zst" when compressed.
std::string SplitFileName(const std::string& prefix, int64_t k, Format format,
                          Compression compression = Compression::kNone);

struct BatchImportOptions {
  // collection, format, read options, mode, batch size, dimension, max_errors,
  // dry_run, resume and job_id as for one file (job_id empty = derived from
  // the collection, folder, pattern, mode and each file's name, size and
  // mtime). errors_file, if set, is a folder: each file's rejects go to a
  // file of the same name in it.
  ImportOptions base;
  std::string input_dir;
  std::string pattern = "*";
  Status Validate() const;
};

// The data files of dir matching pattern (fnmatch), in name order. With
// format unset, only files whose extension names a format.
Result<std::vector<std::string>> ListBatchFiles(const std::string& dir, const std::string& pattern,
                                                bool any_extension);

// One report for the whole batch; row errors name their file in the message
// ("batch_00002.jsonl: Missing required field: id").
Result<ImportReport> RunBatchImport(Store* store, const BatchImportOptions& options,
                                    const ImportProgressFn& progress = nullptr,
                                    const std::atomic<bool>* cancel = nullptr);

}  // namespace tributary
