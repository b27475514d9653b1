#include "tributary/core/record.h"

#include <algorithm>
#include <cassert>

namespace tributary {
namespace {

constexpr std::array<std::string_view, kNumFields> kNames = {
    "id",         "document_id", "values",      "content",  "metadata",
    "chunk_id",   "content_hash", "content_type", "language", "chunk_index",
    "chunk_count", "model",       "created_at",  "updated_at"};

constexpr std::array<FieldType, kNumFields> kTypes = {
    FieldType::kString,    FieldType::kString,   FieldType::kVector, FieldType::kString,
    FieldType::kJsonObject, FieldType::kString,  FieldType::kString, FieldType::kString,
    FieldType::kString,    FieldType::kInt64,    FieldType::kInt64,  FieldType::kString,
    FieldType::kTimestamp, FieldType::kTimestamp};

}  // namespace

std::string_view FieldName(Field f) { return kNames[static_cast<int>(f)]; }
FieldType FieldTypeOf(Field f) { return kTypes[static_cast<int>(f)]; }

std::optional<Field> FieldFromName(std::string_view name) {
  for (int i = 0; i < kNumFields; ++i) {
    if (kNames[i] == name) return static_cast<Field>(i);
  }
  return std::nullopt;
}

const std::array<Field, kNumFields>& AllFields() {
  static const std::array<Field, kNumFields> kAll = [] {
    std::array<Field, kNumFields> a{};
    for (int i = 0; i < kNumFields; ++i) a[i] = static_cast<Field>(i);
    return a;
  }();
  return kAll;
}

void StringColumn::Set(size_t i, std::string_view s) {
  std::string rebuilt;
  rebuilt.reserve(data_.size() + s.size());
  std::vector<uint64_t> offsets;
  offsets.reserve(offsets_.size());
  offsets.push_back(0);
  for (size_t r = 0; r < size(); ++r) {
    rebuilt.append(r == i ? s : Get(r));
    offsets.push_back(rebuilt.size());
  }
  data_.swap(rebuilt);
  offsets_.swap(offsets);
  valid_[i] = 1;
}

void RecordBatch::Clear() {
  for (StringColumn* c : {&id, &document_id, &content, &metadata, &chunk_id, &content_hash,
                          &content_type, &language, &model}) {
    c->Clear();
  }
  for (Int64Column* c : {&chunk_index, &chunk_count, &created_at, &updated_at}) c->Clear();
  values.Clear();
  origin.clear();
  raw.Clear();
}

StringColumn& RecordBatch::strings(Field f) {
  return const_cast<StringColumn&>(static_cast<const RecordBatch*>(this)->strings(f));
}

const StringColumn& RecordBatch::strings(Field f) const {
  switch (f) {
    case Field::kId: return id;
    case Field::kDocumentId: return document_id;
    case Field::kContent: return content;
    case Field::kMetadata: return metadata;
    case Field::kChunkId: return chunk_id;
    case Field::kContentHash: return content_hash;
    case Field::kContentType: return content_type;
    case Field::kLanguage: return language;
    case Field::kModel: return model;
    default: break;
  }
  assert(false && "not a string field");
  return id;
}

Int64Column& RecordBatch::ints(Field f) {
  return const_cast<Int64Column&>(static_cast<const RecordBatch*>(this)->ints(f));
}

const Int64Column& RecordBatch::ints(Field f) const {
  switch (f) {
    case Field::kChunkIndex: return chunk_index;
    case Field::kChunkCount: return chunk_count;
    case Field::kCreatedAt: return created_at;
    case Field::kUpdatedAt: return updated_at;
    default: break;
  }
  assert(false && "not an integer field");
  return chunk_index;
}

size_t RecordBatch::AppendNullRow(RowOrigin origin_in) {
  for (Field f : AllFields()) {
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject: strings(f).AppendNull(); break;
      case FieldType::kInt64:
      case FieldType::kTimestamp: ints(f).AppendNull(); break;
      case FieldType::kVector: values.AppendNull(); break;
    }
  }
  origin.push_back(origin_in);
  return origin.size() - 1;
}

void RecordBatch::PopBack() {
  for (Field f : AllFields()) {
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject: strings(f).PopBack(); break;
      case FieldType::kInt64:
      case FieldType::kTimestamp: ints(f).PopBack(); break;
      case FieldType::kVector: values.PopBack(); break;
    }
  }
  origin.pop_back();
  if (raw.size() > origin.size()) raw.PopBack();
}

void RecordBatch::AppendRowFrom(const RecordBatch& other, size_t i) {
  for (Field f : AllFields()) {
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject: {
        const StringColumn& src = other.strings(f);
        if (src.IsNull(i)) strings(f).AppendNull(); else strings(f).Append(src.Get(i));
        break;
      }
      case FieldType::kInt64:
      case FieldType::kTimestamp: {
        const Int64Column& src = other.ints(f);
        if (src.IsNull(i)) ints(f).AppendNull(); else ints(f).Append(src.Get(i));
        break;
      }
      case FieldType::kVector:
        if (other.values.IsNull(i)) values.AppendNull(); else values.Append(other.values.Get(i));
        break;
    }
  }
  origin.push_back(other.origin[i]);
  if (other.raw.size() > i) raw.Append(other.raw.Get(i));
}

void RecordBatch::ReserveLike(size_t rows) {
  const size_t have = num_rows();
  rows = std::min<size_t>(rows, 65536);
  if (have == 0 || rows <= have) return;
  // Vectors have one dimension per collection; text varies, so it gets half
  // as much again. At most 16 MiB a column: a batch of huge rows grows as it
  // must.
  auto scaled = [&](size_t n, size_t num, size_t den, size_t unit) {
    return std::min<size_t>(n / have * rows / den * num + 64, (size_t{16} << 20) / unit);
  };
  for (Field f : AllFields()) {
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject: {
        StringColumn& c = strings(f);
        c.Reserve(rows, scaled(c.arena_bytes(), 3, 2, 1));
        break;
      }
      case FieldType::kInt64:
      case FieldType::kTimestamp: ints(f).Reserve(rows); break;
      case FieldType::kVector: values.Reserve(rows, scaled(values.data().size(), 1, 1, sizeof(float))); break;
    }
  }
  if (raw.size() == have) raw.Reserve(rows, scaled(raw.arena_bytes(), 3, 2, 1));
  origin.reserve(rows);
}

size_t RecordBatch::ByteSize() const {
  size_t n = num_rows() * 64 + values.data().size() * sizeof(float) + raw.arena_bytes();
  for (Field f : AllFields()) {
    const FieldType t = FieldTypeOf(f);
    if (t == FieldType::kString || t == FieldType::kJsonObject) n += strings(f).arena_bytes();
  }
  return n;
}

}  // namespace tributary
