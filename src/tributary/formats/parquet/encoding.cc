#include "tributary/formats/parquet/encoding.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <limits>

namespace tributary::parquet {
namespace {

Status Ended(const char* what) { return Status::InvalidData(std::string(what) + " data ends early"); }

bool ReadUleb(const uint8_t* p, size_t n, size_t* pos, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= n) return false;
    uint8_t b = p[(*pos)++];
    r |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = r;
      return true;
    }
  }
  return false;
}

bool ReadZigzag(const uint8_t* p, size_t n, size_t* pos, int64_t* v) {
  uint64_t u;
  if (!ReadUleb(p, n, pos, &u)) return false;
  *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

// Reads value i (bit_width <= 64) of a little-endian bit-packed run of n bytes;
// bytes past n read as zero.
inline uint64_t UnpackAt(const uint8_t* p, size_t n, int bit_width, size_t i) {
  const size_t bit = i * static_cast<size_t>(bit_width);
  const size_t byte = bit >> 3;
  const int shift = static_cast<int>(bit & 7);
  const size_t nbytes = static_cast<size_t>(shift + bit_width + 7) / 8;
  uint64_t lo = 0;
  if (byte + 8 <= n && nbytes <= 8) {
    std::memcpy(&lo, p + byte, 8);
  } else {
    for (size_t k = 0; k < nbytes && k < 8 && byte + k < n; ++k) lo |= uint64_t{p[byte + k]} << (8 * k);
  }
  uint64_t v = lo >> shift;
  if (nbytes == 9 && byte + 8 < n) v |= uint64_t{p[byte + 8]} << (64 - shift);
  if (bit_width < 64) v &= (uint64_t{1} << bit_width) - 1;
  return v;
}

template <typename T>
Status DecodeHybridT(const uint8_t* p, size_t n, int bit_width, size_t count, T* out, size_t* used) {
  if (bit_width < 0 || bit_width > 32) return Status::InvalidData("RLE bit width " + std::to_string(bit_width) + " out of range");
  size_t pos = 0, done = 0;
  const size_t value_bytes = static_cast<size_t>((bit_width + 7) / 8);
  while (done < count) {
    uint64_t header;
    if (!ReadUleb(p, n, &pos, &header)) return Ended("RLE");
    if (header & 1) {
      uint64_t groups = header >> 1;
      if (groups == 0 || groups > (uint64_t{1} << 28)) return Status::InvalidData("RLE: bad bit-packed run");
      size_t values = static_cast<size_t>(groups * 8);
      size_t bytes = static_cast<size_t>(groups) * static_cast<size_t>(bit_width);
      size_t avail = std::min(bytes, n - pos);
      size_t take = std::min(values, count - done);
      if (take * static_cast<size_t>(bit_width) > avail * 8) return Ended("RLE");
      const uint8_t* run = p + pos;
      if (bit_width == 1) {
        for (size_t i = 0; i < take; ++i) out[done + i] = static_cast<T>((run[i >> 3] >> (i & 7)) & 1);
      } else {
        for (size_t i = 0; i < take; ++i) out[done + i] = static_cast<T>(UnpackAt(run, avail, bit_width, i));
      }
      done += take;
      pos += avail;
    } else {
      uint64_t len = header >> 1;
      if (value_bytes > n - pos) return Ended("RLE");
      uint32_t v = 0;
      for (size_t k = 0; k < value_bytes; ++k) v |= uint32_t{p[pos + k]} << (8 * k);
      pos += value_bytes;
      if (bit_width < 32 && (v >> bit_width) != 0) return Status::InvalidData("RLE run value wider than its bit width");
      size_t take = static_cast<size_t>(std::min<uint64_t>(len, count - done));
      T tv = static_cast<T>(v);
      size_t i = 0;
#if defined(__SSE2__)
      if constexpr (sizeof(T) == 2) {
        const __m128i fill = _mm_set1_epi16(static_cast<int16_t>(tv));
        for (; i + 8 <= take; i += 8) _mm_storeu_si128(reinterpret_cast<__m128i*>(out + done + i), fill);
      }
#endif
      for (; i < take; ++i) out[done + i] = tv;
      done += take;
      if (len == 0 && pos >= n) return Ended("RLE");
    }
  }
  if (used) *used = pos;
  return Status::OK();
}

}  // namespace

Status DecodeHybrid(const uint8_t* p, size_t n, int bit_width, size_t count, uint32_t* out, size_t* used) {
  return DecodeHybridT(p, n, bit_width, count, out, used);
}

Status DecodeHybrid16(const uint8_t* p, size_t n, int bit_width, size_t count, int16_t* out) {
  if (bit_width > 16) return Status::InvalidData("level bit width too large");
  return DecodeHybridT(p, n, bit_width, count, out, nullptr);
}

Status HybridLevelDecoder::Init(const uint8_t* p, size_t n, int bit_width) {
  if (bit_width < 0 || bit_width > 16) return Status::InvalidData("level bit width too large");
  p_ = p;
  n_ = n;
  pos_ = 0;
  bit_width_ = bit_width;
  packed_ = false;
  left_ = 0;
  run_ = nullptr;
  run_bytes_ = run_index_ = 0;
  return Status::OK();
}

Status HybridLevelDecoder::Next(size_t count, int16_t* out) {
  const size_t value_bytes = static_cast<size_t>((bit_width_ + 7) / 8);
  size_t done = 0;
  while (done < count) {
    if (left_ == 0) {
      uint64_t header;
      if (!ReadUleb(p_, n_, &pos_, &header)) return Ended("RLE");
      if (header & 1) {
        const uint64_t groups = header >> 1;
        if (groups == 0 || groups > (uint64_t{1} << 28)) return Status::InvalidData("RLE: bad bit-packed run");
        const size_t bytes = static_cast<size_t>(groups) * static_cast<size_t>(bit_width_);
        run_ = p_ + pos_;
        run_bytes_ = std::min(bytes, n_ - pos_);
        run_index_ = 0;
        pos_ += run_bytes_;
        left_ = static_cast<size_t>(groups * 8);
        packed_ = true;
      } else {
        const uint64_t len = header >> 1;
        if (value_bytes > n_ - pos_) return Ended("RLE");
        uint32_t v = 0;
        for (size_t k = 0; k < value_bytes; ++k) v |= uint32_t{p_[pos_ + k]} << (8 * k);
        pos_ += value_bytes;
        if (bit_width_ < 32 && (v >> bit_width_) != 0) return Status::InvalidData("RLE run value wider than its bit width");
        if (len == 0 && pos_ >= n_) return Ended("RLE");
        value_ = static_cast<int16_t>(v);
        left_ = static_cast<size_t>(std::min<uint64_t>(len, std::numeric_limits<size_t>::max()));
        packed_ = false;
      }
      continue;
    }
    const size_t take = std::min(left_, count - done);
    if (packed_) {
      if ((run_index_ + take) * static_cast<size_t>(bit_width_) > run_bytes_ * 8) return Ended("RLE");
      if (bit_width_ == 1) {
        for (size_t i = 0; i < take; ++i) {
          const size_t b = run_index_ + i;
          out[done + i] = static_cast<int16_t>((run_[b >> 3] >> (b & 7)) & 1);
        }
      } else {
        for (size_t i = 0; i < take; ++i) {
          out[done + i] = static_cast<int16_t>(UnpackAt(run_, run_bytes_, bit_width_, run_index_ + i));
        }
      }
      run_index_ += take;
    } else {
      size_t i = 0;
#if defined(__SSE2__)
      const __m128i fill = _mm_set1_epi16(value_);
      for (; i + 8 <= take; i += 8) _mm_storeu_si128(reinterpret_cast<__m128i*>(out + done + i), fill);
#endif
      for (; i < take; ++i) out[done + i] = value_;
    }
    left_ -= take;
    done += take;
  }
  return Status::OK();
}

Status DecodeDeltaBinaryPacked(const uint8_t* p, size_t n, size_t count, std::vector<int64_t>* out, size_t* used,
                               size_t* total) {
  size_t pos = 0;
  uint64_t block_size, miniblocks, total_count;
  int64_t first;
  if (!ReadUleb(p, n, &pos, &block_size) || !ReadUleb(p, n, &pos, &miniblocks) ||
      !ReadUleb(p, n, &pos, &total_count) || !ReadZigzag(p, n, &pos, &first)) {
    return Ended("DELTA_BINARY_PACKED header");
  }
  if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || miniblocks == 0 ||
      block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    return Status::InvalidData("DELTA_BINARY_PACKED: bad block layout (block size " + std::to_string(block_size) +
                               ", miniblocks " + std::to_string(miniblocks) + ")");
  }
  if (total_count > (uint64_t{1} << 40)) return Status::InvalidData("DELTA_BINARY_PACKED: value count out of range");
  *total = static_cast<size_t>(total_count);
  const size_t want = std::min<size_t>(count, static_cast<size_t>(total_count));
  out->clear();
  out->reserve(want);
  const size_t per_mini = static_cast<size_t>(block_size / miniblocks);
  uint64_t last = static_cast<uint64_t>(first);
  if (total_count > 0 && want > 0) out->push_back(first);
  size_t remaining = total_count > 0 ? static_cast<size_t>(total_count) - 1 : 0;
  while (remaining > 0) {
    int64_t min_delta;
    if (!ReadZigzag(p, n, &pos, &min_delta)) return Ended("DELTA_BINARY_PACKED");
    if (miniblocks > n - pos) return Ended("DELTA_BINARY_PACKED");
    const uint8_t* widths = p + pos;
    pos += static_cast<size_t>(miniblocks);
    for (size_t m = 0; m < miniblocks && remaining > 0; ++m) {
      int w = widths[m];
      if (w > 64) return Status::InvalidData("DELTA_BINARY_PACKED: bit width " + std::to_string(w) + " over 64");
      size_t bytes = per_mini * static_cast<size_t>(w) / 8;
      if (bytes > n - pos) return Ended("DELTA_BINARY_PACKED");
      size_t take = std::min(per_mini, remaining);
      for (size_t i = 0; i < take; ++i) {
        uint64_t d = w == 0 ? 0 : UnpackAt(p + pos, bytes, w, i);
        last += static_cast<uint64_t>(min_delta) + d;
        if (out->size() < want) out->push_back(static_cast<int64_t>(last));
      }
      remaining -= take;
      pos += bytes;
    }
  }
  *used = pos;
  return Status::OK();
}

Status DecodeDeltaLengthByteArray(const uint8_t* p, size_t n, size_t count, std::vector<std::string_view>* out,
                                  size_t* used) {
  std::vector<int64_t> lengths;
  size_t hdr = 0, total = 0;
  TRIB_RETURN_NOT_OK(DecodeDeltaBinaryPacked(p, n, count, &lengths, &hdr, &total));
  if (lengths.size() < count) return Ended("DELTA_LENGTH_BYTE_ARRAY");
  size_t pos = hdr;
  out->clear();
  out->reserve(count);
  for (size_t i = 0; i < count; ++i) {
    int64_t len = lengths[i];
    if (len < 0 || static_cast<uint64_t>(len) > n - pos) return Ended("DELTA_LENGTH_BYTE_ARRAY");
    out->emplace_back(reinterpret_cast<const char*>(p + pos), static_cast<size_t>(len));
    pos += static_cast<size_t>(len);
  }
  *used = pos;
  return Status::OK();
}

Status DecodeDeltaByteArray(const uint8_t* p, size_t n, size_t count, std::vector<std::string_view>* out,
                            std::string* arena) {
  std::vector<int64_t> prefixes;
  size_t used = 0, total = 0;
  TRIB_RETURN_NOT_OK(DecodeDeltaBinaryPacked(p, n, count, &prefixes, &used, &total));
  if (prefixes.size() < count) return Ended("DELTA_BYTE_ARRAY");
  std::vector<std::string_view> suffixes;
  size_t used2 = 0;
  TRIB_RETURN_NOT_OK(DecodeDeltaLengthByteArray(p + used, n - used, count, &suffixes, &used2));
  // Total size first, so the arena never moves while views point into it.
  size_t bytes = 0;
  size_t prev_len = 0;
  for (size_t i = 0; i < count; ++i) {
    if (prefixes[i] < 0 || static_cast<uint64_t>(prefixes[i]) > prev_len) {
      return Status::InvalidData("DELTA_BYTE_ARRAY: prefix longer than the previous value");
    }
    prev_len = static_cast<size_t>(prefixes[i]) + suffixes[i].size();
    bytes += prev_len;
    if (bytes > (size_t{1} << 31)) return Status::InvalidData("DELTA_BYTE_ARRAY: values too large");
  }
  arena->clear();
  arena->reserve(bytes);
  out->clear();
  out->reserve(count);
  std::string_view prev;
  for (size_t i = 0; i < count; ++i) {
    size_t start = arena->size();
    arena->append(prev.data(), static_cast<size_t>(prefixes[i]));
    arena->append(suffixes[i]);
    prev = std::string_view(arena->data() + start, arena->size() - start);
    out->push_back(prev);
  }
  return Status::OK();
}

Status DecodeByteStreamSplit(const uint8_t* p, size_t n, size_t width, size_t count, uint8_t* out) {
  if (width == 0 || n % width != 0 || n / width < count) return Ended("BYTE_STREAM_SPLIT");
  const size_t stride = n / width;  // values in the page's stream
  for (size_t k = 0; k < width; ++k) {
    const uint8_t* s = p + k * stride;
    for (size_t i = 0; i < count; ++i) out[i * width + k] = s[i];
  }
  return Status::OK();
}

void EncodeByteStreamSplit(const uint8_t* values, size_t width, size_t count, std::string* out) {
  size_t base = out->size();
  out->resize(base + width * count);
  char* o = out->data() + base;
  for (size_t k = 0; k < width; ++k) {
    char* s = o + k * count;
    for (size_t i = 0; i < count; ++i) s[i] = static_cast<char>(values[i * width + k]);
  }
}

void AppendUleb128(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void HybridEncoder::FlushRun() {
  if (run_len_ == 0) return;
  AppendUleb128(uint64_t{run_len_} << 1, &buffer_);
  for (int k = 0; k < (bit_width_ + 7) / 8; ++k) buffer_.push_back(static_cast<char>((run_value_ >> (8 * k)) & 0xff));
  run_len_ = 0;
}

void HybridEncoder::Finish(std::string* out) {
  FlushRun();
  out->append(buffer_);
  buffer_.clear();
}

}  // namespace tributary::parquet
