// Mongo-style filters over records: parse, evaluate in memory, compile to SQL.
//
// A filter is untrusted input (it arrives over HTTP). Parsing bounds its size
// and depth and rejects anything it does not understand with an
// InvalidArgument naming the operator or key at fault. Compiled SQL never
// contains text from the filter: every value and JSON path is a bound
// parameter.
//
// Keys: a record field name (id, document_id, content, chunk_id, content_hash,
// content_type, language, chunk_index, chunk_count, model, created_at,
// updated_at) reaches that field; "metadata.a.b" or any other key "a.b"
// reaches metadata key a, nested key b. "values" cannot be filtered.
//
// Operators: implicit equality, $eq $ne $gt $gte $lt $lte $in $nin $exists,
// $not (on a field), and $and $or $nor (top level or nested).
//
// Type semantics follow MongoDB: comparisons only match values of the same
// type bracket (numbers with numbers, strings with strings, booleans with
// booleans), so {"rating": {"$gte": 4}} does not match the string "5". An
// array-valued metadata field matches when any element matches (and equality
// to a whole array also matches). $ne / $nin / $not match records where the
// field is missing. {"k": null} matches null or missing. Timestamps compare
// with RFC 3339 strings.
//
// Choices that depart from or go beyond MongoDB (filter_internal.h has the
// exact definition that the evaluator and both SQL dialects share):
// an object literal ({"size": {"h": 14, "w": 21}}) is an exact equality that
// ignores member order; a dotted key walks nested objects only (an array on
// the way means "missing", arrays of objects are not searched); a metadata key
// holding '"', '\' or a control character cannot be named; numbers compare
// by exact value (1 == 1.0, int64 against double without rounding).
// Limits: 1 MiB of text, 32 levels of nesting, 20000 conditions and literal
// values, 10000 $in values, 32 segments per key; SQLite's compiled form may
// hold at most 32766 parameters.
//
// Thread-safety: a Filter is immutable after Parse; evaluate and compile
// concurrently at will.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tributary/core/json.h"
#include "tributary/core/record.h"
#include "tributary/core/status.h"

namespace tributary {

struct FilterNode;  // defined in filter_internal.h

class Filter {
 public:
  // An empty filter ({} or empty text) matches everything.
  static Result<Filter> Parse(std::string_view json_text);
  static Result<Filter> FromJson(const JsonValue& value);

  Filter();
  ~Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;

  bool matches_all() const;
  // Evaluates against row `row` of batch (metadata parsed from its JSON text).
  bool Matches(const RecordBatch& batch, size_t row) const;

  const FilterNode* root() const { return root_.get(); }

 private:
  std::shared_ptr<const FilterNode> root_;
};

// A bound parameter value.
using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

struct SqlFragment {
  std::string sql;               // a boolean SQL expression, e.g. "(chunk_index >= ?)"
  std::vector<SqlValue> params;  // in placeholder order
};

// The SQL spelling of each backend. Column names are the record field names;
// created_at/updated_at are INTEGER microseconds since the epoch; metadata is
// JSON text (SQLite) or jsonb (PostgreSQL).
enum class SqlDialect : uint8_t { kSqlite, kPostgres };

// Compiles filter to a WHERE expression. first_param is the number of the
// first placeholder (PostgreSQL's $n); SQLite uses '?'.
// SQLite: one '?' per entry of params, in order. PostgreSQL: params[k] is
// $(first_param + k); a placeholder may appear several times and always
// carries a cast ($3::text, $4::numeric), so untyped text-format binding
// works. Non-integer numbers go to PostgreSQL as decimal text (a float8
// parameter would lose digits on its way to numeric).
// Errors: InvalidArgument when the compiled form needs too many parameters.
Result<SqlFragment> CompileFilterToSql(const Filter& filter, SqlDialect dialect, int first_param = 1);

}  // namespace tributary
