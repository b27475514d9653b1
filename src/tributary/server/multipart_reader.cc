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
    : delimiter_("\r\n--" + boundary), on_part_(std::move(on_part)), on_data_(std::move(on_data)) {}

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
      if (!Emit(data, pos)) return kStop;
      if (cmp < delimiter_.size()) return pos;  // may be the start of a delimiter: wait for more
      state_ = State::kAfterDelimiter;
      in_part_ = false;
      after_len_ = 0;
      after_dash_ = after_cr_ = false;
      return pos + delimiter_.size();
    }
    i = pos + 1;
  }
  if (!Emit(data, n)) return kStop;
  return n;
}

size_t MultipartReader::ScanAfterDelimiter(const char* data, size_t n) {
  // "--" ends the body; otherwise optional padding, then CRLF.
  for (size_t i = 0; i < n; ++i) {
    const char b = data[i];
    if (after_dash_) {
      if (b != '-') {
        Fail("a boundary line has text after the boundary");
        return kStop;
      }
      state_ = State::kDone;
      return i + 1;
    }
    if (after_cr_) {
      if (b != '\n') {
        Fail("a boundary line has text after the boundary");
        return kStop;
      }
      state_ = State::kHeaders;
      header_scanned_ = 0;
      return i + 1;
    }
    if (b == '-' && after_len_ == 0) {
      after_dash_ = true;
    } else if (b == '\r') {
      after_cr_ = true;
    } else if (b != ' ' && b != '\t') {
      {
        Fail("a boundary line has text after the boundary");
        return kStop;
      }
    }
    if (++after_len_ >= kMaxAfterDelimiter) {
        Fail("a boundary line is too long");
        return kStop;
      }
  }
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

size_t MultipartReader::Consume(const char* data, size_t n) {
  size_t used = 0;
  while (used < n) {
    const char* p = data + used;
    const size_t left = n - used;
    switch (state_) {
      case State::kStart: {
        // The first delimiter has no CRLF before it.
        std::string_view first = std::string_view(delimiter_).substr(2);
        size_t cmp = left < first.size() ? left : first.size();
        if (std::memcmp(p, first.data(), cmp) != 0) {
          state_ = State::kPreamble;
          break;
        }
        if (cmp < first.size()) return used;
        used += first.size();
        state_ = State::kAfterDelimiter;
        after_len_ = 0;
        after_dash_ = after_cr_ = false;
        break;
      }
      case State::kPreamble:
      case State::kBody: {
        size_t k = ScanBody(p, left);
        if (k == kStop) return kStop;
        used += k;
        if (k < left && state_ != State::kAfterDelimiter) return used;  // a possible delimiter
        break;
      }
      case State::kAfterDelimiter: {
        size_t k = ScanAfterDelimiter(p, left);
        if (k == kStop) return kStop;
        used += k;
        break;
      }
      case State::kHeaders: {
        size_t end;
        size_t skip;
        if (p[0] == '\r' && left < 2) return used;
        if (p[0] == '\r' && p[1] == '\n') {
          end = 0;  // a part with no headers
          skip = 2;
        } else {
          std::string_view h(p, std::min(left, kMaxHeaderBytes + 4));
          end = h.find("\r\n\r\n", header_scanned_ >= 3 ? header_scanned_ - 3 : 0);
          skip = 4;
          if (end == std::string_view::npos) {
            if (left >= kMaxHeaderBytes + 4) {
        Fail("a part's headers are over 16 KiB");
        return kStop;
      }
            header_scanned_ = left;
            return used;
          }
        }
        used += end + skip;
        if (!ParseHeaders(std::string_view(p, end))) return kStop;
        break;
      }
      case State::kDone:
        return n;  // the epilogue is dropped
    }
  }
  return used;
}

bool MultipartReader::Feed(const char* data, size_t n) {
  if (!error_.empty()) return false;
  size_t used;
  if (pending_.empty()) {
    used = Consume(data, n);
    if (used == kStop) return false;
    pending_.assign(data + used, n - used);
  } else {
    pending_.append(data, n);
    used = Consume(pending_.data(), pending_.size());
    if (used == kStop) return false;
    pending_.erase(0, used);
  }
  return true;
}

bool MultipartReader::Finish() {
  if (!error_.empty()) return false;
  if (state_ != State::kDone) {
    error_ = state_ == State::kPreamble || state_ == State::kStart ? "no multipart boundary in the body"
                                        : "the body ended before the closing multipart boundary";
    return false;
  }
  return true;
}

}  // namespace tributary
