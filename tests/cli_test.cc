// End-to-end tests of the tributary command line against a real store on disk.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "tests/test_util.h"
#include "tributary/core/json.h"

namespace tributary {
namespace {

using testing::CommandResult;
using testing::RunTributary;
using testing::TempDir;

std::string Q(const std::string& s) { return "'" + s + "'"; }

class CliTest : public ::testing::Test {
 protected:
  std::string Run(const std::string& args, int expect_code, CommandResult* out = nullptr) {
    CommandResult r = RunTributary("--data-dir " + Q(dir_.File("store")) + " " + args);
    EXPECT_EQ(r.exit_code, expect_code) << args << "\nstdout: " << r.out << "\nstderr: " << r.err;
    if (out) *out = r;
    return r.out;
  }
  JsonValue RunJson(const std::string& args, int expect_code) {
    std::string out = Run(args + " --json", expect_code);
    auto v = JsonValue::Parse(out);
    EXPECT_TRUE(v.ok()) << out;
    return v.ok() ? *v : JsonValue();
  }
  std::string Sample() const { return std::string(TRIBUTARY_SOURCE_DIR) + "/data/sample.csv"; }

  TempDir dir_;
};

TEST_F(CliTest, HelpForEveryCommand) {
  for (const char* cmd : {"", "import-data", "export", "collections", "collections list", "status"}) {
    CommandResult r = RunTributary(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd << r.out;
  }
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  Run("import-data --collection c", 2);
  Run("export --collection c", 2);
  Run("frobnicate", 2);
  Run("import-data --collection c --input-file x.csv --batch-size 5000", 2);
  CommandResult r;
  Run("import-data --collection c --input-file " + Q(Sample()) + " --format parquet-ish", 2, &r);
  EXPECT_NE(r.err.find("unknown format"), std::string::npos) << r.err;
}

TEST_F(CliTest, SeedShapedRoundTripAcrossFormats) {
  JsonValue imp = RunJson("import-data --collection docs --input-file " + Q(Sample()), 0);
  EXPECT_EQ(imp.Find("status")->str(), "completed");
  EXPECT_EQ(imp.Find("successful_rows")->int_value(), 4);
  EXPECT_EQ(imp.Find("format")->str(), "csv");
  EXPECT_EQ(imp.Find("progress_percentage")->number(), 100.0);

  // csv -> store -> jsonl -> store -> json -> store -> csv must equal the first csv export.
  std::string csv1 = dir_.File("a.csv"), jsonl = dir_.File("b.jsonl.gz"), json = dir_.File("c.json.zst"),
              csv2 = dir_.File("d.csv");
  Run("export --collection docs --output-file " + Q(csv1), 0);
  Run("export --collection docs --output-file " + Q(jsonl), 0);
  Run("import-data --collection docs2 --input-file " + Q(jsonl), 0);
  Run("export --collection docs2 --output-file " + Q(json), 0);
  Run("import-data --collection docs3 --input-file " + Q(json), 0);
  Run("export --collection docs3 --output-file " + Q(csv2), 0);
  EXPECT_EQ(testing::ReadFileOrDie(csv1), testing::ReadFileOrDie(csv2));
  // The seed's CSV header and cell shapes.
  std::string text = testing::ReadFileOrDie(csv1);
  EXPECT_EQ(text.rfind("id,document_id,values,content,metadata,chunk_id,content_hash,content_type,language,"
                       "chunk_index,chunk_count,model,created_at,updated_at\n", 0), 0u);
  EXPECT_NE(text.find("\"[0.1,0.2,0.3,0.4]\""), std::string::npos);
  EXPECT_NE(text.find("\"{\"\"category\"\":\"\"geography\"\",\"\"rating\"\":4.5}\""), std::string::npos);
}

TEST_F(CliTest, ExportWithFilterLimitAndStdout) {
  Run("import-data --collection docs --input-file " + Q(Sample()), 0);
  std::string out = Run("export --collection docs --output-file - --format jsonl --filter " +
                            Q(R"({"$and": [{"category": "geography"}, {"rating": {"$gte": 4.0}}]})"),
                        0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("\"id\":\"doc1-0\""), std::string::npos);
  out = Run("export --collection docs --output-file - --limit 2", 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
  out = Run("export --collection docs --output-file - --filter " + Q(R"({"chunk_index": {"$gte": 1}})"), 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  CommandResult r;
  Run("export --collection docs --output-file - --filter " + Q(R"({"rating": {"$regex": "x"}})"), 2, &r);
  EXPECT_NE(r.err.find("$regex"), std::string::npos) << r.err;
}

TEST_F(CliTest, ExportJsonReportCarriesShaAndSize) {
  Run("import-data --collection docs --input-file " + Q(Sample()), 0);
  std::string path = dir_.File("out.json");
  JsonValue rep = RunJson("export --collection docs --output-file " + Q(path), 0);
  EXPECT_EQ(rep.Find("status")->str(), "completed");
  EXPECT_EQ(rep.Find("exported_vectors")->int_value(), 4);
  EXPECT_EQ(rep.Find("total_vectors")->int_value(), 4);
  std::string data = testing::ReadFileOrDie(path);
  EXPECT_EQ(rep.Find("file_size")->int_value(), static_cast<int64_t>(data.size()));
  EXPECT_EQ(rep.Find("sha256")->str().size(), 64u);
}

TEST_F(CliTest, RowErrorsAreReportedPerRowWithExitOne) {
  std::string in = dir_.File("in.jsonl");
  testing::WriteFileOrDie(in,
                          "{\"id\":\"a\",\"document_id\":\"d\",\"values\":[1,2,3]}\n"
                          "{\"id\":\"b\",\"values\":[1,2,3]}\n"
                          "\n"
                          "{\"id\":\"c\",\"document_id\":\"d\",\"values\":[1,2]}\n"
                          "{not json}\n"
                          "{\"id\":\"a\",\"document_id\":\"d\",\"values\":[4,5,6]}\n");
  std::string rejects = dir_.File("rejects.jsonl");
  JsonValue rep = RunJson("import-data --collection c --input-file " + Q(in) + " --errors-file " + Q(rejects), 1);
  EXPECT_EQ(rep.Find("status")->str(), "completed_with_errors");
  EXPECT_EQ(rep.Find("successful_rows")->int_value(), 1);
  EXPECT_EQ(rep.Find("failed_rows")->int_value(), 4);
  const auto& errors = rep.Find("errors")->items();
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].Find("row")->int_value(), 2);
  EXPECT_EQ(errors[0].Find("error")->str(), "Missing required field: document_id");
  EXPECT_EQ(errors[1].Find("error")->str(), "Vector dimension mismatch: expected 3, got 2");
  EXPECT_EQ(errors[2].Find("line")->int_value(), 5);
  EXPECT_EQ(errors[2].Find("error")->str().rfind("Invalid JSON", 0), 0u);
  EXPECT_EQ(errors[2].Find("data")->str(), "{not json}");
  EXPECT_EQ(errors[3].Find("error")->str(), "Duplicate id: a");
  std::string rej = testing::ReadFileOrDie(rejects);
  EXPECT_EQ(std::count(rej.begin(), rej.end(), '\n'), 4) << rej;
  EXPECT_NE(rej.find("{not json}\n"), std::string::npos);
}

TEST_F(CliTest, WriteModes) {
  Run("import-data --collection docs --input-file " + Q(Sample()), 0);
  // insert again: every row is a duplicate.
  JsonValue rep = RunJson("import-data --collection docs --input-file " + Q(Sample()) + " --no-resume", 1);
  EXPECT_EQ(rep.Find("status")->str(), "failed");
  EXPECT_EQ(rep.Find("failed_rows")->int_value(), 4);
  rep = RunJson("import-data --collection docs --input-file " + Q(Sample()) + " --mode skip-existing", 0);
  EXPECT_EQ(rep.Find("skipped_rows")->int_value(), 4);
  rep = RunJson("import-data --collection docs --input-file " + Q(Sample()) + " --mode upsert", 0);
  EXPECT_EQ(rep.Find("updated_rows")->int_value(), 4);
  JsonValue show = RunJson("collections show docs", 0);
  EXPECT_EQ(show.Find("count")->int_value(), 4);
  EXPECT_EQ(show.Find("dimension")->int_value(), 4);
}

TEST_F(CliTest, DryRunWritesNothing) {
  JsonValue rep = RunJson("import-data --collection docs --input-file " + Q(Sample()) + " --dry-run", 0);
  EXPECT_EQ(rep.Find("successful_rows")->int_value(), 4);
  CommandResult r;
  Run("collections show docs", 3, &r);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
}

// A dry run reports the same errors as the real run would, duplicate ids
// included (repeated in the file, or already in the collection), and still
// writes nothing.
TEST_F(CliTest, DryRunReportsWhatTheRealRunWould) {
  std::string first = dir_.File("first.jsonl"), in = dir_.File("in.jsonl");
  testing::WriteFileOrDie(first, "{\"id\":\"old\",\"document_id\":\"d\",\"values\":[1,2,3]}\n");
  Run("import-data --collection c --input-file " + Q(first), 0);
  testing::WriteFileOrDie(in,
                          "{\"id\":\"a\",\"document_id\":\"d\",\"values\":[1,2,3]}\n"
                          "{\"id\":\"old\",\"document_id\":\"d\",\"values\":[1,2,3]}\n"
                          "{\"id\":\"b\",\"values\":[1,2,3]}\n"
                          "{\"id\":\"a\",\"document_id\":\"d\",\"values\":[4,5,6]}\n"
                          "{\"id\":\"b\",\"document_id\":\"d\",\"values\":[4,5,6]}\n");
  JsonValue dry = RunJson("import-data --collection c --input-file " + Q(in) + " --dry-run", 1);
  JsonValue show = RunJson("collections show c", 0);
  EXPECT_EQ(show.Find("count")->int_value(), 1);
  JsonValue real = RunJson("import-data --collection c --input-file " + Q(in), 1);
  for (const char* key : {"successful_rows", "failed_rows", "total_rows"}) {
    EXPECT_EQ(dry.Find(key)->int_value(), real.Find(key)->int_value()) << key;
  }
  EXPECT_EQ(dry.Find("failed_rows")->int_value(), 3);
  const auto& de = dry.Find("errors")->items();
  const auto& re = real.Find("errors")->items();
  ASSERT_EQ(de.size(), re.size());
  for (size_t i = 0; i < de.size(); ++i) {
    EXPECT_EQ(de[i].Find("row")->int_value(), re[i].Find("row")->int_value());
    EXPECT_EQ(de[i].Find("error")->str(), re[i].Find("error")->str());
  }
  // Validation errors first, then what the store refuses, in both runs.
  EXPECT_EQ(de[0].Find("error")->str(), "Missing required field: document_id");
  EXPECT_EQ(de[1].Find("error")->str(), "Duplicate id: old");
  EXPECT_EQ(de[2].Find("error")->str(), "Duplicate id: a");
}

TEST_F(CliTest, WrongFormatIsAClearError) {
  CommandResult r;
  Run("import-data --collection docs --input-file " + Q(Sample()) + " --format jsonl", 2, &r);
  EXPECT_NE(r.err.find("does not match the content"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sample.csv"), std::string::npos) << r.err;
}

TEST_F(CliTest, EmptyAndHeaderOnlyFiles) {
  std::string empty = dir_.File("empty.jsonl"), header = dir_.File("header.csv");
  testing::WriteFileOrDie(empty, "");
  testing::WriteFileOrDie(header, "id,document_id,values\n");
  CommandResult r;
  Run("import-data --collection e --input-file " + Q(empty), 0, &r);
  EXPECT_NE(r.err.find("holds no records"), std::string::npos) << r.err;
  Run("import-data --collection e --input-file " + Q(header), 0, &r);
  EXPECT_NE(r.err.find("holds no records"), std::string::npos) << r.err;
}

TEST_F(CliTest, MaxErrorsStopsEarly) {
  std::string in = dir_.File("bad.jsonl");
  std::string text;
  for (int i = 0; i < 500; ++i) text += "{\"id\":\"x" + std::to_string(i) + "\"}\n";
  testing::WriteFileOrDie(in, text);
  JsonValue rep = RunJson("import-data --collection c --input-file " + Q(in) + " --max-errors 10 --batch-size 10", 1);
  EXPECT_EQ(rep.Find("status")->str(), "failed");
  EXPECT_LT(rep.Find("total_rows")->int_value(), 100);
  EXPECT_NE(rep.Find("error")->str().find("stopped after"), std::string::npos);
}

TEST_F(CliTest, RealFilesFromOtherTools) {
  // pandas CSV: vector under "embeddings", unnamed index column, no ids.
  std::string webqa = testing::SharedTestData("real/webqa-processed-embeddings/embeddings.csv");
  JsonValue rep = RunJson("import-data --collection webqa --input-file " + Q(webqa) +
                              " --map values=embeddings --generate-ids row",
                          0);
  EXPECT_EQ(rep.Find("status")->str(), "completed") << rep.ToString().substr(0, 2000);
  EXPECT_GT(rep.Find("successful_rows")->int_value(), 0);
  // JSON array with the vector under "vector".
  std::string jeopardy = testing::SharedTestData("real/weaviate-jeopardy-vectors/jeopardy_tiny+vectors.json");
  rep = RunJson("import-data --collection jeopardy --input-file " + Q(jeopardy) +
                    " --map values=Vector --generate-ids content-hash --map content=Question",
                0);
  EXPECT_EQ(rep.Find("status")->str(), "completed") << rep.ToString().substr(0, 2000);
  EXPECT_EQ(rep.Find("successful_rows")->int_value(), 10);
}

TEST_F(CliTest, ExportAllCollectionsAndImportDirectory) {
  Run("import-data --collection one --input-file " + Q(Sample()), 0);
  Run("import-data --collection two --input-file " + Q(Sample()), 0);
  std::string out = dir_.File("all");
  Run("export --output-dir " + Q(out) + " --format csv", 0);
  EXPECT_TRUE(std::filesystem::exists(out + "/one.csv"));
  EXPECT_TRUE(std::filesystem::exists(out + "/two.csv"));
  CommandResult r = RunTributary("--data-dir " + Q(dir_.File("store2")) + " import-data --input-dir " + Q(out));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunTributary("--data-dir " + Q(dir_.File("store2")) + " collections list");
  EXPECT_NE(r.out.find("one"), std::string::npos);
  EXPECT_NE(r.out.find("two"), std::string::npos);
}

TEST_F(CliTest, StatusReportsTotals) {
  Run("import-data --collection docs --input-file " + Q(Sample()), 0);
  JsonValue st = RunJson("status", 0);
  EXPECT_EQ(st.Find("collections")->int_value(), 1);
  EXPECT_EQ(st.Find("records")->int_value(), 4);
}

// Runs `tributary args` and SIGKILLs it once collection `coll` holds more
// than min_count rows. Returns false if it finished first (three tries).
bool KillImportPartWay(const std::string& args, const std::string& store, const std::string& coll,
                       int64_t min_count) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      std::string cmd = std::string("exec ") + TRIBUTARY_BINARY + " " + args + " >/dev/null 2>&1 </dev/null";
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Wait until some batches are committed, then kill without warning.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      CommandResult r = RunTributary("--data-dir " + Q(store) + " collections show " + coll + " --json");
      if (r.exit_code == 0) {
        auto v = JsonValue::Parse(r.out);
        if (v.ok() && v->Find("count")->int_value() > min_count) break;
      }
    }
    bool killed = kill(pid, SIGKILL) == 0;
    int status = 0;
    waitpid(pid, &status, 0);
    if (killed && WIFSIGNALED(status)) return true;
  }
  return false;
}

// Kill an import with SIGKILL part-way, run the same command again: every
// record ends up in the store exactly once.
TEST_F(CliTest, ResumeAfterSigkillLosesNothingAndDoublesNothing) {
  const int kRecords = 200000;
  std::string in = dir_.File("big.jsonl");
  {
    std::ofstream f(in);
    for (int i = 0; i < kRecords; ++i) {
      f << "{\"id\":\"r" << i << "\",\"document_id\":\"d" << i / 10 << "\",\"values\":[" << i << ",0.5,-1,2]"
        << ",\"content\":\"chunk " << i << "\",\"chunk_index\":" << i % 10 << "}\n";
    }
  }
  std::string store = dir_.File("store");
  std::string args = "--data-dir " + Q(store) + " import-data --collection big --input-file " + Q(in) +
                     " --batch-size 5 --quiet";
  bool interrupted = KillImportPartWay(args, store, "big", 1000);
  ASSERT_TRUE(interrupted) << "the import finished before it could be killed";

  CommandResult r = RunTributary(args + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto rep = JsonValue::Parse(r.out);
  ASSERT_TRUE(rep.ok()) << r.out;
  EXPECT_GT(rep->Find("resumed_from")->int_value(), 0);
  EXPECT_EQ(rep->Find("failed_rows")->int_value(), 0);
  EXPECT_EQ(rep->Find("total_rows")->int_value(), kRecords);

  r = RunTributary("--data-dir " + Q(store) + " collections show big --json");
  auto show = JsonValue::Parse(r.out);
  ASSERT_TRUE(show.ok()) << r.out;
  EXPECT_EQ(show->Find("count")->int_value(), kRecords);
  // Every id exactly once, in file order.
  r = RunTributary("--data-dir " + Q(store) + " export --collection big --output-file - --format csv --quiet");
  ASSERT_EQ(r.exit_code, 0);
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);  // header
  int expect = 0;
  while (std::getline(lines, line)) {
    ASSERT_EQ(line.substr(0, line.find(',')), "r" + std::to_string(expect)) << line;
    ++expect;
  }
  EXPECT_EQ(expect, kRecords);
}


// The rejects file of a killed and resumed import holds every rejected record
// exactly once, whether the validator or the store refused it, and a JSON
// array's rejects file is still one JSON array.
TEST_F(CliTest, RejectsFileSurvivesSigkillAndResume) {
  const int kRecords = 150000;
  std::string in = dir_.File("big.json");
  std::multiset<std::string> expected;  // contents of the rejected records
  {
    std::ofstream f(in);
    f << "[\n";
    for (int i = 0; i < kRecords; ++i) {
      if (i) f << ",\n";
      // Every 7th record lacks its document_id; every 11th repeats the id
      // of the record before it, which the store refuses in insert mode.
      const bool no_document = i % 7 == 3;
      const bool repeat = i % 11 == 5 && (i - 1) % 7 != 3;
      f << "{\"id\":\"r" << (repeat ? i - 1 : i) << "\"";
      if (!no_document) f << ",\"document_id\":\"d" << i / 10 << "\"";
      f << ",\"values\":[" << i << ",0.5,-1,2],\"content\":\"chunk " << i << "\"}";
      if (no_document || repeat) expected.insert("chunk " + std::to_string(i));
    }
    f << "\n]\n";
  }
  std::string store = dir_.File("store");
  std::string rejects = dir_.File("rejects.json");
  std::string args = "--data-dir " + Q(store) + " import-data --collection big --input-file " + Q(in) +
                     " --batch-size 7 --errors-file " + Q(rejects) + " --quiet";
  ASSERT_TRUE(KillImportPartWay(args, store, "big", 3000)) << "the import finished before it could be killed";

  CommandResult r = RunTributary(args + " --json");
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;  // finished, with row errors
  auto rep = JsonValue::Parse(r.out);
  ASSERT_TRUE(rep.ok()) << r.out;
  EXPECT_GT(rep->Find("resumed_from")->int_value(), 0);
  EXPECT_EQ(rep->Find("failed_rows")->int_value(), static_cast<int64_t>(expected.size()));
  EXPECT_EQ(rep->Find("total_rows")->int_value(), kRecords);

  auto arr = JsonValue::Parse(testing::ReadFileOrDie(rejects));
  ASSERT_TRUE(arr.ok()) << "rejects file is not valid JSON: " << arr.status().ToString();
  ASSERT_TRUE(arr->is_array());
  std::multiset<std::string> got;
  for (const JsonValue& e : arr->items()) got.insert(e.Find("content")->str());
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "the rejects file lost or repeated records";
}

}  // namespace
}  // namespace tributary
