#include "tributary/store/sqlite/sqlite_connection.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "tributary/store/sqlite/write_coalescing_vfs.h"

namespace tributary::sqlite_internal {
namespace {

// How long a connection waits for a lock held by another connection or
// process before giving up with SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 10000;

// Rows carry ~3 KiB vectors; 16 KiB pages hold several rows each without
// overflow chains (the default 4 KiB page fits barely one). Only takes effect
// on a database that has no tables yet.
constexpr const char* kWriterSettings =
    "PRAGMA page_size=16384;"
    "PRAGMA journal_mode=WAL;"
    // In WAL mode NORMAL loses no committed transaction on a process crash
    // (only on power loss, until the next Sync or checkpoint).
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;"
    // 32 MiB: keeps the id index of large collections hot during imports.
    // The store sizes it down for smaller collections (WriterCacheKiB).
    "PRAGMA cache_size=-32768;";

constexpr const char* kReaderSettings =
    "PRAGMA foreign_keys=ON;"
    "PRAGMA query_only=ON;";

// A checkpoint syncs the WAL before copying it and the database after,
// whatever this level (as long as it is not OFF).
constexpr const char* kCheckpointerSettings = "PRAGMA synchronous=NORMAL;";

const char* SettingsFor(Role role) {
  switch (role) {
    case Role::kWriter: return kWriterSettings;
    case Role::kReader: return kReaderSettings;
    case Role::kCheckpointer: return kCheckpointerSettings;
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Role role) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (role == Role::kWriter) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, WriteCoalescingVfs());
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::IOError("cannot open database " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  std::unique_ptr<Connection> conn(new Connection(db, path));
  // SQLite opens lazily; the first statement is where a file that is not a
  // database, or cannot be read, is noticed.
  char* err = nullptr;
  rc = sqlite3_exec(db, SettingsFor(role), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return Status::IOError("cannot open database " + path + ": " + msg);
  }
  if (role == Role::kWriter) {
    // journal_mode answers with the mode in force; anything but "wal" means
    // the file cannot use WAL (e.g. a filesystem without shared memory).
    sqlite3_stmt* stmt = nullptr;
    rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
    std::string mode;
    if (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      if (text != nullptr) mode = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(stmt);
    if (mode != "wal") {
      return Status::IOError("cannot open database " + path +
                             ": WAL journal mode unavailable (journal_mode is '" + mode + "')");
    }
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.stmt);
  sqlite3_close_v2(db_);
}

Status Connection::Exec(const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, what);
  return Status::OK();
}

Result<sqlite3_stmt*> Connection::Cached(const std::string& sql, int64_t group) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second.stmt;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Error(rc, "preparing statement");
  }
  cache_.emplace(sql, Entry{stmt, group});
  return stmt;
}

void Connection::ForgetGroup(int64_t group) {
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->second.group == group) {
      sqlite3_finalize(it->second.stmt);
      it = cache_.erase(it);
    } else {
      ++it;
    }
  }
}

void Connection::TrimCache(size_t max_entries) {
  if (cache_.size() <= max_entries) return;
  for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.stmt);
  cache_.clear();
}

Status Connection::Error(int rc, std::string_view what) const {
  std::string msg(what);
  msg += ": ";
  // sqlite3_errmsg describes the last failed call on this connection; when rc
  // came from elsewhere (a reset after a failed step) fall back to its text.
  if (sqlite3_errcode(db_) != SQLITE_OK) {
    msg += sqlite3_errmsg(db_);
  } else {
    msg += sqlite3_errstr(rc);
  }
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_BUSY:
      return Status::IOError(msg + " (database " + path_ + ")");
    default:
      return Status::Internal(msg);
  }
}

void ConnectionPool::Lease::Reset() {
  if (conn_ == nullptr) return;
  if (pool_ != nullptr) {
    pool_->Release(std::move(conn_));
  }
  conn_.reset();
  pool_.reset();
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(shared_from_this(), std::move(conn));
    }
  }
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(path_, Role::kReader));
  return Lease(shared_from_this(), std::move(conn));
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  // A connection goes back clean: no open read transaction pinning an old
  // snapshot (which would also stop checkpoints from finishing).
  if (sqlite3_get_autocommit(conn->db()) == 0) {
    sqlite3_exec(conn->db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  conn->TrimCache(64);
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
}

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path,
                                                               Limits limits) {
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(path, Role::kCheckpointer));
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(std::move(conn), limits));
  c->thread_ = std::thread([p = c.get()] { p->Run(); });
  return c;
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

void WalCheckpointer::Attach(sqlite3* writer) { sqlite3_wal_hook(writer, &OnCommit, this); }

void WalCheckpointer::StartWalWriteback(int frames) {
  if (limits_.writeback_frames <= 0) return;
  if (frames < writeback_mark_) writeback_mark_ = 0;  // the WAL started over
  if (frames - writeback_mark_ < limits_.writeback_frames) return;
  writeback_mark_ = frames;
  // The WAL exists once a commit wrote to it; it stays while the database is
  // open. Writeback is per file, so a descriptor of our own will do.
  if (wal_fd_ < 0) wal_fd_ = ::open((conn_->path() + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
  // Only a hint: a failure leaves the writeback to the next fsync.
  if (wal_fd_ >= 0) (void)::sync_file_range(wal_fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
}

int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char* schema, int frames) {
  auto* c = static_cast<WalCheckpointer*>(self);
  c->StartWalWriteback(frames);
  std::unique_lock<std::mutex> ckpt(c->ckpt_mu_, std::defer_lock);
  const bool inline_checkpoint =
      frames >= c->limits_.inline_frames &&
      (frames >= 2 * c->limits_.inline_frames ? (ckpt.lock(), true) : ckpt.try_lock());
  if (inline_checkpoint) {
    // An error is no failure of the commit, which stands; the next commit
    // tries again.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (frames >= c->limits_.background_frames) {
    {
      std::lock_guard<std::mutex> lock(c->mu_);
      c->requested_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return requested_ || stop_; });
    if (stop_) return;
    requested_ = false;
    lock.unlock();
    {
      std::lock_guard<std::mutex> ckpt(ckpt_mu_);
      sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    lock.lock();
  }
}

}  // namespace tributary::sqlite_internal
