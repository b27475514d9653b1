// Reads one nested top-level Parquet field (a struct, a map, a list of
// structs or of lists, a repeated group) row by row as compact JSON text:
// structs become objects, maps objects keyed by their keys when the keys are
// text (otherwise arrays of {"key":..,"value":..}), lists arrays; nulls are
// kept. The field's leaves are read together, one column chunk reader each;
// for every row the entries of each leaf (levels and the value's JSON text)
// are gathered, then the value is assembled from the schema tree using the
// definition and repetition levels (Dremel record assembly).
//
// Memory: one page per leaf plus one row's entries.
// Thread-safety: one reader per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/formats/parquet/column_reader.h"
#include "tributary/formats/parquet/schema.h"
#include "tributary/formats/parquet/thrift_io.h"
#include "tributary/io/random_access.h"

namespace tributary::parquet {

class NestedFieldReader {
 public:
  NestedFieldReader(const Schema* schema, const TopField* field);

  // Opens the field's column chunks in row group rg_index.
  Status OpenRowGroup(const RandomAccessFile* file, const fmt::RowGroup& rg, size_t rg_index, uint64_t data_end);

  // Replaces *json with the next row's value ("null" when the field is null).
  Status NextRow(std::string* json);
  // Steps over n rows without assembling them.
  Status SkipRows(int64_t n);

 private:
  struct Entry {
    int16_t def, rep;
    uint32_t begin, end;  // the value's JSON text in LeafState::text (def == max_def)
  };
  struct LeafState {
    const LeafColumn* leaf = nullptr;
    std::unique_ptr<ColumnChunkReader> reader;
    size_t e = 0, v = 0;
    bool eof = false;
    std::vector<Entry> entries;  // this row's
    std::string text;
  };
  struct Range {
    size_t b, e;
  };

  Status Gather(LeafState* s);
  Status EmitInstance(int node, std::string* out);
  Status EmitField(int node, std::string* out);
  Status EmitRepeated(int node, int element, bool map, std::string* out);
  bool KeysAreText(int key_node) const;
  Status Corrupt(const std::string& what) const;
  size_t Local(int leaf) const { return static_cast<size_t>(leaf - field_->first_leaf); }

  const Schema* schema_;
  const TopField* field_;
  std::string where_;
  std::vector<LeafState> leaves_;
  std::vector<Range> ranges_;  // per leaf: the entries of the instance being emitted
  std::vector<Range> stack_;   // saved ranges of enclosing repeated nodes
  std::string key_scratch_;
};

}  // namespace tributary::parquet
