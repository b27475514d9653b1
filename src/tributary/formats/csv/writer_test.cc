#include "tributary/formats/csv/writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tributary/formats/csv/test_support.h"

namespace tributary::csv {
namespace {

using testing::ReadAllText;
using testing::WriteAll;

constexpr char kHeader[] =
    "id,document_id,values,content,metadata,chunk_id,content_hash,content_type,language,"
    "chunk_index,chunk_count,model,created_at,updated_at\n";

// Keeps every write separately and remembers whether Close was called.
class RecordingOutput final : public OutputStream {
 public:
  Status Write(std::string_view data) override {
    writes.push_back(data.size());
    text.append(data);
    return Status::OK();
  }
  Status Close() override {
    closed = true;
    return Status::OK();
  }
  uint64_t bytes_written() const override { return text.size(); }
  std::string sha256_hex() const override { return ""; }

  std::vector<size_t> writes;
  std::string text;
  bool closed = false;
};

RecordBatch SeedBatch() {
  RecordBatch b;
  b.id.Append("doc1");
  b.document_id.Append("doc1");
  const float v[] = {0.1f, 0.2f, 0.3f};
  b.values.Append(v);
  b.content.Append("Sample text");
  b.metadata.Append("{\"category\":\"test\"}");
  b.chunk_id.Append("chunk1");
  b.content_hash.Append("hash123");
  b.content_type.Append("text/plain");
  b.language.Append("en");
  b.chunk_index.Append(0);
  b.chunk_count.Append(1);
  b.model.Append("text-embedding-ada-002");
  b.created_at.Append(1704067200000000);
  b.updated_at.Append(1704067200000000);
  b.origin.push_back({1, 2});
  return b;
}

TEST(CsvWriterTest, WritesTheSeedShape) {
  EXPECT_EQ(WriteAll(SeedBatch()),
            std::string(kHeader) +
                "doc1,doc1,\"[0.1,0.2,0.3]\",Sample text,\"{\"\"category\"\":\"\"test\"\"}\","
                "chunk1,hash123,text/plain,en,0,1,text-embedding-ada-002,2024-01-01T00:00:00Z,"
                "2024-01-01T00:00:00Z\n");
}

TEST(CsvWriterTest, HeaderAloneForNoRecords) {
  EXPECT_EQ(WriteAll(RecordBatch()), kHeader);
}

TEST(CsvWriterTest, NullIsAnEmptyCellAndEmptyStringIsQuoted) {
  RecordBatch b;
  b.AppendNullRow({1, 2});
  b.content.Set(0, "");
  EXPECT_EQ(WriteAll(b), std::string(kHeader) + ",,,\"\",,,,,,,,,,\n");
}

TEST(CsvWriterTest, QuotesOnlyWhenNeeded) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain", "plain"},
      {"two words", "two words"},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"\"", "\"\"\"\""},
      {"line\nbreak", "\"line\nbreak\""},
      {"cr\ronly", "\"cr\ronly\""},
      {" lead", "\" lead\""},
      {"trail ", "\"trail \""},
      {"tab\tinside", "tab\tinside"},
      {"ünïcödé 😀", "ünïcödé 😀"},
      {"", "\"\""},
  };
  for (const auto& [value, cell] : cases) {
    RecordBatch b;
    b.AppendNullRow({1, 2});
    b.id.Set(0, value);
    EXPECT_EQ(WriteAll(b), std::string(kHeader) + cell + ",,,,,,,,,,,,,\n") << value;
  }
}

TEST(CsvWriterTest, TsvLeavesVectorsUnquotedAndQuotesTabs) {
  RecordBatch b = SeedBatch();
  b.content.Set(0, "tab\there, comma");
  std::string out = WriteAll(b, '\t');
  EXPECT_EQ(out.substr(out.find('\n') + 1),
            "doc1\tdoc1\t[0.1,0.2,0.3]\t\"tab\there, comma\"\t\"{\"\"category\"\":\"\"test\"\"}\"\t"
            "chunk1\thash123\ttext/plain\ten\t0\t1\ttext-embedding-ada-002\t2024-01-01T00:00:00Z\t"
            "2024-01-01T00:00:00Z\n");
}

TEST(CsvWriterTest, OddDelimitersStillRoundTrip) {
  RecordBatch b = SeedBatch();
  b.created_at.Set(0, 1704067200123456);
  for (char d : {'-', ':', '.', '1', ' '}) {
    std::string text = WriteAll(b, d);
    ReadOptions options;
    options.delimiter = d;
    auto r = ReadAllText(text, options);
    ASSERT_TRUE(r.status.ok()) << d;
    ASSERT_TRUE(r.errors.empty()) << d << ": " << r.errors[0].message;
    EXPECT_EQ(testing::DiffRows(b, r.rows), "") << d;
  }
}

TEST(CsvWriterTest, TimestampsAndIntegers) {
  RecordBatch b;
  b.AppendNullRow({1, 2});
  b.created_at.Set(0, 1704067200123456);
  b.updated_at.Set(0, -1);
  b.chunk_index.Set(0, -9223372036854775807 - 1);
  std::string out = WriteAll(b);
  EXPECT_EQ(out.substr(out.find('\n') + 1),
            ",,,,,,,,,-9223372036854775808,,,2024-01-01T00:00:00.123456Z,"
            "1969-12-31T23:59:59.999999Z\n");
}

TEST(CsvWriterTest, WritesInPiecesOfAboutAMegabyteAndNeverCloses) {
  RecordBatch b;
  for (int i = 0; i < 2000; ++i) {
    b.AppendNullRow({i + 1, i + 2});
    b.content.PopBack();
    b.content.Append(std::string(1500, 'c'));
  }
  RecordingOutput out;
  auto writer = internal::OpenCsvWriter(&out, WriteOptions{}, ',');
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write(b).ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_FALSE(out.closed);
  ASSERT_GE(out.writes.size(), 2u);
  for (size_t i = 0; i + 1 < out.writes.size(); ++i) {
    // At least 1 MiB, and bounded by the encoder's slice (about 4 MiB of
    // text) whatever the batch size.
    EXPECT_GE(out.writes[i], size_t{1} << 20);
    EXPECT_LE(out.writes[i], size_t{8} << 20);
  }
  EXPECT_EQ(out.text.size(), std::string(kHeader).size() + 2000 * (1500 + 14));
}

std::string WriteWithThreads(const std::vector<RecordBatch>& batches, int threads) {
  std::string sink;
  auto out = MemoryOutput(&sink);
  WriteOptions options;
  options.encode_threads = threads;
  auto writer = internal::OpenCsvWriter(out.get(), options, ',');
  EXPECT_TRUE(writer.ok());
  for (const RecordBatch& b : batches) EXPECT_TRUE((*writer)->Write(b).ok());
  EXPECT_TRUE((*writer)->Finish().ok());
  EXPECT_TRUE(out->Close().ok());
  return sink;
}

TEST(CsvWriterTest, ParallelEncodingWritesTheSameBytes) {
  // Batches big enough to be split: many rows, two rows, one row, and small.
  std::vector<RecordBatch> batches(4);
  const size_t rows[] = {500, 2, 1, 3};
  const size_t dims[] = {128, 20000, 40000, 4};
  int64_t n = 0;
  for (size_t b = 0; b < batches.size(); ++b) {
    for (size_t r = 0; r < rows[b]; ++r) {
      RecordBatch& batch = batches[b];
      batch.AppendNullRow({++n, 0});
      batch.values.PopBack();
      for (size_t d = 0; d < dims[b]; ++d) {
        batch.values.data().push_back(static_cast<float>(d) / static_cast<float>(n + 3));
      }
      batch.values.FinishValue();
      batch.content.PopBack();
      batch.content.Append("row \"" + std::to_string(n) + "\", with a comma");
    }
  }
  const std::string serial = WriteWithThreads(batches, 1);
  for (int threads : {2, 3, 7}) {
    EXPECT_TRUE(WriteWithThreads(batches, threads) == serial) << threads << " threads";
  }
  auto r = ReadAllText(serial);
  ASSERT_EQ(r.rows.num_rows(), 506u);
  EXPECT_EQ(r.rows.values.Length(502), 40000u);
}

TEST(CsvWriterTest, RejectsBadDelimiters) {
  RecordingOutput out;
  for (char d : {'"', '\n', '\r'}) {
    EXPECT_TRUE(internal::OpenCsvWriter(&out, WriteOptions{}, d).status().IsInvalidArgument());
  }
  WriteOptions options;
  options.delimiter = '\n';
  EXPECT_TRUE(internal::OpenCsvWriter(&out, options, ',').status().IsInvalidArgument());
}

}  // namespace
}  // namespace tributary::csv
