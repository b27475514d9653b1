// MultipartReader: a streaming parser of a multipart/form-data body
// (RFC 7578), fed the body in pieces of any size as it arrives.
//
// It finds delimiters with memchr() over the piece it is given and passes
// each part's bytes to the data callback as slices of that piece; only the
// few bytes at a piece's end that may begin a delimiter are held back (and
// copied) until the next piece tells. Part headers are bounded (16 KiB in
// all per part); the preamble and epilogue are ignored.
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
  // The body ended: false (with error()) unless the closing delimiter was seen.
  bool Finish();

  const std::string& error() const { return error_; }

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kDone };

  bool Fail(std::string why);
  // Body bytes of the current part (or preamble) in data[0, n): emits what
  // cannot be part of a delimiter and holds back the rest. Returns how many
  // bytes were consumed, or npos to stop.
  size_t ScanBody(const char* data, size_t n);
  bool Emit(const char* data, size_t n);
  bool ParseHeaders(std::string_view headers);

  const std::string delimiter_;  // "\r\n--" + boundary
  PartFn on_part_;
  DataFn on_data_;
  State state_ = State::kPreamble;
  std::string held_;     // bytes that may start a delimiter, or header / after-delimiter bytes
  bool in_part_ = false;
  std::string error_;
};

}  // namespace tributary
