#include "tributary/formats/parquet/column_reader.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tributary/formats/parquet/codec.h"
#include "tributary/formats/parquet/encoding.h"

namespace tributary::parquet {
namespace {

using fmt::Encoding;
using fmt::PageType;
using fmt::Type;

size_t FixedWidth(const LeafColumn& leaf) {
  switch (leaf.physical) {
    case Type::BOOLEAN: return 1;
    case Type::INT32:
    case Type::FLOAT: return 4;
    case Type::INT64:
    case Type::DOUBLE: return 8;
    case Type::INT96: return 12;
    case Type::FIXED_LEN_BYTE_ARRAY: return static_cast<size_t>(leaf.type_length);
    default: return 0;
  }
}

bool CrcMatches(const uint8_t* p, size_t n, int32_t expected) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t done = 0; done < n;) {
    const size_t step = std::min<size_t>(n - done, 1u << 30);
    crc = crc32(crc, p + done, static_cast<uInt>(step));
    done += step;
  }
  return static_cast<uint32_t>(crc) == static_cast<uint32_t>(expected);
}

uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

// Whether every level lies in [0, max].
bool LevelsInRange(const int16_t* p, size_t n, int16_t max) {
  size_t i = 0;
  int16_t lo = 0, hi = 0;
#if defined(__SSE2__)
  __m128i vlo = _mm_setzero_si128(), vhi = _mm_setzero_si128();
  for (; i + 8 <= n; i += 8) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    vlo = _mm_min_epi16(vlo, x);
    vhi = _mm_max_epi16(vhi, x);
  }
  alignas(16) int16_t l[8], h[8];
  _mm_store_si128(reinterpret_cast<__m128i*>(l), vlo);
  _mm_store_si128(reinterpret_cast<__m128i*>(h), vhi);
  for (int k = 0; k < 8; ++k) {
    lo = std::min(lo, l[k]);
    hi = std::max(hi, h[k]);
  }
#endif
  for (; i < n; ++i) {
    lo = std::min(lo, p[i]);
    hi = std::max(hi, p[i]);
  }
  return lo >= 0 && hi <= max;
}

// How many levels equal v.
size_t CountEqual(const int16_t* p, size_t n, int16_t v) {
  size_t c = 0, i = 0;
#if defined(__SSE2__)
  // Each lane counts down by one per match (cmpeq gives -1); lanes are
  // folded into c before they could wrap.
  const __m128i vv = _mm_set1_epi16(v);
  while (i + 8 <= n) {
    __m128i acc = _mm_setzero_si128();
    const size_t stop = std::min(n - (n - i) % 8, i + 8 * 32000);
    for (; i < stop; i += 8) {
      acc = _mm_add_epi16(acc, _mm_cmpeq_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), vv));
    }
    alignas(16) int16_t lanes[8];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), acc);
    for (int16_t x : lanes) c += static_cast<size_t>(-static_cast<int>(x));
  }
#endif
  for (; i < n; ++i) c += p[i] == v;
  return c;
}

const char* EncodingName(Encoding::type e) {
  switch (e) {
    case Encoding::PLAIN: return "PLAIN";
    case Encoding::PLAIN_DICTIONARY: return "PLAIN_DICTIONARY";
    case Encoding::RLE: return "RLE";
    case Encoding::BIT_PACKED: return "BIT_PACKED";
    case Encoding::DELTA_BINARY_PACKED: return "DELTA_BINARY_PACKED";
    case Encoding::DELTA_LENGTH_BYTE_ARRAY: return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::DELTA_BYTE_ARRAY: return "DELTA_BYTE_ARRAY";
    case Encoding::RLE_DICTIONARY: return "RLE_DICTIONARY";
    case Encoding::BYTE_STREAM_SPLIT: return "BYTE_STREAM_SPLIT";
  }
  return "unknown";
}

}  // namespace

ColumnChunkReader::ColumnChunkReader(const RandomAccessFile* file, const LeafColumn* leaf, std::string where)
    : file_(file), leaf_(leaf), where_(std::move(where)) {
  width_ = FixedWidth(*leaf);
}

Status ColumnChunkReader::Corrupt(const std::string& what) const {
  return Status::InvalidData(where_ + ": " + what);
}

uint8_t* ColumnChunkReader::Reserve(std::unique_ptr<uint8_t[]>* buf, size_t* cap, size_t n) {
  // A buffer grown for a large page is given back once pages are small again.
  if (n > *cap || !*buf || (*cap > kSegmentPageBytes && n <= kSegmentPageBytes / 2)) {
    size_t c = std::max<size_t>(n, 64);
    buf->reset(new uint8_t[c]);
    *cap = c;
  }
  return buf->get();
}

Status ColumnChunkReader::Open(const fmt::ColumnChunk& chunk, uint64_t data_end) {
  if (chunk.__isset.crypto_metadata || chunk.__isset.encrypted_column_metadata) {
    return Status::Unsupported(where_ + ": the column is encrypted; tributary does not read encrypted Parquet files");
  }
  if (chunk.__isset.file_path && !chunk.file_path.empty()) {
    return Status::Unsupported(where_ + ": the column's data is in another file ('" + chunk.file_path + "')");
  }
  if (!chunk.__isset.meta_data) return Corrupt("column chunk has no metadata");
  const fmt::ColumnMetaData& md = chunk.meta_data;
  if (md.type != leaf_->physical) return Corrupt("column chunk's type differs from the schema's");
  codec_ = md.codec;
  int64_t start = md.data_page_offset;
  if (md.__isset.dictionary_page_offset && md.dictionary_page_offset > 0 && md.dictionary_page_offset < start) {
    start = md.dictionary_page_offset;
  }
  if (start < 4 || md.total_compressed_size < 0 || static_cast<uint64_t>(start) > data_end ||
      static_cast<uint64_t>(md.total_compressed_size) > data_end - static_cast<uint64_t>(start)) {
    return Corrupt("column chunk's byte range [" + std::to_string(start) + ", +" +
                   std::to_string(md.total_compressed_size) + ") lies outside the file's data");
  }
  if (md.num_values < 0) return Corrupt("negative value count");
  pf_.Wait();
  start_ = pos_ = static_cast<uint64_t>(start);
  end_ = start_ + static_cast<uint64_t>(md.total_compressed_size);
  chunk_values_ = md.num_values;
  values_seen_ = 0;
  has_dict_ = false;
  entries_ = num_values_ = 0;
  page_index_ = 0;
  seg_left_ = 0;
  return Status::OK();
}

Status ColumnChunkReader::ReadHeader(uint64_t at, std::string* buf, fmt::PageHeader* h, uint32_t* header_len) const {
  const uint64_t left = end_ - at;
  size_t window = static_cast<size_t>(std::min<uint64_t>(left, 256));
  while (true) {
    buf->resize(window);
    TRIB_RETURN_NOT_OK(file_->ReadAt(at, window, buf->data()));
    uint32_t len = static_cast<uint32_t>(window);
    *h = fmt::PageHeader();
    Status st = ReadThrift(reinterpret_cast<const uint8_t*>(buf->data()), &len, h, "page header");
    if (st.ok()) {
      *header_len = len;
      return Status::OK();
    }
    if (window >= left || window >= (64u << 20)) {
      return Corrupt(st.message() + " (at offset " + std::to_string(at) + ")");
    }
    window = static_cast<size_t>(std::min<uint64_t>(left, window * 16));
  }
}

Status ColumnChunkReader::NextPage(bool* eof) {
  int64_t unused = 0;
  return NextPageOrSkip(0, eof, &unused);
}

Status ColumnChunkReader::NextPageOrSkip(int64_t skippable_rows, bool* eof, int64_t* skipped_rows) {
  *skipped_rows = 0;
  if (seg_left_ > 0) {  // the next segment of a page read in segments
    *eof = false;
    return LoadSegment();
  }
  while (true) {
    if (pos_ >= end_ || values_seen_ >= chunk_values_) {
      if (values_seen_ < chunk_values_) {
        return Corrupt("column chunk ends after " + std::to_string(values_seen_) + " of its " +
                       std::to_string(chunk_values_) + " values");
      }
      *eof = true;
      entries_ = num_values_ = 0;
      return Status::OK();
    }
    fmt::PageHeader h;
    uint32_t header_len = 0;
    bool prefetched = false;
    if (pf_.Wait()) {  // the worker's read-ahead of this page, if any
      if (pf_status_.ok() && pf_pos_ == pos_ && pf_fetched_ && skippable_rows == 0) {
        h = std::move(pf_h_);
        header_len = pf_header_len_;
        prefetched = true;
      }
    }
    if (!prefetched) TRIB_RETURN_NOT_OK(ReadHeader(pos_, &header_buf_, &h, &header_len));
    if (skippable_rows > 0) {
      // A data page whose row count its header states (v2 pages; v1 pages
      // of columns without repetition) is stepped over unread when all its
      // rows are to be skipped.
      int64_t rows = -1, values = -1;
      if (h.type == PageType::DATA_PAGE_V2 && h.__isset.data_page_header_v2) {
        rows = h.data_page_header_v2.num_rows;
        values = h.data_page_header_v2.num_values;
      } else if (h.type == PageType::DATA_PAGE && h.__isset.data_page_header && leaf_->max_rep == 0) {
        rows = values = h.data_page_header.num_values;
      }
      if (rows >= 0 && values >= 0 && rows <= skippable_rows && h.compressed_page_size >= 0 &&
          static_cast<uint64_t>(h.compressed_page_size) <= end_ - pos_ - header_len &&
          values <= chunk_values_ - values_seen_) {
        pos_ += header_len + static_cast<uint64_t>(h.compressed_page_size);
        values_seen_ += values;
        ++page_index_;
        *skipped_rows = rows;
        *eof = false;
        entries_ = num_values_ = 0;
        return Status::OK();
      }
    }
    bool data_page = false;
    TRIB_RETURN_NOT_OK(LoadPage(h, header_len, prefetched, &data_page));
    if (data_page) {
      if (prefetch_) StartPrefetch();
      *eof = false;
      return Status::OK();
    }
  }
}

Status ColumnChunkReader::StreamZstd(uint64_t offset, size_t csize, uint8_t* out, size_t usize, uint32_t* crc) {
  if (!dctx_) dctx_.reset(ZSTD_createDCtx());
  if (!dctx_) return Status::Internal("zstd: out of memory");
  ZSTD_DCtx_reset(dctx_.get(), ZSTD_reset_session_only);
  uint8_t* slice = Reserve(&raw_, &raw_cap_, kStreamSliceBytes);
  uLong c = crc32(0L, Z_NULL, 0);
  ZSTD_outBuffer ob{out, usize, 0};
  size_t last = 1;
  for (size_t done = 0; done < csize;) {
    const size_t n = std::min(kStreamSliceBytes, csize - done);
    TRIB_RETURN_NOT_OK(file_->ReadAt(offset + done, n, reinterpret_cast<char*>(slice)));
    c = crc32(c, slice, static_cast<uInt>(n));
    done += n;
    ZSTD_inBuffer ib{slice, n, 0};
    while (ib.pos < ib.size) {
      const size_t in_before = ib.pos, out_before = ob.pos;
      last = ZSTD_decompressStream(dctx_.get(), &ob, &ib);
      if (ZSTD_isError(last)) return Corrupt(std::string("zstd page: ") + ZSTD_getErrorName(last));
      if (ib.pos == in_before && ob.pos == out_before) {  // the output is full and more would come
        return Corrupt("zstd page: decompresses to more than the " + std::to_string(usize) + " bytes its header states");
      }
    }
  }
  if (last != 0 || ob.pos != usize) {
    return Corrupt("zstd page: decompresses to " + std::to_string(ob.pos) + " bytes, not the " + std::to_string(usize) +
                   " its header states");
  }
  *crc = static_cast<uint32_t>(c);
  return Status::OK();
}

Status ColumnChunkReader::SkipRows(int64_t n, size_t* e, size_t* v) {
  const int16_t max_def = leaf_->max_def;
  bool continuing = false;  // inside a skipped row that may go on in the next page
  while (n > 0 || continuing) {
    if (*e >= entries_) {
      bool eof = false;
      int64_t skipped = 0;
      TRIB_RETURN_NOT_OK(NextPageOrSkip(continuing ? 0 : n, &eof, &skipped));
      *e = *v = 0;
      if (eof) {
        if (n > 0) return Corrupt("the column ends before the row group's last row");
        return Status::OK();
      }
      n -= skipped;
      continue;
    }
    if (leaf_->max_rep == 0) {
      const size_t k = static_cast<size_t>(std::min<int64_t>(n, static_cast<int64_t>(entries_ - *e)));
      *v += max_def == 0 ? k : CountEqual(defs_.data() + *e, k, max_def);
      *e += k;
      n -= static_cast<int64_t>(k);
      continue;
    }
    // Rows start at entries of repetition level 0.
    size_t j = *e;
    for (; j < entries_; ++j) {
      if (reps_[j] == 0) {
        if (n == 0) break;
        --n;
      }
      if (max_def == 0 || defs_[j] == max_def) ++*v;
    }
    *e = j;
    continuing = j == entries_;  // the last skipped row may continue
    if (j < entries_) break;
  }
  return Status::OK();
}

void ColumnChunkReader::StartPrefetch() {
  if (pos_ >= end_ || values_seen_ >= chunk_values_) return;
  pf_pos_ = pos_;
  pf_.Start([this] {
    pf_fetched_ = false;
    pf_status_ = FetchV1Page(pf_pos_, &pf_h_, &pf_header_len_, &pf_fetched_);
  });
}

// Reads the page at `at` into pf_page_ (decompressed) when it is a v1 data
// page of ordinary size; otherwise only its header is read and *fetched
// stays false. Runs on a worker thread: touches only pf_* members and the
// file.
Status ColumnChunkReader::FetchV1Page(uint64_t at, fmt::PageHeader* h, uint32_t* header_len, bool* fetched) {
  TRIB_RETURN_NOT_OK(ReadHeader(at, &pf_header_buf_, h, header_len));
  if (h->type != PageType::DATA_PAGE || !h->__isset.data_page_header || h->compressed_page_size < 0 ||
      h->uncompressed_page_size < 0) {
    return Status::OK();
  }
  const uint64_t body = at + *header_len;
  const size_t csize = static_cast<size_t>(h->compressed_page_size);
  const size_t usize = static_cast<size_t>(h->uncompressed_page_size);
  if (csize > end_ - body || usize > kMaxPageBytes || csize > kSegmentPageBytes || usize > kSegmentPageBytes) {
    return Status::OK();  // left to the reading thread, which reports or streams it
  }
  uint8_t* raw = Reserve(&pf_raw_, &pf_raw_cap_, csize);
  TRIB_RETURN_NOT_OK(file_->ReadAt(body, csize, reinterpret_cast<char*>(raw)));
  if (h->__isset.crc && !CrcMatches(raw, csize, h->crc)) return Status::OK();  // reported by the reading thread
  uint8_t* out = Reserve(&pf_page_, &pf_page_cap_, usize);
  if (!Decompress(codec_, raw, csize, out, usize).ok()) return Status::OK();  // likewise
  *fetched = true;
  return Status::OK();
}

Status ColumnChunkReader::LoadPage(const fmt::PageHeader& h, uint32_t header_len, bool prefetched, bool* data_page) {
  *data_page = false;
  if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0) return Corrupt("negative page size");
  const uint64_t body = pos_ + header_len;
  if (static_cast<uint64_t>(h.compressed_page_size) > end_ - body) {
    return Corrupt("page at offset " + std::to_string(pos_) + " runs past the end of the column chunk");
  }
  const size_t csize = static_cast<size_t>(h.compressed_page_size);
  const size_t usize = static_cast<size_t>(h.uncompressed_page_size);
  const uint64_t page_start = pos_;
  pos_ = body + csize;
  if (h.type == PageType::INDEX_PAGE) return Status::OK();
  if (h.type != PageType::DATA_PAGE && h.type != PageType::DATA_PAGE_V2 && h.type != PageType::DICTIONARY_PAGE) {
    return Status::OK();  // unknown page kinds are skipped, as the format allows
  }
  if (usize > kMaxPageBytes) {
    return Corrupt("page at offset " + std::to_string(page_start) + " claims " + std::to_string(usize) +
                   " bytes uncompressed, over the " + std::to_string(kMaxPageBytes) + "-byte limit");
  }
  ++page_index_;
  if (seg_used_) {  // the last page was read in segments: give its buffers back
    seg_src_.Release();
    seg_used_ = false;
  }
  if (!prefetched && std::max(csize, usize) > kSegmentPageBytes && Segmentable(h)) {
    *data_page = true;
    return StartSegmentedPage(h, body, csize, usize, page_start);
  }
  // Large zstd data pages (v1) are read in slices and decompressed as they
  // come, so the compressed page is never whole in memory.
  const bool stream = codec_ == fmt::CompressionCodec::ZSTD && h.type == PageType::DATA_PAGE && csize > kStreamPageBytes;
  // A prefetched page is already read, checked and decompressed.
  const bool read_here = !stream && !prefetched;
  uint8_t* raw = read_here ? Reserve(&raw_, &raw_cap_, csize) : nullptr;
  if (read_here) TRIB_RETURN_NOT_OK(file_->ReadAt(body, csize, reinterpret_cast<char*>(raw)));
  if (h.__isset.crc && read_here) {
    // CRC-32 of the page as stored (after compression), when the writer set one.
    if (!CrcMatches(raw, csize, h.crc)) {
      return Corrupt("page " + std::to_string(page_index_) + " (at offset " + std::to_string(page_start) +
                     ") fails its CRC check: the page is corrupt");
    }
  }

  if (h.type == PageType::DICTIONARY_PAGE) {
    if (!h.__isset.dictionary_page_header) return Corrupt("dictionary page without its header");
    uint8_t* out = Reserve(&dict_page_, &dict_page_cap_, usize);
    Status st = Decompress(codec_, raw, csize, out, usize);
    if (!st.ok()) return Corrupt(st.message());
    if (raw_cap_ > kSegmentPageBytes) {  // the compressed copy of a large page goes at once
      raw_.reset();
      raw_cap_ = 0;
    }
    return ReadDictionary(h, out, usize);
  }

  *data_page = true;
  size_t num_entries;
  const uint8_t* levels = nullptr;
  size_t levels_len = 0;
  const uint8_t* values;
  size_t values_len;
  Encoding::type encoding;
  bool v2 = h.type == PageType::DATA_PAGE_V2;
  size_t rep_len = 0, def_len = 0;
  if (!v2) {
    if (!h.__isset.data_page_header) return Corrupt("data page without its header");
    const auto& dp = h.data_page_header;
    if (dp.num_values < 0) return Corrupt("negative value count in a page");
    num_entries = static_cast<size_t>(dp.num_values);
    encoding = dp.encoding;
    if (prefetched) {
      page_.swap(pf_page_);
      std::swap(page_cap_, pf_page_cap_);
    }
    uint8_t* out = prefetched ? page_.get() : Reserve(&page_, &page_cap_, usize);
    if (prefetched) {
      // Decompressed by the worker.
    } else if (stream) {
      uint32_t crc = 0;
      TRIB_RETURN_NOT_OK(StreamZstd(body, csize, out, usize, &crc));
      if (h.__isset.crc && crc != static_cast<uint32_t>(h.crc)) {
        return Corrupt("page " + std::to_string(page_index_) + " (at offset " + std::to_string(page_start) +
                       ") fails its CRC check: the page is corrupt");
      }
    } else {
      Status st = Decompress(codec_, raw, csize, out, usize);
      if (!st.ok()) return Corrupt(st.message());
      if (raw_cap_ > kSegmentPageBytes) {  // the compressed copy of a large page goes at once
        raw_.reset();
        raw_cap_ = 0;
      }
    }
    values = out;
    values_len = usize;
  } else {
    if (!h.__isset.data_page_header_v2) return Corrupt("data page v2 without its header");
    const auto& dp = h.data_page_header_v2;
    if (dp.num_values < 0 || dp.num_nulls < 0 || dp.num_rows < 0 || dp.definition_levels_byte_length < 0 ||
        dp.repetition_levels_byte_length < 0) {
      return Corrupt("negative count in a data page v2 header");
    }
    num_entries = static_cast<size_t>(dp.num_values);
    encoding = dp.encoding;
    rep_len = static_cast<size_t>(dp.repetition_levels_byte_length);
    def_len = static_cast<size_t>(dp.definition_levels_byte_length);
    if (rep_len + def_len > csize || rep_len + def_len > usize) return Corrupt("data page v2 levels exceed the page");
    levels = raw;
    levels_len = rep_len + def_len;
    const size_t vcomp = csize - levels_len, vraw = usize - levels_len;
    const bool compressed = !dp.__isset.is_compressed || dp.is_compressed;
    if (!compressed || vraw == 0) {
      if (vcomp != vraw && !(vraw == 0 && compressed)) return Corrupt("uncompressed v2 page sizes disagree");
      values = raw + levels_len;
      values_len = vraw;
    } else {
      uint8_t* out = Reserve(&page_, &page_cap_, vraw);
      Status st = Decompress(codec_, raw + levels_len, vcomp, out, vraw);
      if (!st.ok()) return Corrupt(st.message());
      values = out;
      values_len = vraw;
    }
  }
  if (num_entries > kMaxPageEntries) {
    return Corrupt("page claims " + std::to_string(num_entries) + " values, over the limit of " +
                   std::to_string(kMaxPageEntries));
  }
  if (static_cast<int64_t>(num_entries) > chunk_values_ - values_seen_) {
    return Corrupt("pages hold more values than the column chunk's metadata says");
  }

  // Levels.
  size_t pos = 0;
  if (!v2) {
    if (leaf_->max_rep > 0) {
      size_t used;
      TRIB_RETURN_NOT_OK(DecodeLevels(h.data_page_header.repetition_level_encoding, leaf_->max_rep, values + pos,
                                      values_len - pos, true, num_entries, &reps_, &used));
      pos += used;
    }
    if (leaf_->max_def > 0) {
      size_t used;
      TRIB_RETURN_NOT_OK(DecodeLevels(h.data_page_header.definition_level_encoding, leaf_->max_def, values + pos,
                                      values_len - pos, true, num_entries, &defs_, &used));
      pos += used;
    }
    values += pos;
    values_len -= pos;
  } else {
    size_t used;
    if (leaf_->max_rep > 0) {
      TRIB_RETURN_NOT_OK(DecodeLevels(Encoding::RLE, leaf_->max_rep, levels, rep_len, false, num_entries, &reps_, &used));
    }
    if (leaf_->max_def > 0) {
      TRIB_RETURN_NOT_OK(DecodeLevels(Encoding::RLE, leaf_->max_def, levels + rep_len, def_len, false, num_entries, &defs_, &used));
    }
  }
  entries_ = num_entries;
  // Count non-null values and check the levels' ranges.
  size_t nn = num_entries;
  if (leaf_->max_def > 0) {
    if (!LevelsInRange(defs_.data(), num_entries, leaf_->max_def)) {
      return Corrupt("definition level above the column's maximum");
    }
    nn = CountEqual(defs_.data(), num_entries, leaf_->max_def);
  }
  if (leaf_->max_rep > 0 && !LevelsInRange(reps_.data(), num_entries, leaf_->max_rep)) {
    return Corrupt("repetition level above the column's maximum");
  }
  num_values_ = nn;
  values_seen_ += static_cast<int64_t>(num_entries);
  Status st = DecodeValues(encoding, values, values_len, nn);
  if (!st.ok()) return Corrupt(st.message());
  return Status::OK();
}

bool ColumnChunkReader::Segmentable(const fmt::PageHeader& h) const {
  if (leaf_->physical == Type::BOOLEAN) return false;
  if (h.type == PageType::DATA_PAGE) {
    if (!h.__isset.data_page_header) return false;
    const auto& dp = h.data_page_header;
    return dp.encoding == Encoding::PLAIN && (leaf_->max_rep == 0 || dp.repetition_level_encoding == Encoding::RLE) &&
           (leaf_->max_def == 0 || dp.definition_level_encoding == Encoding::RLE);
  }
  return h.type == PageType::DATA_PAGE_V2 && h.__isset.data_page_header_v2 &&
         h.data_page_header_v2.encoding == Encoding::PLAIN;
}

Status ColumnChunkReader::CheckCrcInSlices(uint64_t offset, size_t csize, int32_t crc, uint64_t page_start) {
  std::unique_ptr<uint8_t[]> slice(new uint8_t[std::min(csize, kPageSliceBytes) + 1]);
  uLong c = crc32(0L, Z_NULL, 0);
  for (size_t done = 0; done < csize;) {
    const size_t n = std::min(kPageSliceBytes, csize - done);
    TRIB_RETURN_NOT_OK(file_->ReadAt(offset + done, n, reinterpret_cast<char*>(slice.get())));
    c = crc32(c, slice.get(), static_cast<uInt>(n));
    done += n;
  }
  if (static_cast<uint32_t>(c) != static_cast<uint32_t>(crc)) {
    return Corrupt("page " + std::to_string(page_index_) + " (at offset " + std::to_string(page_start) +
                   ") fails its CRC check: the page is corrupt");
  }
  return Status::OK();
}

Status ColumnChunkReader::StartSegmentedPage(const fmt::PageHeader& h, uint64_t body, size_t csize, size_t usize,
                                             uint64_t page_start) {
  // The CRC covers the page as stored; it is checked before any of the
  // page's values are handed out.
  if (h.__isset.crc) TRIB_RETURN_NOT_OK(CheckCrcInSlices(body, csize, h.crc, page_start));
  seg_used_ = true;
  size_t num_entries, rep_len = 0, def_len = 0;
  seg_levels_.clear();
  if (h.type == PageType::DATA_PAGE) {
    const auto& dp = h.data_page_header;
    if (dp.num_values < 0) return Corrupt("negative value count in a page");
    num_entries = static_cast<size_t>(dp.num_values);
    Status st = seg_src_.Open(file_, body, csize, usize, codec_);
    if (!st.ok()) return Corrupt(st.message());
    // v1: each level section is a 4-byte length and its RLE runs.
    for (int which = 0; which < 2; ++which) {
      const int16_t max = which == 0 ? leaf_->max_rep : leaf_->max_def;
      if (max == 0) continue;
      const uint8_t* q;
      if (!seg_src_.Next(4, &q).ok()) return Corrupt("levels end early");
      const uint32_t len = LoadLe32(q);
      if (len > seg_src_.remaining()) return Corrupt("levels' length runs past the page");
      st = seg_src_.Next(len, &q);
      if (!st.ok()) return Corrupt(st.message());
      seg_levels_.insert(seg_levels_.end(), q, q + len);
      (which == 0 ? rep_len : def_len) = len;
    }
  } else {
    const auto& dp = h.data_page_header_v2;
    if (dp.num_values < 0 || dp.num_nulls < 0 || dp.num_rows < 0 || dp.definition_levels_byte_length < 0 ||
        dp.repetition_levels_byte_length < 0) {
      return Corrupt("negative count in a data page v2 header");
    }
    num_entries = static_cast<size_t>(dp.num_values);
    rep_len = static_cast<size_t>(dp.repetition_levels_byte_length);
    def_len = static_cast<size_t>(dp.definition_levels_byte_length);
    if (rep_len + def_len > csize || rep_len + def_len > usize) return Corrupt("data page v2 levels exceed the page");
    // v2: the levels lie uncompressed before the values.
    const size_t levels_len = rep_len + def_len;
    seg_levels_.resize(levels_len);
    if (levels_len) TRIB_RETURN_NOT_OK(file_->ReadAt(body, levels_len, reinterpret_cast<char*>(seg_levels_.data())));
    const size_t vcomp = csize - levels_len, vraw = usize - levels_len;
    const bool compressed = !dp.__isset.is_compressed || dp.is_compressed;
    Status st;
    if (!compressed || vraw == 0) {
      if (vcomp != vraw && !(vraw == 0 && compressed)) return Corrupt("uncompressed v2 page sizes disagree");
      st = seg_src_.Open(file_, body + levels_len, vraw, vraw, fmt::CompressionCodec::UNCOMPRESSED);
    } else {
      st = seg_src_.Open(file_, body + levels_len, vcomp, vraw, codec_);
    }
    if (!st.ok()) return Corrupt(st.message());
  }
  if (num_entries > kMaxPageEntries) {
    return Corrupt("page claims " + std::to_string(num_entries) + " values, over the limit of " +
                   std::to_string(kMaxPageEntries));
  }
  if (static_cast<int64_t>(num_entries) > chunk_values_ - values_seen_) {
    return Corrupt("pages hold more values than the column chunk's metadata says");
  }
  Status st = seg_rep_.Init(seg_levels_.data(), rep_len, BitWidth(static_cast<uint64_t>(leaf_->max_rep)));
  if (st.ok()) st = seg_def_.Init(seg_levels_.data() + rep_len, def_len, BitWidth(static_cast<uint64_t>(leaf_->max_def)));
  if (!st.ok()) return Corrupt("levels: " + st.message());
  values_seen_ += static_cast<int64_t>(num_entries);
  seg_left_ = num_entries;
  if (num_entries == 0) {
    entries_ = num_values_ = 0;
    st = seg_src_.Finish();
    if (!st.ok()) return Corrupt(st.message());
    return Status::OK();
  }
  return LoadSegment();
}

Status ColumnChunkReader::LoadSegment() {
  size_t k = std::min(seg_left_, kSegmentEntries);
  if (width_ != 0) k = std::min(k, std::max<size_t>(1, kSegmentValueBytes / width_));
  if (leaf_->max_rep > 0) {
    reps_.resize(k);
    Status st = seg_rep_.Next(k, reps_.data());
    if (!st.ok()) return Corrupt("levels: " + st.message());
    if (!LevelsInRange(reps_.data(), k, leaf_->max_rep)) return Corrupt("repetition level above the column's maximum");
  }
  size_t nn = k;
  if (leaf_->max_def > 0) {
    defs_.resize(k);
    Status st = seg_def_.Next(k, defs_.data());
    if (!st.ok()) return Corrupt("levels: " + st.message());
    if (!LevelsInRange(defs_.data(), k, leaf_->max_def)) return Corrupt("definition level above the column's maximum");
    nn = CountEqual(defs_.data(), k, leaf_->max_def);
  }
  entries_ = k;
  num_values_ = nn;
  dict_ = false;
  if (width_ != 0) {
    if (nn > seg_src_.remaining() / width_) return Corrupt("PLAIN values end early");
    const uint8_t* q = nullptr;
    Status st = seg_src_.Next(nn * width_, &q);
    if (!st.ok()) return Corrupt(st.message());
    fixed_ = q;
  } else {
    // Byte arrays: copied into the arena (the stream's window moves on).
    arena_.clear();
    seg_ends_.clear();
    for (size_t i = 0; i < nn; ++i) {
      const uint8_t* q;
      if (seg_src_.remaining() < 4) return Corrupt("PLAIN values end early");
      Status st = seg_src_.Next(4, &q);
      if (!st.ok()) return Corrupt(st.message());
      const uint32_t len = LoadLe32(q);
      if (len > seg_src_.remaining()) return Corrupt("PLAIN value runs past the page");
      st = seg_src_.Next(len, &q);
      if (!st.ok()) return Corrupt(st.message());
      arena_.append(reinterpret_cast<const char*>(q), len);
      seg_ends_.push_back(arena_.size());
    }
    views_.clear();
    views_.reserve(nn);
    uint64_t begin = 0;
    for (uint64_t end : seg_ends_) {
      views_.emplace_back(arena_.data() + begin, end - begin);
      begin = end;
    }
  }
  seg_left_ -= k;
  if (seg_left_ == 0) {
    // The page's last segment: the stream must end where its header says.
    Status st = seg_src_.Finish();
    if (!st.ok()) return Corrupt(st.message());
  }
  return Status::OK();
}

Status ColumnChunkReader::DecodeLevels(fmt::Encoding::type enc, int16_t max, const uint8_t* p, size_t n,
                                       bool prefixed, size_t count, std::vector<int16_t>* out, size_t* used) {
  const int bw = BitWidth(static_cast<uint64_t>(max));
  out->resize(count);
  if (enc == Encoding::RLE) {
    size_t len = n, skip = 0;
    if (prefixed) {
      if (n < 4) return Corrupt("levels end early");
      len = LoadLe32(p);
      if (len > n - 4) return Corrupt("levels' length runs past the page");
      skip = 4;
    }
    Status st = DecodeHybrid16(p + skip, len, bw, count, out->data());
    if (!st.ok()) return Corrupt("levels: " + st.message());
    *used = skip + len;
    return Status::OK();
  }
  if (enc == Encoding::BIT_PACKED) {
    // The deprecated level encoding: most significant bit first.
    const size_t bytes = (count * static_cast<size_t>(bw) + 7) / 8;
    if (bytes > n) return Corrupt("bit-packed levels end early");
    for (size_t i = 0; i < count; ++i) {
      int v = 0;
      for (int b = 0; b < bw; ++b) {
        size_t bit = i * static_cast<size_t>(bw) + static_cast<size_t>(b);
        v = (v << 1) | ((p[bit / 8] >> (7 - bit % 8)) & 1);
      }
      (*out)[i] = static_cast<int16_t>(v);
    }
    *used = bytes;
    return Status::OK();
  }
  return Corrupt(std::string("levels in unsupported encoding ") + EncodingName(enc));
}

Status ColumnChunkReader::ReadDictionary(const fmt::PageHeader& h, const uint8_t* p, size_t n) {
  const auto& dh = h.dictionary_page_header;
  if (dh.encoding != Encoding::PLAIN && dh.encoding != Encoding::PLAIN_DICTIONARY) {
    return Corrupt(std::string("dictionary page in unsupported encoding ") + EncodingName(dh.encoding));
  }
  if (dh.num_values < 0) return Corrupt("negative dictionary size");
  const size_t count = static_cast<size_t>(dh.num_values);
  dict_views_.clear();
  if (leaf_->physical == Type::BOOLEAN) return Corrupt("dictionary page for a BOOLEAN column");
  if (width_ != 0) {
    if (count > n / width_) return Corrupt("dictionary page ends early");
    dict_fixed_ = p;
  } else {
    if (count > n / 4) return Corrupt("dictionary page ends early");
    dict_views_.reserve(count);
    size_t pos = 0;
    for (size_t i = 0; i < count; ++i) {
      if (n - pos < 4) return Corrupt("dictionary page ends early");
      uint32_t len = LoadLe32(p + pos);
      pos += 4;
      if (len > n - pos) return Corrupt("dictionary page ends early");
      dict_views_.emplace_back(reinterpret_cast<const char*>(p + pos), len);
      pos += len;
    }
  }
  dict_count_ = count;
  has_dict_ = true;
  return Status::OK();
}

Status ColumnChunkReader::DecodeValues(fmt::Encoding::type enc, const uint8_t* p, size_t n, size_t count) {
  dict_ = false;
  const Type::type t = leaf_->physical;
  switch (enc) {
    case Encoding::PLAIN:
      if (t == Type::BOOLEAN) {
        if ((count + 7) / 8 > n) return Status::InvalidData("PLAIN booleans end early");
        owned_fixed_.resize(count);
        for (size_t i = 0; i < count; ++i) owned_fixed_[i] = (p[i >> 3] >> (i & 7)) & 1;
        fixed_ = owned_fixed_.data();
        return Status::OK();
      }
      if (width_ != 0) {
        if (count > n / width_) return Status::InvalidData("PLAIN values end early");
        fixed_ = p;
        return Status::OK();
      } else {
        if (count > n / 4) return Status::InvalidData("PLAIN values end early");
        views_.clear();
        views_.reserve(count);
        size_t pos = 0;
        for (size_t i = 0; i < count; ++i) {
          if (n - pos < 4) return Status::InvalidData("PLAIN values end early");
          uint32_t len = LoadLe32(p + pos);
          pos += 4;
          if (len > n - pos) return Status::InvalidData("PLAIN value runs past the page");
          views_.emplace_back(reinterpret_cast<const char*>(p + pos), len);
          pos += len;
        }
        return Status::OK();
      }
    case Encoding::PLAIN_DICTIONARY:
    case Encoding::RLE_DICTIONARY: {
      if (!has_dict_) return Status::InvalidData("dictionary-encoded page without a dictionary page");
      indices_.resize(count);
      if (count > 0) {
        if (n < 1) return Status::InvalidData("dictionary indices end early");
        int bw = p[0];
        if (bw > 32) return Status::InvalidData("dictionary index bit width " + std::to_string(bw) + " over 32");
        TRIB_RETURN_NOT_OK(DecodeHybrid(p + 1, n - 1, bw, count, indices_.data()));
        uint32_t bad = 0;
        for (size_t i = 0; i < count; ++i) bad |= indices_[i] >= dict_count_;
        if (bad) return Status::InvalidData("dictionary index out of range");
      }
      dict_ = true;
      return Status::OK();
    }
    case Encoding::RLE: {
      if (t != Type::BOOLEAN) return Status::InvalidData("RLE values for a non-BOOLEAN column");
      if (n < 4) return Status::InvalidData("RLE booleans end early");
      uint32_t len = LoadLe32(p);
      if (len > n - 4) return Status::InvalidData("RLE booleans' length runs past the page");
      indices_.resize(count);
      TRIB_RETURN_NOT_OK(DecodeHybrid(p + 4, len, 1, count, indices_.data()));
      owned_fixed_.resize(count);
      for (size_t i = 0; i < count; ++i) owned_fixed_[i] = static_cast<uint8_t>(indices_[i]);
      fixed_ = owned_fixed_.data();
      return Status::OK();
    }
    case Encoding::DELTA_BINARY_PACKED: {
      if (t != Type::INT32 && t != Type::INT64) return Status::InvalidData("DELTA_BINARY_PACKED for a non-integer column");
      size_t used, total;
      TRIB_RETURN_NOT_OK(DecodeDeltaBinaryPacked(p, n, count, &ints_, &used, &total));
      if (ints_.size() < count) return Status::InvalidData("DELTA_BINARY_PACKED holds fewer values than the page");
      owned_fixed_.resize(count * width_);
      if (t == Type::INT32) {
        for (size_t i = 0; i < count; ++i) {
          int32_t v = static_cast<int32_t>(ints_[i]);
          std::memcpy(owned_fixed_.data() + i * 4, &v, 4);
        }
      } else if (count) {
        std::memcpy(owned_fixed_.data(), ints_.data(), count * 8);
      }
      fixed_ = owned_fixed_.data();
      return Status::OK();
    }
    case Encoding::DELTA_LENGTH_BYTE_ARRAY: {
      if (t != Type::BYTE_ARRAY) return Status::InvalidData("DELTA_LENGTH_BYTE_ARRAY for a non-BYTE_ARRAY column");
      size_t used;
      return DecodeDeltaLengthByteArray(p, n, count, &views_, &used);
    }
    case Encoding::DELTA_BYTE_ARRAY: {
      if (t != Type::BYTE_ARRAY && t != Type::FIXED_LEN_BYTE_ARRAY) {
        return Status::InvalidData("DELTA_BYTE_ARRAY for a column that is not a byte array");
      }
      TRIB_RETURN_NOT_OK(DecodeDeltaByteArray(p, n, count, &views_, &arena_));
      if (width_ != 0) {
        owned_fixed_.resize(count * width_);
        for (size_t i = 0; i < count; ++i) {
          if (views_[i].size() != width_) return Status::InvalidData("DELTA_BYTE_ARRAY value of the wrong fixed length");
          std::memcpy(owned_fixed_.data() + i * width_, views_[i].data(), width_);
        }
        fixed_ = owned_fixed_.data();
      }
      return Status::OK();
    }
    case Encoding::BYTE_STREAM_SPLIT: {
      if (width_ == 0 || t == Type::BOOLEAN || t == Type::INT96) {
        return Status::InvalidData("BYTE_STREAM_SPLIT for a column of variable width");
      }
      owned_fixed_.resize(count * width_);
      TRIB_RETURN_NOT_OK(DecodeByteStreamSplit(p, n, width_, count, owned_fixed_.data()));
      fixed_ = owned_fixed_.data();
      return Status::OK();
    }
    default:
      return Status::Unsupported(std::string("values in unsupported encoding ") + EncodingName(enc));
  }
}

}  // namespace tributary::parquet
