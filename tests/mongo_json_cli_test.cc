// End-to-end tests of MongoDB files through build/tributary: mongo shell
// syntax on import, non-finite numbers on export, split export in every
// format.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/test_util.h"
#include "tributary/core/json.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::ReadFileOrDie;
using testing::RunTributary;
using testing::TempDir;
using testing::WriteFileOrDie;

using testing::Q;

class MongoJsonCliTest : public testing::StoreCliTest {
 protected:
  std::string Dump(const std::string& collection) {
    return Run("export --collection " + Q(collection) + " --output-file - --format jsonl -q", 0).out;
  }
  JsonValue FirstRecord(const std::string& collection) {
    std::string d = Dump(collection);
    auto v = JsonValue::Parse(d.substr(0, d.find('\n')));
    EXPECT_TRUE(v.ok()) << d;
    return v.ok() ? *v : JsonValue();
  }
};

TEST_F(MongoJsonCliTest, ShellSyntaxImportsWithTheExtendedJsonValues) {
  WriteFileOrDie(dir_.File("shell.json"),
                 "{_id: ObjectId(\"54b03ef2a817f4f960f5b809\"), document_id: 'doc \"1\"', values: [1.5, NaN, "
                 "-Infinity, 0x10], content: \"x\", metadata: {when: ISODate(\"2015-02-25T16:42:11Z\"), "
                 "n: NumberLong(5000), re: /a.c/i, k: MinKey, b: BinData(0, \"AQID\"), u: undefined}, "
                 "created_at: new Date(1700000000123)}\n"
                 "{\"_id\": {\"$oid\": \"54b03ef2a817f4f960f5b80a\"}, \"document_id\": \"doc \\\"1\\\"\", "
                 "\"values\": [1.5, {\"$numberDouble\": \"NaN\"}, {\"$numberDouble\": \"-Infinity\"}, 16], "
                 "\"content\": \"x\", \"metadata\": {\"when\": {\"$date\": \"2015-02-25T16:42:11Z\"}, "
                 "\"n\": {\"$numberLong\": \"5000\"}, \"re\": {\"$regularExpression\": {\"pattern\": \"a.c\", "
                 "\"options\": \"i\"}}, \"k\": {\"$minKey\": 1}, \"b\": {\"$binary\": {\"base64\": \"AQID\", "
                 "\"subType\": \"00\"}}, \"u\": null}, \"created_at\": {\"$date\": {\"$numberLong\": \"1700000000123\"}}}\n");
  Run("import-data -q --collection m --dimension 4 --allow-non-finite --format mongo-json --input-file " +
          Q(dir_.File("shell.json")),
      0);
  std::string d = Dump("m");
  size_t nl = d.find('\n');
  ASSERT_NE(nl, std::string::npos) << d;
  std::string a = d.substr(0, nl), b = d.substr(nl + 1, d.find('\n', nl + 1) - nl - 1);
  // (Plain JSONL export writes NaN bare, so the lines are compared as text.)
  EXPECT_EQ(a.rfind("{\"id\":\"54b03ef2a817f4f960f5b809\",\"document_id\":\"doc \\\"1\\\"\","
                    "\"values\":[1.5,NaN,-Infinity,16],", 0), 0u) << a;
  EXPECT_NE(a.find(R"("metadata":{"when":"2015-02-25T16:42:11Z","n":5000,"re":{"pattern":"a.c","options":"i"},)"
                   R"("k":"MinKey","b":"AQID","u":null})"),
            std::string::npos) << a;
  EXPECT_NE(a.find(R"("created_at":"2023-11-14T22:13:20.123Z")"), std::string::npos) << a;
  // The shell line and its Extended JSON twin store the same record.
  ASSERT_EQ(b.rfind("{\"id\":\"54b03ef2a817f4f960f5b80a\"", 0), 0u) << b;
  EXPECT_EQ(a.substr(32), b.substr(32));
}

TEST_F(MongoJsonCliTest, MalformedShellSyntaxNamesLineAndColumn) {
  WriteFileOrDie(dir_.File("bad.json"),
                 "{_id: 'a', document_id: 'd', values: [1]}\n{_id: 'b', document_id: 'd', values: [NumberInt(1e3)]}\n");
  CommandResult r = Run("import-data --collection m --dimension 1 --format mongo-json --input-file " +
                            Q(dir_.File("bad.json")),
                        1);
  EXPECT_NE(r.err.find("NumberInt takes one whole number within 32 bits at line 2, column 39"), std::string::npos)
      << r.err;
}

TEST_F(MongoJsonCliTest, TypesFixtureImports) {
  // mongo-tools' types.json: one pretty-printed document in shell syntax.
  // It has no vector or document id, so it goes into a collection of raw
  // documents, with its string field as the document id and content.
  Run("collections create t --dimension 0 --kind raw", 0);
  CommandResult r = Run("import-data --json --collection t --format mongo-json --generate-ids row"
                        " --map document_id=string_type --map content=object_id_type --input-file " +
                            Q(testing::SharedTestData("real/mongo-tools-fixtures/types.json")),
                        0);
  EXPECT_NE(r.out.find("\"inserted_rows\":1"), std::string::npos) << r.out;
  JsonValue rec = FirstRecord("t");
  EXPECT_EQ(rec.Find("content")->str(), "54b03ef2a817f4f960f5b809");
  const JsonValue* m = rec.Find("metadata");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->Find("iso_date_type")->str(), "2015-02-25T16:42:11Z");
  EXPECT_EQ(m->Find("date_type")->str(), "1970-01-01T00:00:00.045Z");
  EXPECT_EQ(m->Find("number_long_type")->ToString(), "5000");
  EXPECT_EQ(m->Find("int32_hex")->ToString(), "291");
  EXPECT_EQ(m->Find("NaN")->str(), "NaN");
  EXPECT_EQ(m->Find("regex_type")->ToString(), R"({"pattern":"\\.","options":""})");
  EXPECT_EQ(m->Find("maxkey_type")->str(), "MaxKey");
}

TEST_F(MongoJsonCliTest, ExportWritesNonFiniteAsNumberDoubleAndReimportsBitForBit) {
  std::string in;
  for (int i = 0; i < 50; ++i) {
    in += "{\"id\":\"r" + std::to_string(i) + "\",\"document_id\":\"d\",\"values\":[" +
          (i % 3 == 0 ? "NaN" : std::to_string(i) + ".1") + ",-Infinity,Infinity,-0.0,1e-45,3.4028235e38]," +
          "\"metadata\":{\"i\":" + std::to_string(i) + "},\"created_at\":\"2024-01-01T10:00:00.123456Z\"}\n";
  }
  WriteFileOrDie(dir_.File("in.jsonl"), in);
  Run("import-data -q --collection src --allow-non-finite --input-file " + Q(dir_.File("in.jsonl")), 0);
  Run("export -q --collection src --format mongo-json --output-file " + Q(dir_.File("out.json")), 0);
  std::string out = ReadFileOrDie(dir_.File("out.json"));
  EXPECT_EQ(out.find("NaN,"), std::string::npos);
  EXPECT_NE(out.find("[{\"$numberDouble\":\"NaN\"},{\"$numberDouble\":\"-Infinity\"},{\"$numberDouble\":\"Infinity\"},"
                     "-0.0,1e-45,3.4028235e+38]"),
            std::string::npos)
      << out.substr(0, 400);
  // Every line is strict JSON (what mongoimport's parser needs).
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    ASSERT_TRUE(JsonValue::Parse(out.substr(start, end - start)).ok()) << out.substr(start, end - start);
    start = end + 1;
  }
  Run("import-data -q --collection back --allow-non-finite --format mongo-json --input-file " +
          Q(dir_.File("out.json")),
      0);
  // Shortest round-trip float text is the same exactly when the bits are.
  EXPECT_EQ(Dump("back"), Dump("src"));
  // Parquet holds the raw float bits: compare those too.
  Run("export -q --collection src --output-file " + Q(dir_.File("src.parquet")), 0);
  Run("export -q --collection back --output-file " + Q(dir_.File("back.parquet")), 0);
  EXPECT_EQ(ReadFileOrDie(dir_.File("src.parquet")), ReadFileOrDie(dir_.File("back.parquet")));
}

TEST_F(MongoJsonCliTest, SplitExportTakesEveryFormatAndItsOptions) {
  std::string in;
  for (int i = 0; i < 250; ++i) {
    in += "{\"id\":\"r" + std::to_string(i) + "\",\"document_id\":\"d\",\"values\":[" + std::to_string(i) +
          ".25,1],\"content\":\"c\",\"created_at\":\"2024-01-01T10:00:00Z\"}\n";
  }
  WriteFileOrDie(dir_.File("in.jsonl"), in);
  Run("import-data -q --collection docs --input-file " + Q(dir_.File("in.jsonl")), 0);
  const std::string want = Dump("docs");
  struct Case { const char* args; const char* file; const char* import_format; };
  for (const Case& c : {Case{"--format mongo-json", "docs_00003.jsonl", "mongo-json"},
                        Case{"--format mongo-json --compression gzip", "docs_00003.jsonl.gz", "mongo-json"},
                        Case{"--format csv --compression zstd", "docs_00003.csv.zst", ""},
                        Case{"--format parquet --compression snappy --byte-stream-split", "docs_00003.parquet", ""}}) {
    SCOPED_TRACE(c.args);
    const std::string d = dir_.File(std::string("out-") + std::to_string(std::hash<std::string>{}(c.args)));
    Run("export -q --collection docs --batch-size 100 --output-dir " + Q(d) + " " + c.args, 0);
    ASSERT_TRUE(fs::exists(d + "/" + c.file)) << c.file;
    if (std::string(c.file) == "docs_00003.jsonl") {
      std::string first = ReadFileOrDie(d + "/docs_00001.jsonl");
      EXPECT_EQ(first.rfind("{\"_id\":\"r0\"", 0), 0u) << first;
    }
    const std::string coll = std::string("back") + std::to_string(std::hash<std::string>{}(c.args) % 100000);
    Run("import-data -q --collection " + coll + " --input-dir " + Q(d) +
            (*c.import_format ? std::string(" --format ") + c.import_format : std::string()),
        0);
    EXPECT_EQ(Dump(coll), want);
  }
}

}  // namespace
}  // namespace tributary
