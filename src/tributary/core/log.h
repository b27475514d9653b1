// A minimal leveled logger for long-running processes (the REST service).
//
// Lines go to stderr as "<RFC 3339 time> <LEVEL> <message>". The level comes
// from MONITORING_LOG_LEVEL (DEBUG, INFO, WARNING, ERROR; default INFO), as
// the service's users know it, or from SetLogLevel.
//
// Thread-safety: every function may be called from any thread; one line is
// written with one write(2), so lines from different threads never mix.
#pragma once

#include <string_view>

namespace tributary {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Parses DEBUG / INFO / WARNING (or WARN) / ERROR, case-insensitively.
bool ParseLogLevel(std::string_view name, LogLevel* level);
void SetLogLevel(LogLevel level);
// Reads MONITORING_LOG_LEVEL; an unknown value leaves the level as it is and
// says so on stderr.
void SetLogLevelFromEnv();
bool LogEnabled(LogLevel level);
void Log(LogLevel level, std::string_view message);

}  // namespace tributary
