#include "tributary/formats/csv/lexer.h"

#include <cassert>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tributary::csv {

Framer::Framer(char delimiter) : delimiter_(delimiter) {
  assert(delimiter != '"' && delimiter != '\r' && delimiter != '\n');
  stop_[static_cast<unsigned char>(delimiter)] = true;
  stop_['\r'] = true;
  stop_['\n'] = true;
}

size_t Framer::ScanUnquoted(std::string_view data, size_t pos) const {
  const char* p = data.data();
  const size_t n = data.size();
#if defined(__SSE2__)
  // Vectors in TSV and long unquoted text make this loop hot; a 16-byte
  // compare finds the next stop byte several times faster than a table walk.
  const __m128i d = _mm_set1_epi8(delimiter_);
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  while (pos + 16 <= n) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + pos));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, cr)),
                               _mm_cmpeq_epi8(x, lf));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask != 0) return pos + static_cast<size_t>(__builtin_ctz(mask));
    pos += 16;
  }
#endif
  while (pos < n && !stop_[static_cast<unsigned char>(p[pos])]) ++pos;
  return pos;
}

FrameResult Framer::Frame(std::string_view data, size_t pos, bool at_eof,
                          std::vector<CellSpan>* cells, FramedSpan* out) const {
  const char* p = data.data();
  const size_t n = data.size();
  out->line_breaks = 0;
  out->in_quote = false;

  if (pos >= n) return at_eof ? FrameResult::kEnd : FrameResult::kNeedMore;
  if (p[pos] == '\n') {
    out->end = pos;
    out->next = pos + 1;
    return FrameResult::kBlankLine;
  }
  if (p[pos] == '\r') {
    if (pos + 1 == n && !at_eof) return FrameResult::kNeedMore;
    out->end = pos;
    out->next = (pos + 1 < n && p[pos + 1] == '\n') ? pos + 2 : pos + 1;
    return FrameResult::kBlankLine;
  }

  size_t i = pos;
  for (;;) {
    const size_t cell_start = i;
    if (i < n && p[i] == '"') {
      // Quoted cell: find the closing quote, stepping over doubled ones.
      size_t q = i + 1;
      bool doubled = false;
      for (;;) {
        const void* hit = std::memchr(p + q, '"', n - q);
        if (hit == nullptr) {
          if (!at_eof) {
            out->in_quote = true;
            return FrameResult::kNeedMore;
          }
          size_t end = n;
          // The record's text excludes one final line terminator.
          if (end > pos && p[end - 1] == '\n') --end;
          if (end > pos && p[end - 1] == '\r') --end;
          out->end = end;
          out->next = n;
          out->line_breaks += CountLineBreaks(std::string_view(p + cell_start, end - cell_start));
          return FrameResult::kUnterminatedQuote;
        }
        q = static_cast<size_t>(static_cast<const char*>(hit) - p);
        if (q + 1 == n && !at_eof) {
          // Cannot tell a closing quote from the first half of a doubled one.
          out->in_quote = true;
          return FrameResult::kNeedMore;
        }
        if (q + 1 < n && p[q + 1] == '"') {
          doubled = true;
          q += 2;
          continue;
        }
        break;
      }
      out->line_breaks += CountLineBreaks(std::string_view(p + i + 1, q - i - 1));
      size_t after = q + 1;
      if (after < n && !stop_[static_cast<unsigned char>(p[after])]) {
        // Text after the closing quote: keep it, up to the next stop byte.
        after = ScanUnquoted(data, after);
        if (cells) cells->push_back({cell_start, after, kCellQuoted | kCellNeedsUnescape});
      } else if (doubled) {
        if (cells) cells->push_back({cell_start, after, kCellQuoted | kCellNeedsUnescape});
      } else {
        if (cells) cells->push_back({i + 1, q, kCellQuoted});
      }
      i = after;
    } else {
      size_t end = ScanUnquoted(data, i);
      if (cells) cells->push_back({cell_start, end, 0});
      i = end;
    }

    // i is at a delimiter, a line terminator, or the end of the data.
    if (i == n) {
      if (!at_eof) return FrameResult::kNeedMore;
      out->end = n;
      out->next = n;
      return FrameResult::kRecord;
    }
    const char c = p[i];
    if (c == delimiter_) {
      ++i;
      continue;
    }
    if (c == '\n') {
      out->end = i;
      out->next = i + 1;
      return FrameResult::kRecord;
    }
    // CR: alone, or the first half of CRLF.
    if (i + 1 == n && !at_eof) return FrameResult::kNeedMore;
    out->end = i;
    out->next = (i + 1 < n && p[i + 1] == '\n') ? i + 2 : i + 1;
    return FrameResult::kRecord;
  }
}

void UnescapeCell(std::string_view raw, std::string* out) {
  assert(!raw.empty() && raw.front() == '"');
  size_t i = 1;
  for (;;) {
    size_t q = raw.find('"', i);
    if (q == std::string_view::npos) {
      out->append(raw.substr(i));
      return;
    }
    out->append(raw.substr(i, q - i));
    if (q + 1 < raw.size() && raw[q + 1] == '"') {
      out->push_back('"');
      i = q + 2;
      continue;
    }
    // Closing quote; whatever follows is literal text.
    out->append(raw.substr(q + 1));
    return;
  }
}

std::string_view CellText(std::string_view data, const CellSpan& cell, std::string* scratch) {
  std::string_view raw = data.substr(cell.begin, cell.end - cell.begin);
  if ((cell.flags & kCellNeedsUnescape) == 0) return raw;
  scratch->clear();
  UnescapeCell(raw, scratch);
  return *scratch;
}

int64_t CountLineBreaks(std::string_view s) {
  const char* p = s.data();
  const char* e = p + s.size();
  // Fast exit for the common case of no line breaks at all.
  const char* cr = static_cast<const char*>(std::memchr(p, '\r', s.size()));
  int64_t count = 0;
  if (cr == nullptr) {
    while (p < e) {
      const void* lf = std::memchr(p, '\n', static_cast<size_t>(e - p));
      if (lf == nullptr) break;
      ++count;
      p = static_cast<const char*>(lf) + 1;
    }
    return count;
  }
  for (; p < e; ++p) {
    if (*p == '\n') {
      ++count;
    } else if (*p == '\r') {
      ++count;
      if (p + 1 < e && p[1] == '\n') ++p;
    }
  }
  return count;
}

}  // namespace tributary::csv
