#include "tributary/formats/json/json_framing.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tributary::json_internal {
namespace {

inline bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Byte classes for the element scanner outside strings.
enum ByteClass : uint8_t {
  kPlain = 0,
  kQuote,
  kNewline,
  kOpen,
  kCloseBrace,
  kCloseBracket,
  kComma,
  kSingleQuote,  // mongo shell syntax only
  kSlash,        // mongo shell syntax only
};

constexpr std::array<uint8_t, 256> MakeClassTable() {
  std::array<uint8_t, 256> t{};
  t['"'] = kQuote;
  t['\n'] = kNewline;
  t['{'] = kOpen;
  t['['] = kOpen;
  t['}'] = kCloseBrace;
  t[']'] = kCloseBracket;
  t[','] = kComma;
  t['\''] = kSingleQuote;
  t['/'] = kSlash;
  return t;
}
constexpr std::array<uint8_t, 256> kClass = MakeClassTable();

// Offset of the first byte of [p, p + n) that matters inside a string
// delimited by quote ('"', or in shell syntax '\'' or the '/' of a regular
// expression): quote, '\\' or '\n'; or n.
inline size_t FindInString(const char* p, size_t n, char quote) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i q = _mm_set1_epi8(quote), backslash = _mm_set1_epi8('\\'),
                newline = _mm_set1_epi8('\n');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, backslash)),
                               _mm_cmpeq_epi8(v, newline));
    if (int mask = _mm_movemask_epi8(hit)) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < n; ++i) {
    const char c = p[i];
    if (c == quote || c == '\\' || c == '\n') return i;
  }
  return n;
}

// Offset of the first byte of [p, p + n) that matters outside strings, or n:
// quotes, brackets, newlines, and commas when with_comma (only commas at the
// element's top level end it; inside vectors they are the bulk of the bytes);
// with kShell also '\'' and '/', which can open a string or a regular
// expression in mongo shell syntax.
template <bool kShell>
inline size_t FindStructural(const char* p, size_t n, bool with_comma) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), newline = _mm_set1_epi8('\n');
  // '[' ']' '{' '}' are 0x5B 0x5D 0x7B 0x7D: equal to 0x59 under mask 0xD9.
  // That also matches 'Y' '_' 'y' DEL, which the caller skips as plain bytes.
  const __m128i bracket_mask = _mm_set1_epi8(static_cast<char>(0xD9)),
                bracket_bits = _mm_set1_epi8(0x59);
  const __m128i comma = _mm_set1_epi8(with_comma ? ',' : '"');
  const __m128i single_quote = _mm_set1_epi8('\''), slash = _mm_set1_epi8('/');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, newline));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(_mm_and_si128(v, bracket_mask), bracket_bits));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, comma));
    if constexpr (kShell) {
      hit = _mm_or_si128(hit, _mm_or_si128(_mm_cmpeq_epi8(v, single_quote), _mm_cmpeq_epi8(v, slash)));
    }
    if (int mask = _mm_movemask_epi8(hit)) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < n; ++i) {
    const uint8_t cls = kClass[static_cast<unsigned char>(p[i])];
    if (cls == kPlain || (cls == kComma && !with_comma)) continue;
    if (!kShell && (cls == kSingleQuote || cls == kSlash)) continue;
    return i;
  }
  return n;
}

// In mongo shell syntax a '/' opens a regular expression where a value may
// start: first in the element, or after '[', ',', ':' or '(' (whitespace
// between). Elsewhere it is a stray byte the translator reports.
inline bool SlashOpensRegex(const char* base, size_t elem_start, size_t slash) {
  size_t k = slash;
  while (k > elem_start) {
    const char c = base[k - 1];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      --k;
      continue;
    }
    return c == '[' || c == ',' || c == ':' || c == '(';
  }
  return true;
}

std::string Describe(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  static const char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

std::string LinePrefix(int64_t line) { return "line " + std::to_string(line) + ": "; }

}  // namespace

std::string FormatByteLimit(size_t bytes) {
  constexpr size_t kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024;
  if (bytes >= kGiB && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + " GiB";
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

RecordFramer::RecordFramer(Framing framing, InputStream* in, size_t max_record_bytes,
                           size_t block_bytes, bool shell_syntax)
    : framing_(framing),
      shell_syntax_(shell_syntax),
      in_(in),
      max_record_bytes_(max_record_bytes),
      block_bytes_(std::max<size_t>(block_bytes, 1)) {}

Status RecordFramer::Fail(Status st) {
  error_ = std::move(st);
  return error_;
}

Status RecordFramer::TooLong(int64_t line) const {
  return Status::InvalidData(LinePrefix(line) + "record longer than the " +
                             FormatByteLimit(max_record_bytes_) + " limit");
}

Status RecordFramer::Fill() {
  if (eof_) return Status::OK();
  const size_t keep = keep_;
  if (keep > 0) {
    const size_t kept = end_ - keep;
    if (kept > 0) std::memmove(buf_.get(), buf_.get() + keep, kept);
    end_ = kept;
    pos_ -= keep;
    scan_ -= keep;
    elem_start_ = elem_start_ >= keep ? elem_start_ - keep : 0;
    keep_ = 0;
  }
  const size_t need = end_ + block_bytes_ + kRecordPadding;
  // After an outsized record, give the memory back once the carry-over is
  // small again.
  const size_t shrink_to = 2 * (block_bytes_ + kRecordPadding);
  if (need > capacity_ || (capacity_ > 4 * shrink_to && need <= shrink_to)) {
    // Grow geometrically so a long record costs O(n) copying, but never past
    // what the record limit allows.
    const size_t limit = max_record_bytes_ + 1 + block_bytes_ + kRecordPadding;
    size_t new_capacity = need > capacity_
                              ? std::max(need, std::min(capacity_ + capacity_ / 2, limit))
                              : shrink_to;
    auto grown = std::make_unique_for_overwrite<char[]>(new_capacity);
    if (end_ > 0) std::memcpy(grown.get(), buf_.get(), end_);
    buf_ = std::move(grown);
    capacity_ = new_capacity;
  }
  Result<size_t> n = in_->Read(buf_.get() + end_, block_bytes_);
  if (!n.ok()) return n.status();
  if (*n == 0) {
    eof_ = true;
  } else {
    end_ += *n;
  }
  // simdjson may peek into the padding; keep what it sees defined.
  std::memset(buf_.get() + end_, 0, kRecordPadding);
  return Status::OK();
}

Status RecordFramer::FillAtLeast(size_t n) {
  while (!eof_ && end_ - pos_ < n) {
    keep_ = pos_;
    TRIB_RETURN_NOT_OK(Fill());
  }
  return Status::OK();
}

bool RecordFramer::SkipWhitespace() {
  const char* base = buf_.get();
  while (pos_ < end_) {
    char c = base[pos_];
    if (!IsJsonSpace(c)) {
      scan_ = pos_;
      return true;
    }
    if (c == '\n') ++line_;
    ++pos_;
  }
  scan_ = pos_;
  return false;
}

int64_t RecordFramer::LastContentLine(std::string_view text, int64_t line) {
  return line + static_cast<int64_t>(std::count(text.begin(), text.end(), '\n'));
}

void RecordFramer::MarkEnd(const RecordSpan& record) {
  mark_pos_ = static_cast<size_t>(record.text.data() + record.text.size() - buf_.get());
  mark_saved_ = buf_[mark_pos_];
  buf_[mark_pos_] = ' ';
}

Status RecordFramer::Next(RecordSpan* record, bool* done) {
  if (mark_pos_ != kNoMark) {
    buf_[mark_pos_] = mark_saved_;
    mark_pos_ = kNoMark;
  }
  if (!error_.ok()) return error_;
  *done = false;
  if (!started_) {
    Status st = FillAtLeast(3);
    if (!st.ok()) return Fail(std::move(st));
    if (end_ - pos_ >= 3 && std::memcmp(buf_.get() + pos_, "\xEF\xBB\xBF", 3) == 0) {
      pos_ += 3;
      scan_ = pos_;
    }
    started_ = true;
  }
  Status st = framing_ == Framing::kLines ? NextLine(record, done) : NextElement(record, done);
  if (st.ok() && !*done) MarkEnd(*record);
  return st;
}

Status RecordFramer::NextLine(RecordSpan* record, bool* done) {
  for (;;) {
    const char* base = buf_.get();
    const void* nl = scan_ < end_ ? std::memchr(base + scan_, '\n', end_ - scan_) : nullptr;
    size_t line_end, next;
    if (nl != nullptr) {
      line_end = static_cast<size_t>(static_cast<const char*>(nl) - base);
      next = line_end + 1;
    } else if (eof_) {
      if (pos_ == end_) {
        *done = true;
        return Status::OK();
      }
      line_end = next = end_;
    } else {
      // The line continues past the buffered bytes. Check the limit before
      // reading more, so a hostile line never grows the buffer past it.
      if (end_ - pos_ > max_record_bytes_) return Fail(TooLong(line_));
      scan_ = end_;
      keep_ = pos_;
      Status st = Fill();
      if (!st.ok()) return Fail(std::move(st));
      continue;
    }
    const size_t start = pos_;
    const int64_t line = line_++;
    pos_ = scan_ = next;
    if (line_end - start > max_record_bytes_) return Fail(TooLong(line));
    size_t e = line_end;
    if (e > start && base[e - 1] == '\r') --e;
    size_t first = start;
    while (first < e && IsJsonSpace(base[first])) ++first;
    if (first == e) continue;  // blank line: counted, not a record
    record->text = std::string_view(base + start, e - start);
    record->line = line;
    return Status::OK();
  }
}

Status RecordFramer::NextElement(RecordSpan* record, bool* done) {
  for (;;) {
    switch (state_) {
      case State::kStart:
      case State::kBeforeFirst:
      case State::kBeforeNext:
      case State::kAfterArray:
      case State::kAfterObject: {
        if (!SkipWhitespace()) {
          if (!eof_) {
            keep_ = pos_;
            Status st = Fill();
            if (!st.ok()) return Fail(std::move(st));
            continue;
          }
          switch (state_) {
            case State::kStart:  // empty input: no records
            case State::kAfterArray:
            case State::kAfterObject:
              state_ = State::kDone;
              continue;
            default:
              return Fail(Status::InvalidData(LinePrefix(content_line_) +
                                              "missing closing ']' at end of input"));
          }
        }
        const char c = buf_[pos_];
        if (state_ == State::kStart) {
          if (c == '[') {
            content_line_ = line_;
            ++pos_;
            state_ = State::kBeforeFirst;
            continue;
          }
          if (c != '{') {
            return Fail(Status::InvalidData(
                LinePrefix(line_) + "expected a JSON array ('[') or object ('{') at the top level, got " +
                Describe(c)));
          }
          single_object_ = true;
        } else if (state_ == State::kAfterArray) {
          return Fail(Status::InvalidData(LinePrefix(line_) + "unexpected " + Describe(c) +
                                          " after the closing ']' of the top-level array"));
        } else if (state_ == State::kAfterObject) {
          return Fail(Status::InvalidData(
              LinePrefix(line_) + "unexpected " + Describe(c) +
              " after the top-level object (a JSON file holds one array or one object; "
              "use JSONL for one object per line)"));
        } else if (c == ']') {
          if (state_ == State::kBeforeFirst) {
            ++pos_;
            state_ = State::kAfterArray;
            continue;
          }
          return Fail(Status::InvalidData(LinePrefix(line_) + "unexpected ']' after ','"));
        } else if (c == ',') {
          return Fail(Status::InvalidData(LinePrefix(line_) + "expected an array element before ','"));
        }
        elem_start_ = pos_;
        elem_line_ = line_;
        scan_ = pos_;
        depth_ = 0;
        in_string_ = false;
        escaped_ = false;
        quote_ = '"';
        state_ = State::kInElement;
        continue;
      }

      case State::kInElement: {
        const char* base = buf_.get();
        const size_t end = end_;
        size_t i = scan_;
        size_t stop = 0;
        char terminator = 0;
        while (i < end) {
          if (in_string_) {
            if (escaped_) {
              escaped_ = false;
              if (base[i] == '\n') ++line_;
              ++i;
              continue;
            }
            i += FindInString(base + i, end - i, quote_);
            if (i == end) break;
            const char c = base[i++];
            if (c == quote_) {
              in_string_ = false;
            } else if (c == '\\') {
              escaped_ = true;
            } else {
              ++line_;
              // Shell strings and regular expressions cannot span lines (the
              // translator refuses them): a stray quote or slash cannot turn
              // the rest of the file into one string.
              if (quote_ != '"') in_string_ = false;
            }
            continue;
          }
          const bool with_comma = depth_ == 0 && !single_object_;
          i += shell_syntax_ ? FindStructural<true>(base + i, end - i, with_comma)
                             : FindStructural<false>(base + i, end - i, with_comma);
          if (i == end) break;
          const char c = base[i];
          switch (kClass[static_cast<unsigned char>(c)]) {
            case kPlain: break;
            case kQuote:
              in_string_ = true;
              quote_ = '"';
              break;
            case kSingleQuote:
              in_string_ = true;
              quote_ = '\'';
              break;
            case kSlash:
              if (SlashOpensRegex(base, elem_start_, i)) {
                in_string_ = true;
                quote_ = '/';
              }
              break;
            case kNewline: ++line_; break;
            case kOpen: ++depth_; break;
            case kCloseBrace:
            case kCloseBracket:
              if (depth_ > 0) {
                if (--depth_ == 0 && single_object_) {
                  stop = i + 1;
                  terminator = c;
                }
              } else if (c == ']' && !single_object_) {
                stop = i;
                terminator = ']';
              }
              // A '}' at depth 0 is just a bad byte in this element; the
              // decoder reports it.
              break;
            case kComma:
              if (depth_ == 0 && !single_object_) {
                stop = i;
                terminator = ',';
              }
              break;
          }
          if (terminator != 0) break;
          ++i;
        }

        if (terminator == 0) {
          scan_ = end;
          if (end - elem_start_ > max_record_bytes_) return Fail(TooLong(elem_line_));
          if (!eof_) {
            keep_ = elem_start_;
            Status st = Fill();
            if (!st.ok()) return Fail(std::move(st));
            continue;
          }
          if (single_object_) {
            return Fail(Status::InvalidData(
                LinePrefix(elem_line_) +
                "input ends inside the top-level object that starts on this line"));
          }
          if (in_string_ || depth_ > 0) {
            return Fail(Status::InvalidData(
                LinePrefix(elem_line_) +
                "input ends inside the array element that starts on this line "
                "(missing closing ']')"));
          }
          // A complete value that simply lacks the closing ']': hand it out,
          // then report the broken array.
          size_t e = end;
          while (e > elem_start_ && IsJsonSpace(base[e - 1])) --e;
          record->text = std::string_view(base + elem_start_, e - elem_start_);
          record->line = elem_line_;
          content_line_ = LastContentLine(record->text, elem_line_);
          pos_ = end;
          state_ = State::kMissingClose;
          return Status::OK();
        }

        if (stop - elem_start_ > max_record_bytes_) return Fail(TooLong(elem_line_));
        size_t e = stop;
        while (e > elem_start_ && IsJsonSpace(base[e - 1])) --e;
        record->text = std::string_view(base + elem_start_, e - elem_start_);
        record->line = elem_line_;
        if (single_object_) {
          pos_ = scan_ = stop;
          state_ = State::kAfterObject;
        } else {
          content_line_ = line_;
          pos_ = scan_ = stop + 1;
          state_ = terminator == ',' ? State::kBeforeNext : State::kAfterArray;
        }
        return Status::OK();
      }

      case State::kMissingClose:
        return Fail(Status::InvalidData(LinePrefix(content_line_) +
                                        "missing closing ']' at end of input"));

      case State::kDone:
        *done = true;
        return Status::OK();
    }
  }
}

}  // namespace tributary::json_internal
