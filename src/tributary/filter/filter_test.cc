// Filter parsing: what is accepted, and that every refusal is an
// InvalidArgument naming the operator or key at fault.
#include "tributary/filter/filter.h"

#include <gtest/gtest.h>

#include <string>

#include "tributary/filter/filter_internal.h"

namespace tributary {
namespace {

using Kind = FilterNode::Kind;

Filter ParseOk(std::string_view text) {
  Result<Filter> f = Filter::Parse(text);
  EXPECT_TRUE(f.ok()) << text << " -> " << f.status().ToString();
  return f.ok() ? std::move(f).value() : Filter();
}

// Parses text expecting InvalidArgument; returns the message.
std::string ParseError(std::string_view text) {
  Result<Filter> f = Filter::Parse(text);
  EXPECT_FALSE(f.ok()) << text << " was accepted";
  if (f.ok()) return "";
  EXPECT_TRUE(f.status().IsInvalidArgument()) << f.status().ToString();
  return f.status().message();
}

#define EXPECT_PARSE_ERROR(text, needle)                                              \
  do {                                                                                \
    std::string msg_ = ParseError(text);                                              \
    EXPECT_NE(msg_.find(needle), std::string::npos)                                   \
        << "filter: " << (text) << "\nmessage: " << msg_ << "\nwanted: " << (needle); \
  } while (0)

TEST(FilterParseTest, EmptyFiltersMatchAll) {
  EXPECT_TRUE(ParseOk("").matches_all());
  EXPECT_TRUE(ParseOk("  \n").matches_all());
  EXPECT_TRUE(ParseOk("{}").matches_all());
  EXPECT_TRUE(ParseOk(R"({"$and": [{}]})").matches_all());
  EXPECT_TRUE(Filter().matches_all());
  EXPECT_FALSE(ParseOk(R"({"a": 1})").matches_all());
}

TEST(FilterParseTest, SeedFilters) {
  // The three filters of the API document.
  Filter a = ParseOk(R"({"category": "important"})");
  ASSERT_NE(a.root(), nullptr);
  EXPECT_EQ(a.root()->kind, Kind::kEq);
  EXPECT_FALSE(a.root()->path.is_column());
  EXPECT_EQ(a.root()->path.segments, std::vector<std::string>{"category"});

  Filter b = ParseOk(R"({"$and": [{"category": "documents"}, {"rating": {"$gte": 4.0}}]})");
  ASSERT_NE(b.root(), nullptr);
  ASSERT_EQ(b.root()->kind, Kind::kAnd);
  ASSERT_EQ(b.root()->children.size(), 2u);
  EXPECT_EQ(b.root()->children[1].kind, Kind::kCompare);
  EXPECT_EQ(b.root()->children[1].op, CompareOp::kGte);

  Filter c = ParseOk(R"({"chunk_index": {"$gte": 0, "$lt": 10000}})");
  ASSERT_NE(c.root(), nullptr);
  ASSERT_EQ(c.root()->kind, Kind::kAnd);
  EXPECT_EQ(c.root()->children[0].path.column, Field::kChunkIndex);
}

TEST(FilterParseTest, KeysReachColumnsOrMetadata) {
  for (const char* name : {"id", "document_id", "content", "chunk_id", "content_hash",
                           "content_type", "language", "model", "chunk_index", "chunk_count"}) {
    Filter f = ParseOk(std::string("{\"") + name + "\": {\"$exists\": true}}");
    ASSERT_NE(f.root(), nullptr);
    EXPECT_EQ(f.root()->path.column, FieldFromName(name)) << name;
  }
  Filter m = ParseOk(R"({"metadata.a.b": 1, "x.y": 2, "metadata.values": 3, "metadata.id": 4})");
  ASSERT_EQ(m.root()->kind, Kind::kAnd);
  EXPECT_EQ(m.root()->children[0].path.segments, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(m.root()->children[1].path.segments, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(m.root()->children[2].path.segments, (std::vector<std::string>{"values"}));
  EXPECT_EQ(m.root()->children[3].path.segments, (std::vector<std::string>{"id"}));
  // Keys that look like SQL are just keys.
  ParseOk(R"({"'; DROP TABLE t; --": 1, "a b": 2, "é": 3, "x.$y": 4})");
}

TEST(FilterParseTest, TimestampsBecomeMicros) {
  Filter f = ParseOk(R"({"created_at": {"$gte": "2024-01-01T00:00:00Z"}})");
  ASSERT_EQ(f.root()->kind, Kind::kCompare);
  EXPECT_TRUE(f.root()->values[0].is_number());
  EXPECT_EQ(f.root()->values[0].int_value(), 1704067200000000);
  Filter in = ParseOk(R"({"updated_at": {"$in": ["2024-01-01T02:00:00+02:00", null]}})");
  ASSERT_EQ(in.root()->kind, Kind::kIn);
  EXPECT_EQ(in.root()->values[0].int_value(), 1704067200000000);
  EXPECT_TRUE(in.root()->values[1].is_null());
}

TEST(FilterParseTest, NormalisedForms) {
  EXPECT_EQ(ParseOk(R"({"a": {"$ne": 1}})").root()->kind, Kind::kNot);
  EXPECT_EQ(ParseOk(R"({"a": {"$nin": [1]}})").root()->kind, Kind::kNot);
  EXPECT_EQ(ParseOk(R"({"a": {"$exists": false}})").root()->kind, Kind::kNot);
  EXPECT_EQ(ParseOk(R"({"a": {"$not": {"$gt": 1}}})").root()->kind, Kind::kNot);
  EXPECT_EQ(ParseOk(R"({"$nor": [{"a": 1}]})").root()->kind, Kind::kNot);
  // Comparisons with null, the MongoDB way.
  EXPECT_EQ(ParseOk(R"({"a": {"$gte": null}})").root()->kind, Kind::kEq);
  EXPECT_EQ(ParseOk(R"({"a": {"$gt": null}})").root()->kind, Kind::kFalse);
  EXPECT_EQ(ParseOk(R"({"a": {"$in": []}})").root()->kind, Kind::kFalse);
  EXPECT_TRUE(ParseOk(R"({"a": {"$nin": []}})").matches_all());
  // Implicit equality with objects and arrays is a literal comparison.
  Filter obj = ParseOk(R"({"a": {"x": 1, "y": [1, 2]}})");
  ASSERT_EQ(obj.root()->kind, Kind::kEq);
  EXPECT_TRUE(obj.root()->values[0].is_object());
  Filter empty = ParseOk(R"({"a": {}})");
  ASSERT_EQ(empty.root()->kind, Kind::kEq);
  EXPECT_TRUE(empty.root()->values[0].is_object());
}

TEST(FilterParseTest, ErrorsNameTheOperatorOrKey) {
  EXPECT_PARSE_ERROR(R"({"title": {"$regex": "^a"}})", "unknown operator '$regex' at key 'title'");
  EXPECT_PARSE_ERROR(R"({"tags": {"$in": "red"}})", "$in at key 'tags' needs an array");
  EXPECT_PARSE_ERROR(R"({"tags": {"$nin": {"a": 1}}})", "$nin at key 'tags' needs an array");
  EXPECT_PARSE_ERROR(R"({"$and": []})", "$and needs a non-empty array of objects");
  EXPECT_PARSE_ERROR(R"({"$or": {"a": 1}})", "$or needs a non-empty array of objects");
  EXPECT_PARSE_ERROR(R"({"$nor": [1]})", "$nor needs a non-empty array of objects");
  EXPECT_PARSE_ERROR(R"({"a": {"$exists": 1}})", "$exists at key 'a' needs true or false");
  EXPECT_PARSE_ERROR(R"({"a": {"$exists": "yes"}})", "$exists at key 'a' needs true or false");
  EXPECT_PARSE_ERROR(R"({"a": {"$not": 5}})", "$not at key 'a' needs an operator object");
  EXPECT_PARSE_ERROR(R"({"a": {"$not": {"b": 1}}})", "$not at key 'a' needs an operator object");
  EXPECT_PARSE_ERROR(R"({"a": {"$not": {}}})", "$not at key 'a' needs an operator object");
  EXPECT_PARSE_ERROR(R"({"a": {"$gt": [1]}})", "$gt at key 'a' needs a number, string, boolean");
  EXPECT_PARSE_ERROR(R"({"a": {"$lte": {"x": 1}}})", "$lte at key 'a' needs a number");
  EXPECT_PARSE_ERROR(R"({"a": {"$gt": 1, "b": 2}})", "key 'a' mixes operators and plain fields");
  EXPECT_PARSE_ERROR(R"({"a": {"$or": [{"b": 1}]}})", "$or is not allowed at key 'a'");
  EXPECT_PARSE_ERROR(R"({"$gt": 5})", "operator '$gt' must be used under a key");
  EXPECT_PARSE_ERROR(R"({"$not": {"a": 1}})", "operator '$not' must be used under a key");
  EXPECT_PARSE_ERROR(R"({"$where": "1"})", "unknown top-level operator '$where'");
  EXPECT_PARSE_ERROR(R"({"": 1})", "empty key");
  EXPECT_PARSE_ERROR(R"({"a..b": 1})", "key 'a..b' has an empty path segment");
  EXPECT_PARSE_ERROR(R"({".a": 1})", "key '.a' has an empty path segment");
  EXPECT_PARSE_ERROR(R"({"a.": 1})", "key 'a.' has an empty path segment");
  EXPECT_PARSE_ERROR(R"({"metadata.": 1})", "key 'metadata.' has an empty path segment");
  EXPECT_PARSE_ERROR(R"({"values": [1]})", "key 'values' cannot be filtered");
  EXPECT_PARSE_ERROR(R"({"values.0": 1})", "key 'values.0' cannot be filtered");
  EXPECT_PARSE_ERROR(R"({"metadata": {"a": 1}})", "key 'metadata' needs a path");
  EXPECT_PARSE_ERROR(R"({"chunk_index.x": 1})", "field 'chunk_index' has no sub-fields");
  EXPECT_PARSE_ERROR(R"({"a\"b": 1})", "key 'a\"b' cannot be filtered");
  EXPECT_PARSE_ERROR(R"({"a\\b": 1})", "cannot be filtered");
  EXPECT_PARSE_ERROR(R"({"a\nb": 1})", "cannot be filtered");
  EXPECT_PARSE_ERROR(R"({"a": {"x\"y": 1}})", "key 'x\"y' in the object value at key 'a'");
  EXPECT_PARSE_ERROR(R"({"a": {"": 1}})", "empty key in the object value at key 'a'");
  EXPECT_PARSE_ERROR(R"({"a": 1, "a": 2})", "duplicate key 'a'");
  EXPECT_PARSE_ERROR(R"({"a": {"$gt": 1, "$gt": 2}})", "duplicate key '$gt' at key 'a'");
  EXPECT_PARSE_ERROR(R"({"a": {"$eq": {"k": 1, "k": 2}}})", "duplicate key 'k'");
}

TEST(FilterParseTest, TimestampErrors) {
  EXPECT_PARSE_ERROR(R"({"created_at": 1704067200})",
                     "$eq at key 'created_at' needs an RFC 3339 timestamp string");
  EXPECT_PARSE_ERROR(R"({"created_at": {"$gt": true}})",
                     "$gt at key 'created_at' needs an RFC 3339 timestamp string");
  EXPECT_PARSE_ERROR(R"({"updated_at": {"$lt": "yesterday"}})",
                     "$lt at key 'updated_at': Invalid timestamp 'yesterday'");
  EXPECT_PARSE_ERROR(R"({"created_at": {"$in": ["2024-01-01", 5]}})",
                     "$in at key 'created_at' needs an RFC 3339 timestamp string such as "
                     "\"2024-01-01T00:00:00Z\" (got number)");
  EXPECT_PARSE_ERROR(R"({"created_at": {"$gt": ["2024-01-01"]}})",
                     "$gt at key 'created_at' needs an RFC 3339 timestamp string such as "
                     "\"2024-01-01T00:00:00Z\" (got array)");
}

TEST(FilterParseTest, NotAnObject) {
  EXPECT_PARSE_ERROR("[1]", "filter must be a JSON object (got array)");
  EXPECT_PARSE_ERROR("null", "filter must be a JSON object (got null)");
  EXPECT_PARSE_ERROR("\"x\"", "filter must be a JSON object (got string)");
  EXPECT_PARSE_ERROR("{\"a\": ", "filter is not valid JSON");
  EXPECT_PARSE_ERROR("{\"a\": 1} x", "filter is not valid JSON");
}

TEST(FilterParseTest, HostileSizes) {
  // Text over 1 MiB.
  std::string big = "{\"a\": \"" + std::string(kMaxFilterBytes, 'x') + "\"}";
  EXPECT_PARSE_ERROR(big, "filter is too large");

  // Deep nesting through $and.
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{\"$and\": [";
  deep += "{\"a\": 1}";
  for (int i = 0; i < 40; ++i) deep += "]}";
  EXPECT_PARSE_ERROR(deep, "filter nests deeper than 32 levels");

  // Deep nesting through $not.
  std::string nots = "{\"a\": ";
  for (int i = 0; i < 40; ++i) nots += "{\"$not\": ";
  nots += "{\"$gt\": 1}";
  for (int i = 0; i < 40; ++i) nots += "}";
  nots += "}";
  EXPECT_PARSE_ERROR(nots, "filter nests deeper than 32 levels");

  // Deep literal.
  std::string lit = "{\"a\": " + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_PARSE_ERROR(lit, "filter nests deeper than 32 levels");

  // Nesting JSON itself refuses (256+ levels) is still InvalidArgument.
  std::string very = "{\"a\": " + std::string(300, '[') + std::string(300, ']') + "}";
  EXPECT_PARSE_ERROR(very, "filter is not valid JSON");

  // Huge $in.
  std::string in = "{\"tags\": {\"$in\": [";
  for (size_t i = 0; i <= kMaxInValues; ++i) in += (i ? ",\"v" : "\"v") + std::to_string(i) + "\"";
  in += "]}}";
  EXPECT_PARSE_ERROR(in, "$in at key 'tags' has 10001 values (limit 10000)");

  // Many conditions.
  std::string many = "{\"$or\": [";
  for (size_t i = 0; i < kMaxFilterNodes; ++i)
    many += (i ? ",{\"k\":" : "{\"k\":") + std::to_string(i) + "}";
  many += "]}";
  EXPECT_PARSE_ERROR(many, "filter has too many conditions and values");

  // Long paths.
  std::string path;
  for (int i = 0; i < 40; ++i) path += (i ? ".k" : "k");
  EXPECT_PARSE_ERROR("{\"" + path + "\": 1}", "has more than 32 path segments");

  // Long keys are cut short in messages.
  std::string long_key(100000, 'k');
  std::string msg = ParseError("{\"" + long_key + "\": {\"$bad\": 1}}");
  EXPECT_LT(msg.size(), 300u);
  EXPECT_NE(msg.find("unknown operator '$bad'"), std::string::npos);
}

TEST(FilterParseTest, LargeButLegal) {
  std::string in = "{\"id\": {\"$in\": [";
  for (size_t i = 0; i < kMaxInValues; ++i) in += (i ? ",\"v" : "\"v") + std::to_string(i) + "\"";
  in += "]}}";
  Filter f = ParseOk(in);
  ASSERT_NE(f.root(), nullptr);
  EXPECT_EQ(f.root()->values.size(), kMaxInValues);
}

TEST(FilterParseTest, FromJsonChecksToo) {
  JsonValue v = JsonValue::Object({{"a", JsonValue::Object({{"$regex", JsonValue::String("x")}})}});
  Result<Filter> f = Filter::FromJson(v);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "unknown operator '$regex' at key 'a'");

  JsonValue deep = JsonValue::Int(1);
  for (int i = 0; i < 1000; ++i) deep = JsonValue::Array({std::move(deep)});
  Result<Filter> g = Filter::FromJson(JsonValue::Object({{"a", std::move(deep)}}));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(g.status().IsInvalidArgument());
}

}  // namespace
}  // namespace tributary
