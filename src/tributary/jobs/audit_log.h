// AuditLog: one JSON line per security-relevant action of the service
// (imports, exports, downloads, cancellations, dataset deletions, clean-ups),
// appended to <data-dir>/audit.log:
//   {"time":"...","tenant":"t","key_id":"k","action":"import.create",
//    "dataset_id":"d","job_id":"...","outcome":"accepted","detail":null}
//
// Each line is written with one write(2) on an O_APPEND descriptor, so lines
// never interleave, and reach the kernel before the call returns.
//
// Thread-safety: Record may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tributary/core/status.h"

namespace tributary {

struct AuditEntry {
  std::string tenant;
  std::string key_id;
  std::string action;   // "import.create", "export.download", "jobs.cleanup", ...
  std::string dataset;  // empty = none
  std::string job_id;   // empty = none
  std::string outcome;  // "accepted", "completed", "rejected", "denied", ...
  std::string detail;   // empty = null
};

class AuditLog {
 public:
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void Record(const AuditEntry& entry);

 private:
  AuditLog(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace tributary
