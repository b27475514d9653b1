// Backup, verify and restore against a real SQLite store, in every format the
// build has.
#include "tributary/warehouse/backup.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "tests/test_util.h"
#include "tributary/store/store_test_suite.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;
using store_test::MakeBatch;
using store_test::MakeRecords;
using store_test::ScanAll;
using store_test::TestRecord;

// Records that stress exactness: float bit patterns, nulls next to empty
// strings, unicode, nested metadata, microsecond timestamps, odd ids.
std::vector<TestRecord> TrickyRecords(int dimension) {
  std::vector<TestRecord> out = MakeRecords(0, 50, dimension);
  const float specials[] = {0.1f, -0.0f, 1e-45f, std::numeric_limits<float>::min(),
                            std::numeric_limits<float>::max(), 3.4028235e38f, 16777217.0f, 1.0f / 3};
  for (size_t k = 0; k < out.size(); ++k) {
    for (int j = 0; j < dimension; ++j) {
      (*out[k].values)[j] = specials[(k + j) % 8] * (j % 2 ? -1.0f : 1.0f);
    }
  }
  out[1].content = "";
  out[2].content.reset();
  out[3].content = "line one\nline \"two\", with comma\r\nand tab\t, 日本語 🙂";
  out[4].metadata = "{\"a\":[1,2.5,-3e-07,{\"b\":null}],\"s\":\"x\\\"y\",\"u\":\"é\",\"t\":true}";
  out[5].language.reset();
  out[5].chunk_index.reset();
  out[6].id = "id with spaces, \"quotes\" and ünïcode";
  out[7].created_at = 1;
  out[7].updated_at = 1700000000123456;
  out[8].metadata = "{}";
  out[9].model = "";
  out[10].document_id = "0001";  // must stay a string
  out[11].content = "NULL";
  out[12].content = "=1+2";
  (*out[13].values)[0] = std::numeric_limits<float>::quiet_NaN();
  (*out[13].values)[1] = std::numeric_limits<float>::infinity();
  (*out[13].values)[2] = -std::numeric_limits<float>::infinity();
  return out;
}

class BackupTest : public ::testing::TestWithParam<Format> {
 protected:
  void SetUp() override {
    StoreOptions so;
    so.data_dir = dir_.File("store");
    auto s = OpenSqliteStore(so);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  void Fill(const CollectionRef& ref, const std::vector<TestRecord>& records, int dim, const std::string& schema = "") {
    ASSERT_TRUE(store_->CreateCollection(ref, dim, schema).ok());
    RecordBatch b = MakeBatch(records);
    auto w = store_->WriteBatch(ref, b, {}, WriteMode::kInsert, nullptr);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_EQ(w->inserted, static_cast<int64_t>(records.size()));
  }

  BackupReport Backup(std::vector<std::string> names = {}) {
    BackupOptions o;
    o.backup_dir = dir_.File("backups");
    o.format = GetParam();
    o.collections = std::move(names);
    auto r = RunBackup(store_.get(), o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : BackupReport{};
  }

  Result<RestoreReport> Restore(bool confirm = true, RestoreMode mode = RestoreMode::kReplace) {
    RestoreOptions o;
    o.backup_dir = dir_.File("backups");
    o.mode = mode;
    o.batch_size = 7;
    return RunRestore(store_.get(), o, [confirm](const std::vector<CollectionRef>&) { return confirm; });
  }

  std::string FileOf(const BackupReport& r, size_t i) {
    return (fs::path(r.path) / r.manifest.collections[i].file).string();
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(BackupTest, RestoreIsExactRecordByRecord) {
  CollectionRef docs{kDefaultTenant, "docs"}, other{kDefaultTenant, "other/../x"};
  const std::vector<TestRecord> records = TrickyRecords(5);
  Fill(docs, records, 5, "{\"type\":\"object\",\"required\":[\"n\"]}");
  Fill(other, MakeRecords(0, 3, 2), 2);
  ASSERT_TRUE(store_->CreateCollection({kDefaultTenant, "empty"}, 8, "").ok());

  BackupReport b = Backup();
  ASSERT_EQ(b.manifest.collections.size(), 3u);
  EXPECT_TRUE(fs::path(b.path).filename().string().rfind("backup-", 0) == 0) << b.path;
  for (const ManifestEntry& e : b.manifest.collections) {
    EXPECT_EQ(e.format, GetParam());
    EXPECT_EQ(e.file.find('/'), std::string::npos) << e.file;
    EXPECT_EQ(fs::file_size(fs::path(b.path) / e.file), e.bytes);
  }
  const ManifestEntry& d = b.manifest.collections[0];
  EXPECT_EQ(d.name, "docs");
  EXPECT_EQ(d.count, 50);
  EXPECT_EQ(d.dimension, 5);
  EXPECT_EQ(d.metadata_schema, "{\"type\":\"object\",\"required\":[\"n\"]}");
  // Nothing but the finished backup is left in the backup folder.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.File("backups")), fs::directory_iterator()), 1);

  // Change everything, then restore.
  ASSERT_TRUE(store_->DropCollection(docs).ok());
  Fill(docs, MakeRecords(500, 4, 3), 3);
  ASSERT_TRUE(store_->DropCollection({kDefaultTenant, "empty"}).ok());
  auto r = Restore();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->collections.size(), 3u);

  std::vector<TestRecord> got = ScanAll(store_.get(), docs);
  ASSERT_EQ(got.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(got[i], records[i]) << "record " << i;
  auto info = store_->GetCollection(docs);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->dimension, 5);
  EXPECT_EQ(info->metadata_schema, "{\"type\":\"object\",\"required\":[\"n\"]}");
  EXPECT_EQ(ScanAll(store_.get(), other), MakeRecords(0, 3, 2));
  auto empty = store_->GetCollection({kDefaultTenant, "empty"});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->count, 0);
  EXPECT_EQ(empty->dimension, 8);
  // No staging collection is left behind.
  EXPECT_EQ(store_->ListCollections(kDefaultTenant)->size(), 3u);
}

TEST_P(BackupTest, CorruptBackupIsRefusedBeforeAnyWrite) {
  CollectionRef docs{kDefaultTenant, "docs"}, other{kDefaultTenant, "other"};
  Fill(docs, MakeRecords(0, 40, 4), 4);
  Fill(other, MakeRecords(0, 5, 4), 4);
  BackupReport b = Backup();
  ASSERT_EQ(b.manifest.collections.size(), 2u);
  // After the backup the store moves on; a refused restore must leave this.
  ASSERT_TRUE(store_->DropCollection(other).ok());
  Fill(other, MakeRecords(100, 2, 4), 4);
  const std::vector<TestRecord> live = ScanAll(store_.get(), other);

  const std::string victim = FileOf(b, 0);  // docs
  const std::string original = testing::ReadFileOrDie(victim);
  struct Damage {
    const char* what;
    std::function<void()> apply;
    const char* expect;
  };
  std::vector<Damage> damages = {
      {"one byte flipped", [&] {
         std::string s = original;
         s[s.size() / 2] ^= 0x01;
         testing::WriteFileOrDie(victim, s);
       }, "sha256 mismatch"},
      {"truncated", [&] { testing::WriteFileOrDie(victim, original.substr(0, original.size() - 10)); }, "size mismatch"},
      {"missing", [&] { fs::remove(victim); }, "missing"},
  };
  for (const Damage& dmg : damages) {
    SCOPED_TRACE(dmg.what);
    dmg.apply();
    auto v = VerifyBackup(dir_.File("backups"));
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_FALSE(v->ok());
    EXPECT_NE(v->Problems().find(dmg.expect), std::string::npos) << v->Problems();
    EXPECT_NE(v->Problems().find(b.manifest.collections[0].file), std::string::npos) << v->Problems();
    auto r = Restore();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidData) << r.status().ToString();
    EXPECT_NE(r.status().message().find("nothing was restored"), std::string::npos);
    // Nothing written: the other collection (whose file is fine) is untouched.
    EXPECT_EQ(ScanAll(store_.get(), other), live);
    EXPECT_EQ(store_->ListCollections(kDefaultTenant)->size(), 2u);
    testing::WriteFileOrDie(victim, original);
  }
  // A manifest whose count lies is caught too (sha256 and size still match).
  const std::string mpath = (fs::path(b.path) / kManifestFileName).string();
  std::string m = testing::ReadFileOrDie(mpath);
  size_t at = m.find("\"count\": 40");
  ASSERT_NE(at, std::string::npos);
  m.replace(at, 11, "\"count\": 41");
  testing::WriteFileOrDie(mpath, m);
  auto v = VerifyBackup(dir_.File("backups"));
  ASSERT_TRUE(v.ok());
  EXPECT_NE(v->Problems().find("record count mismatch: manifest says 41, file holds 40"), std::string::npos)
      << v->Problems();
  EXPECT_FALSE(Restore().ok());
  EXPECT_EQ(ScanAll(store_.get(), other), live);
}

TEST_P(BackupTest, ReplacingNeedsConfirmation) {
  CollectionRef docs{kDefaultTenant, "docs"};
  Fill(docs, MakeRecords(0, 10, 3), 3);
  Backup();
  ASSERT_TRUE(store_->DropCollection(docs).ok());
  Fill(docs, MakeRecords(50, 2, 3), 3);
  auto refused = Restore(/*confirm=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(ScanAll(store_.get(), docs), MakeRecords(50, 2, 3));
  // Insert-only modes add to what is there without asking.
  auto merged = Restore(/*confirm=*/false, RestoreMode::kSkipExisting);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(ScanAll(store_.get(), docs).size(), 12u);
  auto replaced = Restore(/*confirm=*/true);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(ScanAll(store_.get(), docs), MakeRecords(0, 10, 3));
}

TEST_P(BackupTest, SelectedCollectionsOnly) {
  Fill({kDefaultTenant, "a"}, MakeRecords(0, 3, 2), 2);
  Fill({kDefaultTenant, "b"}, MakeRecords(0, 4, 2), 2);
  BackupReport r = Backup({"b"});
  ASSERT_EQ(r.manifest.collections.size(), 1u);
  EXPECT_EQ(r.manifest.collections[0].name, "b");
  BackupOptions o;
  o.backup_dir = dir_.File("backups");
  o.collections = {"nope"};
  auto missing = RunBackup(store_.get(), o);
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
}

std::string FormatParamName(const ::testing::TestParamInfo<Format>& info) {
  return std::string(FormatName(info.param));
}

TEST_P(BackupTest, AllTenantsBackUpAndRestoreIntoTheirTenants) {
  CollectionRef a{"acme", "docs"}, b{"globex", "docs"}, c{kDefaultTenant, "notes"};
  Fill(a, TrickyRecords(3), 3);
  Fill(b, MakeRecords(100, 20, 2), 2);
  Fill(c, MakeRecords(200, 5, 4), 4);
  const auto want_a = ScanAll(store_.get(), a), want_b = ScanAll(store_.get(), b), want_c = ScanAll(store_.get(), c);
  BackupOptions o;
  o.backup_dir = dir_.File("backups");
  o.format = GetParam();
  o.all_tenants = true;
  auto r = RunBackup(store_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->manifest.collections.size(), 3u);
  EXPECT_TRUE(r->manifest.all_tenants);
  EXPECT_EQ(r->manifest.tenants, (std::vector<std::string>{"acme", kDefaultTenant, "globex"}));
  // Equal names in two tenants get two files.
  EXPECT_NE(r->manifest.collections[0].file, r->manifest.collections[1].file);
  EXPECT_EQ(fs::path(r->manifest.collections[0].file).stem().string().find('@'), 4u);
  auto m = ReadManifest(r->path);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->tenants, r->manifest.tenants);
  EXPECT_TRUE(m->all_tenants);

  for (const CollectionRef& ref : {a, b, c}) ASSERT_TRUE(store_->DropCollection(ref).ok());
  auto rr = Restore();
  ASSERT_TRUE(rr.ok()) << rr.status().ToString();
  EXPECT_EQ(rr->collections.size(), 3u);
  EXPECT_EQ(ScanAll(store_.get(), a), want_a);
  EXPECT_EQ(ScanAll(store_.get(), b), want_b);
  EXPECT_EQ(ScanAll(store_.get(), c), want_c);
  // A name selects that collection in every tenant.
  o.collections = {"docs"};
  o.name = "only-docs";
  auto only = RunBackup(store_.get(), o);
  ASSERT_TRUE(only.ok()) << only.status().ToString();
  EXPECT_EQ(only->manifest.collections.size(), 2u);
  EXPECT_EQ(only->manifest.tenants, (std::vector<std::string>{"acme", "globex"}));
  // Without --all-tenants only the one tenant is taken.
  BackupOptions one;
  one.backup_dir = dir_.File("one");
  one.format = GetParam();
  one.tenant = "globex";
  auto single = RunBackup(store_.get(), one);
  ASSERT_TRUE(single.ok());
  ASSERT_EQ(single->manifest.collections.size(), 1u);
  EXPECT_EQ(single->manifest.tenants, std::vector<std::string>{"globex"});
  EXPECT_FALSE(single->manifest.all_tenants);
}

TEST(ManifestTenantsTest, TenantsMustCoverTheEntries) {
  Manifest m;
  m.created_at = 1;
  m.tenants = {"a"};
  ManifestEntry e;
  e.name = "x";
  e.tenant = "b";
  e.file = "x.jsonl";
  e.sha256 = std::string(64, '0');
  m.collections.push_back(e);
  auto parsed = ParseManifest(ManifestToJson(m), "manifest.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("which \"tenants\" does not list"), std::string::npos)
      << parsed.status().message();
  m.tenants = {"b"};
  parsed = ParseManifest(ManifestToJson(m), "manifest.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->tenants, std::vector<std::string>{"b"});
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, BackupTest, ::testing::ValuesIn(AvailableFormats()), FormatParamName);

TEST(BackupDirTest, NewestCompleteBackupIsChosen) {
  testing::TempDir dir;
  fs::create_directories(dir.File("backup-20240101T000000Z"));
  fs::create_directories(dir.File("backup-20250101T000000Z"));
  fs::create_directories(dir.File(".backup-20260101T000000Z.partial-1234"));
  fs::create_directories(dir.File("backup-20270101T000000Z"));  // no manifest: incomplete
  testing::WriteFileOrDie(dir.File("backup-20240101T000000Z/manifest.json"), "{}");
  testing::WriteFileOrDie(dir.File("backup-20250101T000000Z/manifest.json"), "{}");
  testing::WriteFileOrDie(dir.File(".backup-20260101T000000Z.partial-1234/manifest.json"), "{}");
  auto r = ResolveBackupDir(dir.path());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(fs::path(*r).filename(), "backup-20250101T000000Z");
  EXPECT_TRUE(ResolveBackupDir(dir.File("backup-20270101T000000Z")).status().IsNotFound());
}

}  // namespace
}  // namespace tributary
