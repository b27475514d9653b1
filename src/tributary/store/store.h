// Store: where collections of vector records live.
//
// The interface every backend implements (embedded SQLite now, PostgreSQL
// next). Nothing backend-specific crosses it: no SQLite handles or types,
// only core types, Filters and plain structs. One shared test suite
// (store/store_test_suite.h) runs against every implementation.
//
// A collection belongs to a tenant; (tenant, name) is unique. Its dimension is
// fixed at creation or by the first write that sets it. Ids are unique within
// a collection; scans return records in the order they were first inserted
// (an upsert keeps a record's place).
//
// Atomicity: WriteBatch applies all its rows and the given checkpoint in one
// transaction; after a crash either both are there or neither is. That is what
// makes resumed imports exact.
//
// Thread-safety: a Store may be used from several threads at once; each call
// is independent. A RecordIterator is used by one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/core/status.h"

namespace tributary {

class Filter;

inline constexpr const char* kDefaultTenant = "default";

struct CollectionInfo {
  std::string tenant;
  std::string name;
  int32_t dimension = 0;  // 0 = not yet known (no vectors written)
  int64_t count = 0;
  int64_t created_at = 0;  // micros since epoch
  int64_t updated_at = 0;
  // Optional JSON Schema (subset) for metadata; empty when none.
  std::string metadata_schema;
};

struct CollectionRef {
  std::string tenant = kDefaultTenant;
  std::string name;
};

enum class WriteMode : uint8_t {
  kInsert,        // a duplicate id (in the store or earlier in the input) is a row error
  kSkipExisting,  // rows whose id exists are left alone and counted as skipped
  kUpsert,        // rows whose id exists replace it (keeping its position)
};
std::string_view WriteModeName(WriteMode m);
// Accepts insert, skip_existing / skip-existing, upsert.
Result<WriteMode> ParseWriteMode(std::string_view name);

// Progress of one import, committed with the rows it covers.
struct Checkpoint {
  std::string job_id;
  int64_t records_done = 0;  // input records consumed (written, skipped or rejected)
  int64_t rows_written = 0;  // inserted + updated
  int64_t rows_skipped = 0;
  int64_t rows_failed = 0;
  uint64_t bytes_done = 0;
  std::string state;         // opaque to the store (JSON text from the engine)
  // When set, the counts above are those before the batch it is written
  // with, and WriteBatch adds the batch's own results (inserted + updated to
  // rows_written, skipped, rejected to rows_failed) in the same transaction,
  // so the stored checkpoint is exact even though the results are only known
  // inside it. Not stored.
  bool add_batch_results = false;
  // When set, WriteBatch calls it inside the transaction, after the batch's
  // rows are written and before this checkpoint is stored, with the batch's
  // results and the checkpoint about to be stored (counts already added). It
  // may change the checkpoint's state, e.g. after recording the rows the
  // store refused somewhere durable, so that the record and the checkpoint
  // commit together; an error from it rolls the whole batch back. Not
  // stored.
  std::function<Status(const struct WriteResult&, Checkpoint*)> before_commit;
};

struct WriteResult {
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t skipped = 0;
  // Rows refused by the store (duplicate id in insert mode): batch row index
  // and message ("Duplicate id: x").
  std::vector<std::pair<size_t, std::string>> rejected;
};

// Streams the records of a scan in batches.
class RecordIterator {
 public:
  virtual ~RecordIterator() = default;
  // Clears *batch and fills it with up to max_rows records. An empty batch
  // with OK status means the end.
  virtual Status Next(size_t max_rows, RecordBatch* batch) = 0;
};

struct ScanOptions {
  const Filter* filter = nullptr;  // nullptr = all records; must outlive the iterator
  int64_t limit = -1;              // -1 = no limit
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates a collection. dimension 0 = set by the first write.
  // AlreadyExists if (tenant, name) exists.
  virtual Result<CollectionInfo> CreateCollection(const CollectionRef& ref, int32_t dimension,
                                                  const std::string& metadata_schema) = 0;
  // NotFound if missing.
  virtual Result<CollectionInfo> GetCollection(const CollectionRef& ref) = 0;
  // Collections of a tenant, by name; all tenants when tenant is empty.
  virtual Result<std::vector<CollectionInfo>> ListCollections(const std::string& tenant) = 0;
  // Removes a collection, its records and its checkpoints. NotFound if missing.
  virtual Status DropCollection(const CollectionRef& ref) = 0;
  // Fixes the dimension of a collection that has none yet; InvalidArgument if
  // it already has a different one.
  virtual Status SetDimension(const CollectionRef& ref, int32_t dimension) = 0;
  // Gives collection from the name and tenant of to, with its records,
  // dimension and schema, in one transaction. If to exists: AlreadyExists,
  // unless replace, in which case to (records and checkpoints) is dropped in
  // that same transaction, so readers see either the old or the new
  // collection, never neither. NotFound if from is missing. Backends that
  // cannot do this atomically return Unsupported (the default).
  virtual Status RenameCollection(const CollectionRef& from, const CollectionRef& to, bool replace);

  // Writes the rows of batch selected by rows (indices into batch; all rows
  // when rows is empty) in mode, and stores checkpoint (if given) in the same
  // transaction. An empty batch with a checkpoint stores only the checkpoint.
  // REQUIRES: every selected row has id, document_id, a vector of the
  // collection's dimension or none (documents that are not embedded chunks),
  // non-null metadata and timestamps (the Validator's job).
  virtual Result<WriteResult> WriteBatch(const CollectionRef& ref, const RecordBatch& batch,
                                         const std::vector<size_t>& rows, WriteMode mode,
                                         const Checkpoint* checkpoint) = 0;

  // The last checkpoint stored for job_id in this collection, if any.
  virtual Result<std::optional<Checkpoint>> LoadCheckpoint(const CollectionRef& ref,
                                                           const std::string& job_id) = 0;
  virtual Status DeleteCheckpoint(const CollectionRef& ref, const std::string& job_id) = 0;

  // Records matching options.filter, in insertion order, at most limit.
  virtual Result<std::unique_ptr<RecordIterator>> Scan(const CollectionRef& ref,
                                                       const ScanOptions& options) = 0;
  virtual Result<int64_t> Count(const CollectionRef& ref, const Filter* filter) = 0;

  // Makes every committed write durable (fsync), for the end of an import.
  virtual Status Sync() = 0;
};

struct StoreOptions {
  std::string data_dir = "./tributary-data";
};

// The embedded store: a SQLite database in WAL mode under data_dir.
Result<std::unique_ptr<Store>> OpenSqliteStore(const StoreOptions& options);

}  // namespace tributary
