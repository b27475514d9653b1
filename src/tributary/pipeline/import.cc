#include "tributary/pipeline/import.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "tributary/core/bounded_queue.h"
#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
#include "tributary/core/validate.h"
#include "tributary/formats/format.h"
#include "tributary/pipeline/job_json.h"
#include "tributary/formats/record_text.h"
#include "tributary/io/sha256.h"
#include "tributary/pipeline/export.h"

namespace tributary {
namespace {

constexpr size_t kMaxErrorDataBytes = 16 << 10;

// Writes every rejected record, in the input's own format.
class RejectsFile {
 public:
  RejectsFile(std::string path, Format format, std::string preamble, bool append)
      : path_(std::move(path)), format_(format), preamble_(std::move(preamble)), append_(append) {}
  ~RejectsFile() {
    if (f_) std::fclose(f_);
  }

  Status Add(const RowError& e) {
    if (path_.empty()) return Status::OK();
    if (!f_) TRIB_RETURN_NOT_OK(Open());
    std::string_view raw = e.raw.empty() ? std::string_view(e.data_json) : std::string_view(e.raw);
    if (format_ == Format::kJson && count_ > 0) Put(",\n");
    Put(raw);
    if (format_ != Format::kJson) Put("\n");
    ++count_;
    if (std::ferror(f_)) return Status::IOError("cannot write rejects file " + path_);
    return Status::OK();
  }

  Status Close() {
    if (!f_) return Status::OK();
    if (format_ == Format::kJson) Put("\n]\n");
    int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) return Status::IOError("cannot write rejects file " + path_);
    return Status::OK();
  }

 private:
  Status Open() {
    std::error_code ec;
    bool exists = std::filesystem::exists(path_, ec) && std::filesystem::file_size(path_, ec) > 0;
    std::filesystem::path p(path_);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    f_ = std::fopen(path_.c_str(), append_ && exists ? "ab" : "wb");
    if (!f_) return Status::IOError("cannot create rejects file " + path_);
    if (!(append_ && exists)) {
      Put(preamble_);
      if (format_ == Format::kJson) Put("[\n");
    }
    return Status::OK();
  }
  void Put(std::string_view s) { std::fwrite(s.data(), 1, s.size(), f_); }

  std::string path_;
  Format format_;
  std::string preamble_;
  bool append_;
  std::FILE* f_ = nullptr;
  int64_t count_ = 0;
};

struct ParsedBatch {
  std::unique_ptr<RecordBatch> batch;
  std::vector<RowError> errors;
  int64_t records_read = 0;
  uint64_t bytes_read = 0;
  Status status;
  bool end = false;
};

std::string DerivedJobId(const ImportOptions& o) {
  struct stat st;
  if (o.input_path == "-" || ::stat(o.input_path.c_str(), &st) != 0) return NewJobId();
  std::error_code ec;
  std::string abs = std::filesystem::absolute(o.input_path, ec).lexically_normal().string();
  std::string key = o.collection.tenant + '\0' + o.collection.name + '\0' + abs + '\0' +
                    std::to_string(st.st_size) + '\0' + std::to_string(st.st_mtim.tv_sec) + '.' +
                    std::to_string(st.st_mtim.tv_nsec) + '\0' + std::string(WriteModeName(o.mode));
  return "import-" + Sha256::HexOf(key).substr(0, 24);
}

bool SameFamily(Format a, Format b) {
  auto family = [](Format f) { return f == Format::kCsv || f == Format::kTsv ? 0 : 1; };
  return family(a) == family(b);
}

std::string Shown(std::string_view head) {
  std::string s;
  for (char c : head.substr(0, 40)) {
    if (c == '\n' || c == '\r') break;
    s.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  }
  return s;
}

}  // namespace

std::string_view JobStatusName(JobStatus s) {
  switch (s) {
    case JobStatus::kQueued: return "queued";
    case JobStatus::kRunning: return "running";
    case JobStatus::kCompleted: return "completed";
    case JobStatus::kCompletedWithErrors: return "completed_with_errors";
    case JobStatus::kFailed: return "failed";
    case JobStatus::kCancelled: return "cancelled";
  }
  return "unknown";
}

Status ImportOptions::Validate() const {
  if (collection.name.empty()) return Status::InvalidArgument("a collection name is required");
  if (input_path.empty()) return Status::InvalidArgument("an input file is required");
  if (batch_size < 1 || batch_size > kMaxBatchSize) {
    return Status::InvalidArgument("batch size must be between 1 and " + std::to_string(kMaxBatchSize) +
                                   ", got " + std::to_string(batch_size));
  }
  if (dimension < 0) return Status::InvalidArgument("dimension must not be negative");
  return read.Validate();
}

Result<ImportReport> RunImport(Store* store, const ImportOptions& opts,
                               const ImportProgressFn& progress, const std::atomic<bool>* cancel) {
  TRIB_RETURN_NOT_OK(opts.Validate());
  ImportReport report;
  report.collection = opts.collection;
  report.started_at = NowMicros();
  report.dry_run = opts.dry_run;

  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> in, OpenInput(opts.input_path));
  TRIB_ASSIGN_OR_RETURN(std::string head, PeekInput(&in, 64 << 10));
  std::optional<Format> from_content = FormatFromContent(head);
  Format format;
  if (opts.format) {
    format = *opts.format;
    if (from_content && !SameFamily(*from_content, format)) {
      return Status::InvalidArgument(
          in->name() + ": --format " + std::string(FormatName(format)) +
          " does not match the content, which looks like " + std::string(FormatName(*from_content)) +
          " (it starts with '" + Shown(head) + "')");
    }
    if (format == Format::kJsonl && from_content == Format::kJson && !head.empty()) {
      size_t i = head.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
      if (i != std::string::npos && head[i] == '[') {
        return Status::InvalidArgument(in->name() +
                                       ": --format jsonl given, but the content is a JSON array; use --format json");
      }
    }
  } else if (auto f = FormatFromPath(opts.input_path)) {
    format = *f;
  } else if (from_content) {
    format = *from_content;
  } else if (head.empty()) {
    format = Format::kJsonl;
  } else {
    return Status::InvalidArgument(in->name() + ": cannot tell the format from the name or the content; give --format");
  }
  report.format = format;

  // The collection: created on first import (not in a dry run).
  int32_t dimension = opts.dimension;
  auto info = store->GetCollection(opts.collection);
  if (info.ok()) {
    if (opts.dimension != 0 && info->dimension != 0 && info->dimension != opts.dimension) {
      return Status::InvalidArgument("collection '" + opts.collection.name + "' has dimension " +
                                     std::to_string(info->dimension) + ", not " + std::to_string(opts.dimension));
    }
    if (info->dimension != 0) dimension = info->dimension;
  } else if (info.status().IsNotFound()) {
    if (!opts.dry_run) {
      auto created = store->CreateCollection(opts.collection, opts.dimension, "");
      if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) return created.status();
      if (created.ok()) dimension = created->dimension;
    }
  } else {
    return info.status();
  }
  int32_t stored_dimension = dimension;

  // Resume from a checkpoint of an earlier, interrupted run of the same job.
  report.job_id = opts.job_id.empty() ? DerivedJobId(opts) : opts.job_id;
  Checkpoint cp;
  cp.job_id = report.job_id;
  cp.state = "running";
  cp.add_batch_results = true;  // the stored counts include the batch they commit with
  if (!opts.dry_run) {
    TRIB_ASSIGN_OR_RETURN(std::optional<Checkpoint> old, store->LoadCheckpoint(opts.collection, report.job_id));
    if (old && old->state == "running" && opts.resume) {
      cp = *old;
      cp.add_batch_results = true;
      report.resumed_from = old->records_done;
    } else if (old) {
      TRIB_RETURN_NOT_OK(store->DeleteCheckpoint(opts.collection, report.job_id));
    }
  }

  ReadOptions ro = opts.read;
  ro.batch_rows = opts.batch_size;
  ro.keep_raw = ro.keep_raw || !opts.errors_file.empty();
  ro.metadata_default_object = true;
  const int64_t source_size = in->source_size();
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<RecordReader> reader, OpenRecordReader(format, std::move(in), ro));
  if (cp.records_done > 0) TRIB_RETURN_NOT_OK(reader->SkipRecords(cp.records_done));

  RejectsFile rejects(opts.errors_file, format, reader->RejectsPreamble(), report.resumed_from > 0);

  // Parse on a separate thread, one or two batches ahead.
  BoundedQueue<ParsedBatch> parsed(2);
  BoundedQueue<std::unique_ptr<RecordBatch>> free_batches(4);
  for (int i = 0; i < 4; ++i) free_batches.Push(std::make_unique<RecordBatch>());
  std::atomic<bool> stop{false};
  std::thread parser([&] {
    while (!stop.load()) {
      ParsedBatch pb;
      if (!free_batches.Pop(&pb.batch)) break;
      pb.status = reader->ReadNext(pb.batch.get(), &pb.errors);
      pb.records_read = reader->records_read();
      pb.bytes_read = reader->bytes_read();
      pb.end = !pb.status.ok() || (pb.batch->num_rows() == 0 && pb.errors.empty());
      bool end = pb.end;
      if (!parsed.Push(std::move(pb)) || end) break;
    }
    parsed.Close();
  });

  Validator validator(dimension, report.started_at);
  int64_t successful = cp.rows_written + cp.rows_skipped;
  int64_t failed = cp.rows_failed;
  int64_t records_done = cp.records_done;
  uint64_t bytes_done = 0;
  auto last_progress = std::chrono::steady_clock::now();
  const auto t0 = last_progress;
  std::vector<size_t> good;
  RecordBatch empty;
  Status fatal;
  bool cancelled = false;

  auto add_error = [&](RowError e) -> Status {
    ++failed;
    if (e.data_json.size() > kMaxErrorDataBytes) {
      std::string cut;
      AppendJsonString(std::string_view(e.data_json).substr(0, kMaxErrorDataBytes), &cut);
      e.data_json = std::move(cut);
    }
    Status st = rejects.Add(e);
    if (opts.on_row_error) opts.on_row_error(e);
    if (report.errors.size() < opts.max_errors_kept) {
      e.raw.clear();
      e.raw.shrink_to_fit();
      report.errors.push_back(std::move(e));
    }
    return st;
  };

  ParsedBatch pb;
  while (parsed.Pop(&pb)) {
    if (!pb.status.ok()) {
      fatal = pb.status;
    }
    RecordBatch& batch = *pb.batch;
    // Reader errors and validation errors of this batch, reported in input order.
    std::vector<RowError> batch_errors = std::move(pb.errors);
    good.clear();
    for (size_t i = 0; i < batch.num_rows(); ++i) {
      Status st = validator.CheckRow(&batch, i);
      if (st.ok()) {
        good.push_back(i);
        continue;
      }
      RowError e;
      e.origin = batch.origin[i];
      e.message = st.message();
      AppendRecordJson(batch, i, &e.data_json);
      if (batch.raw.size() > i) e.raw.assign(batch.raw.Get(i));
      batch_errors.push_back(std::move(e));
    }
    std::stable_sort(batch_errors.begin(), batch_errors.end(),
                     [](const RowError& a, const RowError& b) { return a.origin.row < b.origin.row; });
    for (RowError& e : batch_errors) {
      if (fatal.ok()) fatal = add_error(std::move(e));
    }
    if (fatal.ok() && !opts.dry_run && stored_dimension == 0 && validator.dimension() != 0) {
      fatal = store->SetDimension(opts.collection, validator.dimension());
      stored_dimension = validator.dimension();
    }
    if (fatal.ok() && !opts.dry_run && (pb.records_read > records_done || !good.empty())) {
      cp.records_done = pb.records_read;
      cp.bytes_done = pb.bytes_read;
      cp.rows_failed = failed;
      auto wr = good.empty() ? store->WriteBatch(opts.collection, empty, good, opts.mode, &cp)
                             : store->WriteBatch(opts.collection, batch, good, opts.mode, &cp);
      if (!wr.ok()) {
        fatal = wr.status();
      } else {
        report.inserted_rows += wr->inserted;
        report.updated_rows += wr->updated;
        report.skipped_rows += wr->skipped;
        cp.rows_written += wr->inserted + wr->updated;
        cp.rows_skipped += wr->skipped;
        successful += wr->inserted + wr->updated + wr->skipped;
        for (auto& [row, msg] : wr->rejected) {
          RowError e;
          e.origin = batch.origin[row];
          e.message = msg;
          AppendRecordJson(batch, row, &e.data_json);
          if (batch.raw.size() > row) e.raw.assign(batch.raw.Get(row));
          Status st = add_error(std::move(e));
          if (fatal.ok()) fatal = st;
        }
        if (!wr->rejected.empty()) {
          // Failures the store found belong in the checkpoint too.
          cp.rows_failed = failed;
        }
      }
    } else if (opts.dry_run) {
      successful += static_cast<int64_t>(good.size());
    }
    records_done = pb.records_read;
    bytes_done = pb.bytes_read;
    const bool end = pb.end;
    pb.batch->Clear();
    free_batches.Push(std::move(pb.batch));
    if (opts.max_errors >= 0 && failed > opts.max_errors && fatal.ok()) {
      fatal = Status::ResourceExhausted("stopped after " + std::to_string(failed) +
                                        " failed rows (the limit is " + std::to_string(opts.max_errors) + ")");
    }
    if (cancel && cancel->load()) cancelled = true;
    auto now = std::chrono::steady_clock::now();
    if (progress && (now - last_progress > std::chrono::milliseconds(200) || end)) {
      last_progress = now;
      ImportProgress p;
      p.records_read = records_done;
      p.successful_rows = successful;
      p.failed_rows = failed;
      p.bytes_read = bytes_done;
      p.bytes_total = source_size;
      p.percentage = source_size > 0 ? std::min(100.0, 100.0 * static_cast<double>(bytes_done) / static_cast<double>(source_size)) : 0;
      double secs = std::chrono::duration<double>(now - t0).count();
      p.rows_per_second = secs > 0 ? static_cast<double>(records_done - report.resumed_from) / secs : 0;
      progress(p);
    }
    if (!fatal.ok() || cancelled || end) break;
  }
  stop.store(true);
  parsed.Close();
  free_batches.Close();
  parser.join();

  TRIB_RETURN_NOT_OK(rejects.Close());
  report.total_rows = records_done;
  report.processed_rows = records_done;
  report.successful_rows = successful;
  report.failed_rows = failed;
  report.bytes_read = bytes_done;
  report.dimension = validator.dimension();
  report.completed_at = NowMicros();

  if (cancelled) {
    report.status = JobStatus::kCancelled;
    report.error = "cancelled";
  } else if (!fatal.ok()) {
    report.status = JobStatus::kFailed;
    report.error = fatal.message();
  } else if (failed == 0) {
    report.status = JobStatus::kCompleted;
  } else if (successful > 0) {
    report.status = JobStatus::kCompletedWithErrors;
  } else {
    report.status = JobStatus::kFailed;
    report.error = "every row failed";
  }
  report.progress_percentage = report.status == JobStatus::kCompleted ||
                                       report.status == JobStatus::kCompletedWithErrors
                                   ? 100.0
                                   : (source_size > 0 ? 100.0 * static_cast<double>(bytes_done) / static_cast<double>(source_size) : 0);

  if (!opts.dry_run) {
    // A finished job's checkpoint says so: re-running it starts afresh
    // instead of resuming. A failed or cancelled one stays resumable.
    if (report.status != JobStatus::kFailed && report.status != JobStatus::kCancelled) {
      cp.state = "completed";
      cp.records_done = records_done;
      cp.rows_failed = failed;
      auto wr = store->WriteBatch(opts.collection, empty, {}, opts.mode, &cp);
      if (!wr.ok() && report.error.empty()) {
        report.status = JobStatus::kFailed;
        report.error = wr.status().message();
      }
    }
    Status st = store->Sync();
    if (!st.ok() && report.error.empty()) {
      report.status = JobStatus::kFailed;
      report.error = st.message();
    }
  }
  return report;
}

void AppendRowErrorJson(const RowError& e, std::string* out) {
  out->append(e.by_line ? "{\"line\":" : "{\"row\":");
  AppendInt(e.by_line ? (e.origin.line ? e.origin.line : e.origin.row) : e.origin.row, out);
  if (!e.by_line && e.origin.line > 0) {
    out->append(",\"line\":");
    AppendInt(e.origin.line, out);
  }
  out->append(",\"error\":");
  AppendJsonString(e.message, out);
  out->append(",\"data\":");
  if (e.data_json.empty()) out->append("null"); else out->append(e.data_json);
  out->push_back('}');
}

std::string ImportReportJson(const ImportReport& r) {
  std::string o;
  AppendJobHead(r.job_id, r.collection, JobStatusName(r.status), &o);
  auto num = [&](const char* k, int64_t v) {
    o += ",\"";
    o += k;
    o += "\":";
    AppendInt(v, &o);
  };
  num("total_rows", r.total_rows);
  num("processed_rows", r.processed_rows);
  num("successful_rows", r.successful_rows);
  num("failed_rows", r.failed_rows);
  num("inserted_rows", r.inserted_rows);
  num("updated_rows", r.updated_rows);
  num("skipped_rows", r.skipped_rows);
  o += ",\"errors\":[";
  for (size_t i = 0; i < r.errors.size(); ++i) {
    if (i) o += ',';
    AppendRowErrorJson(r.errors[i], &o);
  }
  o += "],\"started_at\":";
  AppendJsonString(FormatTimestamp(r.started_at), &o);
  o += ",\"completed_at\":";
  if (r.completed_at) AppendJsonString(FormatTimestamp(r.completed_at), &o); else o += "null";
  o += ",\"format\":";
  AppendJsonString(FormatName(r.format), &o);
  char pct[32];
  std::snprintf(pct, sizeof(pct), "%.1f", r.progress_percentage);
  o += ",\"progress_percentage\":";
  o += pct;
  num("bytes_read", static_cast<int64_t>(r.bytes_read));
  num("dimension", r.dimension);
  num("resumed_from", r.resumed_from);
  o += ",\"dry_run\":";
  o += r.dry_run ? "true" : "false";
  o += ",\"error\":";
  if (r.error.empty()) o += "null"; else AppendJsonString(r.error, &o);
  o += '}';
  return o;
}

}  // namespace tributary
