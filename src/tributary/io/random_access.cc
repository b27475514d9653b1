#include "tributary/io/random_access.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace tributary {
namespace {

class FdFile final : public RandomAccessFile {
 public:
  FdFile(int fd, uint64_t size, std::string name) : fd_(fd), size_(size), name_(std::move(name)) {}
  ~FdFile() override { ::close(fd_); }
  Status ReadAt(uint64_t offset, size_t n, char* buf) const override {
    if (offset > size_ || n > size_ - offset) {
      return Status::InvalidData(name_ + ": read of " + std::to_string(n) + " bytes at offset " +
                                 std::to_string(offset) + " is past the end of the file (" +
                                 std::to_string(size_) + " bytes)");
    }
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::IOError("cannot read " + name_ + ": " + std::strerror(errno));
      }
      if (r == 0) return Status::IOError(name_ + ": file shrank while being read");
      done += static_cast<size_t>(r);
    }
    return Status::OK();
  }
  uint64_t size() const override { return size_; }
  const std::string& name() const override { return name_; }
  void set_size(uint64_t size) { size_ = size; }

 private:
  int fd_;
  uint64_t size_;
  std::string name_;
};

class MemFile final : public RandomAccessFile {
 public:
  MemFile(std::string data, std::string name) : data_(std::move(data)), name_(std::move(name)) {}
  Status ReadAt(uint64_t offset, size_t n, char* buf) const override {
    if (offset > data_.size() || n > data_.size() - offset) {
      return Status::InvalidData(name_ + ": read of " + std::to_string(n) + " bytes at offset " +
                                 std::to_string(offset) + " is past the end of the input (" +
                                 std::to_string(data_.size()) + " bytes)");
    }
    std::memcpy(buf, data_.data() + offset, n);
    return Status::OK();
  }
  uint64_t size() const override { return data_.size(); }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  std::string name_;
};

Status WriteAll(int fd, const char* p, size_t n, const std::string& what) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("cannot write temporary copy of " + what + ": " + std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccessFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + " is not a regular file");
  }
  return std::unique_ptr<RandomAccessFile>(new FdFile(fd, static_cast<uint64_t>(st.st_size), path));
}

std::unique_ptr<RandomAccessFile> MemoryRandomAccess(std::string data, std::string name) {
  return std::make_unique<MemFile>(std::move(data), std::move(name));
}

Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(std::unique_ptr<InputStream> in) {
  if (const std::string* path = in->plain_file_path()) return OpenRandomAccessFile(*path);
  std::string name = in->name();
  std::string data;
  std::vector<char> buf(1 << 20);
  while (true) {
    TRIB_ASSIGN_OR_RETURN(size_t got, in->Read(buf.data(), buf.size()));
    if (got == 0) return MemoryRandomAccess(std::move(data), std::move(name));
    data.append(buf.data(), got);
    if (data.size() > kSpoolInMemoryLimit) break;
  }
  // Large: continue into an unlinked temporary file.
  const char* tmpdir = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/tributary-spool-XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return Status::IOError("cannot create a temporary file for " + name + ": " + std::strerror(errno));
  ::unlink(tmpl.c_str());
  auto file = std::make_unique<FdFile>(fd, 0, name);  // closes fd on every path
  TRIB_RETURN_NOT_OK(WriteAll(fd, data.data(), data.size(), name));
  uint64_t total = data.size();
  std::string().swap(data);
  while (true) {
    TRIB_ASSIGN_OR_RETURN(size_t got, in->Read(buf.data(), buf.size()));
    if (got == 0) break;
    TRIB_RETURN_NOT_OK(WriteAll(fd, buf.data(), got, name));
    total += got;
  }
  file->set_size(total);
  return std::unique_ptr<RandomAccessFile>(std::move(file));
}

}  // namespace tributary
