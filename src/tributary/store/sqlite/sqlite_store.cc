// The embedded store: one SQLite database file in WAL mode.
//
// Layout (schema version 1):
//   schema_version(version, last_sync)            one row
//   collections(id, tenant, name, dimension, metadata_schema, record_count,
//               created_at, updated_at)           the catalog
//   checkpoints(collection_id, job_id, ...)       one row per import job
//   records_<collection id>(seq, <record fields>) one table per collection
// Records tables are named from the catalog's integer id, never from user
// text, and their columns carry the record field names, which is what the
// filter compiler's SQL refers to. seq is the rowid: insertion order, kept by
// an upsert.
//
// Concurrency: all writes go through one connection behind a mutex, inside
// BEGIN IMMEDIATE transactions (so another process writing the same file
// waits on the busy timeout instead of failing on a lock upgrade). Reads use
// a pool of separate connections; in WAL mode they see the last committed
// state and never block the writer, nor does the writer block them. A scan
// holds its connection, and its snapshot, until the iterator ends. A third
// connection checkpoints the WAL in the background (WalCheckpointer).
//
// Write path: one prepared statement per collection and mode, strings and
// vectors bound straight from the batch's arenas (SQLITE_STATIC), the id
// conflict resolved by ON CONFLICT in the same statement; nothing is
// allocated per row.
#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tributary/core/time_util.h"
#include "tributary/filter/filter.h"
#include "tributary/store/sqlite/sqlite_connection.h"
#include "tributary/store/store.h"

namespace tributary {
namespace {

using sqlite_internal::Connection;
using sqlite_internal::ConnectionPool;
using sqlite_internal::Role;
using sqlite_internal::StmtPtr;
using sqlite_internal::StmtScope;
using sqlite_internal::WalCheckpointer;

constexpr int kSchemaVersion = 1;
constexpr const char* kDatabaseFileName = "tributary.db";
constexpr size_t kMaxIdleReaders = 4;
constexpr size_t kMaxCachedStatements = 128;
// Bounds of the writer's page cache (WriterCacheKiB); the writer connection
// opens with the upper one.
constexpr int64_t kMinWriterCacheKiB = 4096;
constexpr int64_t kMaxWriterCacheKiB = 32768;

// AUTOINCREMENT so that a collection id, and with it a records table name,
// is never reused after a drop: a cached statement or a running scan can
// never silently address a newer collection's table.
constexpr const char* kCreateCatalog = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL,
  last_sync INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS collections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  dimension INTEGER NOT NULL DEFAULT 0,
  metadata_schema TEXT NOT NULL DEFAULT '',
  record_count INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant, name)
);
CREATE TABLE IF NOT EXISTS checkpoints (
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  job_id TEXT NOT NULL,
  records_done INTEGER NOT NULL,
  rows_written INTEGER NOT NULL,
  rows_skipped INTEGER NOT NULL,
  rows_failed INTEGER NOT NULL,
  bytes_done INTEGER NOT NULL,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (collection_id, job_id)
) WITHOUT ROWID;
)sql";

constexpr const char* kLookupSql =
    "SELECT id, dimension, record_count, created_at, updated_at, metadata_schema "
    "FROM collections WHERE tenant = ?1 AND name = ?2";

std::string TableName(int64_t collection_id) { return "records_" + std::to_string(collection_id); }

// "id", "document_id", "values", ... in record order ("values" is a keyword).
const std::string& RecordColumns() {
  static const std::string kColumns = [] {
    std::string s;
    for (Field f : AllFields()) {
      if (!s.empty()) s += ", ";
      s += '"';
      s += FieldName(f);
      s += '"';
    }
    return s;
  }();
  return kColumns;
}

std::string CreateRecordsTableSql(int64_t collection_id) {
  const std::string table = TableName(collection_id);
  std::string sql = "CREATE TABLE " + table + " (seq INTEGER PRIMARY KEY";
  for (Field f : AllFields()) {
    sql += ", \"";
    sql += FieldName(f);
    sql += "\" ";
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject: sql += "TEXT"; break;
      case FieldType::kVector: sql += "BLOB"; break;
      case FieldType::kInt64:
      case FieldType::kTimestamp: sql += "INTEGER"; break;
    }
    if (f == Field::kId) sql += " NOT NULL UNIQUE";
  }
  sql += ");";
  // Lookups and deletes by source document are the common non-id access.
  sql += "CREATE INDEX " + table + "_document_id ON " + table + " (document_id);";
  return sql;
}

// The insert for a write mode. seq is bound explicitly (max + 1 onwards) so
// that an upsert can tell an insert from an update: only an insert can leave
// the bound seq as the last inserted rowid, since a replaced row keeps its
// own, smaller seq. (RETURNING would say the same but costs about as much as
// the insert itself.)
std::string InsertSql(int64_t collection_id, WriteMode mode) {
  std::string sql = "INSERT INTO " + TableName(collection_id) + " (seq, " + RecordColumns() +
                    ") VALUES (?1";
  for (int i = 0; i < kNumFields; ++i) sql += ", ?" + std::to_string(i + 2);
  sql += ") ON CONFLICT (id) DO ";
  if (mode != WriteMode::kUpsert) return sql + "NOTHING";
  sql += "UPDATE SET ";
  bool first = true;
  for (Field f : AllFields()) {
    if (f == Field::kId) continue;
    if (!first) sql += ", ";
    first = false;
    std::string col = "\"" + std::string(FieldName(f)) + "\"";
    sql += col + " = excluded." + col;
  }
  return sql;
}

std::string NotFoundMessage(const CollectionRef& ref) {
  return "collection '" + ref.name + "' not found in tenant '" + ref.tenant + "'";
}

int BindText(sqlite3_stmt* s, int i, std::string_view v) {
  // A null pointer would bind SQL NULL; an empty string must stay a string.
  return sqlite3_bind_text64(s, i, v.data() != nullptr ? v.data() : "", v.size(), SQLITE_STATIC,
                             SQLITE_UTF8);
}

// Binds the record fields of row to parameters 2..15 (record order), without
// copying: strings and vectors are read from the batch's memory, which stays
// put until the statement is reset. Returns the first non-OK code.
int BindRecord(sqlite3_stmt* s, const RecordBatch& batch, size_t row,
               std::vector<uint32_t>* scratch) {
  int param = 2;
  for (Field f : AllFields()) {
    int rc = SQLITE_OK;
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject: {
        const StringColumn& c = batch.strings(f);
        rc = c.IsNull(row) ? sqlite3_bind_null(s, param) : BindText(s, param, c.Get(row));
        break;
      }
      case FieldType::kInt64:
      case FieldType::kTimestamp: {
        const Int64Column& c = batch.ints(f);
        rc = c.IsNull(row) ? sqlite3_bind_null(s, param) : sqlite3_bind_int64(s, param, c.Get(row));
        break;
      }
      case FieldType::kVector: {
        const VectorColumn& c = batch.values;
        if (c.IsNull(row)) {
          rc = sqlite3_bind_null(s, param);
          break;
        }
        std::span<const float> v = c.Get(row);
        if (v.empty()) {
          // bind_blob with a null pointer would bind NULL, not an empty blob.
          rc = sqlite3_bind_zeroblob(s, param, 0);
        } else if constexpr (std::endian::native == std::endian::little) {
          rc = sqlite3_bind_blob64(s, param, v.data(), v.size_bytes(), SQLITE_STATIC);
        } else {
          scratch->resize(v.size());
          for (size_t j = 0; j < v.size(); ++j) {
            (*scratch)[j] = __builtin_bswap32(std::bit_cast<uint32_t>(v[j]));
          }
          rc = sqlite3_bind_blob64(s, param, scratch->data(), v.size_bytes(), SQLITE_STATIC);
        }
        break;
      }
    }
    if (rc != SQLITE_OK) return rc;
    ++param;
  }
  return SQLITE_OK;
}

// Appends the record in columns first_col.. (record order) of the current row.
Status DecodeRecord(sqlite3_stmt* s, int first_col, RecordBatch* batch) {
  for (Field f : AllFields()) {
    const int col = first_col + static_cast<int>(f);
    const bool is_null = sqlite3_column_type(s, col) == SQLITE_NULL;
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject: {
        StringColumn& c = batch->strings(f);
        if (is_null) {
          c.AppendNull();
          break;
        }
        const char* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
        const size_t n = static_cast<size_t>(sqlite3_column_bytes(s, col));
        if (p == nullptr && sqlite3_errcode(sqlite3_db_handle(s)) == SQLITE_NOMEM) {
          return Status::ResourceExhausted("out of memory reading a record");
        }
        c.Append(std::string_view(p != nullptr ? p : "", n));
        break;
      }
      case FieldType::kInt64:
      case FieldType::kTimestamp: {
        Int64Column& c = batch->ints(f);
        if (is_null) {
          c.AppendNull();
        } else {
          c.Append(sqlite3_column_int64(s, col));
        }
        break;
      }
      case FieldType::kVector: {
        VectorColumn& c = batch->values;
        if (is_null) {
          c.AppendNull();
          break;
        }
        const void* p = sqlite3_column_blob(s, col);
        const size_t n = static_cast<size_t>(sqlite3_column_bytes(s, col));
        if (n % sizeof(float) != 0) {
          return Status::InvalidData("stored vector of " + std::to_string(n) +
                                     " bytes is not a whole number of float32 values");
        }
        if (p == nullptr && n != 0) return Status::ResourceExhausted("out of memory reading a record");
        FloatVector& data = c.data();
        const size_t old = data.size();
        AppendFloatBytes(&data, p, n / sizeof(float));
        if constexpr (std::endian::native != std::endian::little) {
          for (size_t j = old; j < data.size(); ++j) {
            data[j] = std::bit_cast<float>(__builtin_bswap32(std::bit_cast<uint32_t>(data[j])));
          }
        }
        c.FinishValue();
        break;
      }
    }
  }
  return Status::OK();
}

Status BindSqlValues(Connection& c, sqlite3_stmt* s, const std::vector<SqlValue>& params) {
  int i = 1;
  for (const SqlValue& v : params) {
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::nullptr_t>(v)) {
      rc = sqlite3_bind_null(s, i);
    } else if (const int64_t* n = std::get_if<int64_t>(&v)) {
      rc = sqlite3_bind_int64(s, i, *n);
    } else if (const double* d = std::get_if<double>(&v)) {
      rc = sqlite3_bind_double(s, i, *d);
    } else {
      const std::string& str = std::get<std::string>(v);
      rc = sqlite3_bind_text64(s, i, str.data(), str.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    if (rc != SQLITE_OK) return c.Error(rc, "binding filter parameter " + std::to_string(i));
    ++i;
  }
  return Status::OK();
}

struct CollectionRow {
  int64_t id = 0;
  CollectionInfo info;
};

// Looks ref up in the catalog through c (inside the caller's transaction, if
// any). NotFound when missing.
Result<CollectionRow> Lookup(Connection& c, const CollectionRef& ref) {
  TRIB_ASSIGN_OR_RETURN(sqlite3_stmt * s, c.Cached(kLookupSql));
  StmtScope scope(s);
  BindText(s, 1, ref.tenant);
  BindText(s, 2, ref.name);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return Status::NotFound(NotFoundMessage(ref));
  if (rc != SQLITE_ROW) return c.Error(rc, "looking up collection '" + ref.name + "'");
  CollectionRow row;
  row.id = sqlite3_column_int64(s, 0);
  row.info.tenant = ref.tenant;
  row.info.name = ref.name;
  row.info.dimension = sqlite3_column_int(s, 1);
  row.info.count = sqlite3_column_int64(s, 2);
  row.info.created_at = sqlite3_column_int64(s, 3);
  row.info.updated_at = sqlite3_column_int64(s, 4);
  const unsigned char* schema = sqlite3_column_text(s, 5);
  if (schema != nullptr) row.info.metadata_schema = reinterpret_cast<const char*>(schema);
  return row;
}

// A write transaction on the writer connection; rolls back unless committed.
class WriteTxn {
 public:
  explicit WriteTxn(Connection* c) : c_(c) {}
  ~WriteTxn() {
    if (sqlite3_get_autocommit(c_->db()) == 0) {
      sqlite3_exec(c_->db(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;

  Status Begin() { return c_->Exec("BEGIN IMMEDIATE", "starting a write transaction"); }
  Status Commit() { return c_->Exec("COMMIT", "committing"); }

 private:
  Connection* c_;
};

// Runs a cached statement that returns no rows.
Status StepDone(Connection& c, sqlite3_stmt* s, std::string_view what) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return c.Error(rc, what);
  return Status::OK();
}

class SqliteRecordIterator final : public RecordIterator {
 public:
  SqliteRecordIterator(ConnectionPool::Lease lease, StmtPtr stmt, std::string collection)
      : lease_(std::move(lease)), stmt_(std::move(stmt)), collection_(std::move(collection)) {}
  ~SqliteRecordIterator() override { Finish(); }

  Status Next(size_t max_rows, RecordBatch* batch) override {
    batch->Clear();
    if (done_) return Status::OK();
    if (max_rows == 0) max_rows = 1;  // an empty batch would read as the end
    while (batch->num_rows() < max_rows) {
      int rc = sqlite3_step(stmt_.get());
      if (rc == SQLITE_ROW) {
        Status st = DecodeRecord(stmt_.get(), 0, batch);
        if (!st.ok()) {
          batch->Clear();
          Finish();
          return st.WithPrefix("scanning collection '" + collection_ + "'");
        }
        batch->origin.push_back(RowOrigin{++rows_read_, 0});
        if (batch->num_rows() == 1) batch->ReserveLike(max_rows);
        continue;
      }
      if (rc == SQLITE_DONE) {
        Finish();
        break;
      }
      Status st = lease_->Error(rc, "scanning collection '" + collection_ + "'");
      batch->Clear();
      Finish();
      return st;
    }
    return Status::OK();
  }

 private:
  // Ends the read transaction and hands the connection back as soon as the
  // scan is over, not when the iterator is destroyed.
  void Finish() {
    if (done_) return;
    done_ = true;
    stmt_.reset();
    lease_.Reset();
  }

  ConnectionPool::Lease lease_;
  StmtPtr stmt_;
  std::string collection_;
  int64_t rows_read_ = 0;
  bool done_ = false;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Connection> writer, std::unique_ptr<WalCheckpointer> checkpointer,
              std::shared_ptr<ConnectionPool> readers)
      : checkpointer_(std::move(checkpointer)),
        writer_(std::move(writer)),
        readers_(std::move(readers)) {
    checkpointer_->Attach(writer_->db());
  }

  Result<CollectionInfo> CreateCollection(const CollectionRef& ref, int32_t dimension,
                                          const std::string& metadata_schema) override;
  Result<CollectionInfo> GetCollection(const CollectionRef& ref) override;
  Result<std::vector<CollectionInfo>> ListCollections(const std::string& tenant) override;
  Status DropCollection(const CollectionRef& ref) override;
  Status SetDimension(const CollectionRef& ref, int32_t dimension) override;
  Status RenameCollection(const CollectionRef& from, const CollectionRef& to, bool replace) override;
  Result<WriteResult> WriteBatch(const CollectionRef& ref, const RecordBatch& batch,
                                 const std::vector<size_t>& rows, WriteMode mode,
                                 const Checkpoint* checkpoint) override;
  Result<std::optional<Checkpoint>> LoadCheckpoint(const CollectionRef& ref,
                                                   const std::string& job_id) override;
  Status DeleteCheckpoint(const CollectionRef& ref, const std::string& job_id) override;
  Result<std::unique_ptr<RecordIterator>> Scan(const CollectionRef& ref,
                                               const ScanOptions& options) override;
  Result<int64_t> Count(const CollectionRef& ref, const Filter* filter) override;
  Status Sync() override;

 private:
  Status SaveCheckpoint(int64_t collection_id, const Checkpoint& cp);
  // Sets the writer's page cache for a collection of `records` records
  // (WriterCacheKiB). Under write_mu_.
  Status SizeWriterCache(Connection& c, int64_t records);

  // Declared before writer_, so destroyed after it.
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::mutex write_mu_;  // guards writer_ and writer_cache_kib_
  std::unique_ptr<Connection> writer_;
  int64_t writer_cache_kib_ = kMaxWriterCacheKiB;  // as the connection opens
  std::shared_ptr<ConnectionPool> readers_;
};

Result<CollectionInfo> SqliteStore::CreateCollection(const CollectionRef& ref, int32_t dimension,
                                                     const std::string& metadata_schema) {
  if (ref.tenant.empty()) return Status::InvalidArgument("tenant must not be empty");
  if (ref.name.empty()) return Status::InvalidArgument("collection name must not be empty");
  if (dimension < 0) {
    return Status::InvalidArgument("dimension of collection '" + ref.name +
                                   "' must not be negative (got " + std::to_string(dimension) +
                                   ")");
  }
  std::lock_guard<std::mutex> lock(write_mu_);
  Connection& c = *writer_;
  c.TrimCache(kMaxCachedStatements);
  WriteTxn txn(&c);
  TRIB_RETURN_NOT_OK(txn.Begin());
  Result<CollectionRow> existing = Lookup(c, ref);
  if (existing.ok()) {
    return Status::AlreadyExists("collection '" + ref.name + "' already exists in tenant '" +
                                 ref.tenant + "'");
  }
  if (!existing.status().IsNotFound()) return existing.status();

  CollectionInfo info;
  info.tenant = ref.tenant;
  info.name = ref.name;
  info.dimension = dimension;
  info.metadata_schema = metadata_schema;
  info.created_at = info.updated_at = NowMicros();
  {
    TRIB_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        c.Cached("INSERT INTO collections (tenant, name, dimension, metadata_schema, "
                 "record_count, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)"));
    StmtScope scope(s);
    BindText(s, 1, ref.tenant);
    BindText(s, 2, ref.name);
    sqlite3_bind_int(s, 3, dimension);
    BindText(s, 4, metadata_schema);
    sqlite3_bind_int64(s, 5, info.created_at);
    TRIB_RETURN_NOT_OK(StepDone(c, s, "creating collection '" + ref.name + "'"));
  }
  const int64_t id = sqlite3_last_insert_rowid(c.db());
  TRIB_RETURN_NOT_OK(c.Exec(CreateRecordsTableSql(id).c_str(),
                            "creating the records table of collection '" + ref.name + "'"));
  TRIB_RETURN_NOT_OK(txn.Commit());
  return info;
}

Result<CollectionInfo> SqliteStore::GetCollection(const CollectionRef& ref) {
  TRIB_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, readers_->Acquire());
  TRIB_ASSIGN_OR_RETURN(CollectionRow row, Lookup(*lease, ref));
  return std::move(row.info);
}

Result<std::vector<CollectionInfo>> SqliteStore::ListCollections(const std::string& tenant) {
  TRIB_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, readers_->Acquire());
  Connection& c = *lease;
  const std::string sql =
      std::string("SELECT tenant, name, dimension, record_count, created_at, updated_at, "
                  "metadata_schema FROM collections ") +
      (tenant.empty() ? "ORDER BY tenant, name" : "WHERE tenant = ?1 ORDER BY name");
  TRIB_ASSIGN_OR_RETURN(sqlite3_stmt * s, c.Cached(sql));
  StmtScope scope(s);
  if (!tenant.empty()) BindText(s, 1, tenant);
  std::vector<CollectionInfo> out;
  auto text = [s](int col) {
    const unsigned char* p = sqlite3_column_text(s, col);
    return p != nullptr ? std::string(reinterpret_cast<const char*>(p),
                                      static_cast<size_t>(sqlite3_column_bytes(s, col)))
                        : std::string();
  };
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    CollectionInfo info;
    info.tenant = text(0);
    info.name = text(1);
    info.dimension = sqlite3_column_int(s, 2);
    info.count = sqlite3_column_int64(s, 3);
    info.created_at = sqlite3_column_int64(s, 4);
    info.updated_at = sqlite3_column_int64(s, 5);
    info.metadata_schema = text(6);
    out.push_back(std::move(info));
  }
  if (rc != SQLITE_DONE) return c.Error(rc, "listing collections");
  return out;
}

// Drops the collection row (its checkpoints, records table and catalog row)
// inside the caller's write transaction.
Status DropInTxn(Connection& c, const CollectionRow& row, const CollectionRef& ref) {
  c.ForgetGroup(row.id);
  const std::string what = "dropping collection '" + ref.name + "'";
  {
    TRIB_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                          c.Cached("DELETE FROM checkpoints WHERE collection_id = ?1"));
    StmtScope scope(s);
    sqlite3_bind_int64(s, 1, row.id);
    TRIB_RETURN_NOT_OK(StepDone(c, s, what));
  }
  TRIB_RETURN_NOT_OK(c.Exec(("DROP TABLE " + TableName(row.id)).c_str(), what));
  {
    TRIB_ASSIGN_OR_RETURN(sqlite3_stmt * s, c.Cached("DELETE FROM collections WHERE id = ?1"));
    StmtScope scope(s);
    sqlite3_bind_int64(s, 1, row.id);
    TRIB_RETURN_NOT_OK(StepDone(c, s, what));
  }
  return Status::OK();
}

Status SqliteStore::DropCollection(const CollectionRef& ref) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Connection& c = *writer_;
  c.TrimCache(kMaxCachedStatements);
  WriteTxn txn(&c);
  TRIB_RETURN_NOT_OK(txn.Begin());
  TRIB_ASSIGN_OR_RETURN(CollectionRow row, Lookup(c, ref));
  TRIB_RETURN_NOT_OK(DropInTxn(c, row, ref));
  return txn.Commit();
}

Status SqliteStore::RenameCollection(const CollectionRef& from, const CollectionRef& to,
                                     bool replace) {
  if (to.tenant.empty()) return Status::InvalidArgument("tenant must not be empty");
  if (to.name.empty()) return Status::InvalidArgument("collection name must not be empty");
  std::lock_guard<std::mutex> lock(write_mu_);
  Connection& c = *writer_;
  c.TrimCache(kMaxCachedStatements);
  WriteTxn txn(&c);
  TRIB_RETURN_NOT_OK(txn.Begin());
  TRIB_ASSIGN_OR_RETURN(CollectionRow row, Lookup(c, from));
  if (from.tenant == to.tenant && from.name == to.name) return Status::OK();
  Result<CollectionRow> existing = Lookup(c, to);
  if (existing.ok()) {
    if (!replace) {
      return Status::AlreadyExists("collection '" + to.name + "' already exists in tenant '" +
                                   to.tenant + "'");
    }
    TRIB_RETURN_NOT_OK(DropInTxn(c, *existing, to));
  } else if (!existing.status().IsNotFound()) {
    return existing.status();
  }
  {
    TRIB_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        c.Cached("UPDATE collections SET tenant = ?1, name = ?2, updated_at = ?3 WHERE id = ?4"));
    StmtScope scope(s);
    BindText(s, 1, to.tenant);
    BindText(s, 2, to.name);
    sqlite3_bind_int64(s, 3, NowMicros());
    sqlite3_bind_int64(s, 4, row.id);
    TRIB_RETURN_NOT_OK(StepDone(c, s, "renaming collection '" + from.name + "' to '" + to.name + "'"));
  }
  return txn.Commit();
}

Status SqliteStore::SetDimension(const CollectionRef& ref, int32_t dimension) {
  if (dimension <= 0) {
    return Status::InvalidArgument("dimension of collection '" + ref.name +
                                   "' must be positive (got " + std::to_string(dimension) + ")");
  }
  std::lock_guard<std::mutex> lock(write_mu_);
  Connection& c = *writer_;
  c.TrimCache(kMaxCachedStatements);
  WriteTxn txn(&c);
  TRIB_RETURN_NOT_OK(txn.Begin());
  TRIB_ASSIGN_OR_RETURN(CollectionRow row, Lookup(c, ref));
  if (row.info.dimension == dimension) return Status::OK();
  if (row.info.dimension != 0) {
    return Status::InvalidArgument("collection '" + ref.name + "' has dimension " +
                                   std::to_string(row.info.dimension) + ", not " +
                                   std::to_string(dimension));
  }
  {
    TRIB_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                          c.Cached("UPDATE collections SET dimension = ?1 WHERE id = ?2"));
    StmtScope scope(s);
    sqlite3_bind_int(s, 1, dimension);
    sqlite3_bind_int64(s, 2, row.id);
    TRIB_RETURN_NOT_OK(StepDone(c, s, "setting the dimension of collection '" + ref.name + "'"));
  }
  return txn.Commit();
}

Status SqliteStore::SaveCheckpoint(int64_t collection_id, const Checkpoint& cp) {
  Connection& c = *writer_;
  TRIB_ASSIGN_OR_RETURN(
      sqlite3_stmt * s,
      c.Cached("INSERT INTO checkpoints (collection_id, job_id, records_done, rows_written, "
               "rows_skipped, rows_failed, bytes_done, state, updated_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
               "ON CONFLICT (collection_id, job_id) DO UPDATE SET "
               "records_done = excluded.records_done, rows_written = excluded.rows_written, "
               "rows_skipped = excluded.rows_skipped, rows_failed = excluded.rows_failed, "
               "bytes_done = excluded.bytes_done, state = excluded.state, "
               "updated_at = excluded.updated_at"));
  StmtScope scope(s);
  sqlite3_bind_int64(s, 1, collection_id);
  BindText(s, 2, cp.job_id);
  sqlite3_bind_int64(s, 3, cp.records_done);
  sqlite3_bind_int64(s, 4, cp.rows_written);
  sqlite3_bind_int64(s, 5, cp.rows_skipped);
  sqlite3_bind_int64(s, 6, cp.rows_failed);
  sqlite3_bind_int64(s, 7, static_cast<int64_t>(cp.bytes_done));
  BindText(s, 8, cp.state);
  sqlite3_bind_int64(s, 9, NowMicros());
  return StepDone(c, s, "saving checkpoint of job '" + cp.job_id + "'");
}

// The writer's page cache holds what inserts walk: the collection's id and
// document_id indexes, which random ids (UUIDs) touch all over, and the
// table's right edge. Every new table page also passes through it once, so
// a large cache on a small collection fills with pages nothing reads again,
// and faulting in that memory is most of what it costs. Sized to the
// indexes instead: 256 bytes per record (two index entries with room to
// spare), rounded up to a power of two from kMinWriterCacheKiB to
// kMaxWriterCacheKiB.
int64_t WriterCacheKiB(int64_t records) {
  int64_t kib = kMinWriterCacheKiB;
  while (kib < kMaxWriterCacheKiB && kib * 1024 < records * 256) kib *= 2;
  return kib;
}

Status SqliteStore::SizeWriterCache(Connection& c, int64_t records) {
  const int64_t kib = WriterCacheKiB(records);
  if (kib == writer_cache_kib_) return Status::OK();
  TRIB_RETURN_NOT_OK(
      c.Exec(("PRAGMA cache_size=-" + std::to_string(kib)).c_str(), "sizing the page cache"));
  writer_cache_kib_ = kib;
  return Status::OK();
}

Result<WriteResult> SqliteStore::WriteBatch(const CollectionRef& ref, const RecordBatch& batch,
                                            const std::vector<size_t>& rows, WriteMode mode,
                                            const Checkpoint* checkpoint) {
  const size_t n = rows.empty() ? batch.num_rows() : rows.size();
  auto row_at = [&](size_t k) { return rows.empty() ? k : rows[k]; };
  for (size_t k = 0; k < n; ++k) {
    const size_t r = row_at(k);
    if (r >= batch.num_rows()) {
      return Status::InvalidArgument("row index " + std::to_string(r) + " is outside the batch (" +
                                     std::to_string(batch.num_rows()) + " rows)");
    }
    if (batch.id.IsNull(r)) {
      return Status::InvalidArgument("row " + std::to_string(r) + " has no id");
    }
  }

  std::lock_guard<std::mutex> lock(write_mu_);
  Connection& c = *writer_;
  c.TrimCache(kMaxCachedStatements);
  WriteTxn txn(&c);
  TRIB_RETURN_NOT_OK(txn.Begin());
  TRIB_ASSIGN_OR_RETURN(CollectionRow col, Lookup(c, ref));
  TRIB_RETURN_NOT_OK(SizeWriterCache(c, col.info.count + static_cast<int64_t>(n)));

  // The first write into a collection without a dimension fixes it.
  // Rows without a vector (documents that are not embedded chunks) are
  // stored with a null one.
  int64_t dimension = col.info.dimension;
  size_t first_vector = n;
  for (size_t k = 0; k < n && first_vector == n; ++k) {
    if (!batch.values.IsNull(row_at(k))) first_vector = k;
  }
  const bool sets_dimension = dimension == 0 && first_vector < n;
  if (sets_dimension) {
    const size_t r0 = row_at(first_vector);
    dimension = static_cast<int64_t>(batch.values.Length(r0));
    if (dimension == 0) {
      return Status::InvalidArgument("row " + std::to_string(r0) + " (id '" +
                                     std::string(batch.id.Get(r0)) + "') has an empty vector");
    }
  }
  for (size_t k = 0; k < n; ++k) {
    const size_t r = row_at(k);
    if (batch.values.IsNull(r)) continue;
    if (static_cast<int64_t>(batch.values.Length(r)) != dimension) {
      return Status::InvalidArgument(
          "row " + std::to_string(r) + " (id '" + std::string(batch.id.Get(r)) + "') has " +
          std::to_string(batch.values.Length(r)) + " values; collection '" + ref.name +
          "' has dimension " + std::to_string(dimension));
    }
  }

  WriteResult result;
  if (n > 0) {
    int64_t next_seq = 1;
    {
      TRIB_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                            c.Cached("SELECT max(seq) FROM " + TableName(col.id), col.id));
      StmtScope scope(s);
      int rc = sqlite3_step(s);
      if (rc != SQLITE_ROW) return c.Error(rc, "writing to collection '" + ref.name + "'");
      next_seq = sqlite3_column_int64(s, 0) + 1;  // NULL (empty table) reads as 0
    }
    TRIB_ASSIGN_OR_RETURN(sqlite3_stmt * ins, c.Cached(InsertSql(col.id, mode), col.id));
    StmtScope scope(ins);
    sqlite3* db = c.db();
    std::vector<uint32_t> scratch;  // only used on big-endian hosts
    for (size_t k = 0; k < n; ++k) {
      const size_t r = row_at(k);
      int rc = sqlite3_bind_int64(ins, 1, next_seq);
      if (rc == SQLITE_OK) rc = BindRecord(ins, batch, r, &scratch);
      if (rc != SQLITE_OK) {
        return c.Error(rc, "binding row " + std::to_string(r) + " (id '" +
                               std::string(batch.id.Get(r)) + "')");
      }
      rc = sqlite3_step(ins);
      if (rc != SQLITE_DONE) {
        return c.Error(rc, "writing row " + std::to_string(r) + " (id '" +
                               std::string(batch.id.Get(r)) + "') to collection '" + ref.name +
                               "'");
      }
      const bool inserted = mode == WriteMode::kUpsert
                                ? sqlite3_last_insert_rowid(db) == next_seq
                                : sqlite3_changes(db) > 0;
      sqlite3_reset(ins);
      if (inserted) {
        ++result.inserted;
        ++next_seq;
      } else if (mode == WriteMode::kUpsert) {
        ++result.updated;
      } else if (mode == WriteMode::kInsert) {
        result.rejected.emplace_back(r, "Duplicate id: " + std::string(batch.id.Get(r)));
      } else {
        ++result.skipped;
      }
    }
  }

  if (result.inserted > 0 || result.updated > 0 || sets_dimension) {
    TRIB_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        c.Cached("UPDATE collections SET record_count = record_count + ?1, updated_at = ?2, "
                 "dimension = ?3 WHERE id = ?4"));
    StmtScope scope(s);
    sqlite3_bind_int64(s, 1, result.inserted);
    sqlite3_bind_int64(s, 2, NowMicros());
    sqlite3_bind_int64(s, 3, dimension);
    sqlite3_bind_int64(s, 4, col.id);
    TRIB_RETURN_NOT_OK(StepDone(c, s, "updating collection '" + ref.name + "'"));
  }
  if (checkpoint != nullptr) {
    Checkpoint cp = *checkpoint;
    if (cp.add_batch_results) {
      cp.rows_written += result.inserted + result.updated;
      cp.rows_skipped += result.skipped;
      cp.rows_failed += static_cast<int64_t>(result.rejected.size());
    }
    if (cp.before_commit) TRIB_RETURN_NOT_OK(cp.before_commit(result, &cp));
    TRIB_RETURN_NOT_OK(SaveCheckpoint(col.id, cp));
  }
  TRIB_RETURN_NOT_OK(txn.Commit());
  return result;
}

Result<std::optional<Checkpoint>> SqliteStore::LoadCheckpoint(const CollectionRef& ref,
                                                              const std::string& job_id) {
  TRIB_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, readers_->Acquire());
  Connection& c = *lease;
  // One snapshot for the lookup and the read; the lease rolls it back.
  TRIB_RETURN_NOT_OK(c.Exec("BEGIN", "starting a read transaction"));
  TRIB_ASSIGN_OR_RETURN(CollectionRow col, Lookup(c, ref));
  TRIB_ASSIGN_OR_RETURN(
      sqlite3_stmt * s,
      c.Cached("SELECT records_done, rows_written, rows_skipped, rows_failed, bytes_done, state "
               "FROM checkpoints WHERE collection_id = ?1 AND job_id = ?2"));
  StmtScope scope(s);
  sqlite3_bind_int64(s, 1, col.id);
  BindText(s, 2, job_id);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<Checkpoint>();
  if (rc != SQLITE_ROW) return c.Error(rc, "loading checkpoint of job '" + job_id + "'");
  Checkpoint cp;
  cp.job_id = job_id;
  cp.records_done = sqlite3_column_int64(s, 0);
  cp.rows_written = sqlite3_column_int64(s, 1);
  cp.rows_skipped = sqlite3_column_int64(s, 2);
  cp.rows_failed = sqlite3_column_int64(s, 3);
  cp.bytes_done = static_cast<uint64_t>(sqlite3_column_int64(s, 4));
  const unsigned char* state = sqlite3_column_text(s, 5);
  if (state != nullptr) {
    cp.state.assign(reinterpret_cast<const char*>(state),
                    static_cast<size_t>(sqlite3_column_bytes(s, 5)));
  }
  return std::optional<Checkpoint>(std::move(cp));
}

Status SqliteStore::DeleteCheckpoint(const CollectionRef& ref, const std::string& job_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Connection& c = *writer_;
  c.TrimCache(kMaxCachedStatements);
  WriteTxn txn(&c);
  TRIB_RETURN_NOT_OK(txn.Begin());
  TRIB_ASSIGN_OR_RETURN(CollectionRow col, Lookup(c, ref));
  {
    TRIB_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        c.Cached("DELETE FROM checkpoints WHERE collection_id = ?1 AND job_id = ?2"));
    StmtScope scope(s);
    sqlite3_bind_int64(s, 1, col.id);
    BindText(s, 2, job_id);
    TRIB_RETURN_NOT_OK(StepDone(c, s, "deleting checkpoint of job '" + job_id + "'"));
  }
  return txn.Commit();
}

Result<std::unique_ptr<RecordIterator>> SqliteStore::Scan(const CollectionRef& ref,
                                                          const ScanOptions& options) {
  SqlFragment where;
  const bool filtered = options.filter != nullptr && !options.filter->matches_all();
  if (filtered) {
    TRIB_ASSIGN_OR_RETURN(where, CompileFilterToSql(*options.filter, SqlDialect::kSqlite));
  }
  TRIB_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, readers_->Acquire());
  Connection& c = *lease;
  // The read transaction spans the lookup and the whole scan, so the scan
  // sees one consistent state even while writes go on.
  TRIB_RETURN_NOT_OK(c.Exec("BEGIN", "starting a read transaction"));
  TRIB_ASSIGN_OR_RETURN(CollectionRow col, Lookup(c, ref));
  std::string sql = "SELECT " + RecordColumns() + " FROM " + TableName(col.id);
  if (filtered) sql += " WHERE " + where.sql;
  sql += " ORDER BY seq";
  // A literal, not a parameter: the filter may already use every parameter
  // SQLite allows.
  if (options.limit >= 0) sql += " LIMIT " + std::to_string(options.limit);
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(c.db(), sql.c_str(), static_cast<int>(sql.size()), 0, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return c.Error(rc, "preparing the scan of collection '" + ref.name + "'");
  TRIB_RETURN_NOT_OK(BindSqlValues(c, stmt.get(), where.params));
  return std::unique_ptr<RecordIterator>(
      new SqliteRecordIterator(std::move(lease), std::move(stmt), ref.name));
}

Result<int64_t> SqliteStore::Count(const CollectionRef& ref, const Filter* filter) {
  SqlFragment where;
  const bool filtered = filter != nullptr && !filter->matches_all();
  if (filtered) {
    TRIB_ASSIGN_OR_RETURN(where, CompileFilterToSql(*filter, SqlDialect::kSqlite));
  }
  TRIB_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, readers_->Acquire());
  Connection& c = *lease;
  if (!filtered) {
    // The catalog keeps the count, maintained with every write.
    TRIB_ASSIGN_OR_RETURN(CollectionRow col, Lookup(c, ref));
    return col.info.count;
  }
  TRIB_RETURN_NOT_OK(c.Exec("BEGIN", "starting a read transaction"));
  TRIB_ASSIGN_OR_RETURN(CollectionRow col, Lookup(c, ref));
  const std::string sql = "SELECT count(*) FROM " + TableName(col.id) + " WHERE " + where.sql;
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(c.db(), sql.c_str(), static_cast<int>(sql.size()), 0, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return c.Error(rc, "preparing the count of collection '" + ref.name + "'");
  TRIB_RETURN_NOT_OK(BindSqlValues(c, stmt.get(), where.params));
  rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return c.Error(rc, "counting collection '" + ref.name + "'");
  return static_cast<int64_t>(sqlite3_column_int64(stmt.get(), 0));
}

// Durability: writes commit with synchronous=NORMAL, which in WAL mode
// appends to the WAL without an fsync, so a power loss may drop the latest
// commits (a process crash loses nothing). Sync commits one small write under
// synchronous=FULL, which fsyncs the WAL file at commit. That single fsync
// covers every earlier commit too: they are earlier frames of the same WAL
// file, or were already copied into the database file by a checkpoint, which
// syncs the WAL before copying and the database after. Unlike a
// wal_checkpoint, this cannot be held up (or left incomplete) by a
// long-running scan pinning an old snapshot, and costs one fsync whatever
// the size of the WAL.
Status SqliteStore::Sync() {
  std::lock_guard<std::mutex> lock(write_mu_);
  Connection& c = *writer_;
  TRIB_RETURN_NOT_OK(c.Exec("PRAGMA synchronous=FULL", "syncing"));
  Status st = [&]() -> Status {
    WriteTxn txn(&c);
    TRIB_RETURN_NOT_OK(txn.Begin());
    TRIB_ASSIGN_OR_RETURN(sqlite3_stmt * s, c.Cached("UPDATE schema_version SET last_sync = ?1"));
    StmtScope scope(s);
    sqlite3_bind_int64(s, 1, NowMicros());
    TRIB_RETURN_NOT_OK(StepDone(c, s, "syncing"));
    return txn.Commit();
  }();
  Status restore = c.Exec("PRAGMA synchronous=NORMAL", "syncing");
  return st.ok() ? restore : st;
}

// Creates the catalog of a new database, or checks the version of an
// existing one.
Status InitSchema(Connection& c) {
  WriteTxn txn(&c);
  TRIB_RETURN_NOT_OK(txn.Begin());
  TRIB_RETURN_NOT_OK(c.Exec(kCreateCatalog, "creating the catalog"));
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(c.db(), "SELECT version FROM schema_version", -1, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return c.Error(rc, "reading the schema version");
  rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_DONE) {
    const std::string insert =
        "INSERT INTO schema_version (version) VALUES (" + std::to_string(kSchemaVersion) + ")";
    TRIB_RETURN_NOT_OK(c.Exec(insert.c_str(), "writing the schema version"));
  } else if (rc == SQLITE_ROW) {
    const int64_t version = sqlite3_column_int64(stmt.get(), 0);
    if (version > kSchemaVersion) {
      return Status::Unsupported("database " + c.path() + " has schema version " +
                                 std::to_string(version) + "; this build supports up to " +
                                 std::to_string(kSchemaVersion));
    }
  } else {
    return c.Error(rc, "reading the schema version");
  }
  stmt.reset();
  return txn.Commit();
}

// Makes a new file's directory entry durable (SQLite syncs the directory for
// its journals, not for the database file itself).
void SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const StoreOptions& options) {
  if (options.data_dir.empty()) return Status::InvalidArgument("data directory must not be empty");
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::IOError("cannot create data directory " + options.data_dir + ": " +
                           ec.message());
  }
  const std::string path = (fs::path(options.data_dir) / kDatabaseFileName).string();
  const bool existed = fs::exists(path, ec);
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer, Connection::Open(path, Role::kWriter));
  Status st = InitSchema(*writer);
  if (!st.ok()) {
    if (st.code() == StatusCode::kIOError || st.code() == StatusCode::kUnsupported) return st;
    return Status::IOError("cannot open database " + path + ": " + st.message());
  }
  if (!existed) SyncDirectory(options.data_dir);
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<WalCheckpointer> checkpointer,
                        WalCheckpointer::Start(path, WalCheckpointer::Limits{}));
  auto readers = std::make_shared<ConnectionPool>(path, kMaxIdleReaders);
  return std::unique_ptr<Store>(
      new SqliteStore(std::move(writer), std::move(checkpointer), std::move(readers)));
}

}  // namespace tributary
