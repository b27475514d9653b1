// Helpers for tests: temporary directories, files, running the binary.
#pragma once

#include <string>
#include <string_view>

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

}  // namespace tributary::testing
