#include "tributary/core/schema.h"

#include <gtest/gtest.h>

#include "tributary/core/validate.h"

namespace tributary {
namespace {

MetadataSchema ParseOrDie(const std::string& text) {
  auto s = MetadataSchema::Parse(text);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : MetadataSchema();
}

std::string Error(const MetadataSchema& s, const std::string& metadata) {
  Status st = s.Check(metadata);
  return st.ok() ? "ok" : st.message();
}

TEST(MetadataSchemaTest, EveryRuleNamesFieldAndRule) {
  MetadataSchema s = ParseOrDie(R"({
    "type": "object",
    "required": ["source", "rating"],
    "properties": {
      "source": {"type": "string", "enum": ["web", "pdf"]},
      "rating": {"type": "number", "minimum": 0, "maximum": 5},
      "year": {"type": "integer"},
      "title": {"type": "string", "minLength": 2, "maxLength": 5},
      "isbn": {"type": "string", "pattern": "^[0-9]{3}-[0-9]$"},
      "tags": {"type": "array", "items": {"type": "string"}},
      "author": {"type": "object", "required": ["name"], "properties": {"name": {"type": ["string", "null"]}}}
    }})");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":4.5})"), "ok");
  EXPECT_EQ(Error(s, R"({"rating":1})"), "metadata.source: missing (required)");
  EXPECT_EQ(Error(s, R"({"source":"tv","rating":1})"), "metadata.source: \"tv\" is not one of the allowed values (enum)");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":7})"), "metadata.rating: 7 is greater than the maximum 5 (maximum)");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":-1})"), "metadata.rating: -1 is less than the minimum 0 (minimum)");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":"5"})"), "metadata.rating: expected a number, got \"5\" (type)");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":1,"year":2024.5})"),
            "metadata.year: expected an integer, got 2024.5 (type)");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":1,"year":2024.0})"), "ok");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":1,"title":"é"})"),
            "metadata.title: is 1 characters long, shorter than 2 (minLength)");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":1,"title":"éééééé"})"),
            "metadata.title: is 6 characters long, longer than 5 (maxLength)");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":1,"isbn":"123-x"})"),
            "metadata.isbn: \"123-x\" does not match ^[0-9]{3}-[0-9]$ (pattern)");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":1,"tags":["a",3]})"),
            "metadata.tags[1]: expected a string, got 3 (type)");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":1,"author":{}})"), "metadata.author.name: missing (required)");
  EXPECT_EQ(Error(s, R"({"source":"web","rating":1,"author":{"name":null}})"), "ok");
}

TEST(MetadataSchemaTest, UnsupportedOrBrokenSchemasAreRefused) {
  for (const char* bad : {"[]", "{\"type\": \"float\"}", "{\"oneOf\": []}", "{\"pattern\": \"(\"}",
                          "{\"minimum\": \"1\"}", "{\"properties\": {\"a\": 1}}", "{\"x-document-kind\": \"video\"}",
                          "not json"}) {
    auto s = MetadataSchema::Parse(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{\"items\":";
  deep += "{}" + std::string(40, '}');
  auto nested = MetadataSchema::Parse(deep);
  EXPECT_FALSE(nested.ok());
}

TEST(ValidatorRulesTest, DocumentKindsDecideWhatIsRequired) {
  auto row = [](RecordBatch* b, bool content, bool chunk_index, bool values) {
    b->Clear();
    size_t i = b->AppendNullRow(RowOrigin{1, 1});
    b->id.Set(i, "a");
    b->document_id.Set(i, "d");
    if (content) b->content.Set(i, "text");
    if (chunk_index) b->chunk_index.Set(i, 0);
    (void)values;
    return i;
  };
  RecordBatch b;
  MetadataSchema raw = ParseOrDie(R"({"x-document-kind":"raw"})");
  ASSERT_EQ(raw.kind(), DocumentKind::kRaw);
  Validator v(0, 1);
  v.SetRules(&raw, DocumentKind::kRaw);
  EXPECT_TRUE(v.CheckRow(&b, row(&b, true, false, false)).ok());
  EXPECT_EQ(v.CheckRow(&b, row(&b, false, false, false)).message(),
            "Missing required field: content (required for raw documents)");
  Validator c(0, 1);
  c.SetRules(nullptr, DocumentKind::kChunk);
  EXPECT_EQ(c.CheckRow(&b, row(&b, true, false, false)).message(),
            "Missing required field: chunk_index (required for chunk documents)");
  EXPECT_TRUE(c.CheckRow(&b, row(&b, true, true, false)).ok());
  Validator e(0, 1);
  EXPECT_EQ(e.CheckRow(&b, row(&b, true, true, false)).message(), "Missing required field: values");
}

}  // namespace
}  // namespace tributary
