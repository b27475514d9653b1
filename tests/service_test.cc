// End-to-end tests of `tributary serve`: the real binary on a loopback port,
// a real store in a temporary directory, driven over HTTP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "tests/server_process.h"
#include "tests/test_util.h"
#include "tributary/core/json.h"
#include "tributary/io/sha256.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;
using testing::ParseJsonOrFail;
using testing::ServerProcess;
using testing::TempDir;

constexpr const char* kUser = "user-key-acme-0001";
constexpr const char* kAdmin = "admin-key-acme-0001";
constexpr const char* kGlobex = "user-key-globex-001";
const std::string kKeys = std::string(kUser) + ":acme:user," + kAdmin + ":acme:admin," + kGlobex + ":globex";

std::string Str(const JsonValue& v, const char* key) {
  const JsonValue* m = v.Find(key);
  return m && m->is_string() ? m->str() : std::string();
}
int64_t Int(const JsonValue& v, const char* key) {
  const JsonValue* m = v.Find(key);
  return m && m->is_number() ? m->int_value() : -999;
}

// Checks an error response: the status, JSON {"error":..., "detail":...}.
void ExpectError(const httplib::Result& r, int status, const std::string& context) {
  ASSERT_TRUE(r) << context << ": no response";
  EXPECT_EQ(r->status, status) << context << ": " << r->body;
  EXPECT_NE(r->get_header_value("Content-Type").find("application/json"), std::string::npos) << context;
  JsonValue v = ParseJsonOrFail(r->body);
  EXPECT_TRUE(v.Find("error") && v.Find("error")->is_string()) << context << ": " << r->body;
  EXPECT_TRUE(v.Find("detail") != nullptr) << context << ": " << r->body;
  EXPECT_EQ(r->body.find("/tmp"), std::string::npos) << context << ": leaks a path: " << r->body;
}

// One part of a multipart/form-data body (boundary kBoundary).
constexpr const char* kBoundary = "tribUploadB0undary";
std::string FormPart(const std::string& name, const std::string& value, const std::string& filename = "") {
  std::string s = std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
  if (!filename.empty()) s += "; filename=\"" + filename + "\"\r\nContent-Type: application/octet-stream";
  s += "\r\n\r\n" + value + "\r\n";
  return s;
}
std::string FormEnd() { return std::string("--") + kBoundary + "--\r\n"; }

// An import upload sent by hand over a plain socket, so a test can stop it
// part-way: leave the rest unsent, break the connection off, or kill the
// server while it waits. The request declares the whole body's length.
class RawUpload {
 public:
  RawUpload(int port, const std::string& key, const std::string& dataset, std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    std::string head = "POST /api/v1/datasets/" + dataset + "/import HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                       "Authorization: ApiKey " + key + "\r\nContent-Type: multipart/form-data; boundary=" +
                       kBoundary + "\r\nContent-Length: " + std::to_string(body_.size()) + "\r\n\r\n";
    connected_ = connected_ && SendAll(head);
  }
  ~RawUpload() { Close(); }

  bool connected() const { return connected_; }
  size_t size() const { return body_.size(); }
  // Sends the body up to byte `upto`.
  bool SendUpTo(size_t upto) {
    upto = std::min(upto, body_.size());
    if (upto <= sent_) return true;
    bool ok = SendAll(std::string_view(body_).substr(sent_, upto - sent_));
    sent_ = upto;
    return ok;
  }
  // Reads the response until the server closes or the body is complete;
  // returns the body (empty if none came).
  std::string Response(int* status) {
    std::string in;
    char buf[4096];
    timeval tv{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    while (true) {
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
      size_t hdr = in.find("\r\n\r\n");
      size_t cl = in.find("Content-Length: ");
      if (hdr != std::string::npos && cl != std::string::npos && cl < hdr &&
          in.size() >= hdr + 4 + std::stoul(in.substr(cl + 16))) {
        break;
      }
    }
    *status = in.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(in.c_str() + 9) : 0;
    size_t hdr = in.find("\r\n\r\n");
    return hdr == std::string::npos ? "" : in.substr(hdr + 4);
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool SendAll(std::string_view d) {
    while (!d.empty()) {
      ssize_t n = ::send(fd_, d.data(), d.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      d.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  std::string body_;
  int fd_ = -1;
  bool connected_ = false;
  size_t sent_ = 0;
};

class ServiceTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> extra = {}) {
    server_ = std::make_unique<ServerProcess>(dir_.File("data"), kKeys, std::move(extra));
    ASSERT_TRUE(server_->Start()) << server_->stderr_text();
  }

  httplib::Result Upload(httplib::Client& c, const std::string& dataset, const std::string& content,
                         const std::string& filename, httplib::MultipartFormDataItems fields = {}) {
    fields.push_back({"file", content, filename, "application/octet-stream"});
    return c.Post(("/api/v1/datasets/" + dataset + "/import").c_str(), fields);
  }

  // Starts an import and returns its job id.
  std::string StartImport(httplib::Client& c, const std::string& dataset, const std::string& content,
                          const std::string& filename, httplib::MultipartFormDataItems fields = {}) {
    auto r = Upload(c, dataset, content, filename, std::move(fields));
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 200) << r->body;
    return Str(ParseJsonOrFail(r->body), "job_id");
  }

  std::string StartExport(httplib::Client& c, const std::string& dataset, const std::string& body) {
    auto r = c.Post(("/api/v1/datasets/" + dataset + "/export").c_str(), body, "application/json");
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 200) << r->body;
    return Str(ParseJsonOrFail(r->body), "job_id");
  }

  // Polls a job until it is finished.
  JsonValue Wait(httplib::Client& c, const std::string& kind, const std::string& id, int seconds = 120) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    JsonValue last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = c.Get(("/api/v1/" + kind + "/" + id).c_str());
      if (r && r->status == 200) {
        last = ParseJsonOrFail(r->body);
        std::string s = Str(last, "status");
        if (s != "queued" && s != "running") return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << kind << " job " << id << " did not finish: " << last.ToString();
    return last;
  }

  // The dataset's record count (0 when it does not exist).
  int64_t Count(httplib::Client& c, const std::string& dataset) {
    auto r = c.Get(("/api/v1/datasets/" + dataset).c_str());
    if (!r || r->status != 200) return 0;
    return Int(ParseJsonOrFail(r->body), "count");
  }

  // Waits until the dataset holds at least one record.
  bool WaitForRows(httplib::Client& c, const std::string& dataset, int seconds = 60) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Count(c, dataset) > 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // The id of the newest import job into dataset.
  std::string NewestImport(httplib::Client& c, const std::string& dataset) {
    auto r = c.Get(("/api/v1/import?dataset_id=" + dataset + "&limit=1").c_str());
    if (!r || r->status != 200) return "";
    JsonValue list = ParseJsonOrFail(r->body);
    const JsonValue* jobs = list.Find("jobs");
    if (!jobs || !jobs->is_array() || jobs->items().empty()) return "";
    return Str(jobs->items()[0], "job_id");
  }

  // Every id in the dataset, through a JSONL export; each must appear once.
  std::set<std::string> ExportedIds(httplib::Client& c, const std::string& dataset, int64_t* lines) {
    std::string eid = StartExport(c, dataset, R"({"format": "jsonl"})");
    Wait(c, "export", eid);
    auto dl = c.Get(("/api/v1/export/" + eid + "/download").c_str());
    std::set<std::string> ids;
    *lines = 0;
    if (!dl) return ids;
    size_t pos = 0;
    while ((pos = dl->body.find("{\"id\":\"", pos)) != std::string::npos) {
      size_t end = dl->body.find('"', pos + 7);
      ids.insert(dl->body.substr(pos + 7, end - pos - 7));
      ++*lines;
      pos = end;
    }
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ServiceTest, HealthNeedsNoKeyEverythingElseDoes) {
  StartServer();
  auto anon = server_->Client("");
  auto r = anon.Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Str(ParseJsonOrFail(r->body), "status"), "ok");
  ExpectError(anon.Get("/api/v1/datasets"), 401, "no key");
  ExpectError(anon.Get("/api/v1/openapi.json"), 401, "no key on openapi");
  auto bad = server_->Client("not-a-real-key-123");
  ExpectError(bad.Get("/api/v1/stats"), 401, "wrong key");
  httplib::Client scheme("127.0.0.1", server_->port());
  scheme.set_default_headers({{"Authorization", std::string("Bearer ") + kUser}});
  ExpectError(scheme.Get("/api/v1/stats"), 401, "wrong scheme");
  ExpectError(anon.Post("/api/v1/datasets/x/import", std::string(100, 'x'), "text/plain"), 401, "upload without key");
  auto user = server_->Client(kUser);
  ExpectError(user.Post("/api/v1/admin/cleanup-jobs", "{\"max_age_hours\": 24}", "application/json"), 403,
              "user on cleanup");
  ExpectError(user.Get("/api/v1/metrics/prometheus"), 403, "user on metrics");
  auto admin = server_->Client(kAdmin);
  auto ok = admin.Get("/api/v1/metrics/prometheus");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ServiceTest, SeedImportStatusExportDownload) {
  StartServer();
  auto c = server_->Client(kUser);
  std::string csv = testing::ReadFileOrDie(std::string(TRIBUTARY_SOURCE_DIR) + "/data/sample.csv");
  auto r = Upload(c, "my-dataset", csv, "vectors.csv", {{"format", "csv", "", ""}, {"batch_size", "500", "", ""}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  JsonValue started = ParseJsonOrFail(r->body);
  for (const char* f : {"job_id", "dataset_id", "status", "total_rows", "processed_rows", "successful_rows",
                        "failed_rows", "errors", "started_at", "completed_at", "format", "progress_percentage"}) {
    EXPECT_TRUE(started.Find(f)) << "missing " << f << " in " << r->body;
  }
  EXPECT_EQ(Str(started, "dataset_id"), "my-dataset");
  EXPECT_EQ(Str(started, "format"), "csv");
  std::string id = Str(started, "job_id");
  EXPECT_EQ(id.size(), 36u);

  JsonValue done = Wait(c, "import", id);
  EXPECT_EQ(Str(done, "status"), "completed") << done.ToString();
  EXPECT_EQ(Int(done, "total_rows"), 4);
  EXPECT_EQ(Int(done, "processed_rows"), 4);
  EXPECT_EQ(Int(done, "successful_rows"), 4);
  EXPECT_EQ(Int(done, "failed_rows"), 0);
  EXPECT_EQ(done.Find("progress_percentage")->number(), 100.0);
  EXPECT_TRUE(done.Find("completed_at")->is_string());
  // Every byte of the file, not of the whole multipart request.
  EXPECT_EQ(Int(done, "bytes_total"), static_cast<int64_t>(csv.size())) << done.ToString();
  EXPECT_EQ(Int(done, "bytes_processed"), static_cast<int64_t>(csv.size())) << done.ToString();

  auto ds = c.Get("/api/v1/datasets/my-dataset");
  ASSERT_TRUE(ds);
  EXPECT_EQ(ds->status, 200);
  EXPECT_EQ(Int(ParseJsonOrFail(ds->body), "count"), 4);
  EXPECT_EQ(Int(ParseJsonOrFail(ds->body), "dimension"), 4);

  // The seed's export: filters as a JSON-encoded string.
  auto er = c.Post("/api/v1/datasets/my-dataset/export",
                   R"({"format": "json", "limit": 1000, "filters": "{\"category\": \"geography\"}"})", "application/json");
  ASSERT_TRUE(er);
  ASSERT_EQ(er->status, 200) << er->body;
  JsonValue ej = ParseJsonOrFail(er->body);
  for (const char* f : {"job_id", "dataset_id", "status", "total_vectors", "exported_vectors", "started_at",
                        "completed_at", "format", "download_url", "file_size", "progress_percentage"}) {
    EXPECT_TRUE(ej.Find(f)) << "missing " << f << " in " << er->body;
  }
  EXPECT_EQ(Int(ej, "total_vectors"), 2);
  JsonValue edone = Wait(c, "export", Str(ej, "job_id"));
  EXPECT_EQ(Str(edone, "status"), "completed");
  EXPECT_EQ(Int(edone, "exported_vectors"), 2);
  std::string url = Str(edone, "download_url");
  EXPECT_EQ(url, "/api/v1/export/" + Str(ej, "job_id") + "/download");

  auto dl = c.Get(url.c_str());
  ASSERT_TRUE(dl);
  ASSERT_EQ(dl->status, 200);
  EXPECT_EQ(dl->get_header_value("Content-Type"), "application/json");
  EXPECT_NE(dl->get_header_value("Content-Disposition").find("attachment; filename=\"my-dataset-"), std::string::npos);
  EXPECT_EQ(dl->get_header_value("Content-Length"), std::to_string(dl->body.size()));
  EXPECT_EQ(Int(edone, "file_size"), static_cast<int64_t>(dl->body.size()));
  EXPECT_EQ(dl->get_header_value("ETag"), "\"" + Sha256::HexOf(dl->body) + "\"");
  JsonValue rows = ParseJsonOrFail(dl->body);
  ASSERT_TRUE(rows.is_array());
  EXPECT_EQ(rows.items().size(), 2u);

  // Filters as an object, CSV, limit.
  std::string eid = StartExport(c, "my-dataset", R"({"format": "csv", "limit": 3, "filters": {"language": "en"}})");
  JsonValue e2 = Wait(c, "export", eid);
  EXPECT_EQ(Int(e2, "exported_vectors"), 3);
  auto dl2 = c.Get(("/api/v1/export/" + eid + "/download").c_str());
  ASSERT_TRUE(dl2);
  EXPECT_EQ(dl2->get_header_value("Content-Type").rfind("text/csv", 0), 0u) << dl2->get_header_value("Content-Type");
  EXPECT_EQ(dl2->body.rfind("id,document_id,values,content,metadata,", 0), 0u) << dl2->body;
}

TEST_F(ServiceTest, DownloadHonoursRanges) {
  StartServer();
  auto c = server_->Client(kUser);
  std::string id = StartImport(c, "ranges", testing::MakeJsonl(500, 8), "r.jsonl");
  Wait(c, "import", id);
  std::string eid = StartExport(c, "ranges", R"({"format": "jsonl"})");
  Wait(c, "export", eid);
  std::string path = "/api/v1/export/" + eid + "/download";
  auto full = c.Get(path.c_str());
  ASSERT_TRUE(full);
  ASSERT_EQ(full->status, 200);
  const std::string& body = full->body;
  ASSERT_GT(body.size(), 10000u);
  std::string etag = full->get_header_value("ETag");

  auto part = c.Get(path.c_str(), {{"Range", "bytes=100-199"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, body.substr(100, 100));
  EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 100-199/" + std::to_string(body.size()));

  // Resume a broken download: everything from an offset.
  auto rest = c.Get(path.c_str(), {{"Range", "bytes=5000-"}, {"If-Range", etag}});
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->status, 206);
  EXPECT_EQ(body.substr(0, 5000) + rest->body, body);

  auto suffix = c.Get(path.c_str(), {{"Range", "bytes=-10"}});
  ASSERT_TRUE(suffix);
  EXPECT_EQ(suffix->status, 206);
  EXPECT_EQ(suffix->body, body.substr(body.size() - 10));

  auto past_end = c.Get(path.c_str(), {{"Range", "bytes=10-99999999"}});
  ASSERT_TRUE(past_end);
  EXPECT_EQ(past_end->status, 206);
  EXPECT_EQ(past_end->body, body.substr(10));

  auto stale = c.Get(path.c_str(), {{"Range", "bytes=0-9"}, {"If-Range", "\"other\""}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body, body);

  auto outside = c.Get(path.c_str(), {{"Range", "bytes=99999999-"}});
  ExpectError(outside, 416, "range past the end");
  EXPECT_EQ(outside->get_header_value("Content-Range"), "bytes */" + std::to_string(body.size()));
  ExpectError(c.Get(path.c_str(), {{"Range", "bytes=abc"}}), 416, "garbage range");
  // A Range header on an error response does not cut the error body.
  ExpectError(c.Get("/api/v1/export/00000000-0000-4000-8000-000000000000/download", {{"Range", "bytes=0-3"}}), 404,
              "range on unknown job");
}

TEST_F(ServiceTest, RowErrorsAreReportedAndListed) {
  StartServer();
  auto c = server_->Client(kUser);
  std::string data = testing::MakeJsonl(10, 4, "ok");
  data += "{\"id\": \"bad-dim\", \"document_id\": \"d\", \"values\": [1, 2]}\n";
  data += "{this is not json\n";
  data += "{\"id\": \"no-doc\", \"values\": [1, 2, 3, 4]}\n";
  data += testing::MakeJsonl(5, 4, "more");
  std::string id = StartImport(c, "errs", data, "e.jsonl", {{"format", "jsonl", "", ""}});
  JsonValue done = Wait(c, "import", id);
  EXPECT_EQ(Str(done, "status"), "completed_with_errors") << done.ToString();
  EXPECT_EQ(Int(done, "total_rows"), 18);
  EXPECT_EQ(Int(done, "successful_rows"), 15);
  EXPECT_EQ(Int(done, "failed_rows"), 3);
  const JsonValue* errors = done.Find("errors");
  ASSERT_TRUE(errors && errors->is_array());
  ASSERT_EQ(errors->items().size(), 3u);
  EXPECT_EQ(Int(errors->items()[0], "row"), 11);
  EXPECT_NE(Str(errors->items()[0], "error").find("dimension"), std::string::npos) << errors->ToString();
  EXPECT_EQ(Int(errors->items()[1], "line"), 12);
  EXPECT_NE(Str(errors->items()[2], "error").find("document_id"), std::string::npos);

  auto list = c.Get(("/api/v1/import/" + id + "/errors").c_str());
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(list->get_header_value("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(std::count(list->body.begin(), list->body.end(), '\n'), 3);
  EXPECT_NE(list->body.find("bad-dim"), std::string::npos);

  // Skip existing: a re-import writes nothing new and fails nothing.
  std::string again = StartImport(c, "errs", testing::MakeJsonl(10, 4, "ok"), "again.jsonl",
                                  {{"skip_existing", "true", "", ""}});
  JsonValue a = Wait(c, "import", again);
  EXPECT_EQ(Str(a, "status"), "completed");
  EXPECT_EQ(Int(a, "skipped_rows"), 10);
  // Field mapping: the vector comes from "embedding".
  std::string mapped = StartImport(c, "mapped", "{\"id\":\"m1\",\"document_id\":\"d\",\"embedding\":[1,2,3]}\n", "m.jsonl",
                                   {{"mapping", "{\"values\": \"embedding\"}", "", ""}});
  JsonValue m = Wait(c, "import", mapped);
  EXPECT_EQ(Str(m, "status"), "completed") << m.ToString();
  auto info = c.Get("/api/v1/datasets/mapped");
  ASSERT_TRUE(info);
  EXPECT_EQ(Int(ParseJsonOrFail(info->body), "dimension"), 3);
}

TEST_F(ServiceTest, BadRequestsGetJsonErrors) {
  StartServer();
  auto c = server_->Client(kUser);
  std::string good = testing::MakeJsonl(3, 4);
  ExpectError(Upload(c, "bad id!", good, "a.jsonl"), 400, "invalid dataset id");
  ExpectError(Upload(c, std::string(200, 'a'), good, "a.jsonl"), 400, "dataset id too long");
  ExpectError(Upload(c, "ds", good, "a.jsonl", {{"format", "xml", "", ""}}), 400, "unknown format");
  ExpectError(Upload(c, "ds", good, "a.jsonl", {{"batch_size", "0", "", ""}}), 400, "batch_size 0");
  ExpectError(Upload(c, "ds", good, "a.jsonl", {{"batch_size", "5000", "", ""}}), 400, "batch_size too big");
  ExpectError(Upload(c, "ds", good, "a.jsonl", {{"mode", "sideways", "", ""}}), 400, "bad mode");
  ExpectError(Upload(c, "ds", good, "a.jsonl", {{"surprise", "1", "", ""}}), 400, "unknown field");
  ExpectError(c.Post("/api/v1/datasets/ds/import", httplib::MultipartFormDataItems{{"format", "csv", "", ""}}), 400,
              "no file");
  ExpectError(c.Post("/api/v1/datasets/ds/import", good, "application/json"), 415, "not multipart");
  // Malformed multipart: a body cut short, and a body with a wrong boundary.
  std::string cut = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n" + good;
  ExpectError(c.Post("/api/v1/datasets/ds/import", cut, "multipart/form-data; boundary=XyZ"), 400, "truncated multipart");
  ExpectError(c.Post("/api/v1/datasets/ds/import", "garbage", "multipart/form-data; boundary=XyZ"), 400,
              "broken multipart");
  ExpectError(c.Post("/api/v1/datasets/ds/import", cut, "multipart/form-data"), 400, "no boundary");
  // Nothing of the rejected uploads stays on disk.
  std::error_code ec;
  EXPECT_TRUE(fs::is_empty(dir_.File("data") + "/jobs", ec));

  StartImport(c, "ds", good, "a.jsonl");
  ExpectError(c.Post("/api/v1/datasets/ds/export", "{\"format\": ", "application/json"), 400, "broken JSON");
  ExpectError(c.Post("/api/v1/datasets/ds/export", "[1, 2]", "application/json"), 400, "JSON not an object");
  ExpectError(c.Post("/api/v1/datasets/ds/export", "{\"format\": \"xml\"}", "application/json"), 400, "bad format");
  ExpectError(c.Post("/api/v1/datasets/ds/export", "{\"limit\": -1}", "application/json"), 400, "negative limit");
  ExpectError(c.Post("/api/v1/datasets/ds/export", "{\"limit\": \"ten\"}", "application/json"), 400, "string limit");
  ExpectError(c.Post("/api/v1/datasets/ds/export", "{\"filters\": \"{not json\"}", "application/json"), 400,
              "bad filter text");
  ExpectError(c.Post("/api/v1/datasets/ds/export", "{\"filters\": {\"$where\": 1}}", "application/json"), 400,
              "bad filter operator");
  ExpectError(c.Post("/api/v1/datasets/ds/export", "{\"colour\": 1}", "application/json"), 400, "unknown field");
  ExpectError(c.Post("/api/v1/datasets/nope/export", "{}", "application/json"), 404, "unknown dataset");
  ExpectError(c.Post("/api/v1/datasets/ds/export", std::string(2 << 20, ' '), "application/json"), 413, "huge JSON");

  for (const char* kind : {"import", "export"}) {
    std::string k(kind);
    ExpectError(c.Get(("/api/v1/" + k + "/00000000-0000-4000-8000-000000000000").c_str()), 404, "unknown job id");
    ExpectError(c.Get(("/api/v1/" + k + "/not-a-uuid").c_str()), 404, "garbage job id");
    ExpectError(c.Delete(("/api/v1/" + k + "/00000000-0000-4000-8000-000000000000").c_str()), 404, "cancel unknown");
  }
  ExpectError(c.Get("/api/v1/export/00000000-0000-4000-8000-000000000000/download"), 404, "download unknown");
  ExpectError(c.Get("/api/v1/import/00000000-0000-4000-8000-000000000000/errors"), 404, "errors of unknown");
  ExpectError(c.Get("/api/v1/nothing-here"), 404, "unknown route");
  ExpectError(c.Get("/api/v1/datasets/nope"), 404, "unknown dataset");
  ExpectError(c.Delete("/api/v1/datasets/nope"), 404, "delete unknown dataset");
  ExpectError(c.Get("/api/v1/import?status=sleeping"), 400, "bad status filter");
  auto admin = server_->Client(kAdmin);
  ExpectError(admin.Post("/api/v1/admin/cleanup-jobs", "{\"max_age_hours\": -1}", "application/json"), 400,
              "negative age");
  ExpectError(admin.Post("/api/v1/admin/cleanup-jobs", "{\"max_age_hours\": \"x\"}", "application/json"), 400,
              "string age");
}

// Parquet goes through the API both ways: export a dataset as Parquet,
// download it, import the download into a new dataset, and compare.
TEST_F(ServiceTest, ParquetExportDownloadAndImport) {
  StartServer();
  auto c = server_->Client(kUser);
  const std::string jsonl = testing::MakeJsonl(250, 6);
  Wait(c, "import", StartImport(c, "pq-src", jsonl, "src.jsonl"));
  std::string eid = StartExport(c, "pq-src", R"({"format": "parquet"})");
  JsonValue done = Wait(c, "export", eid);
  EXPECT_EQ(Str(done, "status"), "completed");
  auto dl = c.Get(("/api/v1/export/" + eid + "/download").c_str());
  ASSERT_TRUE(dl);
  ASSERT_EQ(dl->status, 200);
  EXPECT_EQ(dl->body.substr(0, 4), "PAR1");
  JsonValue imported = Wait(c, "import", StartImport(c, "pq-dst", dl->body, "data.parquet",
                                                     {{"format", "parquet", "", ""}}));
  EXPECT_EQ(Str(imported, "status"), "completed");
  EXPECT_EQ(imported.Find("successful_rows")->int_value(), 250);
  // Same records: export both as JSONL and compare.
  std::string a = StartExport(c, "pq-src", R"({"format": "jsonl"})");
  std::string b = StartExport(c, "pq-dst", R"({"format": "jsonl"})");
  Wait(c, "export", a);
  Wait(c, "export", b);
  auto ra = c.Get(("/api/v1/export/" + a + "/download").c_str());
  auto rb = c.Get(("/api/v1/export/" + b + "/download").c_str());
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->body, rb->body);
}

TEST_F(ServiceTest, OversizeUploadIs413AndLeavesNothing) {
  StartServer({"--max-upload-mb", "1"});
  auto c = server_->Client(kUser);
  std::string big = testing::MakeJsonl(12000, 8);
  ASSERT_GT(big.size(), 1u << 20);
  ExpectError(Upload(c, "big", big, "big.jsonl"), 413, "over the limit");
  // Chunked transfer has no Content-Length: the limit holds while streaming.
  auto r = c.Post("/api/v1/datasets/big/import",
                  [&](size_t offset, httplib::DataSink& sink) {
                    if (offset == 0) {
                      std::string head = "--B0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jsonl\"\r\n\r\n";
                      sink.write(head.data(), head.size());
                    }
                    if (offset > (3u << 20)) {
                      sink.done();
                      return true;
                    }
                    sink.write(big.data(), 64 << 10);
                    return true;
                  },
                  "multipart/form-data; boundary=B0undary");
  ExpectError(r, 413, "chunked over the limit");
  std::error_code ec;
  EXPECT_TRUE(fs::is_empty(dir_.File("data") + "/jobs", ec));
  // Under the limit is fine.
  std::string small = testing::MakeJsonl(100, 8);
  JsonValue done = Wait(c, "import", StartImport(c, "big", small, "small.jsonl"));
  EXPECT_EQ(Int(done, "successful_rows"), 100);
  auto ds = c.Get("/api/v1/datasets");
  ASSERT_TRUE(ds);
  EXPECT_EQ(ds->status, 200);
}

TEST_F(ServiceTest, TenantsAreIsolated) {
  StartServer();
  auto acme = server_->Client(kUser);
  auto globex = server_->Client(kGlobex);
  std::string imp = StartImport(acme, "shared-name", testing::MakeJsonl(20, 4), "a.jsonl");
  Wait(acme, "import", imp);
  std::string exp = StartExport(acme, "shared-name", "{}");
  Wait(acme, "export", exp);

  ExpectError(globex.Get(("/api/v1/import/" + imp).c_str()), 404, "other tenant's import");
  ExpectError(globex.Get(("/api/v1/import/" + imp + "/errors").c_str()), 404, "other tenant's errors");
  ExpectError(globex.Delete(("/api/v1/import/" + imp).c_str()), 404, "cancel other tenant's import");
  ExpectError(globex.Get(("/api/v1/export/" + exp).c_str()), 404, "other tenant's export");
  ExpectError(globex.Get(("/api/v1/export/" + exp + "/download").c_str()), 404, "download other tenant's export");
  ExpectError(globex.Get("/api/v1/datasets/shared-name"), 404, "other tenant's dataset");
  ExpectError(globex.Delete("/api/v1/datasets/shared-name"), 404, "delete other tenant's dataset");
  ExpectError(globex.Post("/api/v1/datasets/shared-name/export", "{}", "application/json"), 404,
              "export other tenant's dataset");
  for (const char* list : {"/api/v1/import", "/api/v1/export", "/api/v1/datasets"}) {
    auto r = globex.Get(list);
    ASSERT_TRUE(r);
    EXPECT_EQ(Int(ParseJsonOrFail(r->body), "count"), 0) << list << ": " << r->body;
  }
  auto stats = globex.Get("/api/v1/stats");
  ASSERT_TRUE(stats);
  JsonValue s = ParseJsonOrFail(stats->body);
  EXPECT_EQ(Int(s, "records"), 0);
  EXPECT_EQ(Int(s, "rows_imported"), 0);

  // The same name in another tenant is another dataset.
  JsonValue g = Wait(globex, "import", StartImport(globex, "shared-name", testing::MakeJsonl(5, 4), "g.jsonl"));
  EXPECT_EQ(Int(g, "successful_rows"), 5);
  auto a = acme.Get("/api/v1/datasets/shared-name");
  EXPECT_EQ(Int(ParseJsonOrFail(a->body), "count"), 20);
  auto own = acme.Get("/api/v1/stats");
  EXPECT_EQ(Int(ParseJsonOrFail(own->body), "records"), 20);

  // Datasets: delete reports what it removed; then it is gone.
  auto del = acme.Delete("/api/v1/datasets/shared-name");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  EXPECT_EQ(Int(ParseJsonOrFail(del->body), "count"), 20);
  ExpectError(acme.Get("/api/v1/datasets/shared-name"), 404, "deleted dataset");
  EXPECT_EQ(Int(ParseJsonOrFail(globex.Get("/api/v1/datasets/shared-name")->body), "count"), 5);
}

TEST_F(ServiceTest, ConcurrentJobsAllProgressAndSameDatasetStaysCorrect) {
  StartServer({"--workers", "3"});
  auto c = server_->Client(kUser);
  std::vector<std::pair<std::string, int>> jobs;
  for (int d = 0; d < 3; ++d) {
    int n = 3000 + d * 500;
    jobs.push_back({StartImport(c, "ds" + std::to_string(d), testing::MakeJsonl(n, 16, "x"), "f.jsonl"), n});
  }
  // Two imports of disjoint ids into one dataset, at the same time.
  std::string s1 = StartImport(c, "same", testing::MakeJsonl(4000, 16, "a"), "a.jsonl");
  std::string s2 = StartImport(c, "same", testing::MakeJsonl(4000, 16, "b"), "b.jsonl");
  // And two of the same ids with skip_existing: each id once.
  std::string k1 = StartImport(c, "skip", testing::MakeJsonl(3000, 16, "k"), "a.jsonl", {{"mode", "skip_existing", "", ""}});
  std::string k2 = StartImport(c, "skip", testing::MakeJsonl(3000, 16, "k"), "b.jsonl", {{"mode", "skip_existing", "", ""}});
  auto queued = c.Get("/api/v1/import?status=queued");
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->status, 200);
  for (auto& [id, n] : jobs) {
    JsonValue j = Wait(c, "import", id);
    EXPECT_EQ(Str(j, "status"), "completed");
    EXPECT_EQ(Int(j, "successful_rows"), n);
  }
  for (const std::string& id : {s1, s2}) EXPECT_EQ(Str(Wait(c, "import", id), "status"), "completed");
  JsonValue j1 = Wait(c, "import", k1), j2 = Wait(c, "import", k2);
  EXPECT_EQ(Int(j1, "inserted_rows") + Int(j2, "inserted_rows"), 3000);
  EXPECT_EQ(Int(j1, "skipped_rows") + Int(j2, "skipped_rows"), 3000);
  EXPECT_EQ(Int(ParseJsonOrFail(c.Get("/api/v1/datasets/same")->body), "count"), 8000);
  EXPECT_EQ(Int(ParseJsonOrFail(c.Get("/api/v1/datasets/skip")->body), "count"), 3000);
  auto all = c.Get("/api/v1/import");
  EXPECT_EQ(Int(ParseJsonOrFail(all->body), "count"), 7);
}

TEST_F(ServiceTest, CancelQueuedAndRunningJobs) {
  StartServer({"--workers", "1"});
  auto c = server_->Client(kUser);
  // A slow first job (small batches) keeps the only worker busy.
  std::string slow = StartImport(c, "slow", testing::MakeJsonl(60000, 8), "s.jsonl", {{"batch_size", "1", "", ""}});
  std::string waiting = StartImport(c, "later", testing::MakeJsonl(10, 8), "w.jsonl");
  auto g = c.Get(("/api/v1/import/" + waiting).c_str());
  EXPECT_EQ(Str(ParseJsonOrFail(g->body), "status"), "queued");
  auto del = c.Delete(("/api/v1/import/" + waiting).c_str());
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200);
  EXPECT_EQ(Str(ParseJsonOrFail(del->body), "status"), "cancelled");
  ExpectError(c.Delete(("/api/v1/import/" + waiting).c_str()), 409, "cancel a cancelled job");
  // A dataset with a running job cannot be deleted.
  auto busy = c.Get(("/api/v1/import/" + slow).c_str());
  EXPECT_EQ(Str(ParseJsonOrFail(busy->body), "status"), "running");
  ExpectError(c.Delete("/api/v1/datasets/slow"), 409, "delete a dataset in use");
  auto stop = c.Delete(("/api/v1/import/" + slow).c_str());
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->status, 200);
  JsonValue s = Wait(c, "import", slow);
  EXPECT_EQ(Str(s, "status"), "cancelled");
  // What was committed before the cancel is there, no more.
  int64_t count = Int(ParseJsonOrFail(c.Get("/api/v1/datasets/slow")->body), "count");
  EXPECT_EQ(count, Int(s, "successful_rows"));
  EXPECT_LT(count, 60000);
  // The upload of a finished job is gone.
  EXPECT_FALSE(fs::exists(dir_.File("data") + "/jobs/" + slow + "/upload"));
}

TEST_F(ServiceTest, SigkillMidImportResumesWithNothingLostOrDoubled) {
  const int n = 200000;
  StartServer({"--workers", "1"});
  auto c = server_->Client(kUser);
  // Small batches (many commits) keep the import going well past the kill.
  std::string id = StartImport(c, "crash", testing::MakeJsonl(n, 4), "crash.jsonl", {{"batch_size", "10", "", ""}});
  std::string exp_before;
  // Wait until the import is part-way, then kill the server outright.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int64_t seen = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = c.Get(("/api/v1/import/" + id).c_str());
    ASSERT_TRUE(r);
    JsonValue j = ParseJsonOrFail(r->body);
    seen = Int(j, "processed_rows");
    ASSERT_NE(Str(j, "status"), "completed") << "the import finished before it could be interrupted";
    if (Str(j, "status") == "running" && seen > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GT(seen, 0);
  // Let progress be persisted at least once.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  server_->Kill();

  ASSERT_TRUE(server_->Start()) << server_->stderr_text();
  auto c2 = server_->Client(kUser);
  JsonValue done = Wait(c2, "import", id);
  EXPECT_EQ(Str(done, "status"), "completed") << done.ToString();
  EXPECT_EQ(Int(done, "total_rows"), n);
  EXPECT_EQ(Int(done, "successful_rows"), n);
  EXPECT_EQ(Int(done, "failed_rows"), 0);
  EXPECT_EQ(Int(done, "attempts"), 2);
  EXPECT_EQ(Int(ParseJsonOrFail(c2.Get("/api/v1/datasets/crash")->body), "count"), n);
  // Every record once: export and count distinct ids.
  std::string eid = StartExport(c2, "crash", R"({"format": "jsonl"})");
  JsonValue e = Wait(c2, "export", eid);
  EXPECT_EQ(Int(e, "exported_vectors"), n);
  auto dl = c2.Get(("/api/v1/export/" + eid + "/download").c_str());
  ASSERT_TRUE(dl);
  std::set<std::string> ids;
  size_t pos = 0;
  while ((pos = dl->body.find("{\"id\":\"", pos)) != std::string::npos) {
    size_t end = dl->body.find('"', pos + 7);
    ids.insert(dl->body.substr(pos + 7, end - pos - 7));
    pos = end;
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(n));
}

TEST_F(ServiceTest, JobsSurviveRestartAndInterruptedExportStartsAgain) {
  StartServer({"--workers", "1"});
  auto c = server_->Client(kUser);
  std::string first = StartImport(c, "keep", testing::MakeJsonl(100, 4), "k.jsonl");
  Wait(c, "import", first);
  std::string slow = StartImport(c, "keep2", testing::MakeJsonl(50000, 4), "s.jsonl", {{"batch_size", "5", "", ""}});
  std::string exp = StartExport(c, "keep", R"({"format": "csv"})");  // queued behind the slow import
  server_->Stop();  // SIGTERM: running jobs are left to resume
  ASSERT_TRUE(server_->Start()) << server_->stderr_text();
  auto c2 = server_->Client(kUser);
  EXPECT_EQ(Str(ParseJsonOrFail(c2.Get(("/api/v1/import/" + first).c_str())->body), "status"), "completed");
  JsonValue s = Wait(c2, "import", slow);
  EXPECT_EQ(Str(s, "status"), "completed");
  EXPECT_EQ(Int(s, "successful_rows"), 50000);
  JsonValue e = Wait(c2, "export", exp);
  EXPECT_EQ(Str(e, "status"), "completed");
  EXPECT_EQ(Int(e, "exported_vectors"), 100);
  auto dl = c2.Get(("/api/v1/export/" + exp + "/download").c_str());
  EXPECT_EQ(std::count(dl->body.begin(), dl->body.end(), '\n'), 101);
}

TEST_F(ServiceTest, RetentionRemovesFinishedJobsAndTheirFiles) {
  StartServer({"--retention-hours", "0.0005", "--sweep-interval-seconds", "0.2"});  // 1.8 s
  auto c = server_->Client(kUser);
  std::string imp = StartImport(c, "old", testing::MakeJsonl(10, 4), "o.jsonl");
  Wait(c, "import", imp);
  std::string exp = StartExport(c, "old", "{}");
  Wait(c, "export", exp);
  EXPECT_TRUE(fs::exists(dir_.File("data") + "/jobs/" + exp));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = c.Get(("/api/v1/export/" + exp).c_str());
    if (r && r->status == 404) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ExpectError(c.Get(("/api/v1/export/" + exp).c_str()), 404, "expired export");
  ExpectError(c.Get(("/api/v1/import/" + imp).c_str()), 404, "expired import");
  EXPECT_FALSE(fs::exists(dir_.File("data") + "/jobs/" + exp));
  EXPECT_FALSE(fs::exists(dir_.File("data") + "/jobs/" + imp));
  // The data stays; only jobs expire.
  EXPECT_EQ(Int(ParseJsonOrFail(c.Get("/api/v1/datasets/old")->body), "count"), 10);
}

TEST_F(ServiceTest, AdminCleanupRemovesOldJobs) {
  StartServer();
  auto c = server_->Client(kUser);
  std::string imp = StartImport(c, "c", testing::MakeJsonl(10, 4), "c.jsonl");
  Wait(c, "import", imp);
  auto admin = server_->Client(kAdmin);
  auto keep = admin.Post("/api/v1/admin/cleanup-jobs", "{\"max_age_hours\": 24}", "application/json");
  ASSERT_TRUE(keep);
  EXPECT_EQ(keep->status, 200);
  EXPECT_EQ(Int(ParseJsonOrFail(keep->body), "removed_jobs"), 0);
  auto r = admin.Post("/api/v1/admin/cleanup-jobs", "{\"max_age_hours\": 0}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Int(ParseJsonOrFail(r->body), "removed_jobs"), 1);
  ExpectError(c.Get(("/api/v1/import/" + imp).c_str()), 404, "cleaned-up job");
  // The audit log has a line for the import and the clean-up.
  std::string audit = testing::Slurp(dir_.File("data") + "/audit.log");
  size_t lines = 0;
  bool saw_create = false, saw_cleanup = false;
  size_t start = 0, nl;
  while ((nl = audit.find('\n', start)) != std::string::npos) {
    JsonValue e = ParseJsonOrFail(audit.substr(start, nl - start));
    ++lines;
    EXPECT_TRUE(e.Find("time") && e.Find("tenant") && e.Find("key_id") && e.Find("action") && e.Find("outcome"));
    if (Str(e, "action") == "import.create" && Str(e, "job_id") == imp) {
      saw_create = true;
      EXPECT_EQ(Str(e, "tenant"), "acme");
      EXPECT_EQ(Str(e, "outcome"), "accepted");
    }
    if (Str(e, "action") == "jobs.cleanup") saw_cleanup = true;
    start = nl + 1;
  }
  EXPECT_GE(lines, 3u);
  EXPECT_TRUE(saw_create);
  EXPECT_TRUE(saw_cleanup);
}

TEST_F(ServiceTest, MetricsAndStats) {
  StartServer();
  auto c = server_->Client(kUser);
  Wait(c, "import", StartImport(c, "m", testing::MakeJsonl(30, 4), "m.csv.jsonl"));
  std::string eid = StartExport(c, "m", R"({"format": "csv"})");
  Wait(c, "export", eid);
  c.Get(("/api/v1/export/" + eid + "/download").c_str());
  auto admin = server_->Client(kAdmin);
  auto m = admin.Get("/api/v1/metrics/prometheus");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_header_value("Content-Type").rfind("text/plain", 0), 0u);
  const std::string& t = m->body;
  for (const char* want : {
           "tributary_jobs{kind=\"import\",format=\"jsonl\",tenant=\"acme\",status=\"completed\"} 1",
           "tributary_jobs_finished_total{kind=\"export\",format=\"csv\",tenant=\"acme\",status=\"completed\"} 1",
           "tributary_jobs_running{kind=\"import\"} 0",
           "tributary_rows_total{kind=\"import\",tenant=\"acme\",outcome=\"successful\"} 30",
           "tributary_rows_total{kind=\"export\",tenant=\"acme\",outcome=\"exported\"} 30",
           "tributary_job_duration_seconds_bucket{kind=\"import\",format=\"jsonl\",le=\"+Inf\"} 1",
           "tributary_job_duration_seconds_count{kind=\"import\",format=\"jsonl\"} 1",
           "# TYPE tributary_job_duration_seconds histogram",
           "tributary_bytes_total{kind=\"import\",tenant=\"acme\",what=\"uploaded\"}",
           "tributary_bytes_total{kind=\"export\",tenant=\"acme\",what=\"downloaded\"}",
           "tributary_http_requests_total{method=\"POST\",route=\"/api/v1/datasets/{dataset_id}/import\",code=\"200\"} 1",
       }) {
    EXPECT_NE(t.find(want), std::string::npos) << "missing: " << want << "\n" << t;
  }
  auto s = c.Get("/api/v1/stats");
  ASSERT_TRUE(s);
  JsonValue st = ParseJsonOrFail(s->body);
  EXPECT_EQ(Str(st, "tenant"), "acme");
  EXPECT_EQ(Int(st, "datasets"), 1);
  EXPECT_EQ(Int(st, "records"), 30);
  EXPECT_EQ(Int(*st.Find("jobs")->Find("import"), "completed"), 1);
  EXPECT_EQ(Int(st, "rows_exported"), 30);
}

// The OpenAPI document and the server agree: every documented operation is
// served, and the routes users rely on are documented.
TEST_F(ServiceTest, OpenApiMatchesRoutes) {
  StartServer();
  auto admin = server_->Client(kAdmin);
  auto r = admin.Get("/api/v1/openapi.json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  JsonValue doc = ParseJsonOrFail(r->body);
  EXPECT_EQ(Str(doc, "openapi"), "3.0.3");
  const JsonValue* paths = doc.Find("paths");
  ASSERT_TRUE(paths && paths->is_object());
  std::set<std::string> documented;
  for (const auto& [path, ops] : paths->members()) {
    for (const auto& [method, op] : ops.members()) {
      std::string m = method;
      for (char& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      documented.insert(m + " " + path);
      std::string url = path;
      auto sub = [&](const std::string& from, const std::string& to) {
        size_t p = url.find(from);
        if (p != std::string::npos) url.replace(p, from.size(), to);
      };
      sub("{dataset_id}", "openapi-check");
      sub("{job_id}", "00000000-0000-4000-8000-000000000000");
      httplib::Result res = m == "GET"      ? admin.Get(url.c_str())
                            : m == "DELETE" ? admin.Delete(url.c_str())
                                            : admin.Post(url.c_str(), "{}", "application/json");
      ASSERT_TRUE(res) << m << " " << url;
      std::string detail = Str(ParseJsonOrFail(res->body.empty() || res->body[0] != '{' ? "{}" : res->body), "detail");
      EXPECT_EQ(detail.rfind("no route", 0), std::string::npos) << m << " " << url << " is documented but not served";
      EXPECT_NE(res->status, 405) << m << " " << url;
    }
  }
  for (const char* want : {"POST /api/v1/datasets/{dataset_id}/import", "GET /api/v1/import/{job_id}",
                           "POST /api/v1/datasets/{dataset_id}/export", "GET /api/v1/export/{job_id}",
                           "GET /api/v1/export/{job_id}/download", "POST /api/v1/admin/cleanup-jobs",
                           "GET /api/v1/metrics/prometheus", "GET /api/v1/stats", "GET /api/v1/datasets",
                           "GET /api/v1/datasets/{dataset_id}", "DELETE /api/v1/datasets/{dataset_id}",
                           "GET /api/v1/import", "GET /api/v1/export", "DELETE /api/v1/import/{job_id}",
                           "DELETE /api/v1/export/{job_id}", "GET /api/v1/import/{job_id}/errors", "GET /health",
                           "GET /api/v1/openapi.json"}) {
    EXPECT_TRUE(documented.count(want)) << "not documented: " << want;
  }
  EXPECT_EQ(documented.size(), 18u);
  // A route that is not documented is not served either.
  auto undocumented = admin.Put("/api/v1/datasets/x", "{}", "application/json");
  ASSERT_TRUE(undocumented);
  EXPECT_EQ(undocumented->status, 404);
  EXPECT_EQ(Str(ParseJsonOrFail(undocumented->body), "detail").rfind("no route", 0), 0u);
}

TEST_F(ServiceTest, KeysCreatedWithTheCommandLineWork) {
  std::string data = dir_.File("data");
  auto r = testing::RunTributary("--data-dir '" + data + "' keys create --tenant initech --admin");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string key = r.out.substr(0, r.out.find('\n'));
  ASSERT_EQ(key.rfind("trk_", 0), 0u) << r.out;
  server_ = std::make_unique<ServerProcess>(data, "");
  ASSERT_TRUE(server_->Start()) << server_->stderr_text();
  auto c = server_->Client(key);
  auto s = c.Get("/api/v1/stats");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 200) << s->body;
  EXPECT_EQ(Str(ParseJsonOrFail(s->body), "tenant"), "initech");
  EXPECT_EQ(c.Get("/api/v1/metrics/prometheus")->status, 200);
  // A key created while the server runs works at once.
  auto r2 = testing::RunTributary("--data-dir '" + data + "' keys create --tenant other");
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  std::string key2 = r2.out.substr(0, r2.out.find('\n'));
  auto c2 = server_->Client(key2);
  EXPECT_EQ(Str(ParseJsonOrFail(c2.Get("/api/v1/stats")->body), "tenant"), "other");
  ExpectError(c2.Get("/api/v1/metrics/prometheus"), 403, "user key on metrics");
  ExpectError(server_->Client(key + "x").Get("/api/v1/stats"), 401, "altered key");
  // Only hashes are stored.
  server_->Stop();
  for (const char* f : {"/service.db", "/service.db-wal"}) {
    std::string bytes = testing::Slurp(data + f);
    EXPECT_EQ(bytes.find(key.substr(4)), std::string::npos) << f;
    EXPECT_EQ(bytes.find(key2.substr(4)), std::string::npos) << f;
  }
  EXPECT_EQ(testing::RunTributary("--data-dir '" + data + "' keys create --tenant 'bad tenant'").exit_code, 2);
}

TEST_F(ServiceTest, ServesHttpsWithTlsCertAndKey) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl command not installed";
  std::string cert = dir_.File("cert.pem"), key = dir_.File("key.pem");
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 -keyout '" + key +
                    "' -out '" + cert + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  StartServer({"--tls-cert", cert, "--tls-key", key});
  httplib::SSLClient c("127.0.0.1", server_->port());
  c.set_ca_cert_path(cert.c_str());
  c.enable_server_certificate_verification(false);
  c.set_default_headers({{"Authorization", std::string("ApiKey ") + kUser}});
  auto r = c.Get("/api/v1/stats");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  httplib::Client plain("127.0.0.1", server_->port());
  auto p = plain.Get("/health");
  EXPECT_TRUE(!p || p->status != 200);
}

// A bounded load: status and download requests hammer the server while
// imports run; every response is a success and no row is lost.
TEST_F(ServiceTest, LoadOnStatusAndDownloadWhileImportsRun) {
  StartServer({"--workers", "2"});
  auto c = server_->Client(kUser);
  Wait(c, "import", StartImport(c, "base", testing::MakeJsonl(2000, 16), "b.jsonl"));
  std::string eid = StartExport(c, "base", "{}");
  Wait(c, "export", eid);
  std::vector<std::string> imports;
  for (int i = 0; i < 4; ++i) {
    imports.push_back(StartImport(c, "load" + std::to_string(i % 2), testing::MakeJsonl(20000, 16, "p" + std::to_string(i) + "-"),
                                  "l.jsonl", {{"batch_size", "50", "", ""}}));
  }
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      auto cl = server_->Client(kUser);
      int i = 0;
      while (!stop.load()) {
        httplib::Result r = (i++ + t) % 2 == 0 ? cl.Get(("/api/v1/import/" + imports[i % 4]).c_str())
                                               : cl.Get(("/api/v1/export/" + eid + "/download").c_str());
        if (r && r->status == 200) ++ok; else ++bad;
      }
    });
  }
  for (const std::string& id : imports) {
    JsonValue j = Wait(c, "import", id);
    EXPECT_EQ(Str(j, "status"), "completed");
    EXPECT_EQ(Int(j, "successful_rows"), 20000);
  }
  stop.store(true);
  for (auto& t : clients) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(ok.load(), 20);
  EXPECT_EQ(Int(ParseJsonOrFail(c.Get("/api/v1/datasets/load0")->body), "count"), 40000);
  EXPECT_EQ(Int(ParseJsonOrFail(c.Get("/api/v1/datasets/load1")->body), "count"), 40000);
}

// An upload that breaks off after the job has committed some of it: the job
// fails and says why, what was committed stays, and sending the file again
// (skipping existing ids) leaves every id exactly once.
TEST_F(ServiceTest, UploadBrokenOffMidStreamKeepsCommittedRowsAndRetryCompletes) {
  const int n = 200000;
  StartServer({"--workers", "1"});
  auto c = server_->Client(kUser);
  const std::string data = testing::MakeJsonl(n, 4);
  RawUpload up(server_->port(), kUser, "cut",
               FormPart("batch_size", "50") + FormPart("file", data, "cut.jsonl") + FormEnd());
  ASSERT_TRUE(up.connected());
  ASSERT_TRUE(up.SendUpTo(up.size() * 6 / 10));
  ASSERT_TRUE(WaitForRows(c, "cut")) << "the import did not start while the upload arrived";
  up.Close();  // the client goes away with 40% unsent

  std::string id = NewestImport(c, "cut");
  ASSERT_FALSE(id.empty());
  JsonValue job = Wait(c, "import", id);
  EXPECT_EQ(Str(job, "status"), "failed") << job.ToString();
  EXPECT_NE(Str(job, "error").find("upload"), std::string::npos) << job.ToString();
  EXPECT_NE(Str(job, "error").find("closed the connection"), std::string::npos) << job.ToString();
  int64_t committed = Count(c, "cut");
  EXPECT_GT(committed, 0);
  EXPECT_LT(committed, n);
  EXPECT_EQ(Int(job, "successful_rows"), committed) << job.ToString();
  EXPECT_FALSE(fs::exists(dir_.File("data") + "/jobs/" + id + "/upload.part"));

  // Sent again, skipping what is there: every id once.
  JsonValue again = Wait(c, "import", StartImport(c, "cut", data, "cut.jsonl", {{"mode", "skip_existing", "", ""}}));
  EXPECT_EQ(Str(again, "status"), "completed") << again.ToString();
  EXPECT_EQ(Int(again, "successful_rows"), n);
  EXPECT_EQ(Count(c, "cut"), n);
  int64_t lines = 0;
  EXPECT_EQ(ExportedIds(c, "cut", &lines).size(), static_cast<size_t>(n));
  EXPECT_EQ(lines, n);
}

// The service is killed while an upload arrives and its job commits: after
// the restart the job ends failed with a clear error, the committed rows stay
// (once), and uploading again completes the dataset.
TEST_F(ServiceTest, SigkillDuringUploadFailsTheJobClearlyNothingLostOrDoubled) {
  const int n = 200000;
  StartServer({"--workers", "1"});
  auto c = server_->Client(kUser);
  const std::string data = testing::MakeJsonl(n, 4);
  std::string id;
  {
    RawUpload up(server_->port(), kUser, "killed",
                 FormPart("batch_size", "50") + FormPart("file", data, "k.jsonl") + FormEnd());
    ASSERT_TRUE(up.connected());
    ASSERT_TRUE(up.SendUpTo(up.size() / 2));
    ASSERT_TRUE(WaitForRows(c, "killed"));
    id = NewestImport(c, "killed");
    std::this_thread::sleep_for(std::chrono::milliseconds(600));  // progress persisted at least once
    server_->Kill();
  }
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(fs::exists(dir_.File("data") + "/jobs/" + id + "/upload.part"));
  ASSERT_TRUE(server_->Start()) << server_->stderr_text();
  auto c2 = server_->Client(kUser);
  JsonValue job = Wait(c2, "import", id);
  EXPECT_EQ(Str(job, "status"), "failed") << job.ToString();
  EXPECT_NE(Str(job, "error").find("cut off by a restart"), std::string::npos) << job.ToString();
  int64_t committed = Count(c2, "killed");
  EXPECT_GT(committed, 0);
  EXPECT_LT(committed, n);
  EXPECT_EQ(Int(job, "successful_rows"), committed) << job.ToString();
  EXPECT_FALSE(fs::exists(dir_.File("data") + "/jobs/" + id + "/upload.part"));
  int64_t lines = 0;
  EXPECT_EQ(ExportedIds(c2, "killed", &lines).size(), static_cast<size_t>(committed));
  EXPECT_EQ(lines, committed);

  JsonValue again = Wait(c2, "import", StartImport(c2, "killed", data, "k.jsonl", {{"mode", "skip_existing", "", ""}}));
  EXPECT_EQ(Str(again, "status"), "completed") << again.ToString();
  EXPECT_EQ(Int(again, "skipped_rows"), committed) << again.ToString();
  EXPECT_EQ(Count(c2, "killed"), n);
  EXPECT_EQ(ExportedIds(c2, "killed", &lines).size(), static_cast<size_t>(n));
  EXPECT_EQ(lines, n);
}

// Form fields after the file part (the seed's own order: file, format,
// batch_size). Ones that agree with the job apply, and so does batch_size
// (from the job's next batch on); ones that would change an import already
// parsing the upload are refused with a 400 that says so.
TEST_F(ServiceTest, FormFieldsAfterTheFile) {
  StartServer({"--workers", "1"});
  auto c = server_->Client(kUser);
  // The seed's order on a file large enough to be parsed as it arrives.
  const std::string big = testing::MakeJsonl(40000, 8);
  auto r = c.Post("/api/v1/datasets/after/import",
                  httplib::MultipartFormDataItems{{"file", big, "big.jsonl", "application/octet-stream"},
                                                  {"format", "jsonl", "", ""},
                                                  {"batch_size", "500", "", ""}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  JsonValue done = Wait(c, "import", Str(ParseJsonOrFail(r->body), "job_id"));
  EXPECT_EQ(Str(done, "status"), "completed") << done.ToString();
  EXPECT_EQ(Int(done, "successful_rows"), 40000);
  EXPECT_EQ(Int(done, "batch_size"), 500) << done.ToString();

  // batch_size after the file applies to the job already reading the upload,
  // from its next batch on: the job says which batch size it uses.
  {
    RawUpload up(server_->port(), kUser, "later-batch",
                 FormPart("file", big, "big.jsonl") + FormPart("batch_size", "7") + FormEnd());
    ASSERT_TRUE(up.connected());
    size_t file_end = up.size() - FormPart("batch_size", "7").size() - FormEnd().size();
    ASSERT_TRUE(up.SendUpTo(file_end));
    ASSERT_TRUE(WaitForRows(c, "later-batch"));
    std::string id = NewestImport(c, "later-batch");
    ASSERT_FALSE(id.empty());
    JsonValue running = ParseJsonOrFail(c.Get(("/api/v1/import/" + id).c_str())->body);
    EXPECT_EQ(Str(running, "status"), "running") << running.ToString();
    EXPECT_EQ(Int(running, "batch_size"), 100) << running.ToString();
    ASSERT_TRUE(up.SendUpTo(up.size()));
    int status = 0;
    std::string body = up.Response(&status);
    EXPECT_EQ(status, 200) << body;
    JsonValue later = Wait(c, "import", id);
    EXPECT_EQ(Str(later, "status"), "completed") << later.ToString();
    EXPECT_EQ(Int(later, "batch_size"), 7) << later.ToString();
    EXPECT_EQ(Int(later, "successful_rows"), 40000);
  }

  // A small upload is whole before its job starts: every field applies,
  // wherever it is.
  const std::string small = testing::MakeJsonl(100, 8, "s");
  r = c.Post("/api/v1/datasets/small/import",
             httplib::MultipartFormDataItems{{"file", small, "data.txt", "application/octet-stream"},
                                             {"format", "jsonl", "", ""}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Int(Wait(c, "import", Str(ParseJsonOrFail(r->body), "job_id")), "successful_rows"), 100);
  r = c.Post("/api/v1/datasets/small/import",
             httplib::MultipartFormDataItems{{"file", small, "data.txt", "application/octet-stream"},
                                             {"mode", "skip_existing", "", ""}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  JsonValue skipped = Wait(c, "import", Str(ParseJsonOrFail(r->body), "job_id"));
  EXPECT_EQ(Str(skipped, "status"), "completed") << skipped.ToString();
  EXPECT_EQ(Int(skipped, "skipped_rows"), 100) << skipped.ToString();

  // A field after the file that changes an import which started as the file
  // arrived: 400, nothing imported, no job left behind.
  r = c.Post("/api/v1/datasets/changed/import",
             httplib::MultipartFormDataItems{{"file", small, "small.jsonl", "application/octet-stream"},
                                             {"mode", "upsert", "", ""}});
  ExpectError(r, 400, "mode after the file");
  EXPECT_NE(r->body.find("after the 'file' part"), std::string::npos) << r->body;
  EXPECT_EQ(Count(c, "changed"), 0);
  EXPECT_TRUE(NewestImport(c, "changed").empty());

  // The same when the job has already committed rows: they stay, and the
  // 400 says how many and which job stopped.
  RawUpload up(server_->port(), kUser, "changed",
               FormPart("batch_size", "50") + FormPart("file", big, "big.jsonl") + FormPart("mode", "upsert") +
                   FormEnd());
  ASSERT_TRUE(up.connected());
  size_t file_end = up.size() - FormPart("mode", "upsert").size() - FormEnd().size();
  ASSERT_TRUE(up.SendUpTo(file_end));
  ASSERT_TRUE(WaitForRows(c, "changed"));
  ASSERT_TRUE(up.SendUpTo(up.size()));
  int status = 0;
  std::string body = up.Response(&status);
  EXPECT_EQ(status, 400) << body;
  EXPECT_NE(body.find("after the 'file' part"), std::string::npos) << body;
  EXPECT_NE(body.find("rows were committed before"), std::string::npos) << body;
  std::string id = NewestImport(c, "changed");
  ASSERT_FALSE(id.empty());
  EXPECT_NE(body.find(id), std::string::npos) << body;
  JsonValue stopped = Wait(c, "import", id);
  EXPECT_EQ(Str(stopped, "status"), "failed");
  EXPECT_EQ(Int(stopped, "successful_rows"), Count(c, "changed"));
}

// The upload limit at its edge: a form whose Content-Length is over the limit
// by less than the multipart allowance is read as it arrives; a file one byte
// over is answered 413 and leaves nothing, one of exactly the limit imports.
TEST_F(ServiceTest, UploadLimitAtTheBoundary) {
  StartServer({"--max-upload-mb", "1"});
  auto c = server_->Client(kUser);
  const size_t limit = 1u << 20;
  std::string rows = testing::MakeJsonl(8000, 8);
  ASSERT_GT(rows.size(), limit);
  // Whole records up to the limit, padded with blank lines to exactly it.
  std::string fits = rows.substr(0, rows.rfind('\n', limit - 1) + 1);
  int64_t fit_rows = std::count(fits.begin(), fits.end(), '\n');
  fits.resize(limit, '\n');
  std::string over = fits + "\n";
  ExpectError(Upload(c, "edge", over, "over.jsonl"), 413, "one byte over");
  EXPECT_EQ(Count(c, "edge"), 0);
  std::error_code ec;
  EXPECT_TRUE(fs::is_empty(dir_.File("data") + "/jobs", ec));
  JsonValue done = Wait(c, "import", StartImport(c, "edge", fits, "fits.jsonl"));
  EXPECT_EQ(Str(done, "status"), "completed") << done.ToString();
  EXPECT_EQ(Int(done, "successful_rows"), fit_rows);
  EXPECT_EQ(Count(c, "edge"), fit_rows);
}

}  // namespace
}  // namespace tributary
