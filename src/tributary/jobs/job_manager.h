// JobManager: runs the service's asynchronous imports and exports.
//
// A bounded pool of worker threads takes jobs in submission order; jobs
// beyond it wait as `queued`. Every state change is written to the JobDb
// before it is visible, so after a restart (even SIGKILL) every job is still
// there: queued and interrupted jobs are queued again. An interrupted import
// continues from the checkpoint the store committed with its last batch (the
// job id is the checkpoint id), so nothing is lost or doubled; an interrupted
// export starts again.
//
// Each job owns a directory <data-dir>/jobs/<job-id>/ holding its upload
// (deleted as soon as the import finishes; an import may start while its
// upload is still arriving, see UploadFeed), its rejected rows (errors.jsonl)
// and its export file. A background sweeper removes finished jobs, their
// directories and checkpoints once they are older than the retention period.
//
// Jobs belong to a tenant: every lookup takes the caller's tenant and treats
// another tenant's job as missing.
//
// Thread-safety: all public methods are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/jobs/audit_log.h"
#include "tributary/jobs/job.h"
#include "tributary/jobs/job_db.h"
#include "tributary/jobs/upload_feed.h"
#include "tributary/store/store.h"

namespace tributary {

struct JobManagerOptions {
  std::string data_dir;
  int workers = 0;                        // 0 = the number of cores
  int64_t retention_seconds = 24 * 3600;  // finished jobs older than this are removed
  int64_t sweep_interval_ms = 60 * 1000;  // how often the sweeper looks
  size_t errors_listed = 100;             // rejected rows shown in the job object
};

// Told about job transitions (metrics). Called on worker threads, without
// the manager's lock held.
class JobObserver {
 public:
  virtual ~JobObserver() = default;
  virtual void OnJobFinished(const JobState& job) = 0;
};

class JobManager {
 public:
  // Opens the job database, requeues unfinished jobs and starts the workers
  // and the sweeper. store, audit and observer (may be null) must outlive it.
  static Result<std::unique_ptr<JobManager>> Open(Store* store, const JobManagerOptions& options, AuditLog* audit,
                                                  JobObserver* observer);
  // Stops the workers (running jobs stay resumable) and the sweeper.
  ~JobManager();
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // A new job's directory, for its upload. REQUIRES: id is a NewJobId().
  Result<std::string> PrepareJobDir(const std::string& id);
  // Removes a job directory that never became a job (a rejected upload).
  void DiscardJobDir(const std::string& id);
  std::string UploadPath(const std::string& id) const;
  // Where an upload is spooled while it arrives; renamed to UploadPath once
  // it is complete, so after a restart an import whose upload broke off is
  // told apart from one that can resume.
  std::string UploadPartPath(const std::string& id) const;
  // A finished job's upload between losing its name and being unlinked.
  std::string DiscardedUploadPath(const std::string& id) const;

  // Starts an upload for job id (before Submit): the import job reads it as
  // it arrives. The caller completes or fails the feed, then calls
  // EndUpload(id).
  std::shared_ptr<UploadFeed> BeginUpload(const std::string& id, int64_t expected_bytes);
  void EndUpload(const std::string& id);
  // Fails feed with reason and waits (up to wait_ms) for job id, which reads
  // it, to end: a queued job ends failed at once, a running one fails at its
  // next read. Returns the job's state.
  std::optional<JobState> AbortUpload(const std::shared_ptr<UploadFeed>& feed, const std::string& id,
                                      const std::string& reason, int wait_ms = 30000);
  std::string ExportPath(const JobState& job) const;
  std::string ErrorsPath(const std::string& id) const;

  // Sets the batch size of import id (a form field that came after the file
  // of an upload the job already reads): a running job uses it from its next
  // batch on, and it is kept in the job's parameters, so a resumed or later
  // run uses it too.
  Status SetImportBatchSize(const std::string& id, size_t batch_size);

  // Queues a job. job carries id, tenant, dataset, key_id, format and
  // params_json (and for exports total_vectors); the rest is filled in.
  Result<JobState> Submit(JobState job);

  // The job if it exists, is of this kind and belongs to tenant.
  std::optional<JobState> Get(const std::string& tenant, JobKind kind, const std::string& id);
  // The tenant's jobs of a kind, newest first.
  std::vector<JobState> List(const std::string& tenant, JobKind kind);
  // Every job of every tenant (for metrics and stats).
  std::vector<JobState> Snapshot();

  // Cancels a queued or running job and waits (up to wait_ms) for a running
  // one to stop. NotFound as Get; a finished job is returned unchanged.
  Result<JobState> Cancel(const std::string& tenant, JobKind kind, const std::string& id, int wait_ms = 5000);

  // True while the tenant has a queued or running job on dataset.
  bool HasActiveJobs(const std::string& tenant, const std::string& dataset);

  struct Removed {
    int64_t jobs = 0;
    uint64_t bytes = 0;
  };
  // Removes finished jobs completed at or before cutoff (micros since epoch),
  // of tenant (empty = every tenant), with their files and checkpoints.
  Removed RemoveFinishedBefore(int64_t cutoff, const std::string& tenant);

  // Removes finished job id, its files and checkpoint, as if it never
  // existed (an upload rejected after its job started, with nothing imported).
  void Forget(const std::string& id);

  int workers() const { return static_cast<int>(workers_.size()); }

 private:
  struct Entry {
    JobState state;  // guarded by JobManager::mu_
    std::atomic<bool> cancel{false};
    bool user_cancelled = false;  // guarded by mu_
    int64_t last_persist = 0;     // guarded by mu_
    int error_fd = -1;            // errors.jsonl, used by the worker only
    int error_rows_fd = -1;       // errors.rows (record number of each line)
    // A running import's batch size, read before each batch (0 = not set yet).
    std::shared_ptr<std::atomic<size_t>> batch_size = std::make_shared<std::atomic<size_t>>(0);
  };

  JobManager(Store* store, JobManagerOptions options, std::unique_ptr<JobDb> db, AuditLog* audit,
             JobObserver* observer);
  Status Recover();
  void WorkerLoop();
  void SweeperLoop();
  void RunImportJob(const std::shared_ptr<Entry>& e);
  void RunExportJob(const std::shared_ptr<Entry>& e);
  // Writes the final state, tells the observer and the audit log.
  void Finish(const std::shared_ptr<Entry>& e, JobState final_state);
  // Persists e->state (caller holds no lock; takes a snapshot).
  void Persist(const std::shared_ptr<Entry>& e);
  void PersistState(const JobState& s);
  // Keeps the errors of records <= records_done in errors.jsonl, and the
  // first errors_listed of them in the job's list.
  Status TrimErrors(const std::shared_ptr<Entry>& e, int64_t records_done);
  std::string JobDir(const std::string& id) const;
  // A message for users: paths inside the data directory replaced.
  std::string Clean(const std::string& message, const JobState& job) const;

  Store* const store_;
  const JobManagerOptions options_;
  const std::string jobs_dir_;
  std::unique_ptr<JobDb> db_;
  AuditLog* const audit_;
  JobObserver* const observer_;

  std::mutex mu_;
  std::condition_variable cv_;        // queue_ changes, stopping_
  std::condition_variable done_cv_;   // a job finished
  std::condition_variable sweep_cv_;  // stopping_, for the sweeper
  std::unordered_map<std::string, std::shared_ptr<Entry>> jobs_;
  std::unordered_map<std::string, std::shared_ptr<UploadFeed>> uploads_;  // still arriving
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::thread sweeper_;
};

}  // namespace tributary
