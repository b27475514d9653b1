// UploadFeed: an upload that is still arriving, shared between the HTTP
// handler that spools it to disk and the import job that parses it.
//
// The handler creates the spool file (<job-dir>/upload.part) with Open(),
// hands every piece of the file to Write(), Close()s it, then calls
// Complete() (which
// renames the spool to <job-dir>/upload, so a restart can tell a whole
// upload from a broken one) or Fail(). The job
// reads through OpenTail(): an InputStream that returns the bytes written so
// far and, at the end of what has arrived, waits for more until the upload
// is complete (then end of file) or failed (then an IOError with the reason).
//
// The spool is written in 1 MiB chunks with O_DIRECT where the file system
// allows it (copying an upload into the page cache costs more than parsing
// it), and the last chunks (kWindowBytes) stay in memory: a reader keeping up
// reads them from there; one further behind reads the file. While a reader is
// attached, Write() waits for it rather than let the window pass it, so a
// streamed import holds the client back to the pace of the import and never
// reads back from disk; with no reader attached (the job is queued) the
// upload goes on at full speed.
//
// Receiving in place: a handler that reads the request body itself asks
// ReceiveSpace() for room in the spool's current chunk, reads the socket into
// it, and passes the file's bytes to Write() as slices of that memory: bytes
// that already lie where the file goes are kept there, not copied, so the
// upload is copied once (by the kernel, into the chunk) before it is written
// out with O_DIRECT and read by the job.
//
// Thread-safety: Open/Write/ReceiveSpace/Received/Close are called by one
// thread (the handler);
// everything else is thread-safe; a TailInput is used by one thread at a time.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/io/stream.h"

namespace tributary {

class UploadFeed : public std::enable_shared_from_this<UploadFeed> {
 public:
  // part_path: the spool file being written; final_path: its name once the
  // upload is complete. expected_bytes: the request's Content-Length, an
  // upper bound for progress (-1 = unknown).
  UploadFeed(std::string part_path, std::string final_path, int64_t expected_bytes);

  ~UploadFeed();

  static constexpr size_t kChunkBytes = 1 << 20;
  static constexpr size_t kWindowBytes = 16 << 20;

  // Creates the spool file. Returns an errno value (0 = done).
  int Open();
  // Appends a piece of the upload. Returns an errno value (0 = done); after
  // an error the upload cannot go on. A piece received in place (inside the
  // space ReceiveSpace gave) is kept where it is when it starts where the
  // upload so far ends, else moved there.
  int Write(const char* data, size_t n);

  // Room to receive the next bytes of the body into: *at, *room bytes (at
  // least kMinReceive). *unused is the first byte received before that the
  // caller has not used yet (null: none); the bytes from there to the end of
  // what was received stay in front of *at, and *unused is updated when they
  // move (when the chunk is written out and a new one begun). Returns an
  // errno value (0 = done).
  static constexpr size_t kMinReceive = 64 << 10;
  int ReceiveSpace(const char** unused, char** at, size_t* room);
  // n bytes were received at the *at of the last ReceiveSpace().
  void Received(size_t n) { received_ += n; }
  // The body has ended: writes what is buffered and closes the spool.
  // Returns an errno value (0 = done).
  int Close();
  // The upload is whole (after Close): renames the spool file to its final
  // name; readers then get end of file after the last byte.
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
  // Bytes the handler side copied or moved in memory (pieces written from
  // elsewhere, moved into place, carried into the next chunk). Handler
  // thread only.
  uint64_t bytes_copied() const { return copied_; }

 private:
  friend class TailInput;
  struct Chunk;
  // Waits until more than `pos` bytes have arrived or the upload ended.
  // Returns the bytes available; sets *done when no more will come.
  Result<uint64_t> WaitBeyond(uint64_t pos, bool* done);
  // Copies up to n bytes at pos from the in-memory window; 0 if pos is not
  // in it. Either way the reader is now at pos (+ what was copied).
  size_t ReadWindow(uint64_t pos, char* buf, size_t n);
  void Detach();
  int64_t size_hint() const;
  // Writes the current chunk (all of it when `last`, else whole blocks) and
  // passes it to the window. A partial block left over begins the next
  // chunk, followed by the received bytes from *unused on (when given).
  int FlushChunk(bool last, const char** unused = nullptr);
  int WriteFd(const char* data, size_t n);
  std::shared_ptr<Chunk> NewChunk();

  // Handler-side state (one thread).
  int fd_ = -1;
  bool direct_ = false;
  uint64_t written_ = 0;
  std::shared_ptr<Chunk> chunk_;
  size_t received_ = 0;  // end of the bytes received into chunk_ (>= its size)
  uint64_t copied_ = 0;
  int write_errno_ = 0;

  const std::string part_path_;
  const std::string final_path_;
  const int64_t expected_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t bytes_ = 0;      // guarded by mu_
  bool complete_ = false;   // guarded by mu_
  bool failed_ = false;     // guarded by mu_
  std::string reason_;      // guarded by mu_
  // The last chunks written, oldest first, and the reader's position.
  std::deque<std::pair<uint64_t, std::shared_ptr<Chunk>>> window_;  // guarded by mu_
  size_t window_bytes_ = 0;                                          // guarded by mu_
  std::vector<std::shared_ptr<Chunk>> spare_;                        // guarded by mu_
  int readers_ = 0;                                                  // guarded by mu_
  uint64_t reader_pos_ = 0;                                          // guarded by mu_
  uint64_t wake_at_ = UINT64_MAX;  // the reader position Write() waits for; guarded by mu_
};

}  // namespace tributary
