// ApiServer: `tributary serve`, the REST service over the engine.
//
// It owns the store, the job manager, the key store, the metrics and the
// audit log of one data directory, and an HTTP (or HTTPS) server whose routes
// are the table in server/routes.h. Every route but /health needs
// `Authorization: ApiKey <key>`; a key sees only its tenant's datasets and
// jobs (another tenant's are 404). Every error is JSON:
// {"error": "<kind>", "detail": "<what and where>"}.
//
// Uploads stream to a spool file in the job's directory (never held in
// memory); downloads stream from the export file with Range support.
//
// Thread-safety: Start/Run/Stop may be called from different threads; Stop
// is safe from any thread (a signal-handling thread, say).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tributary/core/status.h"

namespace tributary {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8000;                      // 0 = any free port
  std::string tls_cert, tls_key;        // both set = HTTPS
  std::string data_dir = "./tributary-data";
  int workers = 0;                      // job workers; 0 = the number of cores
  int http_threads = 16;                // connections served at once
  uint64_t max_upload_bytes = 10ull << 30;
  uint64_t min_free_bytes = 256ull << 20;  // free disk left after an upload
  int64_t retention_seconds = 24 * 3600;
  int64_t sweep_interval_ms = 60 * 1000;
  std::string api_keys;                 // TRIBUTARY_API_KEYS
  Status Validate() const;
};

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> Create(const ServeOptions& options);
  ~ApiServer();

  // Binds the listening socket; returns the port (useful with port 0).
  Result<int> Bind();
  // Serves until Stop(); returns at once if Stop() came first.
  // REQUIRES: Bind() succeeded.
  Status Run();
  // Makes Run() return, from any thread. Returns whether the listening loop
  // was stopped; false when Run() had not started it yet: Run() will not
  // start it, but one racing with this call may just have, so a caller that
  // must see Run() return calls Stop() again until it does.
  bool Stop();

  struct Impl;

 private:
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tributary
