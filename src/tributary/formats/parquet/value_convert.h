// Turns Parquet leaf values into what the record model and JSON metadata
// hold: timestamps in microseconds UTC (INT64 in any unit, INT96), dates,
// times, decimals as exact number text, UUIDs as text, FLOAT16, unsigned
// integers, and binary data as base64.
//
// Thread-safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>

#include "tributary/core/record.h"
#include "tributary/core/status.h"
#include "tributary/formats/parquet/column_reader.h"
#include "tributary/formats/parquet/schema.h"
#include "tributary/formats/row_builder.h"

namespace tributary::parquet {

// Value v of the reader's current page as a JSON value (numbers exact where
// JSON allows; NaN and infinities as null; text that is not UTF-8 as base64).
void AppendValueJson(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v, std::string* out);

// Value v as the record field f, through the builder's typed setters.
// scratch is reused text space.
Status SetFieldValue(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v, Field f, RowBuilder* b,
                     std::string* scratch);

// Microseconds since the epoch for a TIMESTAMP or INT96 value (truncated
// toward negative infinity for nanoseconds).
int64_t TimestampMicros(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v);

// An element of a list, as a float for the record's vector; false when the
// leaf is not numeric.
inline bool ElementAsFloat(const LeafColumn& leaf, const ColumnChunkReader& r, size_t v, float* out) {
  switch (leaf.physical) {
    case fmt::Type::FLOAT: *out = r.Float(v); return true;
    case fmt::Type::DOUBLE: *out = static_cast<float>(r.Double(v)); return true;
    case fmt::Type::INT32:
    case fmt::Type::INT64:
      if (leaf.kind != ValueKind::kInt && leaf.kind != ValueKind::kUInt) return false;
      *out = leaf.kind == ValueKind::kUInt ? static_cast<float>(r.UInt(v)) : static_cast<float>(r.Int(v));
      return true;
    default: return false;
  }
}

}  // namespace tributary::parquet
