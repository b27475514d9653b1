// The schema of a Parquet file as tributary reads it: the flattened
// SchemaElement list turned into leaf columns (with their definition and
// repetition levels) and top-level fields, each classified as a scalar, a
// list of primitives (3-level LIST, legacy 2-level LIST, or an unannotated
// repeated primitive), a nested shape (structs, maps, lists of lists or of
// structs; read as JSON through the node tree kept here), or a malformed
// annotation tributary refuses.
//
// Thread-safety: immutable after Build; safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/formats/parquet/thrift_io.h"

namespace tributary::parquet {

// How a leaf's values are to be understood, from its physical type and its
// LogicalType / ConvertedType annotations.
enum class ValueKind : uint8_t {
  kBool,
  kInt,        // signed integer of any width
  kUInt,       // UINT_* annotations: reinterpret as unsigned
  kFloat,
  kDouble,
  kFloat16,    // FIXED[2] FLOAT16
  kString,     // BYTE_ARRAY / FIXED, UTF-8 text (STRING, ENUM, or unannotated binary)
  kJson,       // BYTE_ARRAY JSON
  kBinary,     // BYTE_ARRAY / FIXED without text annotation (BSON, FIXED)
  kUuid,       // FIXED[16] UUID
  kDecimal,    // INT32 / INT64 / BYTE_ARRAY / FIXED with a scale
  kDate,       // INT32 days since the epoch
  kTimestamp,  // INT64 with a unit (time_unit_nanos_per below), or INT96
  kTime,       // INT32 / INT64 time of day
  kNull,       // UNKNOWN: always null
};

struct LeafColumn {
  std::vector<std::string> path;
  std::string dotted;  // "values.list.element"
  fmt::Type::type physical = fmt::Type::BOOLEAN;
  int32_t type_length = 0;
  int16_t max_def = 0;
  int16_t max_rep = 0;
  ValueKind kind = ValueKind::kBinary;
  int32_t scale = 0;              // decimals
  int64_t unit_per_second = 1;    // timestamps and times: 1000, 1000000, 1000000000
  bool is_int96 = false;
};

// One element of the schema tree. Leaves have leaf >= 0; groups have children.
struct SchemaNode {
  std::string name;
  bool required = true;
  bool repeated = false;
  bool is_list = false;  // LIST-annotated group
  bool is_map = false;   // MAP / MAP_KEY_VALUE-annotated group
  int16_t def = 0, rep = 0;  // levels including this node
  int leaf = -1;
  int first_leaf = 0, num_leaves = 0;
  std::vector<int> children;
};

struct TopField {
  enum class Shape : uint8_t { kScalar, kList, kNested, kUnsupported };
  std::string name;
  Shape shape = Shape::kScalar;
  int node = -1;             // the field's SchemaNode
  int leaf = -1;             // index of the leaf for scalars and lists
  int first_leaf = 0;        // leaves under this field: [first_leaf, first_leaf + num_leaves)
  int num_leaves = 0;
  int16_t def_present = 0;   // def >= this: the field is not null
  int16_t def_element = 0;   // lists: def >= this: an element exists
  std::string why;           // kUnsupported: what the shape is
};

class Schema {
 public:
  // Builds from the footer's schema list; errors on malformed trees.
  static Result<Schema> Build(const std::vector<fmt::SchemaElement>& elements);

  const std::vector<LeafColumn>& leaves() const { return leaves_; }
  const std::vector<TopField>& fields() const { return fields_; }
  const std::vector<SchemaNode>& nodes() const { return nodes_; }
  // For a list-shaped group (one repeated child): the node that is one
  // element of the list, which is the repeated child itself (2-level lists,
  // legacy struct elements) or its only child (3-level lists). -1 when the
  // node is not list-shaped.
  int ListElement(int node) const;

 private:
  std::vector<SchemaNode> nodes_;
  std::vector<LeafColumn> leaves_;
  std::vector<TopField> fields_;
};

// "INT64 TIMESTAMP(MICROS)", for messages.
std::string DescribeLeaf(const LeafColumn& leaf);

}  // namespace tributary::parquet
