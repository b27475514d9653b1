#include "tributary/jobs/upload_feed.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tributary {

// Reads the spool file through its own descriptor, never past the bytes the
// handler has reported written.
class TailInput final : public InputStream {
 public:
  TailInput(std::shared_ptr<UploadFeed> feed, int fd, std::string name)
      : feed_(std::move(feed)), fd_(fd), name_(std::move(name)) {}
  ~TailInput() override { ::close(fd_); }

  Result<size_t> Read(char* buf, size_t n) override {
    if (n == 0) return size_t{0};
    if (pos_ >= avail_ && !done_) {
      TRIB_ASSIGN_OR_RETURN(avail_, feed_->WaitBeyond(pos_, &done_));
    }
    if (pos_ >= avail_) return size_t{0};  // done_: the whole upload was read
    size_t want = static_cast<size_t>(std::min<uint64_t>(n, avail_ - pos_));
    while (true) {
      ssize_t got = ::pread(fd_, buf, want, static_cast<off_t>(pos_));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return Status::IOError(name_ + ": cannot read the upload: " + std::strerror(errno));
      if (got == 0) return Status::IOError(name_ + ": the upload's spool file is shorter than what was received");
      pos_ += static_cast<uint64_t>(got);
      return static_cast<size_t>(got);
    }
  }
  uint64_t source_bytes_read() const override { return pos_; }
  int64_t source_size() const override { return feed_->size_hint(); }
  const std::string& name() const override { return name_; }

 private:
  std::shared_ptr<UploadFeed> feed_;
  const int fd_;
  const std::string name_;
  uint64_t pos_ = 0;
  uint64_t avail_ = 0;
  bool done_ = false;
};

UploadFeed::UploadFeed(std::string part_path, std::string final_path, int64_t expected_bytes)
    : part_path_(std::move(part_path)), final_path_(std::move(final_path)), expected_bytes_(expected_bytes) {}

void UploadFeed::Advance(uint64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    bytes_ = bytes;
  }
  cv_.notify_all();
}

Status UploadFeed::Complete() {
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_) return Status::IOError(reason_);
  if (::rename(part_path_.c_str(), final_path_.c_str()) != 0) {
    failed_ = true;
    reason_ = std::string("cannot keep the upload: ") + std::strerror(errno);
    cv_.notify_all();
    return Status::IOError(reason_);
  }
  complete_ = true;
  cv_.notify_all();
  return Status::OK();
}

void UploadFeed::Fail(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (complete_ || failed_) return;
    failed_ = true;
    reason_ = reason;
  }
  cv_.notify_all();
}

Result<std::unique_ptr<InputStream>> UploadFeed::OpenTail(const std::string& name) {
  int fd;
  {
    // Under the lock, so Complete() cannot rename the file in between.
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_) return Status::IOError(reason_);
    const std::string& path = complete_ ? final_path_ : part_path_;
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError(name + ": cannot open the upload: " + std::strerror(errno));
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::shared_ptr<UploadFeed> self(shared_from_this());
  return WrapDecompress(std::make_unique<TailInput>(std::move(self), fd, name));
}

Status UploadFeed::WaitDone() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return complete_ || failed_; });
  return failed_ ? Status::IOError(reason_) : Status::OK();
}

Result<uint64_t> UploadFeed::WaitBeyond(uint64_t pos, bool* done) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return bytes_ > pos || complete_ || failed_; });
  if (bytes_ > pos) {
    *done = complete_;
    return bytes_;
  }
  if (failed_) return Status::IOError(reason_);
  *done = true;
  return bytes_;
}

int64_t UploadFeed::size_hint() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (complete_) return static_cast<int64_t>(bytes_);
  return expected_bytes_ > 0 ? std::max<int64_t>(expected_bytes_, static_cast<int64_t>(bytes_)) : -1;
}

uint64_t UploadFeed::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

bool UploadFeed::complete() const {
  std::lock_guard<std::mutex> lock(mu_);
  return complete_;
}

}  // namespace tributary
