#include "tributary/jobs/upload_feed.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tributary {

namespace {
constexpr size_t kAlign = 4096;  // O_DIRECT: buffer, size and offset in whole blocks
}  // namespace

// Reads the spool file through its own descriptor, never past the bytes the
// handler has reported written.
class TailInput final : public InputStream {
 public:
  TailInput(std::shared_ptr<UploadFeed> feed, int fd, std::string name)
      : feed_(std::move(feed)), fd_(fd), name_(std::move(name)) {}
  ~TailInput() override {
    ::close(fd_);
    feed_->Detach();
  }

  Result<size_t> Read(char* buf, size_t n) override {
    if (n == 0) return size_t{0};
    if (pos_ >= avail_ && !done_) {
      TRIB_ASSIGN_OR_RETURN(avail_, feed_->WaitBeyond(pos_, &done_));
    }
    if (pos_ >= avail_) return size_t{0};  // done_: the whole upload was read
    size_t want = static_cast<size_t>(std::min<uint64_t>(n, avail_ - pos_));
    if (size_t got = feed_->ReadWindow(pos_, buf, want); got > 0) {
      pos_ += got;
      return got;
    }
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

struct UploadFeed::Chunk {
  explicit Chunk(size_t capacity)
      : data(static_cast<char*>(std::aligned_alloc(kAlign, capacity))), capacity(capacity) {}
  ~Chunk() { std::free(data); }
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;
  char* const data;
  const size_t capacity;
  size_t size = 0;
};

UploadFeed::~UploadFeed() {
  if (fd_ >= 0) ::close(fd_);
}

int UploadFeed::Open() {
  // O_DIRECT where the file system has it; otherwise buffered writes.
  fd_ = ::open(part_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0600);
  direct_ = fd_ >= 0;
  if (fd_ < 0 && errno == EINVAL) fd_ = ::open(part_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) return write_errno_ = errno;
  chunk_ = NewChunk();
  if (chunk_->data == nullptr) return write_errno_ = ENOMEM;
  return 0;
}

std::shared_ptr<UploadFeed::Chunk> UploadFeed::NewChunk() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!spare_.empty()) {
      auto c = std::move(spare_.back());
      spare_.pop_back();
      c->size = 0;
      return c;
    }
  }
  return std::make_shared<Chunk>(kChunkBytes);
}

int UploadFeed::WriteFd(const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EINVAL && direct_) {
      // The file system refused a direct write after all: go on buffered.
      direct_ = false;
      int flags = ::fcntl(fd_, F_GETFL);
      if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) return errno;
      continue;
    }
    if (w <= 0) return w < 0 ? errno : EIO;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return 0;
}

int UploadFeed::FlushChunk(bool last, const char** unused) {
  Chunk& c = *chunk_;
  size_t whole = last ? c.size : c.size / kAlign * kAlign;
  if (whole > 0) {
    if (direct_ && whole % kAlign != 0) {
      // The tail of the upload is not a whole block: write it buffered.
      size_t aligned = whole / kAlign * kAlign;
      if (int e = WriteFd(c.data, aligned)) return e;
      int flags = ::fcntl(fd_, F_GETFL);
      if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) return errno;
      direct_ = false;
      if (int e = WriteFd(c.data + aligned, whole - aligned)) return e;
    } else if (int e = WriteFd(c.data, whole)) {
      return e;
    }
  }
  written_ += whole;
  // The written bytes go to the window; a partial block left over starts the
  // next chunk, then the bytes received but not used yet.
  std::shared_ptr<Chunk> next = NewChunk();
  if (next->data == nullptr) return ENOMEM;
  const size_t partial = c.size - whole;
  std::memcpy(next->data, c.data + whole, partial);
  copied_ += partial;
  next->size = partial;
  size_t received = partial;
  if (unused != nullptr && *unused != nullptr) {
    size_t n = static_cast<size_t>(c.data + received_ - *unused);
    std::memcpy(next->data + partial, *unused, n);
    copied_ += n;
    *unused = next->data + partial;
    received += n;
  }
  received_ = received;
  c.size = whole;
  std::shared_ptr<Chunk> done = std::move(chunk_);
  chunk_ = std::move(next);
  std::unique_lock<std::mutex> lock(mu_);
  if (done->size > 0) {
    window_bytes_ += done->size;
    window_.emplace_back(written_ - done->size, std::move(done));
  }
  bytes_ = written_;
  cv_.notify_all();
  // Keep the window bounded; while a reader is attached, wait for it to be
  // past the chunk that goes.
  while (window_bytes_ > kWindowBytes) {
    auto& front = window_.front();
    uint64_t front_end = front.first + front.second->size;
    wake_at_ = front_end;
    cv_.wait(lock, [&] { return readers_ == 0 || reader_pos_ >= front_end || failed_; });
    wake_at_ = UINT64_MAX;
    window_bytes_ -= front.second->size;
    if (spare_.size() < 2 && front.second.use_count() == 1) spare_.push_back(std::move(front.second));
    window_.pop_front();
  }
  return 0;
}

int UploadFeed::Write(const char* data, size_t n) {
  if (write_errno_ != 0) return write_errno_;
  Chunk& c = *chunk_;
  const auto p = reinterpret_cast<uintptr_t>(data);
  const auto end = reinterpret_cast<uintptr_t>(c.data) + c.size;
  if (p >= end && p + n <= reinterpret_cast<uintptr_t>(c.data) + received_) {
    // Received in place (ReceiveSpace): kept there, or moved down to where
    // the upload ends (after part headers, say).
    if (p != end) {
      std::memmove(c.data + c.size, data, n);
      copied_ += n;
    }
    c.size += n;
    return 0;
  }
  while (n > 0) {
    Chunk& cur = *chunk_;
    size_t k = std::min(n, cur.capacity - cur.size);
    std::memcpy(cur.data + cur.size, data, k);
    copied_ += k;
    cur.size += k;
    received_ = cur.size;
    data += k;
    n -= k;
    if (cur.size == cur.capacity) {
      if (int e = FlushChunk(false)) return write_errno_ = e;
    }
  }
  return 0;
}

int UploadFeed::ReceiveSpace(const char** unused, char** at, size_t* room) {
  if (write_errno_ != 0) return write_errno_;
  if (chunk_->capacity - received_ < kMinReceive) {
    if (int e = FlushChunk(false, unused)) return write_errno_ = e;
  }
  Chunk& c = *chunk_;
  if (*unused == nullptr) *unused = c.data + received_;
  *at = c.data + received_;
  *room = c.capacity - received_;
  return 0;
}

int UploadFeed::Close() {
  int e = write_errno_ != 0 ? write_errno_ : FlushChunk(true);
  if (fd_ >= 0 && ::close(fd_) != 0 && e == 0) e = errno;
  fd_ = -1;
  return write_errno_ = e;
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

size_t UploadFeed::ReadWindow(uint64_t pos, char* buf, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t got = 0;
  for (auto it = window_.rbegin(); it != window_.rend(); ++it) {
    if (pos >= it->first && pos < it->first + it->second->size) {
      got = static_cast<size_t>(std::min<uint64_t>(n, it->first + it->second->size - pos));
      std::memcpy(buf, it->second->data + (pos - it->first), got);
      break;
    }
    if (pos >= it->first + it->second->size) break;
  }
  if (pos + got > reader_pos_) {
    reader_pos_ = pos + got;
    if (reader_pos_ >= wake_at_) cv_.notify_all();  // the handler waits for this
  }
  return got;
}

void UploadFeed::Detach() {
  std::lock_guard<std::mutex> lock(mu_);
  --readers_;
  cv_.notify_all();
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
    ++readers_;
    reader_pos_ = 0;
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
