// Split export and batch import against a real SQLite store.
#include "tributary/warehouse/batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/test_util.h"
#include "tributary/store/store_test_suite.h"
#include "tributary/warehouse/manifest.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;
using store_test::MakeBatch;
using store_test::MakeRecords;
using store_test::ScanAll;

class BatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions so;
    so.data_dir = dir_.File("store");
    auto s = OpenSqliteStore(so);
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }
  void Fill(const CollectionRef& ref, int64_t n) {
    ASSERT_TRUE(store_->CreateCollection(ref, 3, "").ok());
    RecordBatch b = MakeBatch(MakeRecords(0, n, 3));
    ASSERT_TRUE(store_->WriteBatch(ref, b, {}, WriteMode::kInsert, nullptr).ok());
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(BatchTest, SplitKeepsCountsAndOrderInEveryFormat) {
  CollectionRef src{kDefaultTenant, "docs"};
  Fill(src, 2503);
  for (Format f : AvailableFormats()) {
    SCOPED_TRACE(FormatName(f));
    SplitExportOptions o;
    o.collection = src;
    o.output_dir = dir_.File(std::string("split-") + std::string(FormatName(f)));
    o.format = f;
    o.records_per_file = 1000;
    auto r = RunSplitExport(store_.get(), o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->files.size(), 3u);
    EXPECT_EQ(r->total, 2503);
    EXPECT_EQ(r->files[0].records, 1000);
    EXPECT_EQ(r->files[2].records, 503);
    EXPECT_EQ(fs::path(r->files[1].path).filename().string(), "docs_00002." + std::string(FormatExtension(f)));
    EXPECT_EQ(fs::file_size(r->files[1].path), r->files[1].bytes);

    BatchImportOptions bo;
    bo.base.collection = {kDefaultTenant, std::string("back-") + std::string(FormatName(f))};
    bo.base.batch_size = 333;
    bo.input_dir = o.output_dir;
    bo.pattern = "docs_*";
    auto ir = RunBatchImport(store_.get(), bo);
    ASSERT_TRUE(ir.ok()) << ir.status().ToString();
    EXPECT_EQ(ir->status, JobStatus::kCompleted) << ir->error;
    EXPECT_EQ(ir->total_rows, 2503);
    EXPECT_EQ(ir->inserted_rows, 2503);
    EXPECT_EQ(ir->job_id.rfind("batch-", 0), 0u);
    EXPECT_EQ(ScanAll(store_.get(), bo.base.collection), ScanAll(store_.get(), src));
  }
}

TEST_F(BatchTest, SplitTakesWriteOptionsAndCompression) {
  CollectionRef src{kDefaultTenant, "docs"};
  Fill(src, 250);
  struct Case {
    const char* name;
    Format format;
    bool mongo;
    Compression compression;
    const char* parquet_codec;
    const char* file2;
  };
  for (const Case& c : {Case{"mongo", Format::kJsonl, true, Compression::kNone, "", "docs_00002.jsonl"},
                        Case{"mongo-gz", Format::kJsonl, true, Compression::kGzip, "", "docs_00002.jsonl.gz"},
                        Case{"csv-zst", Format::kCsv, false, Compression::kZstd, "", "docs_00002.csv.zst"},
                        Case{"parquet-snappy", Format::kParquet, false, Compression::kNone, "snappy",
                             "docs_00002.parquet"}}) {
    const std::vector<Format> formats = AvailableFormats();
    if (std::find(formats.begin(), formats.end(), c.format) == formats.end()) continue;
    SCOPED_TRACE(c.name);
    SplitExportOptions o;
    o.collection = src;
    o.output_dir = dir_.File(std::string("split-") + c.name);
    o.format = c.format;
    o.records_per_file = 100;
    o.compression = c.compression;
    o.write.mongo_extended_json = c.mongo;
    if (*c.parquet_codec) o.write.parquet_compression = c.parquet_codec;
    auto r = RunSplitExport(store_.get(), o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->files.size(), 3u);
    EXPECT_EQ(fs::path(r->files[1].path).filename().string(), c.file2);
    // The files are what the options say: Extended JSON with _id, compressed.
    auto in = OpenInput(r->files[0].path);
    ASSERT_TRUE(in.ok());
    auto head = PeekInput(&*in, 4096);
    ASSERT_TRUE(head.ok());
    if (c.mongo) {
      EXPECT_EQ(head->rfind("{\"_id\":", 0), 0u) << *head;
      EXPECT_NE(head->find("{\"$date\":"), std::string::npos);
    }
    if (c.compression != Compression::kNone) {
      std::ifstream raw(r->files[0].path, std::ios::binary);
      unsigned char magic[2] = {0, 0};
      raw.read(reinterpret_cast<char*>(magic), 2);
      EXPECT_EQ(magic[0], c.compression == Compression::kGzip ? 0x1f : 0x28);
    }
    // And they import back to the same records.
    BatchImportOptions bo;
    bo.base.collection = {kDefaultTenant, std::string("back-") + c.name};
    bo.base.read.mongo_extended_json = c.mongo;
    if (c.mongo) bo.base.format = Format::kJsonl;
    bo.input_dir = o.output_dir;
    auto ir = RunBatchImport(store_.get(), bo);
    ASSERT_TRUE(ir.ok()) << ir.status().ToString();
    EXPECT_EQ(ir->status, JobStatus::kCompleted) << ir->error;
    EXPECT_EQ(ir->inserted_rows, 250);
    EXPECT_EQ(ScanAll(store_.get(), bo.base.collection), ScanAll(store_.get(), src));
  }
  SplitExportOptions bad;
  bad.collection = src;
  bad.output_dir = dir_.File("bad");
  bad.format = Format::kParquet;
  bad.compression = Compression::kGzip;
  EXPECT_EQ(RunSplitExport(store_.get(), bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(BatchTest, FilterLimitAndExactMultiples) {
  CollectionRef src{kDefaultTenant, "docs"};
  Fill(src, 40);
  SplitExportOptions o;
  o.collection = src;
  o.output_dir = dir_.File("out");
  o.records_per_file = 10;
  o.filter_json = "{\"language\": \"en\"}";  // even records
  auto r = RunSplitExport(store_.get(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->files.size(), 2u);  // 20 records, no empty third file
  EXPECT_EQ(r->total, 20);
  o.output_dir = dir_.File("limited");
  o.filter_json.clear();
  o.limit = 25;
  r = RunSplitExport(store_.get(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->files.size(), 3u);
  EXPECT_EQ(r->files[2].records, 5);
  o.records_per_file = 0;
  EXPECT_EQ(RunSplitExport(store_.get(), o).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(BatchTest, InterruptedBatchResumesFileByFile) {
  CollectionRef src{kDefaultTenant, "docs"};
  Fill(src, 3000);
  SplitExportOptions o;
  o.collection = src;
  o.output_dir = dir_.File("batches");
  o.records_per_file = 1000;
  ASSERT_TRUE(RunSplitExport(store_.get(), o).ok());

  BatchImportOptions bo;
  bo.base.collection = {kDefaultTenant, "copy"};
  bo.base.batch_size = 100;
  bo.input_dir = o.output_dir;
  std::atomic<bool> cancel{false};
  // Cancel once the first file is done: the second stops after one batch.
  auto first = RunBatchImport(store_.get(), bo, [&](const ImportProgress& p) {
    if (p.records_read >= 1000) cancel = true;
  }, &cancel);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->status, JobStatus::kCancelled);
  const int64_t done = *store_->Count(bo.base.collection, nullptr);
  EXPECT_GE(done, 1000);
  EXPECT_LT(done, 3000);

  int64_t last_total = -1;
  auto second = RunBatchImport(store_.get(), bo, [&](const ImportProgress& p) {
    EXPECT_EQ(p.bytes_total, static_cast<int64_t>(fs::file_size(o.output_dir + "/docs_00001.jsonl") +
                                                   fs::file_size(o.output_dir + "/docs_00002.jsonl") +
                                                   fs::file_size(o.output_dir + "/docs_00003.jsonl")));
    last_total = p.records_read;
  });
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->status, JobStatus::kCompleted) << second->error;
  EXPECT_EQ(second->job_id, first->job_id);
  EXPECT_EQ(second->resumed_from, done);
  EXPECT_EQ(second->total_rows, 3000);
  EXPECT_EQ(second->failed_rows, 0);  // nothing imported twice
  EXPECT_EQ(last_total, 3000);
  EXPECT_EQ(ScanAll(store_.get(), bo.base.collection), ScanAll(store_.get(), src));

  // Finished: a third run starts afresh (and finds every id taken).
  auto third = RunBatchImport(store_.get(), bo);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->resumed_from, 0);
  EXPECT_EQ(third->failed_rows, 3000);
}

TEST_F(BatchTest, RowErrorsNameTheirFile) {
  fs::create_directories(dir_.File("in"));
  testing::WriteFileOrDie(dir_.File("in/batch_1.jsonl"), "{\"id\":\"a\",\"document_id\":\"d\",\"values\":[1,2]}\n");
  testing::WriteFileOrDie(dir_.File("in/batch_2.jsonl"),
                          "{\"id\":\"b\",\"document_id\":\"d\",\"values\":[1,2]}\n{\"id\":\"c\",\"values\":[1,2]}\n");
  testing::WriteFileOrDie(dir_.File("in/other.jsonl"), "{\"id\":\"z\",\"document_id\":\"d\",\"values\":[1,2]}\n");
  BatchImportOptions bo;
  bo.base.collection = {kDefaultTenant, "c"};
  bo.input_dir = dir_.File("in");
  bo.pattern = "batch_*.jsonl";
  auto r = RunBatchImport(store_.get(), bo);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, JobStatus::kCompletedWithErrors);
  EXPECT_EQ(r->successful_rows, 2);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].message, "batch_2.jsonl: Missing required field: document_id");
  EXPECT_EQ(r->errors[0].origin.row, 2);
  bo.pattern = "nothing*";
  EXPECT_EQ(RunBatchImport(store_.get(), bo).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tributary
