// ParquetWriter: a RecordWriter producing Apache Parquet files.
//
// Schema, in record order: strings as optional BYTE_ARRAY STRING (UTF8),
// metadata as BYTE_ARRAY JSON, the vector as
//   optional group values (LIST) { repeated group list { required float element; } }
// integers as INT64 INTEGER(64, signed), timestamps as INT64
// TIMESTAMP(MICROS, UTC); LogicalType and ConvertedType are both set.
// Pages are data page v1 with RLE levels, cut at row boundaries once they
// reach about 1 MiB; a row group is closed when its buffered pages reach
// WriteOptions::parquet_row_group_bytes, so memory is bounded by one row
// group's compressed pages. Column statistics: min/max (NaN excluded;
// strings only when short) and null_count. The output is written strictly
// in order, so any OutputStream works.
//
// Thread-safety: one thread drives a writer.
#pragma once

#include <memory>

#include "tributary/formats/format.h"

namespace tributary::parquet {

// Target size of a data page before compression.
inline constexpr size_t kTargetPageBytes = 1u << 20;

}  // namespace tributary::parquet
