// Byte streams: files, stdin/stdout, and gzip/zstd (de)compression.
//
// Readers of every format pull bytes from an InputStream; writers push to an
// OutputStream. Compression is a stream wrapper, so no format knows about it.
// OpenInput detects gzip and zstd by magic bytes; OpenOutput picks the codec
// from the file extension (".gz", ".zst") unless told otherwise.
//
// File outputs are atomic: bytes go to a temporary file beside the target,
// which is renamed over it only by a successful Close(). A stream destroyed
// without Close() (an error, a crash) leaves no half-written file under the
// target name.
//
// Thread-safety: a stream is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tributary/core/status.h"

namespace tributary {

class InputStream {
 public:
  virtual ~InputStream() = default;
  // Reads up to n bytes into buf. Returns 0 only at end of stream.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Bytes consumed from the underlying source so far (compressed bytes for a
  // compressed stream), for progress reporting.
  virtual uint64_t source_bytes_read() const = 0;
  // Size of the underlying source if known (a regular file), else -1.
  virtual int64_t source_size() const { return -1; }
  // A name for messages: the path, or "<stdin>".
  virtual const std::string& name() const = 0;
  // The path of the regular file this stream reads unchanged (no
  // decompression), for readers that need random access; null otherwise.
  virtual const std::string* plain_file_path() const { return nullptr; }
};

class OutputStream {
 public:
  virtual ~OutputStream() = default;
  virtual Status Write(std::string_view data) = 0;
  // Writes *buf and leaves it empty (its capacity is unspecified). A stream
  // may take the buffer over instead of copying it (AsyncOutput does).
  virtual Status WriteBuffer(std::string* buf) {
    Status st = Write(*buf);
    buf->clear();
    return st;
  }
  // Flushes, finishes compression, and for files renames into place.
  // REQUIRES: called at most once; no Write after it.
  virtual Status Close() = 0;
  // Bytes written to the final destination (after compression). Valid after Close.
  virtual uint64_t bytes_written() const = 0;
  // Lower-case hex sha256 of the bytes written to the final destination.
  // Valid after Close.
  virtual std::string sha256_hex() const = 0;
};

enum class Compression : uint8_t { kNone, kGzip, kZstd };

std::string_view CompressionName(Compression c);
Result<Compression> ParseCompressionName(std::string_view name);
// From the path's last extension: ".gz" -> gzip, ".zst"/".zstd" -> zstd.
Compression CompressionFromPath(std::string_view path);
// "a.jsonl.gz" -> "a.jsonl"; paths without a codec extension are returned as is.
std::string_view StripCompressionExtension(std::string_view path);

// Opens a file ("-" is stdin) and transparently decompresses gzip (including
// multi-member files) and zstd, detected by magic bytes.
Result<std::unique_ptr<InputStream>> OpenInput(const std::string& path);
// Wraps an existing stream with decompression detected from its first bytes.
Result<std::unique_ptr<InputStream>> WrapDecompress(std::unique_ptr<InputStream> in);
// An in-memory input, for tests and for small documents.
std::unique_ptr<InputStream> MemoryInput(std::string data, std::string name = "<memory>");

// Opens an output file ("-" is stdout, not atomic). Parent directories are
// created. Compression kNone with a codec extension still compresses: pass
// CompressionFromPath(path) to follow the extension.
Result<std::unique_ptr<OutputStream>> OpenOutput(const std::string& path, Compression compression);
// An in-memory output; *sink receives the bytes (after compression) on Close.
std::unique_ptr<OutputStream> MemoryOutput(std::string* sink, Compression compression = Compression::kNone);

// Wraps out so that its writes (compression, hashing, the write calls) run on
// a background thread while the caller produces the next bytes. Write and
// WriteBuffer return as soon as the data is queued (at most a few MiB are
// queued); an error of the inner stream is returned by the next call, and by
// Close, which drains the queue and then closes out. Destroying it without
// Close discards what is queued and destroys out unclosed.
std::unique_ptr<OutputStream> AsyncOutput(std::unique_ptr<OutputStream> out);

// Reads up to n bytes from the start of *in and replaces *in with a stream
// that serves them again, so a caller can look at the head (format
// detection) without consuming it.
Result<std::string> PeekInput(std::unique_ptr<InputStream>* in, size_t n);

// Reads up to n bytes, looping over short reads; returns fewer only at end.
Result<size_t> ReadFully(InputStream* in, char* buf, size_t n);

}  // namespace tributary
