// Throughput of the SQLite store with import-like rows: 768 float32 values,
// ~500 characters of content, small metadata, UUID-like ids arriving in
// random order (the id index takes random inserts, as with real data).
//
//   ./build/tributary_benchmarks --benchmark_filter=Sqlite
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "tributary/store/store.h"

namespace tributary {
namespace {

constexpr int kDimension = 768;

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tributary-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// CPU seconds of the whole process (all threads, user + system), so that
// work moved to a background thread still counts.
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

// Rows per CPU-second of the process: on a busy machine wall-clock rates
// mostly measure the neighbours.
void ReportCpuRate(benchmark::State& state, double cpu_start, int64_t rows) {
  const double cpu = ProcessCpuSeconds() - cpu_start;
  if (cpu > 0) state.counters["rows_per_cpu_s"] = static_cast<double>(rows) / cpu;
}

// A UUID-shaped id from a counter, scrambled so consecutive ids are far apart.
void AppendId(uint64_t n, StringColumn* ids) {
  uint64_t h = n * 0x9E3779B97F4A7C15ull;
  uint64_t g = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ull;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(h >> 32),
                static_cast<unsigned>(h >> 16) & 0xffff, static_cast<unsigned>(h) & 0xffff,
                static_cast<unsigned>(g >> 48), static_cast<unsigned long long>(g & 0xffffffffffffull));
  ids->Append(buf);
}

// rows records whose ids are filled in per write by SetIds.
RecordBatch MakeTemplateBatch(size_t rows) {
  RecordBatch b;
  const std::string content =
      "Retrieval-augmented generation splits documents into chunks, embeds each chunk and "
      "stores the vectors next to the text so that a query can find the passages nearest in "
      "meaning. This chunk stands in for one such passage: a paragraph of prose of about five "
      "hundred characters, long enough to make the row realistic, short enough to keep the "
      "benchmark honest about where the time goes, which is in the vector blob and the index "
      "maintenance rather than in the text. Lorem ipsum dolor sit amet, consectetur.";
  for (size_t i = 0; i < rows; ++i) {
    b.id.Append("placeholder");
    b.document_id.Append("doc-" + std::to_string(i / 8));
    for (int j = 0; j < kDimension; ++j) {
      b.values.data().push_back(static_cast<float>((i * 31 + j) % 997) / 997.0f - 0.5f);
    }
    b.values.FinishValue();
    b.content.Append(content);
    b.metadata.Append(R"({"source":"bench","page":)" + std::to_string(i) + R"(,"tags":["a","b"]})");
    b.chunk_id.Append("chunk-" + std::to_string(i));
    b.content_hash.Append("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    b.content_type.Append("text/plain");
    b.language.Append("en");
    b.chunk_index.Append(static_cast<int64_t>(i % 8));
    b.chunk_count.Append(8);
    b.model.Append("text-embedding-3-small");
    b.created_at.Append(1700000000000000 + static_cast<int64_t>(i));
    b.updated_at.Append(1700000000000000 + static_cast<int64_t>(i));
    b.origin.push_back(RowOrigin{static_cast<int64_t>(i) + 1, 0});
  }
  return b;
}

void SetIds(uint64_t first, RecordBatch* b) {
  const size_t n = b->num_rows();
  b->id.Clear();
  for (size_t i = 0; i < n; ++i) AppendId(first + i, &b->id);
}

// One WriteBatch (with a checkpoint) per iteration into a growing collection.
// Args: rows per batch, write mode.
void BM_SqliteWriteBatch(benchmark::State& state) {
  const size_t rows = static_cast<size_t>(state.range(0));
  const WriteMode mode = static_cast<WriteMode>(state.range(1));
  ScratchDir dir;
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(StoreOptions{dir.path()});
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  CollectionRef ref{"default", "bench"};
  (void)(*store)->CreateCollection(ref, kDimension, "");
  RecordBatch batch = MakeTemplateBatch(rows);
  uint64_t next = 0;
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    SetIds(next, &batch);
    next += rows;
    Checkpoint cp;
    cp.job_id = "bench";
    cp.records_done = cp.rows_written = static_cast<int64_t>(next);
    Result<WriteResult> r = (*store)->WriteBatch(ref, batch, {}, mode, &cp);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  ReportCpuRate(state, cpu_start, static_cast<int64_t>(state.iterations() * rows));
}
BENCHMARK(BM_SqliteWriteBatch)
    ->ArgNames({"rows", "mode"})
    ->Args({100, static_cast<int>(WriteMode::kInsert)})
    ->Args({500, static_cast<int>(WriteMode::kInsert)})
    ->Args({1000, static_cast<int>(WriteMode::kInsert)})
    ->Args({500, static_cast<int>(WriteMode::kSkipExisting)})
    ->Args({500, static_cast<int>(WriteMode::kUpsert)})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// The import of the speed target: 50,000 rows into a fresh store in batches
// of 500, each with its checkpoint, then Sync.
void BM_SqliteImport50k(benchmark::State& state) {
  constexpr size_t kRows = 50000, kBatch = 500;
  RecordBatch batch = MakeTemplateBatch(kBatch);
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<ScratchDir>();
    state.ResumeTiming();
    Result<std::unique_ptr<Store>> store = OpenSqliteStore(StoreOptions{dir->path()});
    if (!store.ok()) {
      state.SkipWithError(store.status().ToString().c_str());
      return;
    }
    CollectionRef ref{"default", "bench"};
    (void)(*store)->CreateCollection(ref, 0, "");
    (void)(*store)->SetDimension(ref, kDimension);
    for (size_t done = 0; done < kRows; done += kBatch) {
      SetIds(done, &batch);
      Checkpoint cp;
      cp.job_id = "import";
      cp.records_done = cp.rows_written = static_cast<int64_t>(done + kBatch);
      Result<WriteResult> r = (*store)->WriteBatch(ref, batch, {}, WriteMode::kInsert, &cp);
      if (!r.ok() || r->inserted != static_cast<int64_t>(kBatch)) {
        state.SkipWithError(r.ok() ? "rows rejected" : r.status().ToString().c_str());
        return;
      }
    }
    Status st = (*store)->Sync();
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    state.PauseTiming();
    store->reset();
    dir.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  ReportCpuRate(state, cpu_start, static_cast<int64_t>(state.iterations() * kRows));
}
BENCHMARK(BM_SqliteImport50k)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// Reading back 50,000 rows in batches of 1000 (the export side).
void BM_SqliteScan50k(benchmark::State& state) {
  constexpr size_t kRows = 50000, kBatch = 1000;
  ScratchDir dir;
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(StoreOptions{dir.path()});
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  CollectionRef ref{"default", "bench"};
  (void)(*store)->CreateCollection(ref, kDimension, "");
  RecordBatch batch = MakeTemplateBatch(kBatch);
  for (size_t done = 0; done < kRows; done += kBatch) {
    SetIds(done, &batch);
    (void)(*store)->WriteBatch(ref, batch, {}, WriteMode::kInsert, nullptr);
  }
  for (auto _ : state) {
    Result<std::unique_ptr<RecordIterator>> it = (*store)->Scan(ref, {});
    size_t n = 0;
    while (it.ok() && (*it)->Next(kBatch, &batch).ok() && batch.num_rows() > 0) n += batch.num_rows();
    if (n != kRows) state.SkipWithError("short scan");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
}
BENCHMARK(BM_SqliteScan50k)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tributary
