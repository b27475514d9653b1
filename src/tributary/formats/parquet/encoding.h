// Parquet value and level encodings: the RLE/bit-packed hybrid (levels,
// dictionary indices, booleans), DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT, plus the encoders the writer uses.
//
// Decoders read from a bounded byte range, decode exactly the number of
// values asked for, and fail with InvalidData when the data ends early or is
// malformed; no length read from the data is trusted for an allocation
// beyond the values asked for.
//
// Thread-safety: stateless functions and single-owner buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/status.h"

namespace tributary::parquet {

// Bits needed for values 0..max_value.
inline int BitWidth(uint64_t max_value) {
  int w = 0;
  while (max_value) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

// RLE/bit-packed hybrid, without a length prefix. Decodes exactly count
// values of bit_width bits (0..32) into out. *used receives the bytes read
// (nullable).
Status DecodeHybrid(const uint8_t* p, size_t n, int bit_width, size_t count, uint32_t* out,
                    size_t* used = nullptr);
Status DecodeHybrid16(const uint8_t* p, size_t n, int bit_width, size_t count, int16_t* out);

// The RLE/bit-packed hybrid for levels (bit width 0..16), decoded a piece
// at a time: each Next() continues where the last one stopped, so a page's
// levels can be decoded in bounded slices.
class HybridLevelDecoder {
 public:
  Status Init(const uint8_t* p, size_t n, int bit_width);
  // Decodes the next count levels into out.
  Status Next(size_t count, int16_t* out);

 private:
  const uint8_t* p_ = nullptr;
  size_t n_ = 0, pos_ = 0;
  int bit_width_ = 0;
  bool packed_ = false;    // the current run is bit-packed
  size_t left_ = 0;        // values left in the current run
  int16_t value_ = 0;      // an RLE run's value
  const uint8_t* run_ = nullptr;  // a bit-packed run's bytes
  size_t run_bytes_ = 0, run_index_ = 0;
};

// DELTA_BINARY_PACKED: decodes up to count values (the stream may hold more)
// into out as 64-bit integers; *used receives the bytes the whole encoded
// stream occupies. *total receives the value count in the stream's header.
Status DecodeDeltaBinaryPacked(const uint8_t* p, size_t n, size_t count, std::vector<int64_t>* out,
                               size_t* used, size_t* total);

// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY: values as views. The views
// point into p (DELTA_LENGTH) or into *arena (DELTA_BYTE_ARRAY), which is
// reserved up front so the views stay valid.
Status DecodeDeltaLengthByteArray(const uint8_t* p, size_t n, size_t count, std::vector<std::string_view>* out,
                                  size_t* used);
Status DecodeDeltaByteArray(const uint8_t* p, size_t n, size_t count, std::vector<std::string_view>* out,
                            std::string* arena);

// BYTE_STREAM_SPLIT of count values of width bytes: out gets count * width bytes.
Status DecodeByteStreamSplit(const uint8_t* p, size_t n, size_t width, size_t count, uint8_t* out);
void EncodeByteStreamSplit(const uint8_t* values, size_t width, size_t count, std::string* out);

// Encoder of the RLE/bit-packed hybrid for small values (levels).
class HybridEncoder {
 public:
  explicit HybridEncoder(int bit_width) : bit_width_(bit_width) {}
  void Put(uint32_t v, size_t repeat = 1) {
    if (run_len_ > 0 && v == run_value_) {
      run_len_ += repeat;
      return;
    }
    FlushRun();
    run_value_ = v;
    run_len_ = repeat;
  }
  // Appends the encoding (no length prefix) to *out and resets.
  void Finish(std::string* out);
  size_t EstimatedSize() const { return buffer_.size() + 8; }

 private:
  void FlushRun();
  int bit_width_;
  uint32_t run_value_ = 0;
  size_t run_len_ = 0;
  std::string buffer_;
};

void AppendUleb128(uint64_t v, std::string* out);

}  // namespace tributary::parquet
