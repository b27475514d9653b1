// Random-access inputs, for formats whose index sits at the end (Parquet).
//
// A RandomAccessFile reads byte ranges at any offset. OpenRandomAccess turns
// an InputStream into one: a regular file is reopened and read with pread;
// anything else (stdin, a decompressed stream, memory) is read to its end,
// into memory when small and otherwise into an unlinked temporary file, so
// memory stays bounded whatever the input's size.
//
// Thread-safety: ReadAt may be called from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tributary/core/status.h"
#include "tributary/io/stream.h"

namespace tributary {

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly n bytes at offset into buf; an error if the file is shorter.
  virtual Status ReadAt(uint64_t offset, size_t n, char* buf) const = 0;
  virtual uint64_t size() const = 0;
  // A name for messages (the path, or "<stdin>").
  virtual const std::string& name() const = 0;
};

// Inputs up to this size that are not plain files are held in memory;
// larger ones are spooled to a temporary file.
inline constexpr uint64_t kSpoolInMemoryLimit = 64u << 20;

Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccessFile(const std::string& path);
Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(std::unique_ptr<InputStream> in);
std::unique_ptr<RandomAccessFile> MemoryRandomAccess(std::string data, std::string name = "<memory>");

}  // namespace tributary
