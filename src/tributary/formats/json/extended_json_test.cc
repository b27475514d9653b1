// MongoDB Extended JSON: the mongo-* fixtures read with the expected values.
#include "tributary/formats/json/extended_json.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <sstream>

#include "tests/test_util.h"
#include "tributary/core/json.h"
#include "tributary/formats/format.h"

namespace tributary::json_internal {
namespace {

JsonValue Rewrite(std::string_view text) {
  std::string out;
  Status st = RewriteExtendedJson(text, &out);
  EXPECT_TRUE(st.ok()) << st.ToString() << " in " << text;
  auto v = JsonValue::Parse(out);
  EXPECT_TRUE(v.ok()) << out;
  return v.ok() ? *v : JsonValue();
}

std::string Line(const std::string& fixture, size_t n) {
  std::istringstream in(testing::ReadFileOrDie(testing::SharedTestData(fixture)));
  std::string line;
  for (size_t i = 0; i <= n && std::getline(in, line);) ++i;
  return line;
}

TEST(ExtendedJsonTest, CanonicalWrappers) {
  JsonValue v = Rewrite(Line("real/mongo-tools-fixtures/sample.json", 0));
  EXPECT_EQ(v.Find("id")->str(), "546651e74bf6e4cb017c5312");
  EXPECT_EQ(v.Find("_id"), nullptr);
  EXPECT_TRUE(v.Find("a")->is_number());
  EXPECT_EQ(v.Find("a")->number(), 1.0);
  EXPECT_EQ(v.Find("c")->ToString(), "{\"t\":1415991783,\"i\":1}");
  EXPECT_EQ(v.Find("d")->str(), "VEVTVCBUM1NU");
  EXPECT_EQ(Rewrite(Line("real/mongo-tools-fixtures/sample.json", 3)).Find("c")->ToString(), "{\"key\":\"value\"}");
}

TEST(ExtendedJsonTest, DatesInEveryForm) {
  // ISO with a numeric offset (legacy mongoexport).
  JsonValue book = Rewrite(Line("real/mongo-json-files-legacy-export/books.json", 0));
  EXPECT_EQ(book.Find("id")->str(), "1");
  EXPECT_EQ(book.Find("publishedDate")->str(), "2009-04-01T07:00:00Z");
  // Epoch milliseconds as a bare number (legacy) and as $numberLong, negative too.
  EXPECT_EQ(Rewrite(Line("real/mongo-tools-fixtures/test_plain2.json", 0)).Find("timestamp")->str(),
            "2014-09-04T13:10:58Z");
  EXPECT_EQ(Rewrite(R"({"d":{"$date":{"$numberLong":"-1190678400000"}}})").Find("d")->str(), "1932-04-09T00:00:00Z");
  EXPECT_EQ(Rewrite(R"({"d":{"$date":"2012-11-20T20:02:24.386Z"}})").Find("d")->str(), "2012-11-20T20:02:24.386Z");
  JsonValue n = Rewrite(R"({"i":{"$numberInt":"5"},"l":{"$numberLong":"9007199254740993"},"x":{"$numberDecimal":"1.10"},"f":{"$numberDouble":"-Infinity"}})");
  EXPECT_EQ(n.ToString(), "{\"i\":5,\"l\":9007199254740993,\"x\":1.1,\"f\":\"-Infinity\"}");
  EXPECT_EQ(Rewrite(R"({"b":{"$binary":"AQID","$type":"00"}})").Find("b")->str(), "AQID");
}

TEST(ExtendedJsonTest, DollarKeysThatAreNotWrappersStayData) {
  JsonValue p = Rewrite(Line("real/mongo-json-files-legacy-export/profiles.json", 1));
  EXPECT_EQ(p.Find("query")->ToString(), "{\"expireAfterSeconds\":{\"$exists\":true}}");
  EXPECT_EQ(p.Find("id")->str(), "552786262cec76ed95fd61cc");
  EXPECT_EQ(Rewrite(R"({"a":{"$oid":"x","other":1}})").Find("a")->ToString(), "{\"$oid\":\"x\",\"other\":1}");
  EXPECT_EQ(Rewrite(R"({"a":{"$date":true}})").Find("a")->ToString(), "{\"$date\":true}");
  // A record with its own id keeps _id as data.
  EXPECT_EQ(Rewrite(R"({"id":"mine","_id":{"$oid":"abc"}})").ToString(), "{\"id\":\"mine\",\"_id\":\"abc\"}");
  std::string out;
  EXPECT_EQ(RewriteExtendedJson(R"({"d":{"$date":"yesterday"}})", &out).code(), StatusCode::kInvalidData);
  EXPECT_EQ(RewriteExtendedJson(R"({"n":{"$numberInt":"five"}})", &out).code(), StatusCode::kInvalidData);
}

// Whole files through the JSON readers with the option on.
int64_t ReadAll(const std::string& fixture, Format format, std::vector<RowError>* errors, RecordBatch* first) {
  ReadOptions ro;
  ro.mongo_extended_json = true;
  ro.batch_rows = 10000;
  auto in = OpenInput(testing::SharedTestData(fixture));
  EXPECT_TRUE(in.ok());
  auto reader = OpenRecordReader(format, std::move(*in), ro);
  EXPECT_TRUE(reader.ok());
  int64_t rows = 0;
  RecordBatch b;
  for (;;) {
    EXPECT_TRUE((*reader)->ReadNext(&b, errors).ok());
    if (b.num_rows() == 0) break;
    if (rows == 0) *first = b;
    rows += static_cast<int64_t>(b.num_rows());
  }
  return rows;
}

TEST(ExtendedJsonTest, FixtureFilesRead) {
  struct Case { const char* path; Format format; int64_t rows; const char* first_id; };
  for (const Case& c : {Case{"real/mongo-json-files-legacy-export/books.json", Format::kJsonl, 431, "1"},
                        Case{"real/mongo-json-files-legacy-export/products.json", Format::kJsonl, 11, "ac3"},
                        Case{"real/mongo-json-files-legacy-export/profiles.json", Format::kJsonl, 1515,
                             "552786262cec76ed95fd61cb"},
                        Case{"real/mongo-json-files-legacy-export/restaurant.json", Format::kJsonl, 2548,
                             "55f14312c7447c3da7051b26"},
                        Case{"real/mongo-json-files-legacy-export/students.json", Format::kJsonl, 200, "0"},
                        Case{"real/mongo-json-files-legacy-export/grades.json", Format::kJsonl, 280,
                             "50b59cd75bed76f46522c34e"},
                        Case{"real/mongo-json-files-legacy-export/countries-small.json", Format::kJsonl, 248,
                             "55a0f42f20a4d760b5fc305e"},
                        Case{"real/mongo-json-files-legacy-export/covers.json", Format::kJsonl, 5071,
                             "55f131b2c7447c3da7f739a1"},
                        Case{"real/mongo-tools-fixtures/sample.json", Format::kJsonl, 4, "546651e74bf6e4cb017c5312"},
                        Case{"real/mongo-tools-fixtures/test_bom.json", Format::kJsonl, 2, nullptr},
                        Case{"real/mongo-tools-fixtures/test_array.json", Format::kJson, 27, nullptr},
                        Case{"real/mongo-atlas-embedded-movies/sample_embedded_movies.json", Format::kJson, 4, nullptr}}) {
    SCOPED_TRACE(c.path);
    std::vector<RowError> errors;
    RecordBatch first;
    EXPECT_EQ(ReadAll(c.path, c.format, &errors, &first), c.rows);
    EXPECT_TRUE(errors.empty()) << errors[0].message;
    if (c.first_id) {
      ASSERT_GT(first.num_rows(), 0u);
      EXPECT_EQ(first.id.Get(0), c.first_id);
    }
  }
  // The movies: dates before 1970 in metadata, vectors readable by mapping.
  std::vector<RowError> errors;
  RecordBatch movies;
  ReadAll("real/mongo-atlas-embedded-movies/sample_embedded_movies.json", Format::kJson, &errors, &movies);
  auto meta = JsonValue::Parse(movies.metadata.Get(0));
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->Find("released")->str(), "1932-04-09T00:00:00Z");
  EXPECT_EQ(meta->Find("plot_embedding")->items().size(), 1536u);
  // Shell syntax (ObjectId(...), NaN, ...), as mongoimport reads it.
  errors.clear();
  RecordBatch types;
  EXPECT_EQ(ReadAll("real/mongo-tools-fixtures/types.json", Format::kJson, &errors, &types), 1);
  EXPECT_TRUE(errors.empty()) << errors[0].message;
  ASSERT_EQ(types.num_rows(), 1u);
  auto tmeta = JsonValue::Parse(types.metadata.Get(0));
  ASSERT_TRUE(tmeta.ok());
  EXPECT_EQ(tmeta->Find("object_id_type")->str(), "54b03ef2a817f4f960f5b809");
  EXPECT_EQ(tmeta->Find("iso_date_type")->str(), "2015-02-25T16:42:11Z");
  EXPECT_EQ(tmeta->Find("number_long_type")->ToString(), "5000");
  // A malformed construct: a row error naming its line and column.
  errors.clear();
  ReadOptions ro;
  ro.mongo_extended_json = true;
  auto reader = OpenRecordReader(Format::kJsonl,
                                 MemoryInput("{\"_id\": 1}\n\n{\"_id\": ObjectId(\"zz\")}\n"), ro);
  ASSERT_TRUE(reader.ok());
  RecordBatch b;
  ASSERT_TRUE((*reader)->ReadNext(&b, &errors).ok());
  EXPECT_EQ(b.num_rows(), 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "Invalid JSON: ObjectId takes one string of 24 hex digits at line 3, column 9");
  EXPECT_TRUE(errors[0].by_line);
}

TEST(ExtendedJsonTest, ExportIsRelaxedExtendedJsonWithId) {
  RecordBatch b;
  size_t i = b.AppendNullRow(RowOrigin{1, 0});
  b.id.Set(i, "x1");
  b.document_id.Set(i, "d");
  b.metadata.Set(i, "{\"k\":1}");
  b.created_at.Set(i, 1700000000123000);
  b.updated_at.Set(i, 1700000000123000);
  std::string out;
  AppendMongoRecordJson(b, i, &out);
  auto v = JsonValue::Parse(out);
  ASSERT_TRUE(v.ok()) << out;
  EXPECT_EQ(v->Find("_id")->str(), "x1");
  EXPECT_EQ(v->Find("id"), nullptr);
  EXPECT_EQ(v->Find("created_at")->ToString(), "{\"$date\":\"2023-11-14T22:13:20.123Z\"}");
  // And it reads back to the same record.
  JsonValue back = Rewrite(out);
  EXPECT_EQ(back.Find("id")->str(), "x1");
  EXPECT_EQ(back.Find("created_at")->str(), "2023-11-14T22:13:20.123Z");
}

TEST(ExtendedJsonTest, ExportWritesNonFiniteNumbersAsNumberDouble) {
  RecordBatch b;
  size_t i = b.AppendNullRow(RowOrigin{1, 0});
  b.id.Set(i, "x1");
  b.document_id.Set(i, "d");
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::vector<float> v = {1.5f, nan, -inf, inf, -0.0f, 1e-45f};
  b.values.PopBack();
  b.values.Append(v);
  b.metadata.Set(i, "{\"a\":NaN,\"s\":\"NaN Infinity\",\"b\":[-Infinity,Infinity]}");
  std::string out;
  AppendMongoRecordJson(b, i, &out);
  EXPECT_NE(out.find("\"values\":[1.5,{\"$numberDouble\":\"NaN\"},{\"$numberDouble\":\"-Infinity\"},"
                     "{\"$numberDouble\":\"Infinity\"},-0.0,1e-45]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"metadata\":{\"a\":{\"$numberDouble\":\"NaN\"},\"s\":\"NaN Infinity\",\"b\":"
                     "[{\"$numberDouble\":\"-Infinity\"},{\"$numberDouble\":\"Infinity\"}]}"),
            std::string::npos)
      << out;
  ASSERT_TRUE(JsonValue::Parse(out).ok()) << out;
}

TEST(ExtendedJsonTest, ExportWrapsOnlyTheRecordTimestamps) {
  // Metadata keys named like the timestamps stay as they are; a null
  // timestamp stays null.
  RecordBatch b;
  size_t i = b.AppendNullRow(RowOrigin{1, 0});
  b.id.Set(i, "x1");
  b.document_id.Set(i, "d");
  b.metadata.Set(i, "{\"created_at\":\"then\",\"updated_at\":\"later\"}");
  b.created_at.Set(i, 1700000000123000);
  std::string out;
  AppendMongoRecordJson(b, i, &out);
  auto v = JsonValue::Parse(out);
  ASSERT_TRUE(v.ok()) << out;
  EXPECT_EQ(v->Find("metadata")->ToString(), "{\"created_at\":\"then\",\"updated_at\":\"later\"}");
  EXPECT_EQ(v->Find("created_at")->ToString(), "{\"$date\":\"2023-11-14T22:13:20.123Z\"}");
  EXPECT_TRUE(v->Find("updated_at")->is_null());
}

}  // namespace
}  // namespace tributary::json_internal
