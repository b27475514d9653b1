// Throughput of the JSON/JSONL readers and writers on embedding-shaped
// records (768 float32 dims, some text and metadata), in memory.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "tributary/formats/format.h"
#include "tributary/io/stream.h"

namespace tributary {
namespace {

RecordBatch MakeRecords(size_t rows, size_t dims) {
  std::mt19937_64 rng(42);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  RecordBatch b;
  std::vector<float> v(dims);
  for (size_t r = 0; r < rows; ++r) {
    const std::string id = "chunk-" + std::to_string(r);
    b.id.Append(id);
    b.document_id.Append("doc-" + std::to_string(r / 10));
    for (float& f : v) f = normal(rng);
    b.values.Append(v);
    b.content.Append("Lorem ipsum dolor sit amet, \"consectetur\" adipiscing elit.\nSed do eiusmod " + id);
    b.metadata.Append(R"({"source":"bench","page":)" + std::to_string(r % 300) + "}");
    b.chunk_id.Append(id);
    b.content_hash.AppendNull();
    b.content_type.Append("text/plain");
    b.language.Append("en");
    b.chunk_index.Append(static_cast<int64_t>(r % 10));
    b.chunk_count.Append(10);
    b.model.Append("text-embedding-3-small");
    b.created_at.Append(1704067200000000 + static_cast<int64_t>(r));
    b.updated_at.AppendNull();
    b.origin.push_back({static_cast<int64_t>(r + 1), 0});
  }
  return b;
}

std::string Write(Format format, const RecordBatch& b) {
  std::string sink;
  auto out = MemoryOutput(&sink);
  auto writer = format == Format::kJsonl ? internal::OpenJsonlWriter(out.get(), {})
                                         : internal::OpenJsonWriter(out.get(), {});
  (void)(*writer)->Write(b);
  (void)(*writer)->Finish();
  (void)out->Close();
  return sink;
}

void BM_Read(benchmark::State& state, Format format) {
  const std::string text = Write(format, MakeRecords(2000, 768));
  ReadOptions options;
  options.batch_rows = 1000;
  size_t rows = 0;
  for (auto _ : state) {
    auto reader = format == Format::kJsonl ? internal::OpenJsonlReader(MemoryInput(text), options)
                                           : internal::OpenJsonReader(MemoryInput(text), options);
    RecordBatch batch;
    std::vector<RowError> errors;
    for (;;) {
      if (!(*reader)->ReadNext(&batch, &errors).ok()) state.SkipWithError("read failed");
      if (batch.num_rows() == 0) break;
      rows += batch.num_rows();
    }
    if (!errors.empty()) state.SkipWithError("row errors");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}

void BM_Write(benchmark::State& state, Format format) {
  const RecordBatch b = MakeRecords(2000, 768);
  size_t bytes = 0;
  for (auto _ : state) bytes += Write(format, b).size();
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

BENCHMARK_CAPTURE(BM_Read, jsonl_768d, Format::kJsonl)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Read, json_768d, Format::kJson)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Write, jsonl_768d, Format::kJsonl)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Write, json_768d, Format::kJson)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tributary
