// PageSource: the decompressed bytes of one Parquet page (or of a v2 page's
// values section), handed out piece by piece, so a page of any size is read
// in bounded memory.
//
// The compressed bytes are read from the RandomAccessFile in slices of
// kPageSliceBytes and decompressed a window (kPageWindowBytes) ahead of what
// is asked for: ZSTD, GZIP (multi-member streams too), BROTLI, SNAPPY and
// uncompressed pages stream, and the memory held is a slice plus the
// largest piece asked for. SNAPPY is decoded here, keeping the last
// kSnappyHistoryBytes of output for back-references (every known writer
// compresses in 64 KiB blocks, so references never reach further); a page
// whose references do reach further is decompressed whole instead, as are
// LZ4 and LZ4_RAW pages, into one buffer of the page's stated size, the
// compressed copy freed at once.
//
// The stream must decompress to exactly the size the page header states:
// Next() fails when it ends early, Finish() when it goes on or its frame is
// cut short.
//
// Thread-safety: one thread uses a source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "tributary/core/status.h"
#include "tributary/formats/parquet/thrift_io.h"
#include "tributary/io/random_access.h"

namespace tributary::parquet {

inline constexpr size_t kPageSliceBytes = 1u << 20;
// Decompressed bytes buffered ahead of what Next() has handed out.
inline constexpr size_t kPageWindowBytes = 256u << 10;
inline constexpr size_t kSnappyHistoryBytes = 64u << 10;

class PageSource {
 public:
  PageSource();
  ~PageSource();
  PageSource(const PageSource&) = delete;
  PageSource& operator=(const PageSource&) = delete;

  // The page's compressed bytes are [offset, offset + csize) of file; they
  // decompress to usize bytes. Earlier state is dropped.
  Status Open(const RandomAccessFile* file, uint64_t offset, size_t csize, size_t usize,
              fmt::CompressionCodec::type codec);

  // Points *out at the next n bytes of the decompressed stream, valid until
  // the next call. Fails when fewer than n remain.
  Status Next(size_t n, const uint8_t** out);
  // Bytes of the decompressed stream not handed out yet.
  size_t remaining() const { return usize_ - produced_; }

  // Decompresses what is left (discarding it) and checks that the stream
  // ends exactly at the stated size. Pointers from Next() stay valid.
  Status Finish();

  // Frees the buffers (they are otherwise kept for the next page).
  void Release();

 private:
  enum class Mode : uint8_t { kNone, kRaw, kZstd, kGzip, kBrotli, kSnappy, kWhole };
  struct Codecs;

  // Decompresses the next n bytes into dst.
  Status Fill(uint8_t* dst, size_t n);
  // Makes the next compressed slice available; false at the end of the page.
  Result<bool> ReadSlice();
  Status CheckEnded();
  // Makes at least k compressed bytes contiguous at in_pos_ (fewer at the
  // end of the page); *have receives how many there are.
  Status EnsureInput(size_t k, size_t* have);
  // Snappy: decodes elements into the ring until a chunk is ready.
  Status SnappyDecodeSome();
  Status SnappyCopy(size_t offset, size_t len);
  void RingWrite(const uint8_t* p, size_t n);
  // Snappy: a back-reference beyond the history; the page is decompressed whole.
  Status SnappyFallBack();

  const RandomAccessFile* file_ = nullptr;
  Mode mode_ = Mode::kNone;
  uint64_t offset_ = 0;
  size_t csize_ = 0, usize_ = 0;
  size_t produced_ = 0;  // decompressed bytes handed out
  size_t decoded_ = 0;   // decompressed bytes produced by the codec
  size_t consumed_ = 0;  // compressed bytes read from the file
  bool ended_ = false;   // the codec reported the end of its stream
  bool brotli_needs_input_ = true;

  std::unique_ptr<uint8_t[]> in_;  // the current compressed slice
  size_t in_len_ = 0, in_pos_ = 0;
  std::unique_ptr<uint8_t[]> out_;  // decompressed bytes: [win_pos_, win_end_) not yet handed out
  size_t out_cap_ = 0, win_pos_ = 0, win_end_ = 0;
  std::unique_ptr<uint8_t[]> whole_;  // kWhole: the decompressed page
  std::unique_ptr<Codecs> codecs_;

  // Snappy: the ring of decoded bytes (absolute positions; index & mask).
  std::unique_ptr<uint8_t[]> ring_;
  uint64_t ring_head_ = 0;  // bytes decoded
  uint64_t ring_read_ = 0;  // bytes delivered to Fill's callers
  uint64_t literal_left_ = 0;
  bool fell_back_ = false;
};

}  // namespace tributary::parquet
