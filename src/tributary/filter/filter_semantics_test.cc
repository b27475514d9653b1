// MongoDB query semantics, checked twice per case: in memory
// (Filter::Matches) and through SQLite (CompileFilterToSql on the store's
// table layout). Many cases follow the examples of MongoDB's query documents
// (the "inventory" collection).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tributary/filter/filter.h"
#include "tributary/filter/filter_test_util.h"

namespace tributary {
namespace {

using filter_testing::BatchFromJson;
using filter_testing::MatchingIds;
using filter_testing::SqliteTable;
using Ids = std::vector<std::string>;

class FilterSemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    batch_ = BatchFromJson({
        R"({"id": "journal", "content": "a journal", "chunk_index": 0, "chunk_count": 3,
            "language": "en", "created_at": "2024-01-01T00:00:00Z",
            "metadata": {"item": "journal", "qty": 25, "tags": ["blank", "red"],
                         "dim_cm": [14, 21], "size": {"h": 14, "w": 21, "uom": "cm"},
                         "rating": 4.5, "category": "documents", "flag": true, "s": "a",
                         "list": []}})",
        R"({"id": "notebook", "chunk_index": 1, "chunk_count": 3, "language": "fr",
            "created_at": "2024-02-01T00:00:00Z",
            "metadata": {"item": "notebook", "qty": 50, "tags": ["red", "blank"],
                         "dim_cm": [14, 21], "size": {"w": 11, "h": 8.5, "uom": "in"},
                         "rating": "5", "category": "important", "flag": false, "s": "Z"}})",
        R"({"id": "paper", "chunk_index": 2, "chunk_count": 3,
            "created_at": "2024-03-01T00:00:00Z",
            "metadata": {"item": "paper", "qty": 100, "tags": ["red", "blank", "plain"],
                         "dim_cm": [14, 21], "rating": 4, "category": "documents",
                         "flag": null, "s": "é", "empty": {}}})",
        R"({"id": "planner", "chunk_index": 10000,
            "metadata": {"item": "planner", "qty": 75, "tags": ["blank", "red"],
                         "dim_cm": [22.85, 30], "rating": 3, "nested": {"a": {"b": 1}},
                         "category": ["important", "documents"], "big": 9007199254740993}})",
        R"({"id": "postcard", "chunk_index": null, "language": null,
            "metadata": {"item": "postcard", "qty": 45, "tags": "blue", "dim_cm": [10, 15.25],
                         "nested": [{"a": {"b": 1}}], "arr": [[1, 2], [3]]}})",
        R"({"id": "nometa"})",
        R"({"id": "sql", "content": "'; DROP TABLE t; --",
            "metadata": {"'; DROP TABLE t; --": "x", "q": "'; DROP TABLE t; --", "a b": 1,
                         "x.y": 2, "x": {"y": 3}}})",
    });
    table_.Insert(batch_);
  }

  // The ids filter_text selects, asserting memory and SQLite agree.
  Ids Select(const std::string& filter_text) {
    Result<Filter> f = Filter::Parse(filter_text);
    EXPECT_TRUE(f.ok()) << filter_text << ": " << f.status().ToString();
    if (!f.ok()) return {"<parse error>"};
    Ids in_memory = MatchingIds(*f, batch_);
    Result<SqlFragment> sql = CompileFilterToSql(*f, SqlDialect::kSqlite);
    EXPECT_TRUE(sql.ok()) << sql.status().ToString();
    if (!sql.ok()) return {"<compile error>"};
    Result<Ids> in_sql = table_.SelectIds(*sql);
    EXPECT_TRUE(in_sql.ok()) << filter_text << "\n"
                             << sql->sql << "\n"
                             << in_sql.status().ToString();
    if (in_sql.ok()) {
      EXPECT_EQ(in_memory, *in_sql) << "memory and SQLite disagree on " << filter_text << "\n"
                                    << sql->sql;
    }
    return in_memory;
  }

  Ids All() { return MatchingIds(Filter(), batch_); }
  Ids AllBut(const Ids& excluded) {
    Ids out;
    for (const std::string& id : All()) {
      if (std::find(excluded.begin(), excluded.end(), id) == excluded.end()) out.push_back(id);
    }
    return out;
  }

  RecordBatch batch_;
  SqliteTable table_;
};

TEST_F(FilterSemanticsTest, SeedFilters) {
  EXPECT_EQ(Select(R"({"category": "important"})"), (Ids{"notebook", "planner"}));
  // rating "5" is a string: not >= 4.0.
  EXPECT_EQ(Select(R"({"$and": [{"category": "documents"}, {"rating": {"$gte": 4.0}}]})"),
            (Ids{"journal", "paper"}));
  EXPECT_EQ(Select(R"({"chunk_index": {"$gte": 0, "$lt": 10000}})"),
            (Ids{"journal", "notebook", "paper"}));
  EXPECT_EQ(Select("{}"), All());
}

TEST_F(FilterSemanticsTest, ArrayFields) {
  // Any element equals, or the whole array equals (in order).
  EXPECT_EQ(Select(R"({"tags": "red"})"), (Ids{"journal", "notebook", "paper", "planner"}));
  EXPECT_EQ(Select(R"({"tags": ["red", "blank"]})"), (Ids{"notebook"}));
  EXPECT_EQ(Select(R"({"tags": ["blank", "red"]})"), (Ids{"journal", "planner"}));
  EXPECT_EQ(Select(R"({"tags": []})"), Ids{});
  EXPECT_EQ(Select(R"({"list": []})"), (Ids{"journal"}));
  EXPECT_EQ(Select(R"({"tags": {"$in": ["blue", "plain"]}})"), (Ids{"paper", "postcard"}));
  EXPECT_EQ(Select(R"({"tags": {"$nin": ["red"]}})"), (Ids{"nometa", "postcard", "sql"}));
  // Comparisons match when any element does; each operator may pick a
  // different element.
  EXPECT_EQ(Select(R"({"dim_cm": {"$gt": 25}})"), (Ids{"planner"}));
  EXPECT_EQ(Select(R"({"dim_cm": {"$gt": 15, "$lt": 20}})"),
            (Ids{"journal", "notebook", "paper", "postcard"}));
  EXPECT_EQ(Select(R"({"dim_cm": {"$not": {"$gt": 25}}})"), AllBut({"planner"}));
  // Arrays of arrays: an element is compared whole, never unwound again.
  EXPECT_EQ(Select(R"({"arr": [1, 2]})"), (Ids{"postcard"}));
  EXPECT_EQ(Select(R"({"arr": [[1, 2], [3]]})"), (Ids{"postcard"}));
  EXPECT_EQ(Select(R"({"arr": 1})"), Ids{});
  EXPECT_EQ(Select(R"({"arr": {"$gte": 1}})"), Ids{});
}

TEST_F(FilterSemanticsTest, MissingAndNull) {
  EXPECT_EQ(Select(R"({"qty": {"$ne": 50}})"), AllBut({"notebook"}));
  EXPECT_EQ(Select(R"({"flag": null})"), (Ids{"nometa", "paper", "planner", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"flag": {"$eq": null}})"),
            (Ids{"nometa", "paper", "planner", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"flag": {"$gte": null}})"),
            (Ids{"nometa", "paper", "planner", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"flag": {"$gt": null}})"), Ids{});
  EXPECT_EQ(Select(R"({"flag": {"$ne": null}})"), (Ids{"journal", "notebook"}));
  EXPECT_EQ(Select(R"({"flag": {"$exists": true}})"), (Ids{"journal", "notebook", "paper"}));
  EXPECT_EQ(Select(R"({"flag": {"$exists": false}})"),
            (Ids{"nometa", "planner", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"rating": {"$in": [null]}})"), (Ids{"nometa", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"rating": {"$nin": [4, 3]}})"),
            (Ids{"journal", "nometa", "notebook", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"rating": {"$not": {"$gte": 4}}})"),
            (Ids{"nometa", "notebook", "planner", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"list": null})"), AllBut({"journal"}));
  EXPECT_EQ(Select(R"({"list": {"$exists": true}})"), (Ids{"journal"}));
}

TEST_F(FilterSemanticsTest, TypeBrackets) {
  EXPECT_EQ(Select(R"({"rating": {"$gte": 4}})"), (Ids{"journal", "paper"}));
  EXPECT_EQ(Select(R"({"rating": {"$lt": "6"}})"), (Ids{"notebook"}));
  EXPECT_EQ(Select(R"({"rating": 4.0})"), (Ids{"paper"}));
  EXPECT_EQ(Select(R"({"rating": "4"})"), Ids{});
  EXPECT_EQ(Select(R"({"flag": false})"), (Ids{"notebook"}));
  EXPECT_EQ(Select(R"({"flag": 0})"), Ids{});
  EXPECT_EQ(Select(R"({"flag": {"$gt": false}})"), (Ids{"journal"}));
  EXPECT_EQ(Select(R"({"flag": {"$gte": false}})"), (Ids{"journal", "notebook"}));
  EXPECT_EQ(Select(R"({"flag": {"$lt": true}})"), (Ids{"notebook"}));
  EXPECT_EQ(Select(R"({"flag": {"$lte": true}})"), (Ids{"journal", "notebook"}));
  EXPECT_EQ(Select(R"({"flag": {"$lt": false}})"), Ids{});
  EXPECT_EQ(Select(R"({"flag": {"$gt": 0}})"), Ids{});
  EXPECT_EQ(Select(R"({"flag": {"$in": [null, true]}})"),
            (Ids{"journal", "nometa", "paper", "planner", "postcard", "sql"}));
  // Strings compare byte-wise: "Z" < "a" < "é".
  EXPECT_EQ(Select(R"({"s": {"$gt": "z"}})"), (Ids{"paper"}));
  EXPECT_EQ(Select(R"({"s": {"$lt": "a"}})"), (Ids{"notebook"}));
  EXPECT_EQ(Select(R"({"s": {"$gte": "a"}})"), (Ids{"journal", "paper"}));
  // Integers beyond 2^53 compare exactly, also against doubles.
  EXPECT_EQ(Select(R"({"big": 9007199254740992})"), Ids{});
  EXPECT_EQ(Select(R"({"big": 9007199254740993})"), (Ids{"planner"}));
  EXPECT_EQ(Select(R"({"big": {"$gt": 9007199254740992.0}})"), (Ids{"planner"}));
  EXPECT_EQ(Select(R"({"big": {"$lt": 9007199254740994.0}})"), (Ids{"planner"}));
}

TEST_F(FilterSemanticsTest, ObjectsAndPaths) {
  EXPECT_EQ(Select(R"({"size": {"h": 14, "w": 21, "uom": "cm"}})"), (Ids{"journal"}));
  // Member order does not matter (as in jsonb; MongoDB would say no match).
  EXPECT_EQ(Select(R"({"size": {"w": 21, "uom": "cm", "h": 14.0}})"), (Ids{"journal"}));
  EXPECT_EQ(Select(R"({"size": {"h": 14, "w": 21}})"), Ids{});
  EXPECT_EQ(Select(R"({"empty": {}})"), (Ids{"paper"}));
  EXPECT_EQ(Select(R"({"size": {"$eq": {"h": 8.5, "w": 11, "uom": "in"}}})"), (Ids{"notebook"}));
  EXPECT_EQ(Select(R"({"size": {"$ne": {"h": 8.5, "w": 11, "uom": "in"}}})"), AllBut({"notebook"}));
  EXPECT_EQ(Select(R"({"size.uom": "in"})"), (Ids{"notebook"}));
  EXPECT_EQ(Select(R"({"metadata.size.h": {"$lt": 10}})"), (Ids{"notebook"}));
  // Paths go through objects only; an array on the way means "missing".
  EXPECT_EQ(Select(R"({"nested.a.b": 1})"), (Ids{"planner"}));
  EXPECT_EQ(Select(R"({"nested": {"a": {"b": 1}}})"), (Ids{"planner", "postcard"}));
  EXPECT_EQ(Select(R"({"nested": {"$in": [{"a": {"b": 1}}, 5]}})"), (Ids{"planner", "postcard"}));
  // A dotted key is always a path: metadata key "x.y" is not reachable.
  EXPECT_EQ(Select(R"({"x.y": 3})"), (Ids{"sql"}));
  EXPECT_EQ(Select(R"({"x.y": 2})"), Ids{});
  EXPECT_EQ(Select(R"({"a b": 1})"), (Ids{"sql"}));
  // Top-level keys stay record fields; metadata.<field> reaches metadata.
  EXPECT_EQ(Select(R"({"metadata.item": "paper"})"), (Ids{"paper"}));
  EXPECT_EQ(Select(R"({"item": {"$exists": true}, "qty": {"$gte": 50}})"),
            (Ids{"notebook", "paper", "planner"}));
}

TEST_F(FilterSemanticsTest, Logical) {
  EXPECT_EQ(Select(R"({"$or": [{"qty": {"$lt": 30}}, {"item": "paper"}]})"),
            (Ids{"journal", "paper"}));
  EXPECT_EQ(Select(R"({"$nor": [{"qty": {"$lt": 30}}, {"item": "paper"}]})"),
            AllBut({"journal", "paper"}));
  EXPECT_EQ(
      Select(
          R"({"$and": [{"$or": [{"tags": "blue"}, {"qty": 100}]}, {"item": {"$ne": "paper"}}]})"),
      (Ids{"postcard"}));
  EXPECT_EQ(Select(R"({"$or": [{}, {"qty": 1}]})"), All());
  EXPECT_EQ(Select(R"({"$nor": [{}]})"), Ids{});
  EXPECT_EQ(Select(R"({"qty": {"$not": {"$not": {"$gt": 50}}}})"), (Ids{"paper", "planner"}));
}

TEST_F(FilterSemanticsTest, RecordColumns) {
  EXPECT_EQ(Select(R"({"language": {"$ne": "en"}})"), AllBut({"journal"}));
  EXPECT_EQ(Select(R"({"language": null})"),
            (Ids{"nometa", "paper", "planner", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"language": {"$in": ["en", "fr"]}})"), (Ids{"journal", "notebook"}));
  EXPECT_EQ(Select(R"({"chunk_index": {"$exists": false}})"), (Ids{"nometa", "postcard", "sql"}));
  // Another type bracket never matches a typed column ('1' is not 1).
  EXPECT_EQ(Select(R"({"chunk_index": "1"})"), Ids{});
  EXPECT_EQ(Select(R"({"chunk_index": {"$gt": "0"}})"), Ids{});
  EXPECT_EQ(Select(R"({"chunk_index": {"$ne": "1"}})"), All());
  EXPECT_EQ(Select(R"({"id": 5})"), Ids{});
  EXPECT_EQ(Select(R"({"id": ["paper"]})"), Ids{});
  EXPECT_EQ(Select(R"({"chunk_index": 1.0})"), (Ids{"notebook"}));
  EXPECT_EQ(Select(R"({"chunk_index": {"$lt": 1.5}})"), (Ids{"journal", "notebook"}));
  EXPECT_EQ(Select(R"({"chunk_index": {"$in": [0, 2.5, "x", null, true]}})"),
            (Ids{"journal", "nometa", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"id": {"$in": ["paper", "sql", "nope"]}})"), (Ids{"paper", "sql"}));
  EXPECT_EQ(Select(R"({"id": {"$gt": "p"}})"), (Ids{"paper", "planner", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"created_at": {"$gte": "2024-02-01T00:00:00Z"}})"),
            (Ids{"notebook", "paper"}));
  EXPECT_EQ(Select(R"({"created_at": {"$lt": "2024-02-01T01:00:00+01:00"}})"), (Ids{"journal"}));
  EXPECT_EQ(Select(R"({"created_at": "2024-03-01"})"), (Ids{"paper"}));
  EXPECT_EQ(Select(R"({"created_at": null})"), (Ids{"nometa", "planner", "postcard", "sql"}));
  EXPECT_EQ(Select(R"({"updated_at": {"$exists": true}})"), Ids{});
}

TEST_F(FilterSemanticsTest, SqlLookingInputIsData) {
  EXPECT_EQ(Select(R"({"content": "'; DROP TABLE t; --"})"), (Ids{"sql"}));
  EXPECT_EQ(Select(R"({"'; DROP TABLE t; --": "x"})"), (Ids{"sql"}));
  EXPECT_EQ(Select(R"({"q": {"$gt": "'"}})"), (Ids{"sql"}));
  EXPECT_EQ(Select(R"({"id": "x' OR '1'='1"})"), Ids{});
  EXPECT_EQ(Select(R"({"item') OR 1=1 --": {"$ne": 1}})"), All());
  EXPECT_EQ(Select(R"({"id": {"$exists": true}})"), All());  // the table is still there
}

TEST(FilterEvalTest, MetadataThatIsNotAnObjectReadsAsMissing) {
  RecordBatch batch = BatchFromJson({
      R"({"id": "text", "metadata": "not json"})",
      R"({"id": "array", "metadata": "[1, 2]"})",
      R"({"id": "ok", "metadata": {"a": 1}})",
  });
  Result<Filter> f = Filter::Parse(R"({"a": {"$exists": true}})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(MatchingIds(*f, batch), (Ids{"ok"}));
  Result<Filter> g = Filter::Parse(R"({"a": {"$ne": 1}})");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(MatchingIds(*g, batch), (Ids{"array", "text"}));
}

TEST(FilterEvalTest, DuplicateMetadataKeysUseTheFirst) {
  // JSON text can repeat a key; the first one is what SQLite's json_extract
  // and the evaluator see.
  RecordBatch batch = BatchFromJson({R"({"id": "dup", "metadata": "{\"a\": 1, \"a\": 2}"})"});
  SqliteTable table;
  table.Insert(batch);
  for (const char* text : {R"({"a": 1})", R"({"a": 2})"}) {
    Result<Filter> f = Filter::Parse(text);
    ASSERT_TRUE(f.ok());
    Result<SqlFragment> sql = CompileFilterToSql(*f, SqlDialect::kSqlite);
    ASSERT_TRUE(sql.ok());
    Result<Ids> ids = table.SelectIds(*sql);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    EXPECT_EQ(MatchingIds(*f, batch), *ids) << text;
  }
}

}  // namespace
}  // namespace tributary
