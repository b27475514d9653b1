// The conformance suite every Store implementation passes.
//
// A backend instantiates it once, in its own test file, with a type whose
// static Factory() returns the StoreFactory that opens it:
//
//   struct SqliteBackend {
//     static StoreFactory Factory();
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreTest, SqliteBackend);
//
// The factory opens the store that keeps its data in dir. Each test gets a
// fresh, empty directory; calling the factory again with the same dir must
// reopen the same data (the reopen and crash tests do). A factory returns
// nullptr when the backend is unavailable (say, no PostgreSQL server), which
// skips the test; it reports a real failure with ADD_FAILURE itself.
//
// The crash test forks: the child calls the factory after fork() and is
// killed with SIGKILL, so a factory must not rely on state set up in the
// parent beyond dir.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cfloat>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_util.h"
#include "tributary/filter/filter.h"
#include "tributary/store/store.h"

namespace tributary::store_test {

using StoreFactory = std::function<std::unique_ptr<Store>(const std::string& dir)>;

// A record as plain values, for building batches and comparing scans.
struct TestRecord {
  std::string id;
  std::optional<std::string> document_id = "doc";
  std::optional<std::vector<float>> values;
  std::optional<std::string> content;
  std::optional<std::string> metadata = "{}";
  std::optional<std::string> chunk_id, content_hash, content_type, language;
  std::optional<int64_t> chunk_index, chunk_count;
  std::optional<std::string> model;
  std::optional<int64_t> created_at = 0, updated_at = 0;
};

inline bool SameBits(const std::optional<std::vector<float>>& a,
                     const std::optional<std::vector<float>>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->size() == b->size() &&
         (a->empty() || std::memcmp(a->data(), b->data(), a->size() * sizeof(float)) == 0);
}

inline bool operator==(const TestRecord& a, const TestRecord& b) {
  return a.id == b.id && a.document_id == b.document_id && SameBits(a.values, b.values) &&
         a.content == b.content && a.metadata == b.metadata && a.chunk_id == b.chunk_id &&
         a.content_hash == b.content_hash && a.content_type == b.content_type &&
         a.language == b.language && a.chunk_index == b.chunk_index &&
         a.chunk_count == b.chunk_count && a.model == b.model && a.created_at == b.created_at &&
         a.updated_at == b.updated_at;
}

inline void PrintTo(const TestRecord& r, std::ostream* os) {
  auto s = [os](const char* name, const std::optional<std::string>& v) {
    *os << " " << name << "=" << (v ? "\"" + *v + "\"" : std::string("null"));
  };
  auto i = [os](const char* name, const std::optional<int64_t>& v) {
    *os << " " << name << "=" << (v ? std::to_string(*v) : std::string("null"));
  };
  *os << "{id=\"" << r.id << "\"";
  s("document_id", r.document_id);
  *os << " values=";
  if (r.values) {
    *os << "[";
    for (float f : *r.values) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%a ", static_cast<double>(f));
      *os << buf;
    }
    *os << "]";
  } else {
    *os << "null";
  }
  s("content", r.content);
  s("metadata", r.metadata);
  s("chunk_id", r.chunk_id);
  s("content_hash", r.content_hash);
  s("content_type", r.content_type);
  s("language", r.language);
  i("chunk_index", r.chunk_index);
  i("chunk_count", r.chunk_count);
  s("model", r.model);
  i("created_at", r.created_at);
  i("updated_at", r.updated_at);
  *os << "}";
}

// Ids that sort like their numbers: "r00042".
inline std::string IdOf(int64_t i, const char* prefix = "r") {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s%05lld", prefix, static_cast<long long>(i));
  return buf;
}

// A fully populated record whose fields derive from n.
inline TestRecord MakeRecord(int64_t n, int dimension, const char* prefix = "r") {
  TestRecord r;
  r.id = IdOf(n, prefix);
  r.document_id = "doc-" + std::to_string(n / 4);
  r.values.emplace();
  for (int j = 0; j < dimension; ++j) r.values->push_back(static_cast<float>(n) + 0.25f * j);
  r.content = "content of record " + std::to_string(n);
  r.metadata = "{\"n\":" + std::to_string(n) + ",\"tag\":\"" + "abc"[n % 3] +
               "\",\"nested\":{\"k\":" + std::to_string(n % 4) + "}}";
  r.chunk_id = "chunk-" + std::to_string(n);
  r.content_hash = "hash-" + std::to_string(n);
  r.content_type = "text/plain";
  r.language = n % 2 == 0 ? "en" : "fr";
  r.chunk_index = n;
  r.chunk_count = 100;
  r.model = "test-model";
  r.created_at = 1700000000000000 + n;
  r.updated_at = 1700000000000000 + 2 * n;
  return r;
}

inline std::vector<TestRecord> MakeRecords(int64_t first, int64_t count, int dimension,
                                           const char* prefix = "r") {
  std::vector<TestRecord> out;
  for (int64_t i = first; i < first + count; ++i) out.push_back(MakeRecord(i, dimension, prefix));
  return out;
}

inline void AppendRecord(const TestRecord& r, RecordBatch* b) {
  auto str = [](StringColumn& c, const std::optional<std::string>& v) {
    if (v) c.Append(*v); else c.AppendNull();
  };
  auto num = [](Int64Column& c, const std::optional<int64_t>& v) {
    if (v) c.Append(*v); else c.AppendNull();
  };
  b->id.Append(r.id);
  str(b->document_id, r.document_id);
  if (r.values) b->values.Append(*r.values); else b->values.AppendNull();
  str(b->content, r.content);
  str(b->metadata, r.metadata);
  str(b->chunk_id, r.chunk_id);
  str(b->content_hash, r.content_hash);
  str(b->content_type, r.content_type);
  str(b->language, r.language);
  num(b->chunk_index, r.chunk_index);
  num(b->chunk_count, r.chunk_count);
  str(b->model, r.model);
  num(b->created_at, r.created_at);
  num(b->updated_at, r.updated_at);
  b->origin.push_back(RowOrigin{static_cast<int64_t>(b->num_rows()) + 1, 0});
}

inline RecordBatch MakeBatch(const std::vector<TestRecord>& records) {
  RecordBatch b;
  for (const TestRecord& r : records) AppendRecord(r, &b);
  return b;
}

inline TestRecord RecordAt(const RecordBatch& b, size_t i) {
  auto str = [i](const StringColumn& c) {
    return c.IsNull(i) ? std::nullopt : std::optional<std::string>(std::string(c.Get(i)));
  };
  auto num = [i](const Int64Column& c) {
    return c.IsNull(i) ? std::nullopt : std::optional<int64_t>(c.Get(i));
  };
  TestRecord r;
  r.id = std::string(b.id.Get(i));
  r.document_id = str(b.document_id);
  if (b.values.IsNull(i)) {
    r.values.reset();
  } else {
    std::span<const float> v = b.values.Get(i);
    r.values.emplace(v.begin(), v.end());
  }
  r.content = str(b.content);
  r.metadata = str(b.metadata);
  r.chunk_id = str(b.chunk_id);
  r.content_hash = str(b.content_hash);
  r.content_type = str(b.content_type);
  r.language = str(b.language);
  r.chunk_index = num(b.chunk_index);
  r.chunk_count = num(b.chunk_count);
  r.model = str(b.model);
  r.created_at = num(b.created_at);
  r.updated_at = num(b.updated_at);
  return r;
}

// Every column of a batch has num_rows() entries.
inline ::testing::AssertionResult BatchIsComplete(const RecordBatch& b) {
  const size_t n = b.num_rows();
  for (Field f : AllFields()) {
    size_t size = 0;
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject: size = b.strings(f).size(); break;
      case FieldType::kInt64:
      case FieldType::kTimestamp: size = b.ints(f).size(); break;
      case FieldType::kVector: size = b.values.size(); break;
    }
    if (size != n) {
      return ::testing::AssertionFailure()
             << "column " << FieldName(f) << " has " << size << " entries, batch has " << n;
    }
  }
  return ::testing::AssertionSuccess();
}

// Scans ref to the end, max_rows at a time, checking every batch.
inline std::vector<TestRecord> ScanAll(Store* store, const CollectionRef& ref,
                                       const Filter* filter = nullptr, int64_t limit = -1,
                                       size_t max_rows = 7) {
  std::vector<TestRecord> out;
  Result<std::unique_ptr<RecordIterator>> it = store->Scan(ref, ScanOptions{filter, limit});
  if (!it.ok()) {
    ADD_FAILURE() << "Scan: " << it.status().ToString();
    return out;
  }
  RecordBatch batch;
  for (;;) {
    Status st = (*it)->Next(max_rows, &batch);
    if (!st.ok()) {
      ADD_FAILURE() << "Next: " << st.ToString();
      return out;
    }
    if (batch.num_rows() == 0) break;
    EXPECT_LE(batch.num_rows(), max_rows);
    EXPECT_TRUE(BatchIsComplete(batch));
    for (size_t i = 0; i < batch.num_rows(); ++i) out.push_back(RecordAt(batch, i));
  }
  // The end stays the end.
  EXPECT_TRUE((*it)->Next(max_rows, &batch).ok());
  EXPECT_EQ(batch.num_rows(), 0u);
  return out;
}

inline std::vector<std::string> IdsOf(const std::vector<TestRecord>& records) {
  std::vector<std::string> ids;
  for (const TestRecord& r : records) ids.push_back(r.id);
  return ids;
}

inline std::vector<std::string> IdRange(int64_t first, int64_t count, const char* prefix = "r") {
  std::vector<std::string> ids;
  for (int64_t i = first; i < first + count; ++i) ids.push_back(IdOf(i, prefix));
  return ids;
}

inline Filter ParseFilterOrDie(const std::string& text) {
  Result<Filter> f = Filter::Parse(text);
  if (!f.ok()) {
    ADD_FAILURE() << "Filter::Parse(" << text << "): " << f.status().ToString();
    return Filter();
  }
  return std::move(f).value();
}

inline Checkpoint MakeCheckpoint(const std::string& job, int64_t rows) {
  Checkpoint cp;
  cp.job_id = job;
  cp.records_done = rows + 3;
  cp.rows_written = rows;
  cp.rows_skipped = 2;
  cp.rows_failed = 1;
  cp.bytes_done = static_cast<uint64_t>(rows) * 1000 + 7;
  cp.state = "{\"offset\":" + std::to_string(rows) + "}";
  return cp;
}

inline void ExpectSameCheckpoint(const Checkpoint& want, const Checkpoint& got) {
  EXPECT_EQ(got.job_id, want.job_id);
  EXPECT_EQ(got.records_done, want.records_done);
  EXPECT_EQ(got.rows_written, want.rows_written);
  EXPECT_EQ(got.rows_skipped, want.rows_skipped);
  EXPECT_EQ(got.rows_failed, want.rows_failed);
  EXPECT_EQ(got.bytes_done, want.bytes_done);
  EXPECT_EQ(got.state, want.state);
}

template <typename Backend>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Open();
    if (store_ == nullptr && !HasFailure()) GTEST_SKIP() << "store backend unavailable";
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> Open() { return Backend::Factory()(dir_.path()); }
  void Reopen() {
    store_.reset();
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  CollectionInfo Create(const CollectionRef& ref, int32_t dimension,
                        const std::string& schema = "") {
    Result<CollectionInfo> info = store_->CreateCollection(ref, dimension, schema);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? *info : CollectionInfo{};
  }

  WriteResult Write(const CollectionRef& ref, const std::vector<TestRecord>& records,
                    WriteMode mode = WriteMode::kInsert, const Checkpoint* cp = nullptr) {
    RecordBatch batch = MakeBatch(records);
    Result<WriteResult> r = store_->WriteBatch(ref, batch, {}, mode, cp);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : WriteResult{};
  }

  int64_t CountOf(const CollectionRef& ref, const Filter* filter = nullptr) {
    Result<int64_t> n = store_->Count(ref, filter);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }

  std::optional<Checkpoint> LoadCp(const CollectionRef& ref, const std::string& job) {
    Result<std::optional<Checkpoint>> cp = store_->LoadCheckpoint(ref, job);
    EXPECT_TRUE(cp.ok()) << cp.status().ToString();
    return cp.ok() ? *cp : std::nullopt;
  }

  ::tributary::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreTest);

TYPED_TEST_P(StoreTest, CreateGetList) {
  Store* s = this->store_.get();
  CollectionRef a{"default", "alpha"}, b{"default", "beta"};
  CollectionInfo created = this->Create(b, 8, R"({"type":"object"})");
  EXPECT_EQ(created.tenant, "default");
  EXPECT_EQ(created.name, "beta");
  EXPECT_EQ(created.dimension, 8);
  EXPECT_EQ(created.count, 0);
  EXPECT_GT(created.created_at, 0);
  this->Create(a, 0);

  Result<CollectionInfo> got = s->GetCollection(b);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "beta");
  EXPECT_EQ(got->dimension, 8);
  EXPECT_EQ(got->count, 0);
  EXPECT_EQ(got->metadata_schema, R"({"type":"object"})");
  EXPECT_EQ(got->created_at, created.created_at);

  Result<std::vector<CollectionInfo>> list = s->ListCollections("default");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "alpha");  // by name
  EXPECT_EQ((*list)[1].name, "beta");
  EXPECT_EQ((*list)[1].dimension, 8);

  Result<std::vector<CollectionInfo>> none = s->ListCollections("nobody");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TYPED_TEST_P(StoreTest, CreateRejectsDuplicatesAndBadArguments) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 4);
  Result<CollectionInfo> dup = s->CreateCollection(ref, 4, "");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(dup.status().message().find("'docs'"), std::string::npos) << dup.status().message();

  Result<CollectionInfo> negative = s->CreateCollection({"default", "neg"}, -1, "");
  EXPECT_EQ(negative.status().code(), StatusCode::kInvalidArgument);
  Result<CollectionInfo> unnamed = s->CreateCollection({"default", ""}, 4, "");
  EXPECT_EQ(unnamed.status().code(), StatusCode::kInvalidArgument);
}

TYPED_TEST_P(StoreTest, MissingCollectionIsNotFound) {
  Store* s = this->store_.get();
  CollectionRef ref{"acme", "ghost"};
  Result<CollectionInfo> got = s->GetCollection(ref);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsNotFound());
  EXPECT_EQ(got.status().message(), "collection 'ghost' not found in tenant 'acme'");

  EXPECT_TRUE(s->DropCollection(ref).IsNotFound());
  EXPECT_TRUE(s->SetDimension(ref, 3).IsNotFound());
  RecordBatch batch = MakeBatch(MakeRecords(0, 2, 3));
  Checkpoint cp = MakeCheckpoint("job", 2);
  EXPECT_TRUE(s->WriteBatch(ref, batch, {}, WriteMode::kInsert, &cp).status().IsNotFound());
  EXPECT_TRUE(s->Scan(ref, {}).status().IsNotFound());
  EXPECT_TRUE(s->Count(ref, nullptr).status().IsNotFound());
  EXPECT_TRUE(s->LoadCheckpoint(ref, "job").status().IsNotFound());
  EXPECT_TRUE(s->DeleteCheckpoint(ref, "job").IsNotFound());
}

TYPED_TEST_P(StoreTest, TenantsAreIsolated) {
  Store* s = this->store_.get();
  CollectionRef t1{"t1", "docs"}, t2{"t2", "docs"}, other{"t1", "more"};
  this->Create(t1, 3);
  this->Create(t2, 5);
  this->Create(other, 3);
  this->Write(t1, MakeRecords(0, 4, 3));
  this->Write(t2, MakeRecords(0, 2, 5));  // same ids, different collection

  EXPECT_EQ(this->CountOf(t1), 4);
  EXPECT_EQ(this->CountOf(t2), 2);
  EXPECT_EQ(s->GetCollection(t2)->dimension, 5);
  EXPECT_EQ(ScanAll(s, t2).size(), 2u);
  EXPECT_EQ(ScanAll(s, t2)[1].values->size(), 5u);

  Result<std::vector<CollectionInfo>> l1 = s->ListCollections("t1");
  ASSERT_TRUE(l1.ok());
  ASSERT_EQ(l1->size(), 2u);
  for (const CollectionInfo& c : *l1) EXPECT_EQ(c.tenant, "t1");
  Result<std::vector<CollectionInfo>> l2 = s->ListCollections("t2");
  ASSERT_TRUE(l2.ok());
  ASSERT_EQ(l2->size(), 1u);
  EXPECT_EQ((*l2)[0].tenant, "t2");
  EXPECT_EQ((*l2)[0].count, 2);
  Result<std::vector<CollectionInfo>> all = s->ListCollections("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].tenant + "/" + (*all)[0].name, "t1/docs");
  EXPECT_EQ((*all)[1].tenant + "/" + (*all)[1].name, "t1/more");
  EXPECT_EQ((*all)[2].tenant + "/" + (*all)[2].name, "t2/docs");

  // A checkpoint belongs to one collection.
  Checkpoint cp = MakeCheckpoint("job", 0);
  ASSERT_TRUE(s->WriteBatch(t1, RecordBatch(), {}, WriteMode::kInsert, &cp).ok());
  EXPECT_TRUE(this->LoadCp(t1, "job").has_value());
  EXPECT_FALSE(this->LoadCp(t2, "job").has_value());

  ASSERT_TRUE(s->DropCollection(t1).ok());
  EXPECT_TRUE(s->GetCollection(t1).status().IsNotFound());
  EXPECT_EQ(this->CountOf(t2), 2);
  EXPECT_EQ(IdsOf(ScanAll(s, t2)), IdRange(0, 2));
}

TYPED_TEST_P(StoreTest, DropRemovesRecordsAndCheckpoints) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  Checkpoint cp = MakeCheckpoint("job-1", 5);
  this->Write(ref, MakeRecords(0, 5, 3), WriteMode::kInsert, &cp);
  ASSERT_TRUE(s->DropCollection(ref).ok());
  EXPECT_TRUE(s->GetCollection(ref).status().IsNotFound());
  EXPECT_TRUE(s->ListCollections("default")->empty());

  // The same name again is a new, empty collection.
  CollectionInfo again = this->Create(ref, 4);
  EXPECT_EQ(again.dimension, 4);
  EXPECT_EQ(this->CountOf(ref), 0);
  EXPECT_TRUE(ScanAll(s, ref).empty());
  EXPECT_FALSE(this->LoadCp(ref, "job-1").has_value());
  WriteResult w = this->Write(ref, MakeRecords(0, 5, 4));
  EXPECT_EQ(w.inserted, 5);
  EXPECT_TRUE(w.rejected.empty());
}

TYPED_TEST_P(StoreTest, SetDimensionFixesItOnce) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 0);
  EXPECT_EQ(s->GetCollection(ref)->dimension, 0);
  ASSERT_TRUE(s->SetDimension(ref, 4).ok());
  EXPECT_EQ(s->GetCollection(ref)->dimension, 4);
  EXPECT_TRUE(s->SetDimension(ref, 4).ok());
  Status other = s->SetDimension(ref, 8);
  EXPECT_EQ(other.code(), StatusCode::kInvalidArgument) << other.ToString();
  EXPECT_EQ(s->GetCollection(ref)->dimension, 4);
  EXPECT_EQ(s->SetDimension(ref, 0).code(), StatusCode::kInvalidArgument);
}

TYPED_TEST_P(StoreTest, FirstWriteFixesDimension) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 0);
  this->Write(ref, MakeRecords(0, 3, 6));
  EXPECT_EQ(s->GetCollection(ref)->dimension, 6);
  EXPECT_FALSE(s->SetDimension(ref, 7).ok());
}

TYPED_TEST_P(StoreTest, WrongDimensionWritesNothing) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 4);
  std::vector<TestRecord> records = MakeRecords(0, 3, 4);
  records[2].values->push_back(1.0f);
  RecordBatch batch = MakeBatch(records);
  Checkpoint cp = MakeCheckpoint("job", 3);
  Result<WriteResult> r = s->WriteBatch(ref, batch, {}, WriteMode::kInsert, &cp);
  EXPECT_FALSE(r.ok());
  // The batch is all or nothing: no row, no checkpoint.
  EXPECT_EQ(this->CountOf(ref), 0);
  EXPECT_TRUE(ScanAll(s, ref).empty());
  EXPECT_FALSE(this->LoadCp(ref, "job").has_value());
}

TYPED_TEST_P(StoreTest, InsertRejectsDuplicateIdsAcrossBatches) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  WriteResult first = this->Write(ref, MakeRecords(0, 5, 3));
  EXPECT_EQ(first.inserted, 5);
  EXPECT_TRUE(first.rejected.empty());

  // Rows 1 and 3 of this batch exist already.
  std::vector<TestRecord> second = MakeRecords(5, 4, 3);
  second[1] = MakeRecord(2, 3);
  second[1].content = "changed";
  second[3] = MakeRecord(4, 3);
  WriteResult w = this->Write(ref, second);
  EXPECT_EQ(w.inserted, 2);
  EXPECT_EQ(w.updated, 0);
  EXPECT_EQ(w.skipped, 0);
  ASSERT_EQ(w.rejected.size(), 2u);
  EXPECT_EQ(w.rejected[0].first, 1u);
  EXPECT_EQ(w.rejected[0].second, "Duplicate id: r00002");
  EXPECT_EQ(w.rejected[1].first, 3u);
  EXPECT_EQ(w.rejected[1].second, "Duplicate id: r00004");

  std::vector<TestRecord> all = ScanAll(s, ref);
  EXPECT_EQ(IdsOf(all), (std::vector<std::string>{"r00000", "r00001", "r00002", "r00003",
                                                  "r00004", "r00005", "r00007"}));
  EXPECT_EQ(all[2], MakeRecord(2, 3));  // the original stays
  EXPECT_EQ(this->CountOf(ref), 7);
  EXPECT_EQ(s->GetCollection(ref)->count, 7);
}

TYPED_TEST_P(StoreTest, BeforeCommitSeesTheResultsAndSetsTheState) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  this->Write(ref, MakeRecords(0, 2, 3));
  // Row 1 of this batch exists already: the hook sees it refused, and what
  // it writes into the state is what is stored.
  std::vector<TestRecord> batch = MakeRecords(2, 3, 3);
  batch[1] = MakeRecord(0, 3);
  Checkpoint cp = MakeCheckpoint("job", 3);
  cp.add_batch_results = true;
  int calls = 0;
  cp.before_commit = [&](const WriteResult& r, Checkpoint* c) {
    ++calls;
    EXPECT_EQ(r.inserted, 2);
    EXPECT_EQ(r.rejected.size(), 1u);
    EXPECT_EQ(c->rows_failed, cp.rows_failed + 1);  // counts already added
    c->state = "refused=" + std::to_string(r.rejected.size());
    return Status::OK();
  };
  Result<WriteResult> w = s->WriteBatch(ref, MakeBatch(batch), {}, WriteMode::kInsert, &cp);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(calls, 1);
  std::optional<Checkpoint> stored = this->LoadCp(ref, "job");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->state, "refused=1");

  // An error from the hook rolls the batch back: no rows, old checkpoint.
  Checkpoint bad = MakeCheckpoint("job", 9);
  bad.before_commit = [](const WriteResult&, Checkpoint*) {
    return Status::IOError("rejects file: disk full");
  };
  Result<WriteResult> r = s->WriteBatch(ref, MakeBatch(MakeRecords(10, 2, 3)), {}, WriteMode::kInsert, &bad);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("disk full"), std::string::npos);
  EXPECT_EQ(this->CountOf(ref), 4);
  EXPECT_EQ(this->LoadCp(ref, "job")->state, "refused=1");
}

TYPED_TEST_P(StoreTest, InsertRejectsDuplicateIdsWithinBatch) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  std::vector<TestRecord> records = MakeRecords(0, 4, 3);
  TestRecord again = MakeRecord(1, 3);
  again.content = "second copy";
  records.push_back(again);
  records.push_back(MakeRecord(4, 3));
  WriteResult w = this->Write(ref, records);
  EXPECT_EQ(w.inserted, 5);
  ASSERT_EQ(w.rejected.size(), 1u);
  EXPECT_EQ(w.rejected[0].first, 4u);
  EXPECT_EQ(w.rejected[0].second, "Duplicate id: r00001");
  std::vector<TestRecord> all = ScanAll(s, ref);
  EXPECT_EQ(IdsOf(all), IdRange(0, 5));
  EXPECT_EQ(all[1], MakeRecord(1, 3));  // the first occurrence wins
  EXPECT_EQ(this->CountOf(ref), 5);
}

TYPED_TEST_P(StoreTest, SkipExistingLeavesRowsAlone) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  this->Write(ref, MakeRecords(0, 3, 3), WriteMode::kSkipExisting);
  std::vector<TestRecord> records = MakeRecords(2, 3, 3);  // r2 exists
  records[0].content = "ignored";
  TestRecord dup = MakeRecord(3, 3);  // repeats an earlier row of this batch
  dup.content = "ignored too";
  records.push_back(dup);
  WriteResult w = this->Write(ref, records, WriteMode::kSkipExisting);
  EXPECT_EQ(w.inserted, 2);
  EXPECT_EQ(w.skipped, 2);
  EXPECT_EQ(w.updated, 0);
  EXPECT_TRUE(w.rejected.empty());
  std::vector<TestRecord> all = ScanAll(s, ref);
  EXPECT_EQ(all, MakeRecords(0, 5, 3));
  EXPECT_EQ(this->CountOf(ref), 5);
}

TYPED_TEST_P(StoreTest, UpsertReplacesInPlace) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  WriteResult first = this->Write(ref, MakeRecords(0, 4, 3), WriteMode::kUpsert);
  EXPECT_EQ(first.inserted, 4);
  EXPECT_EQ(first.updated, 0);

  TestRecord new_one = MakeRecord(1, 3);
  new_one.content = "replaced";
  new_one.values = std::vector<float>{9.0f, 8.0f, 7.0f};
  new_one.chunk_id.reset();  // a replaced field may become null
  new_one.metadata = R"({"v":2})";
  TestRecord fresh = MakeRecord(10, 3);
  TestRecord fresh_again = fresh;  // inserted earlier in the same batch, then replaced
  fresh_again.content = "replaced within the batch";
  WriteResult w = this->Write(ref, {new_one, fresh, fresh_again}, WriteMode::kUpsert);
  EXPECT_EQ(w.inserted, 1);
  EXPECT_EQ(w.updated, 2);
  EXPECT_EQ(w.skipped, 0);
  EXPECT_TRUE(w.rejected.empty());

  std::vector<TestRecord> all = ScanAll(s, ref);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(IdsOf(all), (std::vector<std::string>{"r00000", "r00001", "r00002", "r00003",
                                                  "r00010"}));
  EXPECT_EQ(all[1], new_one);  // kept its position
  EXPECT_EQ(all[4], fresh_again);
  EXPECT_EQ(this->CountOf(ref), 5);
  EXPECT_EQ(s->GetCollection(ref)->count, 5);
}

TYPED_TEST_P(StoreTest, WritesSelectedRows) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  RecordBatch batch = MakeBatch(MakeRecords(0, 5, 3));
  Result<WriteResult> w = s->WriteBatch(ref, batch, {4, 1}, WriteMode::kInsert, nullptr);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->inserted, 2);
  EXPECT_EQ(IdsOf(ScanAll(s, ref)), (std::vector<std::string>{"r00004", "r00001"}));

  // Rejections name the row of the batch, not the position in rows.
  w = s->WriteBatch(ref, batch, {0, 1}, WriteMode::kInsert, nullptr);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->inserted, 1);
  ASSERT_EQ(w->rejected.size(), 1u);
  EXPECT_EQ(w->rejected[0].first, 1u);

  // No rows selected and an empty batch: only the checkpoint is stored.
  Checkpoint cp = MakeCheckpoint("job", 3);
  w = s->WriteBatch(ref, RecordBatch(), {}, WriteMode::kInsert, &cp);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->inserted, 0);
  EXPECT_EQ(this->CountOf(ref), 3);
  ASSERT_TRUE(this->LoadCp(ref, "job").has_value());

  // Empty rows means the whole batch.
  w = s->WriteBatch(ref, batch, {}, WriteMode::kSkipExisting, nullptr);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->inserted, 2);
  EXPECT_EQ(w->skipped, 3);
  EXPECT_EQ(IdsOf(ScanAll(s, ref)),
            (std::vector<std::string>{"r00004", "r00001", "r00000", "r00002", "r00003"}));
}

TYPED_TEST_P(StoreTest, CheckpointsAreStoredWithRows) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  EXPECT_FALSE(this->LoadCp(ref, "job").has_value());

  Checkpoint cp1 = MakeCheckpoint("job", 4);
  this->Write(ref, MakeRecords(0, 4, 3), WriteMode::kInsert, &cp1);
  std::optional<Checkpoint> got = this->LoadCp(ref, "job");
  ASSERT_TRUE(got.has_value());
  ExpectSameCheckpoint(cp1, *got);

  Checkpoint cp2 = MakeCheckpoint("job", 8);
  cp2.bytes_done = (uint64_t{1} << 40) + 5;
  cp2.state = "";
  this->Write(ref, MakeRecords(4, 4, 3), WriteMode::kInsert, &cp2);
  Checkpoint other = MakeCheckpoint("other-job", 1);
  this->Write(ref, MakeRecords(8, 1, 3), WriteMode::kInsert, &other);
  got = this->LoadCp(ref, "job");
  ASSERT_TRUE(got.has_value());
  ExpectSameCheckpoint(cp2, *got);
  got = this->LoadCp(ref, "other-job");
  ASSERT_TRUE(got.has_value());
  ExpectSameCheckpoint(other, *got);

  ASSERT_TRUE(s->DeleteCheckpoint(ref, "job").ok());
  EXPECT_FALSE(this->LoadCp(ref, "job").has_value());
  EXPECT_TRUE(this->LoadCp(ref, "other-job").has_value());
  EXPECT_TRUE(s->DeleteCheckpoint(ref, "never-existed").ok());
  EXPECT_EQ(this->CountOf(ref), 9);
}

TYPED_TEST_P(StoreTest, CheckpointCanAddTheBatchResults) {
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  this->Write(ref, MakeRecords(0, 2, 3));
  // Counts before the batch; the store adds what the batch did.
  Checkpoint cp = MakeCheckpoint("job", 10);
  cp.add_batch_results = true;
  WriteResult w = this->Write(ref, MakeRecords(0, 5, 3), WriteMode::kSkipExisting, &cp);
  EXPECT_EQ(w.inserted, 3);
  EXPECT_EQ(w.skipped, 2);
  std::optional<Checkpoint> got = this->LoadCp(ref, "job");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->rows_written, 10 + 3);
  EXPECT_EQ(got->rows_skipped, 2 + 2);
  EXPECT_EQ(got->rows_failed, 1);
  EXPECT_EQ(got->records_done, cp.records_done);
  // Insert mode: duplicates are rejected rows, counted as failed.
  Checkpoint cp2 = MakeCheckpoint("job", 20);
  cp2.add_batch_results = true;
  w = this->Write(ref, MakeRecords(4, 3, 3), WriteMode::kInsert, &cp2);
  EXPECT_EQ(w.inserted, 2);
  EXPECT_EQ(w.rejected.size(), 1u);
  got = this->LoadCp(ref, "job");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->rows_written, 20 + 2);
  EXPECT_EQ(got->rows_failed, 1 + 1);
}

TYPED_TEST_P(StoreTest, CheckpointAndRowsSurviveReopen) {
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  Checkpoint cp = MakeCheckpoint("job", 0);
  for (int b = 0; b < 5; ++b) {
    cp = MakeCheckpoint("job", (b + 1) * 10);
    this->Write(ref, MakeRecords(b * 10, 10, 3), WriteMode::kInsert, &cp);
  }
  this->Reopen();
  std::optional<Checkpoint> got = this->LoadCp(ref, "job");
  ASSERT_TRUE(got.has_value());
  ExpectSameCheckpoint(cp, *got);
  EXPECT_EQ(this->CountOf(ref), got->rows_written);
  EXPECT_EQ(ScanAll(this->store_.get(), ref), MakeRecords(0, 50, 3));
}

TYPED_TEST_P(StoreTest, ScanReturnsInsertionOrderInBatches) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 4);
  std::vector<TestRecord> want;
  // Ids that sort differently from insertion order.
  for (int b = 0; b < 4; ++b) {
    std::vector<TestRecord> records = MakeRecords(b * 25, 25, 4, b % 2 == 0 ? "z" : "a");
    this->Write(ref, records);
    want.insert(want.end(), records.begin(), records.end());
  }
  for (size_t max_rows : {size_t{1}, size_t{7}, size_t{25}, size_t{100}, size_t{1000}}) {
    EXPECT_EQ(ScanAll(s, ref, nullptr, -1, max_rows), want) << "max_rows " << max_rows;
  }
  // An empty collection ends at once.
  CollectionRef empty{"default", "empty"};
  this->Create(empty, 4);
  EXPECT_TRUE(ScanAll(s, empty).empty());
}

TYPED_TEST_P(StoreTest, ScanStopsAtLimit) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 2);
  this->Write(ref, MakeRecords(0, 30, 2));
  EXPECT_TRUE(ScanAll(s, ref, nullptr, 0).empty());
  EXPECT_EQ(IdsOf(ScanAll(s, ref, nullptr, 1)), IdRange(0, 1));
  EXPECT_EQ(IdsOf(ScanAll(s, ref, nullptr, 13, 5)), IdRange(0, 13));
  EXPECT_EQ(IdsOf(ScanAll(s, ref, nullptr, 30)), IdRange(0, 30));
  EXPECT_EQ(IdsOf(ScanAll(s, ref, nullptr, 1000)), IdRange(0, 30));
  EXPECT_EQ(IdsOf(ScanAll(s, ref, nullptr, -1)), IdRange(0, 30));
}

// Needs the filter compiler (filter/); the semantics themselves are pinned by
// the filter's own tests, this checks that the store applies compiled filters.
TYPED_TEST_P(StoreTest, ScanAndCountWithFilter) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 3);
  std::vector<TestRecord> records = MakeRecords(0, 20, 3);
  records[5].document_id = "文档";
  this->Write(ref, records);

  auto ids_where = [&](const std::string& filter_text, int64_t limit = -1) {
    Filter f = ParseFilterOrDie(filter_text);
    return IdsOf(ScanAll(s, ref, &f, limit, 4));
  };
  auto ids_of = [](std::initializer_list<int> ns) {
    std::vector<std::string> ids;
    for (int n : ns) ids.push_back(IdOf(n));
    return ids;
  };
  EXPECT_EQ(ids_where("{}"), IdRange(0, 20));
  EXPECT_EQ(ids_where(R"({"language": "fr"})"), ids_of({1, 3, 5, 7, 9, 11, 13, 15, 17, 19}));
  EXPECT_EQ(ids_where(R"({"chunk_index": {"$gte": 5, "$lt": 9}})"), ids_of({5, 6, 7, 8}));
  EXPECT_EQ(ids_where(R"({"metadata.tag": "b"})"), ids_of({1, 4, 7, 10, 13, 16, 19}));
  EXPECT_EQ(ids_where(R"({"tag": "c", "chunk_index": {"$gt": 10}})"), ids_of({11, 14, 17}));
  EXPECT_EQ(ids_where(R"({"$or": [{"chunk_index": 0}, {"nested.k": 3}]})"),
            ids_of({0, 3, 7, 11, 15, 19}));
  EXPECT_EQ(ids_where(R"({"id": {"$in": ["r00003", "r00001"]}})"), ids_of({1, 3}));
  EXPECT_EQ(ids_where(R"({"document_id": "文档"})"), ids_of({5}));
  EXPECT_EQ(ids_where(R"({"chunk_index": {"$gt": 100}})"), ids_of({}));
  EXPECT_EQ(ids_where(R"({"language": "en"})", 3), ids_of({0, 2, 4}));

  Filter fr = ParseFilterOrDie(R"({"language": "fr"})");
  EXPECT_EQ(this->CountOf(ref, &fr), 10);
  Filter none = ParseFilterOrDie(R"({"chunk_index": {"$gt": 100}})");
  EXPECT_EQ(this->CountOf(ref, &none), 0);
  Filter all = ParseFilterOrDie("{}");
  EXPECT_EQ(this->CountOf(ref, &all), 20);
}

TYPED_TEST_P(StoreTest, CountFollowsWrites) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 2);
  EXPECT_EQ(this->CountOf(ref), 0);
  this->Write(ref, MakeRecords(0, 10, 2));
  EXPECT_EQ(this->CountOf(ref), 10);
  this->Write(ref, MakeRecords(5, 10, 2), WriteMode::kUpsert);
  EXPECT_EQ(this->CountOf(ref), 15);
  this->Write(ref, MakeRecords(0, 20, 2), WriteMode::kSkipExisting);
  EXPECT_EQ(this->CountOf(ref), 20);
  this->Write(ref, MakeRecords(18, 4, 2), WriteMode::kInsert);
  EXPECT_EQ(this->CountOf(ref), 22);
  EXPECT_EQ(s->GetCollection(ref)->count, 22);
  EXPECT_EQ(ScanAll(s, ref).size(), 22u);
}

TYPED_TEST_P(StoreTest, ReopenKeepsEverything) {
  CollectionRef a{"default", "a"}, b{"acme", "b"};
  CollectionInfo ia = this->Create(a, 3, R"({"type":"object"})");
  this->Create(b, 0);
  ASSERT_TRUE(this->store_->SetDimension(b, 2).ok());
  Checkpoint cp = MakeCheckpoint("import-1", 12);
  this->Write(a, MakeRecords(0, 12, 3), WriteMode::kInsert, &cp);
  this->Write(b, MakeRecords(0, 3, 2));
  Result<CollectionInfo> before = this->store_->GetCollection(a);
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(this->store_->Sync().ok());

  this->Reopen();
  Store* s = this->store_.get();
  Result<CollectionInfo> after = s->GetCollection(a);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->dimension, 3);
  EXPECT_EQ(after->count, 12);
  EXPECT_EQ(after->metadata_schema, R"({"type":"object"})");
  EXPECT_EQ(after->created_at, ia.created_at);
  EXPECT_EQ(after->updated_at, before->updated_at);
  EXPECT_GE(after->updated_at, after->created_at);
  EXPECT_EQ(s->GetCollection(b)->dimension, 2);
  EXPECT_EQ(ScanAll(s, a), MakeRecords(0, 12, 3));
  EXPECT_EQ(ScanAll(s, b), MakeRecords(0, 3, 2));
  std::optional<Checkpoint> got = this->LoadCp(a, "import-1");
  ASSERT_TRUE(got.has_value());
  ExpectSameCheckpoint(cp, *got);
  // And it keeps working after the reopen.
  WriteResult w = this->Write(a, MakeRecords(10, 4, 3));
  EXPECT_EQ(w.inserted, 2);
  EXPECT_EQ(w.rejected.size(), 2u);
  EXPECT_EQ(ScanAll(s, a), MakeRecords(0, 14, 3));
}

TYPED_TEST_P(StoreTest, ConcurrentWritersIntoDifferentCollections) {
  Store* s = this->store_.get();
  CollectionRef a{"default", "a"}, b{"other", "b"};
  this->Create(a, 8);
  this->Create(b, 8);
  constexpr int kBatches = 30, kRows = 40;
  auto writer = [&](CollectionRef ref, std::vector<int64_t>* inserted) {
    for (int i = 0; i < kBatches; ++i) {
      RecordBatch batch = MakeBatch(MakeRecords(i * kRows, kRows, 8));
      Checkpoint cp = MakeCheckpoint("job", (i + 1) * kRows);
      Result<WriteResult> r = s->WriteBatch(ref, batch, {}, WriteMode::kInsert, &cp);
      inserted->push_back(r.ok() ? r->inserted : -1);
    }
  };
  std::vector<int64_t> ia, ib;
  std::thread ta(writer, a, &ia), tb(writer, b, &ib);
  ta.join();
  tb.join();
  EXPECT_EQ(ia, std::vector<int64_t>(kBatches, kRows));
  EXPECT_EQ(ib, std::vector<int64_t>(kBatches, kRows));
  EXPECT_EQ(this->CountOf(a), kBatches * kRows);
  EXPECT_EQ(this->CountOf(b), kBatches * kRows);
  EXPECT_EQ(ScanAll(s, a, nullptr, -1, 100), MakeRecords(0, kBatches * kRows, 8));
  EXPECT_EQ(this->LoadCp(b, "job")->rows_written, kBatches * kRows);
}

TYPED_TEST_P(StoreTest, ConcurrentWritersIntoOneCollection) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 8);
  constexpr int kBatches = 30, kRows = 40;
  // Two threads write disjoint ids, then both the same ids.
  auto writer = [&](const char* prefix, int64_t* inserted, int64_t* rejected) {
    for (int i = 0; i < kBatches; ++i) {
      RecordBatch own = MakeBatch(MakeRecords(i * kRows, kRows, 8, prefix));
      RecordBatch shared = MakeBatch(MakeRecords(i * kRows, kRows, 8, "s"));
      for (const RecordBatch* batch : {&own, &shared}) {
        Result<WriteResult> r = s->WriteBatch(ref, *batch, {}, WriteMode::kInsert, nullptr);
        if (!r.ok()) {
          *inserted = -1000000;
          return;
        }
        *inserted += r->inserted;
        *rejected += static_cast<int64_t>(r->rejected.size());
      }
    }
  };
  int64_t in1 = 0, rej1 = 0, in2 = 0, rej2 = 0;
  std::thread t1(writer, "a", &in1, &rej1), t2(writer, "b", &in2, &rej2);
  t1.join();
  t2.join();
  const int64_t n = kBatches * kRows;
  EXPECT_EQ(in1 + in2, 3 * n);  // own ids of both, shared ids once
  EXPECT_EQ(rej1 + rej2, n);
  EXPECT_EQ(this->CountOf(ref), 3 * n);
  std::vector<TestRecord> all = ScanAll(s, ref, nullptr, -1, 500);
  ASSERT_EQ(all.size(), static_cast<size_t>(3 * n));
  // Each writer's own rows appear in the order it wrote them.
  std::vector<std::string> a_ids, b_ids;
  for (const TestRecord& r : all) {
    if (r.id[0] == 'a') a_ids.push_back(r.id);
    if (r.id[0] == 'b') b_ids.push_back(r.id);
  }
  EXPECT_EQ(a_ids, IdRange(0, n, "a"));
  EXPECT_EQ(b_ids, IdRange(0, n, "b"));
}

TYPED_TEST_P(StoreTest, ScanWhileWriting) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 16);
  constexpr int kBatches = 40, kRows = 25;
  std::atomic<bool> done{false};
  Status write_status;
  std::thread writer([&] {
    for (int i = 0; i < kBatches && write_status.ok(); ++i) {
      RecordBatch batch = MakeBatch(MakeRecords(i * kRows, kRows, 16));
      write_status = s->WriteBatch(ref, batch, {}, WriteMode::kInsert, nullptr).status();
    }
    done = true;
  });
  int scans = 0;
  while (!done || scans == 0) {
    std::vector<TestRecord> seen = ScanAll(s, ref, nullptr, -1, 30);
    // Each scan sees whole batches, in order.
    EXPECT_EQ(seen.size() % kRows, 0u);
    EXPECT_EQ(IdsOf(seen), IdRange(0, static_cast<int64_t>(seen.size())));
    ++scans;
    if (::testing::Test::HasFailure()) break;
  }
  writer.join();
  EXPECT_TRUE(write_status.ok()) << write_status.ToString();
  EXPECT_EQ(ScanAll(s, ref, nullptr, -1, 1000), MakeRecords(0, kBatches * kRows, 16));
}

TYPED_TEST_P(StoreTest, OpenScanDoesNotBlockWrites) {
  Store* s = this->store_.get();
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 4);
  this->Write(ref, MakeRecords(0, 50, 4));
  Result<std::unique_ptr<RecordIterator>> it = s->Scan(ref, {});
  ASSERT_TRUE(it.ok()) << it.status().ToString();
  RecordBatch batch;
  ASSERT_TRUE((*it)->Next(10, &batch).ok());
  ASSERT_EQ(batch.num_rows(), 10u);

  // Same thread, scan still open: a write that waited for the scan would
  // never finish.
  auto start = std::chrono::steady_clock::now();
  WriteResult w = this->Write(ref, MakeRecords(50, 50, 4));
  EXPECT_EQ(w.inserted, 50);
  Checkpoint cp = MakeCheckpoint("job", 100);
  ASSERT_TRUE(s->WriteBatch(ref, RecordBatch(), {}, WriteMode::kInsert, &cp).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_TRUE(s->Sync().ok());

  // The scan finishes cleanly, in order, whether or not it sees the new rows.
  std::vector<std::string> ids;
  for (size_t i = 0; i < batch.num_rows(); ++i) ids.push_back(std::string(batch.id.Get(i)));
  for (;;) {
    ASSERT_TRUE((*it)->Next(10, &batch).ok());
    if (batch.num_rows() == 0) break;
    for (size_t i = 0; i < batch.num_rows(); ++i) ids.push_back(std::string(batch.id.Get(i)));
  }
  ASSERT_GE(ids.size(), 50u);
  EXPECT_EQ(ids, IdRange(0, static_cast<int64_t>(ids.size())));
  EXPECT_EQ(this->CountOf(ref), 100);
}

TYPED_TEST_P(StoreTest, FloatBitsRoundTrip) {
  CollectionRef ref{"default", "floats"};
  const std::vector<float> special = {
      -0.0f,
      0.0f,
      std::numeric_limits<float>::denorm_min(),  // 1e-45
      -std::numeric_limits<float>::denorm_min(),
      FLT_MIN,
      FLT_MAX,
      -FLT_MAX,
      std::numeric_limits<float>::infinity(),
      -std::numeric_limits<float>::infinity(),
      0.1f,
      1.0f / 3.0f,
      16777216.0f,
  };
  this->Create(ref, static_cast<int32_t>(special.size()));
  TestRecord r = MakeRecord(0, 0);
  r.values = special;
  TestRecord reversed = MakeRecord(1, 0);
  reversed.values = std::vector<float>(special.rbegin(), special.rend());
  this->Write(ref, {r, reversed});
  std::vector<TestRecord> all = ScanAll(this->store_.get(), ref);
  ASSERT_EQ(all.size(), 2u);
  ASSERT_TRUE(all[0].values.has_value());
  ASSERT_EQ(all[0].values->size(), special.size());
  for (size_t i = 0; i < special.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint32_t>((*all[0].values)[i]), std::bit_cast<uint32_t>(special[i]))
        << "value " << i;
  }
  EXPECT_EQ(all[1], reversed);
}

TYPED_TEST_P(StoreTest, NullsAndEmptyStringsStayApart) {
  CollectionRef ref{"default", "docs"};
  this->Create(ref, 2);
  TestRecord empty;
  empty.id = "empty";
  empty.document_id = "";
  empty.values = std::vector<float>{1, 2};
  empty.content = "";
  empty.metadata = "{}";
  empty.chunk_id = empty.content_hash = empty.content_type = empty.language = empty.model = "";
  empty.chunk_index = 0;
  empty.chunk_count = 0;
  empty.created_at = 0;
  empty.updated_at = 0;
  TestRecord nulls;
  nulls.id = "nulls";
  nulls.values = std::vector<float>{3, 4};
  nulls.created_at = -1;  // before the epoch
  nulls.updated_at = 4102444800000000;  // 2100-01-01
  // document_id and metadata keep their defaults; everything optional is null.
  TestRecord big = MakeRecord(7, 2);
  big.chunk_index = std::numeric_limits<int64_t>::max();
  big.chunk_count = std::numeric_limits<int64_t>::min();
  this->Write(ref, {empty, nulls, big});
  std::vector<TestRecord> all = ScanAll(this->store_.get(), ref);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], empty);
  EXPECT_EQ(all[1], nulls);
  EXPECT_EQ(all[2], big);
}

TYPED_TEST_P(StoreTest, UnicodeRoundTrip) {
  Store* s = this->store_.get();
  CollectionRef ref{"tenant-ü", "コレクション 😀"};
  this->Create(ref, 2);
  TestRecord r = MakeRecord(0, 2);
  r.id = "ключ-😀-é";
  r.document_id = "文档";
  r.content = "naïve café — 日本語 🚀\ttab\nnewline \"quotes\" \\ backslash";
  r.metadata = R"({"città":"Zürich","emoji":"🎉","escaped":"a\"b\\c\u0001"})";
  r.model = "модель";
  TestRecord long_text = MakeRecord(1, 2);
  long_text.content = std::string(100000, 'x') + "末尾";
  this->Write(ref, {r, long_text});
  std::vector<TestRecord> all = ScanAll(s, ref);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], r);
  EXPECT_EQ(all[1], long_text);
  Result<std::vector<CollectionInfo>> list = s->ListCollections("tenant-ü");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "コレクション 😀");
  // Insert mode compares ids exactly.
  TestRecord again = r;
  WriteResult w = this->Write(ref, {again});
  ASSERT_EQ(w.rejected.size(), 1u);
  EXPECT_EQ(w.rejected[0].second, "Duplicate id: ключ-😀-é");
}

// The child writes batches with checkpoints until it is killed; the parent
// reopens and checks that the rows match the checkpoint exactly, then lets
// the next child resume from it. A row committed without its checkpoint
// would be doubled by the resume (the child then exits with 3).
TYPED_TEST_P(StoreTest, KilledWriterLosesAndDoublesNothing) {
  CollectionRef ref{"default", "crash"};
  constexpr int kDim = 16, kRows = 200;
  this->Create(ref, kDim);
  this->store_.reset();  // no connection may be open across fork()

  std::mt19937 rng(12345);
  int64_t last_rows = 0;
  for (int round = 0; round < 4; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      std::unique_ptr<Store> store = TypeParam::Factory()(this->dir_.path());
      if (store == nullptr) _exit(2);
      Result<std::optional<Checkpoint>> cp = store->LoadCheckpoint(ref, "job");
      if (!cp.ok()) _exit(2);
      int64_t next = cp->has_value() ? (*cp)->rows_written : 0;
      RecordBatch batch;
      for (int i = 0; i < 100000; ++i) {
        batch.Clear();
        for (int64_t n = next; n < next + kRows; ++n) AppendRecord(MakeRecord(n, kDim), &batch);
        Checkpoint c = MakeCheckpoint("job", next + kRows);
        Result<WriteResult> w = store->WriteBatch(ref, batch, {}, WriteMode::kInsert, &c);
        if (!w.ok()) _exit(4);
        if (!w->rejected.empty()) _exit(3);
        next += kRows;
        char one = 1;
        if (write(fds[1], &one, 1) != 1) _exit(5);
      }
      _exit(0);
    }
    close(fds[1]);
    // Let a few batches commit, then kill at a random moment.
    const int wait_batches = 2 + static_cast<int>(rng() % 6);
    int seen = 0;
    char buf[64];
    while (seen < wait_batches) {
      ssize_t got = read(fds[0], buf, sizeof(buf));
      if (got <= 0) break;
      seen += static_cast<int>(got);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child exited early, status " << status << " (3 = duplicate ids on resume)";
    ASSERT_GE(seen, wait_batches);

    std::unique_ptr<Store> store = this->Open();
    ASSERT_NE(store, nullptr);
    Result<std::optional<Checkpoint>> cp = store->LoadCheckpoint(ref, "job");
    ASSERT_TRUE(cp.ok()) << cp.status().ToString();
    ASSERT_TRUE(cp->has_value());
    const int64_t rows = (*cp)->rows_written;
    EXPECT_EQ(rows % kRows, 0);
    EXPECT_GE(rows, last_rows + seen * kRows);
    Result<int64_t> count = store->Count(ref, nullptr);
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, rows);
    std::vector<TestRecord> all = ScanAll(store.get(), ref, nullptr, -1, 1000);
    EXPECT_EQ(static_cast<int64_t>(all.size()), rows);
    EXPECT_EQ(IdsOf(all), IdRange(0, rows));
    if (!all.empty()) {
      EXPECT_EQ(all.back(), MakeRecord(rows - 1, kDim));
    }
    last_rows = rows;
    if (::testing::Test::HasFailure()) break;
  }
}

TYPED_TEST_P(StoreTest, RenameReplacesAtomically) {
  Store* s = this->store_.get();
  CollectionRef staging{"default", ".staging"}, live{"default", "docs"}, other{"t2", "docs"};
  this->Create(live, 3);
  this->Write(live, MakeRecords(0, 5, 3));
  this->Create(staging, 2, "{\"type\":\"object\"}");
  Checkpoint cp = MakeCheckpoint("job-1", 7);
  std::vector<TestRecord> fresh = MakeRecords(100, 7, 2);
  this->Write(staging, fresh, WriteMode::kInsert, &cp);

  // Without replace an existing target is refused and nothing changes.
  Status refused = s->RenameCollection(staging, live, false);
  if (refused.code() == StatusCode::kUnsupported) GTEST_SKIP() << "backend cannot rename";
  EXPECT_EQ(refused.code(), StatusCode::kAlreadyExists) << refused.ToString();
  EXPECT_EQ(this->CountOf(live), 5);
  EXPECT_EQ(this->CountOf(staging), 7);

  ASSERT_TRUE(s->RenameCollection(staging, live, true).ok());
  EXPECT_TRUE(s->GetCollection(staging).status().IsNotFound());
  Result<CollectionInfo> info = s->GetCollection(live);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->dimension, 2);
  EXPECT_EQ(info->count, 7);
  EXPECT_EQ(info->metadata_schema, "{\"type\":\"object\"}");
  EXPECT_EQ(ScanAll(s, live), fresh);
  // Checkpoints travel with the collection.
  std::optional<Checkpoint> moved = this->LoadCp(live, "job-1");
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->records_done, 10);
  // Writes keep working under the new name.
  EXPECT_EQ(this->Write(live, MakeRecords(200, 2, 2)).inserted, 2);
  EXPECT_EQ(this->CountOf(live), 9);

  // Across tenants, and a missing source is NotFound.
  ASSERT_TRUE(s->RenameCollection(live, other, false).ok());
  EXPECT_EQ(this->CountOf(other), 9);
  EXPECT_TRUE(s->GetCollection(live).status().IsNotFound());
  EXPECT_TRUE(s->RenameCollection(live, other, true).IsNotFound());
  this->Reopen();
  EXPECT_EQ(this->CountOf(other), 9);
}

REGISTER_TYPED_TEST_SUITE_P(StoreTest, CreateGetList, CheckpointCanAddTheBatchResults,
                            BeforeCommitSeesTheResultsAndSetsTheState, CreateRejectsDuplicatesAndBadArguments,
                            MissingCollectionIsNotFound, TenantsAreIsolated,
                            DropRemovesRecordsAndCheckpoints, SetDimensionFixesItOnce,
                            FirstWriteFixesDimension, WrongDimensionWritesNothing,
                            InsertRejectsDuplicateIdsAcrossBatches,
                            InsertRejectsDuplicateIdsWithinBatch, SkipExistingLeavesRowsAlone,
                            UpsertReplacesInPlace, WritesSelectedRows,
                            CheckpointsAreStoredWithRows, CheckpointAndRowsSurviveReopen,
                            ScanReturnsInsertionOrderInBatches, ScanStopsAtLimit,
                            ScanAndCountWithFilter, CountFollowsWrites, ReopenKeepsEverything,
                            ConcurrentWritersIntoDifferentCollections,
                            ConcurrentWritersIntoOneCollection, ScanWhileWriting,
                            OpenScanDoesNotBlockWrites, FloatBitsRoundTrip, RenameReplacesAtomically,
                            NullsAndEmptyStringsStayApart, UnicodeRoundTrip,
                            KilledWriterLosesAndDoublesNothing);

}  // namespace tributary::store_test
