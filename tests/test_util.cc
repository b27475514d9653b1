#include "tests/test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tributary::testing {

namespace {
// Tests talk to servers that may close a connection before reading the whole
// request (a 413 for an oversize upload): a write to it must fail with EPIPE,
// as it does for any HTTP client, not kill the test process.
[[maybe_unused]] const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();
}  // namespace


TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/tributary-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ScopedFileSizeLimit::ScopedFileSizeLimit(uint64_t bytes) {
  EXPECT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit_), 0);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  EXPECT_EQ(sigaction(SIGXFSZ, &ignore, &old_action_), 0);
  struct rlimit limit = old_limit_;
  limit.rlim_cur = bytes;
  EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
}

ScopedFileSizeLimit::~ScopedFileSizeLimit() {
  setrlimit(RLIMIT_FSIZE, &old_limit_);
  sigaction(SIGXFSZ, &old_action_, nullptr);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileOrDie(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string SharedTestData(std::string_view relative) {
  return std::string(TRIBUTARY_SOURCE_DIR) + "/../shared/testdata/" + std::string(relative);
}

CommandResult RunTributary(const std::string& args) {
  TempDir tmp;
  std::string out_path = tmp.File("out"), err_path = tmp.File("err");
  std::string cmd = std::string(TRIBUTARY_BINARY) + " " + args + " </dev/null >" + out_path +
                    " 2>" + err_path;
  int rc = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
  r.out = ReadFileOrDie(out_path);
  r.err = ReadFileOrDie(err_path);
  return r;
}

std::string SourcePath(const std::string& relative) {
  return std::string(TRIBUTARY_SOURCE_DIR) + "/" + relative;
}

int RunShell(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

std::vector<JsonValue> ParseJsonLines(const std::string& text) {
  std::vector<JsonValue> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto v = JsonValue::Parse(line);
    EXPECT_TRUE(v.ok()) << line.substr(0, 200);
    if (v.ok()) rows.push_back(std::move(*v));
  }
  return rows;
}

}  // namespace tributary::testing
