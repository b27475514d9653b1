// Helpers for end-to-end tests of `tributary serve`: start the real binary on
// a free loopback port with a temporary data directory, talk to it with
// httplib's client, stop it (gracefully or with SIGKILL).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tributary/core/json.h"

namespace tributary::testing {

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ServerProcess {
 public:
  // data_dir holds the store; logs go to data_dir + ".out" / ".err".
  ServerProcess(std::string data_dir, std::string api_keys, std::vector<std::string> extra = {})
      : data_dir_(std::move(data_dir)), api_keys_(std::move(api_keys)), extra_(std::move(extra)) {}
  ~ServerProcess() { Stop(); }

  // Starts the server and waits until it listens. port 0 = any free port.
  bool Start(int port = 0) {
    out_ = data_dir_ + ".out";
    err_ = data_dir_ + ".err";
    std::vector<std::string> args = {TRIBUTARY_BINARY, "--data-dir", data_dir_, "serve", "--port",
                                     std::to_string(port)};
    for (const auto& e : extra_) args.push_back(e);
    // Everything the child needs is prepared before fork(): only
    // async-signal-safe calls happen between fork and exec.
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      if (std::string_view(*e).rfind("TRIBUTARY_API_KEYS=", 0) != 0) env_strings.emplace_back(*e);
    }
    if (!api_keys_.empty()) env_strings.push_back("TRIBUTARY_API_KEYS=" + api_keys_);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
      ::dup2(o, 1);
      ::dup2(e, 2);
      ::dup2(devnull, 0);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(o);
    ::close(e);
    ::close(devnull);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string out = Slurp(out_);
      size_t at = out.find("listening on ");
      if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
        size_t colon = out.find(':', out.find("//", at) + 2);
        port_ = std::atoi(out.c_str() + colon + 1);
        return port_ > 0;
      }
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Sends sig and waits for the process to exit; returns its wait status.
  int Signal(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return status;
  }
  void Stop() { Signal(SIGTERM); }
  void Kill() { Signal(SIGKILL); }

  int port() const { return port_; }
  std::string stderr_text() const { return Slurp(err_); }
  const std::string& data_dir() const { return data_dir_; }

  httplib::Client Client(const std::string& key) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    c.set_write_timeout(60, 0);
    if (!key.empty()) c.set_default_headers({{"Authorization", "ApiKey " + key}});
    return c;
  }

 private:
  std::string data_dir_, api_keys_;
  std::vector<std::string> extra_;
  std::string out_, err_;
  pid_t pid_ = -1;
  int port_ = 0;
};

inline JsonValue ParseJsonOrFail(const std::string& body) {
  auto v = JsonValue::Parse(body);
  EXPECT_TRUE(v.ok()) << "not JSON: " << body.substr(0, 500);
  return v.ok() ? *v : JsonValue();
}

// One JSONL record of the seed's shape with a dim-dimensional vector.
inline void AppendRecord(std::string* out, const std::string& id, int dim, int i, const char* category) {
  *out += "{\"id\":\"" + id + "\",\"document_id\":\"doc-" + std::to_string(i / 4) + "\",\"values\":[";
  for (int d = 0; d < dim; ++d) {
    if (d) *out += ',';
    *out += std::to_string((i * 7 + d) % 100) + ".5";
  }
  *out += "],\"content\":\"chunk " + std::to_string(i) + "\",\"metadata\":{\"category\":\"" + category +
          "\",\"rating\":" + std::to_string(i % 5) + "},\"chunk_index\":" + std::to_string(i % 4) + "}\n";
}

inline std::string MakeJsonl(int n, int dim, const std::string& prefix = "r") {
  std::string s;
  for (int i = 0; i < n; ++i) AppendRecord(&s, prefix + std::to_string(i), dim, i, i % 3 == 0 ? "important" : "other");
  return s;
}

}  // namespace tributary::testing
