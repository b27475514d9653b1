// Compiles a parsed filter to a boolean SQL expression for SQLite or
// PostgreSQL, with the semantics of filter_internal.h (the evaluator in
// filter_eval.cc is the reference).
//
// Safety: the SQL text is built only from fixed spellings in this file,
// column names from core/record.h and generated aliases; every literal, every
// JSON path and every count derived from the filter is a bound parameter.
//
// Three traps shape the SQL:
//  * NULL logic. A missing path or NULL column makes comparisons NULL, and
//    NOT NULL is NULL, which would drop rows that $ne/$nin/$not must keep.
//    Without NOT, NULL behaves as false through AND/OR/WHERE, so only the
//    operand of NOT is wrapped in coalesce(..., false).
//  * Evaluation order. Neither SQLite nor PostgreSQL promises to evaluate AND
//    left to right, and some functions fail on the wrong JSON type (SQLite's
//    json functions on a scalar element's unquoted text, PostgreSQL's casts
//    from jsonb). Such calls sit in the THEN branch of a CASE that checks the
//    type first.
//  * Type brackets. SQLite converts operands by column affinity ('5' = 5 on
//    an INTEGER column) and json_extract returns true as 1, so every test on
//    JSON checks json_type first, and a literal of the wrong type for a typed
//    column compiles to a constant instead of a comparison.
//
// Long AND/OR lists are emitted as balanced trees: SQLite limits expression
// depth to 1000 and a flat list of 5000 $or branches is a legal filter.
#include <functional>
#include <utility>

#include "tributary/filter/filter.h"
#include "tributary/filter/filter_internal.h"

namespace tributary {
namespace {

using Kind = FilterNode::Kind;

bool LiteralFitsColumn(Field f, const JsonValue& v) {
  return FieldTypeOf(f) == FieldType::kString ? v.is_string() : v.is_number();
}

// A number literal as a parameter. SQLite gets int64 or double, compared
// exactly with the stored INTEGER/REAL. PostgreSQL compares jsonb numbers as
// numeric, exactly in decimal; a float8 parameter would reach it through
// float8 -> numeric, which keeps 15 digits (0.30000000000000004 becomes 0.3),
// so a non-integer goes as decimal text: the literal's own token when it has
// one (integers beyond int64), else the shortest text that reads back to the
// same double, which is how the store writes metadata numbers.
SqlValue NumberParam(const JsonValue& v, bool pg) {
  FilterNumber n = ToFilterNumber(v);
  if (n.is_int) return n.i;
  if (!pg) return n.d;
  if (!v.str().empty()) return v.str();
  return JsonValue::Number(n.d).ToString();
}

std::string_view OpText(CompareOp op) {
  switch (op) {
    case CompareOp::kGt: return " > ";
    case CompareOp::kGte: return " >= ";
    case CompareOp::kLt: return " < ";
    case CompareOp::kLte: return " <= ";
  }
  return " = ";
}

// Which booleans satisfy "b <op> literal" (false < true).
void BoolsMatching(CompareOp op, bool literal, bool* want_false, bool* want_true) {
  auto holds = [&](bool b) {
    int c = static_cast<int>(b) - static_cast<int>(literal);
    switch (op) {
      case CompareOp::kGt: return c > 0;
      case CompareOp::kGte: return c >= 0;
      case CompareOp::kLt: return c < 0;
      case CompareOp::kLte: return c <= 0;
    }
    return false;
  };
  *want_false = holds(false);
  *want_true = holds(true);
}

// Appends a JSON-path label for one key. The parser refused keys with '"',
// '\' and control characters, so the quoted form spells every key exactly.
void AppendLabel(std::string_view key, std::string* path) {
  path->append(".\"");
  path->append(key);
  path->push_back('"');
}

// The literals of an equality or $in, sorted by how they compile.
struct LiteralSet {
  bool has_null = false;
  bool has_true = false;
  bool has_false = false;
  std::vector<const JsonValue*> numbers;
  std::vector<const JsonValue*> strings;
  std::vector<const JsonValue*> containers;

  explicit LiteralSet(const std::vector<JsonValue>& values) {
    for (const JsonValue& v : values) {
      switch (v.type()) {
        case JsonValue::Type::kNull: has_null = true; break;
        case JsonValue::Type::kBool: (v.bool_value() ? has_true : has_false) = true; break;
        case JsonValue::Type::kNumber: numbers.push_back(&v); break;
        case JsonValue::Type::kString: strings.push_back(&v); break;
        case JsonValue::Type::kArray:
        case JsonValue::Type::kObject: containers.push_back(&v); break;
      }
    }
  }
  bool has_scalars() const {
    return has_null || has_true || has_false || !numbers.empty() || !strings.empty();
  }
};

using Emitter = std::function<Status()>;

class SqlCompiler {
 public:
  SqlCompiler(SqlDialect dialect, int first_param)
      : pg_(dialect == SqlDialect::kPostgres), next_param_(first_param) {}

  Status Compile(const Filter& filter) {
    if (filter.root() == nullptr) {
      Constant(true);
    } else {
      TRIB_RETURN_NOT_OK(Node(*filter.root()));
    }
    if (out_.params.size() > kMaxSqlParams) {
      return Status::InvalidArgument("filter is too large to run as SQL: it needs " +
                                     std::to_string(out_.params.size()) + " parameters (limit " +
                                     std::to_string(kMaxSqlParams) + ")");
    }
    return Status::OK();
  }

  SqlFragment Take() { return std::move(out_); }

 private:
  // A place in metadata: how to spell its JSON path in the dialect.
  struct Location {
    std::string sqlite_path;  // "$."a"."b"", bound at every use
    std::string pg_expr;      // "(metadata -> $3::text -> $4::text)", params bound once
  };

  void Put(std::string_view s) { out_.sql.append(s); }
  void Constant(bool b) { Put(b ? (pg_ ? "true" : "1") : (pg_ ? "false" : "0")); }

  // Binds v and writes its placeholder: "?" for SQLite, "$n::cast" for
  // PostgreSQL (the cast fixes the parameter's type whatever the binding).
  void Param(SqlValue v, std::string_view pg_cast = {}) {
    out_.params.push_back(std::move(v));
    if (!pg_) {
      Put("?");
      return;
    }
    PutRef(next_param_++, pg_cast);
  }
  // PostgreSQL only: a parameter referenced again later by number.
  int NewPgParam(SqlValue v) {
    out_.params.push_back(std::move(v));
    return next_param_++;
  }
  void PutRef(int n, std::string_view cast) {
    Put("$");
    Put(std::to_string(n));
    if (!cast.empty()) {
      Put("::");
      Put(cast);
    }
  }
  std::string NextAlias() { return "je" + std::to_string(++aliases_); }

  // Writes items [lo, hi) joined by op as a balanced tree.
  Status Joined(size_t lo, size_t hi, std::string_view op,
                const std::function<Status(size_t)>& item) {
    if (hi - lo == 1) return item(lo);
    size_t mid = lo + (hi - lo) / 2;
    Put("(");
    TRIB_RETURN_NOT_OK(Joined(lo, mid, op, item));
    Put(op);
    TRIB_RETURN_NOT_OK(Joined(mid, hi, op, item));
    Put(")");
    return Status::OK();
  }
  Status AnyOf(const std::vector<Emitter>& parts) {
    if (parts.empty()) {
      Constant(false);
      return Status::OK();
    }
    return Joined(0, parts.size(), " OR ", [&](size_t i) { return parts[i](); });
  }

  Status Node(const FilterNode& n) {
    switch (n.kind) {
      case Kind::kTrue: Constant(true); return Status::OK();
      case Kind::kFalse: Constant(false); return Status::OK();
      case Kind::kAnd:
      case Kind::kOr:
        return Joined(0, n.children.size(), n.kind == Kind::kAnd ? " AND " : " OR ",
                      [&](size_t i) { return Node(n.children[i]); });
      case Kind::kNot:
        Put("(NOT coalesce(");
        TRIB_RETURN_NOT_OK(Node(n.children[0]));
        Put(pg_ ? ", false))" : ", 0))");
        return Status::OK();
      case Kind::kExists:
      case Kind::kEq:
      case Kind::kIn:
      case Kind::kCompare:
        if (n.path.is_column()) return ColumnPredicate(n);
        return JsonPredicate(n);
    }
    return Status::Internal("unknown filter node");
  }

  // ---- Record columns -----------------------------------------------------

  std::string_view ColumnCast(Field f, const JsonValue& v) const {
    if (FieldTypeOf(f) == FieldType::kString) return "text";
    return ToFilterNumber(v).is_int ? "bigint" : "numeric";
  }

  void ColumnParam(Field f, const JsonValue& v) {
    if (v.is_string()) {
      Param(v.str(), ColumnCast(f, v));
    } else {
      Param(NumberParam(v, pg_), ColumnCast(f, v));
    }
  }

  Status ColumnPredicate(const FilterNode& n) {
    const Field f = *n.path.column;
    const std::string_view col = FieldName(f);
    if (n.kind == Kind::kExists) {
      Put("(");
      Put(col);
      Put(" IS NOT NULL)");
      return Status::OK();
    }
    if (n.kind == Kind::kCompare) {
      const JsonValue& literal = n.values[0];
      if (!LiteralFitsColumn(f, literal)) {
        Constant(false);  // another type bracket: never matches
        return Status::OK();
      }
      Put("(");
      Put(col);
      Put(OpText(n.op));
      ColumnParam(f, literal);
      if (pg_ && literal.is_string()) Put(" COLLATE \"C\"");
      Put(")");
      return Status::OK();
    }
    // kEq / kIn
    bool has_null = false;
    std::vector<const JsonValue*> fitting;
    for (const JsonValue& v : n.values) {
      if (v.is_null()) {
        has_null = true;
      } else if (LiteralFitsColumn(f, v)) {
        fitting.push_back(&v);
      }
    }
    std::vector<Emitter> parts;
    if (has_null) {
      parts.push_back([&] {
        Put("(");
        Put(col);
        Put(" IS NULL)");
        return Status::OK();
      });
    }
    if (!fitting.empty()) {
      parts.push_back([&] {
        Put("(");
        Put(col);
        if (fitting.size() == 1) {
          Put(" = ");
          ColumnParam(f, *fitting[0]);
        } else {
          Put(" IN (");
          for (size_t i = 0; i < fitting.size(); ++i) {
            if (i) Put(", ");
            ColumnParam(f, *fitting[i]);
          }
          Put(")");
        }
        Put(")");
        return Status::OK();
      });
    }
    return AnyOf(parts);
  }

  // ---- Metadata paths -----------------------------------------------------

  Location Locate(const FieldPath& path) {
    Location loc;
    if (!pg_) {
      loc.sqlite_path = "$";
      for (const std::string& s : path.segments) AppendLabel(s, &loc.sqlite_path);
      return loc;
    }
    // -> with a text key reaches object members only (an array yields NULL),
    // matching SQLite's $."key" and the evaluator.
    loc.pg_expr = "(metadata";
    for (const std::string& s : path.segments) {
      int n = NewPgParam(s);
      loc.pg_expr += " -> $" + std::to_string(n) + "::text";
    }
    loc.pg_expr += ")";
    return loc;
  }

  // SQLite: json_<fn>(doc, ?) with the path bound.
  void SqliteJson(std::string_view fn, std::string_view doc, const std::string& path) {
    Put(fn);
    Put("(");
    Put(doc);
    Put(", ");
    Param(path);
    Put(")");
  }

  Status JsonPredicate(const FilterNode& n) {
    if (n.kind == Kind::kCompare && n.values[0].is_bool()) {
      // Decided before Locate binds the path: PostgreSQL cannot type a
      // parameter that the text never mentions.
      bool want_false = false, want_true = false;
      BoolsMatching(n.op, n.values[0].bool_value(), &want_false, &want_true);
      if (!want_false && !want_true) {
        Constant(false);
        return Status::OK();
      }
    }
    Location loc = Locate(n.path);
    switch (n.kind) {
      case Kind::kExists:
        if (pg_) {
          Put("(" + loc.pg_expr + " IS NOT NULL)");
        } else {
          Put("(");
          SqliteJson("json_type", "metadata", loc.sqlite_path);
          Put(" IS NOT NULL)");
        }
        return Status::OK();
      case Kind::kCompare: return JsonCompare(loc, n.op, n.values[0]);
      default: return JsonEquals(loc, n.values);
    }
  }

  // "the value is a scalar satisfying pred, or an array with such an element":
  // pred is written against the element alias.
  Status ScalarAny(const Location& loc, const std::function<Status(const std::string&)>& pred) {
    const std::string a = NextAlias();
    if (pg_) {
      const std::string& x = loc.pg_expr;
      Put("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(" + x +
          ") = 'array' THEN " + x + " WHEN jsonb_typeof(" + x +
          ") <> 'object' THEN jsonb_build_array(" + x + ") ELSE '[]'::jsonb END) AS " + a +
          "(v) WHERE ");
      TRIB_RETURN_NOT_OK(pred(a));
      Put(")");
      return Status::OK();
    }
    // json_each walks an array's elements, yields a scalar itself, and walks
    // an object's members, which must not count: hence the type test.
    Put("(");
    SqliteJson("json_type", "metadata", loc.sqlite_path);
    Put(" IS NOT 'object' AND EXISTS (SELECT 1 FROM json_each(metadata, ");
    Param(loc.sqlite_path);
    Put(") AS " + a + " WHERE ");
    TRIB_RETURN_NOT_OK(pred(a));
    Put("))");
    return Status::OK();
  }

  // Element tests against alias a (SQLite json_each row, PostgreSQL jsonb v).
  void ElemIsType(const std::string& a, std::string_view sqlite_types, std::string_view pg_test) {
    if (pg_) {
      Put(std::string(pg_test).replace(pg_test.find('@'), 1, a + ".v"));
    } else {
      Put(a + ".type " + std::string(sqlite_types));
    }
  }
  void ElemNull(const std::string& a) { ElemIsType(a, "= 'null'", "jsonb_typeof(@) = 'null'"); }
  void ElemBool(const std::string& a, bool want_false, bool want_true) {
    if (want_false && want_true) {
      ElemIsType(a, "IN ('true', 'false')", "jsonb_typeof(@) = 'boolean'");
    } else if (want_true) {
      ElemIsType(a, "= 'true'", "@ = 'true'::jsonb");
    } else {
      ElemIsType(a, "= 'false'", "@ = 'false'::jsonb");
    }
  }
  // a's value <op> each literal (op " IN " takes the whole list).
  void ElemValues(const std::string& a, bool numbers, std::string_view op,
                  const std::vector<const JsonValue*>& literals) {
    auto params = [&] {
      if (op == " IN ") Put("(");
      for (size_t i = 0; i < literals.size(); ++i) {
        if (i) Put(", ");
        if (numbers) {
          Param(NumberParam(*literals[i], pg_), "numeric");
        } else {
          Param(literals[i]->str(), "text");
        }
      }
      if (op == " IN ") Put(")");
    };
    if (pg_) {
      Put("CASE WHEN jsonb_typeof(" + a + ".v) = " + (numbers ? "'number'" : "'string'") +
          " THEN ");
      Put(numbers ? "(" + a + ".v)::numeric" : "(" + a + ".v #>> '{}')");
      Put(op);
      params();
      // Byte order for <, >, as in SQLite and the evaluator.
      if (!numbers && op != " IN " && op != " = ") Put(" COLLATE \"C\"");
      Put(" ELSE false END");
      return;
    }
    Put("(" + a + ".type " + (numbers ? "IN ('integer', 'real')" : "= 'text'") + " AND " + a +
        ".value");
    Put(op);
    params();
    Put(")");
  }

  Status JsonCompare(const Location& loc, CompareOp op, const JsonValue& literal) {
    if (literal.is_bool()) {
      bool want_false = false, want_true = false;
      BoolsMatching(op, literal.bool_value(), &want_false, &want_true);
      return ScalarAny(loc, [&](const std::string& a) {
        ElemBool(a, want_false, want_true);
        return Status::OK();
      });
    }
    return ScalarAny(loc, [&](const std::string& a) {
      ElemValues(a, literal.is_number(), OpText(op), {&literal});
      return Status::OK();
    });
  }

  Status JsonEquals(const Location& loc, const std::vector<JsonValue>& values) {
    const LiteralSet set(values);
    std::vector<Emitter> parts;
    if (set.has_null) {
      parts.push_back([&] {
        if (pg_) {
          Put("(" + loc.pg_expr + " IS NULL)");
        } else {
          Put("(");
          SqliteJson("json_type", "metadata", loc.sqlite_path);
          Put(" IS NULL)");
        }
        return Status::OK();
      });
    }
    if (set.has_scalars()) {
      parts.push_back([&] {
        return ScalarAny(loc, [&](const std::string& a) {
          std::vector<Emitter> tests;
          if (set.has_null)
            tests.push_back([&] {
              ElemNull(a);
              return Status::OK();
            });
          if (set.has_true || set.has_false) {
            tests.push_back([&] {
              ElemBool(a, set.has_false, set.has_true);
              return Status::OK();
            });
          }
          if (!set.numbers.empty()) {
            tests.push_back([&] {
              ElemValues(a, true, set.numbers.size() == 1 ? " = " : " IN ", set.numbers);
              return Status::OK();
            });
          }
          if (!set.strings.empty()) {
            tests.push_back([&] {
              ElemValues(a, false, set.strings.size() == 1 ? " = " : " IN ", set.strings);
              return Status::OK();
            });
          }
          return AnyOf(tests);
        });
      });
    }
    for (const JsonValue* c : set.containers) {
      parts.push_back([&, c] { return ContainerEquals(loc, *c); });
    }
    return AnyOf(parts);
  }

  // The value equals the array/object literal, or is an array with an
  // element equal to it.
  Status ContainerEquals(const Location& loc, const JsonValue& literal) {
    const std::string a = NextAlias();
    if (pg_) {
      // jsonb equality is structural: arrays ordered, objects as key sets,
      // numbers by value. The literal's compact text is a parameter.
      const int lit = NewPgParam(literal.ToString());
      const std::string l = "$" + std::to_string(lit) + "::jsonb";
      const std::string& x = loc.pg_expr;
      Put("(" + x + " = " + l + " OR EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN " +
          "jsonb_typeof(" + x + ") = 'array' THEN " + x + " ELSE '[]'::jsonb END) AS " + a +
          "(v) WHERE " + a + ".v = " + l + "))");
      return Status::OK();
    }
    const char* type = literal.is_array() ? "'array'" : "'object'";
    Put("(");
    TRIB_RETURN_NOT_OK(SqliteStructEquals("metadata", loc.sqlite_path, literal));
    Put(" OR (");
    SqliteJson("json_type", "metadata", loc.sqlite_path);
    Put(" IS 'array' AND EXISTS (SELECT 1 FROM json_each(metadata, ");
    Param(loc.sqlite_path);
    // An element's value is JSON text only when it is an array or object.
    Put(") AS " + a + " WHERE CASE WHEN " + a + ".type = " + type + " THEN ");
    TRIB_RETURN_NOT_OK(SqliteStructEquals(a + ".value", "$", literal));
    Put(" ELSE 0 END)))");
    return Status::OK();
  }

  // SQLite: the JSON at (doc, path) is structurally equal to literal.
  Status SqliteStructEquals(const std::string& doc, const std::string& path,
                            const JsonValue& literal) {
    auto type_is = [&](std::string_view test) {
      SqliteJson("json_type", doc, path);
      Put(test);
    };
    switch (literal.type()) {
      case JsonValue::Type::kNull:
        Put("(");
        type_is(" IS 'null'");
        Put(")");
        return Status::OK();
      case JsonValue::Type::kBool:
        Put("(");
        type_is(literal.bool_value() ? " IS 'true'" : " IS 'false'");
        Put(")");
        return Status::OK();
      case JsonValue::Type::kNumber:
      case JsonValue::Type::kString:
        Put("(");
        type_is(literal.is_number() ? " IN ('integer', 'real')" : " IS 'text'");
        Put(" AND ");
        SqliteJson("json_extract", doc, path);
        Put(" = ");
        if (literal.is_number()) {
          Param(NumberParam(literal, pg_));
        } else {
          Param(literal.str());
        }
        Put(")");
        return Status::OK();
      case JsonValue::Type::kArray: {
        Put("(");
        type_is(" IS 'array'");
        Put(" AND ");
        SqliteJson("json_array_length", doc, path);
        Put(" = ");
        Param(static_cast<int64_t>(literal.items().size()));
        if (!literal.items().empty()) {
          Put(" AND ");
          TRIB_RETURN_NOT_OK(Joined(0, literal.items().size(), " AND ", [&](size_t i) {
            return SqliteStructEquals(doc, path + "[" + std::to_string(i) + "]",
                                      literal.items()[i]);
          }));
        }
        Put(")");
        return Status::OK();
      }
      case JsonValue::Type::kObject: {
        Put("(");
        type_is(" IS 'object'");
        Put(" AND (SELECT count(*) FROM json_each(" + doc + ", ");
        Param(path);
        Put(")) = ");
        Param(static_cast<int64_t>(literal.members().size()));
        if (!literal.members().empty()) {
          Put(" AND ");
          TRIB_RETURN_NOT_OK(Joined(0, literal.members().size(), " AND ", [&](size_t i) {
            std::string member_path = path;
            AppendLabel(literal.members()[i].first, &member_path);
            return SqliteStructEquals(doc, member_path, literal.members()[i].second);
          }));
        }
        Put(")");
        return Status::OK();
      }
    }
    return Status::Internal("unknown JSON type");
  }

  bool pg_;
  int next_param_;
  int aliases_ = 0;
  SqlFragment out_;
};

}  // namespace

Result<SqlFragment> CompileFilterToSql(const Filter& filter, SqlDialect dialect, int first_param) {
  SqlCompiler compiler(dialect, first_param);
  TRIB_RETURN_NOT_OK(compiler.Compile(filter));
  return compiler.Take();
}

}  // namespace tributary
