// Page compression codecs of the Parquet format: UNCOMPRESSED, SNAPPY, GZIP
// (multi-member streams too), BROTLI, ZSTD, LZ4_RAW, and LZ4 in both the
// Hadoop framing and the raw block form. Built on Debian's libsnappy, zlib,
// libbrotli, libzstd and liblz4.
//
// Decompression writes into a buffer of the size the page header states and
// fails unless the codec produces exactly that many bytes, so a hostile page
// can never write past or allocate beyond its declared size.
//
// Thread-safety: a Compressor is used by one thread at a time; Decompress is
// stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "tributary/core/status.h"
#include "tributary/formats/parquet/thrift_io.h"

namespace tributary::parquet {

// Decompresses src into dst, which must receive exactly dst_len bytes.
Status Decompress(fmt::CompressionCodec::type codec, const uint8_t* src, size_t src_len, uint8_t* dst,
                  size_t dst_len);

// Compresses pages for the writer; keeps codec contexts between pages.
class Compressor {
 public:
  virtual ~Compressor() = default;
  // Replaces *out with the compressed form of src.
  virtual Status Compress(const char* src, size_t n, std::string* out) = 0;
};

// codec: UNCOMPRESSED, SNAPPY, GZIP or ZSTD. level 0 means the codec's default.
Result<std::unique_ptr<Compressor>> MakeCompressor(fmt::CompressionCodec::type codec, int level);

// "zstd", "snappy", "gzip", "none"/"uncompressed".
Result<fmt::CompressionCodec::type> ParseParquetCodec(std::string_view name);
std::string CodecName(fmt::CompressionCodec::type codec);

}  // namespace tributary::parquet
