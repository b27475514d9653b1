#include "tributary/formats/parquet/codec.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace tributary::parquet {
namespace {

using Codec = fmt::CompressionCodec;

Status SizeMismatch(const char* codec, size_t got, size_t want) {
  return Status::InvalidData(std::string(codec) + " page decompressed to " + std::to_string(got) +
                             " bytes, but its header says " + std::to_string(want));
}

Status Gunzip(const uint8_t* src, size_t n, uint8_t* dst, size_t dst_len) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("cannot initialise zlib");
  zs.next_in = const_cast<Bytef*>(src);
  zs.avail_in = static_cast<uInt>(n);
  zs.next_out = dst;
  zs.avail_out = static_cast<uInt>(dst_len);
  Status st;
  while (true) {
    int r = inflate(&zs, Z_NO_FLUSH);
    if (r == Z_OK) continue;  // progress was made
    if (r == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another gzip member follows (multi-member streams).
      if (inflateReset(&zs) != Z_OK) st = Status::InvalidData("gzip page: cannot start the next member");
      if (!st.ok()) break;
      continue;
    }
    if (r == Z_BUF_ERROR && zs.avail_out == 0) {
      st = Status::InvalidData("gzip page decompresses to more bytes than its header says (" +
                               std::to_string(dst_len) + ")");
    } else if (r == Z_BUF_ERROR) {
      st = Status::InvalidData("gzip page: stream truncated");
    } else {
      st = Status::InvalidData(std::string("gzip page: ") + (zs.msg ? zs.msg : "corrupt stream"));
    }
    break;
  }
  size_t left = zs.avail_out;
  inflateEnd(&zs);
  if (!st.ok()) return st;
  if (left != 0) return SizeMismatch("gzip", dst_len - left, dst_len);
  return Status::OK();
}

// Hadoop's LZ4 framing: blocks of [be32 uncompressed][be32 compressed][lz4 block].
bool TryHadoopLz4(const uint8_t* src, size_t n, uint8_t* dst, size_t dst_len) {
  size_t in = 0, out = 0;
  auto be32 = [&](size_t at) {
    return (uint32_t{src[at]} << 24) | (uint32_t{src[at + 1]} << 16) | (uint32_t{src[at + 2]} << 8) | src[at + 3];
  };
  while (in < n) {
    if (n - in < 8) return false;
    uint32_t raw = be32(in), comp = be32(in + 4);
    in += 8;
    if (comp > n - in || raw > dst_len - out) return false;
    int r = LZ4_decompress_safe(reinterpret_cast<const char*>(src + in), reinterpret_cast<char*>(dst + out),
                                static_cast<int>(comp), static_cast<int>(raw));
    if (r < 0 || static_cast<uint32_t>(r) != raw) return false;
    in += comp;
    out += raw;
  }
  return out == dst_len;
}

class PlainCompressor final : public Compressor {
 public:
  Status Compress(const char* src, size_t n, std::string* out) override {
    out->assign(src, n);
    return Status::OK();
  }
};

class SnappyCompressor final : public Compressor {
 public:
  Status Compress(const char* src, size_t n, std::string* out) override {
    out->resize(snappy::MaxCompressedLength(n));
    size_t len = 0;
    snappy::RawCompress(src, n, out->data(), &len);
    out->resize(len);
    return Status::OK();
  }
};

class ZstdCompressor final : public Compressor {
 public:
  explicit ZstdCompressor(int level) : level_(level), cctx_(ZSTD_createCCtx()) {}
  ~ZstdCompressor() override { ZSTD_freeCCtx(cctx_); }
  Status Compress(const char* src, size_t n, std::string* out) override {
    out->resize(ZSTD_compressBound(n));
    size_t r = ZSTD_compressCCtx(cctx_, out->data(), out->size(), src, n, level_);
    if (ZSTD_isError(r)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(r));
    out->resize(r);
    return Status::OK();
  }

 private:
  int level_;
  ZSTD_CCtx* cctx_;
};

class GzipCompressor final : public Compressor {
 public:
  explicit GzipCompressor(int level) : level_(level) {}
  Status Compress(const char* src, size_t n, std::string* out) override {
    z_stream zs;
    std::memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return Status::Internal("cannot initialise zlib");
    }
    out->resize(deflateBound(&zs, static_cast<uLong>(n)));
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src));
    zs.avail_in = static_cast<uInt>(n);
    zs.next_out = reinterpret_cast<Bytef*>(out->data());
    zs.avail_out = static_cast<uInt>(out->size());
    int r = deflate(&zs, Z_FINISH);
    size_t len = zs.total_out;
    deflateEnd(&zs);
    if (r != Z_STREAM_END) return Status::Internal("gzip compression failed");
    out->resize(len);
    return Status::OK();
  }

 private:
  int level_;
};

}  // namespace

Status Decompress(fmt::CompressionCodec::type codec, const uint8_t* src, size_t n, uint8_t* dst,
                  size_t dst_len) {
  switch (codec) {
    case Codec::UNCOMPRESSED:
      if (n != dst_len) return SizeMismatch("uncompressed", n, dst_len);
      if (n) std::memcpy(dst, src, n);
      return Status::OK();
    case Codec::SNAPPY: {
      size_t len = 0;
      if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(src), n, &len)) {
        return Status::InvalidData("snappy page: corrupt header");
      }
      if (len != dst_len) return SizeMismatch("snappy", len, dst_len);
      if (!snappy::RawUncompress(reinterpret_cast<const char*>(src), n, reinterpret_cast<char*>(dst))) {
        return Status::InvalidData("snappy page: corrupt data");
      }
      return Status::OK();
    }
    case Codec::GZIP:
      return Gunzip(src, n, dst, dst_len);
    case Codec::ZSTD: {
      // A page may hold several concatenated frames; ZSTD_decompress handles that.
      size_t r = ZSTD_decompress(dst, dst_len, src, n);
      if (ZSTD_isError(r)) return Status::InvalidData(std::string("zstd page: ") + ZSTD_getErrorName(r));
      if (r != dst_len) return SizeMismatch("zstd", r, dst_len);
      return Status::OK();
    }
    case Codec::BROTLI: {
      size_t len = dst_len;
      if (BrotliDecoderDecompress(n, src, &len, dst) != BROTLI_DECODER_RESULT_SUCCESS) {
        return Status::InvalidData("brotli page: corrupt data or larger than its header says");
      }
      if (len != dst_len) return SizeMismatch("brotli", len, dst_len);
      return Status::OK();
    }
    case Codec::LZ4_RAW: {
      if (n > 0x7fffffff || dst_len > 0x7fffffff) return Status::InvalidData("lz4 page too large");
      int r = LZ4_decompress_safe(reinterpret_cast<const char*>(src), reinterpret_cast<char*>(dst),
                                  static_cast<int>(n), static_cast<int>(dst_len));
      if (r < 0) return Status::InvalidData("lz4_raw page: corrupt data");
      if (static_cast<size_t>(r) != dst_len) return SizeMismatch("lz4_raw", static_cast<size_t>(r), dst_len);
      return Status::OK();
    }
    case Codec::LZ4: {
      if (n > 0x7fffffff || dst_len > 0x7fffffff) return Status::InvalidData("lz4 page too large");
      if (TryHadoopLz4(src, n, dst, dst_len)) return Status::OK();
      int r = LZ4_decompress_safe(reinterpret_cast<const char*>(src), reinterpret_cast<char*>(dst),
                                  static_cast<int>(n), static_cast<int>(dst_len));
      if (r >= 0 && static_cast<size_t>(r) == dst_len) return Status::OK();
      return Status::InvalidData("lz4 page: neither Hadoop-framed nor raw LZ4 data of the stated size");
    }
    case Codec::LZO:
      return Status::Unsupported("LZO-compressed pages are not supported");
  }
  return Status::Unsupported("unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

Result<std::unique_ptr<Compressor>> MakeCompressor(fmt::CompressionCodec::type codec, int level) {
  switch (codec) {
    case Codec::UNCOMPRESSED: return std::unique_ptr<Compressor>(new PlainCompressor());
    case Codec::SNAPPY: return std::unique_ptr<Compressor>(new SnappyCompressor());
    case Codec::ZSTD: return std::unique_ptr<Compressor>(new ZstdCompressor(level == 0 ? 3 : level));
    case Codec::GZIP: return std::unique_ptr<Compressor>(new GzipCompressor(level == 0 ? 6 : level));
    default: return Status::Unsupported("tributary writes Parquet with zstd, snappy, gzip or no compression");
  }
}

Result<fmt::CompressionCodec::type> ParseParquetCodec(std::string_view name) {
  if (name == "zstd") return Codec::ZSTD;
  if (name == "snappy") return Codec::SNAPPY;
  if (name == "gzip") return Codec::GZIP;
  if (name == "none" || name == "uncompressed") return Codec::UNCOMPRESSED;
  return Status::InvalidArgument("unknown Parquet compression '" + std::string(name) +
                                 "' (choose zstd, snappy, gzip or none)");
}

std::string CodecName(fmt::CompressionCodec::type codec) {
  switch (codec) {
    case Codec::UNCOMPRESSED: return "none";
    case Codec::SNAPPY: return "snappy";
    case Codec::GZIP: return "gzip";
    case Codec::LZO: return "lzo";
    case Codec::BROTLI: return "brotli";
    case Codec::LZ4: return "lz4";
    case Codec::ZSTD: return "zstd";
    case Codec::LZ4_RAW: return "lz4_raw";
  }
  return "codec " + std::to_string(static_cast<int>(codec));
}

}  // namespace tributary::parquet
