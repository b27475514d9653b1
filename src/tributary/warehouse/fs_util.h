// Filesystem helpers of the warehouse operations: durable files and folders,
// small reads, and checking a data file against what a manifest says of it.
//
// Thread-safety: reentrant functions.
#pragma once

#include <cstdint>
#include <string>

#include "tributary/core/status.h"
#include "tributary/formats/options.h"

namespace tributary {

// Reads a whole file of at most max_bytes.
Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);
// fsyncs a file or a directory.
Status SyncPath(const std::string& path);

// What a data file holds, read straight from its bytes.
struct DataFileFacts {
  uint64_t bytes = 0;
  std::string sha256;   // of the bytes on disk (compressed, if compressed)
  int64_t records = 0;  // input records, counted by the format's framing
};

// Streams path once: hashes its bytes and counts its records with a reader
// of format (gzip/zstd are decompressed for counting; the hash covers the
// bytes as stored). A file whose framing is broken (truncated JSON array,
// unterminated CSV quote, bad Parquet footer) is an error naming it.
Result<DataFileFacts> InspectDataFile(const std::string& path, Format format);

}  // namespace tributary
