// Throughput of the CSV reader and writer on embedding-shaped data: records
// in the seed's shape with 768-dimension vectors (about 9 KB of text each).
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "tributary/formats/csv/test_support.h"
#include "tributary/formats/csv/vector_text.h"
#include "tributary/formats/record_text.h"

namespace tributary::csv {
namespace {

RecordBatch EmbeddingBatch(size_t rows, size_t dims) {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  RecordBatch b;
  for (size_t i = 0; i < rows; ++i) {
    const std::string id = "doc-" + std::to_string(i);
    b.id.Append(id);
    b.document_id.Append("document-" + std::to_string(i / 10));
    for (size_t d = 0; d < dims; ++d) b.values.data().push_back(normal(rng));
    b.values.FinishValue();
    b.content.Append("Chunk " + std::to_string(i) +
                     " of a document, with some text, \"quotes\" and a line\nbreak.");
    b.metadata.Append("{\"source\":\"web\",\"page\":" + std::to_string(i % 40) + "}");
    b.chunk_id.Append(id + "-c");
    b.content_hash.Append("0123456789abcdef0123456789abcdef");
    b.content_type.Append("text/plain");
    b.language.Append("en");
    b.chunk_index.Append(static_cast<int64_t>(i % 10));
    b.chunk_count.Append(10);
    b.model.Append("text-embedding-3-small");
    b.created_at.Append(1704067200000000 + static_cast<int64_t>(i) * 1000000);
    b.updated_at.Append(1704067200000000 + static_cast<int64_t>(i) * 1000000);
    b.origin.push_back({static_cast<int64_t>(i + 1), 0});
  }
  return b;
}

const std::string& EmbeddingCsv(char delimiter) {
  static const std::string csv = testing::WriteAll(EmbeddingBatch(4000, 768), ',');
  static const std::string tsv = testing::WriteAll(EmbeddingBatch(4000, 768), '\t');
  return delimiter == ',' ? csv : tsv;
}

// Args: delimiter, decode threads.
void BM_ReadEmbeddings(benchmark::State& state) {
  const char delimiter = static_cast<char>(state.range(0));
  const std::string& text = EmbeddingCsv(delimiter);
  ReadOptions options;
  options.delimiter = delimiter;
  options.decode_threads = static_cast<int>(state.range(1));
  for (auto _ : state) {
    auto reader = internal::OpenCsvReader(std::make_unique<testing::ViewInput>(text), options, ',');
    RecordBatch batch;
    std::vector<RowError> errors;
    size_t rows = 0;
    for (;;) {
      if (!(*reader)->ReadNext(&batch, &errors).ok()) state.SkipWithError("read failed");
      if (batch.num_rows() == 0) break;
      rows += batch.num_rows();
    }
    if (rows != 4000 || !errors.empty()) state.SkipWithError("wrong row count");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ReadEmbeddings)
    ->Args({',', 1})
    ->Args({',', 2})
    ->Args({'\t', 1})
    ->Args({'\t', 2})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// One 768-dimension cell, as the reader sees it after framing.
void BM_ParseVectorCell(benchmark::State& state) {
  RecordBatch b = EmbeddingBatch(64, 768);
  std::vector<std::string> cells;
  size_t bytes = 0;
  for (size_t i = 0; i < b.num_rows(); ++i) {
    std::string cell;
    AppendVectorText(b.values.Get(i), &cell);
    bytes += cell.size();
    cells.push_back(std::move(cell));
  }
  FloatVector out;
  for (auto _ : state) {
    for (const std::string& cell : cells) {
      if (!ParseBracketedVector(cell, &out)) state.SkipWithError("parse failed");
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 64 * 768));
}
BENCHMARK(BM_ParseVectorCell);

void BM_FrameOnly(benchmark::State& state) {
  const std::string& text = EmbeddingCsv(',');
  ReadOptions options;
  for (auto _ : state) {
    auto reader = internal::OpenCsvReader(std::make_unique<testing::ViewInput>(text), options, ',');
    if (!(*reader)->SkipRecords(1 << 30).ok()) state.SkipWithError("skip failed");
    benchmark::DoNotOptimize((*reader)->records_read());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_FrameOnly)->Unit(benchmark::kMillisecond);

void BM_WriteEmbeddings(benchmark::State& state) {
  static const RecordBatch batch = EmbeddingBatch(4000, 768);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = testing::WriteAll(batch, ',');
    bytes += text.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_WriteEmbeddings)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tributary::csv
