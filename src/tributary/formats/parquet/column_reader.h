// Reads one column chunk of a Parquet row group, one page at a time.
//
// Each NextPage() reads a page header and the page through the
// RandomAccessFile, checks its CRC when the header has one, decompresses it, and decodes its repetition and
// definition levels and its values (PLAIN, dictionary, RLE booleans,
// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY,
// BYTE_STREAM_SPLIT), for data pages v1 and v2. Dictionary pages are kept
// for the pages that follow. Every size read from the file is checked
// against the chunk's byte range and fixed caps before anything is
// allocated.
//
// Memory: a page of up to kSegmentPageBytes is held whole. A larger PLAIN
// page (DuckDB writes a row group's vectors as pages of 100 MB and more) is
// read as a stream (PageSource) and handed out in segments of at most
// kSegmentEntries level entries: each NextPage() then yields the page's next
// segment, decoded from the next stretch of the decompressed stream, so
// memory is bounded by a segment, not by the page. Consumers see segments as
// pages (a row may continue in the next one). Large pages in other
// encodings are held whole.
//
// Values are addressed by their index among the current page's (segment's)
// non-null values.
//
// Thread-safety: one reader per thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <zstd.h>

#include "tributary/core/status.h"
#include "tributary/core/task_thread.h"
#include "tributary/formats/parquet/encoding.h"
#include "tributary/formats/parquet/page_source.h"
#include "tributary/formats/parquet/schema.h"
#include "tributary/formats/parquet/thrift_io.h"
#include "tributary/io/random_access.h"

namespace tributary::parquet {

// Caps on what one page may make the reader allocate.
inline constexpr size_t kMaxPageBytes = 256u << 20;
inline constexpr size_t kMaxPageEntries = 32u << 20;
// zstd pages larger than this (compressed) are read and decompressed in
// slices of kStreamSliceBytes.
inline constexpr size_t kStreamPageBytes = 16u << 20;
inline constexpr size_t kStreamSliceBytes = 4u << 20;
// PLAIN data pages larger than this (compressed or not) are read in
// segments of at most kSegmentEntries entries and kSegmentValueBytes of
// fixed-width values.
inline constexpr size_t kSegmentPageBytes = 8u << 20;
inline constexpr size_t kSegmentEntries = 128u << 10;
inline constexpr size_t kSegmentValueBytes = 2u << 20;

class ColumnChunkReader {
 public:
  // where: a prefix for messages ("f.parquet: column 'x' in row group 2").
  ColumnChunkReader(const RandomAccessFile* file, const LeafColumn* leaf, std::string where);

  // data_end: where the column data of the file ends (the footer's start).
  Status Open(const fmt::ColumnChunk& chunk, uint64_t data_end);

  // Reads and decompresses the next data page (v1) on another thread while
  // the current one is consumed. For the column that carries most bytes.
  void EnablePrefetch() { prefetch_ = true; }

  // Loads the next data page (dictionary and index pages are handled on
  // the way). Sets *eof at the end of the chunk instead.
  Status NextPage(bool* eof);

  // Moves a cursor (entry *e and value *v of the current page, at the start
  // of a row) forward by n rows, loading pages as needed. Data pages whose
  // row count the header states (v2 pages; v1 pages of columns without
  // repetition) and that lie wholly inside the skipped rows are stepped over
  // without being read or decompressed.
  Status SkipRows(int64_t n, size_t* e, size_t* v);

  // The current page: level entries (one per value slot, nulls included).
  size_t entries() const { return entries_; }
  int16_t def(size_t i) const { return leaf_->max_def == 0 ? 0 : defs_[i]; }
  int16_t rep(size_t i) const { return leaf_->max_rep == 0 ? 0 : reps_[i]; }
  const int16_t* defs() const { return leaf_->max_def == 0 ? nullptr : defs_.data(); }
  const int16_t* reps() const { return leaf_->max_rep == 0 ? nullptr : reps_.data(); }
  size_t num_values() const { return num_values_; }

  // Value v among the non-null values of the page.
  const uint8_t* Fixed(size_t v) const {
    return dict_ ? dict_fixed_ + static_cast<size_t>(indices_[v]) * width_ : fixed_ + v * width_;
  }
  std::string_view Bytes(size_t v) const {
    if (width_ != 0) return std::string_view(reinterpret_cast<const char*>(Fixed(v)), width_);
    return dict_ ? dict_views_[indices_[v]] : views_[v];
  }
  int64_t Int(size_t v) const {
    if (width_ == 4) {
      int32_t x;
      std::memcpy(&x, Fixed(v), 4);
      return x;
    }
    int64_t x;
    std::memcpy(&x, Fixed(v), 8);
    return x;
  }
  uint64_t UInt(size_t v) const {
    if (width_ == 4) {
      uint32_t x;
      std::memcpy(&x, Fixed(v), 4);
      return x;
    }
    uint64_t x;
    std::memcpy(&x, Fixed(v), 8);
    return x;
  }
  float Float(size_t v) const {
    float x;
    std::memcpy(&x, Fixed(v), 4);
    return x;
  }
  double Double(size_t v) const {
    double x;
    std::memcpy(&x, Fixed(v), 8);
    return x;
  }
  bool Bool(size_t v) const { return *Fixed(v) != 0; }
  // The page's values when they are plain FLOATs in one array (fast path;
  // unaligned: copy them with memcpy).
  const uint8_t* PlainFloats() const {
    return !dict_ && leaf_->physical == fmt::Type::FLOAT ? fixed_ : nullptr;
  }
  // The same for DOUBLEs (unaligned: read with memcpy).
  const uint8_t* PlainDoubles() const {
    return !dict_ && leaf_->physical == fmt::Type::DOUBLE ? fixed_ : nullptr;
  }

  uint64_t bytes_consumed() const { return pos_ - start_; }
  const std::string& where() const { return where_; }

 private:
  Status Corrupt(const std::string& what) const;
  Status ReadHeader(uint64_t at, std::string* buf, fmt::PageHeader* h, uint32_t* header_len) const;
  void StartPrefetch();
  Status FetchV1Page(uint64_t at, fmt::PageHeader* h, uint32_t* header_len, bool* fetched);
  // NextPage, but a data page of at most skippable_rows rows (by its
  // header) is skipped unread; *skipped_rows then says how many.
  Status NextPageOrSkip(int64_t skippable_rows, bool* eof, int64_t* skipped_rows);
  Status LoadPage(const fmt::PageHeader& h, uint32_t header_len, bool prefetched, bool* data_page);
  bool Segmentable(const fmt::PageHeader& h) const;
  Status StartSegmentedPage(const fmt::PageHeader& h, uint64_t body, size_t csize, size_t usize, uint64_t page_start);
  Status LoadSegment();
  Status CheckCrcInSlices(uint64_t offset, size_t csize, int32_t crc, uint64_t page_start);
  Status StreamZstd(uint64_t offset, size_t csize, uint8_t* out, size_t usize, uint32_t* crc);
  Status ReadDictionary(const fmt::PageHeader& h, const uint8_t* p, size_t n);
  Status DecodeLevels(fmt::Encoding::type enc, int16_t max, const uint8_t* p, size_t n, bool prefixed,
                      size_t count, std::vector<int16_t>* out, size_t* used);
  Status DecodeValues(fmt::Encoding::type enc, const uint8_t* p, size_t n, size_t count);
  uint8_t* Reserve(std::unique_ptr<uint8_t[]>* buf, size_t* cap, size_t n);

  const RandomAccessFile* file_;
  const LeafColumn* leaf_;
  std::string where_;
  fmt::CompressionCodec::type codec_ = fmt::CompressionCodec::UNCOMPRESSED;
  uint64_t start_ = 0, pos_ = 0, end_ = 0;
  int64_t chunk_values_ = 0, values_seen_ = 0;
  int64_t page_index_ = 0;  // pages read in this chunk, 1-based once read
  size_t width_ = 0;  // fixed value width in bytes; 0 for BYTE_ARRAY

  // Buffers, reused across pages.
  std::unique_ptr<uint8_t[]> raw_, page_, dict_page_;
  struct DctxFree {
    void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
  };
  std::unique_ptr<ZSTD_DCtx, DctxFree> dctx_;
  size_t raw_cap_ = 0, page_cap_ = 0, dict_page_cap_ = 0;
  std::string header_buf_;

  size_t entries_ = 0, num_values_ = 0;
  std::vector<int16_t> defs_, reps_;
  bool dict_ = false;  // current page is dictionary-encoded
  const uint8_t* fixed_ = nullptr;
  std::vector<uint8_t> owned_fixed_;
  std::vector<std::string_view> views_;
  std::vector<uint32_t> indices_;
  std::string arena_;
  std::vector<int64_t> ints_;

  // The page read in segments, when the current page is one.
  PageSource seg_src_;
  std::vector<uint8_t> seg_levels_;  // its encoded repetition then definition levels
  HybridLevelDecoder seg_rep_, seg_def_;
  size_t seg_left_ = 0;  // entries of the page not yet handed out
  bool seg_used_ = false;
  std::vector<uint64_t> seg_ends_;  // byte array values' ends in arena_

  bool has_dict_ = false;
  size_t dict_count_ = 0;
  const uint8_t* dict_fixed_ = nullptr;
  std::vector<uint8_t> dict_owned_;
  std::vector<std::string_view> dict_views_;

  // Prefetch of the next page (worker side: pf_* only).
  bool prefetch_ = false;
  uint64_t pf_pos_ = 0;
  fmt::PageHeader pf_h_;
  uint32_t pf_header_len_ = 0;
  bool pf_fetched_ = false;
  Status pf_status_;
  std::string pf_header_buf_;
  std::unique_ptr<uint8_t[]> pf_raw_, pf_page_;
  size_t pf_raw_cap_ = 0, pf_page_cap_ = 0;
  // Last, so it is destroyed (waiting for the worker) before what it uses.
  TaskThread pf_;
};

}  // namespace tributary::parquet
