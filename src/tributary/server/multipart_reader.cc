#include "tributary/server/multipart_reader.h"

#include <cstring>

#include "tributary/core/ascii.h"

namespace tributary {
namespace {

constexpr size_t kMaxHeaderBytes = 16 << 10;
constexpr size_t kMaxAfterDelimiter = 256;  // "--" or transport padding and CRLF

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits a header value "form-data; name=\"a;b\"; filename=x" into its
// leading token and parameters; quoted values may hold ';' and \-escapes.
bool ParseParams(std::string_view v, std::string* token,
                 const std::function<void(std::string_view, std::string)>& param) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
  };
  skip_ws();
  size_t start = i;
  while (i < v.size() && v[i] != ';') ++i;
  *token = std::string(Trim(v.substr(start, i - start)));
  while (i < v.size()) {
    ++i;  // ';'
    skip_ws();
    if (i >= v.size()) break;
    size_t k = i;
    while (i < v.size() && v[i] != '=' && v[i] != ';') ++i;
    std::string_view key = Trim(v.substr(k, i - k));
    std::string value;
    if (i < v.size() && v[i] == '=') {
      ++i;
      skip_ws();
      if (i < v.size() && v[i] == '"') {
        ++i;
        bool closed = false;
        while (i < v.size()) {
          char c = v[i++];
          if (c == '\\' && i < v.size()) {
            value.push_back(v[i++]);
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            value.push_back(c);
          }
        }
        if (!closed) return false;
        skip_ws();
        if (i < v.size() && v[i] != ';') return false;
      } else {
        size_t s = i;
        while (i < v.size() && v[i] != ';') ++i;
        value = std::string(Trim(v.substr(s, i - s)));
      }
    }
    if (!key.empty()) param(key, std::move(value));
  }
  return true;
}

}  // namespace

MultipartReader::MultipartReader(std::string boundary, PartFn on_part, DataFn on_data)
    : delimiter_("\r\n--" + boundary), on_part_(std::move(on_part)), on_data_(std::move(on_data)) {
  // The body's first delimiter has no CRLF before it: start as if it had.
  held_ = "\r\n";
}

std::string MultipartReader::BoundaryOf(std::string_view content_type) {
  size_t semi = content_type.find(';');
  if (semi == std::string_view::npos || !EqualsIgnoreAsciiCase(Trim(content_type.substr(0, semi)), "multipart/form-data")) return "";
  std::string token, boundary;
  if (!ParseParams(content_type, &token, [&](std::string_view k, std::string v) {
        if (EqualsIgnoreAsciiCase(k, "boundary")) boundary = std::move(v);
      })) {
    return "";
  }
  // RFC 2046: 1 to 70 characters, none of them CR or LF (the parser relies on
  // a delimiter holding one CR, its first byte).
  if (boundary.empty() || boundary.size() > 70) return "";
  for (char c : boundary) {
    if (c == '\r' || c == '\n') return "";
  }
  return boundary;
}

bool MultipartReader::Fail(std::string why) {
  error_ = std::move(why);
  state_ = State::kDone;
  return false;
}

bool MultipartReader::Emit(const char* data, size_t n) {
  if (n == 0 || !in_part_) return true;  // the preamble is dropped
  return on_data_(data, n);
}

size_t MultipartReader::ScanBody(const char* data, size_t n) {
  size_t i = 0;
  while (i < n) {
    const void* cr = std::memchr(data + i, '\r', n - i);
    if (cr == nullptr) break;
    size_t pos = static_cast<size_t>(static_cast<const char*>(cr) - data);
    size_t avail = n - pos;
    size_t cmp = avail < delimiter_.size() ? avail : delimiter_.size();
    if (std::memcmp(data + pos, delimiter_.data(), cmp) == 0) {
      if (!Emit(data, pos)) return std::string::npos;
      if (cmp == delimiter_.size()) {
        state_ = State::kAfterDelimiter;
        in_part_ = false;
        return pos + delimiter_.size();
      }
      held_.assign(data + pos, avail);  // may be the start of a delimiter
      return n;
    }
    i = pos + 1;
  }
  if (!Emit(data, n)) return std::string::npos;
  return n;
}

bool MultipartReader::ParseHeaders(std::string_view headers) {
  Part part;
  bool disposition = false;
  while (!headers.empty()) {
    size_t eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    headers.remove_prefix(eol == std::string_view::npos ? headers.size() : eol + 2);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Fail("a part header has no ':'");
    if (!EqualsIgnoreAsciiCase(Trim(line.substr(0, colon)), "content-disposition")) continue;
    std::string type;
    bool has_name = false;
    if (!ParseParams(line.substr(colon + 1), &type, [&](std::string_view k, std::string v) {
          if (EqualsIgnoreAsciiCase(k, "name")) {
            part.name = std::move(v);
            has_name = true;
          } else if (EqualsIgnoreAsciiCase(k, "filename")) {
            part.filename = std::move(v);
            part.has_filename = true;
          }
        })) {
      return Fail("a part's Content-Disposition has an unterminated quoted value");
    }
    if (!EqualsIgnoreAsciiCase(type, "form-data")) return Fail("a part's Content-Disposition is not form-data");
    if (!has_name) return Fail("a part's Content-Disposition has no name");
    disposition = true;
  }
  if (!disposition) return Fail("a part has no Content-Disposition header");
  state_ = State::kBody;
  in_part_ = true;
  return on_part_(part);
}

bool MultipartReader::Feed(const char* data, size_t n) {
  while (n > 0) {
    switch (state_) {
      case State::kPreamble:
      case State::kBody: {
        if (!held_.empty()) {
          // held_ is a proper prefix of the delimiter: does the data go on with it?
          size_t need = delimiter_.size() - held_.size();
          size_t take = n < need ? n : need;
          if (std::memcmp(data, delimiter_.data() + held_.size(), take) == 0) {
            data += take;
            n -= take;
            if (take < need) {
              held_.append(data - take, take);
              return true;
            }
            held_.clear();
            state_ = State::kAfterDelimiter;
            in_part_ = false;
            break;
          }
          // Not a delimiter; the boundary has no CR, so none starts inside held_.
          std::string h;
          h.swap(held_);
          if (!Emit(h.data(), h.size())) return false;
        }
        size_t used = ScanBody(data, n);
        if (used == std::string::npos) return false;
        data += used;
        n -= used;
        break;
      }
      case State::kAfterDelimiter: {
        // "--" ends the body; otherwise optional padding, then CRLF.
        while (n > 0 && held_.size() < kMaxAfterDelimiter) {
          held_.push_back(*data++);
          --n;
          if (held_ == "--") {
            state_ = State::kDone;
            held_.clear();
            return true;
          }
          if (held_.size() >= 2 && held_.compare(held_.size() - 2, 2, "\r\n") == 0) {
            std::string_view pad(held_.data(), held_.size() - 2);
            if (Trim(pad).size() != 0) return Fail("a boundary line has text after the boundary");
            held_.clear();
            state_ = State::kHeaders;
            break;
          }
          if (held_.size() >= 2 && held_.back() != '\r' && held_.back() != ' ' && held_.back() != '\t') {
            return Fail("a boundary line has text after the boundary");
          }
        }
        if (held_.size() >= kMaxAfterDelimiter) return Fail("a boundary line is too long");
        break;
      }
      case State::kHeaders: {
        size_t before = held_.size();
        size_t take = n;
        if (before + take > kMaxHeaderBytes + 4) take = kMaxHeaderBytes + 4 - before;
        held_.append(data, take);
        size_t end;
        size_t skip;
        if (held_.compare(0, 2, "\r\n") == 0) {
          end = 0;  // a part with no headers
          skip = 2;
        } else {
          end = held_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
          skip = 4;
        }
        if (end == std::string::npos) {
          if (held_.size() > kMaxHeaderBytes) return Fail("a part's headers are over 16 KiB");
          data += take;
          n -= take;
          break;
        }
        size_t used = end + skip - before;  // bytes of this piece that were headers
        std::string headers = held_.substr(0, end);
        held_.clear();
        data += used;
        n -= used;
        if (!ParseHeaders(headers)) return false;
        break;
      }
      case State::kDone:
        return error_.empty();  // the epilogue is dropped
    }
  }
  return error_.empty();
}

bool MultipartReader::Finish() {
  if (!error_.empty()) return false;
  if (state_ != State::kDone) {
    error_ = state_ == State::kPreamble ? "no multipart boundary in the body"
                                        : "the body ended before the closing multipart boundary";
    return false;
  }
  return true;
}

}  // namespace tributary
