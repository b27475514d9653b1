// CompileFilterToSql: the shape of the SQL, its parameters, and its limits.
// Semantics are checked against SQLite in filter_semantics_test.cc and
// filter_agreement_test.cc; PostgreSQL text is checked here for shape only.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tributary/filter/filter.h"
#include "tributary/filter/filter_internal.h"
#include "tributary/filter/filter_test_util.h"

namespace tributary {
namespace {

using filter_testing::BatchFromJson;
using filter_testing::MatchingIds;
using filter_testing::SqliteTable;

Filter MustParse(const std::string& text) {
  Result<Filter> f = Filter::Parse(text);
  EXPECT_TRUE(f.ok()) << text << ": " << f.status().ToString();
  return f.ok() ? std::move(f).value() : Filter();
}

SqlFragment MustCompile(const std::string& text, SqlDialect dialect, int first_param = 1) {
  Filter f = MustParse(text);
  Result<SqlFragment> sql = CompileFilterToSql(f, dialect, first_param);
  EXPECT_TRUE(sql.ok()) << text << ": " << sql.status().ToString();
  return sql.ok() ? std::move(sql).value() : SqlFragment{};
}

std::string ParamText(const SqlValue& p) {
  if (std::holds_alternative<std::nullptr_t>(p)) return "NULL";
  if (const int64_t* i = std::get_if<int64_t>(&p)) return "i:" + std::to_string(*i);
  if (const double* d = std::get_if<double>(&p)) return "d:" + std::to_string(*d);
  return "s:" + std::get<std::string>(p);
}

std::vector<std::string> Params(const SqlFragment& f) {
  std::vector<std::string> out;
  for (const SqlValue& p : f.params) out.push_back(ParamText(p));
  return out;
}

// Every $n is in [first, first + params) and every parameter is used.
void ExpectPgPlaceholdersConsistent(const SqlFragment& f, int first) {
  std::set<int> used;
  std::regex placeholder(R"(\$(\d+))");
  for (auto it = std::sregex_iterator(f.sql.begin(), f.sql.end(), placeholder);
       it != std::sregex_iterator(); ++it) {
    used.insert(std::stoi((*it)[1].str()));
  }
  EXPECT_EQ(f.sql.find('?'), std::string::npos) << f.sql;
  for (int n : used) {
    EXPECT_GE(n, first) << f.sql;
    EXPECT_LT(n, first + static_cast<int>(f.params.size())) << f.sql;
  }
  EXPECT_EQ(used.size(), f.params.size()) << f.sql;
}

TEST(FilterSqlTest, MatchAll) {
  Result<SqlFragment> s = CompileFilterToSql(Filter(), SqlDialect::kSqlite);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->sql, "1");
  EXPECT_TRUE(s->params.empty());
  Result<SqlFragment> p = CompileFilterToSql(MustParse("{}"), SqlDialect::kPostgres, 7);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->sql, "true");
  EXPECT_TRUE(p->params.empty());
}

TEST(FilterSqlTest, ColumnShapes) {
  SqlFragment s = MustCompile(R"({"chunk_index": {"$gte": 0, "$lt": 10000}})", SqlDialect::kSqlite);
  EXPECT_EQ(s.sql, "((chunk_index >= ?) AND (chunk_index < ?))");
  EXPECT_EQ(Params(s), (std::vector<std::string>{"i:0", "i:10000"}));

  s = MustCompile(R"({"language": {"$in": ["en", null, 3]}})", SqlDialect::kSqlite);
  EXPECT_EQ(s.sql, "((language IS NULL) OR (language = ?))");
  EXPECT_EQ(Params(s), (std::vector<std::string>{"s:en"}));

  s = MustCompile(R"({"created_at": {"$lt": "2024-01-01T00:00:00Z"}})", SqlDialect::kSqlite);
  EXPECT_EQ(s.sql, "(created_at < ?)");
  EXPECT_EQ(Params(s), (std::vector<std::string>{"i:1704067200000000"}));

  s = MustCompile(R"({"id": {"$ne": 5}})", SqlDialect::kSqlite);
  EXPECT_EQ(s.sql, "(NOT coalesce(0, 0))");
  EXPECT_TRUE(s.params.empty());
}

TEST(FilterSqlTest, MetadataShapes) {
  SqlFragment s = MustCompile(R"({"category": "important"})", SqlDialect::kSqlite);
  EXPECT_EQ(s.sql,
            "(json_type(metadata, ?) IS NOT 'object' AND EXISTS (SELECT 1 FROM "
            "json_each(metadata, ?) AS je1 WHERE (je1.type = 'text' AND je1.value = ?)))");
  EXPECT_EQ(Params(s),
            (std::vector<std::string>{"s:$.\"category\"", "s:$.\"category\"", "s:important"}));

  s = MustCompile(R"({"metadata.a b.'c": {"$exists": true}})", SqlDialect::kSqlite);
  EXPECT_EQ(s.sql, "(json_type(metadata, ?) IS NOT NULL)");
  EXPECT_EQ(Params(s), (std::vector<std::string>{"s:$.\"a b\".\"'c\""}));
}

TEST(FilterSqlTest, NoFilterTextInSql) {
  const std::vector<std::string> filters = {
      R"({"zqk1": "zqv2"})",
      R"({"zqk1.zqk3": {"$in": ["zqv2", 987654321, {"zqk4": "zqv5"}, ["zqv6"]]}})",
      R"({"zqk1": {"$not": {"$gt": "zqv2", "$lt": 987654321}}})",
      R"({"$or": [{"zqk1": {"$exists": false}}, {"content": {"$gte": "zqv2"}}]})",
      R"({"'; DROP TABLE t; --": "'; DROP TABLE t; --", "id": "x' OR 1=1 --"})",
      R"({"zqk1": {"$nin": [[1, 2], {"zqk4": null}]}, "created_at": "2024-01-01"})",
  };
  for (const std::string& text : filters) {
    for (SqlDialect d : {SqlDialect::kSqlite, SqlDialect::kPostgres}) {
      SqlFragment s = MustCompile(text, d);
      for (const char* marker : {"zq", "987654321", "DROP", "1=1", "2024"}) {
        EXPECT_EQ(s.sql.find(marker), std::string::npos) << text << "\n" << s.sql;
      }
      EXPECT_FALSE(s.params.empty());
    }
  }
}

TEST(FilterSqlTest, WideFiltersStayWithinSqliteLimits) {
  // 5000 $or branches would be an expression 5000 deep if emitted as a flat
  // chain; SQLite stops at 1000.
  RecordBatch batch = BatchFromJson(
      {R"({"id": "a", "metadata": {"k": 4999}})", R"({"id": "b", "metadata": {"k": -1}})"});
  SqliteTable table;
  table.Insert(batch);
  std::string wide = "{\"$or\": [";
  for (int i = 0; i < 5000; ++i) wide += (i ? ",{\"k\":" : "{\"k\":") + std::to_string(i) + "}";
  wide += "]}";
  SqlFragment s = MustCompile(wide, SqlDialect::kSqlite);
  Result<std::vector<std::string>> ids = table.SelectIds(s);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, std::vector<std::string>{"a"});

  std::string in = "{\"k\": {\"$nin\": [";
  for (size_t i = 0; i < kMaxInValues; ++i) in += (i ? "," : "") + std::to_string(i);
  in += "]}}";
  s = MustCompile(in, SqlDialect::kSqlite);
  ids = table.SelectIds(s);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, std::vector<std::string>{"b"});
}

TEST(FilterSqlTest, TooManyParametersIsAnError) {
  // Within the parser's limits, but each array literal costs SQLite about
  // twenty parameters.
  std::string in = "{\"k\": {\"$in\": [";
  for (int i = 0; i < 5000; ++i) in += (i ? ",[1," : "[1,") + std::to_string(i) + "]";
  in += "]}}";
  Filter f = MustParse(in);
  Result<SqlFragment> s = CompileFilterToSql(f, SqlDialect::kSqlite);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsInvalidArgument());
  EXPECT_NE(s.status().message().find("filter is too large to run as SQL"), std::string::npos)
      << s.status().message();
  // PostgreSQL compares the literals as jsonb: one parameter each.
  Result<SqlFragment> p = CompileFilterToSql(f, SqlDialect::kPostgres);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->params.size(), 5001u);
}

TEST(FilterPostgresSqlTest, ColumnShapes) {
  SqlFragment s =
      MustCompile(R"({"chunk_index": {"$gte": 0, "$lt": 10000}})", SqlDialect::kPostgres, 3);
  EXPECT_EQ(s.sql, "((chunk_index >= $3::bigint) AND (chunk_index < $4::bigint))");
  EXPECT_EQ(Params(s), (std::vector<std::string>{"i:0", "i:10000"}));
  ExpectPgPlaceholdersConsistent(s, 3);

  s = MustCompile(R"({"content": {"$gt": "m"}, "chunk_count": 2.5})", SqlDialect::kPostgres);
  EXPECT_EQ(s.sql, "((content > $1::text COLLATE \"C\") AND (chunk_count = $2::numeric))");
  EXPECT_EQ(Params(s), (std::vector<std::string>{"s:m", "s:2.5"}));

  // Non-integers travel as decimal text: a float8 parameter would lose
  // digits on its way to numeric.
  s = MustCompile(R"({"chunk_count": {"$in": [0.30000000000000004, 9223372036854775808, 7]}})",
                  SqlDialect::kPostgres);
  EXPECT_EQ(s.sql, "(chunk_count IN ($1::numeric, $2::numeric, $3::bigint))");
  EXPECT_EQ(Params(s),
            (std::vector<std::string>{"s:0.30000000000000004", "s:9223372036854775808", "i:7"}));

  s = MustCompile(R"({"id": {"$nin": ["a", "b"]}, "created_at": {"$gte": "2024-01-01"}})",
                  SqlDialect::kPostgres);
  EXPECT_EQ(s.sql,
            "((NOT coalesce((id IN ($1::text, $2::text)), false)) AND "
            "(created_at >= $3::bigint))");
  EXPECT_EQ(Params(s), (std::vector<std::string>{"s:a", "s:b", "i:1704067200000000"}));
}

TEST(FilterPostgresSqlTest, MetadataShapes) {
  SqlFragment s = MustCompile(R"({"category": "important"})", SqlDialect::kPostgres);
  EXPECT_EQ(s.sql,
            "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof((metadata -> "
            "$1::text)) = 'array' THEN (metadata -> $1::text) WHEN jsonb_typeof((metadata -> "
            "$1::text)) <> 'object' THEN jsonb_build_array((metadata -> $1::text)) ELSE "
            "'[]'::jsonb END) AS je1(v) WHERE CASE WHEN jsonb_typeof(je1.v) = 'string' THEN "
            "(je1.v #>> '{}') = $2::text ELSE false END)");
  EXPECT_EQ(Params(s), (std::vector<std::string>{"s:category", "s:important"}));
  ExpectPgPlaceholdersConsistent(s, 1);

  s = MustCompile(R"({"a.b": {"$exists": true}})", SqlDialect::kPostgres, 5);
  EXPECT_EQ(s.sql, "((metadata -> $5::text -> $6::text) IS NOT NULL)");
  EXPECT_EQ(Params(s), (std::vector<std::string>{"s:a", "s:b"}));

  s = MustCompile(R"({"rating": {"$lt": 4.5}})", SqlDialect::kPostgres);
  EXPECT_NE(s.sql.find("CASE WHEN jsonb_typeof(je1.v) = 'number' THEN (je1.v)::numeric < "
                       "$2::numeric ELSE false END"),
            std::string::npos)
      << s.sql;

  s = MustCompile(R"({"title": {"$gte": "b"}})", SqlDialect::kPostgres);
  EXPECT_NE(s.sql.find("(je1.v #>> '{}') >= $2::text COLLATE \"C\" ELSE false END"),
            std::string::npos)
      << s.sql;

  s = MustCompile(R"({"flag": {"$gt": false}})", SqlDialect::kPostgres);
  EXPECT_NE(s.sql.find("WHERE je1.v = 'true'::jsonb)"), std::string::npos) << s.sql;

  s = MustCompile(R"({"tags": ["a", {"b": 1.5}]})", SqlDialect::kPostgres);
  EXPECT_EQ(s.sql,
            "((metadata -> $1::text) = $2::jsonb OR EXISTS (SELECT 1 FROM "
            "jsonb_array_elements(CASE WHEN jsonb_typeof((metadata -> $1::text)) = 'array' THEN "
            "(metadata -> $1::text) ELSE '[]'::jsonb END) AS je1(v) WHERE je1.v = $2::jsonb))");
  EXPECT_EQ(Params(s), (std::vector<std::string>{"s:tags", "s:[\"a\",{\"b\":1.5}]"}));

  s = MustCompile(R"({"k": {"$nin": [null, 1, "x", true, [2]]}})", SqlDialect::kPostgres, 2);
  ExpectPgPlaceholdersConsistent(s, 2);
  EXPECT_EQ(s.sql.rfind("(NOT coalesce(", 0), 0u) << s.sql;
  EXPECT_NE(s.sql.find("((metadata -> $2::text) IS NULL)"), std::string::npos) << s.sql;
}

TEST(FilterPostgresSqlTest, RandomFiltersHaveConsistentPlaceholders) {
  const std::vector<std::string> filters = {
      R"({"$or": [{"a": 1}, {"b.c": {"$in": [1, "x", null, [1], {"k": 2}]}}], "id": {"$ne": "z"}})",
      R"({"$nor": [{"a": {"$not": {"$gte": 1, "$lte": 5}}}, {"created_at": null}]})",
      R"({"a": {"$exists": false}, "b": {"$gt": true}, "c": {"$lt": "q"}})",
  };
  for (const std::string& text : filters) {
    for (int first : {1, 4, 100}) {
      ExpectPgPlaceholdersConsistent(MustCompile(text, SqlDialect::kPostgres, first), first);
    }
  }
}

}  // namespace
}  // namespace tributary
