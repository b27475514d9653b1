// Round trip: what ParquetWriter writes, ParquetReader reads back exactly
// (floats by bit pattern, NaN payloads included), for every codec, with and
// without BYTE_STREAM_SPLIT, across many pages and row groups.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <cmath>
#include <limits>
#include <random>

#include "tributary/formats/csv/test_support.h"
#include "tributary/formats/parquet/test_support.h"
#include "tributary/formats/parquet/thrift_io.h"

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

// The footer of a file in memory.
fmt::FileMetaData Footer(const std::string& file) {
  uint32_t len;
  std::memcpy(&len, file.data() + file.size() - 8, 4);
  fmt::FileMetaData md;
  EXPECT_TRUE(ReadThrift(reinterpret_cast<const uint8_t*>(file.data() + file.size() - 8 - len), &len, &md, "footer").ok());
  return md;
}

bool HasEncoding(const fmt::ColumnChunk& c, fmt::Encoding::type e) {
  const auto& v = c.meta_data.encodings;
  return std::find(v.begin(), v.end(), e) != v.end();
}

// String columns with few distinct values get a dictionary; columns of
// distinct values stay PLAIN; a dictionary that outgrows its limit falls
// back to PLAIN pages partway through the chunk. All read back exactly.
TEST(ParquetRoundTrip, StringDictionariesAndTheirFallback) {
  RecordBatch b;
  for (int i = 0; i < 11000; ++i) {
    for (Field f : AllFields()) {
      switch (FieldTypeOf(f)) {
        case FieldType::kString:
        case FieldType::kJsonObject: {
          StringColumn& c = b.strings(f);
          if (f == Field::kId) {
            c.Append("id-" + std::to_string(i));
          } else if (f == Field::kLanguage) {
            c.Append(i % 3 ? "en" : "fr");
          } else if (f == Field::kContent) {
            // 3000 rows from ten long texts (a first page worth a
            // dictionary), then 8000 distinct ones that push the dictionary
            // past its size limit.
            std::string text(400, static_cast<char>('a' + (i < 3000 ? i % 10 : i % 26)));
            text += std::to_string(i < 3000 ? i % 10 : i);
            c.Append(text);
          } else {
            c.AppendNull();
          }
          break;
        }
        case FieldType::kInt64:
        case FieldType::kTimestamp: b.ints(f).AppendNull(); break;
        case FieldType::kVector: b.values.AppendNull(); break;
      }
    }
    b.origin.push_back({i + 1, 0});
  }
  std::string file;
  ASSERT_TRUE(WriteAll({&b}, WriteOptions{}, &file).ok());
  fmt::FileMetaData md = Footer(file);
  ASSERT_EQ(md.row_groups.size(), 1u);
  const auto& cols = md.row_groups[0].columns;
  const auto col = [&](Field f) { return cols[static_cast<size_t>(f)]; };
  EXPECT_TRUE(HasEncoding(col(Field::kLanguage), fmt::Encoding::RLE_DICTIONARY));
  EXPECT_TRUE(col(Field::kLanguage).meta_data.__isset.dictionary_page_offset);
  EXPECT_FALSE(HasEncoding(col(Field::kId), fmt::Encoding::RLE_DICTIONARY));
  EXPECT_FALSE(col(Field::kId).meta_data.__isset.dictionary_page_offset);
  EXPECT_TRUE(HasEncoding(col(Field::kContent), fmt::Encoding::RLE_DICTIONARY));
  // Walk the content chunk's pages: a dictionary page, dictionary-encoded
  // data pages, then PLAIN ones.
  const auto& cmd = col(Field::kContent).meta_data;
  std::vector<int> kinds;  // 0 dictionary, 1 RLE_DICTIONARY data, 2 PLAIN data
  for (int64_t pos = cmd.dictionary_page_offset; pos < cmd.dictionary_page_offset + cmd.total_compressed_size;) {
    fmt::PageHeader h;
    uint32_t len = static_cast<uint32_t>(file.size() - static_cast<size_t>(pos));
    ASSERT_TRUE(ReadThrift(reinterpret_cast<const uint8_t*>(file.data() + pos), &len, &h, "page header").ok());
    if (h.type == fmt::PageType::DICTIONARY_PAGE) kinds.push_back(0);
    else kinds.push_back(h.data_page_header.encoding == fmt::Encoding::RLE_DICTIONARY ? 1 : 2);
    pos += len + h.compressed_page_size;
  }
  ASSERT_GE(kinds.size(), 3u);
  EXPECT_EQ(kinds[0], 0);
  EXPECT_EQ(kinds[1], 1);
  EXPECT_EQ(kinds.back(), 2);
  EXPECT_TRUE(std::is_sorted(kinds.begin(), kinds.end()));
  ReadOptions ro;
  ro.batch_rows = 500;
  auto got = ReadAll(MemoryInput(file), ro);
  ASSERT_TRUE(got.status.ok()) << got.status.ToString();
  EXPECT_EQ(csv::testing::DiffRows(b, got.rows), "");
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
