#include "tributary/cli/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tributary/cli/cli.h"
#include "tributary/core/log.h"
#include "tributary/server/api_keys.h"
#include "tributary/server/http_server.h"

namespace tributary {

ServeCommands::ServeCommands(CLI::App* app) {
  serve_ = app->add_subcommand("serve", "Run the REST service (asynchronous import/export jobs over HTTP)");
  serve_->add_option("--host", host_, "Address to listen on")->capture_default_str();
  serve_->add_option("--port", port_, "Port to listen on (0 = any free port, printed at start)")->capture_default_str();
  serve_->add_option("--tls-cert", tls_cert_, "PEM certificate: serve HTTPS (with --tls-key)");
  serve_->add_option("--tls-key", tls_key_, "PEM private key of --tls-cert");
  serve_->add_option("--workers", workers_, "Jobs run at once (0 = the number of cores)")->capture_default_str();
  serve_->add_option("--http-threads", http_threads_, "Connections served at once")->capture_default_str();
  serve_->add_option("--max-upload-mb", max_upload_mb_, "Largest accepted upload, in MiB")->capture_default_str();
  serve_->add_option("--min-free-mb", min_free_mb_, "Free disk an upload must leave, in MiB")->capture_default_str();
  serve_->add_option("--retention-hours", retention_hours_, "Finished jobs and their files are removed after this")
      ->capture_default_str();
  serve_->add_option("--sweep-interval-seconds", sweep_interval_seconds_, "How often old jobs are looked for")
      ->capture_default_str();
  serve_->add_option("--log-level", log_level_, "DEBUG, INFO, WARNING or ERROR (default: $MONITORING_LOG_LEVEL or INFO)");

  keys_ = app->add_subcommand("keys", "Manage the service's API keys");
  keys_->require_subcommand(1);
  keys_create_ = keys_->add_subcommand("create", "Create an API key; it is printed once, only its hash is kept");
  keys_create_->add_option("--tenant", key_tenant_, "Tenant the key belongs to")->required();
  keys_create_->add_flag("--admin", key_admin_, "An admin key (cleanup and metrics routes)");
}

bool ServeCommands::parsed() const { return serve_->parsed() || keys_->parsed(); }

namespace {

int Fail(const Status& st) {
  std::fprintf(stderr, "error: %s\n", st.message().c_str());
  return st.IsInvalidArgument() ? kExitUsage : kExitFailure;
}

}  // namespace

int ServeCommands::Run(const std::string& data_dir) {
  if (keys_->parsed()) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    auto ks = KeyStore::Open(data_dir + "/service.db");
    if (!ks.ok()) return Fail(ks.status());
    std::string key_id;
    auto key = (*ks)->Create(key_tenant_, key_admin_, &key_id);
    if (!key.ok()) return Fail(key.status());
    std::fprintf(stderr, "Created %s key %s for tenant '%s'. It is shown once; only its hash is stored:\n",
                 key_admin_ ? "an admin" : "a user", key_id.c_str(), key_tenant_.c_str());
    std::fprintf(stdout, "%s\n", key->c_str());
    return kExitOk;
  }

  SetLogLevelFromEnv();
  if (!log_level_.empty()) {
    LogLevel level;
    if (!ParseLogLevel(log_level_, &level)) return Fail(Status::InvalidArgument("--log-level: expected DEBUG, INFO, WARNING or ERROR"));
    SetLogLevel(level);
  }
  ServeOptions o;
  o.host = host_;
  o.port = port_;
  o.tls_cert = tls_cert_;
  o.tls_key = tls_key_;
  o.data_dir = data_dir;
  o.workers = workers_;
  o.http_threads = http_threads_;
  if (max_upload_mb_ <= 0 || min_free_mb_ < 0 || retention_hours_ < 0 || sweep_interval_seconds_ <= 0) {
    return Fail(Status::InvalidArgument("sizes and times must be positive"));
  }
  o.max_upload_bytes = static_cast<uint64_t>(max_upload_mb_ * 1024 * 1024);
  o.min_free_bytes = static_cast<uint64_t>(min_free_mb_ * 1024 * 1024);
  o.retention_seconds = static_cast<int64_t>(retention_hours_ * 3600);
  o.sweep_interval_ms = static_cast<int64_t>(sweep_interval_seconds_ * 1000);
  if (const char* keys = std::getenv("TRIBUTARY_API_KEYS")) o.api_keys = keys;

  // Signals are taken by one thread (sigwait), never by the workers.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = ApiServer::Create(o);
  if (!server.ok()) return Fail(server.status());
  auto port = (*server)->Bind();
  if (!port.ok()) return Fail(port.status());
  std::fprintf(stdout, "tributary serve: listening on %s://%s:%d (data dir %s)\n", tls_cert_.empty() ? "http" : "https",
               host_.c_str(), *port, data_dir.c_str());
  std::fflush(stdout);
  Log(LogLevel::kInfo, "listening on " + host_ + ":" + std::to_string(*port));

  std::atomic<bool> done{false};
  ApiServer* srv = server->get();
  std::thread signals([&] {
    timespec timeout{0, 200 * 1000 * 1000};
    while (!done.load()) {
      int sig = sigtimedwait(&set, nullptr, &timeout);
      if (sig == SIGINT || sig == SIGTERM) {
        Log(LogLevel::kInfo, std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                                 "; stopping (running jobs resume at the next start)");
        // A signal right after start-up may come before the server listens.
        while (!srv->Stop() && !done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        break;
      }
    }
  });
  Status st = (*server)->Run();
  done.store(true);
  signals.join();
  server->reset();
  if (!st.ok()) return Fail(st);
  Log(LogLevel::kInfo, "stopped");
  return kExitOk;
}

}  // namespace tributary
