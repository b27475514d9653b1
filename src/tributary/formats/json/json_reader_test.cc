// Reader behaviour for JSONL and JSON: numbering, row errors, stream errors,
// options. Messages and line/row numbers are pinned.
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/formats/json/json_reader.h"
#include "tributary/formats/json/json_test_util.h"
#include "tributary/io/sha256.h"

namespace tributary::json_internal {
namespace {

using testing::Bits;
using testing::ReadJson;
using testing::ReadJsonl;

std::string Id(const RecordBatch& b, size_t i) { return std::string(b.id.Get(i)); }

// ---------------------------------------------------------------- JSONL

TEST(JsonlReaderTest, ReadsSeedExample) {
  auto r = ReadJsonl(
      R"({"id": "doc1", "document_id": "doc1", "values": [0.1, 0.2, 0.3], "content": "Sample text", "metadata": {"category": "test"}})"
      "\n"
      R"({"id": "doc2", "document_id": "doc2", "values": [0.4, 0.5, 0.6], "content": "Another text", "metadata": {"category": "other"}})"
      "\n");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(Id(r.rows, 0), "doc1");
  EXPECT_EQ(r.rows.document_id.Get(1), "doc2");
  EXPECT_EQ(r.rows.content.Get(0), "Sample text");
  EXPECT_EQ(r.rows.metadata.Get(0), R"({"category":"test"})");
  ASSERT_EQ(r.rows.values.Length(0), 3u);
  EXPECT_EQ(r.rows.values.Get(0)[0], 0.1f);
  EXPECT_EQ(r.rows.values.Get(1)[2], 0.6f);
  EXPECT_TRUE(r.rows.chunk_index.IsNull(0));
  EXPECT_TRUE(r.rows.created_at.IsNull(0));
  EXPECT_EQ(r.rows.origin[1].row, 2);
  EXPECT_EQ(r.rows.origin[1].line, 2);
  EXPECT_EQ(r.records_read, 2);
}

TEST(JsonlReaderTest, MetadataNumbersKeepTheirValue) {
  // Negative zero and whole numbers beyond 64 bits must read back as the same
  // doubles from the canonical text the store keeps.
  auto r = ReadJsonl(
      R"({"id": "a", "document_id": "d", "values": [1], "metadata": {"nz": -0.0, "big": 1e20, "n": [2.5, -3]}})"
      "\n");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.rows.metadata.Get(0), R"({"nz":-0.0,"big":1e+20,"n":[2.5,-3]})");
}

TEST(JsonlReaderTest, AllFieldTypes) {
  auto r = ReadJsonl(
      R"({"id":"a","document_id":"d","values":[1,-2.5,3e2],"content":"c","metadata":{"k":[1,{"x":null}]},)"
      R"("chunk_id":"ch","content_hash":"h","content_type":"text/plain","language":"en","chunk_index":3,)"
      R"("chunk_count":"7","model":"m","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-02T03:04:05.5+02:00"})");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.chunk_index.Get(0), 3);
  EXPECT_EQ(r.rows.chunk_count.Get(0), 7);
  EXPECT_EQ(r.rows.created_at.Get(0), 1704067200000000);
  EXPECT_EQ(r.rows.updated_at.Get(0), 1704067200000000 + 86400000000 + 3600000000 + 4 * 60000000 + 5500000);
  EXPECT_EQ(r.rows.metadata.Get(0), R"({"k":[1,{"x":null}]})");
  EXPECT_EQ(r.rows.values.Get(0)[2], 300.0f);
  EXPECT_EQ(r.rows.language.Get(0), "en");
}

TEST(JsonlReaderTest, InvalidLineAfterBlankLinesNamesTheRightLine) {
  auto r = ReadJsonl("\n{\"id\":\"a\"}\n\n   \t\n{bad\n{\"id\":\"b\"}\n");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(r.rows.origin[0].row, 1);
  EXPECT_EQ(r.rows.origin[0].line, 2);
  EXPECT_EQ(r.rows.origin[1].row, 3);
  EXPECT_EQ(r.rows.origin[1].line, 6);
  ASSERT_EQ(r.errors.size(), 1u);
  const RowError& e = r.errors[0];
  EXPECT_EQ(e.origin.row, 2);
  EXPECT_EQ(e.origin.line, 5);
  EXPECT_TRUE(e.by_line);
  EXPECT_EQ(e.message.rfind("Invalid JSON: ", 0), 0u) << e.message;
  EXPECT_EQ(e.data_json, "\"{bad\"");
  EXPECT_EQ(e.raw, "{bad");
  EXPECT_EQ(r.records_read, 3);
}

TEST(JsonlReaderTest, TruncatedLastLineIsARowError) {
  auto r = ReadJsonl("{\"id\":\"a\"}\n{\"id\":\"b\",\"values\":[1,2");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.num_rows(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].origin.line, 2);
  EXPECT_EQ(r.errors[0].origin.row, 2);
  EXPECT_TRUE(r.errors[0].by_line);
  EXPECT_EQ(r.errors[0].message, "Invalid JSON: unclosed array or object");
  EXPECT_EQ(r.errors[0].raw, "{\"id\":\"b\",\"values\":[1,2");
}

TEST(JsonlReaderTest, LastLineWithoutNewline) {
  auto r = ReadJsonl("{\"id\":\"a\"}\n{\"id\":\"b\"}");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(Id(r.rows, 1), "b");
  EXPECT_EQ(r.rows.origin[1].line, 2);
}

TEST(JsonlReaderTest, CrLfLineEndings) {
  ReadOptions options;
  options.keep_raw = true;
  auto r = ReadJsonl("{\"id\":\"a\"}\r\n\r\n{\"id\":\"b\"}\r\n", options);
  ASSERT_TRUE(r.status.ok());
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(r.rows.origin[1].line, 3);
  EXPECT_EQ(r.rows.raw.Get(0), "{\"id\":\"a\"}");
}

TEST(JsonlReaderTest, ByteOrderMarkIsSkipped) {
  for (size_t block : {size_t{1}, size_t{2}, kDefaultBlockBytes}) {
    auto r = ReadJsonl("\xEF\xBB\xBF{\"id\":\"a\"}\n", {}, block);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    ASSERT_EQ(r.rows.num_rows(), 1u);
    EXPECT_EQ(r.rows.origin[0].line, 1);
  }
}

TEST(JsonlReaderTest, EmptyInputs) {
  for (const char* text : {"", "\n", "  \n\t\n", "\xEF\xBB\xBF", "\r\n"}) {
    auto r = ReadJsonl(text);
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.rows.num_rows(), 0u);
    EXPECT_TRUE(r.errors.empty());
    EXPECT_EQ(r.records_read, 0);
  }
}

TEST(JsonlReaderTest, RecordOverLimitIsAStreamError) {
  ReadOptions options;
  options.max_record_bytes = 1024;
  std::string big = "{\"id\":\"" + std::string(2000, 'x') + "\"}";
  for (size_t block : {size_t{16}, size_t{100}, kDefaultBlockBytes}) {
    auto r = ReadJsonl("{\"id\":\"a\"}\n\n" + big + "\n{\"id\":\"c\"}\n", options, block);
    EXPECT_EQ(r.rows.num_rows(), 1u);
    EXPECT_TRUE(r.status.IsInvalidData());
    EXPECT_EQ(r.status.message(), "line 3: record longer than the 1 KiB limit");
  }
  // The default limit reads as such.
  EXPECT_EQ(FormatByteLimit(64u << 20), "64 MiB");
}

TEST(JsonlReaderTest, RecordOfExactlyTheLimitIsFine) {
  ReadOptions options;
  options.max_record_bytes = 1024;
  std::string line = "{\"id\":\"" + std::string(1024 - 9, 'x') + "\"}";
  ASSERT_EQ(line.size(), 1024u);
  for (size_t block : {size_t{7}, kDefaultBlockBytes}) {
    auto r = ReadJsonl(line + "\n" + line, options, block);
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.rows.num_rows(), 2u);
  }
}

TEST(JsonlReaderTest, InvalidUtf8NamesTheLine) {
  auto r = ReadJsonl("{\"id\":\"a\"}\n{\"id\":\"b\xff\"}\n");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  const RowError& e = r.errors[0];
  EXPECT_EQ(e.origin.line, 2);
  EXPECT_TRUE(e.by_line);
  EXPECT_EQ(e.message, "Invalid JSON: invalid UTF-8 at byte 8");
  EXPECT_EQ(e.raw, "{\"id\":\"b\xff\"}");
  // The report is valid JSON even though the line is not UTF-8.
  auto parsed = JsonValue::Parse(e.data_json);
  ASSERT_TRUE(parsed.ok()) << e.data_json;
  EXPECT_EQ(parsed->str(), "{\"id\":\"b\xEF\xBF\xBD\"}");
}

TEST(JsonlReaderTest, LongBadLineIsTruncatedInTheReport) {
  std::string line = "{\"id\": " + std::string(5000, '7') + "x";
  auto r = ReadJsonl(line);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].raw, line);
  EXPECT_LT(r.errors[0].data_json.size(), 1100u);
  EXPECT_EQ(r.errors[0].data_json.substr(r.errors[0].data_json.size() - 4), "...\"");
  EXPECT_TRUE(JsonValue::Parse(r.errors[0].data_json).ok());
}

TEST(JsonlReaderTest, NonObjectRecords) {
  auto r = ReadJsonl("[1,2]\n\"text\"\n42\nnull\n{\"id\":\"a\"}\n");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 1u);
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0].message, "record is not a JSON object (got array)");
  EXPECT_FALSE(r.errors[0].by_line);
  EXPECT_EQ(r.errors[0].data_json, "[1,2]");
  EXPECT_EQ(r.errors[1].message, "record is not a JSON object (got string)");
  EXPECT_EQ(r.errors[2].message, "record is not a JSON object (got number)");
  EXPECT_EQ(r.errors[3].message, "record is not a JSON object (got null)");
  EXPECT_EQ(r.errors[3].origin.row, 4);
}

TEST(JsonlReaderTest, TextAfterTheObjectIsInvalid) {
  auto r = ReadJsonl("{\"id\":\"a\"} {\"id\":\"b\"}\n{\"id\":\"c\"}}\n{\"id\":\"d\"}   \n");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].message, "Invalid JSON: unexpected text after the value");
  EXPECT_TRUE(r.errors[1].by_line);
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(Id(r.rows, 0), "d");
}

TEST(JsonlReaderTest, InvalidJsonAnywhereInTheRecordIsCaught) {
  // Values that are ignored or go to metadata are validated too.
  ReadOptions ignore;
  ignore.unknown_fields = UnknownFieldPolicy::kIgnore;
  for (const char* line : {R"({"id":"a","x":[1,tru]})", R"({"id":"a","x":{"y":01}})",
                           R"({"id":"a","x":"\q"})", R"({"id":"a","metadata":{"y":[1,]}})",
                           R"({"id":"a","values":[1,2,]})", R"({"id":"a","values":[1,-]})",
                           R"({"id":"a" "x":1})", R"({"id":"a",})", R"({"id":nul})",
                           "{\"id\":\"a\tb\"}"}) {
    for (const ReadOptions& options : {ReadOptions{}, ignore}) {
      auto r = ReadJsonl(line, options);
      ASSERT_EQ(r.errors.size(), 1u) << line;
      EXPECT_TRUE(r.errors[0].by_line) << line << ": " << r.errors[0].message;
      EXPECT_EQ(r.errors[0].message.rfind("Invalid JSON: ", 0), 0u) << r.errors[0].message;
    }
  }
}

TEST(JsonlReaderTest, FieldConversionErrors) {
  struct Case {
    const char* line;
    const char* message;
  };
  const Case cases[] = {
      {R"({"id":"a","chunk_index":"abc"})", "chunk_index: expected an integer, got 'abc'"},
      {R"({"id":"a","chunk_index":1.5})", "chunk_index: expected an integer, got 1.5"},
      {R"({"id":"a","chunk_index":[1]})", "chunk_index: expected an integer, got an array"},
      {R"({"id":"a","content":{"t":1}})", "content: expected a string, got an object"},
      {R"({"id":"a","created_at":"yesterday"})", ""},
      {R"({"id":"a","created_at":1700000000})",
       "created_at: expected an RFC 3339 timestamp string, got the number 1700000000"},
      {R"({"id":"a","metadata":[1]})", "metadata: metadata is not a JSON object (got array)"},
      {R"({"id":"a","metadata":5})", "metadata: metadata is not a JSON object (got number)"},
      {R"({"id":"a","metadata":"[1]"})", "metadata: metadata is not a JSON object (got array)"},
      {R"({"id":"a","values":5})", "values: expected an array of numbers, got a number"},
      {R"({"id":"a","values":{"x":1}})", "values: expected an array of numbers, got an object"},
      {R"({"id":"a","values":true})", "values: expected an array of numbers, got a boolean"},
      {R"({"id":"a","values":[1,"a"]})", "values: Invalid vector value at index 1: '\"a\"' is not a number"},
      {R"({"id":"a","values":[1,[2]]})", "values: Invalid vector value at index 1: expected a number, got an array"},
      {R"({"id":"a","values":[1,null]})", "values: Invalid vector value at index 1: 'null' is not a number"},
      {R"({"id":"a","values":[1e39]})", "values: Invalid vector value at index 0: 1e39 is out of float32 range"},
      {R"({"id":"a","values":[1e400]})", "values: Invalid vector value at index 0: 1e400 is out of float32 range"},
      {R"({"id":"a","values":[0,NaN]})", "values: Invalid vector value at index 1: NaN is not a finite number"},
      {R"({"id":"a","values":[-Infinity]})",
       "values: Invalid vector value at index 0: -Infinity is not a finite number"},
      {R"({"id":"a","values":"[1,x]"})", "values: Invalid vector value at index 1: 'x' is not a number"},
  };
  for (const Case& c : cases) {
    auto r = ReadJsonl(c.line);
    ASSERT_EQ(r.errors.size(), 1u) << c.line;
    const RowError& e = r.errors[0];
    EXPECT_FALSE(e.by_line) << c.line << ": " << e.message;
    if (*c.message) {
      EXPECT_EQ(e.message, c.message) << c.line;
    } else {
      EXPECT_EQ(e.message.rfind("created_at: ", 0), 0u) << e.message;
    }
    EXPECT_EQ(e.raw, c.line);
    // The report is JSON: the record itself, or its text when a strict
    // parser refuses it (NaN).
    EXPECT_TRUE(JsonValue::Parse(e.data_json).ok()) << e.data_json;
  }
  auto r = ReadJsonl("{ \"id\" : \"a\", \"chunk_index\" : \"abc\" }");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].data_json, R"({"id":"a","chunk_index":"abc"})");
}

TEST(JsonlReaderTest, ScalarsForStringFieldsKeepTheirText) {
  auto r = ReadJsonl(R"({"id":12345678901234567890123,"document_id":-1.50e3,"model":true,"language":null})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(Id(r.rows, 0), "12345678901234567890123");
  EXPECT_EQ(r.rows.document_id.Get(0), "-1.50e3");
  EXPECT_EQ(r.rows.model.Get(0), "true");
  EXPECT_TRUE(r.rows.language.IsNull(0));
}

TEST(JsonlReaderTest, EmptyStringIsNotNull) {
  auto r = ReadJsonl(R"({"id":"a","content":"","chunk_id":null,"values":[]})");
  ASSERT_TRUE(r.errors.empty());
  EXPECT_FALSE(r.rows.content.IsNull(0));
  EXPECT_EQ(r.rows.content.Get(0), "");
  EXPECT_TRUE(r.rows.chunk_id.IsNull(0));
  EXPECT_FALSE(r.rows.values.IsNull(0));
  EXPECT_EQ(r.rows.values.Length(0), 0u);
  EXPECT_TRUE(r.rows.model.IsNull(0));
}

TEST(JsonlReaderTest, EscapesInStringsAndKeys) {
  auto r = ReadJsonl(
      R"({"i\u0064":"a\"b\\c\/d\n\u00e9\ud83d\ude00","valu\u0065s":[1],"metadata":{"\u006b":"\u0000"}})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(Id(r.rows, 0), "a\"b\\c/d\n\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(r.rows.values.Length(0), 1u);
  EXPECT_EQ(r.rows.metadata.Get(0), R"({"k":"\u0000"})");
}

TEST(JsonlReaderTest, ValuesAsVectorText) {
  auto r = ReadJsonl(R"({"id":"a","values":"[0.1, 0.2]"})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.values.Length(0), 2u);
  EXPECT_EQ(r.rows.values.Get(0)[1], 0.2f);
}

TEST(JsonlReaderTest, MetadataAsJsonText) {
  auto r = ReadJsonl(R"({"id":"a","metadata":"{\"k\": [1, 2.50]}"})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.rows.metadata.Get(0), R"({"k":[1,2.5]})");
}

TEST(JsonlReaderTest, NonFiniteValuesWhenAllowed) {
  ReadOptions options;
  options.allow_non_finite = true;
  auto r = ReadJsonl(R"({"id":"a","values":[NaN,Infinity,-Infinity,1]})", options);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  auto v = r.rows.values.Get(0);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_EQ(v[1], std::numeric_limits<float>::infinity());
  EXPECT_EQ(v[2], -std::numeric_limits<float>::infinity());
}

// The vector fast path rounds decimal -> double -> float and must give the
// correctly rounded float32 every time, as ParseFloat does.
TEST(JsonlReaderTest, VectorFloatsAreCorrectlyRounded) {
  const std::vector<std::pair<std::string, uint32_t>> pinned = {
      {"1.00000005960464477539062500000000001", 0x3f800001},  // just above a midpoint
      {"1.000000059604644775390625", 0x3f800000},             // exactly a midpoint: even
      {"1.00000005960464477539062499999999999", 0x3f800000},  // just below
      {"1.0000001788139343261718750", 0x3f800002},            // midpoint, rounds to even (up)
      {"-0", 0x80000000},
      {"-0.0", 0x80000000},
      {"0e10", 0},
      {"1e-45", 0x00000001},
      {"1.401298464324817e-45", 0x00000001},
      {"7e-46", 0x00000000},
      {"7.1e-46", 0x00000001},
      {"1.1754942e-38", 0x007fffff},
      {"1.17549435e-38", 0x00800000},
      {"3.4028235e38", 0x7f7fffff},
      {"3.40282356e38", 0x7f7fffff},
      {"-3.4028235e38", 0xff7fffff},
      {"16777217", 0x4b800000},
      {"16777219", 0x4b800002},
      {"0.1", 0x3dcccccd},
  };
  std::string line = "{\"values\":[";
  for (size_t i = 0; i < pinned.size(); ++i) line += (i ? "," : "") + pinned[i].first;
  line += "]}";
  auto r = ReadJsonl(line);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  auto v = r.rows.values.Get(0);
  ASSERT_EQ(v.size(), pinned.size());
  for (size_t i = 0; i < pinned.size(); ++i) {
    EXPECT_EQ(Bits(v[i]), pinned[i].second) << pinned[i].first;
  }

  // Random decimals of up to 20 significant digits, against ParseFloat.
  std::mt19937_64 rng(20240601);
  std::vector<std::string> tokens;
  line = "{\"values\":[";
  for (int i = 0; i < 20000; ++i) {
    std::string t;
    if (rng() % 2) t += '-';
    int digits = 1 + static_cast<int>(rng() % 20);
    t += static_cast<char>('1' + rng() % 9);
    if (digits > 1) t += '.';
    for (int d = 1; d < digits; ++d) t += static_cast<char>('0' + rng() % 10);
    t += 'e' + std::to_string(static_cast<int>(rng() % 84) - 46);
    tokens.push_back(t);
    line += (i ? "," : "") + t;
  }
  line += "]}";
  r = ReadJsonl(line);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  v = r.rows.values.Get(0);
  ASSERT_EQ(v.size(), tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    float expected;
    ASSERT_EQ(ParseFloat(tokens[i], &expected, false), ParseNumberError::kOk) << tokens[i];
    ASSERT_EQ(Bits(v[i]), Bits(expected)) << tokens[i];
  }
}

// Decimals right around the midpoint between two floats, where rounding
// through double is most fragile, written with 9 to 25 significant digits.
TEST(JsonlReaderTest, VectorFloatsNearMidpointsAreCorrectlyRounded) {
  std::mt19937_64 rng(77);
  std::vector<std::string> tokens;
  std::string line = "{\"values\":[";
  while (tokens.size() < 30000) {
    const float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    if (!std::isfinite(f) || std::fabs(f) > 1e38f) continue;
    const float next = std::nextafter(f, f < 0 ? -INFINITY : INFINITY);
    const double mid = (static_cast<double>(f) + static_cast<double>(next)) / 2;
    char buf[64];
    const int precision = 8 + static_cast<int>(rng() % 17);
    auto res = std::to_chars(buf, buf + sizeof(buf), mid, std::chars_format::scientific, precision);
    std::string t(buf, res.ptr);
    tokens.push_back(t);
    line += (tokens.size() > 1 ? "," : "") + t;
  }
  line += "]}";
  auto r = ReadJsonl(line);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  auto v = r.rows.values.Get(0);
  ASSERT_EQ(v.size(), tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    float expected;
    ASSERT_EQ(ParseFloat(tokens[i], &expected, false), ParseNumberError::kOk) << tokens[i];
    ASSERT_EQ(Bits(v[i]), Bits(expected)) << tokens[i];
  }
}

// Metadata and unknown fields come out exactly as JsonValue would write them,
// so CSV (which canonicalizes through JsonValue) and JSON agree.
TEST(JsonlReaderTest, MetadataIsCanonicalLikeJsonValue) {
  const char* objects[] = {
      R"({})",
      R"({"a":-0,"b":-0.0,"c":1E2,"d":1.50,"e":18446744073709551615,"f":-9223372036854775808})",
      R"({"g":1e-400,"h":0.1,"i":123456789.123456789,"j":1e21,"k":5e-7})",
      R"({ "s" : "\u00e9\ud83d\ude00\/\b\f\n\r\t\u001f\u007f" , "t":[ ] , "u" : { } })",
      R"({"dup":1,"dup":2,"n":null,"b":[true,false,null,[[]]]})",
      R"({"\u0000k\"":"v"})",
  };
  for (const char* object : objects) {
    auto expected = JsonValue::Parse(object);
    ASSERT_TRUE(expected.ok()) << object;
    auto r = ReadJsonl(std::string("{\"id\":\"a\",\"metadata\":") + object + "}");
    ASSERT_TRUE(r.errors.empty()) << object << ": " << r.errors[0].message;
    EXPECT_EQ(r.rows.metadata.Get(0), expected->ToString());
    // As an unknown field the same value is merged into metadata.
    r = ReadJsonl(std::string("{\"id\":\"a\",\"extra\":") + object + "}");
    ASSERT_TRUE(r.errors.empty()) << object;
    EXPECT_EQ(r.rows.metadata.Get(0), "{\"extra\":" + expected->ToString() + "}");
  }
}

// Metadata numbers keep their value whatever their length: long fractions
// round to their double (not to 0), integers past 64 bits read as doubles.
TEST(JsonlReaderTest, MetadataLongNumbers) {
  auto r = ReadJsonl(R"({"id":"a","document_id":"d","values":[1],"metadata":{"d":-12345.678901234567890123456789,)"
                     R"("n":-9223372036854776000,"y":[12345678901234567890123],"u":18446744073709551615,)"
                     R"("i":-9223372036854775808,"z":-0,"f":0.1000000000000000000000000001,"neg0":-0.0}})"
                     "\n"
                     // Vectors too, on the fast path and the general one (NaN).
                     R"({"id":"b","document_id":"d","values":[0.1000000000000000000000000001,1e-46,2]})" "\n"
                     R"({"id":"c","document_id":"d","values":[0.1000000000000000000000000001,NaN,2]})" "\n",
                     [] {
                       ReadOptions o;
                       o.allow_non_finite = true;
                       return o;
                     }());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.rows.metadata.Get(0),
            R"({"d":-12345.678901234567,"n":-9.223372036854776e+18,"y":[1.2345678901234568e+22],)"
            R"("u":18446744073709551615,"i":-9223372036854775808,"z":0,"f":0.1,"neg0":-0.0})");
  ASSERT_EQ(r.rows.num_rows(), 3u);
  for (size_t row : {1, 2}) EXPECT_EQ(r.rows.values.Get(row)[0], 0.1f) << row;
  EXPECT_EQ(r.rows.values.Get(1)[1], 0.0f);
}

TEST(JsonlReaderTest, MetadataNestingLimit) {
  auto nested = [](int depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  // metadata {"k": <255 arrays>} is 256 levels deep below the object: fine.
  auto r = ReadJsonl("{\"metadata\":{\"k\":" + nested(256) + "}}");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  r = ReadJsonl("{\"metadata\":{\"k\":" + nested(257) + "}}");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "metadata: Invalid JSON: nesting deeper than 256 levels");
  // Very deep input is invalid JSON, without deep recursion.
  r = ReadJsonl("{\"metadata\":{\"k\":" + nested(100000) + "}}");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(r.errors[0].by_line);
}

TEST(JsonlReaderTest, MappingValuesFromEmbedding) {
  ReadOptions options;
  ASSERT_TRUE(options.mapping.Add("values=embedding").ok());
  ASSERT_TRUE(options.mapping.Add("content=text").ok());
  auto r = ReadJsonl(R"({"id":"a","embedding":[0.5,1.5],"text":"hello","values":"not mine"})", options);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.values.Length(0), 2u);
  EXPECT_EQ(r.rows.values.Get(0)[1], 1.5f);
  EXPECT_EQ(r.rows.content.Get(0), "hello");
  // "values" is mapped away, so it is an unknown field.
  EXPECT_EQ(r.rows.metadata.Get(0), R"({"values":"not mine"})");
}

TEST(JsonlReaderTest, UnknownFieldsPolicies) {
  const std::string line =
      R"({"id":"a","title":"T","n":1.50,"metadata":{"k":1,"title":"explicit"},"tags":["x",{"y":null}]})";
  {
    auto r = ReadJsonl(line);
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    EXPECT_EQ(r.rows.metadata.Get(0), R"({"k":1,"title":"explicit","n":1.5,"tags":["x",{"y":null}]})");
  }
  {
    auto r = ReadJsonl(R"({"id":"a","title":"T"})");
    EXPECT_EQ(r.rows.metadata.Get(0), R"({"title":"T"})");
  }
  {
    ReadOptions options;
    options.unknown_fields = UnknownFieldPolicy::kIgnore;
    auto r = ReadJsonl(line, options);
    ASSERT_TRUE(r.errors.empty());
    EXPECT_EQ(r.rows.metadata.Get(0), R"({"k":1,"title":"explicit"})");
  }
  {
    ReadOptions options;
    options.unknown_fields = UnknownFieldPolicy::kReject;
    auto r = ReadJsonl(line + "\n{\"id\":\"b\"}", options);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].message, "Unknown field: title");
    EXPECT_FALSE(r.errors[0].by_line);
    ASSERT_EQ(r.rows.num_rows(), 1u);
    EXPECT_EQ(Id(r.rows, 0), "b");
  }
}

TEST(JsonlReaderTest, GenerateIds) {
  ReadOptions options;
  options.generate_ids = IdGeneration::kRowNumber;
  auto r = ReadJsonl("{\"content\":\"x\"}\n\n{\"id\":\"keep\",\"content\":\"y\"}\n{\"content\":\"z\"}\n", options);
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.rows.num_rows(), 3u);
  EXPECT_EQ(Id(r.rows, 0), "1");
  EXPECT_EQ(r.rows.document_id.Get(0), "1");
  EXPECT_EQ(Id(r.rows, 1), "keep");
  EXPECT_EQ(Id(r.rows, 2), "3");

  options.generate_ids = IdGeneration::kContentHash;
  r = ReadJsonl("{\"content\":\"hello\"}\n{\"values\":[1]}\n", options);
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(Id(r.rows, 0), Sha256::HexOf("hello").substr(0, 32));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].origin.row, 2);
  EXPECT_EQ(r.errors[0].message, "id: cannot derive an id from the content hash: content is missing");
}

TEST(JsonlReaderTest, KeepRaw) {
  ReadOptions options;
  options.keep_raw = true;
  auto r = ReadJsonl("{ \"id\" : \"a\" }\n{\"id\":\"b\",\"values\":[1.0]}", options);
  ASSERT_EQ(r.rows.raw.size(), 2u);
  EXPECT_EQ(r.rows.raw.Get(0), "{ \"id\" : \"a\" }");
  EXPECT_EQ(r.rows.raw.Get(1), "{\"id\":\"b\",\"values\":[1.0]}");
}

TEST(JsonlReaderTest, BatchSizes) {
  ReadOptions options;
  options.batch_rows = 2;
  std::string text;
  for (int i = 0; i < 5; ++i) text += "{\"id\":\"" + std::to_string(i) + "\"}\n";
  auto r = ReadJsonl(text, options);
  EXPECT_EQ(r.batch_sizes, (std::vector<size_t>{2, 2, 1}));
  EXPECT_EQ(r.rows.num_rows(), 5u);
}

TEST(JsonlReaderTest, AllBadRecordsStillComeOutInBoundedCalls) {
  ReadOptions options;
  options.batch_rows = 1;
  std::string text;
  for (int i = 0; i < 10; ++i) text += "{bad\n";
  auto reader = OpenReader(Framing::kLines, MemoryInput(text), options);
  ASSERT_TRUE(reader.ok());
  RecordBatch batch;
  size_t total = 0;
  for (;;) {
    std::vector<RowError> errors;
    ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
    EXPECT_LE(errors.size(), 4u);
    EXPECT_EQ(batch.num_rows(), 0u);
    if (errors.empty()) break;
    total += errors.size();
  }
  EXPECT_EQ(total, 10u);
}

TEST(JsonlReaderTest, SkipRecords) {
  std::string text = "{\"id\":\"a\"}\n\n{bad\n{\"id\":\"c\"}\n{\"id\":\"d\"}\n";
  auto reader = OpenReader(Framing::kLines, MemoryInput(text), {});
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->SkipRecords(2).ok());
  EXPECT_EQ((*reader)->records_read(), 2);
  RecordBatch batch;
  std::vector<RowError> errors;
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  ASSERT_EQ(batch.num_rows(), 2u);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(Id(batch, 0), "c");
  EXPECT_EQ(batch.origin[0].row, 3);
  EXPECT_EQ(batch.origin[0].line, 4);
  EXPECT_EQ((*reader)->records_read(), 4);
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  EXPECT_EQ(batch.num_rows(), 0u);
}

TEST(JsonlReaderTest, ProgressCounters) {
  std::string text = "{\"id\":\"a\"}\n{\"id\":\"b\"}\n";
  auto reader = OpenReader(Framing::kLines, MemoryInput(text), {});
  ASSERT_TRUE(reader.ok());
  RecordBatch batch;
  std::vector<RowError> errors;
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  EXPECT_EQ((*reader)->bytes_read(), text.size());
  EXPECT_EQ((*reader)->records_read(), 2);
}

TEST(JsonlReaderTest, BadOptionsAreRefused) {
  ReadOptions options;
  options.batch_rows = 0;
  auto reader = OpenReader(Framing::kLines, MemoryInput(""), options);
  EXPECT_TRUE(reader.status().IsInvalidArgument());
}

// A hostile line far over the limit does not grow the buffer past it.
TEST(JsonlReaderTest, MemoryStaysBoundedOnAHugeLine) {
  const size_t kLimit = 4096, kBlock = 1024;
  std::string text = "{\"id\":\"a\"}\n{\"x\":\"" + std::string(10u << 20, 'y');
  auto in = MemoryInput(std::move(text));
  RecordFramer framer(Framing::kLines, in.get(), kLimit, kBlock);
  RecordSpan span;
  bool done;
  ASSERT_TRUE(framer.Next(&span, &done).ok());
  Status st = framer.Next(&span, &done);
  EXPECT_EQ(st.message(), "line 2: record longer than the 4 KiB limit");
  EXPECT_LE(framer.buffer_capacity(), 2 * (kLimit + kBlock + kRecordPadding));
  // The error sticks.
  EXPECT_EQ(framer.Next(&span, &done).message(), st.message());
}

// One outsized record does not pin its buffer for the rest of the input.
TEST(JsonlReaderTest, BufferShrinksAfterALongRecord) {
  const size_t kBlock = 4096;
  std::string text = "{\"id\":\"" + std::string(1u << 20, 'x') + "\"}\n";
  for (int i = 0; i < 1000; ++i) text += "{\"id\":\"" + std::to_string(i) + "\"}\n";
  auto in = MemoryInput(std::move(text));
  RecordFramer framer(Framing::kLines, in.get(), 64u << 20, kBlock);
  RecordSpan span;
  bool done = false;
  ASSERT_TRUE(framer.Next(&span, &done).ok());
  EXPECT_EQ(span.text.size(), (1u << 20) + 9);
  EXPECT_GT(framer.buffer_capacity(), 1u << 20);
  int records = 1;
  while (framer.Next(&span, &done).ok() && !done) ++records;
  EXPECT_EQ(records, 1001);
  EXPECT_LE(framer.buffer_capacity(), 2 * (kBlock + kRecordPadding));
}

// ---------------------------------------------------------------- JSON

TEST(JsonReaderTest, ReadsSeedExample) {
  auto r = ReadJson(R"([
  {
    "id": "doc1",
    "document_id": "doc1",
    "values": [0.1, 0.2, 0.3],
    "content": "Sample text",
    "metadata": {"category": "test"},
    "chunk_id": "chunk1",
    "content_hash": "hash123",
    "content_type": "text/plain",
    "language": "en",
    "chunk_index": 0,
    "chunk_count": 1,
    "model": "text-embedding-ada-002",
    "created_at": "2024-01-01T00:00:00Z",
    "updated_at": "2024-01-01T00:00:00Z"
  }
]
)");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.origin[0].row, 1);
  EXPECT_EQ(r.rows.origin[0].line, 2);
  EXPECT_EQ(r.rows.model.Get(0), "text-embedding-ada-002");
  EXPECT_EQ(r.rows.chunk_index.Get(0), 0);
  EXPECT_EQ(r.rows.created_at.Get(0), 1704067200000000);
}

TEST(JsonReaderTest, StringsWithStructuralCharacters) {
  const std::string text =
      "[{\"id\":\"a],[{\\\"\",\"content\":\"}{,\\\\\"},\n"
      " {\"id\":\"b\\\\\",\"content\":\"\\\\\\\"]\"} ,{\"id\":\"\\u005d\"}]";
  auto expected = ReadJson(text);
  ASSERT_TRUE(expected.status.ok()) << expected.status.ToString();
  ASSERT_TRUE(expected.errors.empty()) << expected.errors[0].message;
  ASSERT_EQ(expected.rows.num_rows(), 3u);
  EXPECT_EQ(Id(expected.rows, 0), "a],[{\"");
  EXPECT_EQ(expected.rows.content.Get(0), "}{,\\");
  EXPECT_EQ(Id(expected.rows, 1), "b\\");
  EXPECT_EQ(expected.rows.content.Get(1), "\\\"]");
  EXPECT_EQ(Id(expected.rows, 2), "]");
  EXPECT_EQ(expected.rows.origin[1].line, 2);
  // Every split of the input across reads gives the same rows.
  for (size_t block = 1; block <= 17; ++block) {
    SCOPED_TRACE("block " + std::to_string(block));
    auto r = ReadJson(text, {}, block);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    testing::ExpectSameRows(r.rows, expected.rows);
  }
}

// Mongo shell syntax in a JSON array (--format mongo-json): single-quoted
// strings and regular expressions holding brackets, braces, commas and quotes
// are skipped by the framer like double-quoted strings, at every split.
TEST(JsonReaderTest, ShellStringsAndRegexesWithStructuralCharacters) {
  const std::string records[] = {
      R"({_id: 'a],[{', document_id: 'd "1" \'q\' }', values: [1.5], metadata: {re: /[}\],{"']+\/x/i, t: 'it\'s ]'}})",
      R"({'_id': 'b', document_id: "plain ' /", values: [2], metadata: {r: [/]/, /}/g, /'/], half: 'a/b'}})",
      R"({_id: ObjectId("54b03ef2a817f4f960f5b809"), document_id: 'c',
          values: [3, 4e0], content: "x / y ]", metadata: {d: ISODate('2024-01-01T00:00:00Z'), q: '"}'}})",
  };
  ReadOptions options;
  options.mongo_extended_json = true;
  std::string lines, array = "[\n";
  for (const std::string& r : records) {
    std::string one_line = r;
    std::replace(one_line.begin(), one_line.end(), '\n', ' ');
    lines += one_line + "\n";
    array += (array.size() > 2 ? ",\n  " : "  ") + r;
  }
  array += "\n]\n";
  // JSON Lines frames by line; its rows are what the array must give.
  auto expected = ReadJsonl(lines, options);
  ASSERT_TRUE(expected.status.ok()) << expected.status.ToString();
  ASSERT_TRUE(expected.errors.empty()) << expected.errors[0].message;
  ASSERT_EQ(expected.rows.num_rows(), 3u);
  EXPECT_EQ(Id(expected.rows, 0), "a],[{");
  EXPECT_EQ(expected.rows.document_id.Get(0), "d \"1\" 'q' }");
  EXPECT_EQ(expected.rows.metadata.Get(0), R"({"re":{"pattern":"[}\\],{\"']+/x","options":"i"},"t":"it's ]"})");
  EXPECT_EQ(expected.rows.metadata.Get(1),
            R"({"r":[{"pattern":"]","options":""},{"pattern":"}","options":"g"},{"pattern":"'","options":""}],"half":"a/b"})");
  EXPECT_EQ(Id(expected.rows, 2), "54b03ef2a817f4f960f5b809");
  EXPECT_EQ(expected.rows.content.Get(2), "x / y ]");
  for (size_t block : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{7}, size_t{13}, size_t{64},
                       kDefaultBlockBytes}) {
    SCOPED_TRACE("block " + std::to_string(block));
    auto r = ReadJson(array, options, block);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    testing::ExpectSameRows(r.rows, expected.rows, /*compare_origin=*/false);
    ASSERT_EQ(r.rows.num_rows(), 3u);
    EXPECT_EQ(r.rows.origin[0].line, 2);
    EXPECT_EQ(r.rows.origin[1].line, 3);
    EXPECT_EQ(r.rows.origin[2].line, 4);
    // A single top-level object is framed the same way.
    auto single = ReadJson(records[0], options, block);
    ASSERT_TRUE(single.status.ok()) << single.status.ToString();
    ASSERT_EQ(single.rows.num_rows(), 1u);
    EXPECT_EQ(Id(single.rows, 0), "a],[{");
  }
  // A '/' after a value is no regular expression: the brackets after it
  // still count, so the element ends where the structure says.
  auto division = ReadJson("[{_id: 'x', document_id: 'd', values: [1], metadata: {a: [1 / 2]}}, {_id: 'y', "
                           "document_id: 'd', values: [2]}]", options);
  ASSERT_TRUE(division.status.ok()) << division.status.ToString();
  ASSERT_EQ(division.errors.size(), 1u);
  EXPECT_EQ(division.errors[0].origin.row, 1);
  ASSERT_EQ(division.rows.num_rows(), 1u);
  EXPECT_EQ(Id(division.rows, 0), "y");
}

TEST(JsonReaderTest, StringSplitAcrossTheDefaultBlockBoundary) {
  // Records of ~300 KiB so that several straddle each 1 MiB read, with
  // escapes and brackets right around the boundaries.
  std::string text = "[\n";
  std::vector<std::string> contents;
  for (int i = 0; i < 12; ++i) {
    std::string content;
    for (int k = 0; k < 25000; ++k) content += (k % 7 == 0) ? "\\\"],{[" : "abcdefghijklm";
    contents.push_back(content);
    if (i) text += ",\n";
    text += "{\"id\":\"" + std::to_string(i) + "\",\"content\":\"" + content + "\",\"values\":[" +
            std::to_string(i) + ".5]}";
  }
  text += "\n]\n";
  ASSERT_GT(text.size(), 3 * kDefaultBlockBytes);
  auto r = ReadJson(text);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.num_rows(), 12u);
  for (size_t i = 0; i < 12; ++i) {
    std::string unescaped;
    for (size_t k = 0; k < contents[i].size(); ++k) {
      if (contents[i][k] == '\\') ++k;
      unescaped += contents[i][k];
    }
    EXPECT_EQ(r.rows.content.Get(i), unescaped);
    EXPECT_EQ(r.rows.values.Get(i)[0], static_cast<float>(i) + 0.5f);
    EXPECT_EQ(r.rows.origin[i].line, static_cast<int64_t>(i) + 2);
  }
}

TEST(JsonReaderTest, PrettyPrintedWithCrLfAndBom) {
  std::string text = "\xEF\xBB\xBF  \r\n[\r\n  {\r\n    \"id\": \"a\",\r\n    \"values\": [\r\n      1,\r\n"
                     "      2\r\n    ]\r\n  }\r\n  ,\r\n\r\n  {\"id\": \"b\"}\r\n]\r\n";
  for (size_t block : {size_t{1}, size_t{3}, kDefaultBlockBytes}) {
    auto r = ReadJson(text, {}, block);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    ASSERT_EQ(r.rows.num_rows(), 2u);
    EXPECT_EQ(r.rows.origin[0].line, 3);
    EXPECT_EQ(r.rows.origin[1].line, 12);
    EXPECT_EQ(r.rows.values.Length(0), 2u);
  }
}

TEST(JsonReaderTest, EmptyInputs) {
  for (const char* text : {"", " \n ", "[]", "[ ]\n", "\xEF\xBB\xBF[\n]\n"}) {
    auto r = ReadJson(text);
    EXPECT_TRUE(r.status.ok()) << text << ": " << r.status.ToString();
    EXPECT_EQ(r.rows.num_rows(), 0u);
    EXPECT_TRUE(r.errors.empty());
  }
}

TEST(JsonReaderTest, SingleTopLevelObject) {
  auto r = ReadJson("\n{\n  \"id\": \"only\",\n  \"values\": [1, 2]\n}\n");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(Id(r.rows, 0), "only");
  EXPECT_EQ(r.rows.origin[0].line, 2);

  r = ReadJson("{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.status.message(),
            "line 2: unexpected '{' after the top-level object (a JSON file holds one array or one "
            "object; use JSONL for one object per line)");

  r = ReadJson("{\"id\":\"a\",\n\"values\":[1");
  EXPECT_EQ(r.rows.num_rows(), 0u);
  EXPECT_EQ(r.status.message(), "line 1: input ends inside the top-level object that starts on this line");
}

TEST(JsonReaderTest, MissingClosingBracket) {
  auto r = ReadJson("[{\"id\":\"a\"},\n{\"id\":\"b\"}\n\n");
  // Everything before the error is handed out.
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_TRUE(r.status.IsInvalidData());
  EXPECT_EQ(r.status.message(), "line 2: missing closing ']' at end of input");

  r = ReadJson("[{\"id\":\"a\"},\n  \n");
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.status.message(), "line 1: missing closing ']' at end of input");

  r = ReadJson("[\n");
  EXPECT_EQ(r.status.message(), "line 1: missing closing ']' at end of input");

  r = ReadJson("[{\"id\":\"a\"},\n{\"id\":\"b\",\n\"values\":[1,");
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.status.message(),
            "line 2: input ends inside the array element that starts on this line (missing closing ']')");

  r = ReadJson("[{\"id\":\"a\"},{\"id\":\"b\"}, {\"id\": \"unterminated string");
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(r.status.message(),
            "line 1: input ends inside the array element that starts on this line (missing closing ']')");
}

TEST(JsonReaderTest, MissingClosingBracketWithSmallBatches) {
  ReadOptions options;
  options.batch_rows = 1;
  auto reader = OpenReader(Framing::kArray, MemoryInput("[{\"id\":\"a\"},{\"id\":\"b\"}"), options);
  ASSERT_TRUE(reader.ok());
  RecordBatch batch;
  std::vector<RowError> errors;
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  EXPECT_EQ(batch.num_rows(), 1u);
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  ASSERT_EQ(batch.num_rows(), 1u);
  EXPECT_EQ(Id(batch, 0), "b");
  Status st = (*reader)->ReadNext(&batch, &errors);
  EXPECT_EQ(st.message(), "line 1: missing closing ']' at end of input");
  EXPECT_EQ(batch.num_rows(), 0u);
  // It stays failed.
  EXPECT_EQ((*reader)->ReadNext(&batch, &errors).message(), st.message());
}

TEST(JsonReaderTest, GarbageAfterTheArray) {
  auto r = ReadJson("[{\"id\":\"a\"}]\n\n  xyz");
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_TRUE(r.status.IsInvalidData());
  EXPECT_EQ(r.status.message(), "line 3: unexpected 'x' after the closing ']' of the top-level array");

  r = ReadJson("[]]");
  EXPECT_EQ(r.status.message(), "line 1: unexpected ']' after the closing ']' of the top-level array");
}

TEST(JsonReaderTest, NonArrayTopLevel) {
  auto r = ReadJson("\n\"just a string\"");
  EXPECT_TRUE(r.status.IsInvalidData());
  EXPECT_EQ(r.status.message(),
            "line 2: expected a JSON array ('[') or object ('{') at the top level, got '\"'");
  r = ReadJson("\x01");
  EXPECT_EQ(r.status.message(),
            "line 1: expected a JSON array ('[') or object ('{') at the top level, got byte 0x01");
}

TEST(JsonReaderTest, BrokenArraySeparators) {
  auto r = ReadJson("[{\"id\":\"a\"},]");
  EXPECT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.status.message(), "line 1: unexpected ']' after ','");
  r = ReadJson("[{\"id\":\"a\"},,{}]");
  EXPECT_EQ(r.status.message(), "line 1: expected an array element before ','");
  r = ReadJson("[,{}]");
  EXPECT_EQ(r.status.message(), "line 1: expected an array element before ','");
}

TEST(JsonReaderTest, NonObjectAndInvalidElementsAreRowErrors) {
  auto r = ReadJson("[1, {\"id\":\"a\"}, \"x\",\n [2, {}], {\"id\" 1}, {\"id\":\"b\"} {\"id\":\"c\"}, null, {\"id\":\"d\"}]");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(Id(r.rows, 0), "a");
  EXPECT_EQ(r.rows.origin[0].row, 2);
  EXPECT_EQ(Id(r.rows, 1), "d");
  EXPECT_EQ(r.rows.origin[1].row, 8);
  EXPECT_EQ(r.rows.origin[1].line, 2);
  ASSERT_EQ(r.errors.size(), 6u);
  EXPECT_EQ(r.errors[0].message, "record is not a JSON object (got number)");
  EXPECT_EQ(r.errors[0].data_json, "1");
  EXPECT_EQ(r.errors[0].raw, "1");
  EXPECT_EQ(r.errors[1].message, "record is not a JSON object (got string)");
  EXPECT_EQ(r.errors[2].message, "record is not a JSON object (got array)");
  EXPECT_EQ(r.errors[2].origin.line, 2);
  EXPECT_EQ(r.errors[2].data_json, "[2,{}]");
  EXPECT_TRUE(r.errors[3].by_line);
  EXPECT_EQ(r.errors[3].raw, "{\"id\" 1}");
  EXPECT_TRUE(r.errors[4].by_line);
  EXPECT_EQ(r.errors[4].raw, "{\"id\":\"b\"} {\"id\":\"c\"}");
  EXPECT_EQ(r.errors[5].message, "record is not a JSON object (got null)");
  EXPECT_EQ(r.errors[5].origin.row, 7);
}

TEST(JsonReaderTest, RecordOverLimit) {
  ReadOptions options;
  options.max_record_bytes = 1024;
  std::string big = "{\"id\":\"" + std::string(1100, 'x') + "\"}";
  for (size_t block : {size_t{5}, size_t{512}, kDefaultBlockBytes}) {
    auto r = ReadJson("[\n{\"id\":\"a\"},\n" + big + "\n]", options, block);
    EXPECT_EQ(r.rows.num_rows(), 1u);
    EXPECT_EQ(r.status.message(), "line 3: record longer than the 1 KiB limit");
  }
  // A single object over the limit.
  auto r = ReadJson(big, options);
  EXPECT_EQ(r.status.message(), "line 1: record longer than the 1 KiB limit");
}

TEST(JsonReaderTest, MemoryStaysBoundedOnAHugeElement) {
  const size_t kLimit = 4096, kBlock = 1024;
  std::string text = "[{\"x\":[" + std::string(10u << 20, '1');
  auto in = MemoryInput(std::move(text));
  RecordFramer framer(Framing::kArray, in.get(), kLimit, kBlock);
  RecordSpan span;
  bool done;
  Status st = framer.Next(&span, &done);
  EXPECT_EQ(st.message(), "line 1: record longer than the 4 KiB limit");
  EXPECT_LE(framer.buffer_capacity(), 2 * (kLimit + kBlock + kRecordPadding));
}

TEST(JsonReaderTest, SkipRecordsAndKeepRaw) {
  ReadOptions options;
  options.keep_raw = true;
  auto reader = OpenReader(Framing::kArray,
                           MemoryInput("[ {\"id\":\"a\"} ,\n {\"id\":\"b\"},{ \"id\" : \"c\" }\n]"), options);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->SkipRecords(2).ok());
  RecordBatch batch;
  std::vector<RowError> errors;
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  ASSERT_EQ(batch.num_rows(), 1u);
  EXPECT_EQ(Id(batch, 0), "c");
  EXPECT_EQ(batch.origin[0].row, 3);
  EXPECT_EQ(batch.raw.Get(0), "{ \"id\" : \"c\" }");
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  EXPECT_EQ(batch.num_rows(), 0u);
  EXPECT_EQ((*reader)->records_read(), 3);
}

TEST(JsonReaderTest, SkipPastTheEnd) {
  auto reader = OpenReader(Framing::kArray, MemoryInput("[{},{}]"), {});
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->SkipRecords(5).ok());
  EXPECT_EQ((*reader)->records_read(), 2);
  RecordBatch batch;
  std::vector<RowError> errors;
  ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
  EXPECT_EQ(batch.num_rows(), 0u);
  EXPECT_TRUE(errors.empty());
}

}  // namespace
}  // namespace tributary::json_internal
