#include "tributary/store/sqlite/write_coalescing_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

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

}  // namespace
}  // namespace tributary::sqlite_internal
