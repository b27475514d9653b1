#include "tributary/store/sqlite/sqlite_connection.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace tributary::sqlite_internal {
namespace {

using ::tributary::testing::TempDir;

TEST(SqliteConnectionTest, WalStaysBoundedUnderContinuousWrites) {
  TempDir tmp;
  const std::string path = tmp.File("t.db");
  Result<std::unique_ptr<Connection>> writer = Connection::Open(path, Role::kWriter);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Exec("CREATE TABLE t (x BLOB)", "create").ok());
  WalCheckpointer::Limits limits;
  limits.background_frames = 8;
  limits.inline_frames = 32;
  limits.writeback_frames = 4;  // the WAL's writeback is started every transaction or so
  Result<std::unique_ptr<WalCheckpointer>> ckpt = WalCheckpointer::Start(path, limits);
  ASSERT_TRUE(ckpt.ok()) << ckpt.status().ToString();
  (*ckpt)->Attach((*writer)->db());

  // Back-to-back transactions of ~4 pages each, no pause for the background
  // thread to catch up in.
  const std::vector<char> blob(12000, 'x');
  uintmax_t max_wal = 0;
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE((*writer)->Exec("BEGIN IMMEDIATE", "begin").ok());
    Result<sqlite3_stmt*> s = (*writer)->Cached("INSERT INTO t (x) VALUES (?1)");
    ASSERT_TRUE(s.ok());
    for (int r = 0; r < 4; ++r) {
      StmtScope scope(*s);
      sqlite3_bind_blob(*s, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
      ASSERT_EQ(sqlite3_step(*s), SQLITE_DONE);
    }
    ASSERT_TRUE((*writer)->Exec("COMMIT", "commit").ok());
    std::error_code ec;
    max_wal = std::max<uintmax_t>(max_wal, std::filesystem::file_size(path + "-wal", ec));
  }
  // 400 transactions wrote ~1600 frames; the WAL never held many more than
  // twice inline_frames of them (past inline_frames the writer checkpoints
  // when no background pass runs, past twice that it waits for one).
  const uintmax_t frame = 16384 + 24;
  EXPECT_LE(max_wal, 32 + (2 * 32 + 16) * frame);
  EXPECT_GT(std::filesystem::file_size(path), 1000u * 12000u);  // the rows reached the database

  Result<std::unique_ptr<Connection>> reader = Connection::Open(path, Role::kReader);
  ASSERT_TRUE(reader.ok());
  Result<sqlite3_stmt*> count = (*reader)->Cached("SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  StmtScope scope(*count);
  ASSERT_EQ(sqlite3_step(*count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(*count, 0), 1600);
}

TEST(SqliteConnectionTest, ReaderIsQueryOnly) {
  TempDir tmp;
  const std::string path = tmp.File("t.db");
  Result<std::unique_ptr<Connection>> writer = Connection::Open(path, Role::kWriter);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Exec("CREATE TABLE t (x)", "create").ok());
  Result<std::unique_ptr<Connection>> reader = Connection::Open(path, Role::kReader);
  ASSERT_TRUE(reader.ok());
  Status st = (*reader)->Exec("INSERT INTO t VALUES (1)", "inserting");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("inserting: "), std::string::npos) << st.ToString();
}

TEST(SqliteConnectionTest, ReaderDoesNotCreateMissingDatabase) {
  TempDir tmp;
  Result<std::unique_ptr<Connection>> reader = Connection::Open(tmp.File("none.db"), Role::kReader);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kIOError);
  EXPECT_NE(reader.status().message().find(tmp.File("none.db")), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp.File("none.db")));
}

}  // namespace
}  // namespace tributary::sqlite_internal
