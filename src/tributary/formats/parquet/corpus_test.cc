// The parquet-testing corpus (../shared/testdata/parquet-testing): every file
// in data/ must read completely (nested columns as JSON in metadata), with the values
// its *_expect.csv states; every file in bad_data/ must end in an error (never
// a crash or a hang); encrypted files are refused by name.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "tests/test_util.h"
#include "tributary/core/json.h"
#include "tributary/formats/csv/test_support.h"
#include "tributary/formats/parquet/test_support.h"

namespace tributary::parquet {
namespace {

namespace fs = std::filesystem;
using testing::ReadAll;
using testing::ReadAllResult;

ReadAllResult ReadFile(const std::string& path) {
  ReadOptions ro;
  ro.batch_rows = 1000;
  auto in = OpenInput(path);
  if (!in.ok()) return ReadAllResult{in.status(), {}, {}, 0};
  return ReadAll(std::move(*in), ro);
}

std::vector<std::string> Files(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string p = e.path().string();
    if (p.size() >= suffix.size() && p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Files of data/ that must end in an error, and a word the message must hold.
const std::map<std::string, std::string>& ExpectedFailures() {
  static const auto* m = new std::map<std::string, std::string>{
      // A dictionary page whose size is wrong: must be an error, not garbage.
      {"nation.dict-malformed.parquet", "column 'name'"},
      // A single 1 GiB string (a map key), past the per-page allocation cap.
      {"large_string_map.brotli.parquet", "limit"},
      // Pages whose CRC does not match their bytes.
      {"datapage_v1-corrupt-checksum.parquet", "column 'a' in row group 0: page 1 (at offset 4) fails its CRC"},
      {"rle-dict-uncompressed-corrupt-checksum.parquet", "fails its CRC check"},
  };
  return *m;
}

TEST(ParquetCorpus, DataFilesRead) {
  const std::string dir = tributary::testing::SharedTestData("parquet-testing/data");
  int read = 0;
  for (const std::string& path : Files(dir, ".parquet")) {
    SCOPED_TRACE(path);
    ReadAllResult r = ReadFile(path);
    const std::string name = fs::path(path).filename().string();
    auto expected = ExpectedFailures().find(name);
    if (expected != ExpectedFailures().end()) {
      EXPECT_FALSE(r.status.ok());
      EXPECT_NE(r.status.message().find(expected->second), std::string::npos) << r.status.ToString();
      continue;
    }
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_TRUE(r.errors.empty()) << r.errors[0].message;
    ++read;
  }
  std::printf("corpus: %d files read\n", read);
}

// Skipping k records (as a resumed import does) then reading on gives the
// rows a full read has from k on: flat columns with many small pages (some
// skipped unread), v2 pages, lists, nested columns.
TEST(ParquetCorpus, SkipRecordsAgreesWithAFullRead) {
  const std::string dir = tributary::testing::SharedTestData("parquet-testing/data");
  for (const char* name : {"alltypes_tiny_pages.parquet", "alltypes_tiny_pages_plain.parquet",
                           "datapage_v2.snappy.parquet", "nullable.impala.parquet", "nested_lists.snappy.parquet",
                           "list_columns.parquet", "int32_with_null_pages.parquet", "repeated_no_annotation.parquet"}) {
    SCOPED_TRACE(name);
    const std::string path = dir + "/" + name;
    ReadAllResult full = ReadFile(path);
    ASSERT_TRUE(full.status.ok()) << full.status.ToString();
    const int64_t n = static_cast<int64_t>(full.rows.num_rows());
    ASSERT_GT(n, 0);
    for (int64_t k : {int64_t{1}, n / 3, n / 2 + 1, n - 1, n}) {
      SCOPED_TRACE(k);
      auto in = OpenInput(path);
      ASSERT_TRUE(in.ok());
      ReadOptions ro;
      ro.batch_rows = 333;
      auto reader = OpenRecordReader(Format::kParquet, std::move(*in), ro);
      ASSERT_TRUE(reader.ok());
      ASSERT_TRUE((*reader)->SkipRecords(k).ok());
      EXPECT_EQ((*reader)->records_read(), k);
      RecordBatch expected, got, batch;
      for (int64_t r = k; r < n; ++r) expected.AppendRowFrom(full.rows, static_cast<size_t>(r));
      std::vector<RowError> errors;
      while (true) {
        ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
        if (batch.num_rows() == 0) break;
        for (size_t r = 0; r < batch.num_rows(); ++r) got.AppendRowFrom(batch, r);
      }
      EXPECT_TRUE(errors.empty());
      EXPECT_EQ(csv::testing::DiffRows(expected, got), "");
    }
  }
}

// Nested files with a few bytes changed: every read ends, in rows or in an
// error, without touching memory it should not (the suite runs under
// AddressSanitizer too) and without a runaway allocation.
TEST(ParquetCorpus, DamagedNestedFilesEndCleanly) {
  const std::string dir = tributary::testing::SharedTestData("parquet-testing/data");
  std::mt19937_64 rng(4242);
  int errors = 0, reads = 0;
  for (const char* name : {"nested_lists.snappy.parquet", "nested_maps.snappy.parquet", "nullable.impala.parquet",
                           "nonnullable.impala.parquet", "nested_structs.rust.parquet", "repeated_no_annotation.parquet",
                           "list_columns.parquet", "old_list_structure.parquet"}) {
    const std::string original = tributary::testing::ReadFileOrDie(dir + "/" + name);
    for (int round = 0; round < 150; ++round) {
      std::string damaged = original;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) damaged[rng() % damaged.size()] = static_cast<char>(rng());
      ReadOptions ro;
      ro.batch_rows = 100;
      ReadAllResult r = testing::ReadAll(MemoryInput(damaged), ro);
      (r.status.ok() ? reads : errors)++;
      if (!r.status.ok()) {
        EXPECT_FALSE(r.status.message().empty());
      }
    }
  }
  EXPECT_GT(errors, 0);
  std::printf("damaged nested files: %d read, %d ended in an error\n", reads, errors);
}

TEST(ParquetCorpus, EncryptedFilesAreRefused) {
  const std::string dir = tributary::testing::SharedTestData("parquet-testing/data");
  for (const std::string& path : Files(dir, ".parquet.encrypted")) {
    SCOPED_TRACE(path);
    ReadAllResult r = ReadFile(path);
    EXPECT_EQ(r.status.code(), StatusCode::kUnsupported) << r.status.ToString();
    EXPECT_NE(r.status.message().find("encrypted"), std::string::npos) << r.status.ToString();
  }
}

TEST(ParquetCorpus, BadDataEndsInAnError) {
  const std::string dir = tributary::testing::SharedTestData("parquet-testing/bad_data");
  for (const std::string& path : Files(dir, ".parquet")) {
    SCOPED_TRACE(path);
    ReadAllResult r = ReadFile(path);
    if (fs::path(path).filename() == "ARROW-GH-43605.parquet") {
      // Dictionary indices of bit width 0 all address entry 0: well-defined,
      // and read the same way by DuckDB; listed as bad because it crashed
      // another reader.
      EXPECT_TRUE(r.status.ok()) << r.status.ToString();
      continue;
    }
    EXPECT_TRUE(!r.status.ok() || !r.errors.empty()) << "read " << r.rows.num_rows() << " rows without complaint";
    if (!r.status.ok()) {
      EXPECT_FALSE(r.status.message().empty());
    }
  }
}

// Splits one CSV line (the expect files quote with '"', no embedded newlines).
std::vector<std::string> SplitCsv(const std::string& line, std::vector<bool>* quoted) {
  std::vector<std::string> cells;
  quoted->clear();
  std::string cur;
  bool in_q = false, was_q = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_q) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur.push_back('"');
        ++i;
      } else if (c == '"') {
        in_q = false;
      } else {
        cur.push_back(c);
      }
    } else if (c == '"') {
      in_q = was_q = true;
    } else if (c == ',') {
      cells.push_back(cur);
      quoted->push_back(was_q);
      cur.clear();
      was_q = false;
    } else if (c != '\r') {
      cur.push_back(c);
    }
  }
  cells.push_back(cur);
  quoted->push_back(was_q);
  return cells;
}

TEST(ParquetCorpus, ValuesMatchExpectFiles) {
  const std::string dir = tributary::testing::SharedTestData("parquet-testing/data");
  for (const std::string& expect : Files(dir, "_expect.csv")) {
    const std::string parquet = expect.substr(0, expect.size() - std::string("_expect.csv").size()) + ".parquet";
    SCOPED_TRACE(parquet);
    ReadAllResult r = ReadFile(parquet);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    std::ifstream in(expect);
    std::string line;
    std::vector<bool> q;
    ASSERT_TRUE(std::getline(in, line));
    std::vector<std::string> header = SplitCsv(line, &q);
    for (auto& h : header) {
      while (!h.empty() && h.front() == ' ') h.erase(h.begin());
    }
    size_t row = 0, checked = 0;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      ASSERT_LT(row, r.rows.num_rows());
      std::vector<std::string> cells = SplitCsv(line, &q);
      ASSERT_EQ(cells.size(), header.size());
      auto meta = JsonValue::Parse(r.rows.metadata.IsNull(row) ? "{}" : r.rows.metadata.Get(row));
      ASSERT_TRUE(meta.ok());
      for (size_t c = 0; c < header.size(); ++c) {
        const JsonValue* v = meta->Find(header[c]);
        if (v == nullptr) v = meta->Find(header[c] + ":");  // names written with a trailing colon
        // Columns named like record fields land in them, not in metadata.
        if (v == nullptr && FieldFromName(header[c])) continue;
        ASSERT_NE(v, nullptr) << "row " << row << " column " << header[c];
        const std::string& cell = cells[c];
        if (cell.empty() && !q[c]) {
          EXPECT_TRUE(v->is_null()) << "row " << row << " column " << header[c] << ": " << v->ToString();
        } else if (v->is_number()) {
          EXPECT_EQ(v->str(), cell) << "row " << row << " column " << header[c];
        } else {
          EXPECT_TRUE(v->is_string()) << v->ToString();
          EXPECT_EQ(v->str(), cell) << "row " << row << " column " << header[c];
        }
        ++checked;
      }
      ++row;
    }
    EXPECT_EQ(row, r.rows.num_rows());
    EXPECT_GT(checked, 0u);
  }
}

}  // namespace
}  // namespace tributary::parquet
