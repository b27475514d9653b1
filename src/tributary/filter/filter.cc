// Filter parsing: JSON text -> FilterNode tree.
//
// Every error is InvalidArgument and names the operator or key at fault. The
// parser never trusts the document: size, depth, node count, $in length and
// path length are bounded, and anything it does not understand is refused
// rather than ignored (an ignored condition would silently export more rows
// than the caller asked for).
#include "tributary/filter/filter.h"

#include <charconv>
#include <cmath>
#include <unordered_set>
#include <utility>

#include "tributary/core/time_util.h"
#include "tributary/filter/filter_internal.h"

namespace tributary {
namespace {

using Kind = FilterNode::Kind;

std::string_view TypeName(const JsonValue& v) {
  switch (v.type()) {
    case JsonValue::Type::kNull: return "null";
    case JsonValue::Type::kBool: return "boolean";
    case JsonValue::Type::kNumber: return "number";
    case JsonValue::Type::kString: return "string";
    case JsonValue::Type::kArray: return "array";
    case JsonValue::Type::kObject: return "object";
  }
  return "value";
}

// A key or value as shown in a message: cut short (on a UTF-8 boundary) so a
// hostile megabyte-long key does not end up in logs and HTTP responses whole.
std::string Shown(std::string_view s) {
  constexpr size_t kMax = 80;
  if (s.size() <= kMax) return std::string(s);
  size_t n = kMax;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

Status Bad(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

bool IsLogicalOperator(std::string_view op) { return op == "$and" || op == "$or" || op == "$nor"; }

bool IsFieldOperator(std::string_view op) {
  return op == "$eq" || op == "$ne" || op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte" ||
         op == "$in" || op == "$nin" || op == "$exists" || op == "$not";
}

FilterNode Constant(bool value) {
  FilterNode n;
  n.kind = value ? Kind::kTrue : Kind::kFalse;
  return n;
}

FilterNode Negate(FilterNode child) {
  if (child.kind == Kind::kTrue) return Constant(false);
  if (child.kind == Kind::kFalse) return Constant(true);
  FilterNode n;
  n.kind = Kind::kNot;
  n.children.push_back(std::move(child));
  return n;
}

// AND / OR with constant folding: {} and {"$and": [{}]} become kTrue, so
// matches_all() can tell the caller no WHERE clause is needed.
FilterNode Combine(Kind kind, std::vector<FilterNode> children) {
  const Kind absorbing = kind == Kind::kAnd ? Kind::kFalse : Kind::kTrue;
  const Kind neutral = kind == Kind::kAnd ? Kind::kTrue : Kind::kFalse;
  std::vector<FilterNode> kept;
  kept.reserve(children.size());
  for (auto& c : children) {
    if (c.kind == absorbing) return Constant(kind == Kind::kOr);
    if (c.kind == neutral) continue;
    kept.push_back(std::move(c));
  }
  if (kept.empty()) return Constant(kind == Kind::kAnd);
  if (kept.size() == 1) return std::move(kept[0]);
  FilterNode n;
  n.kind = kind;
  n.children = std::move(kept);
  return n;
}

// Path segments reach SQL as quoted JSON-path labels ($."a"."b"). SQLite
// compares a quoted label with the key's raw text in the stored JSON without
// decoding escapes (3.40) or decoding them (3.45+), and ends the label at the
// first '"' in both. A key holding '"', '\' or a control character is stored
// escaped, so no label spells it the same way in every version: refuse such
// keys instead of silently never matching them.
Status CheckSegmentChars(std::string_view segment, std::string_view what) {
  for (char ch : segment) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\' || c < 0x20) {
      return Bad(std::string(what) +
                 " cannot be filtered: keys must not contain '\"', '\\' or control characters");
    }
  }
  return Status::OK();
}

class Parser {
 public:
  Status ParseRoot(const JsonValue& root, FilterNode* out) {
    if (!root.is_object()) {
      return Bad("filter must be a JSON object (got " + std::string(TypeName(root)) + ")");
    }
    return ParseObject(root, 1, out);
  }

 private:
  Status Count(size_t n = 1) {
    nodes_ += n;
    if (nodes_ > kMaxFilterNodes) {
      return Bad("filter has too many conditions and values (limit " +
                 std::to_string(kMaxFilterNodes) + ")");
    }
    return Status::OK();
  }

  static Status CheckDepth(int depth) {
    if (depth > kMaxFilterDepth) {
      return Bad("filter nests deeper than " + std::to_string(kMaxFilterDepth) + " levels");
    }
    return Status::OK();
  }

  static Status CheckDuplicateKeys(const JsonValue& obj, std::string_view where) {
    std::unordered_set<std::string_view> seen;
    seen.reserve(obj.members().size());
    for (const auto& m : obj.members()) {
      if (!seen.insert(m.first).second) {
        return Bad("duplicate key '" + Shown(m.first) + "'" + std::string(where));
      }
    }
    return Status::OK();
  }

  // A filter object: the AND of its members. depth is the object's own level.
  Status ParseObject(const JsonValue& obj, int depth, FilterNode* out) {
    TRIB_RETURN_NOT_OK(CheckDepth(depth));
    TRIB_RETURN_NOT_OK(CheckDuplicateKeys(obj, " in filter"));
    std::vector<FilterNode> parts;
    parts.reserve(obj.members().size());
    for (const auto& [key, value] : obj.members()) {
      TRIB_RETURN_NOT_OK(Count());
      FilterNode part;
      if (!key.empty() && key[0] == '$') {
        TRIB_RETURN_NOT_OK(ParseLogical(key, value, depth, &part));
      } else {
        FieldPath path;
        TRIB_RETURN_NOT_OK(ParseKey(key, &path));
        TRIB_RETURN_NOT_OK(ParseCondition(path, value, depth + 1, &part));
      }
      parts.push_back(std::move(part));
    }
    *out = Combine(Kind::kAnd, std::move(parts));
    return Status::OK();
  }

  Status ParseLogical(const std::string& op, const JsonValue& operand, int depth, FilterNode* out) {
    if (!IsLogicalOperator(op)) {
      if (IsFieldOperator(op)) {
        return Bad("operator '" + op + "' must be used under a key, e.g. {\"rating\": {\"" + op +
                   "\": ...}}");
      }
      return Bad("unknown top-level operator '" + Shown(op) + "'");
    }
    if (!operand.is_array() || operand.items().empty()) {
      return Bad(op + " needs a non-empty array of objects");
    }
    TRIB_RETURN_NOT_OK(CheckDepth(depth + 1));
    std::vector<FilterNode> children;
    children.reserve(operand.items().size());
    for (const JsonValue& item : operand.items()) {
      if (!item.is_object()) return Bad(op + " needs a non-empty array of objects");
      FilterNode child;
      TRIB_RETURN_NOT_OK(ParseObject(item, depth + 2, &child));
      children.push_back(std::move(child));
    }
    if (op == "$and") {
      *out = Combine(Kind::kAnd, std::move(children));
    } else if (op == "$or") {
      *out = Combine(Kind::kOr, std::move(children));
    } else {
      *out = Negate(Combine(Kind::kOr, std::move(children)));
    }
    return Status::OK();
  }

  static Status ParseKey(const std::string& key, FieldPath* path) {
    path->key = key;
    if (key.empty()) return Bad("empty key in filter");
    std::string_view rest = key;
    size_t dot = key.find('.');
    std::string_view head = std::string_view(key).substr(0, dot);
    if (head == "values") {
      return Bad("key '" + Shown(key) + "' cannot be filtered (vectors are not filterable)");
    }
    if (head == "metadata") {
      if (dot == std::string::npos) {
        return Bad("key 'metadata' needs a path such as 'metadata.category'");
      }
      rest = rest.substr(dot + 1);
    } else if (auto field = FieldFromName(head)) {
      if (dot != std::string::npos) {
        return Bad("key '" + Shown(key) + "': field '" + std::string(head) +
                   "' has no sub-fields (use 'metadata." + Shown(key) + "' to reach metadata)");
      }
      path->column = *field;
      return Status::OK();
    }
    while (true) {
      size_t next = rest.find('.');
      std::string_view segment = rest.substr(0, next);
      if (segment.empty()) return Bad("key '" + Shown(key) + "' has an empty path segment");
      TRIB_RETURN_NOT_OK(CheckSegmentChars(segment, "key '" + Shown(key) + "'"));
      path->segments.emplace_back(segment);
      if (path->segments.size() > kMaxPathSegments) {
        return Bad("key '" + Shown(key) + "' has more than " + std::to_string(kMaxPathSegments) +
                   " path segments");
      }
      if (next == std::string_view::npos) break;
      rest = rest.substr(next + 1);
    }
    return Status::OK();
  }

  // The value of a key: either an operator object or a literal (implicit $eq).
  Status ParseCondition(const FieldPath& path, const JsonValue& value, int depth, FilterNode* out) {
    if (value.is_object() && HasOperatorKey(value)) {
      return ParseOperatorObject(path, value, depth, out);
    }
    return MakeEq(path, value, depth, out);
  }

  static bool HasOperatorKey(const JsonValue& obj) {
    for (const auto& m : obj.members()) {
      if (!m.first.empty() && m.first[0] == '$') return true;
    }
    return false;
  }

  // {"$gt": 1, "$lt": 5}: the AND of its operators.
  Status ParseOperatorObject(const FieldPath& path, const JsonValue& obj, int depth,
                             FilterNode* out) {
    TRIB_RETURN_NOT_OK(CheckDepth(depth));
    TRIB_RETURN_NOT_OK(CheckDuplicateKeys(obj, " at key '" + Shown(path.key) + "'"));
    std::vector<FilterNode> parts;
    for (const auto& [op, operand] : obj.members()) {
      if (op.empty() || op[0] != '$') {
        return Bad("key '" + Shown(path.key) + "' mixes operators and plain fields ('" + Shown(op) +
                   "'); use dotted keys to reach nested fields");
      }
    }
    for (const auto& [op, operand] : obj.members()) {
      TRIB_RETURN_NOT_OK(Count());
      FilterNode part;
      TRIB_RETURN_NOT_OK(ParseOperator(path, op, operand, depth + 1, &part));
      parts.push_back(std::move(part));
    }
    *out = Combine(Kind::kAnd, std::move(parts));
    return Status::OK();
  }

  Status ParseOperator(const FieldPath& path, const std::string& op, const JsonValue& operand,
                       int depth, FilterNode* out) {
    const std::string at = " at key '" + Shown(path.key) + "'";
    if (op == "$eq" || op == "$ne") {
      FilterNode eq;
      TRIB_RETURN_NOT_OK(MakeEq(path, operand, depth, &eq, op));
      *out = op == "$eq" ? std::move(eq) : Negate(std::move(eq));
      return Status::OK();
    }
    if (op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte") {
      return MakeCompare(path, op, operand, depth, out);
    }
    if (op == "$in" || op == "$nin") {
      if (!operand.is_array()) return Bad(op + at + " needs an array");
      if (operand.items().size() > kMaxInValues) {
        return Bad(op + at + " has " + std::to_string(operand.items().size()) + " values (limit " +
                   std::to_string(kMaxInValues) + ")");
      }
      TRIB_RETURN_NOT_OK(CheckDepth(depth));
      FilterNode in;
      in.kind = Kind::kIn;
      in.path = path;
      in.values.reserve(operand.items().size());
      for (const JsonValue& item : operand.items()) {
        JsonValue literal;
        TRIB_RETURN_NOT_OK(MakeLiteral(path, op, item, depth + 1, &literal));
        in.values.push_back(std::move(literal));
      }
      // An empty $in matches nothing (and $nin everything), as in MongoDB.
      if (in.values.empty()) in = Constant(false);
      *out = op == "$in" ? std::move(in) : Negate(std::move(in));
      return Status::OK();
    }
    if (op == "$exists") {
      if (!operand.is_bool()) return Bad("$exists" + at + " needs true or false");
      FilterNode exists;
      exists.kind = Kind::kExists;
      exists.path = path;
      *out = operand.bool_value() ? std::move(exists) : Negate(std::move(exists));
      return Status::OK();
    }
    if (op == "$not") {
      if (!operand.is_object() || operand.members().empty() || !HasOperatorKey(operand)) {
        return Bad("$not" + at + " needs an operator object such as {\"$gt\": 5}");
      }
      FilterNode inner;
      TRIB_RETURN_NOT_OK(ParseOperatorObject(path, operand, depth, &inner));
      *out = Negate(std::move(inner));
      return Status::OK();
    }
    if (IsLogicalOperator(op)) {
      return Bad(op + " is not allowed" + at + "; use it at the top level, e.g. {\"" + op +
                 "\": [{\"" + Shown(path.key) + "\": ...}, ...]}");
    }
    return Bad("unknown operator '" + Shown(op) + "'" + at);
  }

  Status MakeEq(const FieldPath& path, const JsonValue& value, int depth, FilterNode* out,
                std::string_view op = "$eq") {
    JsonValue literal;
    TRIB_RETURN_NOT_OK(MakeLiteral(path, op, value, depth, &literal));
    out->kind = Kind::kEq;
    out->path = path;
    out->values.clear();
    out->values.push_back(std::move(literal));
    return Status::OK();
  }

  Status MakeCompare(const FieldPath& path, const std::string& op, const JsonValue& operand,
                     int depth, FilterNode* out) {
    if (operand.is_null()) {
      // MongoDB: null sorts equal to null/missing and below everything else
      // is not comparable, so $gte/$lte null mean "is null or missing".
      if (op == "$gte" || op == "$lte") return MakeEq(path, operand, depth, out, op);
      *out = Constant(false);
      return Status::OK();
    }
    const bool timestamp = path.column && FieldTypeOf(*path.column) == FieldType::kTimestamp;
    if (!timestamp && !operand.is_number() && !operand.is_string() && !operand.is_bool()) {
      return Bad(op + " at key '" + Shown(path.key) +
                 "' needs a number, string, boolean or null (got " +
                 std::string(TypeName(operand)) + ")");
    }
    JsonValue literal;
    TRIB_RETURN_NOT_OK(MakeLiteral(path, op, operand, depth, &literal));
    out->kind = Kind::kCompare;
    out->op = op == "$gt"    ? CompareOp::kGt
              : op == "$gte" ? CompareOp::kGte
              : op == "$lt"  ? CompareOp::kLt
                             : CompareOp::kLte;
    out->path = path;
    out->values.clear();
    out->values.push_back(std::move(literal));
    return Status::OK();
  }

  // Copies a literal value, checking it and converting timestamps to micros.
  Status MakeLiteral(const FieldPath& path, std::string_view op, const JsonValue& value, int depth,
                     JsonValue* out) {
    if (path.column && FieldTypeOf(*path.column) == FieldType::kTimestamp && !value.is_null()) {
      TRIB_RETURN_NOT_OK(Count());
      if (!value.is_string()) {
        return Bad(std::string(op) + " at key '" + path.key +
                   "' needs an RFC 3339 timestamp string such as \"2024-01-01T00:00:00Z\" (got " +
                   std::string(TypeName(value)) + ")");
      }
      int64_t micros = 0;
      Status st = ParseTimestamp(value.str(), &micros);
      if (!st.ok()) {
        return Bad(std::string(op) + " at key '" + path.key + "': " + st.message());
      }
      *out = JsonValue::Int(micros);
      return Status::OK();
    }
    TRIB_RETURN_NOT_OK(CheckLiteral(path, value, depth));
    *out = value;
    return Status::OK();
  }

  Status CheckLiteral(const FieldPath& path, const JsonValue& value, int depth) {
    TRIB_RETURN_NOT_OK(CheckDepth(depth));
    TRIB_RETURN_NOT_OK(Count());
    if (value.is_number() && !std::isfinite(value.number())) {
      return Bad("number out of range at key '" + Shown(path.key) + "'");
    }
    if (value.is_array()) {
      for (const JsonValue& item : value.items()) {
        TRIB_RETURN_NOT_OK(CheckLiteral(path, item, depth + 1));
      }
    } else if (value.is_object()) {
      const std::string at = " in the object value at key '" + Shown(path.key) + "'";
      TRIB_RETURN_NOT_OK(CheckDuplicateKeys(value, at));
      for (const auto& [key, member] : value.members()) {
        if (key.empty()) return Bad("empty key" + at);
        TRIB_RETURN_NOT_OK(CheckSegmentChars(key, "key '" + Shown(key) + "'" + at));
        TRIB_RETURN_NOT_OK(CheckLiteral(path, member, depth + 1));
      }
    }
    return Status::OK();
  }

  size_t nodes_ = 0;
};

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

}  // namespace

FilterNumber ToFilterNumber(const JsonValue& v) {
  FilterNumber n;
  n.d = v.number();
  // The number's source token decides, as in SQLite: "5" is an integer,
  // "5.0" and "5e0" are reals, integers beyond int64 are reals.
  const std::string& text = v.str();
  if (!text.empty()) {
    int64_t i = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), i);
    if (res.ec == std::errc() && res.ptr == text.data() + text.size()) {
      n.is_int = true;
      n.i = i;
    }
  }
  return n;
}

namespace {

int Sign(bool less, bool greater) { return less ? -1 : (greater ? 1 : 0); }

int CompareIntDouble(int64_t i, double d) {
  // Exact, without converting i to double (which rounds beyond 2^53).
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  double t = std::trunc(d);
  int64_t ti = static_cast<int64_t>(t);
  if (i != ti) return Sign(i<ti, i> ti);
  return Sign(t<d, t> d);
}

}  // namespace

int CompareFilterNumbers(const FilterNumber& a, const FilterNumber& b) {
  if (a.is_int && b.is_int) return Sign(a.i<b.i, a.i> b.i);
  if (a.is_int) return CompareIntDouble(a.i, b.d);
  if (b.is_int) return -CompareIntDouble(b.i, a.d);
  return Sign(a.d<b.d, a.d> b.d);
}

bool FilterValuesEqual(const JsonValue& a, const JsonValue& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case JsonValue::Type::kNull: return true;
    case JsonValue::Type::kBool: return a.bool_value() == b.bool_value();
    case JsonValue::Type::kNumber:
      return CompareFilterNumbers(ToFilterNumber(a), ToFilterNumber(b)) == 0;
    case JsonValue::Type::kString: return a.str() == b.str();
    case JsonValue::Type::kArray: {
      if (a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i) {
        if (!FilterValuesEqual(a.items()[i], b.items()[i])) return false;
      }
      return true;
    }
    case JsonValue::Type::kObject: {
      // b is the literal (no duplicate keys); a may repeat a key, in which
      // case its first member is the one a path lookup finds.
      if (a.members().size() != b.members().size()) return false;
      for (const auto& [key, value] : b.members()) {
        const JsonValue* found = a.Find(key);
        if (found == nullptr || !FilterValuesEqual(*found, value)) return false;
      }
      return true;
    }
  }
  return false;
}

Filter::Filter() = default;
Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;

Result<Filter> Filter::Parse(std::string_view json_text) {
  if (json_text.size() > kMaxFilterBytes) {
    return Status::InvalidArgument("filter is too large (" + std::to_string(json_text.size()) +
                                   " bytes; limit " + std::to_string(kMaxFilterBytes) + ")");
  }
  if (IsBlank(json_text)) return Filter();
  Result<JsonValue> parsed = JsonValue::Parse(json_text);
  if (!parsed.ok()) {
    std::string_view why = parsed.status().message();
    constexpr std::string_view kPrefix = "Invalid JSON: ";
    if (why.substr(0, kPrefix.size()) == kPrefix) why.remove_prefix(kPrefix.size());
    return Status::InvalidArgument("filter is not valid JSON: " + std::string(why));
  }
  return FromJson(*parsed);
}

Result<Filter> Filter::FromJson(const JsonValue& value) {
  FilterNode root;
  Parser parser;
  TRIB_RETURN_NOT_OK(parser.ParseRoot(value, &root));
  Filter filter;
  if (root.kind != Kind::kTrue) filter.root_ = std::make_shared<const FilterNode>(std::move(root));
  return filter;
}

bool Filter::matches_all() const { return root_ == nullptr; }

}  // namespace tributary
