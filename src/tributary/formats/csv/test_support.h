// Helpers shared by the CSV tests, benchmark and fuzz target.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/core/status.h"
#include "tributary/formats/csv/reader.h"
#include "tributary/formats/format.h"
#include "tributary/io/stream.h"

namespace tributary::csv::testing {

// Serves bytes it does not own in reads of at most `step` bytes (0 = all
// that is asked), so tests can put read boundaries anywhere. Unlike
// MemoryInput it never decompresses, which matters for fuzz input that starts
// like gzip. REQUIRES: data outlives the stream.
class ViewInput : public InputStream {
 public:
  explicit ViewInput(std::string_view data, size_t step = 0) : data_(data), step_(step) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    if (step_ != 0) k = std::min(k, step_);
    if (k > 0) std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t source_bytes_read() const override { return pos_; }
  int64_t source_size() const override { return static_cast<int64_t>(data_.size()); }
  const std::string& name() const override { return name_; }

 protected:
  void set_data(std::string_view data) { data_ = data; }

 private:
  std::string_view data_;
  size_t step_;
  size_t pos_ = 0;
  std::string name_ = "<string>";
};

// A ViewInput that owns its bytes.
class StringInput final : public ViewInput {
 public:
  explicit StringInput(std::string data, size_t step = 0)
      : ViewInput({}, step), owned_(std::move(data)) {
    set_data(owned_);
  }

 private:
  std::string owned_;
};

struct ReadAllResult {
  Status status;  // the first failure (Open or ReadNext); reading stops there
  RecordBatch rows;
  std::vector<RowError> errors;
  std::vector<size_t> batch_sizes;
  std::string preamble;
  int64_t records_read = 0;
};

// Reads a whole input: every good row into one batch, every error in order.
inline ReadAllResult ReadAll(std::unique_ptr<InputStream> in, const ReadOptions& options,
                             char delimiter = ',',
                             size_t block_size = CsvReader::kDefaultBlockSize) {
  ReadAllResult result;
  auto reader = CsvReader::Open(std::move(in), options, delimiter, block_size);
  if (!reader.ok()) {
    result.status = reader.status();
    return result;
  }
  result.preamble = (*reader)->RejectsPreamble();
  RecordBatch batch;
  // A reader that never ends would hang the test; no test input needs more.
  for (int i = 0; i < 10'000'000; ++i) {
    const size_t errors_before = result.errors.size();
    Status st = (*reader)->ReadNext(&batch, &result.errors);
    if (!st.ok()) {
      result.status = st;
      break;
    }
    if (batch.num_rows() == 0 && result.errors.size() == errors_before) break;
    result.batch_sizes.push_back(batch.num_rows());
    for (size_t r = 0; r < batch.num_rows(); ++r) result.rows.AppendRowFrom(batch, r);
  }
  result.records_read = (*reader)->records_read();
  return result;
}

inline ReadAllResult ReadAllText(std::string text, ReadOptions options = {}, char delimiter = ',',
                                 size_t step = 0) {
  return ReadAll(std::make_unique<StringInput>(std::move(text), step), options, delimiter);
}

// Writes batch with the CSV writer and returns the text ("" on failure, with
// *status set when given).
inline std::string WriteAll(const std::vector<const RecordBatch*>& batches, char delimiter = ',',
                            Status* status = nullptr) {
  std::string sink;
  auto out = MemoryOutput(&sink);
  auto writer = internal::OpenCsvWriter(out.get(), WriteOptions{}, delimiter);
  Status st = writer.status();
  if (st.ok()) {
    for (const RecordBatch* b : batches) {
      if (st.ok()) st = (*writer)->Write(*b);
    }
    if (st.ok()) st = (*writer)->Finish();
  }
  if (st.ok()) st = out->Close();
  if (status != nullptr) *status = st;
  return st.ok() ? sink : std::string();
}

inline std::string WriteAll(const RecordBatch& batch, char delimiter = ',') {
  return WriteAll(std::vector<const RecordBatch*>{&batch}, delimiter);
}

// Compares every field of every row (metadata unless told not to), floats
// by bit pattern. Returns "" when equal, else the first difference.
inline std::string DiffRows(const RecordBatch& a, const RecordBatch& b,
                            bool compare_metadata = true) {
  if (a.num_rows() != b.num_rows()) {
    return "row counts differ: " + std::to_string(a.num_rows()) + " vs " +
           std::to_string(b.num_rows());
  }
  for (size_t r = 0; r < a.num_rows(); ++r) {
    const std::string where = "row " + std::to_string(r) + " field ";
    for (Field f : AllFields()) {
      if (f == Field::kMetadata && !compare_metadata) continue;
      const std::string field(FieldName(f));
      switch (FieldTypeOf(f)) {
        case FieldType::kString:
        case FieldType::kJsonObject: {
          const StringColumn& x = a.strings(f);
          const StringColumn& y = b.strings(f);
          if (x.IsNull(r) != y.IsNull(r)) return where + field + ": null vs non-null";
          if (!x.IsNull(r) && x.Get(r) != y.Get(r)) {
            return where + field + ": '" + std::string(x.Get(r)) + "' vs '" +
                   std::string(y.Get(r)) + "'";
          }
          break;
        }
        case FieldType::kInt64:
        case FieldType::kTimestamp: {
          const Int64Column& x = a.ints(f);
          const Int64Column& y = b.ints(f);
          if (x.IsNull(r) != y.IsNull(r)) return where + field + ": null vs non-null";
          if (!x.IsNull(r) && x.Get(r) != y.Get(r)) {
            return where + field + ": " + std::to_string(x.Get(r)) + " vs " +
                   std::to_string(y.Get(r));
          }
          break;
        }
        case FieldType::kVector: {
          if (a.values.IsNull(r) != b.values.IsNull(r)) return where + field + ": null vs non-null";
          if (a.values.IsNull(r)) break;
          auto x = a.values.Get(r);
          auto y = b.values.Get(r);
          if (x.size() != y.size()) return where + field + ": lengths differ";
          for (size_t i = 0; i < x.size(); ++i) {
            if (std::bit_cast<uint32_t>(x[i]) != std::bit_cast<uint32_t>(y[i])) {
              return where + field + ": element " + std::to_string(i) + " bits differ";
            }
          }
          break;
        }
      }
    }
  }
  return "";
}

// Compares two reads of the same input: status, rows (with origins and raw
// text), errors, records_read and preamble. Returns "" when they agree.
inline std::string DiffReads(const ReadAllResult& a, const ReadAllResult& b) {
  if (a.status.code() != b.status.code() || a.status.message() != b.status.message()) {
    return "status: " + a.status.ToString() + " vs " + b.status.ToString();
  }
  if (std::string d = DiffRows(a.rows, b.rows); !d.empty()) return d;
  for (size_t i = 0; i < a.rows.num_rows(); ++i) {
    if (a.rows.origin[i].row != b.rows.origin[i].row ||
        a.rows.origin[i].line != b.rows.origin[i].line) {
      return "origin of row " + std::to_string(i) + " differs";
    }
  }
  if (a.rows.raw.size() != b.rows.raw.size()) return "raw sizes differ";
  for (size_t i = 0; i < a.rows.raw.size(); ++i) {
    if (a.rows.raw.Get(i) != b.rows.raw.Get(i)) return "raw of row " + std::to_string(i) + " differs";
  }
  if (a.errors.size() != b.errors.size()) {
    return "error counts differ: " + std::to_string(a.errors.size()) + " vs " +
           std::to_string(b.errors.size());
  }
  for (size_t i = 0; i < a.errors.size(); ++i) {
    const RowError& x = a.errors[i];
    const RowError& y = b.errors[i];
    if (x.origin.row != y.origin.row || x.origin.line != y.origin.line ||
        x.by_line != y.by_line || x.message != y.message || x.data_json != y.data_json ||
        x.raw != y.raw) {
      return "error " + std::to_string(i) + " differs: " + x.message + " vs " + y.message;
    }
  }
  if (a.records_read != b.records_read) return "records_read differs";
  if (a.preamble != b.preamble) return "preamble differs";
  return "";
}

}  // namespace tributary::csv::testing
