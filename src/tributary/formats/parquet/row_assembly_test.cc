// Rows built straight into the batch's columns must be exactly the rows the
// RowBuilder builds: same values, same nulls, same rejected rows with the
// same messages, for every option that changes what a row holds, across
// row groups, batch sizes and skips.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tributary/formats/parquet/reader.h"
#include "tributary/formats/parquet/test_support.h"
#include "tributary/formats/record_text.h"

namespace tributary::parquet {
namespace {

RecordBatch MakeRows(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto chance = [&](int pct) { return rng() % 100 < static_cast<uint64_t>(pct); };
  static const char* const kMetadata[] = {R"({"k":1,"s":"é"})", R"({ "nested" : {"a":[1,2.5,null]} })", "{}",
                                          "[1,2]",  // not an object: the row is rejected
                                          "null", "not json", ""};
  RecordBatch b;
  for (size_t r = 0; r < n; ++r) {
    for (Field f : AllFields()) {
      switch (FieldTypeOf(f)) {
        case FieldType::kString:
          if (chance(8)) {
            b.strings(f).AppendNull();
          } else {
            b.strings(f).Append(std::string(FieldName(f)) + "-" + std::to_string(rng() % 1000) +
                                std::string(rng() % 3 == 0 ? 300 : 0, 'x'));
          }
          break;
        case FieldType::kJsonObject:
          if (chance(10)) {
            b.metadata.AppendNull();
          } else {
            b.metadata.Append(chance(80) ? kMetadata[rng() % 3] : kMetadata[rng() % std::size(kMetadata)]);
          }
          break;
        case FieldType::kVector:
          if (chance(5)) {
            b.values.AppendNull();
          } else {
            std::vector<float> v(chance(5) ? 0 : 16);
            for (float& x : v) x = static_cast<float>(rng() % 2000) / 7.0f;
            b.values.Append(v);
          }
          break;
        case FieldType::kInt64:
        case FieldType::kTimestamp:
          if (chance(10)) {
            b.ints(f).AppendNull();
          } else {
            b.ints(f).Append(static_cast<int64_t>(rng() % 4000000000000ull));
          }
          break;
      }
    }
    b.origin.push_back({static_cast<int64_t>(r + 1), 0});
  }
  return b;
}

struct Read {
  Status status;
  std::vector<std::string> rows;  // each row as JSON with its origin
  std::vector<std::string> errors;
  std::vector<size_t> raw_sizes;
};

Read ReadWith(const std::string& file, const ReadOptions& ro, RowAssembly assembly, int64_t skip) {
  Read out;
  auto reader = OpenParquetFileReader(MemoryRandomAccess(file, "rows.parquet"), ro, assembly);
  if (!reader.ok()) {
    out.status = reader.status();
    return out;
  }
  if (skip > 0) {
    out.status = (*reader)->SkipRecords(skip);
    if (!out.status.ok()) return out;
  }
  RecordBatch batch;
  std::vector<RowError> errors;
  while (true) {
    const size_t before = errors.size();
    out.status = (*reader)->ReadNext(&batch, &errors);
    if (!out.status.ok() || (batch.num_rows() == 0 && errors.size() == before)) break;
    for (size_t i = 0; i < batch.num_rows(); ++i) {
      std::string row = std::to_string(batch.origin[i].row) + " ";
      AppendRecordJson(batch, i, &row);
      out.rows.push_back(std::move(row));
      out.raw_sizes.push_back(batch.raw.size() > i ? batch.raw.Get(i).size() + 1 : 0);
    }
    EXPECT_EQ(batch.raw.size(), ro.keep_raw ? batch.num_rows() : 0u);
  }
  for (const RowError& e : errors) out.errors.push_back(std::to_string(e.origin.row) + ": " + e.message);
  return out;
}

TEST(ParquetRowAssembly, DirectRowsEqualRowBuilderRows) {
  const RecordBatch rows = MakeRows(2500, 7);
  WriteOptions wo;
  wo.parquet_row_group_bytes = 1u << 20;  // several row groups
  wo.parquet_compression = "none";
  std::string file;
  Status written = testing::WriteAll({&rows}, wo, &file);
  ASSERT_TRUE(written.ok()) << written.ToString();
  size_t compared = 0, rejected = 0;
  for (bool default_object : {false, true}) {
    for (bool keep_raw : {false, true}) {
      for (size_t batch_rows : {size_t{1}, size_t{7}, size_t{1000}}) {
        for (int64_t skip : {int64_t{0}, int64_t{333}, int64_t{2499}}) {
          if (batch_rows == 1 && skip != 333) continue;  // slow and adds nothing
          SCOPED_TRACE(std::to_string(default_object) + " " + std::to_string(keep_raw) + " " +
                       std::to_string(batch_rows) + " " + std::to_string(skip));
          ReadOptions ro;
          ro.metadata_default_object = default_object;
          ro.keep_raw = keep_raw;
          ro.batch_rows = batch_rows;
          const Read direct = ReadWith(file, ro, RowAssembly::kAuto, skip);
          const Read built = ReadWith(file, ro, RowAssembly::kRowBuilder, skip);
          ASSERT_TRUE(direct.status.ok()) << direct.status.ToString();
          ASSERT_TRUE(built.status.ok()) << built.status.ToString();
          ASSERT_EQ(direct.rows.size(), built.rows.size());
          for (size_t i = 0; i < direct.rows.size(); ++i) ASSERT_EQ(direct.rows[i], built.rows[i]) << "row " << i;
          EXPECT_EQ(direct.raw_sizes, built.raw_sizes);
          EXPECT_EQ(direct.errors, built.errors);
          EXPECT_EQ(direct.rows.size() + direct.errors.size(), 2500u - static_cast<size_t>(skip));
          compared += direct.rows.size();
          rejected += direct.errors.size();
        }
      }
    }
  }
  EXPECT_GT(compared, 10000u);
  EXPECT_GT(rejected, 100u);  // "[1,2]", "null", "not json" and "" metadata
}

}  // namespace
}  // namespace tributary::parquet
