#include <sqlite3.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "tests/test_util.h"
#include "tributary/store/store_test_suite.h"

namespace tributary::store_test {

struct SqliteBackend {
  static StoreFactory Factory() {
    return [](const std::string& dir) -> std::unique_ptr<Store> {
      Result<std::unique_ptr<Store>> store = OpenSqliteStore(StoreOptions{dir});
      if (!store.ok()) {
        ADD_FAILURE() << "OpenSqliteStore(" << dir << "): " << store.status().ToString();
        return nullptr;
      }
      return std::move(store).value();
    };
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreTest, SqliteBackend);

namespace {

using ::tributary::testing::TempDir;

// Reads the database file directly, to pin what other tools (and the filter
// compiler's SQL) rely on.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  // The rows of a query, cells joined with '|', rows with '\n'.
  std::string Query(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return "";
    }
    std::string out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      if (!out.empty()) out += "\n";
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        if (i > 0) out += "|";
        const unsigned char* t = sqlite3_column_text(s, i);
        out += t != nullptr ? reinterpret_cast<const char*>(t) : "NULL";
      }
    }
    sqlite3_finalize(s);
    return out;
  }
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

std::unique_ptr<Store> OpenOrDie(const std::string& dir) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(StoreOptions{dir});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST(SqliteStoreTest, CreatesDatabaseAndDirectories) {
  TempDir tmp;
  const std::string dir = tmp.File("a/b/data");
  std::unique_ptr<Store> store = OpenOrDie(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir + "/tributary.db"));
  store.reset();
  RawDb raw(dir + "/tributary.db");
  EXPECT_EQ(raw.Query("PRAGMA page_size"), "16384");
  EXPECT_EQ(raw.Query("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.Query("SELECT version FROM schema_version"), "1");
}

TEST(SqliteStoreTest, RecordsTableUsesFieldNamesAndCollectionId) {
  TempDir tmp;
  std::unique_ptr<Store> store = OpenOrDie(tmp.path());
  ASSERT_NE(store, nullptr);
  CollectionRef ref{"t", "Robert'); DROP TABLE collections;--"};
  ASSERT_TRUE(store->CreateCollection(ref, 2, "").ok());
  RecordBatch batch = MakeBatch({MakeRecord(0, 2)});
  batch.values.data() = {1.5f, -2.0f};
  ASSERT_TRUE(store->WriteBatch(ref, batch, {}, WriteMode::kInsert, nullptr).ok());
  store.reset();

  RawDb raw(tmp.File("tributary.db"));
  EXPECT_EQ(raw.Query("SELECT id, tenant, name, dimension, record_count FROM collections"),
            "1|t|Robert'); DROP TABLE collections;--|2|1");
  std::string columns = raw.Query("SELECT group_concat(name, ',') FROM pragma_table_info('records_1')");
  std::string want = "seq";
  for (Field f : AllFields()) want += "," + std::string(FieldName(f));
  EXPECT_EQ(columns, want);
  EXPECT_EQ(raw.Query("SELECT seq, id, typeof(\"values\"), length(\"values\"), "
                      "typeof(created_at), metadata FROM records_1"),
            "1|r00000|blob|8|integer|{\"n\":0,\"tag\":\"a\",\"nested\":{\"k\":0}}");
  // Little-endian float32, whatever the host.
  EXPECT_EQ(raw.Query("SELECT hex(\"values\") FROM records_1"), "0000C03F000000C0");
}

TEST(SqliteStoreTest, UnopenableDatabaseIsIOErrorNamingPath) {
  TempDir tmp;
  // The data directory is a regular file.
  const std::string file = tmp.File("not-a-dir");
  ::tributary::testing::WriteFileOrDie(file, "x");
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(StoreOptions{file});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIOError);
  EXPECT_NE(store.status().message().find(file), std::string::npos) << store.status().ToString();

  // The database file is not a database.
  const std::string dir = tmp.File("garbage");
  std::filesystem::create_directories(dir);
  ::tributary::testing::WriteFileOrDie(dir + "/tributary.db",
                                       std::string(4096, 'g') + "not sqlite at all");
  store = OpenSqliteStore(StoreOptions{dir});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIOError);
  EXPECT_NE(store.status().message().find(dir + "/tributary.db"), std::string::npos)
      << store.status().ToString();
}

TEST(SqliteStoreTest, NewerSchemaVersionIsRefused) {
  TempDir tmp;
  ASSERT_NE(OpenOrDie(tmp.path()), nullptr);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(tmp.File("tributary.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(StoreOptions{tmp.path()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnsupported) << store.status().ToString();
}

TEST(SqliteStoreTest, DropRemovesTableAndCheckpointRows) {
  TempDir tmp;
  std::unique_ptr<Store> store = OpenOrDie(tmp.path());
  ASSERT_NE(store, nullptr);
  CollectionRef a{"default", "a"}, b{"default", "b"};
  ASSERT_TRUE(store->CreateCollection(a, 2, "").ok());
  ASSERT_TRUE(store->CreateCollection(b, 2, "").ok());
  Checkpoint cp = MakeCheckpoint("job", 1);
  RecordBatch batch = MakeBatch({MakeRecord(0, 2)});
  ASSERT_TRUE(store->WriteBatch(a, batch, {}, WriteMode::kInsert, &cp).ok());
  ASSERT_TRUE(store->WriteBatch(b, batch, {}, WriteMode::kInsert, &cp).ok());
  ASSERT_TRUE(store->DropCollection(a).ok());
  // Ids are not reused: a new collection never inherits a dropped table name.
  ASSERT_TRUE(store->CreateCollection(a, 2, "").ok());
  store.reset();
  RawDb raw(tmp.File("tributary.db"));
  EXPECT_EQ(raw.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE "
                      "'records%' ORDER BY name"),
            "records_2\nrecords_3");
  EXPECT_EQ(raw.Query("SELECT collection_id, job_id FROM checkpoints"), "2|job");
}

TEST(SqliteStoreTest, IteratorMayOutliveStore) {
  TempDir tmp;
  std::unique_ptr<Store> store = OpenOrDie(tmp.path());
  ASSERT_NE(store, nullptr);
  CollectionRef ref{"default", "docs"};
  ASSERT_TRUE(store->CreateCollection(ref, 2, "").ok());
  RecordBatch batch = MakeBatch(MakeRecords(0, 10, 2));
  ASSERT_TRUE(store->WriteBatch(ref, batch, {}, WriteMode::kInsert, nullptr).ok());
  Result<std::unique_ptr<RecordIterator>> it = store->Scan(ref, {});
  ASSERT_TRUE(it.ok());
  store.reset();
  ASSERT_TRUE((*it)->Next(100, &batch).ok());
  EXPECT_EQ(batch.num_rows(), 10u);
}

TEST(SqliteStoreTest, TwoStoresOnOneDirectory) {
  // Like the CLI running next to the server: two processes' worth of
  // connections on one file, each seeing the other's commits.
  TempDir tmp;
  std::unique_ptr<Store> first = OpenOrDie(tmp.path());
  std::unique_ptr<Store> second = OpenOrDie(tmp.path());
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  CollectionRef ref{"default", "docs"};
  ASSERT_TRUE(first->CreateCollection(ref, 2, "").ok());
  RecordBatch batch = MakeBatch(MakeRecords(0, 5, 2));
  ASSERT_TRUE(second->WriteBatch(ref, batch, {}, WriteMode::kInsert, nullptr).ok());
  EXPECT_EQ(*first->Count(ref, nullptr), 5);
  Result<WriteResult> w = first->WriteBatch(ref, batch, {}, WriteMode::kInsert, nullptr);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->rejected.size(), 5u);
  ASSERT_TRUE(second->DropCollection(ref).ok());
  EXPECT_TRUE(first->GetCollection(ref).status().IsNotFound());
  EXPECT_TRUE(first->WriteBatch(ref, batch, {}, WriteMode::kInsert, nullptr).status().IsNotFound());
}

}  // namespace
}  // namespace tributary::store_test
