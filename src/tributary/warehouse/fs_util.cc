#include "tributary/warehouse/fs_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

#include "tributary/formats/format.h"
#include "tributary/io/sha256.h"
#include "tributary/io/stream.h"

namespace tributary {
namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

// What a hashing input has seen. Shared between the stream and its creator,
// because a reader may drop its stream early (Parquet spools it).
struct HashState {
  explicit HashState(int fd_in) : fd(fd_in) {}
  ~HashState() { ::close(fd); }
  int fd;
  uint64_t bytes = 0;
  Sha256 sha;

  Result<size_t> Read(char* buf, size_t n, const std::string& name) {
    for (;;) {
      ssize_t got = ::read(fd, buf, n);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return Errno("cannot read", name);
      sha.Update(std::string_view(buf, static_cast<size_t>(got)));
      bytes += static_cast<uint64_t>(got);
      return static_cast<size_t>(got);
    }
  }
  // Reads (and hashes) whatever the reader left unread.
  Status Drain(const std::string& name) {
    char buf[64 << 10];
    for (;;) {
      TRIB_ASSIGN_OR_RETURN(size_t got, Read(buf, sizeof(buf), name));
      if (got == 0) return Status::OK();
    }
  }
};

// A plain file read as it is stored, hashing every byte that passes.
class HashingFileInput final : public InputStream {
 public:
  HashingFileInput(std::shared_ptr<HashState> state, std::string name, int64_t size)
      : state_(std::move(state)), name_(std::move(name)), size_(size) {}

  Result<size_t> Read(char* buf, size_t n) override { return state_->Read(buf, n, name_); }
  uint64_t source_bytes_read() const override { return state_->bytes; }
  int64_t source_size() const override { return size_; }
  const std::string& name() const override { return name_; }

 private:
  std::shared_ptr<HashState> state_;
  std::string name_;
  int64_t size_;
};

}  // namespace

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  std::string out;
  char buf[16 << 10];
  for (;;) {
    ssize_t got = ::read(fd, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      Status st = Errno("cannot read", path);
      ::close(fd);
      return st;
    }
    if (got == 0) break;
    out.append(buf, static_cast<size_t>(got));
    if (out.size() > max_bytes) {
      ::close(fd);
      return Status::ResourceExhausted(path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  return out;
}

Status SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  int rc = ::fsync(fd);
  Status st = rc == 0 ? Status::OK() : Errno("cannot sync", path);
  ::close(fd);
  return st;
}

Result<DataFileFacts> InspectDataFile(const std::string& path, Format format) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  struct stat st;
  int64_t size = ::fstat(fd, &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
  auto state = std::make_shared<HashState>(fd);
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> in,
                        WrapDecompress(std::make_unique<HashingFileInput>(state, path, size)));
  ReadOptions ro;
  ro.allow_non_finite = true;
  ro.decode_threads = 1;
  DataFileFacts facts;
  {
    TRIB_ASSIGN_OR_RETURN(std::unique_ptr<RecordReader> reader, OpenRecordReader(format, std::move(in), ro));
    Status skipped = reader->SkipRecords(std::numeric_limits<int64_t>::max());
    if (!skipped.ok()) return skipped.WithPrefix(path);
    facts.records = reader->records_read();
  }
  TRIB_RETURN_NOT_OK(state->Drain(path));
  facts.bytes = state->bytes;
  facts.sha256 = state->sha.FinishHex();
  return facts;
}

}  // namespace tributary
