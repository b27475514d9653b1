#include "tributary/server/http_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>

#include "tributary/core/json.h"
#include "tributary/core/log.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
#include "tributary/filter/filter.h"
#include "tributary/formats/format.h"
#include "tributary/jobs/audit_log.h"
#include "tributary/jobs/job_manager.h"
#include "tributary/pipeline/export.h"
#include "tributary/server/api_keys.h"
#include "tributary/server/buffered_server.h"
#include "tributary/server/metrics.h"
#include "tributary/server/multipart_reader.h"
#include "tributary/server/routes.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;
using httplib::ContentReader;
using httplib::Request;
using httplib::Response;

constexpr size_t kMaxJsonBody = 1 << 20;
constexpr size_t kMaxFormField = 64 << 10;
constexpr size_t kDownloadChunk = 1 << 20;
constexpr size_t kMaxRanges = 16;
constexpr uint64_t kMultipartOverhead = 1 << 20;
// An upload found over the limit while it streams (no Content-Length) is
// read and thrown away for up to this many more bytes before the 413 goes
// out, so a client still sending can finish and read the answer instead of
// meeting a reset connection.
constexpr uint64_t kOversizeDrainBytes = 8 << 20;

// The route template of the request being handled on this thread, and when
// it started, for the request metrics (set before routing, read by the
// logger after the response is written; both run on the connection's thread).
thread_local const char* t_route = nullptr;
thread_local std::chrono::steady_clock::time_point t_start;

const char* ErrorKind(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 411: return "length_required";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 416: return "range_not_satisfiable";
    case 503: return "service_unavailable";
    case 507: return "insufficient_storage";
    default: return status >= 500 ? "internal_error" : "error";
  }
}

void SendError(Response& res, int status, const std::string& detail) {
  std::string body = "{\"error\":";
  AppendJsonString(ErrorKind(status), &body);
  body += ",\"detail\":";
  AppendJsonString(detail, &body);
  body += '}';
  res.status = status;
  res.set_content(body, "application/json");
}

void SendJson(Response& res, std::string body, int status = 200) {
  res.status = status;
  res.set_content(body, "application/json");
}

// Requests are handled with const access, but httplib applies Range headers
// (req.ranges) to whatever response is sent, error bodies included. The
// handlers normalise or drop them; the Request object is httplib's own
// non-const local, so writing through this reference is well defined.
httplib::Ranges& MutableRanges(const Request& req) { return const_cast<Request&>(req).ranges; }

bool ParseInt(std::string_view s, int64_t* v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseBool(std::string_view s, bool* v) {
  if (s == "true" || s == "1" || s == "yes" || s == "on") *v = true;
  else if (s == "false" || s == "0" || s == "no" || s == "off" || s.empty()) *v = false;
  else return false;
  return true;
}

// The file name a client sent, reduced to a safe base name for messages and
// format detection; never used as a path.
std::string SafeFilename(const std::string& name) {
  std::string base = name;
  size_t slash = base.find_last_of("/\\");
  if (slash != std::string::npos) base = base.substr(slash + 1);
  std::string out;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    out.push_back(ok ? c : '_');
    if (out.size() >= 128) break;
  }
  return out;
}

std::string DatasetJson(const CollectionInfo& c) {
  std::string o = "{\"dataset_id\":";
  AppendJsonString(c.name, &o);
  o += ",\"tenant\":";
  AppendJsonString(c.tenant, &o);
  o += ",\"count\":";
  AppendInt(c.count, &o);
  o += ",\"dimension\":";
  AppendInt(c.dimension, &o);
  o += ",\"created_at\":";
  AppendJsonString(FormatTimestamp(c.created_at), &o);
  o += ",\"updated_at\":";
  AppendJsonString(FormatTimestamp(c.updated_at), &o);
  o += '}';
  return o;
}

// Streams a file (from an open descriptor) as the response body; httplib
// applies the request's (already validated) single range or multipart ranges.
void StreamFile(Response& res, int fd, uint64_t size, const std::string& content_type,
                std::function<void(uint64_t)> on_bytes) {
  if (size == 0) {
    ::close(fd);
    res.set_content("", content_type);
    return;
  }
  auto buf = std::make_shared<std::string>();
  res.set_content_provider(
      static_cast<size_t>(size), content_type,
      [fd, buf, on_bytes](size_t offset, size_t length, httplib::DataSink& sink) {
        if (buf->empty()) buf->resize(kDownloadChunk);
        size_t want = std::min(length, kDownloadChunk);
        ssize_t n = ::pread(fd, buf->data(), want, static_cast<off_t>(offset));
        if (n <= 0) return false;
        // Counted before the write: once a client holds the last byte, the
        // metrics already include it.
        if (on_bytes) on_bytes(static_cast<uint64_t>(n));
        if (!sink.write(buf->data(), static_cast<size_t>(n))) return false;
        return true;
      },
      [fd](bool) { ::close(fd); });
}

}  // namespace

Status ServeOptions::Validate() const {
  if (port < 0 || port > 65535) return Status::InvalidArgument("--port must be between 0 and 65535");
  if (tls_cert.empty() != tls_key.empty()) return Status::InvalidArgument("--tls-cert and --tls-key go together");
  if (http_threads < 1) return Status::InvalidArgument("--http-threads must be at least 1");
  if (workers < 0) return Status::InvalidArgument("--workers must not be negative");
  if (max_upload_bytes == 0) return Status::InvalidArgument("--max-upload-mb must be positive");
  if (retention_seconds < 0) return Status::InvalidArgument("--retention-hours must not be negative");
  if (sweep_interval_ms < 10) return Status::InvalidArgument("--sweep-interval-seconds is too small");
  return Status::OK();
}

struct ApiServer::Impl {
  ServeOptions options;
  std::unique_ptr<Store> store;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<KeyStore> keys;
  Metrics metrics;
  std::unique_ptr<JobManager> jobs;
  std::unique_ptr<httplib::Server> http;
  int64_t started_at = NowMicros();
  std::string openapi;
  // Stop() may come before Run() has started listening (a signal right after
  // start-up), when httplib's stop() does nothing: Run() then does not start,
  // and the stopping side retries until Run() returns.
  std::atomic<bool> stop_requested{false};
  std::mutex stop_mu;
  bool stopped = false;  // guarded by stop_mu: httplib's stop() was called

  using Handler = std::function<void(const Request&, Response&, const ApiKey&)>;
  using ReaderHandler = std::function<void(const Request&, Response&, const ContentReader&, const ApiKey&)>;

  // ---- auth ----

  // The caller's key, or nullopt after sending 401/403.
  std::optional<ApiKey> Authorize(const RouteSpec& route, const Request& req, Response& res) {
    std::string header = req.get_header_value("Authorization");
    std::string_view h(header);
    while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
    std::optional<ApiKey> key;
    if (h.size() > 7 && (h.substr(0, 7) == "ApiKey " || h.substr(0, 7) == "apikey " || h.substr(0, 7) == "APIKEY ")) {
      std::string_view k = h.substr(7);
      while (!k.empty() && k.front() == ' ') k.remove_prefix(1);
      while (!k.empty() && k.back() == ' ') k.remove_suffix(1);
      key = keys->Authenticate(k);
    }
    if (!key) {
      res.set_header("WWW-Authenticate", "ApiKey");
      SendError(res, 401, header.empty() ? "missing Authorization header; send 'Authorization: ApiKey <key>'"
                                         : "invalid API key");
      return std::nullopt;
    }
    if (route.admin && !key->admin) {
      SendError(res, 403, "this route needs an admin key");
      audit->Record({key->tenant, key->key_id, route.operation_id, "", "", "denied", "not an admin key"});
      return std::nullopt;
    }
    return key;
  }

  void Register(const RouteSpec& route, Handler fn) {
    std::string pattern = RoutePattern(route.path);
    auto wrapped = [this, &route, fn](const Request& req, Response& res) {
      t_route = route.path;
      MutableRanges(req).clear();  // only downloads honour ranges
      if (!route.auth) return fn(req, res, ApiKey{});
      auto key = Authorize(route, req, res);
      if (key) fn(req, res, *key);
    };
    std::string m = route.method;
    if (m == "GET") http->Get(pattern, wrapped);
    else if (m == "DELETE") http->Delete(pattern, wrapped);
    else if (m == "POST") http->Post(pattern, wrapped);
  }

  void RegisterDownload(const RouteSpec& route, Handler fn) {
    // Like Register, but keeps the request's ranges for the handler.
    std::string pattern = RoutePattern(route.path);
    http->Get(pattern, [this, &route, fn](const Request& req, Response& res) {
      t_route = route.path;
      auto key = Authorize(route, req, res);
      if (key) fn(req, res, *key);
    });
  }

  void RegisterWithBody(const RouteSpec& route, ReaderHandler fn) {
    std::string pattern = RoutePattern(route.path);
    auto wrapped = [this, &route, fn](const Request& req, Response& res, const ContentReader& reader) {
      t_route = route.path;
      MutableRanges(req).clear();
      auto key = Authorize(route, req, res);
      if (!key) {
        // The body was not read; the connection cannot be reused.
        res.set_header("Connection", "close");
        return;
      }
      fn(req, res, reader, *key);
    };
    if (std::string(route.method) == "POST") http->Post(pattern, wrapped);
    else http->Delete(pattern, wrapped);
  }

  // Reads a small JSON body (at most kMaxJsonBody bytes). Sends the error
  // and returns nullopt when it is too large, unreadable or not an object.
  std::optional<JsonValue> ReadJsonObject(const Request& req, Response& res, const ContentReader& reader) {
    if (req.is_multipart_form_data()) {
      res.set_header("Connection", "close");
      SendError(res, 415, "expected a JSON body (Content-Type: application/json), not multipart/form-data");
      return std::nullopt;
    }
    std::string body;
    bool too_large = false;
    bool ok = reader([&](const char* data, size_t n) {
      if (body.size() + n > kMaxJsonBody) {
        too_large = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (too_large) {
      res.set_header("Connection", "close");
      SendError(res, 413, "the JSON body is over " + std::to_string(kMaxJsonBody) + " bytes");
      return std::nullopt;
    }
    if (!ok) {
      SendError(res, 400, "cannot read the request body");
      return std::nullopt;
    }
    std::string_view b(body);
    while (!b.empty() && (b.front() == ' ' || b.front() == '\n' || b.front() == '\r' || b.front() == '\t')) {
      b.remove_prefix(1);
    }
    if (b.empty()) return JsonValue::Object();
    auto v = JsonValue::Parse(b);
    if (!v.ok()) {
      SendError(res, 400, "invalid JSON body: " + v.status().message());
      return std::nullopt;
    }
    if (!v->is_object()) {
      SendError(res, 400, "the JSON body must be an object");
      return std::nullopt;
    }
    return std::move(*v);
  }

  // ---- datasets ----

  void ListDatasets(const Request&, Response& res, const ApiKey& key) {
    auto list = store->ListCollections(key.tenant);
    if (!list.ok()) return Internal(res, list.status());
    std::string o = "{\"datasets\":[";
    for (size_t i = 0; i < list->size(); ++i) {
      if (i) o += ',';
      o += DatasetJson((*list)[i]);
    }
    o += "],\"count\":";
    AppendInt(static_cast<int64_t>(list->size()), &o);
    o += '}';
    SendJson(res, std::move(o));
  }

  bool CheckDatasetId(const std::string& id, Response& res) {
    if (IsValidName(id)) return true;
    SendError(res, 400, "invalid dataset id: use 1 to 128 letters, digits, '.', '_' or '-'");
    return false;
  }

  void GetDataset(const Request& req, Response& res, const ApiKey& key) {
    std::string id = req.matches[1];
    if (!CheckDatasetId(id, res)) return;
    auto info = store->GetCollection({key.tenant, id});
    if (!info.ok()) {
      if (info.status().IsNotFound()) return SendError(res, 404, "no dataset '" + id + "'");
      return Internal(res, info.status());
    }
    SendJson(res, DatasetJson(*info));
  }

  void DeleteDataset(const Request& req, Response& res, const ApiKey& key) {
    std::string id = req.matches[1];
    if (!CheckDatasetId(id, res)) return;
    auto info = store->GetCollection({key.tenant, id});
    if (!info.ok()) {
      if (info.status().IsNotFound()) return SendError(res, 404, "no dataset '" + id + "'");
      return Internal(res, info.status());
    }
    if (jobs->HasActiveJobs(key.tenant, id)) {
      return SendError(res, 409, "dataset '" + id + "' has queued or running jobs; cancel them or wait");
    }
    Status st = store->DropCollection({key.tenant, id});
    if (!st.ok()) {
      if (st.IsNotFound()) return SendError(res, 404, "no dataset '" + id + "'");
      return Internal(res, st);
    }
    audit->Record({key.tenant, key.key_id, "dataset.delete", id, "", "completed",
                   std::to_string(info->count) + " records"});
    std::string o = DatasetJson(*info);
    o.pop_back();
    o += ",\"deleted\":true}";
    SendJson(res, std::move(o));
  }

  // ---- import ----

  void StartImport(const Request& req, Response& res, const ContentReader& reader, const ApiKey& key) {
    const std::string dataset = req.matches[1];
    if (!IsValidName(dataset)) {
      res.set_header("Connection", "close");
      return SendError(res, 400, "invalid dataset id: use 1 to 128 letters, digits, '.', '_' or '-'");
    }
    auto reject = [&](int status, const std::string& detail) {
      audit->Record({key.tenant, key.key_id, "import.create", dataset, "", "rejected", detail});
      SendError(res, status, detail);
    };
    if (!req.is_multipart_form_data()) {
      res.set_header("Connection", "close");
      return reject(415, "expected multipart/form-data with a 'file' field");
    }
    const std::string boundary = MultipartReader::BoundaryOf(req.get_header_value("Content-Type"));
    if (boundary.empty()) {
      res.set_header("Connection", "close");
      return reject(400, "multipart/form-data without a valid boundary parameter");
    }
    uint64_t declared = 0;
    if (req.has_header("Content-Length")) {
      int64_t v = 0;
      if (ParseInt(req.get_header_value("Content-Length"), &v) && v > 0) declared = static_cast<uint64_t>(v);
    }
    if (declared > options.max_upload_bytes + kMultipartOverhead) {
      res.set_header("Connection", "close");
      return reject(413, "the upload is " + std::to_string(declared) + " bytes; the limit is " +
                             std::to_string(options.max_upload_bytes));
    }
    std::string jobs_dir = options.data_dir + "/jobs";
    struct statvfs vfs;
    if (::statvfs(jobs_dir.c_str(), &vfs) == 0) {
      uint64_t avail = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
      if (avail < options.min_free_bytes + declared) {
        res.set_header("Connection", "close");
        return reject(507, "not enough free disk for this upload (" + std::to_string(declared) + " bytes)");
      }
    }

    const std::string id = NewJobId();
    auto dir = jobs->PrepareJobDir(id);
    if (!dir.ok()) {
      res.set_header("Connection", "close");
      return Internal(res, dir.status());
    }
    // The upload spools to upload.part. When the Content-Length proves the
    // file is within the limit, the job starts as soon as the file part
    // begins (and its format is known) and parses the upload as it arrives;
    // otherwise (chunked, or close to the limit) it starts once the upload is
    // complete, so an oversize upload never reaches the store.
    const bool may_stream = declared > 0 && declared <= options.max_upload_bytes;
    std::shared_ptr<UploadFeed> feed = jobs->BeginUpload(id, static_cast<int64_t>(declared));
    struct EndUpload {
      JobManager* jobs;
      const std::string& id;
      ~EndUpload() { jobs->EndUpload(id); }
    } end_upload{jobs.get(), id};
    if (int e = feed->Open()) {
      jobs->DiscardJobDir(id);
      res.set_header("Connection", "close");
      return Internal(res, Status::IOError(std::string("cannot create a spool file: ") + std::strerror(e)));
    }

    static const char* kFields[] = {"file", "format", "batch_size", "mode", "skip_existing", "mapping", "map",
                                    "unknown_fields", "generate_ids", "dimension", "max_errors", "allow_non_finite"};
    constexpr size_t kHeadBytes = 64 << 10;
    std::string part;
    std::string filename;
    std::map<std::string, std::vector<std::string>> fields;
    int files = 0;
    uint64_t bytes = 0;
    std::string head;  // the file's first kHeadBytes, for format detection
    int write_errno = 0;
    bool too_large = false;
    std::string bad;

    // The form fields, parsed into p; an error message, or empty.
    auto parse_fields = [&](ImportJobParams* p) -> std::string {
      auto one = [&](const char* name) -> const std::string* {
        auto it = fields.find(name);
        return it == fields.end() ? nullptr : &it->second.back();
      };
      if (auto* v = one("format"); v && !v->empty()) {
        auto f = ParseFormatName(*v);
        if (!f.ok()) return "format: " + f.status().message();
        p->format = *f;
      }
      if (auto* v = one("batch_size"); v && !v->empty()) {
        int64_t n = 0;
        if (!ParseInt(*v, &n) || n < 1 || n > static_cast<int64_t>(kMaxBatchSize)) {
          return "batch_size must be an integer between 1 and " + std::to_string(kMaxBatchSize);
        }
        p->batch_size = static_cast<size_t>(n);
      }
      if (auto* v = one("mode"); v && !v->empty()) {
        auto m = ParseWriteMode(*v);
        if (!m.ok()) return "mode: " + m.status().message();
        p->mode = *m;
      }
      if (auto* v = one("skip_existing")) {
        bool b = false;
        if (!ParseBool(*v, &b)) return "skip_existing must be true or false";
        if (b) {
          if (one("mode") && p->mode != WriteMode::kSkipExisting) {
            return "skip_existing=true contradicts mode=" + *one("mode");
          }
          p->mode = WriteMode::kSkipExisting;
        }
      }
      if (auto* v = one("mapping"); v && !v->empty()) {
        auto m = JsonValue::Parse(*v);
        if (!m.ok() || !m->is_object()) return "mapping must be a JSON object such as {\"values\": \"embedding\"}";
        for (const auto& [field, source] : m->members()) {
          if (!source.is_string()) return "mapping: the source of '" + field + "' must be a string";
          p->mappings.push_back(field + "=" + source.str());
        }
      }
      if (auto it = fields.find("map"); it != fields.end()) {
        for (const std::string& m : it->second) p->mappings.push_back(m);
      }
      {
        FieldMapping check;
        for (const std::string& m : p->mappings) {
          Status st = check.Add(m);
          if (!st.ok()) return "mapping: " + st.message();
        }
      }
      if (auto* v = one("unknown_fields"); v && !v->empty()) {
        auto u = ParseUnknownFieldPolicy(*v);
        if (!u.ok()) return "unknown_fields: " + u.status().message();
        p->unknown_fields = *u;
      }
      if (auto* v = one("generate_ids"); v && !v->empty()) {
        auto g = ParseIdGeneration(*v);
        if (!g.ok()) return "generate_ids: " + g.status().message();
        p->generate_ids = *g;
      }
      if (auto* v = one("dimension"); v && !v->empty()) {
        int64_t n = 0;
        if (!ParseInt(*v, &n) || n < 0 || n > 65536) return "dimension must be an integer between 0 and 65536";
        p->dimension = static_cast<int32_t>(n);
      }
      if (auto* v = one("max_errors"); v && !v->empty()) {
        int64_t n = 0;
        if (!ParseInt(*v, &n) || n < -1) return "max_errors must be an integer >= -1";
        p->max_errors = n;
      }
      if (auto* v = one("allow_non_finite")) {
        if (!ParseBool(*v, &p->allow_non_finite)) return "allow_non_finite must be true or false";
      }
      return "";
    };
    // The format: given, else from the file name, else from the content
    // (once its head has arrived, or the whole file if shorter).
    auto resolve_format = [&](const ImportJobParams& p, bool whole) -> std::optional<Format> {
      if (p.format) return *p.format;
      if (auto f = FormatFromPath(filename)) return *f;
      if (!whole && head.size() < kHeadBytes) return std::nullopt;
      if (head.empty()) return Format::kJsonl;
      return FormatFromContent(head);
    };

    JobState job;
    job.id = id;
    job.kind = JobKind::kImport;
    job.tenant = key.tenant;
    job.dataset = dataset;
    job.key_id = key.key_id;
    bool submitted = false;
    bool streaming = may_stream;  // still hoping to start before the upload ends
    ImportJobParams started;      // what a streaming job was started with
    std::string submit_error;
    auto submit = [&](ImportJobParams p, Format format, uint64_t total) -> bool {
      p.filename = filename;
      p.format = format;
      job.format = format;
      job.params_json = p.ToJson();
      job.bytes_total = total;
      auto r = jobs->Submit(job);
      if (!r.ok()) {
        submit_error = r.status().message();
        return false;
      }
      started = std::move(p);
      submitted = true;
      return true;
    };
    // Starts the job while the upload arrives, once the fields before the
    // file and the format are known.
    auto try_stream = [&]() {
      ImportJobParams p;
      std::string err = parse_fields(&p);
      if (!err.empty()) {
        bad = err;
        return false;
      }
      auto format = resolve_format(p, false);
      if (!format) {
        if (head.size() >= kHeadBytes) streaming = false;  // the content does not tell; wait for a 'format' field
        return true;
      }
      if (!submit(std::move(p), *format, declared)) {
        streaming = false;
        return true;
      }
      return true;
    };

    // The body is read raw and parsed here: httplib's own form parser is
    // skipped (it is told the body is opaque while it is read) because it
    // copies and scans the upload a byte at a time.
    MultipartReader form(
        boundary,
        [&](const MultipartReader::Part& f) {
          part = f.name;
          if (std::find(std::begin(kFields), std::end(kFields), part) == std::end(kFields)) {
            bad = "unknown form field '" + SafeFilename(part) + "'";
            return false;
          }
          if (part == "file") {
            if (++files > 1) {
              bad = "more than one 'file' field";
              return false;
            }
            filename = SafeFilename(f.filename);
            if (streaming && !submitted) return try_stream();
          } else {
            auto& values = fields[part];
            if (values.size() >= 64) {
              bad = "too many '" + part + "' fields";
              return false;
            }
            values.emplace_back();
          }
          return true;
        },
        [&](const char* data, size_t n) {
          if (part == "file") {
            bytes += n;
            if (bytes > options.max_upload_bytes) {
              too_large = true;
              return bytes <= options.max_upload_bytes + kOversizeDrainBytes;  // drain, keep nothing
            }
            if (head.size() < kHeadBytes) {
              head.append(data, std::min(n, kHeadBytes - head.size()));
              if (streaming && !submitted && head.size() >= kHeadBytes && !try_stream()) return false;
            }
            write_errno = feed->Write(data, n);
            return write_errno == 0;
          }
          std::string& v = fields[part].back();
          if (v.size() + n > kMaxFormField) {
            bad = "form field '" + part + "' is over " + std::to_string(kMaxFormField) + " bytes";
            return false;
          }
          v.append(data, n);
          return true;
        });
    bool ok;
    httplib::Stream* conn = CurrentConnection();
    if (conn != nullptr && declared > 0 && !req.has_header("Transfer-Encoding") &&
        !req.has_header("Content-Encoding")) {
      // The body goes straight from the socket into the spool's memory
      // (UploadFeed::ReceiveSpace) and is parsed there: the file's bytes are
      // written out and read by the job from where the kernel put them.
      uint64_t remaining = declared;
      const char* unused = nullptr;
      ok = true;
      while (remaining > 0) {
        char* at;
        size_t room;
        if (int e = feed->ReceiveSpace(&unused, &at, &room)) {
          write_errno = e;
          ok = false;
          break;
        }
        ssize_t got = conn->read(at, static_cast<size_t>(std::min<uint64_t>(room, remaining)));
        if (got <= 0) {
          ok = false;
          break;
        }
        feed->Received(static_cast<size_t>(got));
        remaining -= static_cast<uint64_t>(got);
        size_t used = form.Consume(unused, static_cast<size_t>(at + got - unused));
        if (used == MultipartReader::kStop) {
          ok = false;
          break;
        }
        unused += used;
      }
      // The rest of an unread body would be taken for the next request.
      if (remaining > 0) res.set_header("Connection", "close");
    } else {
      auto& headers = const_cast<Request&>(req).headers;  // httplib's own non-const Request
      auto ct = headers.find("Content-Type");
      std::string content_type = ct->second;
      ct->second = "application/octet-stream";
      ok = reader([&](const char* data, size_t n) { return form.Feed(data, n); });
      ct->second = std::move(content_type);
    }
    if (ok) ok = form.Finish();
    if (!ok && bad.empty() && !form.error().empty()) bad = "malformed multipart/form-data body: " + form.error();
    if (ok) write_errno = feed->Close();

    // A broken upload: nothing was submitted (the directory goes), or the job
    // reading it fails with the reason; rows it committed before stay, and
    // the job says how many.
    auto discard = [&](int status, const std::string& detail) {
      if (status == 413 || status == 507) res.set_header("Connection", "close");
      if (!submitted) {
        jobs->DiscardJobDir(id);
        return reject(status, detail);
      }
      auto end = jobs->AbortUpload(feed, id, "the upload failed: " + detail);
      if (end && IsFinal(end->status) && end->successful_rows == 0 && end->skipped_rows == 0) {
        jobs->Forget(id);  // nothing was imported: as if the upload had been rejected up front
        return reject(status, detail);
      }
      std::string d = detail + "; import job " + id + " stopped";
      if (end) {
        d += " (" + std::string(JobStatusName(end->status)) + ", " + std::to_string(end->successful_rows) +
             " rows were committed before)";
      }
      reject(status, d);
    };
    if (too_large) {
      return discard(413, "the file is over the upload limit of " + std::to_string(options.max_upload_bytes) +
                              " bytes");
    }
    if (write_errno == ENOSPC || write_errno == EDQUOT) return discard(507, "the disk filled up during the upload");
    if (write_errno != 0) return discard(500, std::string("cannot write the upload: ") + std::strerror(write_errno));
    if (!bad.empty()) return discard(400, bad);
    if (!ok) {
      if (res.status == 413) return discard(413, "the upload is over the size limit");
      if (!LastReadFailure().empty()) {
        return discard(400, "the upload broke off after " + std::to_string(bytes) + " bytes of the file: " +
                                LastReadFailure());
      }
      return discard(400, "malformed multipart/form-data body (truncated, or a broken boundary or part header)");
    }
    if (files == 0) return discard(400, "the form has no 'file' field");

    // Every field, the ones after the file included.
    ImportJobParams p;
    if (std::string err = parse_fields(&p); !err.empty()) return discard(400, err);
    p.filename = filename;
    p.upload_bytes = bytes;
    auto format = resolve_format(p, true);
    if (!format) return discard(400, "cannot tell the file's format from its name or content; give 'format'");
    p.format = *format;
    if (submitted) {
      // The job started with the fields before the file. Fields after it may
      // repeat them (the seed puts format and batch_size last) but not change
      // what is imported. batch_size only sets the transaction size: the job
      // takes a new one from its next batch on.
      ImportJobParams a = started, b = p;
      a.batch_size = b.batch_size = 0;
      a.upload_bytes = b.upload_bytes = 0;
      if (a.ToJson() != b.ToJson()) {
        return discard(400,
                       "form fields after the 'file' part change the import (format, mode, mapping, ...), which "
                       "started as the file arrived; send them before the file");
      }
      if (p.batch_size != started.batch_size) {
        if (Status st = jobs->SetImportBatchSize(id, p.batch_size); !st.ok()) return discard(500, st.message());
      }
    }
    const bool streamed = submitted;
    if (Status complete = feed->Complete(); !complete.ok()) return discard(500, complete.message());
    if (!submitted && !submit(p, *format, bytes)) return discard(503, submit_error);
    metrics.CountBytes(JobKind::kImport, key.tenant, "uploaded", bytes);
    audit->Record({key.tenant, key.key_id, "import.create", dataset, id, "accepted",
                   std::to_string(bytes) + " bytes, " + std::string(FormatName(*format))});
    Log(LogLevel::kInfo, "import " + id + " (" + key.tenant + "/" + dataset + "): " + std::to_string(bytes) +
                             " bytes of " + std::string(FormatName(*format)) +
                             (streamed ? ", parsed as it arrived" : ""));
    auto now = jobs->Get(key.tenant, JobKind::kImport, id);
    if (!now) return Internal(res, Status::IOError("the import job is gone"));
    SendJson(res, ImportJobJson(*now));
  }

  // ---- export ----

  void StartExport(const Request& req, Response& res, const ContentReader& reader, const ApiKey& key) {
    const std::string dataset = req.matches[1];
    auto body = ReadJsonObject(req, res, reader);
    if (!body) return;
    if (!CheckDatasetId(dataset, res)) return;
    auto reject = [&](int status, const std::string& detail) {
      audit->Record({key.tenant, key.key_id, "export.create", dataset, "", "rejected", detail});
      SendError(res, status, detail);
    };
    ExportJobParams p;
    for (const auto& [name, v] : body->members()) {
      if (name == "format") {
        if (v.is_null()) continue;
        if (!v.is_string()) return reject(400, "format must be a string: csv, tsv, json or jsonl");
        auto f = ParseFormatName(v.str());
        if (!f.ok()) return reject(400, "format: " + f.status().message());
        p.format = *f;
      } else if (name == "limit") {
        if (v.is_null()) continue;
        if (!v.is_number() || !v.is_integer() || v.int_value() < 0) {
          return reject(400, "limit must be a non-negative integer");
        }
        p.limit = v.int_value();
      } else if (name == "filters" || name == "filter") {
        if (v.is_null()) continue;
        if (v.is_string()) {
          p.filter_json = v.str();
        } else if (v.is_object()) {
          p.filter_json = v.ToString();
        } else {
          return reject(400, "filters must be a JSON object or a JSON-encoded string");
        }
      } else {
        return reject(400, "unknown field '" + name + "' (expected format, limit, filters)");
      }
    }
    auto filter = Filter::Parse(p.filter_json);
    if (!filter.ok()) return reject(400, "filters: " + filter.status().message());
    CollectionRef ref{key.tenant, dataset};
    auto info = store->GetCollection(ref);
    if (!info.ok()) {
      if (info.status().IsNotFound()) return reject(404, "no dataset '" + dataset + "'");
      return Internal(res, info.status());
    }
    int64_t total = info->count;
    if (!filter->matches_all()) {
      auto n = store->Count(ref, &*filter);
      if (!n.ok()) return reject(400, "filters: " + n.status().message());
      total = *n;
    }
    if (p.limit >= 0) total = std::min(total, p.limit);

    JobState job;
    job.id = NewJobId();
    job.kind = JobKind::kExport;
    job.tenant = key.tenant;
    job.dataset = dataset;
    job.key_id = key.key_id;
    job.format = p.format;
    job.params_json = p.ToJson();
    job.total_vectors = total;
    auto dir = jobs->PrepareJobDir(job.id);
    if (!dir.ok()) return Internal(res, dir.status());
    auto submitted = jobs->Submit(job);
    if (!submitted.ok()) {
      jobs->DiscardJobDir(job.id);
      return reject(503, submitted.status().message());
    }
    audit->Record({key.tenant, key.key_id, "export.create", dataset, job.id, "accepted",
                   std::string(FormatName(p.format)) + ", " + std::to_string(total) + " records"});
    Log(LogLevel::kInfo, "export " + job.id + " (" + key.tenant + "/" + dataset + "): queued, " +
                             std::to_string(total) + " records as " + std::string(FormatName(p.format)));
    auto now = jobs->Get(key.tenant, JobKind::kExport, job.id);
    SendJson(res, ExportJobJson(now ? *now : *submitted));
  }

  // ---- jobs ----

  std::optional<JobState> FindJob(const Request& req, Response& res, const ApiKey& key, JobKind kind) {
    std::string id = req.matches[1];
    auto job = jobs->Get(key.tenant, kind, id);
    if (!job) {
      SendError(res, 404, "no " + std::string(JobKindName(kind)) + " job '" + (id.size() <= 64 ? id : id.substr(0, 64)) + "'");
    }
    return job;
  }

  void GetJob(const Request& req, Response& res, const ApiKey& key, JobKind kind) {
    if (auto job = FindJob(req, res, key, kind)) SendJson(res, JobJson(*job));
  }

  void ListJobs(const Request& req, Response& res, const ApiKey& key, JobKind kind) {
    std::optional<JobStatus> status;
    if (req.has_param("status")) {
      auto s = ParseJobStatus(req.get_param_value("status"));
      if (!s.ok()) return SendError(res, 400, s.status().message());
      status = *s;
    }
    std::string dataset = req.get_param_value("dataset_id");
    int64_t limit = 100;
    if (req.has_param("limit")) {
      if (!ParseInt(req.get_param_value("limit"), &limit) || limit < 1 || limit > 10000) {
        return SendError(res, 400, "limit must be an integer between 1 and 10000");
      }
    }
    std::string o = "{\"jobs\":[";
    int64_t n = 0;
    for (const JobState& j : jobs->List(key.tenant, kind)) {
      if (status && j.status != *status) continue;
      if (!dataset.empty() && j.dataset != dataset) continue;
      if (n == limit) break;
      if (n++) o += ',';
      o += JobJson(j);
    }
    o += "],\"count\":";
    AppendInt(n, &o);
    o += '}';
    SendJson(res, std::move(o));
  }

  void CancelJob(const Request& req, Response& res, const ApiKey& key, JobKind kind) {
    auto job = FindJob(req, res, key, kind);
    if (!job) return;
    if (IsFinal(job->status)) {
      return SendError(res, 409, "the job is already " + std::string(JobStatusName(job->status)));
    }
    auto r = jobs->Cancel(key.tenant, kind, job->id);
    if (!r.ok()) return SendError(res, 404, "no such job");
    audit->Record({key.tenant, key.key_id, std::string(JobKindName(kind)) + ".cancel", job->dataset, job->id,
                   std::string(JobStatusName(r->status)), ""});
    SendJson(res, JobJson(*r));
  }

  void ImportErrors(const Request& req, Response& res, const ApiKey& key) {
    auto job = FindJob(req, res, key, JobKind::kImport);
    if (!job) return;
    int fd = ::open(jobs->ErrorsPath(job->id).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      res.set_content("", "application/x-ndjson");
      return;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return Internal(res, Status::IOError("cannot read the job's error list"));
    }
    StreamFile(res, fd, static_cast<uint64_t>(st.st_size), "application/x-ndjson", nullptr);
  }

  void Download(const Request& req, Response& res, const ApiKey& key) {
    auto job = FindJob(req, res, key, JobKind::kExport);
    if (!job) {
      MutableRanges(req).clear();
      return;
    }
    auto fail = [&](int status, const std::string& detail) {
      MutableRanges(req).clear();
      SendError(res, status, detail);
    };
    if (job->status != JobStatus::kCompleted) {
      return fail(409, "the export is " + std::string(JobStatusName(job->status)) + "; there is nothing to download");
    }
    int fd = ::open(jobs->ExportPath(*job).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(404, "the export's file is no longer available");
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return fail(500, "cannot read the export's file");
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    const std::string etag = "\"" + job->sha256 + "\"";

    // Ranges: httplib parsed the header; check each against the size (it
    // does not), resolve suffix and open ranges, and honour If-Range.
    auto& ranges = MutableRanges(req);
    if (!ranges.empty() && req.has_header("If-Range") && req.get_header_value("If-Range") != etag) ranges.clear();
    if (ranges.size() > kMaxRanges) ranges.clear();
    if (!ranges.empty()) {
      httplib::Ranges fixed;
      const auto ssize = static_cast<ssize_t>(size);
      for (auto [first, last] : ranges) {
        if (first == -1) {  // the last `last` bytes
          if (last <= 0) continue;
          first = std::max<ssize_t>(0, ssize - last);
          last = ssize - 1;
        } else {
          if (first >= ssize) continue;
          if (last == -1 || last >= ssize) last = ssize - 1;
        }
        fixed.emplace_back(first, last);
      }
      if (fixed.empty()) {
        ::close(fd);
        res.set_header("Content-Range", "bytes */" + std::to_string(size));
        return fail(416, "the requested range is outside the file (" + std::to_string(size) + " bytes)");
      }
      ranges = std::move(fixed);
    }
    const std::string ext(FormatExtension(job->format));
    res.set_header("ETag", etag);
    res.set_header("Accept-Ranges", "bytes");
    res.set_header("Content-Disposition", "attachment; filename=\"" + job->dataset + "-" + job->id.substr(0, 8) +
                                               "." + ext + "\"");
    res.set_header("X-Content-SHA256", job->sha256);
    if (size == 0) ranges.clear();
    audit->Record({key.tenant, key.key_id, "export.download", job->dataset, job->id,
                   ranges.empty() ? "full" : "partial", ""});
    std::string tenant = key.tenant;
    StreamFile(res, fd, size, std::string(FormatContentType(job->format)),
               [this, tenant](uint64_t n) { metrics.CountBytes(JobKind::kExport, tenant, "downloaded", n); });
  }

  // ---- admin, monitoring ----

  void Cleanup(const Request& req, Response& res, const ContentReader& reader, const ApiKey& key) {
    auto body = ReadJsonObject(req, res, reader);
    if (!body) return;
    double hours = 24;
    for (const auto& [name, v] : body->members()) {
      if (name != "max_age_hours") return SendError(res, 400, "unknown field '" + name + "' (expected max_age_hours)");
      if (v.is_null()) continue;
      if (!v.is_number() || v.number() < 0 || v.number() > 1e6) {
        return SendError(res, 400, "max_age_hours must be a number between 0 and 1000000");
      }
      hours = v.number();
    }
    int64_t cutoff = NowMicros() - static_cast<int64_t>(hours * 3600.0 * 1e6);
    JobManager::Removed r = jobs->RemoveFinishedBefore(cutoff, "");
    audit->Record({key.tenant, key.key_id, "jobs.cleanup", "", "", "completed",
                   "removed " + std::to_string(r.jobs) + " jobs finished over " + std::to_string(hours) + " hours ago"});
    std::string o = "{\"removed_jobs\":";
    AppendInt(r.jobs, &o);
    o += ",\"freed_bytes\":";
    AppendInt(static_cast<int64_t>(r.bytes), &o);
    o += ",\"max_age_hours\":";
    JsonValue::Number(hours).AppendTo(&o);
    o += '}';
    SendJson(res, std::move(o));
  }

  void ServeMetrics(const Request&, Response& res, const ApiKey&) {
    res.status = 200;
    res.set_content(metrics.Render(jobs->Snapshot()), "text/plain; version=0.0.4; charset=utf-8");
  }

  void ServeStats(const Request&, Response& res, const ApiKey& key) {
    auto list = store->ListCollections(key.tenant);
    if (!list.ok()) return Internal(res, list.status());
    int64_t records = 0;
    for (const auto& c : *list) records += c.count;
    std::map<std::string, std::map<std::string, int64_t>> by;
    int64_t imported = 0, failed = 0, exported = 0;
    for (const char* k : {"import", "export"}) {
      for (JobStatus s : {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kCompleted,
                          JobStatus::kCompletedWithErrors, JobStatus::kFailed, JobStatus::kCancelled}) {
        by[k][std::string(JobStatusName(s))] = 0;
      }
    }
    for (const JobState& j : jobs->Snapshot()) {
      if (j.tenant != key.tenant) continue;
      by[std::string(JobKindName(j.kind))][std::string(JobStatusName(j.status))] += 1;
      if (j.kind == JobKind::kImport) {
        imported += j.successful_rows;
        failed += j.failed_rows;
      } else {
        exported += j.exported_vectors;
      }
    }
    std::string o = "{\"tenant\":";
    AppendJsonString(key.tenant, &o);
    o += ",\"datasets\":";
    AppendInt(static_cast<int64_t>(list->size()), &o);
    o += ",\"records\":";
    AppendInt(records, &o);
    o += ",\"jobs\":{";
    bool first = true;
    for (const auto& [kind, counts] : by) {
      if (!first) o += ',';
      first = false;
      AppendJsonString(kind, &o);
      o += ":{";
      bool f2 = true;
      for (const auto& [s, n] : counts) {
        if (!f2) o += ',';
        f2 = false;
        AppendJsonString(s, &o);
        o += ':';
        AppendInt(n, &o);
      }
      o += '}';
    }
    o += "},\"rows_imported\":";
    AppendInt(imported, &o);
    o += ",\"rows_failed\":";
    AppendInt(failed, &o);
    o += ",\"rows_exported\":";
    AppendInt(exported, &o);
    o += ",\"workers\":";
    AppendInt(jobs->workers(), &o);
    o += ",\"uptime_seconds\":";
    AppendInt((NowMicros() - started_at) / 1000000, &o);
    o += ",\"version\":\"" TRIBUTARY_VERSION "\"}";
    SendJson(res, std::move(o));
  }

  void Health(const Request&, Response& res, const ApiKey&) {
    std::string o = "{\"status\":\"ok\",\"version\":\"" TRIBUTARY_VERSION "\",\"uptime_seconds\":";
    AppendInt((NowMicros() - started_at) / 1000000, &o);
    o += '}';
    SendJson(res, std::move(o));
  }

  void OpenApi(const Request&, Response& res, const ApiKey&) { SendJson(res, openapi); }

  void Internal(Response& res, const Status& st) {
    Log(LogLevel::kError, "internal error: " + st.ToString());
    SendError(res, 500, "internal error; see the server log");
  }

  // ---- setup ----

  Status Setup() {
    std::map<std::string, Handler> plain = {
        {"health", [this](auto& q, auto& r, auto& k) { Health(q, r, k); }},
        {"openapi", [this](auto& q, auto& r, auto& k) { OpenApi(q, r, k); }},
        {"listDatasets", [this](auto& q, auto& r, auto& k) { ListDatasets(q, r, k); }},
        {"getDataset", [this](auto& q, auto& r, auto& k) { GetDataset(q, r, k); }},
        {"deleteDataset", [this](auto& q, auto& r, auto& k) { DeleteDataset(q, r, k); }},
        {"listImports", [this](auto& q, auto& r, auto& k) { ListJobs(q, r, k, JobKind::kImport); }},
        {"getImport", [this](auto& q, auto& r, auto& k) { GetJob(q, r, k, JobKind::kImport); }},
        {"cancelImport", [this](auto& q, auto& r, auto& k) { CancelJob(q, r, k, JobKind::kImport); }},
        {"getImportErrors", [this](auto& q, auto& r, auto& k) { ImportErrors(q, r, k); }},
        {"listExports", [this](auto& q, auto& r, auto& k) { ListJobs(q, r, k, JobKind::kExport); }},
        {"getExport", [this](auto& q, auto& r, auto& k) { GetJob(q, r, k, JobKind::kExport); }},
        {"cancelExport", [this](auto& q, auto& r, auto& k) { CancelJob(q, r, k, JobKind::kExport); }},
        {"metrics", [this](auto& q, auto& r, auto& k) { ServeMetrics(q, r, k); }},
        {"stats", [this](auto& q, auto& r, auto& k) { ServeStats(q, r, k); }},
    };
    std::map<std::string, ReaderHandler> with_body = {
        {"startImport", [this](auto& q, auto& r, auto& c, auto& k) { StartImport(q, r, c, k); }},
        {"startExport", [this](auto& q, auto& r, auto& c, auto& k) { StartExport(q, r, c, k); }},
        {"cleanupJobs", [this](auto& q, auto& r, auto& c, auto& k) { Cleanup(q, r, c, k); }},
    };
    // Longer patterns first, so "/import/{id}/errors" is never taken for "/import/{id}".
    std::vector<const RouteSpec*> order;
    for (const RouteSpec& r : Routes()) order.push_back(&r);
    std::stable_sort(order.begin(), order.end(), [](const RouteSpec* a, const RouteSpec* b) {
      return std::strlen(a->path) > std::strlen(b->path);
    });
    for (const RouteSpec* r : order) {
      std::string op = r->operation_id;
      if (op == "downloadExport") {
        RegisterDownload(*r, [this](auto& q, auto& s, auto& k) { Download(q, s, k); });
      } else if (auto it = plain.find(op); it != plain.end()) {
        Register(*r, it->second);
      } else if (auto it2 = with_body.find(op); it2 != with_body.end()) {
        RegisterWithBody(*r, it2->second);
      } else {
        return Status::Internal(std::string("no handler for route ") + r->method + " " + r->path);
      }
    }

    http->set_pre_routing_handler([](const Request&, Response&) {
      t_route = nullptr;
      t_start = std::chrono::steady_clock::now();
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Every error is JSON, including httplib's own (unknown route, bad
    // request line, unparseable Range, body over the limit).
    http->set_error_handler(httplib::Server::HandlerWithResponse([](const Request& req, Response& res) {
      MutableRanges(req).clear();
      if (!res.body.empty() || res.content_provider_) return httplib::Server::HandlerResponse::Unhandled;
      std::string detail;
      switch (res.status) {
        case 404: detail = "no route " + req.method + " " + req.path; break;
        case 413: detail = "the request body is over the size limit"; break;
        case 416: detail = "unparseable Range header"; break;
        case 400: detail = "malformed request"; break;
        default: detail = "HTTP status " + std::to_string(res.status); break;
      }
      SendError(res, res.status, detail);
      return httplib::Server::HandlerResponse::Handled;
    }));
    http->set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
      std::string what = "unknown";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      Log(LogLevel::kError, "unhandled exception in a request: " + what);
      SendError(res, 500, "internal error; see the server log");
    });
    http->set_logger([this](const Request& req, const Response& res) {
      double secs = t_route ? std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count() : 0;
      const char* route = t_route ? t_route : "unmatched";
      metrics.CountRequest(req.method, route, res.status, secs);
      if (LogEnabled(LogLevel::kDebug)) {
        Log(LogLevel::kDebug, req.method + " " + req.path + " " + std::to_string(res.status) + " " +
                                  std::to_string(static_cast<int64_t>(secs * 1e6)) + "us");
      }
      t_route = nullptr;
    });
    http->set_payload_max_length(
        static_cast<size_t>(options.max_upload_bytes + kMultipartOverhead + kOversizeDrainBytes));
    http->set_read_timeout(60, 0);
    http->set_write_timeout(60, 0);
    http->set_keep_alive_max_count(1000);
    http->set_keep_alive_timeout(5);
    http->set_tcp_nodelay(true);
    const int threads = options.http_threads;
    http->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    return Status::OK();
  }
};

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() {
  if (impl_->http) impl_->http->stop();
  impl_->http.reset();
  impl_->jobs.reset();
  impl_->store.reset();
}

Result<std::unique_ptr<ApiServer>> ApiServer::Create(const ServeOptions& options) {
  TRIB_RETURN_NOT_OK(options.Validate());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) return Status::IOError("cannot create the data directory " + options.data_dir + ": " + ec.message());
  StoreOptions so;
  so.data_dir = options.data_dir;
  TRIB_ASSIGN_OR_RETURN(impl->store, OpenSqliteStore(so));
  TRIB_ASSIGN_OR_RETURN(impl->audit, AuditLog::Open(options.data_dir + "/audit.log"));
  TRIB_ASSIGN_OR_RETURN(impl->keys, KeyStore::Open(options.data_dir + "/service.db"));
  if (!options.api_keys.empty()) TRIB_RETURN_NOT_OK(impl->keys->AddFromSpec(options.api_keys));
  if (impl->keys->size() == 0) {
    Log(LogLevel::kWarning, "no API keys: create one with `tributary keys create --tenant NAME --admin` "
                            "or set TRIBUTARY_API_KEYS; every request but /health will get 401");
  }
  JobManagerOptions jo;
  jo.data_dir = options.data_dir;
  jo.workers = options.workers;
  jo.retention_seconds = options.retention_seconds;
  jo.sweep_interval_ms = options.sweep_interval_ms;
  TRIB_ASSIGN_OR_RETURN(impl->jobs, JobManager::Open(impl->store.get(), jo, impl->audit.get(), &impl->metrics));
  if (!options.tls_cert.empty()) {
    auto ssl = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!ssl->is_valid()) return Status::InvalidArgument("cannot load the TLS certificate or key");
    impl->http = std::move(ssl);
  } else {
    impl->http = std::make_unique<BufferedHttpServer>();
  }
  impl->openapi = OpenApiJson();
  TRIB_RETURN_NOT_OK(impl->Setup());
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

Result<int> ApiServer::Bind() {
  const ServeOptions& o = impl_->options;
  int port = o.port;
  if (port == 0) {
    port = impl_->http->bind_to_any_port(o.host);
    if (port <= 0) return Status::IOError("cannot listen on " + o.host);
  } else if (!impl_->http->bind_to_port(o.host, port)) {
    return Status::IOError("cannot listen on " + o.host + ":" + std::to_string(port) + " (in use, or not an address here)");
  }
  return port;
}

Status ApiServer::Run() {
  if (impl_->stop_requested.load()) return Status::OK();
  if (!impl_->http->listen_after_bind() && !impl_->stop_requested.load()) {
    return Status::IOError("the HTTP server stopped unexpectedly");
  }
  return Status::OK();
}

bool ApiServer::Stop() {
  impl_->stop_requested.store(true);
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  // httplib's stop() only acts on a server already in its accept loop, and
  // must not be called twice on one.
  if (!impl_->stopped && impl_->http->is_running()) {
    impl_->http->stop();
    impl_->stopped = true;
  }
  return impl_->stopped;
}

}  // namespace tributary
