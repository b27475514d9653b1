// Progress display on stderr: a redrawn bar on a terminal, plain lines
// (at most every few seconds) otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tributary {

class ProgressDisplay {
 public:
  // quiet = print nothing.
  ProgressDisplay(std::string label, bool quiet);
  // percentage < 0 = unknown.
  void Update(double percentage, int64_t rows, uint64_t bytes, double rows_per_second);
  // Ends the bar's line on a terminal.
  void Done();

 private:
  std::string label_;
  bool quiet_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_line_{};
};

}  // namespace tributary
