#include "tributary/jobs/job_manager.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "tributary/core/json.h"
#include "tributary/core/log.h"
#include "tributary/core/time_util.h"
#include "tributary/pipeline/export.h"
#include "tributary/pipeline/import.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kPersistIntervalMicros = 500 * 1000;

bool LooksLikeJobId(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  size_t pos = 0;
  while ((pos = s->find(from, pos)) != std::string::npos) {
    s->replace(pos, from.size(), to);
    pos += to.size();
  }
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The import engine's checkpoint state is {"state":"...",...} (or a bare word).
bool CheckpointSaysCompleted(const std::string& state) {
  if (state == "completed") return true;
  auto v = JsonValue::Parse(state);
  if (!v.ok() || !v->is_object()) return false;
  const JsonValue* s = v->Find("state");
  return s && s->is_string() && s->str() == "completed";
}

uint64_t TreeSize(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

}  // namespace

JobManager::JobManager(Store* store, JobManagerOptions options, std::unique_ptr<JobDb> db, AuditLog* audit,
                       JobObserver* observer)
    : store_(store),
      options_(std::move(options)),
      jobs_dir_(options_.data_dir + "/jobs"),
      db_(std::move(db)),
      audit_(audit),
      observer_(observer) {}

Result<std::unique_ptr<JobManager>> JobManager::Open(Store* store, const JobManagerOptions& options, AuditLog* audit,
                                                     JobObserver* observer) {
  std::error_code ec;
  fs::create_directories(options.data_dir + "/jobs", ec);
  if (ec) return Status::IOError("cannot create " + options.data_dir + "/jobs: " + ec.message());
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<JobDb> db, JobDb::Open(options.data_dir + "/service.db"));
  std::unique_ptr<JobManager> m(new JobManager(store, options, std::move(db), audit, observer));
  TRIB_RETURN_NOT_OK(m->Recover());
  int n = options.workers > 0 ? options.workers : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) m->workers_.emplace_back([p = m.get()] { p->WorkerLoop(); });
  m->sweeper_ = std::thread([p = m.get()] { p->SweeperLoop(); });
  return m;
}

JobManager::~JobManager() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, e] : jobs_) {
      if (e->state.status == JobStatus::kRunning) e->cancel.store(true);
    }
  }
  cv_.notify_all();
  done_cv_.notify_all();
  sweep_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  if (sweeper_.joinable()) sweeper_.join();
}

std::string JobManager::JobDir(const std::string& id) const { return jobs_dir_ + "/" + id; }
std::string JobManager::UploadPath(const std::string& id) const { return JobDir(id) + "/upload"; }
std::string JobManager::UploadPartPath(const std::string& id) const { return JobDir(id) + "/upload.part"; }
std::string JobManager::DiscardedUploadPath(const std::string& id) const { return JobDir(id) + "/upload.discarded"; }

std::shared_ptr<UploadFeed> JobManager::BeginUpload(const std::string& id, int64_t expected_bytes) {
  auto feed = std::make_shared<UploadFeed>(UploadPartPath(id), UploadPath(id), expected_bytes);
  std::lock_guard<std::mutex> lock(mu_);
  uploads_[id] = feed;
  return feed;
}

void JobManager::EndUpload(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  uploads_.erase(id);
}

std::optional<JobState> JobManager::AbortUpload(const std::shared_ptr<UploadFeed>& feed, const std::string& id,
                                                const std::string& reason, int wait_ms) {
  feed->Fail(reason);
  std::shared_ptr<Entry> e;
  JobState failed;
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return std::nullopt;
    e = it->second;
    if (e->state.status != JobStatus::kQueued) {
      done_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return IsFinal(e->state.status); });
      return e->state;
    }
    auto q = std::find(queue_.begin(), queue_.end(), id);
    if (q != queue_.end()) queue_.erase(q);
    e->state.status = JobStatus::kFailed;
    e->state.error = reason;
    e->state.completed_at = NowMicros();
    failed = e->state;
  }
  Finish(e, failed);
  return failed;
}
std::string JobManager::ErrorsPath(const std::string& id) const { return JobDir(id) + "/errors.jsonl"; }
std::string JobManager::ExportPath(const JobState& job) const {
  return JobDir(job.id) + "/export." + std::string(FormatExtension(job.format));
}

Result<std::string> JobManager::PrepareJobDir(const std::string& id) {
  if (!LooksLikeJobId(id)) return Status::InvalidArgument("not a job id");
  std::string dir = JobDir(id);
  if (::mkdir(dir.c_str(), 0700) != 0) return Status::IOError("cannot create a job directory: " + std::string(std::strerror(errno)));
  return dir;
}

void JobManager::DiscardJobDir(const std::string& id) {
  if (!LooksLikeJobId(id)) return;
  std::error_code ec;
  fs::remove_all(JobDir(id), ec);
}

std::string JobManager::Clean(const std::string& message, const JobState& job) const {
  std::string m = message;
  std::string shown = "upload";
  if (job.kind == JobKind::kImport) {
    auto p = ImportJobParams::FromJson(job.params_json);
    if (p.ok() && !p->filename.empty()) shown = p->filename;
  }
  ReplaceAll(&m, UploadPath(job.id), shown);
  ReplaceAll(&m, JobDir(job.id) + "/", "");
  std::error_code ec;
  std::string abs = fs::absolute(options_.data_dir, ec).lexically_normal().string();
  if (!abs.empty() && abs.back() == '/') abs.pop_back();
  ReplaceAll(&m, abs, "<data-dir>");
  ReplaceAll(&m, options_.data_dir, "<data-dir>");
  return m;
}

void JobManager::PersistState(const JobState& s) {
  Status st = db_->Put(s);
  if (!st.ok()) Log(LogLevel::kError, "job " + s.id + ": cannot persist its state: " + st.message());
}

void JobManager::Persist(const std::shared_ptr<Entry>& e) {
  JobState s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = e->state;
    e->last_persist = NowMicros();
  }
  PersistState(s);
}

Status JobManager::Recover() {
  TRIB_ASSIGN_OR_RETURN(std::vector<JobState> all, db_->LoadAll());
  int requeued = 0;
  for (JobState& s : all) {
    auto e = std::make_shared<Entry>();
    if (!IsFinal(s.status)) {
      // Interrupted (running) or never started (queued): run it again.
      s.status = JobStatus::kQueued;
      queue_.push_back(s.id);
      ++requeued;
    }
    std::error_code ec;
    if (IsFinal(s.status)) fs::remove(DiscardedUploadPath(s.id), ec);  // left by a crash in Finish
    e->state = std::move(s);
    jobs_.emplace(e->state.id, e);
  }
  // Directories of uploads that never became jobs (a crash mid-upload).
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(jobs_dir_, ec)) {
    std::string name = d.path().filename().string();
    if (jobs_.count(name) == 0) fs::remove_all(d.path(), ec);
  }
  if (!all.empty()) {
    Log(LogLevel::kInfo, "job database: " + std::to_string(all.size()) + " jobs, " + std::to_string(requeued) +
                             " queued again");
  }
  return Status::OK();
}

Result<JobState> JobManager::Submit(JobState job) {
  job.status = JobStatus::kQueued;
  job.created_at = NowMicros();
  job.started_at = 0;
  job.completed_at = 0;
  auto e = std::make_shared<Entry>();
  e->state = job;
  TRIB_RETURN_NOT_OK(db_->Put(job));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::Unsupported("the service is shutting down");
    jobs_.emplace(job.id, e);
    queue_.push_back(job.id);
  }
  cv_.notify_one();
  return job;
}

std::optional<JobState> JobManager::Get(const std::string& tenant, JobKind kind, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->state.tenant != tenant || it->second->state.kind != kind) return std::nullopt;
  return it->second->state;
}

std::vector<JobState> JobManager::List(const std::string& tenant, JobKind kind) {
  std::vector<JobState> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, e] : jobs_) {
      if (e->state.tenant == tenant && e->state.kind == kind) out.push_back(e->state);
    }
  }
  std::sort(out.begin(), out.end(), [](const JobState& a, const JobState& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id < b.id;
  });
  return out;
}

std::vector<JobState> JobManager::Snapshot() {
  std::vector<JobState> out;
  std::lock_guard<std::mutex> lock(mu_);
  out.reserve(jobs_.size());
  for (const auto& [id, e] : jobs_) out.push_back(e->state);
  return out;
}

bool JobManager::HasActiveJobs(const std::string& tenant, const std::string& dataset) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, e] : jobs_) {
    if (e->state.tenant == tenant && e->state.dataset == dataset && !IsFinal(e->state.status)) return true;
  }
  return false;
}

Result<JobState> JobManager::Cancel(const std::string& tenant, JobKind kind, const std::string& id, int wait_ms) {
  std::shared_ptr<Entry> e;
  JobState queued_snapshot;
  bool was_queued = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second->state.tenant != tenant || it->second->state.kind != kind) {
      return Status::NotFound("no such job");
    }
    e = it->second;
    if (IsFinal(e->state.status)) return e->state;
    e->user_cancelled = true;
    if (e->state.status == JobStatus::kQueued) {
      auto q = std::find(queue_.begin(), queue_.end(), id);
      if (q != queue_.end()) queue_.erase(q);
      e->state.status = JobStatus::kCancelled;
      e->state.completed_at = NowMicros();
      e->state.error = "cancelled";
      queued_snapshot = e->state;
      was_queued = true;
    } else {
      e->cancel.store(true);
      done_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return IsFinal(e->state.status); });
      return e->state;
    }
  }
  if (was_queued) {
    PersistState(queued_snapshot);
    std::error_code ec;
    fs::remove(UploadPath(id), ec);
    fs::remove(UploadPartPath(id), ec);
    if (observer_) observer_->OnJobFinished(queued_snapshot);
  }
  return queued_snapshot;
}

JobManager::Removed JobManager::RemoveFinishedBefore(int64_t cutoff, const std::string& tenant) {
  std::vector<JobState> victims;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      const JobState& s = it->second->state;
      if (IsFinal(s.status) && s.completed_at <= cutoff && (tenant.empty() || s.tenant == tenant)) {
        victims.push_back(s);
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  Removed removed;
  for (const JobState& s : victims) {
    removed.bytes += TreeSize(JobDir(s.id));
    std::error_code ec;
    fs::remove_all(JobDir(s.id), ec);
    if (s.kind == JobKind::kImport) {
      Status st = store_->DeleteCheckpoint(CollectionRef{s.tenant, s.dataset}, s.id);
      (void)st;  // the collection may be gone; nothing to delete then
    }
    Status st = db_->Delete(s.id);
    if (!st.ok()) Log(LogLevel::kError, "job " + s.id + ": " + st.message());
    ++removed.jobs;
  }
  return removed;
}

Status JobManager::SetImportBatchSize(const std::string& id, size_t batch_size) {
  JobState s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second->state.kind != JobKind::kImport) return Status::NotFound("no import " + id);
    Entry& e = *it->second;
    TRIB_ASSIGN_OR_RETURN(ImportJobParams p, ImportJobParams::FromJson(e.state.params_json));
    p.batch_size = batch_size;
    e.state.params_json = p.ToJson();
    e.batch_size->store(batch_size);
    s = e.state;
  }
  PersistState(s);
  return Status::OK();
}

void JobManager::Forget(const std::string& id) {
  JobState s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || !IsFinal(it->second->state.status)) return;
    s = it->second->state;
    jobs_.erase(it);
  }
  std::error_code ec;
  fs::remove_all(JobDir(id), ec);
  if (s.kind == JobKind::kImport) {
    Status st = store_->DeleteCheckpoint(CollectionRef{s.tenant, s.dataset}, id);
    (void)st;
  }
  Status st = db_->Delete(id);
  if (!st.ok()) Log(LogLevel::kError, "job " + id + ": " + st.message());
}

void JobManager::SweeperLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    sweep_cv_.wait_for(lock, std::chrono::milliseconds(options_.sweep_interval_ms));
    if (stopping_) break;
    lock.unlock();
    int64_t cutoff = NowMicros() - options_.retention_seconds * 1000000;
    Removed r = RemoveFinishedBefore(cutoff, "");
    if (r.jobs > 0) {
      Log(LogLevel::kInfo, "retention: removed " + std::to_string(r.jobs) + " finished jobs (" +
                               std::to_string(r.bytes) + " bytes)");
      if (audit_) {
        audit_->Record({"", "system", "jobs.retention", "", "", "completed",
                        "removed " + std::to_string(r.jobs) + " jobs older than " +
                            std::to_string(options_.retention_seconds) + "s"});
      }
    }
    lock.lock();
  }
}

void JobManager::WorkerLoop() {
  while (true) {
    std::shared_ptr<Entry> e;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      std::string id = queue_.front();
      queue_.pop_front();
      auto it = jobs_.find(id);
      if (it == jobs_.end() || it->second->state.status != JobStatus::kQueued) continue;
      e = it->second;
      e->state.status = JobStatus::kRunning;
      if (e->state.started_at == 0) e->state.started_at = NowMicros();
      e->state.attempts += 1;
    }
    Persist(e);
    if (e->state.kind == JobKind::kImport) {
      RunImportJob(e);
    } else {
      RunExportJob(e);
    }
  }
}

void JobManager::Finish(const std::shared_ptr<Entry>& e, JobState s) {
  bool requeue;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.params_json = e->state.params_json;  // SetImportBatchSize may have changed it
    // Interrupted by shutdown, not by a user: it runs again at the next start.
    requeue = stopping_ && !e->user_cancelled && s.status == JobStatus::kCancelled;
    if (requeue) {
      e->state.status = JobStatus::kQueued;
      s = e->state;
    }
  }
  if (requeue) {
    PersistState(s);
    done_cv_.notify_all();
    return;
  }
  // Persisted and counted before anyone can see it finished.
  PersistState(s);
  if (observer_) observer_->OnJobFinished(s);
  // The upload's name goes before anyone can see the job finished; its
  // blocks are freed after (unlinking a large file takes tens of ms).
  std::error_code ec;
  const std::string discarded = DiscardedUploadPath(s.id);
  fs::rename(UploadPath(s.id), discarded, ec);
  if (ec) fs::rename(UploadPartPath(s.id), discarded, ec);
  if (s.kind == JobKind::kImport) {
    Status st = store_->DeleteCheckpoint(CollectionRef{s.tenant, s.dataset}, s.id);
    (void)st;  // a missing collection has no checkpoint left
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    e->state = s;
  }
  if (audit_) {
    audit_->Record({s.tenant, s.key_id, std::string(JobKindName(s.kind)) + ".finish", s.dataset, s.id,
                    std::string(JobStatusName(s.status)), s.error});
  }
  Log(LogLevel::kInfo, std::string(JobKindName(s.kind)) + " " + s.id + " (" + s.tenant + "/" + s.dataset + "): " +
                           std::string(JobStatusName(s.status)) +
                           (s.kind == JobKind::kImport
                                ? ", " + std::to_string(s.successful_rows) + " rows ok, " +
                                      std::to_string(s.failed_rows) + " failed"
                                : ", " + std::to_string(s.exported_vectors) + " records") +
                           (s.error.empty() ? "" : ": " + s.error));
  done_cv_.notify_all();
  fs::remove(discarded, ec);
}

Status JobManager::TrimErrors(const std::shared_ptr<Entry>& e, int64_t records_done) {
  const std::string id = e->state.id;
  const std::string rows_path = JobDir(id) + "/errors.rows";
  const std::string errors_path = ErrorsPath(id);
  // errors.rows holds the record number of each line of errors.jsonl, as
  // 8-byte integers; keep the lines of records that are committed.
  std::vector<int64_t> rows;
  {
    int fd = ::open(rows_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      int64_t v;
      while (::read(fd, &v, sizeof(v)) == static_cast<ssize_t>(sizeof(v))) rows.push_back(v);
      ::close(fd);
    }
  }
  size_t keep = 0;
  while (keep < rows.size() && rows[keep] <= records_done) ++keep;
  std::vector<std::string> listed;
  uint64_t offset = 0;
  size_t lines = 0;
  {
    int fd = ::open(errors_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      std::string line;
      char buf[1 << 16];
      ssize_t n;
      bool done = keep == 0;
      while (!done && (n = ::read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; ++i) {
          ++offset;
          if (buf[i] != '\n') {
            if (listed.size() < options_.errors_listed) line.push_back(buf[i]);
            continue;
          }
          if (listed.size() < options_.errors_listed) listed.push_back(std::move(line));
          line.clear();
          if (++lines == keep) {
            done = true;
            break;
          }
        }
      }
      ::close(fd);
    }
  }
  if (lines < keep) keep = lines;  // a line cut short by the crash
  if (::truncate(rows_path.c_str(), static_cast<off_t>(keep * sizeof(int64_t))) != 0 && errno != ENOENT) {
    return Status::IOError("cannot trim the job's error list");
  }
  if (::truncate(errors_path.c_str(), static_cast<off_t>(keep == 0 ? 0 : offset)) != 0 && errno != ENOENT) {
    return Status::IOError("cannot trim the job's error list");
  }
  std::lock_guard<std::mutex> lock(mu_);
  e->state.errors = std::move(listed);
  return Status::OK();
}

void JobManager::RunImportJob(const std::shared_ptr<Entry>& e) {
  JobState s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = e->state;
  }
  auto fail = [&](const std::string& why) {
    s.status = JobStatus::kFailed;
    s.error = Clean(why, s);
    s.completed_at = NowMicros();
    Finish(e, s);
  };
  auto params = ImportJobParams::FromJson(s.params_json);
  if (!params.ok()) return fail(params.status().message());
  const CollectionRef ref{s.tenant, s.dataset};

  // Where an earlier run of this job stopped (a restart), from the checkpoint
  // committed with its last batch.
  int64_t records_done = 0;
  int64_t written_before = 0, skipped_before = 0;
  auto cp = store_->LoadCheckpoint(ref, s.id);
  if (cp.ok() && cp->has_value()) {
    const Checkpoint& c = **cp;
    records_done = c.records_done;
    written_before = c.rows_written;
    skipped_before = c.rows_skipped;
    if (CheckpointSaysCompleted(c.state)) {
      // Finished before the crash, but the final state was never recorded.
      Status st = TrimErrors(e, c.records_done);
      {
        std::lock_guard<std::mutex> lock(mu_);
        s.errors = e->state.errors;
      }
      s.total_rows = s.processed_rows = c.records_done;
      s.successful_rows = c.rows_written + c.rows_skipped;
      s.failed_rows = c.rows_failed;
      s.inserted_rows = c.rows_written;
      s.skipped_rows = c.rows_skipped;
      s.status = s.failed_rows == 0 ? JobStatus::kCompleted
                 : s.successful_rows > 0 ? JobStatus::kCompletedWithErrors : JobStatus::kFailed;
      if (s.status == JobStatus::kFailed) s.error = "every row failed";
      s.progress = 100;
      s.completed_at = NowMicros();
      return Finish(e, s);
    }
  }
  Status st = TrimErrors(e, records_done);
  if (!st.ok()) return fail(st.message());

  ImportOptions o;
  o.collection = ref;
  o.input_path = UploadPath(s.id);
  std::shared_ptr<UploadFeed> feed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = uploads_.find(s.id);
    if (it != uploads_.end()) feed = it->second;
  }
  if (feed && s.format == Format::kParquet) {
    // Parquet's footer is at the end: wait for the whole file.
    Status done = feed->WaitDone();
    if (!done.ok()) return fail(done.message());
    feed.reset();
  }
  if (feed) {
    o.open_input = [feed, name = UploadPath(s.id)] { return feed->OpenTail(name); };
  } else {
    std::error_code ec;
    if (!fs::exists(UploadPath(s.id), ec)) {
      s.total_rows = s.processed_rows = records_done;
      s.successful_rows = s.inserted_rows = written_before;
      s.skipped_rows = skipped_before;
      s.successful_rows += skipped_before;
      return fail(fs::exists(UploadPartPath(s.id), ec)
                      ? "the upload was cut off by a restart of the service before it was complete; upload the file "
                        "again (" + std::to_string(records_done) + " records were imported before)"
                      : "the uploaded file is gone");
    }
  }
  o.format = s.format;
  o.batch_size = params->batch_size;
  {
    // SetImportBatchSize may change it while the job runs.
    std::lock_guard<std::mutex> lock(mu_);
    if (e->batch_size->load() == 0) e->batch_size->store(params->batch_size);
  }
  o.read.live_batch_rows = e->batch_size;
  o.mode = params->mode;
  o.dimension = params->dimension;
  o.max_errors = params->max_errors;
  o.max_errors_kept = 0;  // the job keeps its own list, below
  o.job_id = s.id;
  o.resume = true;
  for (const std::string& m : params->mappings) {
    Status ms = o.read.mapping.Add(m);
    if (!ms.ok()) return fail(ms.message());
  }
  o.read.unknown_fields = params->unknown_fields;
  o.read.generate_ids = params->generate_ids;
  o.read.allow_non_finite = params->allow_non_finite;

  int efd = ::open(ErrorsPath(s.id).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  int rfd = ::open((JobDir(s.id) + "/errors.rows").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (efd < 0 || rfd < 0) {
    if (efd >= 0) ::close(efd);
    if (rfd >= 0) ::close(rfd);
    return fail("cannot create the job's error list: " + std::string(std::strerror(errno)));
  }
  std::string line;
  bool error_io_failed = false;
  // Every rejected row goes to errors.jsonl before the batch it belongs to
  // commits, so the list is complete after a crash (and trimmed on resume).
  o.on_row_error = [&](const RowError& err) {
    line.clear();
    AppendRowErrorJson(err, &line);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (e->state.errors.size() < options_.errors_listed) e->state.errors.push_back(line);
    }
    line.push_back('\n');
    int64_t row = err.origin.row;
    if (!WriteAll(efd, line) || !WriteAll(rfd, std::string_view(reinterpret_cast<const char*>(&row), sizeof(row)))) {
      error_io_failed = true;
    }
  };

  auto progress = [&](const ImportProgress& p) {
    bool persist = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      JobState& js = e->state;
      js.total_rows = js.processed_rows = p.records_read;
      js.successful_rows = p.successful_rows;
      js.failed_rows = p.failed_rows;
      js.bytes_done = p.bytes_read;
      js.progress = std::min(99.9, p.percentage);
      int64_t now = NowMicros();
      if (now - e->last_persist >= kPersistIntervalMicros) {
        persist = true;
        e->last_persist = now;
      }
    }
    if (persist) Persist(e);
  };

  auto report = RunImport(store_, o, progress, &e->cancel);
  ::close(efd);
  ::close(rfd);
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.errors = e->state.errors;
  }
  s.completed_at = NowMicros();
  if (!report.ok()) return fail(report.status().message());
  const ImportReport& r = *report;
  s.status = r.status;
  s.format = r.format;
  s.total_rows = r.total_rows;
  s.processed_rows = r.processed_rows;
  s.successful_rows = r.successful_rows;
  s.failed_rows = r.failed_rows;
  s.inserted_rows = r.inserted_rows + (r.resumed_from > 0 ? written_before : 0);
  s.updated_rows = r.updated_rows;
  s.skipped_rows = r.skipped_rows + (r.resumed_from > 0 ? skipped_before : 0);
  s.bytes_done = r.bytes_read;
  // An upload's size was only bounded (by the request's Content-Length)
  // when the job began; a job that read all of its input knows it exactly.
  if (r.status == JobStatus::kCompleted || r.status == JobStatus::kCompletedWithErrors) {
    s.bytes_total = r.bytes_read;
  }
  s.progress = r.progress_percentage;
  s.error = r.error.empty() ? "" : Clean(r.error, s);
  if (error_io_failed && s.error.empty()) s.error = "some rejected rows could not be written to the error list";
  Finish(e, s);
}

void JobManager::RunExportJob(const std::shared_ptr<Entry>& e) {
  JobState s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = e->state;
  }
  auto params = ExportJobParams::FromJson(s.params_json);
  if (!params.ok()) {
    s.status = JobStatus::kFailed;
    s.error = params.status().message();
    s.completed_at = NowMicros();
    return Finish(e, s);
  }
  // A restarted export starts again from nothing.
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(JobDir(s.id), ec)) {
    if (f.path().filename().string().rfind("export", 0) == 0) fs::remove(f.path(), ec);
  }
  fs::create_directories(JobDir(s.id), ec);
  ExportOptions o;
  o.collection = CollectionRef{s.tenant, s.dataset};
  o.output_path = ExportPath(s);
  o.format = params->format;
  o.compression = Compression::kNone;
  o.filter_json = params->filter_json;
  o.limit = params->limit;
  o.job_id = s.id;
  auto progress = [&](const ExportProgress& p) {
    bool persist = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      e->state.total_vectors = p.total;
      e->state.exported_vectors = p.exported;
      e->state.progress = std::min(99.9, p.percentage);
      int64_t now = NowMicros();
      if (now - e->last_persist >= kPersistIntervalMicros) {
        persist = true;
        e->last_persist = now;
      }
    }
    if (persist) Persist(e);
  };
  auto report = RunExport(store_, o, progress, &e->cancel);
  s.completed_at = NowMicros();
  if (!report.ok()) {
    s.status = JobStatus::kFailed;
    s.error = Clean(report.status().message(), s);
    return Finish(e, s);
  }
  const ExportReport& r = *report;
  s.total_vectors = r.total_vectors;
  s.exported_vectors = r.exported_vectors;
  if (r.status == "completed") {
    s.status = JobStatus::kCompleted;
    s.file_size = r.file_size;
    s.sha256 = r.sha256;
    s.progress = 100;
  } else if (r.status == "cancelled") {
    s.status = JobStatus::kCancelled;
    s.error = "cancelled";
  } else {
    s.status = JobStatus::kFailed;
    s.error = Clean(r.error, s);
  }
  Finish(e, s);
}

}  // namespace tributary
