#include "tributary/warehouse/migrate.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "tributary/core/time_util.h"
#include "tributary/formats/format.h"
#include "tributary/io/stream.h"
#include "tributary/warehouse/fs_util.h"
#include "tributary/warehouse/manifest.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;

// "a.jsonl.gz" -> "a"
std::string DataStem(const std::string& filename) {
  std::string s(StripCompressionExtension(filename));
  return fs::path(s).stem().string();
}

std::string RowErrorText(const std::string& file, const RowError& e) {
  std::string where = e.by_line ? "line " + std::to_string(e.origin.line ? e.origin.line : e.origin.row)
                                : "row " + std::to_string(e.origin.row);
  return file + " " + where + ": " + e.message;
}

}  // namespace

Status MigrateOptions::Validate() const {
  const bool dirs = !source_dir.empty() || !target_dir.empty();
  const bool files = !input_file.empty() || !output_file.empty();
  if (dirs == files) {
    return Status::InvalidArgument("give either --source-dir and --target-dir, or --input-file and --output-file");
  }
  if (dirs && (source_dir.empty() || target_dir.empty())) {
    return Status::InvalidArgument("--source-dir and --target-dir go together");
  }
  if (files && (input_file.empty() || output_file.empty())) {
    return Status::InvalidArgument("--input-file and --output-file go together");
  }
  if (dirs && !target_format) return Status::InvalidArgument("--target-format is required with --target-dir");
  if (batch_rows == 0) return Status::InvalidArgument("batch size must be at least 1");
  return Status::OK();
}

Result<MigratedFile> MigrateFile(const std::string& input, Format in_format, const std::string& output,
                                 Format out_format, size_t batch_rows, const MigrateProgressFn& progress) {
  MigratedFile mf;
  mf.source = input;
  mf.target = output;
  mf.source_format = in_format;
  mf.target_format = out_format;
  std::error_code ec;
  if (fs::exists(output, ec) && fs::equivalent(input, output, ec)) {
    return Status::InvalidArgument("cannot migrate " + input + " onto itself");
  }
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> in, OpenInput(input));
  ReadOptions ro;
  ro.batch_rows = batch_rows;
  ro.allow_non_finite = true;
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<RecordReader> reader, OpenRecordReader(in_format, std::move(in), ro));
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<OutputStream> out, OpenOutput(output, CompressionFromPath(output)));
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<RecordWriter> writer, OpenRecordWriter(out_format, out.get(), WriteOptions{}));
  RecordBatch batch;
  std::vector<RowError> errors;
  int64_t written = 0;
  for (;;) {
    errors.clear();
    Status st = reader->ReadNext(&batch, &errors);
    if (!st.ok()) return st.WithPrefix(input);
    if (!errors.empty()) {
      // Dropping a record would not keep every value; refuse the file.
      return Status::InvalidData(RowErrorText(input, errors[0]) +
                                 (errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) +
                                                          " more in the same batch)"
                                                    : std::string()) +
                                 "; nothing was written for this file");
    }
    if (batch.num_rows() == 0) break;
    TRIB_RETURN_NOT_OK(writer->Write(batch));
    written += static_cast<int64_t>(batch.num_rows());
    if (progress) progress(input, written);
  }
  TRIB_RETURN_NOT_OK(writer->Finish());
  TRIB_RETURN_NOT_OK(out->Close());
  if (reader->records_read() != written) {
    return Status::Internal(input + ": read " + std::to_string(reader->records_read()) + " records but wrote " +
                            std::to_string(written));
  }
  // The count check: the new file, read back by its own format.
  TRIB_ASSIGN_OR_RETURN(DataFileFacts facts, InspectDataFile(output, out_format));
  if (facts.records != written) {
    fs::remove(output, ec);
    return Status::Internal(output + ": wrote " + std::to_string(written) + " records but the file reads back " +
                            std::to_string(facts.records));
  }
  mf.records = written;
  mf.bytes = facts.bytes;
  mf.sha256 = facts.sha256;
  return mf;
}

Result<MigrateReport> RunMigrate(const MigrateOptions& opts, const MigrateProgressFn& progress) {
  TRIB_RETURN_NOT_OK(opts.Validate());
  MigrateReport report;
  report.started_at = NowMicros();
  if (!opts.input_file.empty()) {
    std::optional<Format> in = opts.source_format ? opts.source_format : FormatFromPath(opts.input_file);
    if (!in) return Status::InvalidArgument(opts.input_file + ": cannot tell the format from the name; give --source-format");
    std::optional<Format> out = opts.target_format ? opts.target_format : FormatFromPath(opts.output_file);
    if (!out) return Status::InvalidArgument(opts.output_file + ": cannot tell the format from the name; give --target-format");
    TRIB_ASSIGN_OR_RETURN(MigratedFile f, MigrateFile(opts.input_file, *in, opts.output_file, *out, opts.batch_rows, progress));
    report.files.push_back(std::move(f));
    report.completed_at = NowMicros();
    return report;
  }

  std::error_code ec;
  if (!fs::is_directory(opts.source_dir, ec)) {
    return Status::InvalidArgument("--source-dir " + opts.source_dir + " is not a directory");
  }
  fs::create_directories(opts.target_dir, ec);
  if (ec) return Status::IOError("cannot create " + opts.target_dir + ": " + ec.message());
  if (fs::equivalent(opts.source_dir, opts.target_dir, ec)) {
    return Status::InvalidArgument("--source-dir and --target-dir must differ");
  }
  const Format target = *opts.target_format;

  // The source manifest, if any, says which files hold which collections.
  std::optional<Manifest> manifest;
  Result<Manifest> read = ReadManifest(opts.source_dir);
  if (read.ok()) {
    manifest = std::move(*read);
  } else if (!read.status().IsNotFound()) {
    return read.status();
  }

  std::vector<std::pair<fs::path, Format>> inputs;
  for (const auto& entry : fs::directory_iterator(opts.source_dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name == kManifestFileName || name[0] == '.') continue;
    std::optional<Format> f = FormatFromPath(name);
    if (manifest) {
      for (const ManifestEntry& e : manifest->collections) {
        if (e.file == name) f = e.format;
      }
    }
    if (!f || (opts.source_format && *f != *opts.source_format)) continue;
    inputs.emplace_back(entry.path(), *f);
  }
  if (ec) return Status::IOError("cannot list " + opts.source_dir + ": " + ec.message());
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    return Status::InvalidArgument("no " + (opts.source_format ? std::string(FormatName(*opts.source_format)) + " " : std::string()) +
                                   "files in " + opts.source_dir);
  }
  // Two inputs may not map to one output ("a.json" and "a.csv" -> "a.jsonl").
  std::map<std::string, std::string> outputs;
  for (const auto& [path, f] : inputs) {
    std::string out = DataStem(path.filename().string()) + "." + std::string(FormatExtension(target));
    auto [it, fresh] = outputs.emplace(out, path.filename().string());
    if (!fresh) {
      return Status::InvalidArgument("both " + it->second + " and " + path.filename().string() + " would become " + out +
                                     "; give --source-format");
    }
  }
  std::map<std::string, const MigratedFile*> by_source;
  report.files.reserve(inputs.size());
  for (const auto& [path, f] : inputs) {
    const std::string name = path.filename().string();
    const std::string out = (fs::path(opts.target_dir) /
                             (DataStem(name) + "." + std::string(FormatExtension(target)))).string();
    TRIB_ASSIGN_OR_RETURN(MigratedFile mf, MigrateFile(path.string(), f, out, target, opts.batch_rows, progress));
    report.files.push_back(std::move(mf));
    by_source[name] = &report.files.back();
  }
  if (manifest) {
    Manifest m = *manifest;
    m.format = target;
    for (ManifestEntry& e : m.collections) {
      auto it = by_source.find(e.file);
      if (it == by_source.end()) {
        return Status::InvalidData(opts.source_dir + "/" + kManifestFileName + " lists " + e.file +
                                   ", which was not migrated (missing, or not " +
                                   (opts.source_format ? std::string(FormatName(*opts.source_format)) : "a data file") + ")");
      }
      const MigratedFile& mf = *it->second;
      if (mf.records != e.count) {
        return Status::InvalidData(e.file + " holds " + std::to_string(mf.records) + " records; the manifest says " +
                                   std::to_string(e.count));
      }
      e.format = target;
      e.file = fs::path(mf.target).filename().string();
      e.bytes = mf.bytes;
      e.sha256 = mf.sha256;
    }
    TRIB_RETURN_NOT_OK(WriteManifest(opts.target_dir, m));
    report.manifest = true;
  }
  report.completed_at = NowMicros();
  return report;
}

}  // namespace tributary
