#include "tributary/store/sqlite/write_coalescing_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <cstdint>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace tributary::sqlite_internal {
namespace {

using ::tributary::testing::ScopedFileSizeLimit;
using ::tributary::testing::TempDir;

// A raw connection, through the coalescing VFS or (vfs == nullptr) the
// platform's own, which reads the files as they are.
struct Db {
  explicit Db(const std::string& path, const char* vfs) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs), SQLITE_OK);
  }
  ~Db() { sqlite3_close_v2(db); }
  int Exec(const std::string& sql) { return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr); }
  std::string Query(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(s, 0);
      if (text != nullptr) out = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(s);
    return out;
  }
  // Column 0 of every row, concatenated.
  std::string Blobs(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return "prepare failed";
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.append(static_cast<const char*>(sqlite3_column_blob(s, 0)), static_cast<size_t>(sqlite3_column_bytes(s, 0)));
    }
    sqlite3_finalize(s);
    return out;
  }
  // Inserts rows of the given blob sizes in one transaction; SQLite's result.
  int InsertTxn(const std::vector<int>& sizes, uint32_t seed) {
    if (Exec("BEGIN IMMEDIATE") != SQLITE_OK) return sqlite3_errcode(db);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO t (b) VALUES (?1)", -1, &s, nullptr);
    std::mt19937 rng(seed);
    int rc = SQLITE_DONE;
    for (int size : sizes) {
      std::string blob(static_cast<size_t>(size), '\0');
      for (char& c : blob) c = static_cast<char>(rng());
      sqlite3_bind_blob(s, 1, blob.data(), size, SQLITE_TRANSIENT);
      rc = sqlite3_step(s);
      sqlite3_reset(s);
      if (rc != SQLITE_DONE) break;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
      Exec("ROLLBACK");
      return rc;
    }
    rc = Exec("COMMIT");
    if (rc != SQLITE_OK) Exec("ROLLBACK");
    return rc;
  }
  sqlite3* db = nullptr;
};

constexpr const char* kSetup =
    "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, b BLOB)";

std::vector<int> Sizes(std::mt19937& rng, int rows) {
  std::vector<int> sizes;
  for (int i = 0; i < rows; ++i) sizes.push_back(static_cast<int>(1000 + rng() % 60000));
  return sizes;
}

// Every commit is readable from the files the moment it returns: a
// connection that reads them directly (the platform's VFS) sees each
// transaction's rows, byte for byte, across checkpoints and WAL restarts.
TEST(WriteCoalescingVfsTest, EveryCommitIsInTheFilesWhenItReturns) {
  ASSERT_NE(WriteCoalescingVfs(), nullptr);
  TempDir tmp;
  const std::string path = tmp.File("t.db");
  Db writer(path, WriteCoalescingVfs());
  ASSERT_EQ(writer.Exec(kSetup), SQLITE_OK);
  ASSERT_EQ(writer.Exec("PRAGMA wal_autocheckpoint=200"), SQLITE_OK);  // restarts the WAL often
  Db plain(path, nullptr);
  std::mt19937 rng(7);
  int rows = 0;
  for (int txn = 0; txn < 60; ++txn) {
    std::vector<int> sizes = Sizes(rng, 1 + static_cast<int>(rng() % 40));
    ASSERT_EQ(writer.InsertTxn(sizes, static_cast<uint32_t>(txn)), SQLITE_OK) << sqlite3_errmsg(writer.db);
    rows += static_cast<int>(sizes.size());
    ASSERT_EQ(plain.Query("SELECT count(*) FROM t"), std::to_string(rows)) << "after transaction " << txn;
    // The last transaction's content, as the plain connection reads it.
    const std::string last = "SELECT b FROM t WHERE id > " + std::to_string(rows - static_cast<int>(sizes.size())) + " ORDER BY id";
    const std::string written = writer.Blobs(last);
    EXPECT_EQ(written.size(), static_cast<size_t>(std::accumulate(sizes.begin(), sizes.end(), 0)));
    EXPECT_TRUE(plain.Blobs(last) == written) << "after transaction " << txn;
  }
  EXPECT_EQ(plain.Query("PRAGMA integrity_check"), "ok");
}

// What a process crash leaves (the files as they are, no shared-memory
// index) holds every transaction committed before it: the WAL's frames and
// their checksum chain are in the file when a commit returns, also when the
// transaction rewrote its own frames (a page changed again after a cache
// spill wrote it), which SQLite follows with new frame checksums.
TEST(WriteCoalescingVfsTest, ACrashRightAfterACommitLosesNothing) {
  TempDir tmp;
  const std::string path = tmp.File("t.db");
  const std::string snap = tmp.File("snap.db");
  Db writer(path, WriteCoalescingVfs());
  ASSERT_EQ(writer.Exec(kSetup), SQLITE_OK);
  ASSERT_EQ(writer.Exec("PRAGMA cache_size=4; PRAGMA wal_autocheckpoint=0"), SQLITE_OK);
  std::mt19937 rng(5);
  int rows = 0;
  for (int txn = 0; txn < 12; ++txn) {
    ASSERT_EQ(writer.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
    for (int i = 0; i < 12; ++i) {
      ASSERT_EQ(writer.Exec("INSERT INTO t (b) VALUES (randomblob(" + std::to_string(2000 + rng() % 9000) + "))"),
                SQLITE_OK);
    }
    // Changes pages written earlier in this transaction.
    ASSERT_EQ(writer.Exec("UPDATE t SET b = randomblob(length(b)) WHERE id > " + std::to_string(rows)), SQLITE_OK);
    ASSERT_EQ(writer.Exec("COMMIT"), SQLITE_OK) << sqlite3_errmsg(writer.db);
    rows += 12;
    std::filesystem::remove(snap + "-shm");
    std::filesystem::copy_file(path, snap, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(path + "-wal", snap + "-wal", std::filesystem::copy_options::overwrite_existing);
    Db recovered(snap, nullptr);
    ASSERT_EQ(recovered.Query("SELECT count(*) FROM t"), std::to_string(rows)) << "after transaction " << txn;
    ASSERT_EQ(recovered.Query("SELECT sum(length(b)) FROM t"), writer.Query("SELECT sum(length(b)) FROM t"));
    ASSERT_EQ(recovered.Query("PRAGMA integrity_check"), "ok");
  }
}

// A connection that appends to a WAL another connection started (so it never
// wrote the WAL's header) coalesces its writes too, and they read back.
TEST(WriteCoalescingVfsTest, AppendsToAWalStartedByAnotherConnection) {
  TempDir tmp;
  const std::string path = tmp.File("t.db");
  Db first(path, WriteCoalescingVfs());
  ASSERT_EQ(first.Exec(kSetup), SQLITE_OK);
  ASSERT_EQ(first.Exec("PRAGMA wal_autocheckpoint=0"), SQLITE_OK);
  std::mt19937 rng(11);
  ASSERT_EQ(first.InsertTxn(Sizes(rng, 20), 1), SQLITE_OK);
  Db second(path, WriteCoalescingVfs());
  ASSERT_EQ(second.Exec("PRAGMA wal_autocheckpoint=0"), SQLITE_OK);
  for (int txn = 0; txn < 10; ++txn) ASSERT_EQ(second.InsertTxn(Sizes(rng, 20), 100 + txn), SQLITE_OK);
  Db plain(path, nullptr);
  EXPECT_EQ(plain.Query("SELECT count(*) FROM t"), "220");
  EXPECT_EQ(plain.Query("PRAGMA integrity_check"), "ok");
}

// A write that fails (here: past the process's file size limit) fails the
// commit it belongs to; the commits before it stay, and the files are sound.
TEST(WriteCoalescingVfsTest, AFailedWriteFailsItsCommitAndKeepsTheOnesBefore) {
  TempDir tmp;
  const std::string path = tmp.File("t.db");
  int committed = 0;
  int failed_rc = SQLITE_OK;
  {
    Db writer(path, WriteCoalescingVfs());
    ASSERT_EQ(writer.Exec(kSetup), SQLITE_OK);
    ScopedFileSizeLimit limit(3 << 20);  // the WAL reaches it long before a checkpoint
    std::mt19937 rng(3);
    for (int txn = 0; txn < 40; ++txn) {
      const int rc = writer.InsertTxn(std::vector<int>(8, 30000), static_cast<uint32_t>(txn));
      if (rc != SQLITE_OK) {
        failed_rc = rc;
        break;
      }
      ++committed;
    }
    EXPECT_EQ(writer.Query("SELECT count(*) FROM t"), std::to_string(committed * 8));
  }
  EXPECT_GT(committed, 3);
  EXPECT_TRUE((failed_rc & 0xff) == SQLITE_FULL || (failed_rc & 0xff) == SQLITE_IOERR) << failed_rc;
  Db plain(path, nullptr);
  EXPECT_EQ(plain.Query("SELECT count(*) FROM t"), std::to_string(committed * 8));
  EXPECT_EQ(plain.Query("PRAGMA integrity_check"), "ok");
}

// Records the unix VFS's writes to one file, through SQLite's system call
// override, and fails the ones `fail` picks (ENOSPC) while it lives.
class WriteHook {
 public:
  struct Call {
    int64_t offset;
    int64_t size;
  };
  using FailFn = bool (*)(int64_t offset, int64_t size);

  explicit WriteHook(const std::string& path, FailFn fail = nullptr) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    fail_ = fail;
    calls_.clear();
    unix_ = sqlite3_vfs_find("unix");
    for (const char* name : {"pwrite", "pwrite64"}) {
      if (unix_->xGetSystemCall(unix_, name) != nullptr) {
        EXPECT_EQ(unix_->xSetSystemCall(unix_, name, reinterpret_cast<sqlite3_syscall_ptr>(&Pwrite)),
                  SQLITE_OK);
        hooked_.push_back(name);
      }
    }
    EXPECT_FALSE(hooked_.empty());
  }
  ~WriteHook() {
    for (const char* name : hooked_) unix_->xSetSystemCall(unix_, name, nullptr);  // the default
  }
  const std::vector<Call>& calls() const { return calls_; }

 private:
  static ssize_t Pwrite(int fd, const void* buf, size_t n, off_t offset) {
    struct stat st;
    if (::fstat(fd, &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
      calls_.push_back({offset, static_cast<int64_t>(n)});
      if (fail_ != nullptr && fail_(offset, static_cast<int64_t>(n))) {
        errno = ENOSPC;
        return -1;
      }
    }
    return ::pwrite(fd, buf, n, offset);
  }

  static inline dev_t dev_;
  static inline ino_t ino_;
  static inline FailFn fail_;
  static inline std::vector<Call> calls_;
  sqlite3_vfs* unix_ = nullptr;
  std::vector<const char*> hooked_;
};

// Whether checkpoints gather writes to a database file in this directory
// (they do on ext4, XFS and tmpfs).
bool GathersIn(const std::string& dir) {
  struct statfs fs;
  if (::statfs(dir.c_str(), &fs) != 0) return false;
  const long type = static_cast<long>(fs.f_type);
  return type == 0xEF53 || type == 0x58465342 || type == 0x01021994;
}

constexpr int64_t kPage = 16384;

// A database whose WAL holds `rows` rows of 6000 bytes that the database file
// does not (no checkpoint has run; closed without the one on close), and
// whose page count is not a multiple of four, so that a checkpoint's last
// run of pages is written at its end (SQLITE_FCNTL_CKPT_DONE). Returns the
// page count.
int64_t WalOnlyDatabase(const std::string& path, int rows) {
  Db writer(path, WriteCoalescingVfs());
  EXPECT_EQ(writer.Exec(kSetup), SQLITE_OK);
  EXPECT_EQ(writer.Exec("PRAGMA wal_autocheckpoint=0"), SQLITE_OK);
  sqlite3_db_config(writer.db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  EXPECT_EQ(writer.InsertTxn(std::vector<int>(static_cast<size_t>(rows), 6000), 1), SQLITE_OK);
  while (std::stoll(writer.Query("PRAGMA page_count")) % 4 == 0) {
    EXPECT_EQ(writer.InsertTxn({6000}, 2), SQLITE_OK);
  }
  return std::stoll(writer.Query("PRAGMA page_count"));
}

int Checkpoint(const std::string& path) {
  Db db(path, WriteCoalescingVfs());
  sqlite3_db_config(db.db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  db.Query("SELECT count(*) FROM sqlite_schema");  // opens the WAL
  return sqlite3_wal_checkpoint_v2(db.db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

// A WAL's appends reach the file in runs that end at 64 KiB boundaries, or
// at the end of a commit: no write crosses a boundary, and every write that
// does not end on one ends a transaction.
TEST(WriteCoalescingVfsTest, WalWritesEndAtRunBoundariesOrCommits) {
  TempDir tmp;
  const std::string path = tmp.File("t.db");
  Db writer(path, WriteCoalescingVfs());
  ASSERT_EQ(writer.Exec(kSetup), SQLITE_OK);
  ASSERT_EQ(writer.Exec("PRAGMA wal_autocheckpoint=0"), SQLITE_OK);
  std::mt19937 rng(13);
  ASSERT_EQ(writer.InsertTxn(Sizes(rng, 3), 1), SQLITE_OK);  // the WAL exists from here
  std::vector<WriteHook::Call> calls;
  std::vector<int64_t> commit_ends;
  {
    WriteHook hook(path + "-wal");
    for (int txn = 0; txn < 6; ++txn) {
      ASSERT_EQ(writer.InsertTxn(Sizes(rng, 20), 10 + static_cast<uint32_t>(txn)), SQLITE_OK);
      ASSERT_FALSE(hook.calls().empty());
      commit_ends.push_back(hook.calls().back().offset + hook.calls().back().size);
    }
    calls = hook.calls();
  }
  int64_t bytes = 0;
  for (const WriteHook::Call& c : calls) {
    bytes += c.size;
    const int64_t end = c.offset + c.size;
    EXPECT_EQ(c.offset / 65536, (end - 1) / 65536) << c.offset << "+" << c.size;
    if (end % 65536 != 0) {
      EXPECT_NE(std::find(commit_ends.begin(), commit_ends.end(), end), commit_ends.end())
          << "a write ending at " << end << " ends neither a run nor a commit";
    }
  }
  EXPECT_EQ(bytes, commit_ends.back() - calls.front().offset);
  EXPECT_LE(static_cast<int64_t>(calls.size()), bytes / 65536 + 2 * 6 + 2);
  Db plain(path, nullptr);
  EXPECT_EQ(plain.Query("SELECT count(*) FROM t"), "123");
  EXPECT_EQ(plain.Query("PRAGMA integrity_check"), "ok");
}

// A checkpoint writes the database file in aligned runs of up to 64 KiB
// instead of a write per page, and the file reads back right.
TEST(WriteCoalescingVfsTest, CheckpointWritesGatherIntoAlignedRuns) {
  TempDir tmp;
  if (!GathersIn(tmp.path())) GTEST_SKIP() << "checkpoints write through on this file system";
  const std::string path = tmp.File("t.db");
  const int64_t pages = WalOnlyDatabase(path, 300);
  std::vector<WriteHook::Call> calls;
  {
    WriteHook hook(path);
    ASSERT_EQ(Checkpoint(path), SQLITE_OK);
    calls = hook.calls();
  }
  int64_t bytes = 0;
  for (const WriteHook::Call& c : calls) {
    bytes += c.size;
    EXPECT_EQ(c.offset % kPage, 0);
    EXPECT_EQ(c.size % kPage, 0);
    // A run never crosses a 64 KiB boundary: each is one aligned piece.
    EXPECT_EQ(c.offset / 65536, (c.offset + c.size - 1) / 65536) << c.offset << "+" << c.size;
  }
  EXPECT_EQ(bytes, pages * kPage);
  EXPECT_LE(static_cast<int64_t>(calls.size()), pages / 4 + 3) << pages << " pages";
  Db plain(path, nullptr);
  EXPECT_EQ(plain.Query("SELECT count(*) FROM t"), plain.Query("SELECT max(id) FROM t"));
  EXPECT_EQ(plain.Query("SELECT sum(length(b)) FROM t"), std::to_string(std::stoll(plain.Query("SELECT count(*) FROM t")) * 6000));
  EXPECT_EQ(plain.Query("PRAGMA integrity_check"), "ok");
}

// A gathered run that fails to reach the file fails the write SQLite is in,
// so SQLite abandons the checkpoint: the WAL still serves every row, and a
// later checkpoint completes.
TEST(WriteCoalescingVfsTest, AFailedRunAbandonsTheCheckpointAndLosesNothing) {
  TempDir tmp;
  const std::string path = tmp.File("t.db");
  WalOnlyDatabase(path, 300);
  {
    // Fails the run holding page 40, well before the checkpoint's last.
    WriteHook hook(path, [](int64_t offset, int64_t size) {
      return offset <= 40 * kPage && 40 * kPage < offset + size;
    });
    const int rc = Checkpoint(path);
    EXPECT_TRUE((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL) << rc;
  }
  {
    Db plain(path, nullptr);
    sqlite3_db_config(plain.db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    EXPECT_EQ(plain.Query("SELECT count(*) FROM t"), plain.Query("SELECT max(id) FROM t"));
    EXPECT_EQ(plain.Query("PRAGMA integrity_check"), "ok");
  }
  ASSERT_EQ(Checkpoint(path), SQLITE_OK);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  Db alone(path, nullptr);  // the database file by itself
  EXPECT_GE(std::stoll(alone.Query("SELECT count(*) FROM t")), 300);
  EXPECT_EQ(alone.Query("PRAGMA integrity_check"), "ok");
}

// With no room to allocate the checkpoint's space (here: the file size limit
// falls inside its last page), the writes past the file's end go straight
// through, and the one that fails ends the checkpoint with an error instead
// of the process.
TEST(WriteCoalescingVfsTest, WithoutSpaceReservedWritesPastTheEndGoThrough) {
  TempDir tmp;
  const std::string path = tmp.File("t.db");
  const int64_t pages = WalOnlyDatabase(path, 300);
  {
    ScopedFileSizeLimit limit(static_cast<uint64_t>(pages * kPage - kPage / 2));
    const int rc = Checkpoint(path);
    EXPECT_TRUE((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL) << rc;
  }
  ASSERT_EQ(Checkpoint(path), SQLITE_OK);
  Db plain(path, nullptr);
  EXPECT_EQ(plain.Query("SELECT count(*) FROM t"), plain.Query("SELECT max(id) FROM t"));
  EXPECT_EQ(plain.Query("PRAGMA integrity_check"), "ok");
}

// The last run is written at SQLITE_FCNTL_CKPT_DONE, whose result SQLite
// does not look at before recording the checkpoint. If it fails, the process
// exits (code 3, with a message) before that; the WAL keeps every row, and
// the next open has them all.
TEST(WriteCoalescingVfsDeathTest, ALostLastRunStopsTheProcessBeforeTheCheckpointIsRecorded) {
  GTEST_FLAG_SET(death_test_style, "fast");  // the child checkpoints this test's database
  TempDir tmp;
  if (!GathersIn(tmp.path())) GTEST_SKIP() << "checkpoints write through on this file system";
  const std::string path = tmp.File("t.db");
  static int64_t end;
  end = WalOnlyDatabase(path, 300) * kPage;
  EXPECT_EXIT(
      {
        WriteHook hook(path, [](int64_t offset, int64_t size) { return offset + size == end; });
        Checkpoint(path);
        std::_Exit(97);
      },
      ::testing::ExitedWithCode(3), "cannot write the database file .*t\\.db during a checkpoint");
  Db plain(path, nullptr);
  EXPECT_EQ(plain.Query("SELECT count(*) FROM t"), plain.Query("SELECT max(id) FROM t"));
  EXPECT_GE(std::stoll(plain.Query("SELECT count(*) FROM t")), 300);
  EXPECT_EQ(plain.Query("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace tributary::sqlite_internal
