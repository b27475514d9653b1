// JobDb: where the service keeps its jobs, so they survive a restart (even
// SIGKILL). A SQLite database (<data-dir>/service.db, WAL mode) with one row
// per job; the capped error list and the job's parameters are JSON text.
//
// Writes use synchronous=NORMAL: a process crash loses nothing written; a
// power loss may lose the last progress updates, which a resumed job
// recomputes from the store's checkpoint anyway.
//
// Thread-safety: all methods are thread-safe (one connection behind a mutex).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/jobs/job.h"

struct sqlite3;

namespace tributary {

class JobDb {
 public:
  // Opens or creates the database at path.
  static Result<std::unique_ptr<JobDb>> Open(const std::string& path);
  ~JobDb();
  JobDb(const JobDb&) = delete;
  JobDb& operator=(const JobDb&) = delete;

  // Inserts or replaces the job's row.
  Status Put(const JobState& job);
  Status Delete(const std::string& id);
  // Every job, oldest first.
  Result<std::vector<JobState>> LoadAll();

 private:
  JobDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Exec(const char* sql);
  Status Error(int rc, const char* what) const;

  std::mutex mu_;
  sqlite3* db_;
  std::string path_;
};

}  // namespace tributary
