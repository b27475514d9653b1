// MultipartReader: a streaming parser of a multipart/form-data body
// (RFC 7578), fed the body in pieces of any size as it arrives.
//
// It finds delimiters with memchr() over the bytes it is given and passes
// each part's bytes to the data callback as slices of them. Part headers are
// bounded (16 KiB in all per part); the preamble and epilogue are ignored.
//
// Two ways to feed it:
//   - Consume(data, n) never copies: it returns how many bytes it used, and
//     the caller presents the rest again, followed by more, on the next call
//     (the few bytes at the end that may begin a delimiter, or part headers
//     not yet complete). A caller that receives into one buffer (the upload
//     spool's memory) so has every byte of a file part passed on in place.
//   - Feed(data, n) takes pieces of any size and keeps what Consume left
//     over itself (copying it, and the next piece after it).
//
// Thread-safety: none; one reader per request body.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace tributary {

class MultipartReader {
 public:
  struct Part {
    std::string name;      // the form field's name
    std::string filename;  // as sent (not sanitised); empty if none
    bool has_filename = false;
  };
  // Return false to stop; Feed() then returns false with error() empty.
  using PartFn = std::function<bool(const Part&)>;
  using DataFn = std::function<bool(const char* data, size_t n)>;

  MultipartReader(std::string boundary, PartFn on_part, DataFn on_data);

  // The boundary parameter of a multipart/form-data Content-Type header, or
  // "" when it has none or it is not valid.
  static std::string BoundaryOf(std::string_view content_type);

  // Parses the next piece of the body. False on a malformed body (error()
  // says what) or when a callback asked to stop.
  bool Feed(const char* data, size_t n);
  // Parses what it can of data[0, n): returns the bytes used, or kStop on a
  // malformed body or when a callback asked to stop. Unused bytes (at most
  // the headers of one part, 16 KiB, else fewer than a delimiter's length)
  // must begin the data of the next call. Not to be mixed with Feed().
  static constexpr size_t kStop = static_cast<size_t>(-1);
  size_t Consume(const char* data, size_t n);
  // The body ended: false (with error()) unless the closing delimiter was seen.
  bool Finish();

  const std::string& error() const { return error_; }

 private:
  enum class State { kStart, kPreamble, kAfterDelimiter, kHeaders, kBody, kDone };

  bool Fail(std::string why);
  // Body bytes of the current part (or preamble) in data[0, n): emits what
  // cannot be part of a delimiter. Returns how many bytes were used (the
  // rest may begin a delimiter), or kStop.
  size_t ScanBody(const char* data, size_t n);
  // Transport padding and CRLF, or "--", after a delimiter. Returns the bytes used, or kStop.
  size_t ScanAfterDelimiter(const char* data, size_t n);
  bool Emit(const char* data, size_t n);
  bool ParseHeaders(std::string_view headers);

  const std::string delimiter_;  // "\r\n--" + boundary
  PartFn on_part_;
  DataFn on_data_;
  State state_ = State::kStart;
  bool in_part_ = false;
  // After a delimiter: bytes seen, whether the first was '-', the last '\r'.
  size_t after_len_ = 0;
  bool after_dash_ = false;
  bool after_cr_ = false;
  size_t header_scanned_ = 0;  // bytes of the pending headers already searched for their end
  std::string pending_;        // Feed(): bytes Consume() left, to go before the next piece
  std::string error_;
};

}  // namespace tributary
