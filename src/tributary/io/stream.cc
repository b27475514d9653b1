#include "tributary/io/stream.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <emmintrin.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <random>
#include <system_error>
#include <thread>
#include <vector>

#include "tributary/io/sha256.h"

namespace tributary {
namespace {

constexpr size_t kBufferSize = 1 << 20;

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

// ---- inputs ----

class FdInput final : public InputStream {
 public:
  FdInput(int fd, std::string name, bool owned, int64_t size)
      : fd_(fd), name_(std::move(name)), owned_(owned), size_(size) {}
  ~FdInput() override {
    if (owned_) ::close(fd_);
  }
  Result<size_t> Read(char* buf, size_t n) override {
    while (true) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) {
        read_ += static_cast<uint64_t>(r);
        return static_cast<size_t>(r);
      }
      if (errno == EINTR) continue;
      return Errno("cannot read", name_);
    }
  }
  uint64_t source_bytes_read() const override { return read_; }
  int64_t source_size() const override { return size_; }
  const std::string& name() const override { return name_; }
  const std::string* plain_file_path() const override { return owned_ && size_ >= 0 ? &name_ : nullptr; }

 private:
  int fd_;
  std::string name_;
  bool owned_;
  int64_t size_;
  uint64_t read_ = 0;
};

class MemInput final : public InputStream {
 public:
  MemInput(std::string data, std::string name) : data_(std::move(data)), name_(std::move(name)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t source_bytes_read() const override { return pos_; }
  int64_t source_size() const override { return static_cast<int64_t>(data_.size()); }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  std::string name_;
  size_t pos_ = 0;
};

// Serves some already-read bytes before the rest of the inner stream.
class PrefixedInput final : public InputStream {
 public:
  PrefixedInput(std::string prefix, std::unique_ptr<InputStream> inner)
      : prefix_(std::move(prefix)), inner_(std::move(inner)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return inner_->Read(buf, n);
  }
  uint64_t source_bytes_read() const override { return inner_->source_bytes_read() - (prefix_.size() - pos_); }
  int64_t source_size() const override { return inner_->source_size(); }
  const std::string& name() const override { return inner_->name(); }
  const std::string* plain_file_path() const override { return inner_->plain_file_path(); }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<InputStream> inner_;
};

class GzipInput final : public InputStream {
 public:
  explicit GzipInput(std::unique_ptr<InputStream> inner) : inner_(std::move(inner)), in_(kBufferSize) {
    std::memset(&zs_, 0, sizeof(zs_));
    ok_ = inflateInit2(&zs_, 15 + 32) == Z_OK;
  }
  ~GzipInput() override { inflateEnd(&zs_); }
  Result<size_t> Read(char* buf, size_t n) override {
    if (!ok_) return Status::IOError("cannot initialise gzip decoder for " + name());
    zs_.next_out = reinterpret_cast<Bytef*>(buf);
    zs_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    while (zs_.avail_out == static_cast<uInt>(std::min<size_t>(n, 1u << 30)) && !done_) {
      if (zs_.avail_in == 0) {
        TRIB_ASSIGN_OR_RETURN(size_t got, inner_->Read(in_.data(), in_.size()));
        if (got == 0) {
          if (member_started_) {
            return Status::InvalidData(name() + ": truncated gzip stream (ends inside a member)");
          }
          done_ = true;
          break;
        }
        zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
        zs_.avail_in = static_cast<uInt>(got);
      }
      member_started_ = true;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        // Another member may follow (multi-member gzip, e.g. concatenated files).
        member_started_ = false;
        inflateReset(&zs_);
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status::InvalidData(name() + ": corrupt gzip data (" +
                                   (zs_.msg ? std::string(zs_.msg) : std::to_string(rc)) + ")");
      }
    }
    return static_cast<size_t>(std::min<size_t>(n, 1u << 30) - zs_.avail_out);
  }
  uint64_t source_bytes_read() const override { return inner_->source_bytes_read(); }
  int64_t source_size() const override { return inner_->source_size(); }
  const std::string& name() const override { return inner_->name(); }

 private:
  std::unique_ptr<InputStream> inner_;
  std::vector<char> in_;
  z_stream zs_;
  bool ok_ = false;
  bool done_ = false;
  bool member_started_ = false;
};

class ZstdInput final : public InputStream {
 public:
  explicit ZstdInput(std::unique_ptr<InputStream> inner)
      : inner_(std::move(inner)), in_(ZSTD_DStreamInSize()), ds_(ZSTD_createDStream()) {
    ZSTD_initDStream(ds_);
    // Bound the decoder window so a hostile frame cannot demand gigabytes.
    ZSTD_DCtx_setParameter(ds_, ZSTD_d_windowLogMax, 27);
  }
  ~ZstdInput() override { ZSTD_freeDStream(ds_); }
  Result<size_t> Read(char* buf, size_t n) override {
    ZSTD_outBuffer out{buf, n, 0};
    while (out.pos == 0 && !done_) {
      if (inb_.pos == inb_.size) {
        TRIB_ASSIGN_OR_RETURN(size_t got, inner_->Read(in_.data(), in_.size()));
        if (got == 0) {
          if (frame_open_) return Status::InvalidData(name() + ": truncated zstd stream");
          done_ = true;
          break;
        }
        inb_ = ZSTD_inBuffer{in_.data(), got, 0};
      }
      size_t rc = ZSTD_decompressStream(ds_, &out, &inb_);
      if (ZSTD_isError(rc)) {
        return Status::InvalidData(name() + ": corrupt zstd data (" + ZSTD_getErrorName(rc) + ")");
      }
      frame_open_ = rc != 0;
    }
    return out.pos;
  }
  uint64_t source_bytes_read() const override { return inner_->source_bytes_read(); }
  int64_t source_size() const override { return inner_->source_size(); }
  const std::string& name() const override { return inner_->name(); }

 private:
  std::unique_ptr<InputStream> inner_;
  std::vector<char> in_;
  ZSTD_DStream* ds_;
  ZSTD_inBuffer inb_{nullptr, 0, 0};
  bool done_ = false;
  bool frame_open_ = false;
};

// ---- outputs ----

// memcpy for filling the output buffers: their bytes are next read by
// another thread (the hasher) and then by the device, so the copy stores
// around the cache (non-temporal stores) instead of first reading every
// destination line in. Small copies, and the unaligned head, go through
// memcpy.
void CopyStreaming(char* dst, const char* src, size_t n) {
  if (n < 4096) {
    std::memcpy(dst, src, n);
    return;
  }
  const size_t head = (16 - (reinterpret_cast<uintptr_t>(dst) & 15)) & 15;
  std::memcpy(dst, src, head);
  dst += head;
  src += head;
  n -= head;
  while (n >= 64) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 32));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 48));
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst), a);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + 16), b);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + 32), c);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + 48), d);
    src += 64;
    dst += 64;
    n -= 64;
  }
  std::memcpy(dst, src, n);
  _mm_sfence();
}

// Compresses (optionally), hashes and counts the final bytes, and hands them
// to Emit(). With Hashing::kByEmitter the subclass hashes instead, through
// Hash(), in order, by the time Commit() returns: a writer thread can then
// hash each buffer just before writing it, off the thread that fills them.
class OutputBase : public OutputStream {
 public:
  enum class Hashing { kBeforeEmit, kByEmitter };
  explicit OutputBase(Compression c, Hashing hashing = Hashing::kBeforeEmit)
      : compression_(c), hash_before_emit_(hashing == Hashing::kBeforeEmit) {}
  ~OutputBase() override {
    if (zinit_) deflateEnd(&zs_);
    if (cs_) ZSTD_freeCStream(cs_);
  }

  Status Init() {
    if (compression_ == Compression::kGzip) {
      std::memset(&zs_, 0, sizeof(zs_));
      if (deflateInit2(&zs_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return Status::Internal("cannot initialise gzip encoder");
      }
      zinit_ = true;
    } else if (compression_ == Compression::kZstd) {
      cs_ = ZSTD_createCStream();
      ZSTD_initCStream(cs_, 3);
    }
    cbuf_.resize(kBufferSize);
    return Status::OK();
  }

  Status Write(std::string_view data) override {
    if (closed_) return Status::Internal("write after close");
    switch (compression_) {
      case Compression::kNone: return Final(data);
      case Compression::kGzip: return Deflate(data, Z_NO_FLUSH);
      case Compression::kZstd: return ZstdWrite(data, false);
    }
    return Status::OK();
  }

  Status Close() override {
    if (closed_) return Status::OK();
    closed_ = true;
    if (compression_ == Compression::kGzip) TRIB_RETURN_NOT_OK(Deflate({}, Z_FINISH));
    if (compression_ == Compression::kZstd) TRIB_RETURN_NOT_OK(ZstdWrite({}, true));
    TRIB_RETURN_NOT_OK(Commit());
    sha_hex_ = sha_.FinishHex();
    return Status::OK();
  }

  uint64_t bytes_written() const override { return bytes_; }
  std::string sha256_hex() const override { return sha_hex_; }

 protected:
  virtual Status Emit(std::string_view data) = 0;
  virtual Status Commit() = 0;
  // Hashing::kByEmitter: the emitted bytes, in order, from one thread at a time.
  void Hash(std::string_view data) { sha_.Update(data); }

 private:
  Status Final(std::string_view data) {
    if (data.empty()) return Status::OK();
    if (hash_before_emit_) sha_.Update(data);
    bytes_ += data.size();
    return Emit(data);
  }

  Status Deflate(std::string_view data, int flush) {
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs_.avail_in = static_cast<uInt>(data.size());
    while (true) {
      zs_.next_out = reinterpret_cast<Bytef*>(cbuf_.data());
      zs_.avail_out = static_cast<uInt>(cbuf_.size());
      int rc = deflate(&zs_, flush);
      if (rc == Z_STREAM_ERROR) return Status::Internal("gzip encoder failed");
      TRIB_RETURN_NOT_OK(Final(std::string_view(cbuf_.data(), cbuf_.size() - zs_.avail_out)));
      if (flush == Z_FINISH ? rc == Z_STREAM_END : (zs_.avail_in == 0 && zs_.avail_out != 0)) break;
    }
    return Status::OK();
  }

  Status ZstdWrite(std::string_view data, bool end) {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    while (true) {
      ZSTD_outBuffer out{cbuf_.data(), cbuf_.size(), 0};
      size_t rc = end ? ZSTD_endStream(cs_, &out) : ZSTD_compressStream(cs_, &out, &in);
      if (ZSTD_isError(rc)) return Status::Internal(std::string("zstd encoder failed: ") + ZSTD_getErrorName(rc));
      TRIB_RETURN_NOT_OK(Final(std::string_view(cbuf_.data(), out.pos)));
      if (end ? rc == 0 : in.pos == in.size) break;
    }
    return Status::OK();
  }

  Compression compression_;
  bool hash_before_emit_;
  z_stream zs_{};
  bool zinit_ = false;
  ZSTD_CStream* cs_ = nullptr;
  std::vector<char> cbuf_;
  Sha256 sha_;
  std::string sha_hex_;
  uint64_t bytes_ = 0;
  bool closed_ = false;
};

// Writes the final bytes to a file descriptor.
//
// A new file (the atomic temp file) is written with O_DIRECT where the file
// system allows it: an export of hundreds of MiB then goes from our buffer to
// the device without the kernel copying it into the page cache and tracking
// every page as dirty, which on a two-core machine is CPU the encoders need.
// O_DIRECT wants the buffer, offset and length aligned to the device block,
// so bytes collect in an aligned buffer and go out in whole buffers; the last
// partial block is written after O_DIRECT is switched off. Any O_DIRECT
// refusal (EINVAL) falls back to ordinary writes for the rest of the file.
//
// With O_DIRECT a write waits for the disk, about as long as hashing the same
// bytes takes, and hashing takes about twice as long as copying them into the
// buffer. So a full buffer goes through two threads of the output's own, a
// hasher and then a writer, while the caller fills the next one: three
// stages at the pace of the slowest, at most kDirectBuffers buffers in all.
// Without O_DIRECT the caller hashes and writes in place.
class FileOutput final : public OutputBase {
 public:
  FileOutput(Compression c, std::string path, std::string tmp, int fd, bool atomic, bool direct)
      : OutputBase(c, Hashing::kByEmitter), path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd),
        atomic_(atomic), threaded_(direct), direct_(direct), buf_(NewBuffer()) {
    if (buf_ != nullptr) buffers_ = 1;
  }
  ~FileOutput() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (hasher_.joinable()) hasher_.join();
    if (writer_.joinable()) writer_.join();
    std::free(buf_);
    for (const Piece& p : to_hash_) std::free(p.data);
    for (const Piece& p : to_write_) std::free(p.data);
    for (char* b : free_) std::free(b);
    if (fd_ >= 0 && atomic_) {
      ::close(fd_);
      ::unlink(tmp_.c_str());
    }
  }

 protected:
  Status Emit(std::string_view data) override {
    if (buf_ == nullptr) return Status::Internal("out of memory for the output buffer of " + path_);
    if (!threaded_ && used_ == 0 && data.size() >= kFileBufferSize) {
      Hash(data);
      return WriteAll(data.data(), data.size());
    }
    while (!data.empty()) {
      const size_t n = std::min(kFileBufferSize - used_, data.size());
      CopyStreaming(buf_ + used_, data.data(), n);
      used_ += n;
      data.remove_prefix(n);
      if (used_ == kFileBufferSize) TRIB_RETURN_NOT_OK(threaded_ ? HandOff() : Flush());
    }
    return Status::OK();
  }
  Status Commit() override {
    TRIB_RETURN_NOT_OK(Drain());
    TRIB_RETURN_NOT_OK(Flush());
    if (!atomic_) return Status::OK();
    if (::close(fd_) != 0) {
      fd_ = -1;
      ::unlink(tmp_.c_str());
      return Errno("cannot close", path_);
    }
    fd_ = -1;
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      Status st = Errno("cannot rename into place", path_);
      ::unlink(tmp_.c_str());
      return st;
    }
    return Status::OK();
  }

 private:
  static constexpr size_t kDirectAlign = 4096;
  // 2 MiB: one huge page; 4 MiB wrote no faster, and took twice the memory.
  static constexpr size_t kFileBufferSize = size_t{2} << 20;
  static constexpr int kDirectBuffers = 4;

  struct Piece {
    char* data;
    size_t size;
  };

  // Aligned to 2 MiB and backed by a huge page where the kernel gives one:
  // O_DIRECT pins the buffer's pages for every write, 1 per buffer instead of
  // 512.
  static char* NewBuffer() {
    constexpr size_t kHuge = size_t{2} << 20;
    char* b = static_cast<char*>(std::aligned_alloc(kHuge, kFileBufferSize));
    if (b != nullptr) ::madvise(b, kFileBufferSize, MADV_HUGEPAGE);
    return b;
  }

  // Hashes and writes out the buffer, on the caller's thread (the output's
  // threads, if any, are idle). Only the last flush can end in a partial
  // block (the others write a full buffer): it goes out after O_DIRECT is off.
  Status Flush() {
    Hash(std::string_view(buf_, used_));
    const size_t whole = direct_ ? used_ & ~(kDirectAlign - 1) : used_;
    TRIB_RETURN_NOT_OK(WriteAll(buf_, whole));
    if (whole != used_) {
      TRIB_RETURN_NOT_OK(StopDirect());
      TRIB_RETURN_NOT_OK(WriteAll(buf_ + whole, used_ - whole));
    }
    used_ = 0;
    return Status::OK();
  }

  // Queues the full buffer for the hasher and takes an empty one, waiting
  // for the writer when all kDirectBuffers are in use.
  Status HandOff() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!error_.ok()) return error_;
    if (!writer_.joinable()) {
      // A full first buffer means a large output: the other buffers are
      // allocated now, and the writer, idle until the first buffer is
      // hashed, faults their pages in, instead of the caller when it first
      // fills each one. Fresh memory is slow to fault in (it is zeroed, and
      // on a virtual machine the host may have to back it first), and on
      // the caller's thread it held up the encoders at the start.
      std::vector<char*> spare;
      while (buffers_ < kDirectBuffers) {
        char* b = NewBuffer();
        if (b == nullptr) break;  // fewer buffers; HandOff tries again later
        spare.push_back(b);
        ++buffers_;
      }
      free_.insert(free_.end(), spare.rbegin(), spare.rend());  // spare[0] is taken first
      try {
        writer_ = std::thread([this, spare] {
          // A huge page at a time: the call holds the process's memory map
          // lock, which other threads' page faults and allocations wait on.
          constexpr size_t kStep = size_t{2} << 20;
          for (char* b : spare) {
            for (size_t off = 0; off < kFileBufferSize; off += kStep) {
              ::madvise(b + off, std::min(kStep, kFileBufferSize - off), MADV_POPULATE_WRITE);
            }
          }
          WriteLoop();
        });
        hasher_ = std::thread([this] { HashLoop(); });
      } catch (const std::system_error&) {
        // No threads to be had: write in place from now on (a writer that
        // did start has nothing to do).
        threaded_ = false;
        lock.unlock();
        return Flush();
      }
    }
    to_hash_.push_back({buf_, used_});
    buf_ = nullptr;
    used_ = 0;
    cv_.notify_all();
    if (free_.empty() && buffers_ < kDirectBuffers) {
      lock.unlock();
      buf_ = NewBuffer();
      lock.lock();
      if (buf_ == nullptr) {
        // Recorded, so that a Close after this error fails too.
        error_ = Status::Internal("out of memory for the output buffer of " + path_);
        return error_;
      }
      ++buffers_;
      return Status::OK();
    }
    cv_.wait(lock, [&] { return !free_.empty() || !error_.ok(); });
    if (!error_.ok()) return error_;
    buf_ = free_.back();
    free_.pop_back();
    return Status::OK();
  }

  // Waits until everything queued is hashed and written.
  Status Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return to_hash_.empty() && to_write_.empty() && !hashing_ && !writing_; });
    return error_;
  }

  // One stage of the pipeline, on a thread of its own: takes the buffers
  // queued in `in`, in file order, runs `work` on each with the lock released
  // (told whether the output has already failed), then `next` with it held.
  template <typename Work, typename Next>
  void StageLoop(std::deque<Piece>* in, bool* busy, Work work, Next next) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !in->empty(); });
      // Stopped: the output was abandoned, what is queued is not wanted.
      if (stop_) return;
      const Piece piece = in->front();
      in->pop_front();
      *busy = true;
      const bool failed = !error_.ok();
      lock.unlock();
      Status st = work(piece, failed);
      lock.lock();
      *busy = false;
      if (!st.ok() && error_.ok()) error_ = std::move(st);
      next(piece);
      cv_.notify_all();
    }
  }

  // The hasher thread: hashes each full buffer and passes it on to the writer.
  void HashLoop() {
    StageLoop(
        &to_hash_, &hashing_,
        [this](const Piece& p, bool failed) {
          if (!failed) Hash(std::string_view(p.data, p.size));
          return Status::OK();
        },
        [this](const Piece& p) { to_write_.push_back(p); });
  }

  // The writer thread: writes each hashed buffer and hands it back to the
  // caller; after the first error, only hands them back.
  void WriteLoop() {
    StageLoop(
        &to_write_, &writing_,
        [this](const Piece& p, bool failed) { return failed ? Status::OK() : WriteAll(p.data, p.size); },
        [this](const Piece& p) { free_.push_back(p.data); });
  }

  Status StopDirect() {
    if (!direct_) return Status::OK();
    direct_ = false;
    const int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) return Errno("cannot write", path_);
    return Status::OK();
  }
  // One thread at a time: the writer thread while it runs, else the caller.
  Status WriteAll(const char* data, size_t size) {
    while (size != 0) {
      ssize_t w = ::write(fd_, data, size);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EINVAL && direct_) {  // the file system wants other alignment
          TRIB_RETURN_NOT_OK(StopDirect());
          continue;
        }
        return Errno("cannot write", path_);
      }
      data += w;
      size -= static_cast<size_t>(w);
    }
    return Status::OK();
  }

  std::string path_, tmp_;
  int fd_;
  bool atomic_;
  bool threaded_;               // full buffers go to the output's threads (caller's side only)
  std::atomic<bool> direct_;    // O_DIRECT is on; cleared by whichever thread writes
  char* buf_;                   // the caller's buffer being filled
  size_t used_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Piece> to_hash_;   // full buffers for the hasher, in file order
  std::deque<Piece> to_write_;  // hashed buffers for the writer, in file order
  std::vector<char*> free_;     // written buffers, for the caller to fill again
  int buffers_ = 0;             // aligned buffers allocated, buf_ included
  bool hashing_ = false;        // the hasher holds a piece
  bool writing_ = false;        // the writer holds a piece
  bool stop_ = false;
  Status error_;                // the first write error
  std::thread hasher_;          // started together with writer_, after it
  std::thread writer_;
};

class MemOutput final : public OutputBase {
 public:
  MemOutput(Compression c, std::string* sink) : OutputBase(c), sink_(sink) {}

 protected:
  Status Emit(std::string_view data) override {
    pending_.append(data);
    return Status::OK();
  }
  Status Commit() override {
    *sink_ = std::move(pending_);
    return Status::OK();
  }

 private:
  std::string* sink_;
  std::string pending_;
};

std::string RandomSuffix() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull);
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "none";
}

Result<Compression> ParseCompressionName(std::string_view name) {
  if (name == "none" || name.empty()) return Compression::kNone;
  if (name == "gzip" || name == "gz") return Compression::kGzip;
  if (name == "zstd" || name == "zst") return Compression::kZstd;
  return Status::InvalidArgument("unknown compression '" + std::string(name) +
                                 "' (expected none, gzip or zstd)");
}

Compression CompressionFromPath(std::string_view path) {
  if (EndsWith(path, ".gz") || EndsWith(path, ".gzip")) return Compression::kGzip;
  if (EndsWith(path, ".zst") || EndsWith(path, ".zstd")) return Compression::kZstd;
  return Compression::kNone;
}

std::string_view StripCompressionExtension(std::string_view path) {
  for (std::string_view ext : {".gz", ".gzip", ".zst", ".zstd"}) {
    if (EndsWith(path, ext)) return path.substr(0, path.size() - ext.size());
  }
  return path;
}

Result<std::unique_ptr<InputStream>> WrapDecompress(std::unique_ptr<InputStream> in) {
  std::string head(4, '\0');
  TRIB_ASSIGN_OR_RETURN(size_t n, ReadFully(in.get(), head.data(), head.size()));
  head.resize(n);
  const auto* h = reinterpret_cast<const unsigned char*>(head.data());
  bool gzip = n >= 2 && h[0] == 0x1f && h[1] == 0x8b;
  bool zstd = n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd;
  std::unique_ptr<InputStream> prefixed = std::make_unique<PrefixedInput>(std::move(head), std::move(in));
  if (gzip) return std::unique_ptr<InputStream>(std::make_unique<GzipInput>(std::move(prefixed)));
  if (zstd) return std::unique_ptr<InputStream>(std::make_unique<ZstdInput>(std::move(prefixed)));
  return prefixed;
}

Result<std::unique_ptr<InputStream>> OpenInput(const std::string& path) {
  if (path == "-") {
    return WrapDecompress(std::make_unique<FdInput>(0, "<stdin>", false, -1));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = Errno("cannot stat", path);
    ::close(fd);
    return s;
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + " is a directory, not a file");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  int64_t size = S_ISREG(st.st_mode) ? static_cast<int64_t>(st.st_size) : -1;
  return WrapDecompress(std::make_unique<FdInput>(fd, path, true, size));
}

std::unique_ptr<InputStream> MemoryInput(std::string data, std::string name) {
  auto r = WrapDecompress(std::make_unique<MemInput>(std::move(data), std::move(name)));
  return std::move(r).value();  // memory reads cannot fail
}

Result<std::unique_ptr<OutputStream>> OpenOutput(const std::string& path, Compression compression) {
  std::unique_ptr<FileOutput> out;
  if (path == "-") {
    out = std::make_unique<FileOutput>(compression, "<stdout>", "", 1, false, false);
  } else {
    std::filesystem::path p(path);
    std::error_code ec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) return Status::IOError("cannot create directory " + p.parent_path().string() + ": " + ec.message());
    std::string tmp = path + ".tmp-" + RandomSuffix();
    constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
    bool direct = true;
    int fd = ::open(tmp.c_str(), kFlags | O_DIRECT, 0644);
    if (fd < 0 && errno == EINVAL) {  // no O_DIRECT on this file system (tmpfs)
      direct = false;
      fd = ::open(tmp.c_str(), kFlags, 0644);
    }
    if (fd < 0) return Errno("cannot create", path);
    out = std::make_unique<FileOutput>(compression, path, tmp, fd, true, direct);
  }
  TRIB_RETURN_NOT_OK(out->Init());
  return std::unique_ptr<OutputStream>(std::move(out));
}

std::unique_ptr<OutputStream> MemoryOutput(std::string* sink, Compression compression) {
  auto out = std::make_unique<MemOutput>(compression, sink);
  (void)out->Init();
  return out;
}

Result<std::string> PeekInput(std::unique_ptr<InputStream>* in, size_t n) {
  std::string head(n, '\0');
  TRIB_ASSIGN_OR_RETURN(size_t got, ReadFully(in->get(), head.data(), n));
  head.resize(got);
  *in = std::make_unique<PrefixedInput>(head, std::move(*in));
  return head;
}

Result<size_t> ReadFully(InputStream* in, char* buf, size_t n) {
  size_t total = 0;
  while (total < n) {
    TRIB_ASSIGN_OR_RETURN(size_t got, in->Read(buf + total, n - total));
    if (got == 0) break;
    total += got;
  }
  return total;
}

}  // namespace tributary
