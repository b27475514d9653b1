// Reading smoke tests on files found in the wild (see each folder's
// SOURCES.md under shared/testdata/real).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/test_util.h"
#include "tributary/formats/csv/test_support.h"

namespace tributary::csv {
namespace {

using ::tributary::testing::ReadFileOrDie;
using ::tributary::testing::SharedTestData;

testing::ReadAllResult ReadRealFile(const std::string& relative, ReadOptions options = {},
                                    char delimiter = ',') {
  return testing::ReadAllText(ReadFileOrDie(SharedTestData(relative)), options, delimiter);
}

// The OpenAI cookbook's web-crawl Q&A output: a pandas index column with an
// empty name, the vector under "embeddings" as a JSON list with ", ", and
// German text.
TEST(CsvRealFilesTest, WebQaEmbeddings) {
  for (int threads : {1, 2}) {
    ReadOptions options;
    options.decode_threads = threads;
    ASSERT_TRUE(options.mapping.Add("values=embeddings").ok());
    ASSERT_TRUE(options.mapping.Add("content=text").ok());
    options.generate_ids = IdGeneration::kRowNumber;
    auto r = ReadRealFile("real/webqa-processed-embeddings/embeddings.csv", options);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    ASSERT_EQ(r.rows.num_rows(), 50u);
    EXPECT_EQ(r.preamble, ",text,n_tokens,embeddings\n");
    for (size_t i = 0; i < 50; ++i) {
      auto v = r.rows.values.Get(i);
      ASSERT_EQ(v.size(), 1536u);
      double norm = 0;
      for (float x : v) norm += static_cast<double>(x) * x;
      EXPECT_NEAR(norm, 1.0, 1e-3) << i;
      EXPECT_EQ(r.rows.origin[i].line, static_cast<int64_t>(i + 2));
      EXPECT_EQ(r.rows.id.Get(i), std::to_string(i + 1));
    }
    EXPECT_EQ(r.rows.values.Get(0)[0], 0.03125731647014618f);
    EXPECT_EQ(r.rows.values.Get(0)[1535], -0.009071958251297474f);
    EXPECT_EQ(r.rows.values.Get(49)[0], 0.039715949445962906f);
    EXPECT_EQ(r.rows.content.Get(0).substr(0, 39), "https:  paradiser.at recipe user 67.txt");
    std::string_view last = r.rows.content.Get(49);
    EXPECT_EQ(last.substr(last.size() - 31), "ärung AGB Kontakt Bekannt aus:");
    EXPECT_EQ(r.rows.metadata.Get(0), "{\"n_tokens\":\"459\"}");
    EXPECT_EQ(r.rows.metadata.Get(49), "{\"n_tokens\":\"497\"}");
  }
}

TEST(CsvRealFilesTest, WebQaEmbeddingsWithoutMappingKeepsVectorsAsMetadata) {
  auto r = ReadRealFile("real/webqa-processed-embeddings/embeddings.csv");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 50u);
  EXPECT_TRUE(r.rows.values.IsNull(0));
  EXPECT_EQ(r.rows.metadata.Get(0).substr(0, 60),
            "{\"text\":\"https:  paradiser.at recipe user 67.txt. Paradiser-");
}

TEST(CsvRealFilesTest, MongoDottedHeaders) {
  auto r = ReadRealFile("real/mongo-tools-fixtures/csv_header.csv");
  ASSERT_TRUE(r.status.ok());
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.rows.num_rows(), 3u);
  EXPECT_EQ(r.rows.metadata.Get(1),
            "{\"a\":\"bob\",\"b\":null,\"c.xyz\":\"steve\",\"d.hij.lkm\":\"sue\"}");
  EXPECT_TRUE(r.rows.id.IsNull(0));
  EXPECT_EQ(r.rows.origin[2].line, 4);
}

TEST(CsvRealFilesTest, MongoTypedHeadersInCsvAndTsvAgree) {
  auto csv = ReadRealFile("real/mongo-tools-fixtures/typed_header.csv");
  auto tsv = ReadRealFile("real/mongo-tools-fixtures/typed_header.tsv", {}, '\t');
  ASSERT_TRUE(csv.status.ok());
  ASSERT_TRUE(tsv.status.ok());
  ASSERT_EQ(csv.rows.num_rows(), 2u);
  EXPECT_EQ(testing::DiffRows(csv.rows, tsv.rows), "");
  EXPECT_EQ(csv.rows.metadata.Get(0),
            "{\"a.string()\":\"foo\",\"b.int32()\":\"12\","
            "\"c.xyz.date_oracle(Month dd, yyyy HH24:mi:ss)\":\"June 02, 1997 15:24:00\","
            "\"c.noop.boolean()\":\"true\","
            "\"d.hij.lkm.binary(hex)\":\"7bc3049f36681723260fb5921dd36b149c8493c3\"}");
}

TEST(CsvRealFilesTest, MongoParseGrace) {
  auto r = ReadRealFile("real/mongo-tools-fixtures/parse_grace.csv");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 3u);
  EXPECT_NE(r.rows.metadata.Get(1).find(
                "\"c.xyz.date_oracle(Month dd, yyyy HH24:mi:ss)\":\"06/08/2016 09:26:00\""),
            std::string::npos);
}

TEST(CsvRealFilesTest, MongoBlanksWithoutFinalNewline) {
  // Header "1,2," has an empty third name, which is ignored like a pandas index.
  auto r = ReadRealFile("real/mongo-tools-fixtures/test_blanks.csv");
  ASSERT_TRUE(r.status.ok());
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.rows.num_rows(), 2u);
  EXPECT_EQ(r.rows.metadata.Get(0), "{\"1\":\"5\",\"2\":null}");
  EXPECT_EQ(r.rows.metadata.Get(1), "{\"1\":\"7\",\"2\":\"8\"}");
}

TEST(CsvRealFilesTest, MongoByteOrderMark) {
  auto r = ReadRealFile("real/mongo-tools-fixtures/test_bom.csv");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 1u);
  EXPECT_EQ(r.rows.metadata.Get(0), "{\"1\":\"4\",\"2\":\"5\",\"3\":\"6\"}");
  EXPECT_EQ(r.preamble, "1,2,3\n");
}

TEST(CsvRealFilesTest, MongoTypeColumns) {
  auto r = ReadRealFile("real/mongo-tools-fixtures/test_type.csv");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.num_rows(), 3u);
  EXPECT_EQ(r.rows.metadata.Get(2), "{\"zip.string()\":\"23455\",\"number.double()\":\"BLAH\"}");
}

}  // namespace
}  // namespace tributary::csv
