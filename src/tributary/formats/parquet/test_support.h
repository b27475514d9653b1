// Helpers shared by the Parquet tests and fuzz target.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/core/status.h"
#include "tributary/formats/format.h"
#include "tributary/io/random_access.h"
#include "tributary/io/stream.h"

namespace tributary::parquet::testing {

struct ReadAllResult {
  Status status;  // the first failure (open or ReadNext); reading stops there
  RecordBatch rows;
  std::vector<RowError> errors;
  int64_t records_read = 0;
};

inline ReadAllResult ReadAll(std::unique_ptr<InputStream> in, const ReadOptions& options) {
  ReadAllResult result;
  auto reader = OpenRecordReader(Format::kParquet, std::move(in), options);
  if (!reader.ok()) {
    result.status = reader.status();
    return result;
  }
  RecordBatch batch;
  for (int i = 0; i < 10'000'000; ++i) {
    const size_t errors_before = result.errors.size();
    Status st = (*reader)->ReadNext(&batch, &result.errors);
    if (!st.ok()) {
      result.status = st;
      break;
    }
    if (batch.num_rows() == 0 && result.errors.size() == errors_before) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) result.rows.AppendRowFrom(batch, r);
  }
  result.records_read = (*reader)->records_read();
  return result;
}

// Writes the batches as Parquet into *out.
inline Status WriteAll(const std::vector<const RecordBatch*>& batches, const WriteOptions& options,
                       std::string* out) {
  auto sink = MemoryOutput(out);
  auto writer = OpenRecordWriter(Format::kParquet, sink.get(), options);
  if (!writer.ok()) return writer.status();
  for (const RecordBatch* b : batches) {
    Status st = (*writer)->Write(*b);
    if (!st.ok()) return st;
  }
  Status st = (*writer)->Finish();
  if (!st.ok()) return st;
  return sink->Close();
}

}  // namespace tributary::parquet::testing
