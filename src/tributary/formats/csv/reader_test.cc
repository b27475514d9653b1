// CsvReader behaviour: the dialect, numbering, and the error messages with
// the row and line they name (in the manner of DuckDB's csv_error_message
// tests).
#include "tributary/formats/csv/reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/test_util.h"
#include "tributary/formats/csv/test_support.h"

namespace tributary::csv {
namespace {

using testing::ReadAllText;
using testing::StringInput;
using testing::ViewInput;

constexpr char kHeader[] =
    "id,document_id,values,content,metadata,chunk_id,content_hash,content_type,language,"
    "chunk_index,chunk_count,model,created_at,updated_at";
constexpr char kSeedRow[] =
    "doc1,doc1,\"[0.1,0.2,0.3]\",\"Sample text\",\"{\"\"category\"\":\"\"test\"\"}\",chunk1,"
    "hash123,text/plain,en,0,1,text-embedding-ada-002,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z";

struct ReaderMode {
  int threads;
  bool mapped;  // the text comes from a plain file, which the reader maps
};

// Every test runs on the serial reader and on the threaded one, each reading
// a stream and a mapped file.
class CsvReaderTest : public ::testing::TestWithParam<ReaderMode> {
 protected:
  ReadOptions Options(ReadOptions options = {}) const {
    options.decode_threads = GetParam().threads;
    return options;
  }
  testing::ReadAllResult Read(std::string text, ReadOptions options = {}, char delimiter = ',',
                              size_t step = 0) const {
    if (!GetParam().mapped) return ReadAllText(std::move(text), Options(options), delimiter, step);
    ::tributary::testing::TempDir dir;
    const std::string path = dir.File("input.csv");
    ::tributary::testing::WriteFileOrDie(path, text);
    auto in = OpenInput(path);
    EXPECT_TRUE(in.ok()) << in.status().ToString();
    if (!in.ok()) {
      testing::ReadAllResult failed;
      failed.status = in.status();
      return failed;
    }
    return testing::ReadAll(std::move(*in), Options(options), delimiter);
  }
};

INSTANTIATE_TEST_SUITE_P(Csv, CsvReaderTest,
                         ::testing::Values(ReaderMode{1, false}, ReaderMode{3, false},
                                           ReaderMode{1, true}, ReaderMode{3, true}),
                         [](const ::testing::TestParamInfo<ReaderMode>& info) {
                           const ReaderMode& m = info.param;
                           return (m.threads == 1 ? std::string("Serial")
                                                  : "Threads" + std::to_string(m.threads)) +
                                  (m.mapped ? "Mapped" : "");
                         });

std::string Seed(std::string_view eol = "\n") {
  return std::string(kHeader) + std::string(eol) + kSeedRow + std::string(eol);
}

TEST_P(CsvReaderTest, ReadsTheSeedShape) {
  auto r = Read(Seed());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_TRUE(r.errors.empty());
  const RecordBatch& b = r.rows;
  EXPECT_EQ(b.id.Get(0), "doc1");
  EXPECT_EQ(b.document_id.Get(0), "doc1");
  ASSERT_EQ(b.values.Length(0), 3u);
  EXPECT_EQ(b.values.Get(0)[0], 0.1f);
  EXPECT_EQ(b.values.Get(0)[1], 0.2f);
  EXPECT_EQ(b.values.Get(0)[2], 0.3f);
  EXPECT_EQ(b.content.Get(0), "Sample text");
  EXPECT_EQ(b.metadata.Get(0), "{\"category\":\"test\"}");
  EXPECT_EQ(b.chunk_id.Get(0), "chunk1");
  EXPECT_EQ(b.content_hash.Get(0), "hash123");
  EXPECT_EQ(b.content_type.Get(0), "text/plain");
  EXPECT_EQ(b.language.Get(0), "en");
  EXPECT_EQ(b.chunk_index.Get(0), 0);
  EXPECT_EQ(b.chunk_count.Get(0), 1);
  EXPECT_EQ(b.model.Get(0), "text-embedding-ada-002");
  EXPECT_EQ(b.created_at.Get(0), 1704067200000000);
  EXPECT_EQ(b.updated_at.Get(0), 1704067200000000);
  EXPECT_EQ(b.origin[0].row, 1);
  EXPECT_EQ(b.origin[0].line, 2);
  EXPECT_EQ(r.preamble, std::string(kHeader) + "\n");
  EXPECT_EQ(r.records_read, 1);
}

TEST_P(CsvReaderTest, TooFewFieldsNamesTheRow) {
  std::string in = "id,document_id,values\na,b,1\nc,d\ne,f,2\n";
  auto r = Read(in);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 2u);
  ASSERT_EQ(r.errors.size(), 1u);
  const RowError& e = r.errors[0];
  EXPECT_EQ(e.message, "Expected 3 fields, got 2");
  EXPECT_FALSE(e.by_line);
  EXPECT_EQ(e.origin.row, 2);
  EXPECT_EQ(e.origin.line, 3);
  EXPECT_EQ(e.raw, "c,d");
  EXPECT_EQ(e.data_json, "\"c,d\"");
  EXPECT_EQ(r.rows.origin[1].row, 3);
  EXPECT_EQ(r.rows.origin[1].line, 4);
}

TEST_P(CsvReaderTest, TooManyFieldsInTheSeedShape) {
  std::string in = Seed() + kSeedRow + ",extra\n";
  auto r = Read(in);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "Expected 14 fields, got 15");
  EXPECT_EQ(r.errors[0].origin.row, 2);
  EXPECT_EQ(r.errors[0].origin.line, 3);
  EXPECT_EQ(r.errors[0].raw, std::string(kSeedRow) + ",extra");
}

TEST_P(CsvReaderTest, UnterminatedQuoteAtEndNamesTheLineWhereItStarted) {
  std::string in = "id,content\na,x\nb,\"never\nclosed, at all\n";
  auto r = Read(in);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.num_rows(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  const RowError& e = r.errors[0];
  EXPECT_EQ(e.message, "unterminated quoted field");
  EXPECT_TRUE(e.by_line);
  EXPECT_EQ(e.origin.row, 2);
  EXPECT_EQ(e.origin.line, 3);
  EXPECT_EQ(e.raw, "b,\"never\nclosed, at all");
  EXPECT_EQ(r.records_read, 2);
}

TEST_P(CsvReaderTest, InvalidUtf8NamesLineAndColumn) {
  std::string in = "id,content\na,ok\nb,bad \xC3\x28 byte\nc,fine\n";
  auto r = Read(in);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 2u);
  ASSERT_EQ(r.errors.size(), 1u);
  const RowError& e = r.errors[0];
  EXPECT_EQ(e.message, "Invalid UTF-8 in column 'content' (byte 7 of the record)");
  EXPECT_TRUE(e.by_line);
  EXPECT_EQ(e.origin.line, 3);
  EXPECT_EQ(e.origin.row, 2);
  EXPECT_EQ(e.raw, "b,bad \xC3\x28 byte");
  // The report text stays valid UTF-8.
  EXPECT_EQ(e.data_json, "\"b,bad \xEF\xBF\xBD( byte\"");
}

// The values cell is checked for UTF-8 only when it does not parse as
// numbers; a bad byte in it is still reported as invalid UTF-8, in every
// vector syntax, and before any other error of the row.
TEST_P(CsvReaderTest, InvalidUtf8InTheValuesCell) {
  std::string in =
      "id,document_id,values,content\n"
      "a,d,\"[1,2\xFF,3]\",x\n"        // inside a bracketed vector
      "b,d,\"{1,\xC3\x28}\",x\n"      // a PostgreSQL array
      "c,d,1 2 \xE2\x82,x\n"            // space-separated, cut short
      "e,,\"[1,\x80]\",x\n"            // missing document_id comes first in the row
      "f,d,\"[1,2,3]\",\xFF\n"         // after a vector that parses
      "g,d,\"[4,5,6]\",\xC3\xA9t\xC3\xA9\n";
  auto r = Read(in);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.values.Get(0)[2], 6.0f);
  ASSERT_EQ(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[0].message, "Invalid UTF-8 in column 'values' (byte 10 of the record)");
  EXPECT_EQ(r.errors[1].message, "Invalid UTF-8 in column 'values' (byte 9 of the record)");
  EXPECT_EQ(r.errors[2].message, "Invalid UTF-8 in column 'values' (byte 9 of the record)");
  EXPECT_EQ(r.errors[3].message, "Invalid UTF-8 in column 'values' (byte 8 of the record)");
  EXPECT_EQ(r.errors[4].message, "Invalid UTF-8 in column 'content' (byte 15 of the record)");
  for (size_t i = 0; i < r.errors.size(); ++i) {
    EXPECT_TRUE(r.errors[i].by_line) << i;
    EXPECT_EQ(r.errors[i].origin.row, static_cast<int64_t>(i + 1)) << i;
  }
  EXPECT_EQ(r.errors[0].raw, "a,d,\"[1,2\xFF,3]\",x");
}

TEST_P(CsvReaderTest, InvalidUtf8InTheHeaderFailsOpen) {
  auto r = Read("id,\xFF\na,b\n");
  EXPECT_TRUE(r.status.IsInvalidData());
  EXPECT_EQ(r.status.message(), "line 1: invalid UTF-8 in the header (byte 4)");
}

TEST_P(CsvReaderTest, RecordOverMaxRecordBytesIsAStreamErrorAfterEarlierRows) {
  ReadOptions options;
  options.max_record_bytes = 1024;
  std::string in = "id,content\na,short\nb," + std::string(2000, 'x') + "\nc,after\n";
  auto r = Read(in, options);
  EXPECT_TRUE(r.status.IsInvalidData());
  EXPECT_EQ(r.status.message(),
            "line 3: record exceeds the maximum record size of 1024 bytes");
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.id.Get(0), "a");
}

TEST_P(CsvReaderTest, RecordOverLimitIsCaughtAcrossReads) {
  ReadOptions options;
  options.max_record_bytes = 4096;
  std::string in = "id,content\na,\"" + std::string(3u << 20, 'q') + "\"\n";
  auto r = Read(in, options, ',', /*step=*/1000);
  EXPECT_TRUE(r.status.IsInvalidData());
  EXPECT_EQ(r.status.message(),
            "line 2: record exceeds the maximum record size of 4096 bytes (is a quoted field "
            "left unterminated?)");
}

TEST_P(CsvReaderTest, ErrorIsStickyAfterItIsReported) {
  ReadOptions options;
  options.max_record_bytes = 1024;
  std::string in = "id\na\n" + std::string(5000, 'x') + "\nb\n";
  auto reader = internal::OpenCsvReader(std::make_unique<StringInput>(in), Options(options), ',');
  ASSERT_TRUE(reader.ok());
  RecordBatch batch;
  std::vector<RowError> errors;
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  EXPECT_EQ(batch.num_rows(), 1u);
  EXPECT_TRUE((*reader)->ReadNext(&batch, &errors).IsInvalidData());
  EXPECT_EQ(batch.num_rows(), 0u);
  EXPECT_TRUE((*reader)->ReadNext(&batch, &errors).IsInvalidData());
}

// An input that is one open quote followed by endless data, generated on
// demand so the test itself holds no gigabyte.
class OpenQuoteForever final : public InputStream {
 public:
  Result<size_t> Read(char* buf, size_t n) override {
    if (served_ >= kTotal) return size_t{0};
    n = std::min<uint64_t>(n, kTotal - served_);
    std::memset(buf, 'a', n);
    if (served_ == 0) std::memcpy(buf, "v\n\"", std::min<size_t>(n, 3));
    served_ += n;
    return n;
  }
  uint64_t source_bytes_read() const override { return served_; }
  const std::string& name() const override { return name_; }
  static constexpr uint64_t kTotal = 1ull << 30;

 private:
  uint64_t served_ = 0;
  std::string name_ = "<forever>";
};

TEST_P(CsvReaderTest, UnclosedQuoteInAHugeInputStopsAtTheLimit) {
  ReadOptions options;
  options.max_record_bytes = 1u << 20;
  auto reader = internal::OpenCsvReader(std::make_unique<OpenQuoteForever>(), Options(options), ',');
  ASSERT_TRUE(reader.ok());
  RecordBatch batch;
  std::vector<RowError> errors;
  Status st = (*reader)->ReadNext(&batch, &errors);
  EXPECT_TRUE(st.IsInvalidData());
  EXPECT_EQ(st.message(),
            "line 2: record exceeds the maximum record size of 1048576 bytes (is a quoted field "
            "left unterminated?)");
  // The buffer grew to the limit plus a block, no further.
  EXPECT_LE((*reader)->bytes_read(), 4u << 20);
}

TEST_P(CsvReaderTest, HeaderOnlyHasNoRecords) {
  for (std::string in : {"id,values\n", "id,values", "id,values\r\n\r\n"}) {
    auto r = Read(in);
    ASSERT_TRUE(r.status.ok());
    EXPECT_EQ(r.rows.num_rows(), 0u);
    EXPECT_TRUE(r.errors.empty());
    EXPECT_EQ(r.preamble, "id,values\n");
    EXPECT_EQ(r.records_read, 0);
  }
}

TEST_P(CsvReaderTest, EmptyInputHasNoRecords) {
  for (std::string in : {"", "\xEF\xBB\xBF", "\n\n", "\r\n"}) {
    auto r = Read(in);
    ASSERT_TRUE(r.status.ok());
    EXPECT_EQ(r.rows.num_rows(), 0u);
    EXPECT_TRUE(r.errors.empty());
    EXPECT_EQ(r.preamble, "");
  }
}

TEST_P(CsvReaderTest, SkipsByteOrderMark) {
  auto r = Read("\xEF\xBB\xBFid,content\na,x\n");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.id.Get(0), "a");
  EXPECT_EQ(r.preamble, "id,content\n");
}

TEST_P(CsvReaderTest, CrlfLineEndings) {
  auto r = Read(Seed("\r\n") + "doc2,doc2,\"[1]\",\"two\r\nlines\",,,,,,,,,,\r\nx");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 2u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.rows.updated_at.Get(0), 1704067200000000);
  EXPECT_EQ(r.rows.content.Get(1), "two\r\nlines");
  EXPECT_EQ(r.rows.origin[1].line, 3);
  EXPECT_EQ(r.errors[0].origin.line, 5);
  EXPECT_EQ(r.errors[0].origin.row, 3);
  EXPECT_EQ(r.errors[0].raw, "x");
}

TEST_P(CsvReaderTest, LoneCarriageReturnEndsALine) {
  auto r = Read("id,content\ra,x\rb,\"y\rz\"\rc,w");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 3u);
  EXPECT_EQ(r.rows.content.Get(1), "y\rz");
  EXPECT_EQ(r.rows.origin[2].line, 5);
  EXPECT_EQ(r.rows.content.Get(2), "w");
}

TEST_P(CsvReaderTest, QuotedNewlinesShiftLaterLineNumbers) {
  std::string in =
      "id,content,chunk_index\n"
      "a,\"first\nsecond\nthird\",1\n"
      "b,plain,2\n"
      "c,\"x\r\ny\",not-a-number\n"
      "d,z,4\n";
  auto r = Read(in);
  ASSERT_EQ(r.rows.num_rows(), 3u);
  EXPECT_EQ(r.rows.origin[0].line, 2);
  EXPECT_EQ(r.rows.origin[1].line, 5);
  EXPECT_EQ(r.rows.origin[2].line, 8);
  EXPECT_EQ(r.rows.origin[2].row, 4);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].origin.row, 3);
  EXPECT_EQ(r.errors[0].origin.line, 6);
  EXPECT_FALSE(r.errors[0].by_line);
  EXPECT_EQ(r.errors[0].message, "chunk_index: expected an integer, got 'not-a-number'");
  EXPECT_EQ(r.errors[0].data_json,
            "{\"id\":\"c\",\"content\":\"x\\r\\ny\",\"chunk_index\":\"not-a-number\"}");
  EXPECT_EQ(r.errors[0].raw, "c,\"x\r\ny\",not-a-number");
}

TEST_P(CsvReaderTest, BlankLinesAreSkippedButCounted) {
  auto r = Read("\nid,content\n\na,x\n\r\n\nb,y\n\n");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.rows.origin[0].row, 1);
  EXPECT_EQ(r.rows.origin[0].line, 4);
  EXPECT_EQ(r.rows.origin[1].row, 2);
  EXPECT_EQ(r.rows.origin[1].line, 7);
}

TEST_P(CsvReaderTest, LastRecordWithoutNewline) {
  auto r = Read("id,content\na,x\nb,\"y\"");
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(r.rows.content.Get(1), "y");
  auto r2 = Read("id,content\na,x\nb,");
  ASSERT_EQ(r2.rows.num_rows(), 2u);
  EXPECT_TRUE(r2.rows.content.IsNull(1));
}

TEST_P(CsvReaderTest, EmptyQuotedCellIsEmptyStringAndEmptyCellIsNull) {
  auto r = Read("id,content,model,chunk_index\na,\"\",,\nb,,\"\",\n");
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_FALSE(r.rows.content.IsNull(0));
  EXPECT_EQ(r.rows.content.Get(0), "");
  EXPECT_TRUE(r.rows.model.IsNull(0));
  EXPECT_TRUE(r.rows.content.IsNull(1));
  EXPECT_EQ(r.rows.model.Get(1), "");
  EXPECT_TRUE(r.rows.chunk_index.IsNull(0));
}

TEST_P(CsvReaderTest, LenientQuotingAndSpaces) {
  auto r = Read(
      "id,content,model,language\n"
      "a, spaced ,\"quoted\"tail,mid\"quote\n"
      "b,\"he said \"\"hi\"\"\",\"\"\"\",\"a,b\"\n");
  ASSERT_EQ(r.rows.num_rows(), 2u) << (r.errors.empty() ? "" : r.errors[0].message);
  EXPECT_EQ(r.rows.content.Get(0), " spaced ");
  EXPECT_EQ(r.rows.model.Get(0), "quotedtail");
  EXPECT_EQ(r.rows.language.Get(0), "mid\"quote");
  EXPECT_EQ(r.rows.content.Get(1), "he said \"hi\"");
  EXPECT_EQ(r.rows.model.Get(1), "\"");
  EXPECT_EQ(r.rows.language.Get(1), "a,b");
}

TEST_P(CsvReaderTest, VectorCellVariants) {
  auto r = Read(
      "id,values\n"
      "json,\"[0.1,0.2,-3e-2]\"\n"
      "pg,\"{0.1,0.2,-3e-2}\"\n"
      "spaces,0.1 0.2 -3e-2\n"
      "padded,\" [ 0.1 , 0.2 , -3e-2 ] \"\n"
      "empty,[]\n"
      "null,\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.num_rows(), 6u);
  const std::vector<float> want = {0.1f, 0.2f, -3e-2f};
  for (size_t i = 0; i < 4; ++i) {
    auto v = r.rows.values.Get(i);
    EXPECT_EQ(std::vector<float>(v.begin(), v.end()), want) << r.rows.id.Get(i);
  }
  EXPECT_FALSE(r.rows.values.IsNull(4));
  EXPECT_EQ(r.rows.values.Length(4), 0u);
  EXPECT_TRUE(r.rows.values.IsNull(5));
}

TEST_P(CsvReaderTest, BadVectorElementNamesIndex) {
  auto r = Read("id,values\na,\"[1,abc,3]\"\nb,\"[1,1e39]\"\nc,\"[1,NaN]\"\n");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].message, "values: Invalid vector value at index 1: 'abc' is not a number");
  EXPECT_EQ(r.errors[0].origin.row, 1);
  EXPECT_EQ(r.errors[0].data_json, "{\"id\":\"a\",\"values\":\"[1,abc,3]\"}");
  EXPECT_EQ(r.errors[1].message, "values: Invalid vector value at index 1: 1e39 is out of float32 range");
  EXPECT_EQ(r.errors[2].message, "values: Invalid vector value at index 1: NaN is not a finite number");

  ReadOptions allow;
  allow.allow_non_finite = true;
  auto r2 = Read("id,values\nc,\"[1,NaN,-Infinity]\"\n", allow);
  ASSERT_EQ(r2.rows.num_rows(), 1u);
  EXPECT_TRUE(std::isnan(r2.rows.values.Get(0)[1]));
}

TEST_P(CsvReaderTest, MetadataMustBeAnObject) {
  auto r = Read(
      "id,metadata\na,\"[1,2]\"\nb,\"{\"\"k\"\": [1, {\"\"n\"\": null}]}\"\nc,{oops}\n");
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.metadata.Get(0), "{\"k\":[1,{\"n\":null}]}");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].message, "metadata: metadata is not a JSON object (got array)");
  EXPECT_EQ(r.errors[0].origin.line, 2);
  EXPECT_EQ(r.errors[1].origin.row, 3);
  EXPECT_EQ(r.errors[1].message.rfind("metadata: Invalid JSON", 0), 0u) << r.errors[1].message;
}

TEST_P(CsvReaderTest, LongCellsAreCutInDataJson) {
  std::string big(5000, 'w');
  auto r = Read("id,chunk_index\n" + big + ",x\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].data_json,
            "{\"id\":\"" + std::string(1024, 'w') + "...\",\"chunk_index\":\"x\"}");
  EXPECT_EQ(r.errors[0].raw, big + ",x");
}

TEST_P(CsvReaderTest, MappingRenamesColumns) {
  ReadOptions options;
  ASSERT_TRUE(options.mapping.Add("values=embedding").ok());
  ASSERT_TRUE(options.mapping.Add("content=text").ok());
  auto r = Read("id,embedding,text,values\na,\"[1,2]\",hello,old\n", options);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.values.Length(0), 2u);
  EXPECT_EQ(r.rows.content.Get(0), "hello");
  // "values" was mapped away, so it is an unknown column.
  EXPECT_EQ(r.rows.metadata.Get(0), "{\"values\":\"old\"}");
}

TEST_P(CsvReaderTest, UnknownColumnsGoToMetadataAsStrings) {
  auto r = Read(
      "id,source,metadata,page\n"
      "a,web,\"{\"\"page\"\":7}\",3\n"
      "b,,,\"\"\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.num_rows(), 2u);
  // Explicit metadata keys win over columns of the same name.
  EXPECT_EQ(r.rows.metadata.Get(0), "{\"page\":7,\"source\":\"web\"}");
  EXPECT_EQ(r.rows.metadata.Get(1), "{\"source\":null,\"page\":\"\"}");
}

TEST_P(CsvReaderTest, UnknownColumnsIgnored) {
  ReadOptions options;
  options.unknown_fields = UnknownFieldPolicy::kIgnore;
  auto r = Read("id,source\na,web\n", options);
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_TRUE(r.rows.metadata.IsNull(0));
}

TEST_P(CsvReaderTest, UnknownColumnsRejected) {
  ReadOptions options;
  options.unknown_fields = UnknownFieldPolicy::kReject;
  auto r = Read("id,source\na,web\nb,\n", options);
  EXPECT_EQ(r.rows.num_rows(), 0u);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].message, "Unknown field: source");
  EXPECT_EQ(r.errors[1].origin.row, 2);
  EXPECT_EQ(r.errors[1].data_json, "{\"id\":\"b\",\"source\":null}");
}

TEST_P(CsvReaderTest, PandasIndexColumnIsIgnored) {
  auto r = Read(",id,values\n0,a,\"[1]\"\n1,b,\"[2]\"\n");
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(r.rows.id.Get(1), "b");
  EXPECT_TRUE(r.rows.metadata.IsNull(0));
}

TEST_P(CsvReaderTest, HeaderNamesPaddedWithSpacesStillMatchFields) {
  auto r = Read("id, content , extra \na,b,c\n");
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.content.Get(0), "b");
  EXPECT_EQ(r.rows.metadata.Get(0), "{\" extra \":\"c\"}");
}

TEST_P(CsvReaderTest, DuplicateColumnNamesFailOpen) {
  auto r = Read("id,content,id\na,b,c\n");
  EXPECT_TRUE(r.status.IsInvalidData());
  EXPECT_EQ(r.status.message(), "line 1: duplicate column name 'id' (columns 1 and 3)");
  auto r2 = Read("tag,x,tag\n");
  EXPECT_EQ(r2.status.message(), "line 1: duplicate column name 'tag' (columns 1 and 3)");
  auto r3 = Read("content, content\n");
  EXPECT_EQ(r3.status.message(),
            "line 1: columns 'content' and ' content' both fill the field content");
}

TEST_P(CsvReaderTest, UnterminatedQuoteInTheHeaderFailsOpen) {
  auto r = Read("id,\"values\n");
  EXPECT_TRUE(r.status.IsInvalidData());
  EXPECT_EQ(r.status.message(), "line 1: unterminated quoted field in the header");
}

TEST_P(CsvReaderTest, QuotedHeaderNames) {
  auto r = Read("\"id\",\"odd \"\"name\"\"\",\"multi\nline\"\na,b,c\n");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.origin[0].line, 3);
  EXPECT_EQ(r.rows.metadata.Get(0), "{\"odd \\\"name\\\"\":\"b\",\"multi\\nline\":\"c\"}");
}

TEST_P(CsvReaderTest, TabAndOtherDelimiters) {
  auto tsv = Read("id\tvalues\tcontent\na\t[1,2]\thas, comma\n", {}, '\t');
  ASSERT_EQ(tsv.rows.num_rows(), 1u);
  EXPECT_EQ(tsv.rows.values.Length(0), 2u);
  EXPECT_EQ(tsv.rows.content.Get(0), "has, comma");

  ReadOptions options;
  options.delimiter = ';';
  auto semi = Read("id;values\na;\"1,5 2\"\n", options, ',');
  ASSERT_EQ(semi.rows.num_rows(), 0u);  // "1,5 2" is bare comma separated: "1" and "5 2"
  ASSERT_EQ(semi.errors.size(), 1u);
  auto semi2 = Read("id;values\na;[1,2]\n", options, ',');
  ASSERT_EQ(semi2.rows.num_rows(), 1u);

  ReadOptions bad;
  bad.delimiter = '"';
  EXPECT_TRUE(Read("a\n", bad).status.IsInvalidArgument());
}

TEST_P(CsvReaderTest, SkipRecordsFramesWithoutDecoding) {
  std::string in = "id,chunk_index\nr1,bad\n\"r\n2\",1\n\nr3,\"x\"\"\ny\"\nr4,4\nr5,5\n";
  auto reader = internal::OpenCsvReader(std::make_unique<StringInput>(in), Options(), ',');
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->SkipRecords(3).ok());
  EXPECT_EQ((*reader)->records_read(), 3);
  RecordBatch batch;
  std::vector<RowError> errors;
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  ASSERT_EQ(batch.num_rows(), 2u);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(batch.id.Get(0), "r4");
  EXPECT_EQ(batch.origin[0].row, 4);
  EXPECT_EQ(batch.origin[0].line, 8);
  EXPECT_EQ(batch.origin[1].line, 9);
  EXPECT_EQ((*reader)->records_read(), 5);
  EXPECT_FALSE((*reader)->SkipRecords(1).ok());  // REQUIRES: before the first ReadNext

  // Skipping past the end is fine.
  auto all = internal::OpenCsvReader(std::make_unique<StringInput>(in), Options(), ',');
  ASSERT_TRUE((*all)->SkipRecords(10).ok());
  EXPECT_EQ((*all)->records_read(), 5);
  ASSERT_TRUE((*all)->ReadNext(&batch, &errors).ok());
  EXPECT_EQ(batch.num_rows(), 0u);
  EXPECT_TRUE(errors.empty());
}

TEST_P(CsvReaderTest, KeepRawHoldsTheRecordText) {
  ReadOptions options;
  options.keep_raw = true;
  auto r = Read("id,content\r\na,\"x\r\ny\"\r\nb,z", options);
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(r.rows.raw.Get(0), "a,\"x\r\ny\"");
  EXPECT_EQ(r.rows.raw.Get(1), "b,z");
}

TEST_P(CsvReaderTest, BatchesAreBoundedEvenWhenEveryRecordIsBad) {
  ReadOptions options;
  options.batch_rows = 3;
  std::string in = "id,chunk_index\n";
  for (int i = 0; i < 30; ++i) in += "r,x\n";
  in += "good,1\n";
  auto reader = internal::OpenCsvReader(std::make_unique<StringInput>(in), Options(options), ',');
  ASSERT_TRUE(reader.ok());
  RecordBatch batch;
  std::vector<RowError> errors;
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  EXPECT_EQ(batch.num_rows(), 0u);
  EXPECT_EQ(errors.size(), 12u);
  auto r = Read(in, options);
  EXPECT_EQ(r.errors.size(), 30u);
  EXPECT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.origin[0].row, 31);
  for (size_t n : r.batch_sizes) EXPECT_LE(n, 3u);
}

TEST_P(CsvReaderTest, ProgressCounters) {
  std::string in = Seed();
  auto reader = internal::OpenCsvReader(std::make_unique<StringInput>(in), Options(), ',');
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->source_size(), static_cast<int64_t>(in.size()));
  RecordBatch batch;
  std::vector<RowError> errors;
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  EXPECT_EQ((*reader)->bytes_read(), in.size());
  EXPECT_EQ((*reader)->records_read(), 1);
}

TEST_P(CsvReaderTest, IdGenerationUsesRowNumbers) {
  ReadOptions options;
  options.generate_ids = IdGeneration::kRowNumber;
  auto r = Read("content\nx\n\n\"y\ny\"\nz\n", options);
  ASSERT_EQ(r.rows.num_rows(), 3u);
  EXPECT_EQ(r.rows.id.Get(2), "3");
  EXPECT_EQ(r.rows.origin[2].line, 6);
}

// Records of many sizes spread over several 1 MiB blocks: every record must
// come out whole wherever a block or a short read cuts it, with the right
// line numbers (each record has a quoted line break).
std::string BigInput(size_t rows, std::vector<std::string>* ids) {
  std::string in = "id,content,values\r\n";
  for (size_t i = 0; i < rows; ++i) {
    std::string id = "r" + std::to_string(i);
    ids->push_back(id);
    std::string text((i * 7919) % 3000, static_cast<char>('a' + i % 26));
    in += id + ",\"" + text + "\r\n\"\"q\"\"\",\"[" + std::to_string(i) + ",0.5]\"\r\n";
    if (i % 100 == 0) in += "\r\n";  // blank line
  }
  return in;
}

TEST_P(CsvReaderTest, RecordsSplitAcrossBlockBoundaries) {
  std::vector<std::string> ids;
  std::string in = BigInput(3000, &ids);
  ASSERT_GT(in.size(), 4u << 20);
  for (size_t step : {size_t{0}, size_t{4093}, size_t{65536}}) {
    ReadOptions options;
    options.batch_rows = 64;
    auto r = Read(in, options, ',', step);
    ASSERT_TRUE(r.status.ok());
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    ASSERT_EQ(r.rows.num_rows(), ids.size());
    int64_t line = 2;
    for (size_t i = 0; i < ids.size(); ++i) {
      ASSERT_EQ(r.rows.id.Get(i), ids[i]);
      ASSERT_EQ(r.rows.values.Get(i)[0], static_cast<float>(i));
      std::string_view content = r.rows.content.Get(i);
      ASSERT_EQ(content.size(), (i * 7919) % 3000 + 5);
      ASSERT_EQ(content.substr(content.size() - 5), "\r\n\"q\"");
      ASSERT_EQ(r.rows.origin[i].line, line) << i;
      ASSERT_EQ(r.rows.origin[i].row, static_cast<int64_t>(i + 1));
      line += 2 + (i % 100 == 0 ? 1 : 0);
    }
  }
}

// Puts a chosen byte sequence exactly at the end of the first 1 MiB block.
std::string WithSeamAtBlockEnd(std::string_view before_seam, std::string_view after_seam) {
  const size_t block = 1u << 20;
  std::string in = "id,content\n";
  size_t filler = block - in.size() - before_seam.size() - 3;
  in += "f," + std::string(filler, 'x') + "\n";
  in += before_seam;
  EXPECT_EQ(in.size(), block);
  in += after_seam;
  return in;
}

TEST_P(CsvReaderTest, CrlfSplitAtTheBlockEnd) {
  auto r = Read(WithSeamAtBlockEnd("a,b\r", "\nc,d\n"));
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.rows.num_rows(), 3u);
  EXPECT_EQ(r.rows.content.Get(1), "b");
  EXPECT_EQ(r.rows.origin[2].line, 4);
}

TEST_P(CsvReaderTest, DoubledQuoteSplitAtTheBlockEnd) {
  auto r = Read(WithSeamAtBlockEnd("a,\"x\"", "\"y\"\nc,d\n"));
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.rows.num_rows(), 3u);
  EXPECT_EQ(r.rows.content.Get(1), "x\"y");
  auto r2 = Read(WithSeamAtBlockEnd("a,\"x\"", "\nc,d\n"));
  ASSERT_EQ(r2.rows.num_rows(), 3u);
  EXPECT_EQ(r2.rows.content.Get(1), "x");
}

TEST_P(CsvReaderTest, RecordLargerThanABlock) {
  std::string big(3u << 20, 'z');
  auto r = Read("id,content\na,\"" + big + "\"\nb,\"" + big + "\"\"\"\n");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(r.rows.content.Get(0), big);
  EXPECT_EQ(r.rows.content.Get(1), big + "\"");
}

TEST_P(CsvReaderTest, BatchesAreTheSameSerialAndThreaded) {
  std::string in = "id,chunk_index\n";
  for (int i = 0; i < 500; ++i) {
    in += "r" + std::to_string(i) + "," + (i % 7 == 3 || (i > 200 && i < 260) ? "bad" : "1") + "\n";
  }
  for (size_t batch_rows : {size_t{1}, size_t{3}, size_t{10}, size_t{64}}) {
    ReadOptions options;
    options.batch_rows = batch_rows;
    options.decode_threads = 1;
    auto serial = Read(in, options);
    options.decode_threads = 3;
    auto threaded = testing::ReadAll(std::make_unique<StringInput>(in), options);
    EXPECT_EQ(testing::DiffReads(serial, threaded), "") << batch_rows;
    EXPECT_EQ(serial.errors.size(), 59u + 71u - 8u);
  }
}

TEST_P(CsvReaderTest, ReadsThroughDecompression) {
  std::vector<std::string> ids;
  const std::string plain = BigInput(2000, &ids);
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    std::string packed;
    auto out = MemoryOutput(&packed, c);
    ASSERT_TRUE(out->Write(plain).ok());
    ASSERT_TRUE(out->Close().ok());
    ASSERT_LT(packed.size(), plain.size());
    auto r = testing::ReadAll(MemoryInput(packed), Options());
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(testing::DiffReads(r, Read(plain)), "");
    EXPECT_EQ(r.rows.num_rows(), 2000u);
  }
}

// Serves data, then fails.
class FailingInput final : public InputStream {
 public:
  explicit FailingInput(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ == data_.size()) return Status::IOError("disk on fire");
    n = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  uint64_t source_bytes_read() const override { return pos_; }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  size_t pos_ = 0;
  std::string name_ = "<failing>";
};

TEST_P(CsvReaderTest, IoErrorComesAfterTheRowsReadBeforeIt) {
  auto r = testing::ReadAll(std::make_unique<FailingInput>("id\na\nb\nc"), Options());
  EXPECT_TRUE(r.status.code() == StatusCode::kIOError) << r.status.ToString();
  EXPECT_EQ(r.status.message(), "disk on fire");
  // "c" may continue in the bytes that never came, so it is not a record.
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(r.rows.id.Get(1), "b");
  auto header = testing::ReadAll(std::make_unique<FailingInput>("id,val"), Options());
  EXPECT_EQ(header.status.message(), "disk on fire");
}

TEST_P(CsvReaderTest, DestroyingAReaderMidStreamStopsCleanly) {
  std::vector<std::string> ids;
  const std::string in = BigInput(3000, &ids);
  for (int reads = 0; reads < 3; ++reads) {
    ReadOptions options = Options();
    options.batch_rows = 10;
    auto reader = internal::OpenCsvReader(std::make_unique<ViewInput>(in), options, ',');
    ASSERT_TRUE(reader.ok());
    RecordBatch batch;
    std::vector<RowError> errors;
    for (int i = 0; i < reads; ++i) ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
    EXPECT_EQ((*reader)->records_read(), reads * 10);
  }
}

// Every seam between two reads must be invisible: a block boundary inside a
// CRLF, a doubled quote, a BOM, a multi-byte character or a cell.
TEST_P(CsvReaderTest, TinyBlocksAndThreadsGiveTheSameResult) {
  const std::string inputs[] = {
      "\xEF\xBB\xBFid,content,values\r\na,\"x\"\"y\r\nz\",\"[1,2]\"\r\n\r\nb,\"\",\r\n",
      "id,content\ra,b\r\rc,\"d\re\"\rf,\"g\"h\n",
      "id,content\na,\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\nb,\xC3\x28\nc\nd,e,f\n",
      "id,chunk_index\na,1\nb,x\nc,\"open\n\nstill open",
      ",id,values\n0,a,\"{1,2}\"\n1,b,1 2 3\n2,c,\"[1e-45, -0]\"",
      "id,content\na,\"" + std::string(3000, 'q') + "\"\nb," + std::string(900, 'r') + "\n",
  };
  for (const std::string& in : inputs) {
    ReadOptions options = Options();
    options.max_record_bytes = 2048;
    options.keep_raw = true;
    options.batch_rows = 2;
    auto whole = testing::ReadAll(std::make_unique<StringInput>(in), options);
    for (size_t block : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{8}, size_t{13}}) {
      auto split = testing::ReadAll(std::make_unique<StringInput>(in, 7), options, ',', block);
      EXPECT_EQ(testing::DiffReads(whole, split), "") << "block " << block << " input " << in;
      // The other threading mode too.
      ReadOptions other = options;
      other.decode_threads = GetParam().threads == 1 ? 2 : 1;
      auto threads = testing::ReadAll(std::make_unique<StringInput>(in, 3), other, ',', block);
      EXPECT_EQ(testing::DiffReads(whole, threads), "") << "block " << block << " input " << in;
    }
  }
}

}  // namespace
}  // namespace tributary::csv
