#include "tributary/core/log.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <string>

#include "tributary/core/time_util.h"

namespace tributary {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarning: return "WARNING";
    case LogLevel::kError: return "ERROR";
  }
  return "INFO";
}

}  // namespace

bool ParseLogLevel(std::string_view name, LogLevel* level) {
  if (EqualsIgnoreCase(name, "DEBUG")) *level = LogLevel::kDebug;
  else if (EqualsIgnoreCase(name, "INFO")) *level = LogLevel::kInfo;
  else if (EqualsIgnoreCase(name, "WARNING") || EqualsIgnoreCase(name, "WARN")) *level = LogLevel::kWarning;
  else if (EqualsIgnoreCase(name, "ERROR") || EqualsIgnoreCase(name, "CRITICAL")) *level = LogLevel::kError;
  else return false;
  return true;
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

void SetLogLevelFromEnv() {
  const char* env = std::getenv("MONITORING_LOG_LEVEL");
  if (!env || !*env) return;
  LogLevel level;
  if (ParseLogLevel(env, &level)) {
    SetLogLevel(level);
  } else {
    Log(LogLevel::kWarning, std::string("MONITORING_LOG_LEVEL=") + env +
                                " is not one of DEBUG, INFO, WARNING, ERROR; keeping INFO");
  }
}

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void Log(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  std::string line = FormatTimestamp(NowMicros());
  line += ' ';
  line += LevelName(level);
  line += ' ';
  line.append(message);
  line += '\n';
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(2, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

}  // namespace tributary
