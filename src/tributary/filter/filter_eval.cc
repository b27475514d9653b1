// In-memory evaluation of a parsed filter against one row of a RecordBatch.
//
// This is the reference for the semantics in filter_internal.h; the SQL
// compiler must agree with it row for row (filter_agreement_test.cc checks).
// Correctness over speed: a row's metadata is parsed once per call when the
// filter reaches into it, and nothing is cached across rows.
#include <optional>

#include "tributary/filter/filter.h"
#include "tributary/filter/filter_internal.h"

namespace tributary {
namespace {

using Kind = FilterNode::Kind;

bool IsScalar(const JsonValue& v) { return !v.is_array() && !v.is_object(); }

// True when v is a scalar satisfying pred, or an array with a scalar element
// satisfying it. Objects never do.
template <typename Pred>
bool ScalarAny(const JsonValue* v, Pred pred) {
  if (v == nullptr || v->is_object()) return false;
  if (!v->is_array()) return pred(*v);
  for (const JsonValue& e : v->items()) {
    if (IsScalar(e) && pred(e)) return true;
  }
  return false;
}

bool EqualsLiteral(const JsonValue* v, const JsonValue& literal) {
  if (literal.is_null()) {
    return v == nullptr || ScalarAny(v, [](const JsonValue& e) { return e.is_null(); });
  }
  if (IsScalar(literal)) {
    return ScalarAny(v, [&](const JsonValue& e) { return FilterValuesEqual(e, literal); });
  }
  if (v == nullptr) return false;
  if (FilterValuesEqual(*v, literal)) return true;
  if (v->is_array()) {
    for (const JsonValue& e : v->items()) {
      if (FilterValuesEqual(e, literal)) return true;
    }
  }
  return false;
}

// -1/0/1 when a and b are in the same type bracket, nullopt otherwise.
std::optional<int> CompareScalars(const JsonValue& a, const JsonValue& b) {
  if (a.is_number() && b.is_number()) {
    return CompareFilterNumbers(ToFilterNumber(a), ToFilterNumber(b));
  }
  if (a.is_string() && b.is_string()) {
    int c = a.str().compare(b.str());  // byte-wise, like SQLite's BINARY collation
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_bool() && b.is_bool()) return static_cast<int>(a.bool_value()) - b.bool_value();
  return std::nullopt;
}

bool Holds(CompareOp op, int c) {
  switch (op) {
    case CompareOp::kGt: return c > 0;
    case CompareOp::kGte: return c >= 0;
    case CompareOp::kLt: return c < 0;
    case CompareOp::kLte: return c <= 0;
  }
  return false;
}

class Evaluator {
 public:
  Evaluator(const RecordBatch& batch, size_t row) : batch_(batch), row_(row) {}

  bool Eval(const FilterNode& n) {
    switch (n.kind) {
      case Kind::kTrue: return true;
      case Kind::kFalse: return false;
      case Kind::kAnd:
        for (const FilterNode& c : n.children) {
          if (!Eval(c)) return false;
        }
        return true;
      case Kind::kOr:
        for (const FilterNode& c : n.children) {
          if (Eval(c)) return true;
        }
        return false;
      case Kind::kNot: return !Eval(n.children[0]);
      case Kind::kExists: {
        JsonValue holder;
        return Lookup(n.path, &holder) != nullptr;
      }
      case Kind::kEq:
      case Kind::kIn: {
        JsonValue holder;
        const JsonValue* v = Lookup(n.path, &holder);
        for (const JsonValue& literal : n.values) {
          if (EqualsLiteral(v, literal)) return true;
        }
        return false;
      }
      case Kind::kCompare: {
        JsonValue holder;
        const JsonValue* v = Lookup(n.path, &holder);
        const JsonValue& literal = n.values[0];
        return ScalarAny(v, [&](const JsonValue& e) {
          std::optional<int> c = CompareScalars(e, literal);
          return c.has_value() && Holds(n.op, *c);
        });
      }
    }
    return false;
  }

 private:
  // The value at path, or nullptr when absent. Column values are copied into
  // *holder so both kinds of field go through the same comparisons.
  const JsonValue* Lookup(const FieldPath& path, JsonValue* holder) {
    if (path.column) {
      Field f = *path.column;
      switch (FieldTypeOf(f)) {
        case FieldType::kString: {
          const StringColumn& col = batch_.strings(f);
          if (col.IsNull(row_)) return nullptr;
          *holder = JsonValue::String(std::string(col.Get(row_)));
          return holder;
        }
        case FieldType::kInt64:
        case FieldType::kTimestamp: {
          const Int64Column& col = batch_.ints(f);
          if (col.IsNull(row_)) return nullptr;
          *holder = JsonValue::Int(col.Get(row_));
          return holder;
        }
        case FieldType::kVector:
        case FieldType::kJsonObject: return nullptr;  // refused by the parser
      }
      return nullptr;
    }
    const JsonValue* v = Metadata();
    for (const std::string& segment : path.segments) {
      if (v == nullptr || !v->is_object()) return nullptr;
      v = v->Find(segment);  // the first member of a repeated key, as SQLite
    }
    return v;
  }

  // The row's metadata, parsed on first use. NULL metadata, and text that is
  // not JSON (stores only hold canonical objects, so this is a reader's
  // batch at worst), read as an empty object: every path is missing.
  const JsonValue* Metadata() {
    if (!metadata_loaded_) {
      metadata_loaded_ = true;
      if (!batch_.metadata.IsNull(row_)) {
        Result<JsonValue> parsed = JsonValue::Parse(batch_.metadata.Get(row_));
        if (parsed.ok()) metadata_ = std::move(parsed).value();
      }
    }
    return metadata_ ? &*metadata_ : nullptr;
  }

  const RecordBatch& batch_;
  size_t row_;
  bool metadata_loaded_ = false;
  std::optional<JsonValue> metadata_;
};

}  // namespace

bool Filter::Matches(const RecordBatch& batch, size_t row) const {
  if (root_ == nullptr) return true;
  Evaluator evaluator(batch, row);
  return evaluator.Eval(*root_);
}

}  // namespace tributary
