// Round trip: what ParquetWriter writes, ParquetReader reads back exactly
// (floats by bit pattern, NaN payloads included), for every codec, with and
// without BYTE_STREAM_SPLIT, across many pages and row groups.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "tributary/formats/csv/test_support.h"
#include "tributary/formats/parquet/test_support.h"

namespace tributary::parquet {
namespace {

using testing::ReadAll;
using testing::WriteAll;

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  void Append(RecordBatch* b, int64_t row, size_t dim) {
    for (Field f : AllFields()) {
      switch (FieldTypeOf(f)) {
        case FieldType::kString:
          if (Chance(10)) b->strings(f).AppendNull(); else b->strings(f).Append(Text());
          break;
        case FieldType::kJsonObject:
          if (Chance(20)) b->metadata.AppendNull(); else b->metadata.Append("{\"k\":" + std::to_string(rng_() % 1000) + ",\"s\":\"é\"}");
          break;
        case FieldType::kVector:
          if (Chance(5)) {
            b->values.AppendNull();
          } else if (Chance(3)) {
            b->values.Append(std::vector<float>{});
          } else {
            std::vector<float> v(dim ? dim : 1 + rng_() % 40);
            for (float& x : v) x = Float();
            b->values.Append(v);
          }
          break;
        case FieldType::kInt64:
          if (Chance(10)) b->ints(f).AppendNull(); else b->ints(f).Append(static_cast<int64_t>(rng_()));
          break;
        case FieldType::kTimestamp:
          if (Chance(10)) b->ints(f).AppendNull(); else b->ints(f).Append(static_cast<int64_t>(rng_() % (uint64_t{1} << 60)) - (int64_t{1} << 59));
          break;
      }
    }
    b->origin.push_back({row, 0});
  }

 private:
  bool Chance(int pct) { return rng_() % 100 < static_cast<uint64_t>(pct); }
  std::string Text() {
    static const char* const kPieces[] = {"a", "Z", "0", " ", ",", "\"", "\n", "é", "€", "😀", "中文", "null", "\x01"};
    std::string s;
    const uint64_t n = rng_() % 20;
    for (uint64_t i = 0; i < n; ++i) s += kPieces[rng_() % std::size(kPieces)];
    if (Chance(2)) s.assign(300 + rng_() % 500, 'x');  // longer than the statistics bound
    return s;
  }
  float Float() {
    static const float kSpecial[] = {0.0f, -0.0f, std::numeric_limits<float>::denorm_min(),
                                     std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(),
                                     std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::quiet_NaN(), std::bit_cast<float>(0x7fa00001u)};
    if (Chance(5)) return kSpecial[rng_() % std::size(kSpecial)];
    return std::bit_cast<float>(static_cast<uint32_t>(rng_()));
  }
  std::mt19937_64 rng_;
};

void CheckRoundTrip(const WriteOptions& wo, size_t rows, size_t dim, size_t batch_rows) {
  Gen gen(rows * 31 + dim);
  std::vector<RecordBatch> batches((rows + batch_rows - 1) / batch_rows);
  RecordBatch all;
  for (size_t i = 0; i < rows; ++i) {
    RecordBatch& b = batches[i / batch_rows];
    gen.Append(&b, static_cast<int64_t>(i + 1), dim);
    all.AppendRowFrom(b, b.num_rows() - 1);
  }
  std::vector<const RecordBatch*> ptrs;
  for (auto& b : batches) ptrs.push_back(&b);
  std::string file;
  ASSERT_TRUE(WriteAll(ptrs, wo, &file).ok());
  ReadOptions ro;
  ro.batch_rows = 77;
  auto got = ReadAll(MemoryInput(file), ro);
  ASSERT_TRUE(got.status.ok()) << got.status.ToString();
  EXPECT_TRUE(got.errors.empty()) << got.errors[0].message;
  EXPECT_EQ(got.records_read, static_cast<int64_t>(rows));
  EXPECT_EQ(csv::testing::DiffRows(all, got.rows), "");
}

TEST(ParquetRoundTrip, EveryCodec) {
  for (const char* codec : {"zstd", "snappy", "gzip", "none"}) {
    SCOPED_TRACE(codec);
    WriteOptions wo;
    wo.parquet_compression = codec;
    CheckRoundTrip(wo, 500, 0, 100);
  }
}

TEST(ParquetRoundTrip, ByteStreamSplit) {
  WriteOptions wo;
  wo.parquet_byte_stream_split = true;
  CheckRoundTrip(wo, 400, 0, 64);
}

TEST(ParquetRoundTrip, ManyPagesAndRowGroups) {
  WriteOptions wo;
  wo.parquet_row_group_bytes = 1u << 20;
  // 3000 rows of 768 floats: ~9 MiB of vectors, several pages per row group
  // and several row groups.
  CheckRoundTrip(wo, 3000, 768, 1000);
}

TEST(ParquetRoundTrip, EmptyFile) {
  std::string file;
  ASSERT_TRUE(WriteAll({}, WriteOptions{}, &file).ok());
  auto got = ReadAll(MemoryInput(file), ReadOptions{});
  ASSERT_TRUE(got.status.ok()) << got.status.ToString();
  EXPECT_EQ(got.rows.num_rows(), 0u);
}

TEST(ParquetRoundTrip, SkipRecordsResumesAtTheRightRow) {
  WriteOptions wo;
  wo.parquet_row_group_bytes = 1u << 20;
  Gen gen(7);
  RecordBatch b;
  for (int i = 0; i < 1200; ++i) gen.Append(&b, i + 1, 512);
  std::string file;
  ASSERT_TRUE(WriteAll({&b}, wo, &file).ok());
  for (int64_t skip : {0, 1, 599, 1000, 1199, 1200}) {
    auto reader = OpenRecordReader(Format::kParquet, MemoryInput(file), ReadOptions{});
    ASSERT_TRUE(reader.ok());
    ASSERT_TRUE((*reader)->SkipRecords(skip).ok());
    RecordBatch got;
    std::vector<RowError> errors;
    ASSERT_TRUE((*reader)->ReadNext(&got, &errors).ok());
    if (skip == 1200) {
      EXPECT_EQ(got.num_rows(), 0u);
      continue;
    }
    ASSERT_GT(got.num_rows(), 0u);
    EXPECT_EQ(got.origin[0].row, skip + 1);
    EXPECT_EQ(got.id.IsNull(0) ? "" : got.id.Get(0), b.id.IsNull(skip) ? "" : b.id.Get(skip));
  }
}

TEST(ParquetReader, RefusesWhatIsNotParquet) {
  auto got = ReadAll(MemoryInput("PAR1 this is not parquet at all PAR1"), ReadOptions{});
  EXPECT_FALSE(got.status.ok());
  got = ReadAll(MemoryInput("{\"id\":1}"), ReadOptions{});
  EXPECT_FALSE(got.status.ok());
  EXPECT_NE(got.status.message().find("too short"), std::string::npos) << got.status.ToString();
}

}  // namespace
}  // namespace tributary::parquet
