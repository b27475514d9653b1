#include "tributary/formats/parquet/nested_reader.h"

#include "tributary/core/json.h"
#include "tributary/formats/parquet/value_convert.h"

namespace tributary::parquet {

NestedFieldReader::NestedFieldReader(const Schema* schema, const TopField* field)
    : schema_(schema), field_(field) {
  leaves_.resize(static_cast<size_t>(field->num_leaves));
  for (int i = 0; i < field->num_leaves; ++i) {
    leaves_[static_cast<size_t>(i)].leaf = &schema->leaves()[static_cast<size_t>(field->first_leaf + i)];
  }
  ranges_.resize(leaves_.size());
}

Status NestedFieldReader::Corrupt(const std::string& what) const {
  return Status::InvalidData(where_ + ": " + what);
}

Status NestedFieldReader::OpenRowGroup(const RandomAccessFile* file, const fmt::RowGroup& rg, size_t rg_index,
                                       uint64_t data_end) {
  where_ = file->name() + ": column '" + field_->name + "' in row group " + std::to_string(rg_index);
  for (size_t i = 0; i < leaves_.size(); ++i) {
    LeafState& s = leaves_[i];
    s.reader = std::make_unique<ColumnChunkReader>(
        file, s.leaf, file->name() + ": column '" + s.leaf->dotted + "' in row group " + std::to_string(rg_index));
    TRIB_RETURN_NOT_OK(s.reader->Open(rg.columns[static_cast<size_t>(field_->first_leaf) + i], data_end));
    s.e = s.v = 0;
    s.eof = false;
  }
  return Status::OK();
}

Status NestedFieldReader::Gather(LeafState* s) {
  ColumnChunkReader& r = *s->reader;
  s->entries.clear();
  s->text.clear();
  while (s->e >= r.entries()) {
    TRIB_RETURN_NOT_OK(r.NextPage(&s->eof));
    s->e = s->v = 0;
    if (s->eof) return Status::InvalidData(r.where() + ": the column ends before the row group's last row");
  }
  if (r.rep(s->e) != 0) return Status::InvalidData(r.where() + ": a row starts with a nonzero repetition level");
  const int16_t max_def = s->leaf->max_def;
  while (true) {
    Entry en;
    en.def = r.def(s->e);
    en.rep = r.rep(s->e);
    en.begin = static_cast<uint32_t>(s->text.size());
    if (en.def == max_def) AppendValueJson(*s->leaf, r, s->v++, &s->text);
    if (s->text.size() > kMaxPageBytes) return Status::InvalidData(r.where() + ": a row's value is too large");
    en.end = static_cast<uint32_t>(s->text.size());
    if (s->entries.size() >= kMaxPageEntries) {
      return Status::InvalidData(r.where() + ": a row holds more than " + std::to_string(kMaxPageEntries) + " values");
    }
    s->entries.push_back(en);
    ++s->e;
    while (s->e >= r.entries()) {
      TRIB_RETURN_NOT_OK(r.NextPage(&s->eof));
      s->e = s->v = 0;
      if (s->eof) break;
    }
    if (s->eof || r.rep(s->e) == 0) break;
  }
  return Status::OK();
}

Status NestedFieldReader::NextRow(std::string* json) {
  for (size_t i = 0; i < leaves_.size(); ++i) {
    TRIB_RETURN_NOT_OK(Gather(&leaves_[i]));
    ranges_[i] = Range{0, leaves_[i].entries.size()};
  }
  stack_.clear();
  json->clear();
  return EmitField(field_->node, json);
}

Status NestedFieldReader::SkipRows(int64_t n) {
  for (LeafState& s : leaves_) TRIB_RETURN_NOT_OK(s.reader->SkipRows(n, &s.e, &s.v));
  return Status::OK();
}

bool NestedFieldReader::KeysAreText(int key_node) const {
  const SchemaNode& k = schema_->nodes()[static_cast<size_t>(key_node)];
  if (k.leaf < 0 || k.repeated) return false;
  switch (schema_->leaves()[static_cast<size_t>(k.leaf)].kind) {
    case ValueKind::kString:
    case ValueKind::kBinary:
    case ValueKind::kUuid:
    case ValueKind::kDate:
    case ValueKind::kTimestamp:
    case ValueKind::kTime: return true;
    default: return false;
  }
}

Status NestedFieldReader::EmitField(int node, std::string* out) {
  const SchemaNode& n = schema_->nodes()[static_cast<size_t>(node)];
  if (n.repeated) {
    // An unannotated repeated field: a list of its instances.
    return EmitRepeated(node, node, false, out);
  }
  if (!n.required) {
    const size_t l = Local(n.first_leaf);
    if (n.num_leaves == 0) {
      out->append("null");
      return Status::OK();
    }
    if (ranges_[l].b >= ranges_[l].e) return Corrupt("the field's columns disagree on its shape");
    if (leaves_[l].entries[ranges_[l].b].def < n.def) {
      out->append("null");
      return Status::OK();
    }
  }
  return EmitInstance(node, out);
}

Status NestedFieldReader::EmitInstance(int node, std::string* out) {
  const auto& nodes = schema_->nodes();
  const SchemaNode& n = nodes[static_cast<size_t>(node)];
  if (n.leaf >= 0) {
    const size_t l = Local(n.leaf);
    const Range r = ranges_[l];
    if (r.b >= r.e) return Corrupt("the field's columns disagree on its shape");
    const LeafState& s = leaves_[l];
    const Entry& en = s.entries[r.b];
    if (en.def < s.leaf->max_def) {
      out->append("null");
    } else {
      out->append(s.text, en.begin, en.end - en.begin);
    }
    return Status::OK();
  }
  if (n.is_map && n.children.size() == 1) {
    const SchemaNode& kv = nodes[static_cast<size_t>(n.children[0])];
    if (kv.repeated && kv.leaf < 0 && (kv.children.size() == 1 || kv.children.size() == 2)) {
      return EmitRepeated(n.children[0], n.children[0], true, out);
    }
  }
  if (n.is_list) {
    const int element = schema_->ListElement(node);
    if (element >= 0) return EmitRepeated(n.children[0], element, false, out);
  }
  // A struct (also an unannotated group around a repeated field, as DuckDB
  // and Arrow read it).
  out->push_back('{');
  for (size_t i = 0; i < n.children.size(); ++i) {
    if (i) out->push_back(',');
    const int c = n.children[i];
    AppendJsonString(nodes[static_cast<size_t>(c)].name, out);
    out->push_back(':');
    TRIB_RETURN_NOT_OK(EmitField(c, out));
  }
  out->push_back('}');
  return Status::OK();
}

// Emits the instances of the repeated node as a JSON array (or, for maps, an
// object or an array of key/value objects). element is the node whose value
// is one item: the repeated node itself, or its only child (3-level lists).
Status NestedFieldReader::EmitRepeated(int node, int element, bool map, std::string* out) {
  const auto& nodes = schema_->nodes();
  const SchemaNode& n = nodes[static_cast<size_t>(node)];
  const bool as_object = map && KeysAreText(n.children[0]);
  const char open = as_object ? '{' : '[';
  const char close = as_object ? '}' : ']';
  if (n.num_leaves == 0) {
    out->push_back(open);
    out->push_back(close);
    return Status::OK();
  }
  const size_t first = Local(n.first_leaf);
  const size_t count = static_cast<size_t>(n.num_leaves);
  {
    const Range r = ranges_[first];
    if (r.b >= r.e) return Corrupt("the field's columns disagree on its shape");
    if (leaves_[first].entries[r.b].def < n.def) {  // an empty list
      out->push_back(open);
      out->push_back(close);
      return Status::OK();
    }
  }
  // Save the enclosing ranges; their .b serves as each leaf's cursor.
  const size_t base = stack_.size();
  for (size_t i = 0; i < count; ++i) stack_.push_back(ranges_[first + i]);
  out->push_back(open);
  bool first_item = true;
  Status st;
  while (stack_[base].b < stack_[base].e) {
    for (size_t i = 0; i < count; ++i) {
      Range& cur = stack_[base + i];
      if (cur.b >= cur.e) {
        st = Corrupt("the field's columns disagree on the length of '" + n.name + "'");
        break;
      }
      const std::vector<Entry>& en = leaves_[first + i].entries;
      size_t j = cur.b + 1;
      while (j < cur.e && en[j].rep > n.rep) ++j;
      ranges_[first + i] = Range{cur.b, j};
      cur.b = j;
    }
    if (!st.ok()) break;
    if (!first_item) out->push_back(',');
    first_item = false;
    if (map) {
      const int key = n.children[0];
      const size_t mark = out->size();
      st = EmitField(key, out);
      if (!st.ok()) break;
      if (as_object) {
        if (out->size() == mark || (*out)[mark] != '"') {
          key_scratch_.assign(*out, mark);
          out->resize(mark);
          AppendJsonString(key_scratch_, out);
        }
        out->push_back(':');
      } else {
        key_scratch_.assign(*out, mark);
        out->resize(mark);
        out->append("{\"key\":");
        out->append(key_scratch_);
        out->append(",\"value\":");
      }
      if (n.children.size() == 2) {
        st = EmitField(n.children[1], out);
      } else {
        out->append("null");
      }
      if (!st.ok()) break;
      if (!as_object) out->push_back('}');
    } else if (element == node) {
      st = EmitInstance(node, out);
    } else {
      st = EmitField(element, out);
    }
    if (!st.ok()) break;
  }
  if (st.ok()) {
    for (size_t i = 1; i < count; ++i) {
      if (stack_[base + i].b != stack_[base + i].e) {
        st = Corrupt("the field's columns disagree on the length of '" + n.name + "'");
        break;
      }
    }
  }
  for (size_t i = 0; i < count; ++i) ranges_[first + i] = stack_[base + i];
  stack_.resize(base);
  if (!st.ok()) return st;
  out->push_back(close);
  return Status::OK();
}

}  // namespace tributary::parquet
