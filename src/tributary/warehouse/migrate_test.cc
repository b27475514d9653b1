// Format migration: chains through every format the build has end where they
// started, byte for byte.
#include "tributary/warehouse/migrate.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/test_util.h"
#include "tributary/pipeline/export.h"
#include "tributary/store/store_test_suite.h"
#include "tributary/warehouse/backup.h"
#include "tributary/warehouse/manifest.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileOrDie;
using testing::WriteFileOrDie;

class MigrateTest : public ::testing::Test {
 protected:
  // A JSONL file as tributary writes it, from a store holding varied records.
  std::string ExportedJsonl(const std::string& name) {
    StoreOptions so;
    so.data_dir = dir_.File("store");
    auto store = OpenSqliteStore(so);
    EXPECT_TRUE(store.ok());
    CollectionRef ref{kDefaultTenant, name};
    EXPECT_TRUE((*store)->CreateCollection(ref, 6, "").ok());
    std::vector<store_test::TestRecord> recs = store_test::MakeRecords(0, 120, 6);
    recs[3].content = "quote \" comma , newline \n tab \t";
    recs[4].content.reset();
    recs[5].content = "";
    recs[6].metadata = "{\"deep\":{\"list\":[1,2.5,\"x\",null,true],\"e\":\"\\u0001\"}}";
    (*recs[7].values)[0] = -0.0f;
    (*recs[7].values)[1] = 1e-45f;
    RecordBatch b = store_test::MakeBatch(recs);
    EXPECT_TRUE((*store)->WriteBatch(ref, b, {}, WriteMode::kInsert, nullptr).ok());
    ExportOptions eo;
    eo.collection = ref;
    eo.output_path = dir_.File(name + ".jsonl");
    EXPECT_TRUE(RunExport(store->get(), eo).ok());
    return eo.output_path;
  }

  testing::TempDir dir_;
};

TEST_F(MigrateTest, ChainThroughEveryFormatEndsIdentical) {
  const std::string start = ExportedJsonl("docs");
  const std::string original = ReadFileOrDie(start);
  std::vector<Format> chain = {Format::kJsonl};
  for (Format f : AvailableFormats()) {
    if (f != Format::kJsonl) chain.push_back(f);
  }
  chain.push_back(Format::kJsonl);
  ASSERT_GE(chain.size(), 5u);  // jsonl, json, csv, tsv (and parquet when built), jsonl
  std::string current = start;
  for (size_t i = 1; i < chain.size(); ++i) {
    const std::string next = dir_.File("step" + std::to_string(i) + "." + std::string(FormatExtension(chain[i])));
    auto r = MigrateFile(current, chain[i - 1], next, chain[i], 1000);
    ASSERT_TRUE(r.ok()) << FormatName(chain[i - 1]) << " -> " << FormatName(chain[i]) << ": " << r.status().ToString();
    EXPECT_EQ(r->records, 120);
    EXPECT_EQ(r->bytes, fs::file_size(next));
    current = next;
  }
  EXPECT_EQ(ReadFileOrDie(current), original);
}

TEST_F(MigrateTest, KeepsNullsAndUnvalidatedRecords) {
  // No store in between: nothing is defaulted or required.
  const std::string in = dir_.File("raw.jsonl");
  WriteFileOrDie(in,
                 "{\"id\":\"a\",\"content\":\"no vector, no timestamps\"}\n"
                 "{\"id\":\"b\",\"values\":[NaN,Infinity,-Infinity],\"metadata\":null}\n"
                 "{\"document_id\":\"d\",\"extra\":{\"k\":1}}\n");
  for (Format f : AvailableFormats()) {
    SCOPED_TRACE(FormatName(f));
    const std::string mid = dir_.File("mid." + std::string(FormatExtension(f)));
    const std::string back = dir_.File("back.jsonl");
    ASSERT_TRUE(MigrateFile(in, Format::kJsonl, mid, f, 2).ok());
    ASSERT_TRUE(MigrateFile(mid, f, back, Format::kJsonl, 2).ok());
    // Read again by jsonl->jsonl: the canonical form of the input.
    const std::string canon = dir_.File("canon.jsonl");
    ASSERT_TRUE(MigrateFile(in, Format::kJsonl, canon, Format::kJsonl, 2).ok());
    EXPECT_EQ(ReadFileOrDie(back), ReadFileOrDie(canon));
    EXPECT_EQ(ReadFileOrDie(canon).find("created_at\":\"2"), std::string::npos);  // no defaults
  }
}

TEST_F(MigrateTest, BadRecordFailsTheFileAndWritesNothing) {
  const std::string in = dir_.File("bad.jsonl");
  WriteFileOrDie(in, "{\"id\":\"a\"}\n{\"id\":\"b\",\"values\":[1,\"x\"]}\n{\"id\":\"c\"}\n");
  const std::string out = dir_.File("bad.csv");
  auto r = MigrateFile(in, Format::kJsonl, out, Format::kCsv, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.jsonl row 2"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("values"), std::string::npos) << r.status().ToString();
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(MigrateTest, FolderWithManifestIsConvertedAndStaysRestorable) {
  StoreOptions so;
  so.data_dir = dir_.File("store");
  auto store = OpenSqliteStore(so);
  ASSERT_TRUE(store.ok());
  for (const char* name : {"alpha", "beta"}) {
    CollectionRef ref{kDefaultTenant, name};
    ASSERT_TRUE((*store)->CreateCollection(ref, 3, "").ok());
    RecordBatch b = store_test::MakeBatch(store_test::MakeRecords(0, name[0] == 'a' ? 30 : 7, 3));
    ASSERT_TRUE((*store)->WriteBatch(ref, b, {}, WriteMode::kInsert, nullptr).ok());
  }
  BackupOptions bo;
  bo.backup_dir = dir_.File("backups");
  bo.name = "b1";
  auto backup = RunBackup(store->get(), bo);
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();

  Format last = Format::kJsonl;
  std::string src = backup->path;
  for (Format f : AvailableFormats()) {
    if (f == Format::kJsonl) continue;
    MigrateOptions mo;
    mo.source_dir = src;
    mo.target_dir = dir_.File(std::string("to-") + std::string(FormatName(f)));
    mo.source_format = last;
    mo.target_format = f;
    auto r = RunMigrate(mo);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->manifest);
    EXPECT_EQ(r->files.size(), 2u);
    auto v = VerifyBackup(mo.target_dir);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->ok()) << v->Problems();
    EXPECT_EQ(v->manifest.format, f);
    src = mo.target_dir;
    last = f;
  }
  // The last migrated backup restores to the same records.
  ASSERT_TRUE((*store)->DropCollection({kDefaultTenant, "alpha"}).ok());
  RestoreOptions ro;
  ro.backup_dir = src;
  auto restored = RunRestore(store->get(), ro, [](const std::vector<CollectionRef>&) { return true; });
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(store_test::ScanAll(store->get(), {kDefaultTenant, "alpha"}), store_test::MakeRecords(0, 30, 3));
  EXPECT_EQ(store_test::ScanAll(store->get(), {kDefaultTenant, "beta"}), store_test::MakeRecords(0, 7, 3));
}

TEST_F(MigrateTest, OptionsAreChecked) {
  MigrateOptions o;
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);
  o.source_dir = dir_.path();
  o.target_dir = dir_.path();
  o.target_format = Format::kCsv;
  auto same = RunMigrate(o);
  EXPECT_EQ(same.status().code(), StatusCode::kInvalidArgument) << same.status().ToString();
  MigrateOptions f;
  f.input_file = dir_.File("x.unknown");
  f.output_file = dir_.File("y.csv");
  WriteFileOrDie(f.input_file, "{}\n");
  EXPECT_EQ(RunMigrate(f).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tributary
