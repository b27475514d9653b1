// Format migration: files from one format to another, with no store in
// between.
//
// Every record is read with the source format's RecordReader and written
// with the target's RecordWriter, batch by batch, so memory stays bounded by
// the batch size whatever the file size. Nothing is validated or defaulted:
// a null timestamp stays null, metadata stays as it is, floats keep their
// bits (NaN and infinities included). A record the reader cannot parse fails
// the file, naming it and the row or line, and no output appears for it.
// At the end the output is read back and its record count compared with the
// input's.
//
// A folder migration converts every data file of the source format and, when
// the folder holds a backup manifest, writes the manifest for the new files
// (format, file, size, sha256; counts checked against the old manifest).
//
// Thread-safety: each call is independent.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/formats/options.h"

namespace tributary {

struct MigrateOptions {
  // Folder mode: every file of source_format in source_dir -> target_dir.
  std::string source_dir, target_dir;
  // File mode: one file.
  std::string input_file, output_file;
  std::optional<Format> source_format;  // nullopt = from each file's extension
  std::optional<Format> target_format;  // nullopt = from output_file's extension (file mode)
  size_t batch_rows = 1000;
  Status Validate() const;
};

struct MigratedFile {
  std::string source, target;
  Format source_format = Format::kJsonl, target_format = Format::kJsonl;
  int64_t records = 0;
  uint64_t bytes = 0;
  std::string sha256;
};

struct MigrateReport {
  std::vector<MigratedFile> files;
  bool manifest = false;  // a manifest was converted too
  int64_t started_at = 0;
  int64_t completed_at = 0;
};

// (source file, records converted so far)
using MigrateProgressFn = std::function<void(const std::string&, int64_t)>;

Result<MigrateReport> RunMigrate(const MigrateOptions& options, const MigrateProgressFn& progress = nullptr);

// Converts one file. Exposed for batch tools and tests.
Result<MigratedFile> MigrateFile(const std::string& input, Format in_format, const std::string& output,
                                 Format out_format, size_t batch_rows,
                                 const MigrateProgressFn& progress = nullptr);

}  // namespace tributary
