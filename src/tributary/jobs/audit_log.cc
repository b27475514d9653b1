#include "tributary/jobs/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tributary/core/json.h"
#include "tributary/core/log.h"
#include "tributary/core/time_util.h"

namespace tributary {

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot open audit log " + path + ": " + std::strerror(errno));
  return std::unique_ptr<AuditLog>(new AuditLog(fd, path));
}

AuditLog::~AuditLog() { ::close(fd_); }

void AuditLog::Record(const AuditEntry& e) {
  std::string line = "{\"time\":";
  AppendJsonString(FormatTimestamp(NowMicros()), &line);
  auto member = [&](const char* key, const std::string& v) {
    line += ",\"";
    line += key;
    line += "\":";
    if (v.empty()) line += "null"; else AppendJsonString(v, &line);
  };
  member("tenant", e.tenant);
  member("key_id", e.key_id);
  member("action", e.action);
  member("dataset_id", e.dataset);
  member("job_id", e.job_id);
  member("outcome", e.outcome);
  member("detail", e.detail);
  line += "}\n";
  ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    Log(LogLevel::kError, "cannot write audit log " + path_ + ": " + std::strerror(errno));
  }
}

}  // namespace tributary
