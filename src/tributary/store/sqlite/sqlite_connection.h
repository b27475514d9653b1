// One SQLite connection with a cache of prepared statements, and a pool of
// read connections. Private to the SQLite store: nothing outside
// store/sqlite/ includes this header or sees a SQLite type.
//
// Thread-safety: a Connection is not synchronized; its owner makes sure only
// one thread uses it at a time (the store's write mutex, or a pool lease that
// hands a connection to one caller). ConnectionPool is thread-safe.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tributary/core/status.h"

namespace tributary::sqlite_internal {

enum class Role : uint8_t {
  kWriter,        // creates the database, sets WAL mode; the one connection that writes
  kReader,        // query_only
  kCheckpointer,  // copies the WAL into the database file
};

class Connection {
 public:
  // Opens (creating when role is kWriter) the database at path and applies
  // the per-connection settings of role. IOError naming path on failure.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, Role role);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs statements that return no rows.
  Status Exec(const char* sql, std::string_view what);

  // A prepared statement for sql, kept for reuse. Callers reset it when done
  // (StmtScope). group tags statements that belong to one collection's table
  // so they can be finalized when it is dropped; 0 is the catalog.
  Result<sqlite3_stmt*> Cached(const std::string& sql, int64_t group = 0);
  // Finalizes the cached statements of group.
  void ForgetGroup(int64_t group);
  // Keeps the cache bounded. Call only between operations, when no cached
  // statement is in use.
  void TrimCache(size_t max_entries);

  // A Status for a failed SQLite call: IOError (with the database path) for
  // storage-level failures (I/O, full disk, corruption, not a database, lock
  // timeouts), Internal with sqlite3_errmsg for everything else.
  Status Error(int rc, std::string_view what) const;

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  struct Entry {
    sqlite3_stmt* stmt;
    int64_t group;
  };
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, Entry> cache_;
};

// Resets a statement (and drops its bindings, which may point into caller
// memory bound with SQLITE_STATIC) when leaving scope.
class StmtScope {
 public:
  explicit StmtScope(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StmtScope() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StmtScope(const StmtScope&) = delete;
  StmtScope& operator=(const StmtScope&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

// Read connections, opened on demand and kept for reuse. Shared by the store
// and its iterators, so an iterator may outlive the store.
class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  ConnectionPool(std::string path, size_t max_idle) : path_(std::move(path)), max_idle_(max_idle) {}

  // Hands out a connection for exclusive use; it returns to the pool when the
  // lease is destroyed (rolling back any transaction left open).
  class Lease {
   public:
    Lease() = default;
    Lease(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<Connection> conn)
        : pool_(std::move(pool)), conn_(std::move(conn)) {}
    ~Lease() { Reset(); }
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&& other) noexcept {
      Reset();
      pool_ = std::move(other.pool_);
      conn_ = std::move(other.conn_);
      return *this;
    }
    Connection* operator->() const { return conn_.get(); }
    Connection& operator*() const { return *conn_; }
    explicit operator bool() const { return conn_ != nullptr; }
    void Reset();

   private:
    std::shared_ptr<ConnectionPool> pool_;
    std::unique_ptr<Connection> conn_;
  };

  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Connection> conn);

  const std::string path_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

// Checkpoints the WAL from a background thread.
//
// SQLite's automatic checkpoint runs inside the commit that crosses the
// threshold: the writer then copies the WAL into the database file and waits
// for two fsyncs before it can write the next batch. Here the commit only
// wakes a thread with its own connection that runs a PASSIVE checkpoint
// (which never blocks the writer or readers), so the writer goes on
// appending to the WAL meanwhile.
//
// While the writer keeps appending, the background checkpoint never quite
// catches up, and the WAL only starts over from its beginning once every
// frame has been copied, and a WAL that only grows costs more to append to
// (fresh file blocks instead of cached ones). So past a larger bound the
// writer checkpoints inline after its commit when no background pass is
// running, and lets its next transaction restart the WAL from the beginning.
// Past twice that bound it also waits for a background pass in progress, so
// the WAL stays bounded. A reader that holds an old snapshot (a long scan)
// can still make the WAL grow until it finishes, as with SQLite's own
// checkpoints.
//
// Every checkpoint pass fsyncs the WAL before copying it. So that the fsync
// finds the WAL's pages already written, the writer starts the kernel's
// writeback of the WAL (sync_file_range, which does not wait) every few MiB
// it appends: the disk writes while the writer goes on, instead of all at
// once while a checkpoint, and through it the writer, waits.
class WalCheckpointer {
 public:
  // Frames (pages) in the WAL after a commit that wake the background thread,
  // and that make the writer checkpoint inline. With 16 KiB pages: 16 MiB and
  // 64 MiB, so the WAL file stays within 128 MiB and is rewritten in place.
  // A longer interval between checkpoints copies a page rewritten by several
  // transactions (id index pages, with random ids) fewer times.
  struct Limits {
    int background_frames = 1024;
    int inline_frames = 4096;
    // Frames appended between two starts of the WAL's writeback (4 MiB);
    // 0: never.
    int writeback_frames = 256;
  };

  // Opens the checkpointer's own connection to path and starts its thread.
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path, Limits limits);
  // Stops and joins the thread.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Takes over checkpointing for writer (replacing its automatic checkpoint).
  // REQUIRES: this outlives writer.
  void Attach(sqlite3* writer);

 private:
  WalCheckpointer(std::unique_ptr<Connection> conn, Limits limits)
      : conn_(std::move(conn)), limits_(limits) {}
  static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
  // Starts the writeback of the WAL's dirty pages once writeback_frames more
  // were appended. Writer's thread only.
  void StartWalWriteback(int frames);
  void Run();

  std::unique_ptr<Connection> conn_;
  const Limits limits_;
  std::mutex ckpt_mu_;  // held while a checkpoint runs on either thread
  std::mutex mu_;       // guards requested_ and stop_
  std::condition_variable cv_;
  int wal_fd_ = -1;                // writer's thread only: for writeback
  int writeback_mark_ = 0;         // writer's thread only: frames at the last start
  bool requested_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tributary::sqlite_internal
