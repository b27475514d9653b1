// End-to-end tests of backup, verify, restore, migrate and batch files
// through build/tributary, against a real store on disk.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/test_util.h"
#include "tributary/core/json.h"
#include "tributary/warehouse/manifest.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::ReadFileOrDie;
using testing::RunTributary;
using testing::TempDir;
using testing::WriteFileOrDie;

using testing::Q;

class WarehouseCliTest : public testing::StoreCliTest {
 protected:
  JsonValue Json(const std::string& text) {
    auto v = JsonValue::Parse(text);
    EXPECT_TRUE(v.ok()) << text;
    return v.ok() ? *v : JsonValue();
  }
  // A JSONL file of n records with dimension 4 and varied fields.
  std::string MakeInput(const std::string& name, int n, int first = 0) {
    std::string s;
    for (int i = first; i < first + n; ++i) {
      s += "{\"id\":\"r" + std::to_string(i) + "\",\"document_id\":\"d" + std::to_string(i / 3) +
           "\",\"values\":[" + std::to_string(i) + ".5,0.1,-0.0,1e-45],\"content\":\"text, \\\"" +
           std::to_string(i) + "\\\"\\nsecond line\",\"metadata\":{\"i\":" + std::to_string(i) +
           ",\"tags\":[\"a\",\"b\"]},\"chunk_index\":" + std::to_string(i % 5) +
           ",\"created_at\":\"2024-01-0" + std::to_string(1 + i % 9) + "T10:00:00.123456Z\"}\n";
    }
    WriteFileOrDie(dir_.File(name), s);
    return dir_.File(name);
  }
  std::string Dump(const std::string& collection) {
    return Run("export --collection " + Q(collection) + " --output-file - --format jsonl -q", 0).out;
  }
  std::vector<std::string> Formats() {
    std::vector<std::string> out;
    for (Format f : AvailableFormats()) out.emplace_back(FormatName(f));
    return out;
  }

};

TEST_F(WarehouseCliTest, BackupThenRestoreIsExactInEveryFormat) {
  Run("import-data -q --collection docs --input-file " + Q(MakeInput("docs.jsonl", 250)), 0);
  Run("import-data -q --collection small --input-file " + Q(MakeInput("small.jsonl", 3, 1000)), 0);
  const std::string docs = Dump("docs"), small = Dump("small");
  ASSERT_EQ(std::count(docs.begin(), docs.end(), '\n'), 250);
  for (const std::string& format : Formats()) {
    SCOPED_TRACE(format);
    const std::string bdir = dir_.File("backups-" + format);
    CommandResult b = Run("backup --backup-dir " + Q(bdir) + " --format " + format + " --json", 0);
    JsonValue report = Json(b.out);
    const std::string path = report.Find("path")->str();
    JsonValue manifest = Json(ReadFileOrDie(path + "/manifest.json"));
    ASSERT_EQ(manifest.Find("collections")->items().size(), 2u);
    const JsonValue& first = manifest.Find("collections")->items()[0];
    EXPECT_EQ(first.Find("name")->str(), "docs");
    EXPECT_EQ(first.Find("count")->int_value(), 250);
    EXPECT_EQ(first.Find("dimension")->int_value(), 4);
    EXPECT_EQ(first.Find("format")->str(), format);
    EXPECT_EQ(first.Find("sha256")->str().size(), 64u);
    EXPECT_TRUE(manifest.Find("version")->is_string());
    EXPECT_TRUE(manifest.Find("created_at")->is_string());
    Run("verify --backup-dir " + Q(bdir), 0);

    // Change the store, restore, and compare record by record.
    Run("collections delete docs", 0);
    Run("import-data -q --collection small --mode upsert --input-file " + Q(MakeInput("other.jsonl", 5, 1000)), 0);
    ASSERT_NE(Dump("small"), small);
    Run("restore --backup-dir " + Q(bdir) + " --confirm -q", 0);
    EXPECT_EQ(Dump("docs"), docs);
    EXPECT_EQ(Dump("small"), small);
  }
}

TEST_F(WarehouseCliTest, BackupOfEveryTenantRestoresEachIntoItsTenant) {
  Run("--tenant acme import-data -q --collection docs --input-file " + Q(MakeInput("a.jsonl", 30)), 0);
  Run("--tenant globex import-data -q --collection docs --input-file " + Q(MakeInput("g.jsonl", 7, 500)), 0);
  auto dump = [&](const std::string& tenant) {
    return Run("--tenant " + tenant + " export --collection docs --output-file - --format jsonl -q", 0).out;
  };
  const std::string acme = dump("acme"), globex = dump("globex");
  ASSERT_NE(acme, globex);
  const std::string bdir = dir_.File("all");
  CommandResult b = Run("backup --all-tenants --backup-dir " + Q(bdir) + " --json", 0);
  JsonValue manifest = Json(ReadFileOrDie(Json(b.out).Find("path")->str() + "/manifest.json"));
  EXPECT_EQ(manifest.Find("tenants")->ToString(), "[\"acme\",\"globex\"]");
  EXPECT_TRUE(manifest.Find("all_tenants")->bool_value());
  ASSERT_EQ(manifest.Find("collections")->items().size(), 2u);
  Run("--tenant acme collections delete docs", 0);
  Run("--tenant globex collections delete docs", 0);
  Run("restore --backup-dir " + Q(bdir) + " --confirm -q", 0);
  EXPECT_EQ(dump("acme"), acme);
  EXPECT_EQ(dump("globex"), globex);
}

TEST_F(WarehouseCliTest, RestoreRefusesWithoutTerminalUnlessConfirmed) {
  Run("import-data -q --collection docs --input-file " + Q(MakeInput("docs.jsonl", 20)), 0);
  Run("backup -q --backup-dir " + Q(dir_.File("b")), 0);
  Run("import-data -q --collection docs --input-file " + Q(MakeInput("more.jsonl", 5, 100)), 0);
  const std::string changed = Dump("docs");
  CommandResult r = Run("restore --backup-dir " + Q(dir_.File("b")), 2);
  EXPECT_NE(r.err.find("--confirm"), std::string::npos) << r.err;
  EXPECT_EQ(Dump("docs"), changed);
  CommandResult dry = Run("restore --backup-dir " + Q(dir_.File("b")) + " --dry-run", 0);
  EXPECT_NE(dry.out.find("Would restore"), std::string::npos) << dry.out;
  EXPECT_EQ(Dump("docs"), changed);
  // A restore into an empty store needs no confirmation.
  Run("collections delete docs", 0);
  Run("restore -q --backup-dir " + Q(dir_.File("b")), 0);
  const std::string restored = Dump("docs");
  EXPECT_EQ(std::count(restored.begin(), restored.end(), '\n'), 20);
}

TEST_F(WarehouseCliTest, CorruptedBackupIsRefusedBeforeAnythingIsWritten) {
  Run("import-data -q --collection docs --input-file " + Q(MakeInput("docs.jsonl", 100)), 0);
  Run("import-data -q --collection keep --input-file " + Q(MakeInput("keep.jsonl", 10)), 0);
  CommandResult b = Run("backup --backup-dir " + Q(dir_.File("b")) + " --json", 0);
  const std::string path = Json(b.out).Find("path")->str();
  Run("collections delete keep", 0);  // restore would recreate it if it wrote anything
  const std::string file = path + "/docs.jsonl";
  const std::string good = ReadFileOrDie(file);
  struct Case { const char* name; std::string content; bool remove; const char* expect; };
  std::string flipped = good;
  flipped[good.size() / 3] ^= 0x20;
  for (const Case& c : {Case{"flipped", flipped, false, "sha256 mismatch"},
                        Case{"truncated", good.substr(0, good.size() / 2), false, "size mismatch"},
                        Case{"missing", "", true, "missing"}}) {
    SCOPED_TRACE(c.name);
    if (c.remove) fs::remove(file); else WriteFileOrDie(file, c.content);
    CommandResult v = Run("verify --backup-dir " + Q(dir_.File("b")), 3);
    EXPECT_NE(v.out.find(c.expect), std::string::npos) << v.out;
    CommandResult r = Run("restore --confirm --backup-dir " + Q(dir_.File("b")), 3);
    EXPECT_NE(r.err.find("docs.jsonl: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing was restored"), std::string::npos) << r.err;
    CommandResult list = Run("collections list --json", 0);
    EXPECT_EQ(list.out.find("\"keep\""), std::string::npos) << list.out;
    WriteFileOrDie(file, good);
  }
  Run("verify --backup-dir " + Q(dir_.File("b")), 0);
}

TEST_F(WarehouseCliTest, MigrateChainThroughEveryFormatEndsIdentical) {
  Run("import-data -q --collection docs --input-file " + Q(MakeInput("docs.jsonl", 120)), 0);
  Run("export -q --collection docs --output-dir " + Q(dir_.File("m0")) + " --format jsonl", 0);
  const std::string original = ReadFileOrDie(dir_.File("m0/docs.jsonl"));
  std::vector<std::string> chain = {"jsonl", "csv", "json"};
  for (const std::string& f : Formats()) {
    if (std::find(chain.begin(), chain.end(), f) == chain.end()) chain.push_back(f);  // tsv, parquet, ...
  }
  chain.push_back("jsonl");
  for (size_t i = 1; i < chain.size(); ++i) {
    CommandResult r = Run("migrate --json --source-dir " + Q(dir_.File("m" + std::to_string(i - 1))) +
                              " --target-dir " + Q(dir_.File("m" + std::to_string(i))) + " --source-format " +
                              chain[i - 1] + " --target-format " + chain[i], 0);
    EXPECT_EQ(Json(r.out).Find("records")->int_value(), 120) << r.out;
  }
  EXPECT_EQ(ReadFileOrDie(dir_.File("m" + std::to_string(chain.size() - 1) + "/docs.jsonl")), original);
  // Single files too.
  Run("migrate -q --input-file " + Q(dir_.File("m0/docs.jsonl")) + " --output-file " + Q(dir_.File("one.csv")), 0);
  Run("migrate -q --input-file " + Q(dir_.File("one.csv")) + " --output-file " + Q(dir_.File("one.jsonl")), 0);
  EXPECT_EQ(ReadFileOrDie(dir_.File("one.jsonl")), original);
}

TEST_F(WarehouseCliTest, SplitExportAndBatchImportKeepCountsAndOrder) {
  Run("import-data -q --collection docs --input-file " + Q(MakeInput("docs.jsonl", 2345)), 0);
  CommandResult e = Run("export --collection docs --output-dir " + Q(dir_.File("batches")) +
                        " --batch-size 1000 --json", 0);
  JsonValue report = Json(e.out);
  ASSERT_TRUE(report.is_array());
  const JsonValue& files = *report.items()[0].Find("files");
  ASSERT_EQ(files.items().size(), 3u);
  EXPECT_EQ(files.items()[2].Find("records")->int_value(), 345);
  for (const char* name : {"docs_00001.jsonl", "docs_00002.jsonl", "docs_00003.jsonl"}) {
    EXPECT_TRUE(fs::exists(dir_.File(std::string("batches/") + name))) << name;
  }
  WriteFileOrDie(dir_.File("batches/notes.txt"), "not data");
  CommandResult i = Run("import-data --json --collection copy --input-dir " + Q(dir_.File("batches")) +
                        " --pattern 'docs_*.jsonl'", 0);
  JsonValue job = Json(i.out);
  EXPECT_EQ(job.Find("total_rows")->int_value(), 2345) << i.out;
  EXPECT_EQ(job.Find("status")->str(), "completed");
  EXPECT_EQ(Dump("copy"), Dump("docs"));
  Run("export --collection docs --output-file " + Q(dir_.File("x.jsonl")) + " --batch-size 10", 2);
}

TEST_F(WarehouseCliTest, SchemaViolationsAreReportedPerRow) {
  WriteFileOrDie(dir_.File("schema.json"), R"({"type":"object","required":["source"],
    "properties":{"source":{"enum":["web","pdf"]},"rating":{"type":"number","maximum":5}}})");
  Run("collections create docs --dimension 2 --schema " + Q(dir_.File("schema.json")), 0);
  WriteFileOrDie(dir_.File("in.jsonl"),
                 "{\"id\":\"a\",\"document_id\":\"d\",\"values\":[1,2],\"metadata\":{\"source\":\"web\",\"rating\":4}}\n"
                 "{\"id\":\"b\",\"document_id\":\"d\",\"values\":[1,2],\"metadata\":{\"rating\":4}}\n"
                 "{\"id\":\"c\",\"document_id\":\"d\",\"values\":[1,2],\"metadata\":{\"source\":\"tv\"}}\n"
                 "{\"id\":\"d\",\"document_id\":\"d\",\"values\":[1,2],\"source\":\"pdf\",\"rating\":9}\n");
  CommandResult r = Run("import-data --json --collection docs --input-file " + Q(dir_.File("in.jsonl")), 1);
  JsonValue job = Json(r.out);
  EXPECT_EQ(job.Find("successful_rows")->int_value(), 1);
  const auto& errors = job.Find("errors")->items();
  ASSERT_EQ(errors.size(), 3u) << r.out;
  EXPECT_EQ(errors[0].Find("row")->int_value(), 2);
  EXPECT_EQ(errors[0].Find("error")->str(), "metadata.source: missing (required)");
  EXPECT_EQ(errors[1].Find("error")->str(), "metadata.source: \"tv\" is not one of the allowed values (enum)");
  EXPECT_EQ(errors[2].Find("row")->int_value(), 4);
  EXPECT_EQ(errors[2].Find("error")->str(), "metadata.rating: 9 is greater than the maximum 5 (maximum)");
  CommandResult bad = Run("collections create other --schema " + Q(dir_.File("in.jsonl")), 2);
  EXPECT_NE(bad.err.find("in.jsonl"), std::string::npos) << bad.err;
}

TEST_F(WarehouseCliTest, DocumentKindsWithoutVectorsBackUpAndRestore) {
  Run("collections create raw_documents --kind raw", 0);
  WriteFileOrDie(dir_.File("raw.jsonl"),
                 "{\"id\":\"a\",\"document_id\":\"d1\",\"content\":\"full text one\"}\n"
                 "{\"id\":\"b\",\"document_id\":\"d2\"}\n"
                 "{\"id\":\"c\",\"document_id\":\"d3\",\"content\":\"text\",\"values\":[1,2,3]}\n");
  CommandResult r = Run("import-data --json --collection raw_documents --input-file " + Q(dir_.File("raw.jsonl")), 1);
  JsonValue job = Json(r.out);
  EXPECT_EQ(job.Find("successful_rows")->int_value(), 2);
  ASSERT_EQ(job.Find("errors")->items().size(), 1u);
  EXPECT_EQ(job.Find("errors")->items()[0].Find("error")->str(),
            "Missing required field: content (required for raw documents)");
  const std::string before = Dump("raw_documents");
  EXPECT_NE(before.find("\"values\":null"), std::string::npos) << before;
  for (const std::string& format : Formats()) {
    SCOPED_TRACE(format);
    Run("backup -q --backup-dir " + Q(dir_.File("b-" + format)) + " --format " + format, 0);
    Run("collections delete raw_documents", 0);
    Run("restore -q --backup-dir " + Q(dir_.File("b-" + format)), 0);
    EXPECT_EQ(Dump("raw_documents"), before);
  }
  CommandResult show = Run("collections show raw_documents --json", 0);
  EXPECT_NE(show.out.find("\"x-document-kind\":\"raw\""), std::string::npos) << show.out;
}

}  // namespace
}  // namespace tributary
