#include "tributary/formats/csv/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tributary::csv {
namespace {

struct Framed {
  FrameResult result;
  FramedSpan span;
  std::vector<std::string> cells;  // text, "<null>" for an empty unquoted cell
};

Framed FrameOne(std::string_view data, bool at_eof, char delimiter = ',') {
  Framer framer(delimiter);
  Framed f;
  std::vector<CellSpan> cells;
  f.result = framer.Frame(data, 0, at_eof, &cells, &f.span);
  std::string scratch;
  if (f.result == FrameResult::kRecord) {
    for (const CellSpan& c : cells) {
      std::string_view text = CellText(data, c, &scratch);
      f.cells.push_back(text.empty() && !(c.flags & kCellQuoted) ? "<null>" : std::string(text));
    }
  }
  return f;
}

TEST(CsvLexerTest, SplitsCells) {
  Framed f = FrameOne("a,\"b,c\",,\"\",\"d\"\"e\",\"f\"g, h \nnext", false);
  ASSERT_EQ(f.result, FrameResult::kRecord);
  EXPECT_EQ(f.cells, (std::vector<std::string>{"a", "b,c", "<null>", "", "d\"e", "fg", " h "}));
  EXPECT_EQ(f.span.end, 27u);
  EXPECT_EQ(f.span.next, 28u);
}

TEST(CsvLexerTest, CountsLineBreaksInsideQuotes) {
  Framed f = FrameOne("\"a\nb\r\nc\rd\",x\r\n", false);
  ASSERT_EQ(f.result, FrameResult::kRecord);
  EXPECT_EQ(f.span.line_breaks, 3);
  EXPECT_EQ(f.span.next, 14u);
  EXPECT_EQ(CountLineBreaks("a\r\n\r\n\n\r"), 4);
  EXPECT_EQ(CountLineBreaks("no breaks"), 0);
}

TEST(CsvLexerTest, AsksForMoreWhenTheEndIsAmbiguous) {
  // A CR that may start a CRLF, a quote that may be doubled, an open quote,
  // a record without terminator: all need more input unless at the end.
  for (const char* data : {"a,b\r", "a,\"b\"", "a,\"b", "a,b", "\r"}) {
    EXPECT_EQ(FrameOne(data, false).result, FrameResult::kNeedMore) << data;
  }
  EXPECT_TRUE(FrameOne("a,\"b", false).span.in_quote);
  EXPECT_FALSE(FrameOne("a,b", false).span.in_quote);
  EXPECT_EQ(FrameOne("a,b\r", true).result, FrameResult::kRecord);
  EXPECT_EQ(FrameOne("a,\"b\"", true).result, FrameResult::kRecord);
  EXPECT_EQ(FrameOne("a,b", true).result, FrameResult::kRecord);
  EXPECT_EQ(FrameOne("", true).result, FrameResult::kEnd);
  EXPECT_EQ(FrameOne("", false).result, FrameResult::kNeedMore);
}

TEST(CsvLexerTest, UnterminatedQuoteAtEnd) {
  Framed f = FrameOne("a,\"b\nc\r\n", true);
  EXPECT_EQ(f.result, FrameResult::kUnterminatedQuote);
  EXPECT_EQ(f.span.end, 6u);  // without the final CRLF
  EXPECT_EQ(f.span.next, 8u);
}

TEST(CsvLexerTest, BlankLines) {
  for (const char* data : {"\n", "\r\n", "\r"}) {
    Framed f = FrameOne(data, true);
    EXPECT_EQ(f.result, FrameResult::kBlankLine);
    EXPECT_EQ(f.span.next, std::string_view(data).size());
  }
}

TEST(CsvLexerTest, TabDelimiterAndLongUnquotedCells) {
  std::string long_cell(100, 'x');
  Framed f = FrameOne(long_cell + "\t[1,2]\t" + long_cell + ",y\n", false, '\t');
  ASSERT_EQ(f.result, FrameResult::kRecord);
  EXPECT_EQ(f.cells, (std::vector<std::string>{long_cell, "[1,2]", long_cell + ",y"}));
}

TEST(CsvLexerTest, Unescape) {
  std::string out;
  UnescapeCell("\"a\"\"b\"", &out);
  EXPECT_EQ(out, "a\"b");
  out.clear();
  UnescapeCell("\"a\"tail\"x", &out);
  EXPECT_EQ(out, "atail\"x");
  out.clear();
  UnescapeCell("\"\"\"\"", &out);
  EXPECT_EQ(out, "\"");
}

}  // namespace
}  // namespace tributary::csv
