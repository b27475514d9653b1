// The parsed form of a Filter, shared by the parser (filter.cc), the in-memory
// evaluator (filter_eval.cc) and the SQL compiler (filter_sql.cc). Not part of
// the public API: other layers hold a Filter and call its methods.
//
// The tree is normalised so that evaluator and compiler share one small set of
// node kinds: $ne is NOT(eq), $nin is NOT(in), $not is NOT(and of its
// operators), $nor is NOT(or), $exists false is NOT(exists), and a comparison
// against null is folded the MongoDB way ($gte/$lte null mean "eq null",
// $gt/$lt null match nothing). Timestamp literals are already converted to
// integer microseconds.
//
// Thread-safety: nodes are immutable once parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/json.h"
#include "tributary/core/record.h"

namespace tributary {

// Limits on untrusted filters. A filter over any of them is refused with
// InvalidArgument before anything is evaluated or compiled.
inline constexpr size_t kMaxFilterBytes = size_t{1} << 20;
// JSON nesting of the filter document (objects and arrays, the root is 1).
inline constexpr int kMaxFilterDepth = 32;
// Conditions plus literal values (each scalar inside a literal counts).
inline constexpr size_t kMaxFilterNodes = 20000;
inline constexpr size_t kMaxInValues = 10000;
// Segments in one dotted key.
inline constexpr size_t kMaxPathSegments = 32;
// SQLite's default SQLITE_MAX_VARIABLE_NUMBER; PostgreSQL allows more.
inline constexpr size_t kMaxSqlParams = 32766;

// What a key reaches: a top-level record column or a path inside metadata.
struct FieldPath {
  // Set for a record column (never kValues or kMetadata).
  std::optional<Field> column;
  // For metadata: the keys from the outermost in. Each segment is non-empty
  // and free of '"', '\\' and control characters (see filter.cc for why).
  std::vector<std::string> segments;
  // The key as written in the filter, for messages.
  std::string key;

  bool is_column() const { return column.has_value(); }
};

enum class CompareOp : uint8_t { kGt, kGte, kLt, kLte };

struct FilterNode {
  enum class Kind : uint8_t {
    kTrue,
    kFalse,
    kAnd,      // children
    kOr,       // children
    kNot,      // children[0]
    kEq,       // path equals values[0] (MongoDB equality, see below)
    kIn,       // path equals any of values
    kCompare,  // path <op> values[0]; values[0] is a number, string or bool
    kExists,   // path is present (a JSON null is present)
  };

  Kind kind = Kind::kTrue;
  CompareOp op = CompareOp::kGt;
  FieldPath path;
  std::vector<JsonValue> values;
  std::vector<FilterNode> children;
};

// Equality, the definition the evaluator and both SQL dialects implement:
//   value V at the path (absent when the path is missing or the column NULL)
//   equals a literal L when
//     L is null:        V is absent, or V is null, or V is an array with a
//                       null element;
//     L is a scalar:    V is that scalar (same type bracket; numbers by exact
//                       value, so 1 == 1.0), or V is an array with such an
//                       element;
//     L is an array or object: V is structurally equal to L, or V is an array
//                       with an element structurally equal to L. Arrays are
//                       ordered; objects compare as key sets (member order is
//                       ignored, as JSON and jsonb do) with the first member
//                       of a key winning.
// A comparison V <op> L holds when V is a scalar of L's bracket and V <op> L,
// or V is an array with such an element. Strings compare byte-wise, booleans
// false < true, numbers by exact value (int64 against double without
// rounding, as SQLite does).

// A JSON number as SQLite sees it: an int64 when its token is an integer that
// fits, otherwise a double.
struct FilterNumber {
  bool is_int = false;
  int64_t i = 0;
  double d = 0;
};
FilterNumber ToFilterNumber(const JsonValue& v);  // REQUIRES: v.is_number()
// -1, 0, 1. Exact across int64 and double.
int CompareFilterNumbers(const FilterNumber& a, const FilterNumber& b);

// Structural equality as defined above. Both values are JSON values.
bool FilterValuesEqual(const JsonValue& a, const JsonValue& b);

}  // namespace tributary
