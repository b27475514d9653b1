#include "tributary/formats/parquet/schema.h"

namespace tributary::parquet {
namespace {

using fmt::ConvertedType;
using fmt::FieldRepetitionType;
using fmt::Type;

struct Node {
  const fmt::SchemaElement* el = nullptr;
  std::vector<int> children;
  int16_t def = 0, rep = 0;  // levels including this node
  int first_leaf = 0, num_leaves = 0;
};

constexpr int kMaxDepth = 64;

bool IsRepeated(const fmt::SchemaElement& e) {
  return e.__isset.repetition_type && e.repetition_type == FieldRepetitionType::REPEATED;
}
bool IsRequired(const fmt::SchemaElement& e) {
  return !e.__isset.repetition_type || e.repetition_type == FieldRepetitionType::REQUIRED;
}
bool IsGroup(const fmt::SchemaElement& e) { return e.__isset.num_children && e.num_children > 0; }
bool IsListAnnotated(const fmt::SchemaElement& e) {
  return (e.__isset.converted_type && e.converted_type == ConvertedType::LIST) ||
         (e.__isset.logicalType && e.logicalType.__isset.LIST);
}
bool IsMapAnnotated(const fmt::SchemaElement& e) {
  return (e.__isset.converted_type &&
          (e.converted_type == ConvertedType::MAP || e.converted_type == ConvertedType::MAP_KEY_VALUE)) ||
         (e.__isset.logicalType && e.logicalType.__isset.MAP);
}

int64_t UnitPerSecond(const fmt::TimeUnit& u) {
  if (u.__isset.MILLIS) return 1000;
  if (u.__isset.NANOS) return 1000000000;
  return 1000000;
}

Status Classify(const fmt::SchemaElement& e, LeafColumn* leaf) {
  leaf->physical = e.type;
  leaf->type_length = e.__isset.type_length ? e.type_length : 0;
  const auto t = e.type;
  if (t == Type::FIXED_LEN_BYTE_ARRAY && (leaf->type_length <= 0 || leaf->type_length > (1 << 20))) {
    return Status::InvalidData("column " + leaf->dotted + ": FIXED_LEN_BYTE_ARRAY with bad length " +
                               std::to_string(leaf->type_length));
  }
  // Defaults by physical type.
  switch (t) {
    case Type::BOOLEAN: leaf->kind = ValueKind::kBool; break;
    case Type::INT32:
    case Type::INT64: leaf->kind = ValueKind::kInt; break;
    case Type::INT96:
      leaf->kind = ValueKind::kTimestamp;
      leaf->is_int96 = true;
      leaf->unit_per_second = 1000000000;
      return Status::OK();
    case Type::FLOAT: leaf->kind = ValueKind::kFloat; break;
    case Type::DOUBLE: leaf->kind = ValueKind::kDouble; break;
    case Type::BYTE_ARRAY: leaf->kind = ValueKind::kString; break;
    case Type::FIXED_LEN_BYTE_ARRAY: leaf->kind = ValueKind::kBinary; break;
    default:
      return Status::InvalidData("column " + leaf->dotted + ": unknown physical type " + std::to_string(t));
  }
  const bool is_int = t == Type::INT32 || t == Type::INT64;
  const bool is_bytes = t == Type::BYTE_ARRAY || t == Type::FIXED_LEN_BYTE_ARRAY;
  if (e.__isset.logicalType) {
    const auto& lt = e.logicalType;
    if (lt.__isset.STRING || lt.__isset.ENUM) {
      if (is_bytes) leaf->kind = ValueKind::kString;
    } else if (lt.__isset.JSON) {
      if (is_bytes) leaf->kind = ValueKind::kJson;
    } else if (lt.__isset.BSON) {
      if (is_bytes) leaf->kind = ValueKind::kBinary;
    } else if (lt.__isset.UUID) {
      if (t == Type::FIXED_LEN_BYTE_ARRAY && leaf->type_length == 16) leaf->kind = ValueKind::kUuid;
    } else if (lt.__isset.FLOAT16) {
      if (t == Type::FIXED_LEN_BYTE_ARRAY && leaf->type_length == 2) leaf->kind = ValueKind::kFloat16;
    } else if (lt.__isset.DECIMAL) {
      if (is_int || is_bytes) {
        leaf->kind = ValueKind::kDecimal;
        leaf->scale = lt.DECIMAL.scale;
      }
    } else if (lt.__isset.DATE) {
      if (t == Type::INT32) leaf->kind = ValueKind::kDate;
    } else if (lt.__isset.TIMESTAMP) {
      if (t == Type::INT64) {
        leaf->kind = ValueKind::kTimestamp;
        leaf->unit_per_second = UnitPerSecond(lt.TIMESTAMP.unit);
      }
    } else if (lt.__isset.TIME) {
      if (is_int) {
        leaf->kind = ValueKind::kTime;
        leaf->unit_per_second = UnitPerSecond(lt.TIME.unit);
      }
    } else if (lt.__isset.INTEGER) {
      if (is_int) leaf->kind = lt.INTEGER.isSigned ? ValueKind::kInt : ValueKind::kUInt;
    } else if (lt.__isset.UNKNOWN) {
      leaf->kind = ValueKind::kNull;
    }
    if (leaf->scale < 0 || leaf->scale > 76) {
      return Status::InvalidData("column " + leaf->dotted + ": decimal scale out of range");
    }
    return Status::OK();
  }
  if (e.__isset.converted_type) {
    switch (e.converted_type) {
      case ConvertedType::UTF8:
      case ConvertedType::ENUM:
        if (is_bytes) leaf->kind = ValueKind::kString;
        break;
      case ConvertedType::JSON:
        if (is_bytes) leaf->kind = ValueKind::kJson;
        break;
      case ConvertedType::BSON:
        if (is_bytes) leaf->kind = ValueKind::kBinary;
        break;
      case ConvertedType::DECIMAL:
        if (is_int || is_bytes) {
          leaf->kind = ValueKind::kDecimal;
          leaf->scale = e.__isset.scale ? e.scale : 0;
        }
        break;
      case ConvertedType::DATE:
        if (t == Type::INT32) leaf->kind = ValueKind::kDate;
        break;
      case ConvertedType::TIMESTAMP_MILLIS:
      case ConvertedType::TIMESTAMP_MICROS:
        if (t == Type::INT64) {
          leaf->kind = ValueKind::kTimestamp;
          leaf->unit_per_second = e.converted_type == ConvertedType::TIMESTAMP_MILLIS ? 1000 : 1000000;
        }
        break;
      case ConvertedType::TIME_MILLIS:
      case ConvertedType::TIME_MICROS:
        if (is_int) {
          leaf->kind = ValueKind::kTime;
          leaf->unit_per_second = e.converted_type == ConvertedType::TIME_MILLIS ? 1000 : 1000000;
        }
        break;
      case ConvertedType::UINT_8:
      case ConvertedType::UINT_16:
      case ConvertedType::UINT_32:
      case ConvertedType::UINT_64:
        if (is_int) leaf->kind = ValueKind::kUInt;
        break;
      default: break;
    }
  }
  if (leaf->scale < 0 || leaf->scale > 76) {
    return Status::InvalidData("column " + leaf->dotted + ": decimal scale out of range");
  }
  return Status::OK();
}

}  // namespace

Result<Schema> Schema::Build(const std::vector<fmt::SchemaElement>& el) {
  if (el.empty()) return Status::InvalidData("the file's schema is empty");
  if (!IsGroup(el[0]) && el.size() > 1) return Status::InvalidData("the schema's root is not a group");
  std::vector<Node> nodes(el.size());
  Schema s;
  // Iterative pre-order walk over the flattened tree.
  struct Frame {
    int node;
    int remaining;
  };
  std::vector<Frame> stack;
  nodes[0].el = &el[0];
  stack.push_back({0, IsGroup(el[0]) ? el[0].num_children : 0});
  size_t next = 1;
  std::vector<std::string> path;
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.remaining == 0) {
      Node& done = nodes[top.node];
      done.num_leaves = static_cast<int>(s.leaves_.size()) - done.first_leaf;
      stack.pop_back();
      if (!path.empty() && !stack.empty()) path.pop_back();
      continue;
    }
    --top.remaining;
    if (next >= el.size()) return Status::InvalidData("the file's schema has fewer elements than its groups claim");
    if (stack.size() > kMaxDepth) return Status::InvalidData("the file's schema is nested too deeply");
    const int idx = static_cast<int>(next++);
    const fmt::SchemaElement& e = el[idx];
    Node& parent = nodes[top.node];
    Node& n = nodes[idx];
    n.el = &e;
    n.def = static_cast<int16_t>(parent.def + (IsRequired(e) ? 0 : 1));
    n.rep = static_cast<int16_t>(parent.rep + (IsRepeated(e) ? 1 : 0));
    n.first_leaf = static_cast<int>(s.leaves_.size());
    parent.children.push_back(idx);
    path.push_back(e.name);
    if (IsGroup(e)) {
      if (e.num_children > static_cast<int32_t>(el.size())) {
        return Status::InvalidData("schema element '" + e.name + "' claims too many children");
      }
      stack.push_back({idx, e.num_children});
    } else {
      if (!e.__isset.type) return Status::InvalidData("schema element '" + e.name + "' has neither a type nor children");
      LeafColumn leaf;
      leaf.path = path;
      for (size_t k = 0; k < path.size(); ++k) {
        if (k) leaf.dotted += '.';
        leaf.dotted += path[k];
      }
      leaf.max_def = n.def;
      leaf.max_rep = n.rep;
      TRIB_RETURN_NOT_OK(Classify(e, &leaf));
      s.leaves_.push_back(std::move(leaf));
      n.num_leaves = 1;
      path.pop_back();
    }
  }
  if (next != el.size()) return Status::InvalidData("the file's schema has elements outside its root");

  s.nodes_.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    SchemaNode& out = s.nodes_[i];
    out.name = n.el->name;
    out.required = i == 0 || IsRequired(*n.el);
    out.repeated = i != 0 && IsRepeated(*n.el);
    out.def = n.def;
    out.rep = n.rep;
    out.first_leaf = n.first_leaf;
    out.num_leaves = n.num_leaves;
    out.children = n.children;
    if (IsGroup(*n.el)) {
      out.is_map = IsMapAnnotated(*n.el);
      out.is_list = !out.is_map && IsListAnnotated(*n.el);
    } else {
      out.leaf = n.first_leaf;
    }
  }

  for (int c : nodes[0].children) {
    const Node& n = nodes[c];
    const fmt::SchemaElement& e = *n.el;
    TopField f;
    f.name = e.name;
    f.node = c;
    f.first_leaf = n.first_leaf;
    f.num_leaves = n.num_leaves;
    f.def_present = n.def;
    if (!IsGroup(e)) {
      f.leaf = n.first_leaf;
      if (IsRepeated(e)) {
        // An unannotated repeated primitive: a list that is never null.
        f.shape = TopField::Shape::kList;
        f.def_present = 0;
        f.def_element = n.def;
      } else {
        f.shape = TopField::Shape::kScalar;
        f.def_present = n.def;
      }
    } else if (IsMapAnnotated(e)) {
      f.shape = TopField::Shape::kNested;
      f.why = "a map";
    } else if (IsRepeated(e)) {
      f.shape = TopField::Shape::kNested;
      f.why = "a repeated group";
    } else if (IsListAnnotated(e) || (n.children.size() == 1 && IsRepeated(*nodes[n.children[0]].el))) {
      f.def_present = n.def;
      const int element = s.ListElement(c);
      if (element < 0) {
        f.shape = TopField::Shape::kNested;
        f.why = "a LIST whose child is not a single repeated field";
      } else {
        f.def_element = nodes[n.children[0]].def;
        if (IsGroup(*nodes[element].el) || nodes[element].rep != 1) {
          f.shape = TopField::Shape::kNested;
          f.why = "a list of structs or of lists";
        } else {
          f.shape = TopField::Shape::kList;
          f.leaf = nodes[element].first_leaf;
        }
      }
    } else {
      f.shape = TopField::Shape::kNested;
      f.why = "a struct";
    }
    s.fields_.push_back(std::move(f));
  }
  return s;
}

int Schema::ListElement(int node) const {
  const SchemaNode& n = nodes_[static_cast<size_t>(node)];
  if (n.leaf >= 0 || n.children.size() != 1) return -1;
  const int r = n.children[0];
  const SchemaNode& rn = nodes_[static_cast<size_t>(r)];
  if (!rn.repeated) return -1;
  if (rn.leaf >= 0) return r;  // 2-level list of primitives
  // Backward-compatibility rules of the format: a repeated group with one
  // child named "array" or "<list>_tuple" is itself the element (a struct).
  if (rn.children.size() == 1 && rn.name != "array" && rn.name != n.name + "_tuple") return rn.children[0];
  return r;
}

std::string DescribeLeaf(const LeafColumn& leaf) {
  static const char* kTypes[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
                                 "FIXED_LEN_BYTE_ARRAY"};
  std::string s = leaf.physical >= 0 && leaf.physical <= 7 ? kTypes[leaf.physical] : "?";
  switch (leaf.kind) {
    case ValueKind::kString: if (leaf.physical == fmt::Type::BYTE_ARRAY) s += " STRING"; break;
    case ValueKind::kJson: s += " JSON"; break;
    case ValueKind::kUInt: s += " UNSIGNED"; break;
    case ValueKind::kDecimal: s += " DECIMAL"; break;
    case ValueKind::kDate: s += " DATE"; break;
    case ValueKind::kTimestamp: if (!leaf.is_int96) s += " TIMESTAMP"; break;
    case ValueKind::kTime: s += " TIME"; break;
    case ValueKind::kUuid: s += " UUID"; break;
    case ValueKind::kFloat16: s += " FLOAT16"; break;
    default: break;
  }
  return s;
}

}  // namespace tributary::parquet
