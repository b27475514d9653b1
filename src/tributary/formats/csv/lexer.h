// CSV framing: finding where a record ends and where its cells lie.
//
// The dialect is RFC 4180 with the leniency real files need:
//   - Records end at LF, CRLF or a lone CR; the last record may lack one.
//   - A cell that starts with '"' is quoted: it runs to the next '"' not
//     doubled, and may hold delimiters, doubled quotes and line breaks.
//     Text after the closing quote, up to the next delimiter or line end, is
//     kept literally ("ab"c -> abc), as Python's csv module does.
//   - A quote anywhere else in a cell is data; so are spaces around cells.
//   - A line with no bytes before its terminator is blank, not a record.
//
// The framer does not decode anything and does not allocate: it reports cell
// spans into the caller's buffer, so that the reader can frame a block of
// records cheaply (and skip records for resumption) and decode them later.
// Unquoted cells are scanned 16 bytes at a time, quoted ones with memchr.
//
// Thread-safety: a Framer is immutable after construction; Frame() may be
// called from several threads at once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tributary::csv {

// The cell began with a quote; an empty quoted cell is an empty string, an
// empty unquoted cell is null.
inline constexpr uint8_t kCellQuoted = 1;
// The cell's text needs UnescapeCell(): it holds doubled quotes or text after
// the closing quote. Its span then covers the raw cell, opening quote
// included; otherwise it covers just the cell's text.
inline constexpr uint8_t kCellNeedsUnescape = 2;

struct CellSpan {
  size_t begin = 0;  // offsets into the data passed to Frame()
  size_t end = 0;
  uint8_t flags = 0;
};

// What Frame() found at the position it was given.
enum class FrameResult : uint8_t {
  kRecord,              // a complete record
  kBlankLine,           // an empty line; skip it
  kNeedMore,            // the record may continue past the data; supply more
  kUnterminatedQuote,   // at end of input, a quoted cell never closed
  kEnd,                 // no more input
};

struct FramedSpan {
  size_t end = 0;          // end of the record's text, before its terminator
  size_t next = 0;         // where the next record (or line) starts
  int64_t line_breaks = 0; // line terminators inside quoted cells
  // On kNeedMore: whether the data ran out inside a quoted cell (hints at an
  // unterminated quote when a record grows past the size limit).
  bool in_quote = false;
};

class Framer {
 public:
  // REQUIRES: delimiter is not '"', '\r' or '\n'.
  explicit Framer(char delimiter);

  // Frames the record that starts at data[pos]. `at_eof` says that no bytes
  // follow data; without it, any record that reaches the end of data is
  // kNeedMore, since a later byte could extend it (or turn a CR into CRLF).
  // When cells is non-null, appends one span per cell of a kRecord (and
  // leaves partial spans on other results: callers truncate).
  FrameResult Frame(std::string_view data, size_t pos, bool at_eof,
                    std::vector<CellSpan>* cells, FramedSpan* out) const;

  // Offset of the first delimiter, CR or LF in data[pos, size), or size.
  size_t ScanUnquoted(std::string_view data, size_t pos) const;

  char delimiter() const { return delimiter_; }

 private:
  char delimiter_;
  std::array<bool, 256> stop_{};
};

// Decodes a kCellNeedsUnescape span (raw text starting with '"'): removes the
// enclosing quotes, undoubles inner quotes, keeps text after the closing
// quote. Appends to out.
void UnescapeCell(std::string_view raw, std::string* out);

// Text of a cell: a view into data, or for cells that need unescaping a view
// of *scratch, which is overwritten.
std::string_view CellText(std::string_view data, const CellSpan& cell, std::string* scratch);

// Line terminators in s: LF, CRLF and lone CR each count once.
int64_t CountLineBreaks(std::string_view s);

}  // namespace tributary::csv
