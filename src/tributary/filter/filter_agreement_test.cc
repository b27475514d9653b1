// The in-memory evaluator and the SQLite compilation must select the same
// rows for every filter. Random records (nested metadata with arrays,
// numbers, strings, booleans, nulls, missing keys; NULL columns) go into a
// real SQLite table laid out like the store's; random filters (every
// operator, nesting, paths that exist or not, mixed types) run both ways.
//
// Seeded: TRIBUTARY_FILTER_SEED=<n> replays another seed,
// TRIBUTARY_FILTER_ROUNDS=<n> runs more filters.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tributary/core/json.h"
#include "tributary/core/time_util.h"
#include "tributary/filter/filter.h"
#include "tributary/filter/filter_test_util.h"

namespace tributary {
namespace {

using filter_testing::AppendRecord;
using filter_testing::MatchingIds;
using filter_testing::SqliteTable;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  // ---- records ----

  JsonValue Record(int i) {
    JsonValue rec = JsonValue::Object();
    rec.Set("id", JsonValue::String("r" + std::to_string(i)));
    for (const char* f : {"document_id", "content", "chunk_id", "content_hash", "content_type",
                          "language", "model"}) {
      if (Chance(0.8)) rec.Set(f, JsonValue::String(Pick(ColumnStrings())));
    }
    for (const char* f : {"chunk_index", "chunk_count"}) {
      if (Chance(0.8)) rec.Set(f, JsonValue::Int(Uniform(-2, 12)));
    }
    for (const char* f : {"created_at", "updated_at"}) {
      if (Chance(0.8)) rec.Set(f, JsonValue::String(FormatTimestamp(Pick(Times()))));
    }
    if (Chance(0.9)) {
      JsonValue md = JsonValue::Object();
      int n = Uniform(0, 6);
      for (int k = 0; k < n; ++k) md.Set(Pick(RecordKeys()), Value(3, RecordKeys()));
      // Stored the way the store stores it: compact canonical text.
      rec.Set("metadata", md);
    }
    return rec;
  }

  JsonValue Value(int depth, const std::vector<std::string>& keys) {
    double r = Real();
    if (depth > 0 && r < 0.15) {
      std::vector<JsonValue> items;
      int n = Uniform(0, 4);
      for (int k = 0; k < n; ++k) items.push_back(Value(depth - 1, keys));
      return JsonValue::Array(std::move(items));
    }
    if (depth > 0 && r < 0.35) {
      JsonValue obj = JsonValue::Object();
      int n = Uniform(0, 3);
      for (int k = 0; k < n; ++k) obj.Set(Pick(keys), Value(depth - 1, keys));
      return obj;
    }
    return Scalar();
  }

  JsonValue Scalar() {
    switch (Uniform(0, 9)) {
      case 0: return JsonValue::Null();
      case 1: return JsonValue::Bool(Chance(0.5));
      case 2:
      case 3: return JsonValue::Int(Uniform(-3, 3));
      case 4: return Pick(Numbers());
      case 5: return JsonValue::String(std::to_string(Uniform(-1, 3)));  // "1" vs 1
      default: return JsonValue::String(Pick(Strings()));
    }
  }

  // ---- filters ----

  JsonValue FilterObject(int depth) {
    JsonValue obj = JsonValue::Object();
    int n = Uniform(depth > 0 ? 1 : 0, 2);
    for (int k = 0; k < n; ++k) {
      if (depth > 0 && Chance(0.25)) {
        static const char* kLogical[] = {"$and", "$or", "$nor"};
        std::string op = kLogical[Uniform(0, 2)];
        if (obj.Find(op)) continue;
        std::vector<JsonValue> subs;
        int m = Uniform(1, 3);
        for (int j = 0; j < m; ++j) subs.push_back(FilterObject(depth - 1));
        obj.Set(op, JsonValue::Array(std::move(subs)));
      } else {
        std::string key = Key();
        if (obj.Find(key)) continue;
        obj.Set(key, Condition(key, 2));
      }
    }
    return obj;
  }

  std::string Key() {
    if (Chance(0.25)) {
      static const char* kFields[] = {"id",           "document_id",  "content",    "chunk_id",
                                      "content_hash", "content_type", "language",   "model",
                                      "chunk_index",  "chunk_count",  "created_at", "updated_at"};
      return kFields[Uniform(0, 11)];
    }
    std::string key = Chance(0.2) ? "metadata." : "";
    double r = Real();
    int segments = r < 0.6 ? 1 : (r < 0.9 ? 2 : 3);
    for (int s = 0; s < segments; ++s) {
      if (s) key += ".";
      key += Chance(0.05) ? std::string("zz") : Pick(FilterKeys());
    }
    return key;
  }

  bool IsTimestamp(const std::string& key) { return key == "created_at" || key == "updated_at"; }

  JsonValue Literal(const std::string& key, bool allow_containers) {
    if (IsTimestamp(key)) {
      if (Chance(0.1)) return JsonValue::Null();
      int64_t t = Pick(Times()) + (Chance(0.3) ? Uniform(-1, 1) : 0);
      return JsonValue::String(FormatTimestamp(t));
    }
    if (key == "chunk_index" || key == "chunk_count") {
      if (Chance(0.7)) return JsonValue::Int(Uniform(-3, 13));
      if (Chance(0.5)) return JsonValue::Number(Uniform(-3, 13) + 0.5);
    }
    if (FieldFromName(key) && Chance(0.7)) return JsonValue::String(Pick(ColumnStrings()));
    return allow_containers && Chance(0.15) ? Value(2, FilterKeys()) : Scalar();
  }

  JsonValue ComparisonLiteral(const std::string& key) {
    for (;;) {
      JsonValue v = Literal(key, false);
      if (!v.is_array() && !v.is_object()) return v;
    }
  }

  JsonValue Condition(const std::string& key, int depth) {
    if (Chance(0.3)) return Literal(key, true);  // implicit equality
    return OperatorObject(key, depth);
  }

  JsonValue OperatorObject(const std::string& key, int depth) {
    static const char* kOps[] = {"$eq",  "$ne", "$gt",  "$gte",    "$lt",
                                 "$lte", "$in", "$nin", "$exists", "$not"};
    JsonValue obj = JsonValue::Object();
    int n = Uniform(1, 3);
    for (int k = 0; k < n; ++k) {
      std::string op = kOps[Uniform(0, depth > 0 ? 9 : 8)];
      if (obj.Find(op)) continue;
      if (op == "$eq" || op == "$ne") {
        obj.Set(op, Literal(key, true));
      } else if (op == "$in" || op == "$nin") {
        std::vector<JsonValue> items;
        int m = Uniform(0, 4);
        for (int j = 0; j < m; ++j) items.push_back(Literal(key, true));
        obj.Set(op, JsonValue::Array(std::move(items)));
      } else if (op == "$exists") {
        obj.Set(op, JsonValue::Bool(Chance(0.5)));
      } else if (op == "$not") {
        obj.Set(op, OperatorObject(key, depth - 1));
      } else {
        obj.Set(op, ComparisonLiteral(key));
      }
    }
    return obj;
  }

 private:
  static const std::vector<std::string>& RecordKeys() {
    // Includes keys no filter can name ('"', '\'): they still count in
    // object equality.
    static const std::vector<std::string> k = {"a", "b",   "c", "tags", "n",
                                               "s", "x y", "é", "'q",   "k\"q"};
    return k;
  }
  static const std::vector<std::string>& FilterKeys() {
    static const std::vector<std::string> k = {"a", "b", "c", "tags", "n", "s", "x y", "é", "'q"};
    return k;
  }
  static const std::vector<std::string>& Strings() {
    static const std::vector<std::string> s = {"",      "a",
                                               "b",     "B",
                                               "ab",    "é",
                                               "ü",     "true",
                                               "null",  "'; DROP TABLE t; --",
                                               "x\"y",  "back\\slash",
                                               "tab\t", "[1]",
                                               "{}",    "2024-01-01T00:00:00Z"};
    return s;
  }
  static const std::vector<std::string>& ColumnStrings() {
    static const std::vector<std::string> s = {
        "", "a", "b", "en", "fr", "é", "1", "'; DROP TABLE t; --", "x\"y"};
    return s;
  }
  static const std::vector<JsonValue>& Numbers() {
    static const std::vector<JsonValue> n = {
        JsonValue::Number(0.5),
        JsonValue::Number(-1.5),
        JsonValue::Number(2.0),
        JsonValue::Number(0.1),
        JsonValue::Number(0.1 + 0.2),  // 0.30000000000000004
        JsonValue::Number(1.0 / 3),
        JsonValue::Number(1e20),
        JsonValue::Number(-0.0),
        JsonValue::Int(9007199254740993),
        JsonValue::Number(9007199254740992.0),
        JsonValue::Int(INT64_MAX),
        JsonValue::Int(INT64_MIN),
        JsonValue::NumberFromText("9223372036854775808", 9223372036854775808.0),
        JsonValue::NumberFromText("1.0", 1.0),
        JsonValue::NumberFromText("25e-1", 2.5),
    };
    return n;
  }
  static const std::vector<int64_t>& Times() {
    static const std::vector<int64_t> t = {0, 1704067200000000, 1704067200000001, 1706745600123456,
                                           -86400000000};
    return t;
  }

  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Uniform(0, static_cast<int>(v.size()) - 1))];
  }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double Real() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  bool Chance(double p) { return Real() < p; }

  std::mt19937_64 rng_;
};

std::string Describe(const RecordBatch& batch, const std::string& id) {
  for (size_t i = 0; i < batch.num_rows(); ++i) {
    if (batch.id.Get(i) != id) continue;
    std::string out = id + ": metadata=";
    out += batch.metadata.IsNull(i) ? "NULL" : std::string(batch.metadata.Get(i));
    return out;
  }
  return id;
}

// PostgreSQL cannot run inside these tests yet. With
// TRIBUTARY_FILTER_PG_SCRIPT=<prefix> the test also writes <prefix>.sql (the
// records and every filter's PostgreSQL compilation, one result line per
// filter), <prefix>.expected (the evaluator's ids) and <prefix>.filters (the
// filters, numbered), so that
//   psql -X -At -v ON_ERROR_STOP=1 -f <prefix>.sql | diff - <prefix>.expected
// checks the PostgreSQL dialect against a real server.
class PgScript {
 public:
  explicit PgScript(const char* prefix) {
    if (prefix == nullptr || *prefix == 0) return;
    sql_.open(std::string(prefix) + ".sql");
    expected_.open(std::string(prefix) + ".expected");
    filters_.open(std::string(prefix) + ".filters");
    sql_ << "\\set QUIET on\n"
         << "BEGIN;\nCREATE TEMP TABLE t(id TEXT PRIMARY KEY, document_id TEXT, content TEXT, "
            "metadata JSONB, chunk_id TEXT, content_hash TEXT, content_type TEXT, language TEXT, "
            "chunk_index BIGINT, chunk_count BIGINT, model TEXT, created_at BIGINT, "
            "updated_at BIGINT);\n";
  }
  bool enabled() const { return sql_.is_open(); }

  void Insert(const RecordBatch& batch) {
    if (!enabled()) return;
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      sql_ << "INSERT INTO t VALUES (";
      const Field kCols[] = {Field::kId,          Field::kDocumentId, Field::kContent,
                             Field::kMetadata,    Field::kChunkId,    Field::kContentHash,
                             Field::kContentType, Field::kLanguage,   Field::kChunkIndex,
                             Field::kChunkCount,  Field::kModel,      Field::kCreatedAt,
                             Field::kUpdatedAt};
      bool first = true;
      for (Field f : kCols) {
        if (!first) sql_ << ", ";
        first = false;
        FieldType type = FieldTypeOf(f);
        if (type == FieldType::kInt64 || type == FieldType::kTimestamp) {
          const Int64Column& col = batch.ints(f);
          sql_ << (col.IsNull(row) ? std::string("NULL") : std::to_string(col.Get(row)));
        } else {
          const StringColumn& col = batch.strings(f);
          sql_ << (col.IsNull(row) ? std::string("NULL") : Quote(col.Get(row)));
        }
      }
      sql_ << ");\n";
    }
  }

  void Add(size_t n, const std::string& filter_text, const SqlFragment& where,
           const std::vector<std::string>& expected_ids) {
    if (!enabled()) return;
    filters_ << n << "|" << filter_text << "\n";
    sql_ << "PREPARE q" << n << " AS SELECT " << n
         << ", coalesce(string_agg(id, ',' ORDER BY id COLLATE \"C\"), '') FROM t WHERE "
         << where.sql << ";\nEXECUTE q" << n;
    for (size_t i = 0; i < where.params.size(); ++i) {
      sql_ << (i ? ", " : "(");
      const SqlValue& p = where.params[i];
      if (std::holds_alternative<std::nullptr_t>(p)) {
        sql_ << "NULL";
      } else if (const int64_t* v = std::get_if<int64_t>(&p)) {
        sql_ << Quote(std::to_string(*v));
      } else if (const double* d = std::get_if<double>(&p)) {
        JsonValue number = JsonValue::Number(*d);  // shortest round-trip text
        sql_ << Quote(number.ToString());
      } else {
        sql_ << Quote(std::get<std::string>(p));
      }
    }
    sql_ << (where.params.empty() ? ";\n" : ");\n") << "DEALLOCATE q" << n << ";\n";
    expected_ << n << "|";
    for (size_t i = 0; i < expected_ids.size(); ++i) expected_ << (i ? "," : "") << expected_ids[i];
    expected_ << "\n";
  }

 private:
  static std::string Quote(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
      if (c == '\'') out.push_back('\'');
      out.push_back(c);
    }
    return out + "'";
  }

  std::ofstream sql_;
  std::ofstream expected_;
  std::ofstream filters_;
};

TEST(FilterAgreementTest, EvaluatorAndSqliteSelectTheSameRows) {
  const uint64_t seed = EnvOr("TRIBUTARY_FILTER_SEED", 20240601);
  const uint64_t rounds = EnvOr("TRIBUTARY_FILTER_ROUNDS", 3000);
  SCOPED_TRACE("seed " + std::to_string(seed));
  Generator gen(seed);

  RecordBatch batch;
  for (int i = 0; i < 300; ++i) AppendRecord(gen.Record(i), &batch);
  SqliteTable table;
  table.Insert(batch);
  PgScript pg(std::getenv("TRIBUTARY_FILTER_PG_SCRIPT"));
  pg.Insert(batch);

  size_t nonempty = 0, partial = 0, failures = 0;
  for (uint64_t round = 0; round < rounds && failures < 5; ++round) {
    const std::string text = gen.FilterObject(3).ToString();
    Result<Filter> filter = Filter::Parse(text);
    if (!filter.ok()) {
      ADD_FAILURE() << "generated filter refused: " << text << "\n" << filter.status().ToString();
      ++failures;
      continue;
    }
    Result<SqlFragment> sql = CompileFilterToSql(*filter, SqlDialect::kSqlite);
    ASSERT_TRUE(sql.ok()) << text << ": " << sql.status().ToString();
    Result<SqlFragment> pg_sql = CompileFilterToSql(*filter, SqlDialect::kPostgres);
    ASSERT_TRUE(pg_sql.ok()) << text << ": " << pg_sql.status().ToString();

    const std::vector<std::string> expected = MatchingIds(*filter, batch);
    pg.Add(round, text, *pg_sql, expected);
    Result<std::vector<std::string>> got = table.SelectIds(*sql);
    ASSERT_TRUE(got.ok()) << text << "\n" << sql->sql << "\n" << got.status().ToString();
    if (*got != expected) {
      ++failures;
      std::string diff;
      std::set<std::string> mem(expected.begin(), expected.end());
      std::set<std::string> db(got->begin(), got->end());
      for (const auto& id : mem) {
        if (!db.count(id)) diff += "  only in memory: " + Describe(batch, id) + "\n";
      }
      for (const auto& id : db) {
        if (!mem.count(id)) diff += "  only in SQLite: " + Describe(batch, id) + "\n";
      }
      ADD_FAILURE() << "round " << round << " filter: " << text << "\nSQL: " << sql->sql << "\n"
                    << diff;
    }
    if (!expected.empty()) ++nonempty;
    if (!expected.empty() && expected.size() < batch.num_rows()) ++partial;
  }
  // The generator must produce filters that actually discriminate.
  EXPECT_GT(partial, rounds / 8) << "nonempty " << nonempty;
}

}  // namespace
}  // namespace tributary
