#include "tributary/jobs/job_db.h"

#include <sqlite3.h>

#include "tributary/core/json.h"

namespace tributary {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  tenant TEXT NOT NULL,
  dataset TEXT NOT NULL,
  key_id TEXT NOT NULL,
  status TEXT NOT NULL,
  format TEXT NOT NULL,
  params TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  completed_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  total_rows INTEGER NOT NULL,
  processed_rows INTEGER NOT NULL,
  successful_rows INTEGER NOT NULL,
  failed_rows INTEGER NOT NULL,
  inserted_rows INTEGER NOT NULL,
  updated_rows INTEGER NOT NULL,
  skipped_rows INTEGER NOT NULL,
  bytes_total INTEGER NOT NULL,
  bytes_done INTEGER NOT NULL,
  errors TEXT NOT NULL,
  total_vectors INTEGER NOT NULL,
  exported_vectors INTEGER NOT NULL,
  file_size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  progress REAL NOT NULL,
  error TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_tenant ON jobs(tenant, kind, created_at);
)sql";

constexpr const char* kPut =
    "INSERT OR REPLACE INTO jobs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

constexpr const char* kSelect =
    "SELECT id, kind, tenant, dataset, key_id, status, format, params, created_at, started_at, completed_at, "
    "attempts, total_rows, processed_rows, successful_rows, failed_rows, inserted_rows, updated_rows, "
    "skipped_rows, bytes_total, bytes_done, errors, total_vectors, exported_vectors, file_size, sha256, "
    "progress, error FROM jobs ORDER BY created_at, id";

struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

void BindText(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string ColumnText(sqlite3_stmt* s, int i) {
  const unsigned char* p = sqlite3_column_text(s, i);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s, i)))
           : std::string();
}

}  // namespace

Result<std::unique_ptr<JobDb>> JobDb::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IOError("cannot open job database " + path + ": " + msg);
  }
  std::unique_ptr<JobDb> jdb(new JobDb(db, path));
  sqlite3_busy_timeout(db, 10000);
  TRIB_RETURN_NOT_OK(jdb->Exec("PRAGMA journal_mode=WAL"));
  TRIB_RETURN_NOT_OK(jdb->Exec("PRAGMA synchronous=NORMAL"));
  TRIB_RETURN_NOT_OK(jdb->Exec(kSchema));
  return jdb;
}

JobDb::~JobDb() { sqlite3_close(db_); }

Status JobDb::Error(int rc, const char* what) const {
  return Status::IOError(std::string("job database ") + path_ + ": " + what + ": " + sqlite3_errmsg(db_) +
                         " (" + std::to_string(rc) + ")");
}

Status JobDb::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "error";
    sqlite3_free(err);
    return Status::IOError("job database " + path_ + ": " + msg);
  }
  return Status::OK();
}

Status JobDb::Put(const JobState& j) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st;
  int rc = sqlite3_prepare_v2(db_, kPut, -1, &st.s, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "prepare");
  std::string errors = "[";
  for (size_t i = 0; i < j.errors.size(); ++i) {
    if (i) errors += ',';
    errors += j.errors[i];
  }
  errors += ']';
  int i = 1;
  BindText(st.s, i++, j.id);
  BindText(st.s, i++, JobKindName(j.kind));
  BindText(st.s, i++, j.tenant);
  BindText(st.s, i++, j.dataset);
  BindText(st.s, i++, j.key_id);
  BindText(st.s, i++, JobStatusName(j.status));
  BindText(st.s, i++, FormatName(j.format));
  BindText(st.s, i++, j.params_json);
  for (int64_t v : {j.created_at, j.started_at, j.completed_at, static_cast<int64_t>(j.attempts), j.total_rows,
                    j.processed_rows, j.successful_rows, j.failed_rows, j.inserted_rows, j.updated_rows,
                    j.skipped_rows, static_cast<int64_t>(j.bytes_total), static_cast<int64_t>(j.bytes_done)}) {
    sqlite3_bind_int64(st.s, i++, v);
  }
  BindText(st.s, i++, errors);
  for (int64_t v : {j.total_vectors, j.exported_vectors, static_cast<int64_t>(j.file_size)}) {
    sqlite3_bind_int64(st.s, i++, v);
  }
  BindText(st.s, i++, j.sha256);
  sqlite3_bind_double(st.s, i++, j.progress);
  BindText(st.s, i++, j.error);
  rc = sqlite3_step(st.s);
  if (rc != SQLITE_DONE) return Error(rc, "write job");
  return Status::OK();
}

Status JobDb::Delete(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st;
  int rc = sqlite3_prepare_v2(db_, "DELETE FROM jobs WHERE id = ?", -1, &st.s, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "prepare");
  BindText(st.s, 1, id);
  rc = sqlite3_step(st.s);
  if (rc != SQLITE_DONE) return Error(rc, "delete job");
  return Status::OK();
}

Result<std::vector<JobState>> JobDb::LoadAll() {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st;
  int rc = sqlite3_prepare_v2(db_, kSelect, -1, &st.s, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "prepare");
  std::vector<JobState> jobs;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    JobState j;
    int c = 0;
    j.id = ColumnText(st.s, c++);
    TRIB_ASSIGN_OR_RETURN(j.kind, ParseJobKind(ColumnText(st.s, c++)));
    j.tenant = ColumnText(st.s, c++);
    j.dataset = ColumnText(st.s, c++);
    j.key_id = ColumnText(st.s, c++);
    auto status = ParseJobStatus(ColumnText(st.s, c++));
    if (!status.ok()) return Status::InvalidData("job " + j.id + ": " + status.status().message());
    j.status = *status;
    auto format = ParseFormatName(ColumnText(st.s, c++));
    if (!format.ok()) return Status::InvalidData("job " + j.id + ": " + format.status().message());
    j.format = *format;
    j.params_json = ColumnText(st.s, c++);
    j.created_at = sqlite3_column_int64(st.s, c++);
    j.started_at = sqlite3_column_int64(st.s, c++);
    j.completed_at = sqlite3_column_int64(st.s, c++);
    j.attempts = static_cast<int>(sqlite3_column_int64(st.s, c++));
    j.total_rows = sqlite3_column_int64(st.s, c++);
    j.processed_rows = sqlite3_column_int64(st.s, c++);
    j.successful_rows = sqlite3_column_int64(st.s, c++);
    j.failed_rows = sqlite3_column_int64(st.s, c++);
    j.inserted_rows = sqlite3_column_int64(st.s, c++);
    j.updated_rows = sqlite3_column_int64(st.s, c++);
    j.skipped_rows = sqlite3_column_int64(st.s, c++);
    j.bytes_total = static_cast<uint64_t>(sqlite3_column_int64(st.s, c++));
    j.bytes_done = static_cast<uint64_t>(sqlite3_column_int64(st.s, c++));
    auto errors = JsonValue::Parse(ColumnText(st.s, c++));
    if (errors.ok() && errors->is_array()) {
      for (const JsonValue& e : errors->items()) j.errors.push_back(e.ToString());
    }
    j.total_vectors = sqlite3_column_int64(st.s, c++);
    j.exported_vectors = sqlite3_column_int64(st.s, c++);
    j.file_size = static_cast<uint64_t>(sqlite3_column_int64(st.s, c++));
    j.sha256 = ColumnText(st.s, c++);
    j.progress = sqlite3_column_double(st.s, c++);
    j.error = ColumnText(st.s, c++);
    jobs.push_back(std::move(j));
  }
  if (rc != SQLITE_DONE) return Error(rc, "read jobs");
  return jobs;
}

}  // namespace tributary
