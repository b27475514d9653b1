// MappedFile: a read-only memory mapping of a whole regular file, for readers
// that go through an input once, front to back (the CSV reader).
//
// Reading through the mapping skips read()'s copy out of the page cache, and
// a reader can hand out views of the text instead of copies. The pages a
// reader is done with go back with Release(), so resident memory stays
// bounded by what is in flight whatever the file's size; the page cache
// keeps them, and touching them again only faults them back in.
//
// A file that shrinks while it is mapped makes any read past its new end
// fault (SIGBUS). The first Open() installs a handler for that: a fault in a
// mapped input prints which file changed and ends the process with exit code
// 3 (failure); transactions committed before stay committed, so a resumed
// import continues from them. Faults elsewhere go to the handler that was
// there before.
//
// Thread-safety: data() may be read from any thread; Release() from one
// thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "tributary/core/status.h"

namespace tributary {

class MappedFile {
 public:
  // Maps the regular file at path. Fails for an empty or non-regular file, or
  // when the mapping cannot be made (the caller then reads the file instead).
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view data() const { return std::string_view(data_, size_); }
  size_t size() const { return size_; }
  // Gives back the pages that lie wholly before offset, in steps of at least
  // kReleaseStep (each call costs the threads sharing the mapping a TLB
  // flush). Never fails: the mapping stays valid either way.
  void Release(size_t offset);

  static constexpr size_t kReleaseStep = size_t{16} << 20;

 private:
  MappedFile(const char* data, size_t size, int slot) : data_(data), size_(size), slot_(slot) {}

  const char* data_;
  size_t size_;
  int slot_;              // in the fault handler's table of live mappings
  size_t released_ = 0;  // page-aligned
};

}  // namespace tributary
