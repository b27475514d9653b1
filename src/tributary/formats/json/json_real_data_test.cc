// Real files found in the wild (see each folder's SOURCES.md under
// ../shared/testdata/real).
#include <gtest/gtest.h>

#include <string>

#include "tests/test_util.h"
#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/formats/format.h"
#include "tributary/formats/json/json_test_util.h"

namespace tributary::json_internal {
namespace {

using ::tributary::testing::ReadFileOrDie;
using ::tributary::testing::SharedTestData;
using testing::Bits;

float F(std::string_view token) {
  float f = 0;
  EXPECT_EQ(ParseFloat(token, &f, false), ParseNumberError::kOk) << token;
  return f;
}

testing::ReadAllResult ReadFile(Framing framing, const std::string& relative, const ReadOptions& options) {
  std::string text = ReadFileOrDie(SharedTestData(relative));
  return testing::ReadAll(framing, std::move(text), options);
}

// tds-virtual-ta: JSONL of {source,title,url,content,embedding}, 1536 dims,
// `url` missing in 16 records.
TEST(JsonRealDataTest, TdsVirtualTaJsonl) {
  ReadOptions options;
  ASSERT_TRUE(options.mapping.Add("values=embedding").ok());
  options.generate_ids = IdGeneration::kRowNumber;
  options.batch_rows = 50;
  auto r = ReadFile(Framing::kLines, "real/tds-virtual-ta-jsonl/embeddings.jsonl", options);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.num_rows(), 115u);
  EXPECT_EQ(r.batch_sizes, (std::vector<size_t>{50, 50, 15}));
  for (size_t i = 0; i < r.rows.num_rows(); ++i) ASSERT_EQ(r.rows.values.Length(i), 1536u) << i;
  EXPECT_EQ(Bits(r.rows.values.Get(0)[0]), Bits(F("0.028701266")));
  EXPECT_EQ(Bits(r.rows.values.Get(0)[1]), Bits(F("-0.0024204294")));
  EXPECT_EQ(Bits(r.rows.values.Get(114)[1535]), Bits(F("0.015316719")));
  EXPECT_EQ(r.rows.id.Get(0), "1");
  EXPECT_EQ(r.rows.id.Get(114), "115");
  EXPECT_EQ(r.rows.origin[114].line, 115);
  // Unicode escapes in content arrive as UTF-8.
  EXPECT_NE(r.rows.content.Get(0).find("Hii all\xE2\x80\xA6i know"), std::string_view::npos);
  // Unknown fields went to metadata; sparse `url` stays sparse.
  auto meta = JsonValue::Parse(r.rows.metadata.Get(0));
  ASSERT_TRUE(meta.ok());
  ASSERT_NE(meta->Find("title"), nullptr);
  EXPECT_EQ(meta->Find("title")->str(), "Which subject to choose in jan term");
  EXPECT_EQ(meta->Find("source")->str(), "discourse");
  int without_url = 0;
  for (size_t i = 0; i < r.rows.num_rows(); ++i) {
    auto m = JsonValue::Parse(r.rows.metadata.Get(i));
    ASSERT_TRUE(m.ok());
    if (m->Find("url") == nullptr) ++without_url;
  }
  EXPECT_EQ(without_url, 16);
}

// weaviate quickstart: JSON arrays of {Category, Question, Answer, vector}.
TEST(JsonRealDataTest, WeaviateJeopardyPrettyPrinted) {
  ReadOptions options;
  ASSERT_TRUE(options.mapping.Add("values=Vector").ok());
  ASSERT_TRUE(options.mapping.Add("content=Question").ok());
  options.generate_ids = IdGeneration::kContentHash;
  auto r = ReadFile(Framing::kArray, "real/weaviate-jeopardy-vectors/jeopardy_tiny+vectors.json", options);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.num_rows(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(r.rows.values.Length(i), 1536u);
  // Pretty-printed with one float per line: records start on lines 2, 1545, ...
  EXPECT_EQ(r.rows.origin[0].line, 2);
  EXPECT_EQ(r.rows.origin[1].line, 1545);
  EXPECT_EQ(r.rows.origin[2].line, 3088);
  EXPECT_EQ(Bits(r.rows.values.Get(0)[0]), Bits(F("-0.006632288")));
  EXPECT_EQ(Bits(r.rows.values.Get(9)[1535]), Bits(F("-0.033439033")));
  EXPECT_EQ(r.rows.content.Get(1), "It's the only living mammal in the order Proboseidea");
  EXPECT_EQ(r.rows.id.Get(0).size(), 32u);
  auto meta = JsonValue::Parse(r.rows.metadata.Get(9));
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->Find("Answer")->str(), "Sound barrier");
}

TEST(JsonRealDataTest, WeaviateJeopardyCompact) {
  struct Case {
    const char* file;
    size_t dims;
    const char* first;
  };
  const Case cases[] = {
      {"jeopardy_tiny_with_vectors_all-OpenAI-ada-002.json", 1536, "-0.0065820422023534775"},
      {"jeopardy_tiny_with_vectors_all-MiniLM-L6-v2.json", 384, "0.03327517"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    ReadOptions options;
    ASSERT_TRUE(options.mapping.Add("values=vector").ok());
    options.unknown_fields = UnknownFieldPolicy::kIgnore;
    auto r = ReadFile(Framing::kArray, std::string("real/weaviate-jeopardy-vectors/") + c.file, options);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    ASSERT_EQ(r.rows.num_rows(), 10u);
    for (size_t i = 0; i < 10; ++i) EXPECT_EQ(r.rows.values.Length(i), c.dims);
    // float64 text is rounded once, to the nearest float32.
    EXPECT_EQ(Bits(r.rows.values.Get(0)[0]), Bits(F(c.first)));
    EXPECT_TRUE(r.rows.metadata.IsNull(0));
    EXPECT_EQ(r.rows.origin[9].line, 1);
  }
}

TEST(JsonRealDataTest, WeaviateJeopardyWithoutVectors) {
  auto r = ReadFile(Framing::kArray, "real/weaviate-jeopardy-vectors/jeopardy_tiny.json", {});
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.num_rows(), 10u);
  EXPECT_TRUE(r.rows.values.IsNull(0));
  EXPECT_TRUE(r.rows.id.IsNull(0));
  auto meta = JsonValue::Parse(r.rows.metadata.Get(0));
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->Find("Category")->str(), "SCIENCE");
  EXPECT_EQ(meta->Find("Question")->str(),
            "This organ removes excess glucose from the blood & stores it as glycogen");
}

// The same records read through a file stream, in small blocks, agree.
TEST(JsonRealDataTest, FileStreamAndSmallBlocksAgree) {
  ReadOptions options;
  ASSERT_TRUE(options.mapping.Add("values=embedding").ok());
  const std::string path = SharedTestData("real/tds-virtual-ta-jsonl/embeddings.jsonl");
  auto expected = testing::ReadAll(Framing::kLines, ReadFileOrDie(path), options);
  auto in = OpenInput(path);
  ASSERT_TRUE(in.ok());
  auto reader = internal::OpenJsonlReader(std::move(in).value(), options);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->source_size(), 2537970);
  RecordBatch all, batch;
  std::vector<RowError> errors;
  for (;;) {
    ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
    if (batch.num_rows() == 0) break;
    for (size_t i = 0; i < batch.num_rows(); ++i) all.AppendRowFrom(batch, i);
  }
  EXPECT_EQ((*reader)->bytes_read(), 2537970u);
  testing::ExpectSameRows(all, expected.rows);
  auto small = testing::ReadAll(Framing::kLines, ReadFileOrDie(path), options, 4093);
  testing::ExpectSameRows(small.rows, expected.rows);
}

}  // namespace
}  // namespace tributary::json_internal
