// UploadFeed: an upload that is still arriving, shared between the HTTP
// handler that spools it to disk and the import job that parses it.
//
// The handler writes the request body to a spool file (<job-dir>/upload.part)
// and calls Advance() after every write, then Complete() (which renames the
// spool to <job-dir>/upload, so a restart can tell a whole upload from a
// broken one) or Fail(). The job reads the spool through OpenTail(): an
// InputStream that returns the bytes on disk and, at the end of what has
// arrived, waits for more until the upload is complete (then end of file)
// or failed (then an IOError with the reason). The upload is never held in
// memory: the tail reads the file the handler wrote.
//
// Thread-safety: all methods are thread-safe; a TailInput is used by one
// thread at a time.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "tributary/core/status.h"
#include "tributary/io/stream.h"

namespace tributary {

class UploadFeed : public std::enable_shared_from_this<UploadFeed> {
 public:
  // part_path: the spool file being written; final_path: its name once the
  // upload is complete. expected_bytes: the request's Content-Length, an
  // upper bound for progress (-1 = unknown).
  UploadFeed(std::string part_path, std::string final_path, int64_t expected_bytes);

  // The spool file now holds `bytes` bytes.
  void Advance(uint64_t bytes);
  // The upload is whole: renames the spool file to its final name.
  Status Complete();
  // The upload broke off (oversize, disconnect, bad form): readers get
  // IOError(reason) once they have read what arrived.
  void Fail(const std::string& reason);

  // A stream over the spool from its start, waiting for bytes still to come.
  Result<std::unique_ptr<InputStream>> OpenTail(const std::string& name);

  // Waits until the upload is complete (OK) or failed (IOError(reason)).
  Status WaitDone();

  uint64_t bytes() const;
  bool complete() const;

 private:
  friend class TailInput;
  // Waits until more than `pos` bytes have arrived or the upload ended.
  // Returns the bytes available; sets *done when no more will come.
  Result<uint64_t> WaitBeyond(uint64_t pos, bool* done);
  int64_t size_hint() const;

  const std::string part_path_;
  const std::string final_path_;
  const int64_t expected_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t bytes_ = 0;      // guarded by mu_
  bool complete_ = false;   // guarded by mu_
  bool failed_ = false;     // guarded by mu_
  std::string reason_;      // guarded by mu_
};

}  // namespace tributary
