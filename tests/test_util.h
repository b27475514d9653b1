// Helpers for tests: temporary directories, files, running the binary.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/json.h"

namespace tributary::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

// Lowers the process's file size limit (RLIMIT_FSIZE) to bytes while it
// lives, with SIGXFSZ ignored: a write past the limit then fails with EFBIG,
// which is how tests make writes fail part way.
class ScopedFileSizeLimit {
 public:
  explicit ScopedFileSizeLimit(uint64_t bytes);
  ~ScopedFileSizeLimit();
  ScopedFileSizeLimit(const ScopedFileSizeLimit&) = delete;
  ScopedFileSizeLimit& operator=(const ScopedFileSizeLimit&) = delete;

 private:
  struct rlimit old_limit_ {};
  struct sigaction old_action_ {};
};

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, std::string_view data);

// Path of a file under ../shared/testdata (relative to the source tree).
std::string SharedTestData(std::string_view relative);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs build/tributary with args (a shell-quoted string), stdin from /dev/null.
CommandResult RunTributary(const std::string& args);

// Single-quotes s for the shell (test paths hold no single quotes).
inline std::string Q(const std::string& s) { return "'" + s + "'"; }

// Path of a file of the source tree (bench scripts, test peers).
std::string SourcePath(const std::string& relative);

// Runs cmd with /bin/sh; its exit code (128 if it did not exit normally).
int RunShell(const std::string& cmd);

// The JSON values of the non-empty lines of text (a failure for each line
// that does not parse).
std::vector<JsonValue> ParseJsonLines(const std::string& text);

// A fixture for end-to-end tests of commands on a store of their own in a
// temporary directory.
class StoreCliTest : public ::testing::Test {
 protected:
  // Runs `tributary --data-dir <store> args` and expects the exit code.
  CommandResult Run(const std::string& args, int expect_code) {
    CommandResult r = RunTributary("--data-dir " + Q(dir_.File("store")) + " " + args);
    EXPECT_EQ(r.exit_code, expect_code) << args << "\nstdout: " << r.out << "\nstderr: " << r.err;
    return r;
  }
  TempDir dir_;
};

}  // namespace tributary::testing
