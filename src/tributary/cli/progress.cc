#include "tributary/cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace tributary {
namespace {

std::string HumanBytes(uint64_t b) {
  char buf[32];
  if (b >= (1ull << 30)) std::snprintf(buf, sizeof(buf), "%.1f GiB", static_cast<double>(b) / (1ull << 30));
  else if (b >= (1ull << 20)) std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(b) / (1ull << 20));
  else if (b >= 1024) std::snprintf(buf, sizeof(buf), "%.1f KiB", static_cast<double>(b) / 1024);
  else std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(b));
  return buf;
}

}  // namespace

ProgressDisplay::ProgressDisplay(std::string label, bool quiet)
    : label_(std::move(label)), quiet_(quiet), tty_(::isatty(2) == 1) {}

void ProgressDisplay::Update(double pct, int64_t rows, uint64_t bytes, double rate) {
  if (quiet_) return;
  if (tty_) {
    constexpr int kWidth = 30;
    int filled = pct < 0 ? 0 : static_cast<int>(pct / 100.0 * kWidth + 0.5);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %5.1f%%  %lld rows  %s  %.0f rows/s   ", label_.c_str(), bar.c_str(),
                 pct < 0 ? 0.0 : pct, static_cast<long long>(rows), HumanBytes(bytes).c_str(), rate);
    std::fflush(stderr);
    drawn_ = true;
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (now - last_line_ < std::chrono::seconds(5)) return;
  last_line_ = now;
  if (pct >= 0) {
    std::fprintf(stderr, "%s: %.1f%% %lld rows, %s, %.0f rows/s\n", label_.c_str(), pct,
                 static_cast<long long>(rows), HumanBytes(bytes).c_str(), rate);
  } else {
    std::fprintf(stderr, "%s: %lld rows, %s, %.0f rows/s\n", label_.c_str(), static_cast<long long>(rows),
                 HumanBytes(bytes).c_str(), rate);
  }
}

void ProgressDisplay::Done() {
  if (tty_ && drawn_ && !quiet_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace tributary
