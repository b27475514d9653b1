// The service commands of the command line:
//   tributary serve [--host H] [--port P] [--tls-cert C --tls-key K] ...
//   tributary keys create --tenant T [--admin]
//
// Thread-safety: used from main() only.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace tributary {

class ServeCommands {
 public:
  // Adds the subcommands to app.
  explicit ServeCommands(CLI::App* app);
  // True when one of them was given on the command line.
  bool parsed() const;
  // Runs it on the store in data_dir; returns the exit code.
  int Run(const std::string& data_dir);

 private:
  CLI::App* serve_ = nullptr;
  CLI::App* keys_create_ = nullptr;
  CLI::App* keys_ = nullptr;
  std::string host_ = "127.0.0.1";
  int port_ = 8000;
  std::string tls_cert_, tls_key_, log_level_;
  int workers_ = 0;
  int http_threads_ = 16;
  double max_upload_mb_ = 10240;
  double min_free_mb_ = 256;
  double retention_hours_ = 24;
  double sweep_interval_seconds_ = 60;
  std::string key_tenant_;
  bool key_admin_ = false;
};

}  // namespace tributary
