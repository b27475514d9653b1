// The seed document's curl commands, run as they are (with a real key and
// dataset) against `tributary serve`, with only the port in their URLs
// changed to the test server's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/server_process.h"
#include "tests/test_util.h"
#include "tributary/core/json.h"

namespace tributary {
namespace {

using testing::ParseJsonOrFail;
using testing::ServerProcess;
using testing::TempDir;

class SeedCurlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl is not installed";
    // A free port rather than 8000: the machine running the tests may run
    // other services there.
    server_ = std::make_unique<ServerProcess>(dir_.File("data"), "your-api-key:acme:user,admin-key:acme:admin");
    ASSERT_TRUE(server_->Start(0)) << server_->stderr_text();
  }

  // Runs a seed command in the work directory; returns its stdout.
  std::string Curl(std::string command) {
    const std::string seed_host = "http://localhost:8000";
    const std::string ours = "http://localhost:" + std::to_string(server_->port());
    for (size_t p = 0; (p = command.find(seed_host, p)) != std::string::npos; p += ours.size()) {
      command.replace(p, seed_host.size(), ours);
    }
    std::string out = dir_.File("curl.out");
    // The command on lines of its own: a trailing comment must not swallow the redirection.
    std::string full = "cd '" + dir_.path() + "' && {\n" + command + "\n} > '" + out + "'";
    int rc = std::system(("bash -c " + Quote(full)).c_str());
    EXPECT_EQ(rc, 0) << command;
    return testing::Slurp(out);
  }

  static std::string Quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
      if (c == '\'') q += "'\\''"; else q += c;
    }
    return q + "'";
  }

  JsonValue Wait(const std::string& kind, const std::string& id) {
    auto c = server_->Client("your-api-key");
    std::string last;
    for (int i = 0; i < 3000; ++i) {
      auto r = c.Get(("/api/v1/" + kind + "/" + id).c_str());
      last = r ? std::to_string(r->status) + " " + r->body : "no response";
      if (r && r->status == 200) {
        JsonValue j = ParseJsonOrFail(r->body);
        const JsonValue* s = j.Find("status");
        if (s && s->str() != "queued" && s->str() != "running") return j;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << kind << " job " << id << " did not finish: " << last << "\n" << server_->stderr_text();
    return JsonValue();
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

std::string JobId(const JsonValue& v) {
  const JsonValue* id = v.Find("job_id");
  return id && id->is_string() ? id->str() : "";
}

TEST_F(SeedCurlTest, CommandsOfTheSeedWork) {
  // Data for the commands: a CSV with metadata the seed's filters look at.
  std::string csv = testing::ReadFileOrDie(std::string(TRIBUTARY_SOURCE_DIR) + "/data/sample.csv");
  csv += "imp-1,docx,\"[1,2,3,4]\",Important text,\"{\"\"category\"\": \"\"important\"\"}\",c,h,text/plain,en,0,1,m,"
         "2024-01-01T00:00:00Z,2024-01-01T00:00:00Z\n";
  testing::WriteFileOrDie(dir_.File("vectors.csv"), csv);
  testing::WriteFileOrDie(dir_.File("large_vectors.jsonl"), testing::MakeJsonl(3000, 8));

  JsonValue imp = ParseJsonOrFail(Curl(R"(curl -X POST "http://localhost:8000/api/v1/datasets/my-dataset/import" \
  -H "Authorization: ApiKey your-api-key" \
  -F "file=@vectors.csv" \
  -F "format=csv" \
  -F "batch_size=500")"));
  ASSERT_FALSE(JobId(imp).empty()) << imp.ToString();
  EXPECT_EQ(imp.Find("format")->str(), "csv");
  JsonValue done = Wait("import", JobId(imp));
  ASSERT_TRUE(done.Find("status"));
  EXPECT_EQ(done.Find("status")->str(), "completed") << done.ToString();
  EXPECT_EQ(done.Find("successful_rows")->int_value(), 5);

  JsonValue exp = ParseJsonOrFail(Curl(R"(curl -X POST "http://localhost:8000/api/v1/datasets/my-dataset/export" \
  -H "Authorization: ApiKey your-api-key" \
  -H "Content-Type: application/json" \
  -d '{
    "format": "json",
    "limit": 1000,
    "filters": "{\"category\": \"important\"}"
  }')"));
  ASSERT_FALSE(JobId(exp).empty()) << exp.ToString();
  EXPECT_EQ(exp.Find("total_vectors")->int_value(), 1);
  JsonValue exp_done = Wait("export", JobId(exp));
  ASSERT_TRUE(exp_done.Find("status"));
  EXPECT_EQ(exp_done.Find("status")->str(), "completed");

  std::string download = R"(curl -X GET "http://localhost:8000/api/v1/export/87654321-4321-4321-4321-210987654321/download" \
  -H "Authorization: ApiKey your-api-key" \
  -o exported_vectors.json)";
  download.replace(download.find("87654321-4321-4321-4321-210987654321"), 36, JobId(exp));
  Curl(download);
  JsonValue file = ParseJsonOrFail(testing::Slurp(dir_.File("exported_vectors.json")));
  ASSERT_TRUE(file.is_array());
  ASSERT_EQ(file.items().size(), 1u);
  EXPECT_EQ(file.items()[0].Find("id")->str(), "imp-1");

  JsonValue filtered = ParseJsonOrFail(Curl(R"(curl -X POST "http://localhost:8000/api/v1/datasets/my-dataset/export" \
  -H "Authorization: ApiKey your-api-key" \
  -H "Content-Type: application/json" \
  -d '{
    "format": "jsonl",
    "filters": "{\"$and\": [{\"category\": \"documents\"}, {\"rating\": {\"$gte\": 4.0}}]}"
  }')"));
  JsonValue filtered_done = Wait("export", JobId(filtered));
  ASSERT_TRUE(filtered_done.Find("status"));
  EXPECT_EQ(filtered_done.Find("status")->str(), "completed");

  JsonValue big = ParseJsonOrFail(Curl(R"(curl -X POST "http://localhost:8000/api/v1/datasets/large-dataset/import" \
  -H "Authorization: ApiKey your-api-key" \
  -F "file=@large_vectors.jsonl" \
  -F "format=jsonl" \
  -F "batch_size=1000"  # Larger batches for better performance)"));
  JsonValue big_done = Wait("import", JobId(big));
  ASSERT_TRUE(big_done.Find("successful_rows"));
  EXPECT_EQ(big_done.Find("successful_rows")->int_value(), 3000) << big_done.ToString();

  JsonValue chunks = ParseJsonOrFail(Curl(R"(# Export in chunks
curl -X POST "http://localhost:8000/api/v1/datasets/large-dataset/export" \
  -H "Authorization: ApiKey your-api-key" \
  -H "Content-Type: application/json" \
  -d '{
    "format": "jsonl",
    "limit": 10000,
    "filters": "{\"chunk_index\": {\"$gte\": 0, \"$lt\": 10000}}"
  }')"));
  JsonValue chunks_done = Wait("export", JobId(chunks));
  ASSERT_TRUE(chunks_done.Find("exported_vectors"));
  EXPECT_EQ(chunks_done.Find("exported_vectors")->int_value(), 3000);

  JsonValue cleanup = ParseJsonOrFail(Curl(R"(curl -X POST "http://localhost:8000/api/v1/admin/cleanup-jobs" \
  -H "Authorization: ApiKey admin-key" \
  -H "Content-Type: application/json" \
  -d '{"max_age_hours": 24}')"));
  EXPECT_TRUE(cleanup.Find("removed_jobs")) << cleanup.ToString();
}

}  // namespace
}  // namespace tributary
