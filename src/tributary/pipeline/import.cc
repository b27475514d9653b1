#include "tributary/pipeline/import.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>

#include "tributary/core/bounded_queue.h"
#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/thread_priority.h"
#include "tributary/core/time_util.h"
#include "tributary/core/validate.h"
#include "tributary/filter/filter.h"
#include "tributary/formats/format.h"
#include "tributary/pipeline/job_json.h"
#include "tributary/formats/record_text.h"
#include "tributary/io/sha256.h"
#include "tributary/pipeline/export.h"

namespace tributary {
namespace {

constexpr size_t kMaxErrorDataBytes = 16 << 10;

// Writes every rejected record, in the input's own format.
//
// The file stays consistent with the job's checkpoint: before each batch
// commits, the rejects so far are flushed and the file's size goes into the
// checkpoint's state; a resumed run cuts the file back to that size (dropping
// whatever an interrupted run wrote after its last commit, which it is about
// to reject again) and appends. A JSON array's rejects file therefore stays
// one array across any number of resumes. One window remains: rows the store
// itself refuses (duplicate ids) are known only once their batch commits, so
// a crash in the instant after that commit and before they are written loses
// their lines from the file (not from the counts).
class RejectsFile {
 public:
  // resume_bytes: the size recorded by the checkpoint being resumed, or -1.
  RejectsFile(std::string path, Format format, std::string preamble, int64_t resume_bytes)
      : path_(std::move(path)),
        format_(format),
        header_(std::move(preamble)),
        resume_bytes_(resume_bytes) {
    if (format_ == Format::kJson) header_ += "[\n";
  }
  ~RejectsFile() {
    if (f_) std::fclose(f_);
  }

  // A resumed job reopens its file at once, so that what an interrupted run
  // wrote after its last commit goes even if this run rejects nothing.
  Status Start() {
    if (path_.empty() || resume_bytes_ <= static_cast<int64_t>(header_.size())) return Status::OK();
    return Open();
  }

  Status Add(const RowError& e) {
    if (path_.empty()) return Status::OK();
    if (!f_) TRIB_RETURN_NOT_OK(Open());
    std::string_view raw = e.raw.empty() ? std::string_view(e.data_json) : std::string_view(e.raw);
    if (format_ == Format::kJson && has_elements_) Put(",\n");
    Put(raw);
    if (format_ != Format::kJson) Put("\n");
    has_elements_ = true;
    dirty_ = true;
    if (std::ferror(f_)) return Status::IOError("cannot write rejects file " + path_);
    return Status::OK();
  }

  // Flushes to the file and returns its size (0 while nothing was written).
  Result<int64_t> Sync() {
    if (!f_) return resume_bytes_ > 0 ? resume_bytes_ : 0;
    if (dirty_) {
      if (std::fflush(f_) != 0) return Status::IOError("cannot write rejects file " + path_);
      dirty_ = false;
    }
    return static_cast<int64_t>(std::ftell(f_));
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
    std::filesystem::path p(path_);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    const int64_t size = std::filesystem::exists(p, ec) ? static_cast<int64_t>(std::filesystem::file_size(p, ec)) : -1;
    if (resume_bytes_ > static_cast<int64_t>(header_.size()) && size >= resume_bytes_) {
      f_ = std::fopen(path_.c_str(), "r+b");
      if (!f_) return Status::IOError("cannot open rejects file " + path_);
      std::filesystem::resize_file(p, static_cast<uintmax_t>(resume_bytes_), ec);
      if (ec || std::fseek(f_, 0, SEEK_END) != 0) return Status::IOError("cannot resume rejects file " + path_);
      has_elements_ = true;
      return Status::OK();
    }
    // A new job, or the earlier run's file is gone or shorter: start afresh.
    f_ = std::fopen(path_.c_str(), "wb");
    if (!f_) return Status::IOError("cannot create rejects file " + path_);
    Put(header_);
    return Status::OK();
  }
  void Put(std::string_view s) { std::fwrite(s.data(), 1, s.size(), f_); }

  std::string path_;
  Format format_;
  std::string header_;  // the reader's preamble (a CSV header), and '[' for JSON
  int64_t resume_bytes_;
  std::FILE* f_ = nullptr;
  bool has_elements_ = false;
  bool dirty_ = false;
};

// The error report of batch row `row`: where it came from, the message,
// the record as JSON and, when the reader kept it, its input text (for the
// rejects file).
RowError RowErrorAt(const RecordBatch& batch, size_t row, std::string message) {
  RowError e;
  e.origin = batch.origin[row];
  e.message = std::move(message);
  AppendRecordJson(batch, row, &e.data_json);
  if (batch.raw.size() > row) e.raw.assign(batch.raw.Get(row));
  return e;
}

// The engine's checkpoint state: {"state":"running","rejects_bytes":N}.
std::string CheckpointState(std::string_view state, int64_t rejects_bytes) {
  std::string s = "{\"state\":";
  AppendJsonString(state, &s);
  s += ",\"rejects_bytes\":";
  AppendInt(rejects_bytes, &s);
  s += '}';
  return s;
}

struct ParsedState {
  std::string state;
  int64_t rejects_bytes = -1;
};

ParsedState ParseCheckpointState(const std::string& text) {
  ParsedState out;
  auto v = JsonValue::Parse(text);
  if (!v.ok() || !v->is_object()) {
    out.state = text;  // a bare word
    return out;
  }
  if (const JsonValue* s = v->Find("state"); s && s->is_string()) out.state = s->str();
  if (const JsonValue* b = v->Find("rejects_bytes"); b && b->is_number()) {
    out.rejects_bytes = static_cast<int64_t>(b->number());
  }
  return out;
}

// What a dry run in insert mode needs to report the duplicate ids a real run
// would refuse: ids already in the collection (looked up batch by batch with
// an id $in filter) and ids repeated in the input. Repeats are found through
// 64-bit hashes of the ids accepted so far, in an open-addressing set capped
// at kMaxIds (16 bytes each at most); past the cap the report carries a
// warning that later repeats were not checked.
class DryRunDuplicates {
 public:
  static constexpr size_t kMaxIds = size_t{8} << 20;

  DryRunDuplicates(Store* store, CollectionRef ref, bool collection_exists)
      : store_(store), ref_(std::move(ref)), collection_exists_(collection_exists) {}

  // Appends to *dups the rows of `rows` (in order) a real run would refuse.
  Status Find(const RecordBatch& batch, const std::vector<size_t>& rows, std::vector<size_t>* dups) {
    dups->clear();
    std::vector<bool> in_store(rows.size(), false);
    if (collection_exists_) TRIB_RETURN_NOT_OK(LookUp(batch, rows, &in_store));
    for (size_t k = 0; k < rows.size(); ++k) {
      const std::string_view id = batch.id.Get(rows[k]);
      if (in_store[k]) {
        dups->push_back(rows[k]);
        continue;
      }
      if (full_) continue;
      uint64_t h = std::hash<std::string_view>{}(id) * 0x9E3779B97F4A7C15ull;
      if (h == 0) h = 1;
      if (!Insert(h)) dups->push_back(rows[k]);
    }
    return Status::OK();
  }

  bool full() const { return full_; }

 private:
  // Marks the rows whose id the collection already holds.
  Status LookUp(const RecordBatch& batch, const std::vector<size_t>& rows, std::vector<bool>* found) {
    std::unordered_map<std::string_view, std::vector<size_t>> where;
    size_t k = 0;
    while (k < rows.size()) {
      // One query per group of ids, within the filter's limits.
      std::string filter = "{\"id\":{\"$in\":[";
      const size_t first = k;
      for (; k < rows.size() && k - first < 1000 && filter.size() < (size_t{256} << 10); ++k) {
        if (k > first) filter.push_back(',');
        const std::string_view id = batch.id.Get(rows[k]);
        AppendJsonString(id, &filter);
        where[id].push_back(k);
      }
      filter += "]}}";
      TRIB_ASSIGN_OR_RETURN(Filter f, Filter::Parse(filter));
      ScanOptions so;
      so.filter = &f;
      TRIB_ASSIGN_OR_RETURN(std::unique_ptr<RecordIterator> it, store_->Scan(ref_, so));
      for (;;) {
        TRIB_RETURN_NOT_OK(it->Next(1000, &scan_));
        if (scan_.num_rows() == 0) break;
        for (size_t r = 0; r < scan_.num_rows(); ++r) {
          auto hit = where.find(scan_.id.Get(r));
          if (hit == where.end()) continue;
          for (size_t idx : hit->second) (*found)[idx] = true;
        }
      }
      where.clear();
    }
    return Status::OK();
  }

  // False if h was there already.
  bool Insert(uint64_t h) {
    if ((count_ + 1) * 2 > slots_.size()) {
      if (slots_.size() >= 2 * kMaxIds) {
        full_ = true;
        return true;
      }
      std::vector<uint64_t> old = std::move(slots_);
      slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
      count_ = 0;
      for (uint64_t x : old) {
        if (x) Place(x);
      }
    }
    return Place(h);
  }
  bool Place(uint64_t h) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      if (slots_[i] == h) return false;
      if (slots_[i] == 0) {
        slots_[i] = h;
        ++count_;
        return true;
      }
    }
  }

  Store* store_;
  CollectionRef ref_;
  bool collection_exists_;
  std::vector<uint64_t> slots_;
  size_t count_ = 0;
  bool full_ = false;
  RecordBatch scan_;
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
  auto family = [](Format f) { return f == Format::kCsv || f == Format::kTsv ? 0 : f == Format::kParquet ? 2 : 1; };
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

  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> in,
                        opts.open_input ? opts.open_input() : OpenInput(opts.input_path));
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
  // The collection's declared rules (document kind, metadata schema).
  std::optional<MetadataSchema> schema;
  if (info.ok() && !info->metadata_schema.empty()) {
    Result<MetadataSchema> parsed = MetadataSchema::Parse(info->metadata_schema);
    if (!parsed.ok()) return parsed.status().WithPrefix("collection '" + opts.collection.name + "'");
    schema = std::move(*parsed);
  }
  std::optional<DryRunDuplicates> dry_dups;
  if (opts.dry_run && opts.mode == WriteMode::kInsert) dry_dups.emplace(store, opts.collection, info.ok());
  std::vector<size_t> dup_rows;

  // Resume from a checkpoint of an earlier, interrupted run of the same job.
  report.job_id = opts.job_id.empty() ? DerivedJobId(opts) : opts.job_id;
  Checkpoint cp;
  cp.job_id = report.job_id;
  cp.state = CheckpointState("running", 0);
  cp.add_batch_results = true;  // the stored counts include the batch they commit with
  int64_t resume_rejects_bytes = -1;
  if (!opts.dry_run) {
    TRIB_ASSIGN_OR_RETURN(std::optional<Checkpoint> old, store->LoadCheckpoint(opts.collection, report.job_id));
    const ParsedState old_state = old ? ParseCheckpointState(old->state) : ParsedState{};
    if (old && old_state.state == "running" && opts.resume) {
      cp = *old;
      cp.add_batch_results = true;
      report.resumed_from = old->records_done;
      resume_rejects_bytes = old_state.rejects_bytes;
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

  // Rejected Parquet rows are written as JSON lines.
  RejectsFile rejects(opts.errors_file, format == Format::kParquet ? Format::kJsonl : format, reader->RejectsPreamble(),
                      resume_rejects_bytes);
  TRIB_RETURN_NOT_OK(rejects.Start());

  // Parse on a separate thread, at a lower priority than this thread's
  // writes (so are the threads the reader starts from it): see
  // core/thread_priority.h. It runs up to kParsedAhead batches or
  // kParsedAheadBytes ahead, whichever comes first. On two cores the parsing
  // threads get little CPU while this thread and the checkpointer both run,
  // and a queue two batches deep ran dry during every checkpoint: this
  // thread then waited for batches a fifth of the time. Batches are made as
  // the queue first needs them (up to kParsedAhead + 2) and then reused, so
  // large batches, which the byte limit keeps few, also stay few in memory.
  constexpr size_t kParsedAhead = 32;
  constexpr size_t kParsedAheadBytes = size_t{16} << 20;
  BoundedQueue<ParsedBatch> parsed(kParsedAhead, kParsedAheadBytes);
  BoundedQueue<std::unique_ptr<RecordBatch>> free_batches(kParsedAhead + 2);
  std::atomic<bool> stop{false};
  std::thread parser([&] {
    LowerCurrentThreadPriority();
    size_t made = 0;
    while (!stop.load()) {
      ParsedBatch pb;
      if (!TakeOrMake(&free_batches, &parsed, kParsedAhead + 2, kParsedAheadBytes, &made, &pb.batch)) break;
      pb.status = reader->ReadNext(pb.batch.get(), &pb.errors);
      pb.records_read = reader->records_read();
      pb.bytes_read = reader->bytes_read();
      pb.end = !pb.status.ok() || (pb.batch->num_rows() == 0 && pb.errors.empty());
      const bool end = pb.end;
      const size_t bytes = pb.batch->ByteSize();
      if (!parsed.Push(std::move(pb), bytes) || end) break;
    }
    parsed.Close();
  });

  Validator validator(dimension, report.started_at);
  if (schema) {
    validator.SetRules(opts.check_metadata_schema ? &*schema : nullptr,
                       schema->kind().value_or(DocumentKind::kEmbeddedChunk));
  }
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
      batch_errors.push_back(RowErrorAt(batch, i, std::string(st.message())));
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
      Result<int64_t> rejects_bytes = rejects.Sync();
      if (!rejects_bytes.ok()) {
        fatal = rejects_bytes.status();
        break;
      }
      cp.state = CheckpointState("running", *rejects_bytes);
      // Rows the store refuses (duplicate ids) are recorded, and the rejects
      // file flushed, inside the batch's transaction: the checkpoint that
      // commits with the batch then covers their lines too, and a crash
      // either keeps both or redoes both.
      cp.before_commit = [&](const WriteResult& r, Checkpoint* c) -> Status {
        if (r.rejected.empty()) return Status::OK();
        for (const auto& [row, msg] : r.rejected) {
          TRIB_RETURN_NOT_OK(add_error(RowErrorAt(batch, row, msg)));
        }
        TRIB_ASSIGN_OR_RETURN(int64_t bytes, rejects.Sync());
        c->state = CheckpointState("running", bytes);
        return Status::OK();
      };
      auto wr = good.empty() ? store->WriteBatch(opts.collection, empty, good, opts.mode, &cp)
                             : store->WriteBatch(opts.collection, batch, good, opts.mode, &cp);
      cp.before_commit = nullptr;
      if (!wr.ok()) {
        fatal = wr.status();
      } else {
        report.inserted_rows += wr->inserted;
        report.updated_rows += wr->updated;
        report.skipped_rows += wr->skipped;
        cp.rows_written += wr->inserted + wr->updated;
        cp.rows_skipped += wr->skipped;
        successful += wr->inserted + wr->updated + wr->skipped;
        // Failures the store found belong in the checkpoint too.
        if (!wr->rejected.empty()) cp.rows_failed = failed;
      }
    } else if (opts.dry_run && fatal.ok()) {
      size_t refused = 0;
      if (dry_dups) {
        fatal = dry_dups->Find(batch, good, &dup_rows);
        for (size_t row : dup_rows) {
          Status st = add_error(RowErrorAt(batch, row, "Duplicate id: " + std::string(batch.id.Get(row))));
          if (fatal.ok()) fatal = st;
        }
        refused = dup_rows.size();
      }
      successful += static_cast<int64_t>(good.size() - refused);
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
  if (dry_dups && dry_dups->full()) {
    report.warnings.push_back("the dry run looked for repeated ids among the first " +
                              std::to_string(DryRunDuplicates::kMaxIds) +
                              " accepted records only; repeats after them were not checked");
  }
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
      cp.state = CheckpointState("completed", 0);
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
  if (!r.warnings.empty()) {
    o += ",\"warnings\":[";
    for (size_t i = 0; i < r.warnings.size(); ++i) {
      if (i) o += ',';
      AppendJsonString(r.warnings[i], &o);
    }
    o += ']';
  }
  o += '}';
  return o;
}

}  // namespace tributary
