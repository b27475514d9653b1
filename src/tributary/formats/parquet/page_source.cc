#include "tributary/formats/parquet/page_source.h"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include <snappy.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "tributary/formats/parquet/codec.h"

namespace tributary::parquet {

using Codec = fmt::CompressionCodec;

namespace {

constexpr size_t kRingBytes = 256u << 10;  // history + a chunk + the longest copy, with room
constexpr size_t kRingMask = kRingBytes - 1;
constexpr size_t kSnappyChunk = 64u << 10;

Status SnappyTruncated() { return Status::InvalidData("snappy page: stream truncated"); }

}  // namespace

struct PageSource::Codecs {
  ZSTD_DCtx* zstd = nullptr;
  z_stream zs;
  bool zs_init = false;
  BrotliDecoderState* brotli = nullptr;

  Codecs() { std::memset(&zs, 0, sizeof(zs)); }
  ~Codecs() {
    if (zstd) ZSTD_freeDCtx(zstd);
    if (zs_init) inflateEnd(&zs);
    if (brotli) BrotliDecoderDestroyInstance(brotli);
  }
};

PageSource::PageSource() = default;
PageSource::~PageSource() = default;

void PageSource::Release() {
  in_.reset();
  out_.reset();
  whole_.reset();
  ring_.reset();
  out_cap_ = 0;
  in_len_ = in_pos_ = 0;
  win_pos_ = win_end_ = 0;
  mode_ = Mode::kNone;
}

Status PageSource::Open(const RandomAccessFile* file, uint64_t offset, size_t csize, size_t usize,
                        fmt::CompressionCodec::type codec) {
  file_ = file;
  offset_ = offset;
  csize_ = csize;
  usize_ = usize;
  produced_ = decoded_ = consumed_ = 0;
  in_len_ = in_pos_ = 0;
  win_pos_ = win_end_ = 0;
  ended_ = false;
  whole_.reset();
  if (!codecs_) codecs_ = std::make_unique<Codecs>();
  switch (codec) {
    case Codec::UNCOMPRESSED:
      if (csize != usize) {
        return Status::InvalidData("uncompressed page decompressed to " + std::to_string(csize) +
                                   " bytes, but its header says " + std::to_string(usize));
      }
      mode_ = Mode::kRaw;
      return Status::OK();
    case Codec::ZSTD:
      if (!codecs_->zstd) codecs_->zstd = ZSTD_createDCtx();
      if (!codecs_->zstd) return Status::Internal("zstd: out of memory");
      ZSTD_DCtx_reset(codecs_->zstd, ZSTD_reset_session_only);
      mode_ = Mode::kZstd;
      return Status::OK();
    case Codec::GZIP:
      if (!codecs_->zs_init) {
        if (inflateInit2(&codecs_->zs, 15 + 32) != Z_OK) return Status::Internal("cannot initialise zlib");
        codecs_->zs_init = true;
      } else if (inflateReset(&codecs_->zs) != Z_OK) {
        return Status::Internal("cannot reset zlib");
      }
      mode_ = Mode::kGzip;
      return Status::OK();
    case Codec::SNAPPY: {
      if (!ring_) ring_.reset(new uint8_t[kRingBytes]);
      ring_head_ = ring_read_ = literal_left_ = 0;
      fell_back_ = false;
      mode_ = Mode::kSnappy;
      // The preamble: the uncompressed length as a varint.
      size_t have = 0;
      TRIB_RETURN_NOT_OK(EnsureInput(5, &have));
      uint64_t len = 0;
      size_t i = 0;
      for (; i < have && i < 5; ++i) {
        const uint8_t b = in_[in_pos_ + i];
        len |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) break;
      }
      if (i == have || i == 5) return Status::InvalidData("snappy page: corrupt header");
      in_pos_ += i + 1;
      if (len != usize) {
        return Status::InvalidData("snappy page decompressed to " + std::to_string(len) +
                                   " bytes, but its header says " + std::to_string(usize));
      }
      return Status::OK();
    }
    case Codec::BROTLI:
      if (codecs_->brotli) BrotliDecoderDestroyInstance(codecs_->brotli);
      codecs_->brotli = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
      if (!codecs_->brotli) return Status::Internal("brotli: out of memory");
      mode_ = Mode::kBrotli;
      brotli_needs_input_ = true;
      return Status::OK();
    default: {
      // Block codecs: the whole page, decompressed at once; the compressed
      // copy lives only for the call.
      mode_ = Mode::kWhole;
      whole_.reset(new uint8_t[std::max<size_t>(usize, 1)]);
      std::unique_ptr<uint8_t[]> comp(new uint8_t[std::max<size_t>(csize, 1)]);
      TRIB_RETURN_NOT_OK(file->ReadAt(offset, csize, reinterpret_cast<char*>(comp.get())));
      consumed_ = csize;
      return Decompress(codec, comp.get(), csize, whole_.get(), usize);
    }
  }
}

Result<bool> PageSource::ReadSlice() {
  if (consumed_ >= csize_) return false;
  // Bytes not consumed yet (a few, when a snappy tag straddles slices) move
  // to the front.
  if (!in_) in_.reset(new uint8_t[kPageSliceBytes + 16]);
  const size_t keep = in_len_ - in_pos_;
  if (keep > 16) return Status::Internal("page source: unread input before a new slice");
  if (keep) std::memmove(in_.get(), in_.get() + in_pos_, keep);
  const size_t n = std::min(kPageSliceBytes, csize_ - consumed_);
  TRIB_RETURN_NOT_OK(file_->ReadAt(offset_ + consumed_, n, reinterpret_cast<char*>(in_.get() + keep)));
  consumed_ += n;
  in_len_ = keep + n;
  in_pos_ = 0;
  return true;
}

Status PageSource::EnsureInput(size_t k, size_t* have) {
  while (in_len_ - in_pos_ < k) {
    TRIB_ASSIGN_OR_RETURN(bool more, ReadSlice());
    if (!more) break;
  }
  *have = in_len_ - in_pos_;
  return Status::OK();
}

void PageSource::RingWrite(const uint8_t* p, size_t n) {
  while (n > 0) {
    const size_t at = static_cast<size_t>(ring_head_ & kRingMask);
    const size_t k = std::min(n, kRingBytes - at);
    std::memcpy(ring_.get() + at, p, k);
    ring_head_ += k;
    p += k;
    n -= k;
  }
}

Status PageSource::SnappyFallBack() {
  std::unique_ptr<uint8_t[]> comp(new uint8_t[std::max<size_t>(csize_, 1)]);
  TRIB_RETURN_NOT_OK(file_->ReadAt(offset_, csize_, reinterpret_cast<char*>(comp.get())));
  whole_.reset(new uint8_t[std::max<size_t>(usize_, 1)]);
  TRIB_RETURN_NOT_OK(Decompress(Codec::SNAPPY, comp.get(), csize_, whole_.get(), usize_));
  fell_back_ = true;
  return Status::OK();
}

Status PageSource::SnappyCopy(size_t offset, size_t len) {
  if (offset == 0 || offset > ring_head_) return Status::InvalidData("snappy page: corrupt data (a copy reaches before the start)");
  if (len > usize_ - ring_head_) {
    return Status::InvalidData("page decompresses to more than the " + std::to_string(usize_) + " bytes its header states");
  }
  if (offset > kSnappyHistoryBytes) return SnappyFallBack();
  uint8_t* ring = ring_.get();
  const size_t src = static_cast<size_t>((ring_head_ - offset) & kRingMask);
  const size_t dst = static_cast<size_t>(ring_head_ & kRingMask);
  if (offset >= len && src + len <= kRingBytes && dst + len <= kRingBytes) {
    std::memcpy(ring + dst, ring + src, len);
  } else {  // overlapping (a repeated pattern) or wrapping round the ring
    for (size_t i = 0; i < len; ++i) ring[(dst + i) & kRingMask] = ring[(src + i) & kRingMask];
  }
  ring_head_ += len;
  return Status::OK();
}

Status PageSource::SnappyDecodeSome() {
  while (!fell_back_ && ring_head_ - ring_read_ < kSnappyChunk && ring_head_ < usize_) {
    if (literal_left_ > 0) {
      if (in_pos_ == in_len_) {
        TRIB_ASSIGN_OR_RETURN(bool more, ReadSlice());
        if (!more) return SnappyTruncated();
      }
      const size_t k = static_cast<size_t>(std::min<uint64_t>(
          {literal_left_, in_len_ - in_pos_, kSnappyChunk - (ring_head_ - ring_read_)}));
      RingWrite(in_.get() + in_pos_, k);
      in_pos_ += k;
      literal_left_ -= k;
      continue;
    }
    size_t have = 0;
    TRIB_RETURN_NOT_OK(EnsureInput(5, &have));
    if (have == 0) return SnappyTruncated();
    const uint8_t* p = in_.get() + in_pos_;
    const uint8_t tag = p[0];
    auto le = [&](size_t at, size_t n) {
      uint32_t v = 0;
      for (size_t i = 0; i < n; ++i) v |= uint32_t{p[at + i]} << (8 * i);
      return v;
    };
    switch (tag & 3) {
      case 0: {  // literal
        uint64_t len = tag >> 2;
        size_t header = 1;
        if (len >= 60) {
          const size_t n = len - 59;
          if (have < 1 + n) return SnappyTruncated();
          len = le(1, n);
          header += n;
        }
        ++len;
        if (len > usize_ - ring_head_) {
          return Status::InvalidData("page decompresses to more than the " + std::to_string(usize_) +
                                     " bytes its header states");
        }
        in_pos_ += header;
        literal_left_ = len;
        break;
      }
      case 1:
        if (have < 2) return SnappyTruncated();
        in_pos_ += 2;
        TRIB_RETURN_NOT_OK(SnappyCopy((size_t{tag} >> 5) << 8 | p[1], 4 + ((tag >> 2) & 7)));
        break;
      case 2:
        if (have < 3) return SnappyTruncated();
        in_pos_ += 3;
        TRIB_RETURN_NOT_OK(SnappyCopy(le(1, 2), 1 + (tag >> 2)));
        break;
      default:
        if (have < 5) return SnappyTruncated();
        in_pos_ += 5;
        TRIB_RETURN_NOT_OK(SnappyCopy(le(1, 4), 1 + (tag >> 2)));
        break;
    }
  }
  return Status::OK();
}

Status PageSource::Fill(uint8_t* dst, size_t n) {
  auto short_page = [&](const char* codec, size_t got) {
    return Status::InvalidData(std::string(codec) + " page: decompresses to " + std::to_string(decoded_ + got) +
                               " bytes, not the " + std::to_string(usize_) + " its header states");
  };
  switch (mode_) {
    case Mode::kRaw:
      TRIB_RETURN_NOT_OK(file_->ReadAt(offset_ + consumed_, n, reinterpret_cast<char*>(dst)));
      consumed_ += n;
      return Status::OK();
    case Mode::kZstd: {
      // With the input all read, the codec may still hold output to flush:
      // the stream is short only when a call with no input yields nothing.
      ZSTD_outBuffer ob{dst, n, 0};
      while (ob.pos < n) {
        bool at_end = false;
        if (in_pos_ == in_len_) {
          TRIB_ASSIGN_OR_RETURN(bool more, ReadSlice());
          at_end = !more;
        }
        const size_t before = ob.pos;
        ZSTD_inBuffer ib{in_.get(), in_len_, in_pos_};
        const size_t r = ZSTD_decompressStream(codecs_->zstd, &ob, &ib);
        if (ZSTD_isError(r)) return Status::InvalidData(std::string("zstd page: ") + ZSTD_getErrorName(r));
        in_pos_ = ib.pos;
        ended_ = r == 0;
        if (at_end && ob.pos == before) return short_page("zstd", ob.pos);
      }
      return Status::OK();
    }
    case Mode::kGzip: {
      z_stream& zs = codecs_->zs;
      zs.next_out = dst;
      zs.avail_out = static_cast<uInt>(n);
      while (zs.avail_out > 0) {
        bool at_end = false;
        if (in_pos_ == in_len_) {
          TRIB_ASSIGN_OR_RETURN(bool more, ReadSlice());
          at_end = !more;
        }
        if (ended_) {  // another gzip member follows, if there is more input
          if (at_end) return short_page("gzip", n - zs.avail_out);
          if (inflateReset(&zs) != Z_OK) return Status::InvalidData("gzip page: cannot start the next member");
          ended_ = false;
        }
        const uInt before = zs.avail_out;
        zs.next_in = in_.get() + in_pos_;
        zs.avail_in = static_cast<uInt>(in_len_ - in_pos_);
        const int r = inflate(&zs, Z_NO_FLUSH);
        in_pos_ = in_len_ - zs.avail_in;
        if (r == Z_STREAM_END) {
          ended_ = true;
        } else if (r != Z_OK && !(r == Z_BUF_ERROR && zs.avail_in == 0)) {
          return Status::InvalidData(std::string("gzip page: ") + (zs.msg ? zs.msg : "corrupt stream"));
        } else if (at_end && zs.avail_out == before) {
          return short_page("gzip", n - zs.avail_out);
        }
      }
      return Status::OK();
    }
    case Mode::kBrotli: {
      size_t avail_out = n;
      uint8_t* next_out = dst;
      while (avail_out > 0) {
        if (ended_) return short_page("brotli", n - avail_out);
        // The decoder says when it needs input; it may hold output first.
        if (in_pos_ == in_len_ && brotli_needs_input_) {
          TRIB_ASSIGN_OR_RETURN(bool more, ReadSlice());
          if (!more) return short_page("brotli", n - avail_out);
        }
        size_t avail_in = in_len_ - in_pos_;
        const uint8_t* next_in = in_.get() + in_pos_;
        const BrotliDecoderResult r =
            BrotliDecoderDecompressStream(codecs_->brotli, &avail_in, &next_in, &avail_out, &next_out, nullptr);
        in_pos_ = in_len_ - avail_in;
        if (r == BROTLI_DECODER_RESULT_ERROR) return Status::InvalidData("brotli page: corrupt data");
        ended_ = r == BROTLI_DECODER_RESULT_SUCCESS;
        brotli_needs_input_ = r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT;
      }
      return Status::OK();
    }
    case Mode::kSnappy: {
      // decoded_ (bytes delivered before this call) is where dst starts.
      size_t done = 0;
      while (done < n) {
        if (fell_back_) {
          std::memcpy(dst + done, whole_.get() + decoded_ + done, n - done);
          ring_read_ += n - done;
          return Status::OK();
        }
        const size_t avail = static_cast<size_t>(ring_head_ - ring_read_);
        if (avail == 0) {
          if (ring_head_ >= usize_) return short_page("snappy", done);
          TRIB_RETURN_NOT_OK(SnappyDecodeSome());
          continue;
        }
        const size_t at = static_cast<size_t>(ring_read_ & kRingMask);
        const size_t k = std::min({avail, n - done, kRingBytes - at});
        std::memcpy(dst + done, ring_.get() + at, k);
        ring_read_ += k;
        done += k;
      }
      return Status::OK();
    }
    case Mode::kWhole:
    case Mode::kNone:
      break;
  }
  return Status::Internal("page source used without a page");
}

Status PageSource::Next(size_t n, const uint8_t** out) {
  if (n > remaining()) {
    return Status::InvalidData("page ends early: " + std::to_string(n) + " more bytes needed, " +
                               std::to_string(remaining()) + " left");
  }
  if (mode_ == Mode::kWhole) {
    *out = whole_.get() + produced_;
    produced_ += n;
    return Status::OK();
  }
  const size_t have = win_end_ - win_pos_;
  if (have < n) {
    // Refill the window: keep what is buffered, decompress up to a window
    // (or n, when more is asked for at once) more.
    const size_t want = std::min(std::max(n, kPageWindowBytes), have + (usize_ - decoded_));
    if (want > out_cap_ || !out_) {
      std::unique_ptr<uint8_t[]> grown(new uint8_t[want]);
      if (have) std::memcpy(grown.get(), out_.get() + win_pos_, have);
      out_ = std::move(grown);
      out_cap_ = want;
    } else if (have) {
      std::memmove(out_.get(), out_.get() + win_pos_, have);
    }
    win_pos_ = 0;
    win_end_ = have;
    TRIB_RETURN_NOT_OK(Fill(out_.get() + have, want - have));
    decoded_ += want - have;
    win_end_ = want;
  }
  *out = out_.get() + win_pos_;
  win_pos_ += n;
  produced_ += n;
  return Status::OK();
}

Status PageSource::CheckEnded() {
  // Whatever input is left must produce nothing more and end the stream;
  // with the input all read, one last call lets the codec finish.
  uint8_t probe[256];
  while (true) {
    bool at_end = false;
    if (in_pos_ == in_len_) {
      TRIB_ASSIGN_OR_RETURN(bool more, ReadSlice());
      at_end = !more;
    }
    if (at_end && ended_) return Status::OK();
    size_t got = 0;
    bool progress = true;
    if (mode_ == Mode::kZstd) {
      ZSTD_outBuffer ob{probe, sizeof(probe), 0};
      ZSTD_inBuffer ib{in_.get(), in_len_, in_pos_};
      const size_t r = ZSTD_decompressStream(codecs_->zstd, &ob, &ib);
      if (ZSTD_isError(r)) return Status::InvalidData(std::string("zstd page: ") + ZSTD_getErrorName(r));
      progress = ib.pos != in_pos_;
      in_pos_ = ib.pos;
      ended_ = r == 0;
      got = ob.pos;
    } else if (mode_ == Mode::kGzip) {
      z_stream& zs = codecs_->zs;
      if (ended_) {  // more input after a member: another member
        if (inflateReset(&zs) != Z_OK) return Status::InvalidData("gzip page: cannot start the next member");
        ended_ = false;
      }
      zs.next_in = in_.get() + in_pos_;
      zs.avail_in = static_cast<uInt>(in_len_ - in_pos_);
      zs.next_out = probe;
      zs.avail_out = sizeof(probe);
      const int r = inflate(&zs, Z_NO_FLUSH);
      progress = in_len_ - zs.avail_in != in_pos_;
      in_pos_ = in_len_ - zs.avail_in;
      got = sizeof(probe) - zs.avail_out;
      if (r == Z_STREAM_END) {
        ended_ = true;
      } else if (r != Z_OK && !(r == Z_BUF_ERROR && at_end)) {
        return Status::InvalidData(std::string("gzip page: ") + (zs.msg ? zs.msg : "corrupt stream"));
      }
    } else if (mode_ == Mode::kBrotli) {
      if (ended_) return Status::InvalidData("brotli page: data after the end of its stream");
      size_t avail_in = in_len_ - in_pos_, avail_out = sizeof(probe);
      const uint8_t* next_in = in_.get() + in_pos_;
      uint8_t* next_out = probe;
      const BrotliDecoderResult r =
          BrotliDecoderDecompressStream(codecs_->brotli, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      progress = in_len_ - avail_in != in_pos_;
      in_pos_ = in_len_ - avail_in;
      got = sizeof(probe) - avail_out;
      if (r == BROTLI_DECODER_RESULT_ERROR) return Status::InvalidData("brotli page: corrupt data");
      ended_ = r == BROTLI_DECODER_RESULT_SUCCESS;
    } else {
      return Status::OK();
    }
    if (got > 0) {
      return Status::InvalidData("page decompresses to more than the " + std::to_string(usize_) +
                                 " bytes its header states");
    }
    if (at_end) {
      if (ended_) return Status::OK();
      return Status::InvalidData("page's compressed stream is cut short");
    }
    if (!progress) return Status::InvalidData("page: corrupt data after its compressed stream");
  }
}

Status PageSource::Finish() {
  if (mode_ == Mode::kWhole || mode_ == Mode::kNone) {
    produced_ = usize_;
    return Status::OK();
  }
  uint8_t scratch[16384];
  while (decoded_ < usize_) {
    const size_t n = std::min(usize_ - decoded_, sizeof(scratch));
    TRIB_RETURN_NOT_OK(Fill(scratch, n));
    decoded_ += n;
  }
  produced_ = usize_;
  if (mode_ == Mode::kRaw) return Status::OK();
  if (mode_ == Mode::kSnappy) {
    // Everything is out: nothing may be left of the compressed stream.
    if (fell_back_) return Status::OK();
    if (literal_left_ > 0 || in_pos_ < in_len_ || consumed_ < csize_) {
      return Status::InvalidData("page decompresses to more than the " + std::to_string(usize_) +
                                 " bytes its header states");
    }
    return Status::OK();
  }
  return CheckEnded();
}

}  // namespace tributary::parquet
