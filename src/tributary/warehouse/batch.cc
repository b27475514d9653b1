#include "tributary/warehouse/batch.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "tributary/core/json.h"
#include "tributary/core/time_util.h"
#include "tributary/filter/filter.h"
#include "tributary/formats/format.h"
#include "tributary/io/sha256.h"
#include "tributary/warehouse/manifest.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;

// Whether an import's checkpoint state says the job finished: the engine
// writes {"state":"completed",...} (older stores: the bare word).
bool StepFinished(const std::string& state) {
  if (state == "completed") return true;
  Result<JsonValue> v = JsonValue::Parse(state);
  if (!v.ok() || !v->is_object()) return false;
  const JsonValue* s = v->Find("state");
  return s != nullptr && s->is_string() && s->str() == "completed";
}

}  // namespace

Status SplitExportOptions::Validate() const {
  if (collection.name.empty()) return Status::InvalidArgument("a collection name is required");
  if (output_dir.empty()) return Status::InvalidArgument("an output directory is required");
  if (records_per_file < 1) return Status::InvalidArgument("records per file must be at least 1");
  if (limit < -1) return Status::InvalidArgument("limit must not be negative");
  if (format == Format::kParquet && compression != Compression::kNone) {
    return Status::InvalidArgument("Parquet files compress their pages; choose the codec with the Parquet options");
  }
  if (write.mongo_extended_json && format != Format::kJsonl) {
    return Status::InvalidArgument("MongoDB Extended JSON is written as JSON Lines");
  }
  return Status::OK();
}

std::string SplitFileName(const std::string& prefix, int64_t k, Format format, Compression compression) {
  char num[32];
  std::snprintf(num, sizeof(num), "_%05lld.", static_cast<long long>(k));
  std::string name = prefix + num + std::string(FormatExtension(format));
  if (compression == Compression::kGzip) name += ".gz";
  if (compression == Compression::kZstd) name += ".zst";
  return name;
}

Result<SplitExportReport> RunSplitExport(Store* store, const SplitExportOptions& opts,
                                         const ExportProgressFn& progress) {
  TRIB_RETURN_NOT_OK(opts.Validate());
  SplitExportReport report;
  report.started_at = NowMicros();
  TRIB_ASSIGN_OR_RETURN(Filter filter, Filter::Parse(opts.filter_json));
  TRIB_ASSIGN_OR_RETURN(CollectionInfo info, store->GetCollection(opts.collection));
  const Filter* f = filter.matches_all() ? nullptr : &filter;
  int64_t total = info.count;
  if (f) {
    TRIB_ASSIGN_OR_RETURN(total, store->Count(opts.collection, f));
  }
  if (opts.limit >= 0) total = std::min(total, opts.limit);
  ScanOptions so;
  so.filter = f;
  so.limit = opts.limit;
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<RecordIterator> it, store->Scan(opts.collection, so));
  std::error_code ec;
  fs::create_directories(opts.output_dir, ec);
  if (ec) return Status::IOError("cannot create " + opts.output_dir + ": " + ec.message());
  const std::string prefix = opts.prefix.empty() ? SafeFileStem(opts.collection.name) : opts.prefix;

  std::unique_ptr<OutputStream> out;
  std::unique_ptr<RecordWriter> writer;
  int64_t in_file = 0;
  // Removes what was written if anything fails.
  auto fail = [&](Status st) {
    writer.reset();
    out.reset();
    for (const SplitFile& sf : report.files) fs::remove(sf.path, ec);
    return st;
  };
  auto close_file = [&]() -> Status {
    TRIB_RETURN_NOT_OK(writer->Finish());
    TRIB_RETURN_NOT_OK(out->Close());
    SplitFile& sf = report.files.back();
    sf.records = in_file;
    sf.bytes = out->bytes_written();
    sf.sha256 = out->sha256_hex();
    writer.reset();
    out.reset();
    in_file = 0;
    return Status::OK();
  };
  const size_t kBatch = 1000;
  RecordBatch batch;
  auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    const int64_t room = opts.records_per_file - in_file;
    Status st = it->Next(static_cast<size_t>(std::min<int64_t>(room, kBatch)), &batch);
    if (!st.ok()) return fail(st);
    if (batch.num_rows() == 0) break;
    if (!writer) {
      SplitFile sf;
      sf.path = (fs::path(opts.output_dir) / SplitFileName(prefix, static_cast<int64_t>(report.files.size()) + 1,
                                                           opts.format, opts.compression)).string();
      auto o = OpenOutput(sf.path, opts.compression);
      if (!o.ok()) return fail(o.status());
      out = std::move(*o);
      auto w = OpenRecordWriter(opts.format, out.get(), opts.write);
      if (!w.ok()) return fail(w.status());
      writer = std::move(*w);
      report.files.push_back(std::move(sf));
    }
    st = writer->Write(batch);
    if (!st.ok()) return fail(st);
    in_file += static_cast<int64_t>(batch.num_rows());
    report.total += static_cast<int64_t>(batch.num_rows());
    if (in_file == opts.records_per_file) {
      st = close_file();
      if (!st.ok()) return fail(st);
    }
    if (progress) {
      ExportProgress p;
      p.exported = report.total;
      p.total = total;
      p.percentage = total > 0 ? 100.0 * static_cast<double>(report.total) / static_cast<double>(total) : 100.0;
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      p.rows_per_second = secs > 0 ? static_cast<double>(report.total) / secs : 0;
      progress(p);
    }
  }
  if (writer) {
    Status st = close_file();
    if (!st.ok()) return fail(st);
  }
  report.completed_at = NowMicros();
  return report;
}

Status BatchImportOptions::Validate() const {
  if (input_dir.empty()) return Status::InvalidArgument("an input directory is required");
  if (pattern.empty()) return Status::InvalidArgument("the file pattern must not be empty");
  ImportOptions probe = base;
  probe.input_path = input_dir;  // each file's path is set per step
  return probe.Validate();
}

Result<std::vector<std::string>> ListBatchFiles(const std::string& dir, const std::string& pattern,
                                                bool any_extension) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::InvalidArgument(dir + " is not a directory");
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name[0] == '.' || name == kManifestFileName) continue;
    if (fnmatch(pattern.c_str(), name.c_str(), 0) != 0) continue;
    if (!any_extension && !FormatFromPath(name)) continue;
    files.push_back(entry.path().string());
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

Result<ImportReport> RunBatchImport(Store* store, const BatchImportOptions& opts, const ImportProgressFn& progress,
                                    const std::atomic<bool>* cancel) {
  TRIB_RETURN_NOT_OK(opts.Validate());
  TRIB_ASSIGN_OR_RETURN(std::vector<std::string> files,
                        ListBatchFiles(opts.input_dir, opts.pattern, opts.base.format.has_value()));
  if (files.empty()) {
    return Status::InvalidArgument("no data files in " + opts.input_dir + " match '" + opts.pattern + "'");
  }
  ImportReport report;
  report.collection = opts.base.collection;
  report.started_at = NowMicros();
  report.dry_run = opts.base.dry_run;
  report.status = JobStatus::kRunning;

  std::vector<int64_t> sizes;
  int64_t bytes_total = 0;
  std::string key = opts.base.collection.tenant + '\0' + opts.base.collection.name + '\0' +
                    fs::absolute(opts.input_dir).lexically_normal().string() + '\0' + opts.pattern + '\0' +
                    std::string(WriteModeName(opts.base.mode));
  for (const std::string& f : files) {
    struct stat st;
    if (::stat(f.c_str(), &st) != 0) return Status::IOError("cannot stat " + f);
    sizes.push_back(static_cast<int64_t>(st.st_size));
    bytes_total += static_cast<int64_t>(st.st_size);
    key += '\0' + fs::path(f).filename().string() + '\0' + std::to_string(st.st_size) + '\0' +
           std::to_string(st.st_mtim.tv_sec) + '.' + std::to_string(st.st_mtim.tv_nsec);
  }
  report.job_id = opts.base.job_id.empty() ? "batch-" + Sha256::HexOf(key).substr(0, 24) : opts.base.job_id;
  auto step_id = [&](size_t i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "-%05zu", i + 1);
    return report.job_id + buf;
  };

  uint64_t bytes_before = 0;
  auto t0 = std::chrono::steady_clock::now();
  bool stopped = false;
  for (size_t i = 0; i < files.size() && !stopped; ++i) {
    const std::string name = fs::path(files[i]).filename().string();
    ImportOptions io = opts.base;
    io.input_path = files[i];
    io.job_id = step_id(i);
    if (!opts.base.errors_file.empty()) io.errors_file = (fs::path(opts.base.errors_file) / name).string();
    if (opts.base.max_errors >= 0) io.max_errors = std::max<int64_t>(0, opts.base.max_errors - report.failed_rows);
    if (!opts.base.dry_run && opts.base.resume) {
      auto cp = store->LoadCheckpoint(opts.base.collection, io.job_id);
      if (!cp.ok() && !cp.status().IsNotFound()) return cp.status();
      if (cp.ok() && *cp && StepFinished((*cp)->state)) {
        // Done by an earlier run of this batch.
        const Checkpoint& c = **cp;
        report.total_rows += c.records_done;
        report.successful_rows += c.rows_written + c.rows_skipped;
        report.failed_rows += c.rows_failed;
        report.resumed_from += c.records_done;
        bytes_before += static_cast<uint64_t>(sizes[i]);
        continue;
      }
    }
    ImportProgressFn step_progress;
    const ImportReport snapshot = report;
    if (progress) {
      step_progress = [&](const ImportProgress& p) {
        ImportProgress q = p;
        q.records_read = snapshot.total_rows + p.records_read;
        q.successful_rows = snapshot.successful_rows + p.successful_rows;
        q.failed_rows = snapshot.failed_rows + p.failed_rows;
        q.bytes_read = bytes_before + p.bytes_read;
        q.bytes_total = bytes_total;
        q.percentage = bytes_total > 0 ? std::min(100.0, 100.0 * static_cast<double>(q.bytes_read) /
                                                               static_cast<double>(bytes_total))
                                       : 0;
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        q.rows_per_second = secs > 0 ? static_cast<double>(q.records_read - report.resumed_from) / secs : 0;
        progress(q);
      };
    }
    Result<ImportReport> r = RunImport(store, io, step_progress, cancel);
    if (!r.ok()) return r.status().WithPrefix(files[i]);
    report.format = r->format;
    report.total_rows += r->total_rows;
    report.successful_rows += r->successful_rows;
    report.failed_rows += r->failed_rows;
    report.inserted_rows += r->inserted_rows;
    report.updated_rows += r->updated_rows;
    report.skipped_rows += r->skipped_rows;
    report.resumed_from += r->resumed_from;
    report.dimension = r->dimension;
    for (RowError& e : r->errors) {
      if (report.errors.size() >= opts.base.max_errors_kept) break;
      e.message = name + ": " + e.message;
      report.errors.push_back(std::move(e));
    }
    bytes_before += static_cast<uint64_t>(sizes[i]);
    if (r->status == JobStatus::kFailed && r->successful_rows == 0 && r->error == "every row failed") {
      continue;  // a file of bad rows is row errors of the batch, not its end
    }
    if (r->status == JobStatus::kFailed || r->status == JobStatus::kCancelled) {
      report.status = r->status;
      report.error = name + ": " + r->error;
      stopped = true;
    }
  }
  report.processed_rows = report.total_rows;
  report.bytes_read = bytes_before;
  report.completed_at = NowMicros();
  if (!stopped) {
    if (report.failed_rows == 0) {
      report.status = JobStatus::kCompleted;
    } else if (report.successful_rows > 0) {
      report.status = JobStatus::kCompletedWithErrors;
    } else {
      report.status = JobStatus::kFailed;
      report.error = "every row failed";
    }
  }
  report.progress_percentage =
      report.status == JobStatus::kCompleted || report.status == JobStatus::kCompletedWithErrors
          ? 100.0
          : (bytes_total > 0 ? 100.0 * static_cast<double>(bytes_before) / static_cast<double>(bytes_total) : 0);
  if (!stopped && !opts.base.dry_run) {
    // The batch is over: a new run starts afresh, as for one file.
    for (size_t i = 0; i < files.size(); ++i) (void)store->DeleteCheckpoint(opts.base.collection, step_id(i));
  }
  return report;
}

}  // namespace tributary
