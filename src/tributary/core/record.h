// The record model and RecordBatch, the columnar unit every layer exchanges.
//
// A record has the fields of the seed's CSV header, in this order:
//   id, document_id, values, content, metadata, chunk_id, content_hash,
//   content_type, language, chunk_index, chunk_count, model, created_at,
//   updated_at
//
// A RecordBatch holds up to a few thousand records column by column: the
// vectors of all rows lie in one contiguous float array, strings in one arena
// per column. Readers fill batches, validators check them, stores write them,
// writers drain them; nothing holds a whole file. Clear() keeps the capacity,
// so a batch reused across reads makes no per-row allocations.
//
// Thread-safety: a batch is owned by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/float_vector.h"

namespace tributary {

enum class Field : uint8_t {
  kId = 0,
  kDocumentId,
  kValues,
  kContent,
  kMetadata,
  kChunkId,
  kContentHash,
  kContentType,
  kLanguage,
  kChunkIndex,
  kChunkCount,
  kModel,
  kCreatedAt,
  kUpdatedAt,
};
inline constexpr int kNumFields = 14;

enum class FieldType : uint8_t { kString, kVector, kJsonObject, kInt64, kTimestamp };

// Name as it appears in files and filters ("document_id").
std::string_view FieldName(Field f);
FieldType FieldTypeOf(Field f);
std::optional<Field> FieldFromName(std::string_view name);
// All fields in record order.
const std::array<Field, kNumFields>& AllFields();
inline bool IsRequired(Field f) {
  return f == Field::kId || f == Field::kDocumentId || f == Field::kValues;
}

// A nullable string column stored in one arena.
class StringColumn {
 public:
  StringColumn() { offsets_.push_back(0); }

  size_t size() const { return valid_.size(); }
  void Append(std::string_view s) {
    data_.append(s);
    offsets_.push_back(data_.size());
    valid_.push_back(1);
  }
  void AppendNull() {
    offsets_.push_back(data_.size());
    valid_.push_back(0);
  }
  // Building a value piece by piece: append to arena(), then FinishValue().
  std::string& arena() { return data_; }
  void FinishValue() {
    offsets_.push_back(data_.size());
    valid_.push_back(1);
  }
  // Replaces the value of row i (rare path: used by id generation, merges).
  // Rebuilds the arena; O(bytes in column).
  void Set(size_t i, std::string_view s);

  bool IsNull(size_t i) const { return valid_[i] == 0; }
  std::string_view Get(size_t i) const {
    return std::string_view(data_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  // Removes the last appended value (used when a row is abandoned mid-parse).
  void PopBack() {
    offsets_.pop_back();
    valid_.pop_back();
    data_.resize(offsets_.back());
  }
  void Clear() {
    data_.clear();
    offsets_.resize(1);
    valid_.clear();
  }
  size_t arena_bytes() const { return data_.size(); }
  // Room for `rows` values and `bytes` of text in all, without regrowing.
  void Reserve(size_t rows, size_t bytes) {
    data_.reserve(bytes);
    offsets_.reserve(rows + 1);
    valid_.reserve(rows);
  }

 private:
  std::string data_;
  std::vector<uint64_t> offsets_;  // size() + 1 entries
  std::vector<uint8_t> valid_;
};

// A nullable int64 column. Timestamps are microseconds since the Unix epoch, UTC.
class Int64Column {
 public:
  size_t size() const { return values_.size(); }
  void Append(int64_t v) {
    values_.push_back(v);
    valid_.push_back(1);
  }
  void AppendNull() {
    values_.push_back(0);
    valid_.push_back(0);
  }
  void Set(size_t i, int64_t v) {
    values_[i] = v;
    valid_[i] = 1;
  }
  bool IsNull(size_t i) const { return valid_[i] == 0; }
  int64_t Get(size_t i) const { return values_[i]; }
  void PopBack() {
    values_.pop_back();
    valid_.pop_back();
  }
  void Clear() {
    values_.clear();
    valid_.clear();
  }
  void Reserve(size_t rows) {
    values_.reserve(rows);
    valid_.reserve(rows);
  }

 private:
  std::vector<int64_t> values_;
  std::vector<uint8_t> valid_;
};

// Variable-length float32 vectors, all in one array. A row's vector may be
// null (absent) or empty (present, zero length).
class VectorColumn {
 public:
  VectorColumn() { offsets_.push_back(0); }
  size_t size() const { return valid_.size(); }
  FloatVector& data() { return data_; }
  const FloatVector& data() const { return data_; }
  // Append floats to data(), then FinishValue().
  void FinishValue() {
    offsets_.push_back(data_.size());
    valid_.push_back(1);
  }
  void Append(std::span<const float> v) {
    AppendFloatBytes(&data_, v.data(), v.size());
    FinishValue();
  }
  void AppendNull() {
    offsets_.push_back(data_.size());
    valid_.push_back(0);
  }
  bool IsNull(size_t i) const { return valid_[i] == 0; }
  std::span<const float> Get(size_t i) const {
    return std::span<const float>(data_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  size_t Length(size_t i) const { return offsets_[i + 1] - offsets_[i]; }
  void PopBack() {
    offsets_.pop_back();
    valid_.pop_back();
    data_.resize(offsets_.back());
  }
  void Clear() {
    data_.clear();
    offsets_.resize(1);
    valid_.clear();
  }
  // Room for `rows` vectors of `floats` floats in all, without regrowing.
  void Reserve(size_t rows, size_t floats) {
    data_.reserve(floats);
    offsets_.reserve(rows + 1);
    valid_.reserve(rows);
  }

 private:
  FloatVector data_;
  std::vector<uint64_t> offsets_;
  std::vector<uint8_t> valid_;
};

// Where a row came from, for error reports, rejects files and checkpoints.
struct RowOrigin {
  int64_t row = 0;   // 1-based record number in the input (CSV: first record after header is 1)
  int64_t line = 0;  // 1-based line where the record starts; 0 when the format has no lines
};

class RecordBatch {
 public:
  size_t num_rows() const { return origin.size(); }
  void Clear();

  // REQUIRES: FieldTypeOf(f) is kString or kJsonObject.
  StringColumn& strings(Field f);
  const StringColumn& strings(Field f) const;
  // REQUIRES: FieldTypeOf(f) is kInt64 or kTimestamp.
  Int64Column& ints(Field f);
  const Int64Column& ints(Field f) const;

  // Appends a row with every field null; the caller then sets what it has.
  // Returns its index. Convenience for tests and slow paths.
  size_t AppendNullRow(RowOrigin origin_in);
  // Removes the last row from every column.
  void PopBack();
  // Appends row i of other to this batch.
  void AppendRowFrom(const RecordBatch& other, size_t i);
  // Gives every column room for `rows` rows like the ones it holds (the
  // batch holds at least one): a reader calls it after the first row of a
  // batch, so that a new batch's columns are not grown by doubling, each
  // time copying what they hold into fresh memory. Keeps what capacity the
  // columns already have.
  void ReserveLike(size_t rows);
  // About how many bytes the batch's values take (strings, vectors, raw
  // text, fixed-size columns); readers cut batches by it as well as by rows.
  size_t ByteSize() const;

  // Columns. Every column has num_rows() entries once a row is complete.
  StringColumn id, document_id, content, metadata, chunk_id, content_hash, content_type,
      language, model;
  Int64Column chunk_index, chunk_count, created_at, updated_at;
  VectorColumn values;
  std::vector<RowOrigin> origin;
  // The source text of each row, only when the reader was asked to keep it
  // (ReadOptions::keep_raw); otherwise empty.
  StringColumn raw;
};

// One rejected input record.
struct RowError {
  RowOrigin origin;
  // True when the failure is about the record's text (a JSON parse error), so
  // reports name the line; otherwise they name the row.
  bool by_line = false;
  std::string message;
  // The record as a JSON value (object for a parsed record, string for text
  // that did not parse). May be truncated for reports.
  std::string data_json;
  // The record's bytes exactly as in the input, for a rejects file.
  std::string raw;
};

}  // namespace tributary
