// ParquetReader: a RecordReader over an Apache Parquet file.
//
// Opens the file through a RandomAccessFile (a plain file is read in place;
// stdin or compressed input is spooled first), reads the footer, and streams
// one row group at a time, one page per column at a time: memory is bounded
// by a page per column, never by the file. Top-level columns map to record
// fields by name (ReadOptions::mapping applies); scalar and list columns
// that match no field go to metadata as JSON. Structs, maps and nested lists
// are refused at open with the column's name, unless unknown fields are
// ignored. Encrypted files are refused.
//
// Rows go straight into the batch's columns when they can (see RowAssembly),
// with the same checks and error messages as the RowBuilder path.
//
// Thread-safety: one thread drives a reader.
#pragma once

#include <cstdint>
#include <memory>

#include "tributary/core/status.h"
#include "tributary/formats/format.h"
#include "tributary/io/random_access.h"

namespace tributary::parquet {

// How rows are assembled: kAuto appends them straight into the batch's
// columns when every column maps to a field without conversion through
// text (and no ids are generated), through the RowBuilder otherwise;
// kRowBuilder always uses the RowBuilder (tests compare the two).
enum class RowAssembly : uint8_t { kAuto, kRowBuilder };

Result<std::unique_ptr<RecordReader>> OpenParquetFileReader(std::unique_ptr<RandomAccessFile> file,
                                                            const ReadOptions& options,
                                                            RowAssembly assembly = RowAssembly::kAuto);

}  // namespace tributary::parquet
