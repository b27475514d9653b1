#include "tributary/formats/parquet/reader.h"

#include <array>
#include <cstring>
#include <optional>
#include <span>
#include <thread>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tributary/core/json.h"
#include "tributary/formats/parquet/column_reader.h"
#include "tributary/formats/parquet/nested_reader.h"
#include "tributary/formats/parquet/schema.h"
#include "tributary/formats/parquet/thrift_io.h"
#include "tributary/formats/parquet/value_convert.h"
#include "tributary/formats/row_builder.h"

namespace tributary::parquet {
namespace {

constexpr size_t kMaxFooterBytes = 256u << 20;

// From entry e, the end of the run of entries that continue the current row
// with a present element (definition level max_def, repetition level not 0).
size_t ElementRunEnd(const int16_t* defs, const int16_t* reps, size_t e, size_t n, int16_t max_def) {
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128(), md = _mm_set1_epi16(max_def), ones = _mm_set1_epi16(-1);
  while (e + 8 <= n) {
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(defs + e));
    const __m128i r = _mm_loadu_si128(reinterpret_cast<const __m128i*>(reps + e));
    const __m128i stop = _mm_or_si128(_mm_cmpeq_epi16(r, zero), _mm_xor_si128(_mm_cmpeq_epi16(d, md), ones));
    const int mask = _mm_movemask_epi8(stop);
    if (mask != 0) return e + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask))) / 2;
    e += 8;
  }
#endif
  while (e < n && defs[e] == max_def && reps[e] != 0) ++e;
  return e;
}

// How a field's values go into the batch when rows are built directly.
enum class Direct : uint8_t {
  kNone,            // through the RowBuilder
  kString,          // text column -> string field
  kMetadata,        // text column -> metadata (checked and made compact)
  kNestedMetadata,  // struct or map -> metadata
  kInt,             // integer column -> integer field
  kTimestamp,       // timestamp column -> timestamp field
  kVector,          // list of numbers -> values
};

struct FieldPlan {
  const TopField* top = nullptr;
  const LeafColumn* leaf = nullptr;
  RowBuilder::Target target;
  bool as_vector = false;  // a list filling the record's vector
  Direct direct = Direct::kNone;
  std::unique_ptr<ColumnChunkReader> reader;
  std::unique_ptr<NestedFieldReader> nested;  // kNested fields
  size_t e = 0;  // next level entry in the current page
  size_t v = 0;  // next value in the current page
  bool eof = false;
};

class ParquetReader final : public RecordReader {
 public:
  ParquetReader(std::unique_ptr<RandomAccessFile> file, const ReadOptions& options, RowAssembly assembly)
      : file_(std::move(file)), options_(options), assembly_(assembly) {}

  Status Open();

  Status ReadNext(RecordBatch* batch, std::vector<RowError>* errors) override {
    batch->Clear();
    return ReadRows(batch, errors, options_.rows_per_batch());
  }

  Status SkipRecords(int64_t n) override {
    while (n > 0) {
      if (rg_rows_left_ == 0) {
        // Whole row groups are skipped without reading them.
        while (next_rg_ < meta_.row_groups.size() && meta_.row_groups[next_rg_].num_rows <= n) {
          n -= meta_.row_groups[next_rg_].num_rows;
          records_read_ += meta_.row_groups[next_rg_].num_rows;
          bytes_done_ += RowGroupBytes(next_rg_);
          ++next_rg_;
        }
        if (n == 0 || next_rg_ >= meta_.row_groups.size()) return Status::OK();
      }
      if (rg_rows_left_ == 0) TRIB_RETURN_NOT_OK(OpenRowGroup(next_rg_++));
      // Inside a row group: every column steps over the rows, skipping
      // whole pages where their headers allow, without building records.
      const int64_t k = std::min(n, rg_rows_left_);
      for (FieldPlan& p : plans_) {
        if (p.nested) {
          TRIB_RETURN_NOT_OK(p.nested->SkipRows(k));
        } else {
          TRIB_RETURN_NOT_OK(p.reader->SkipRows(k, &p.e, &p.v));
        }
      }
      rg_rows_left_ -= k;
      records_read_ += k;
      n -= k;
      if (rg_rows_left_ == 0) {
        bytes_done_ += rg_bytes_;
        rg_rows_total_ = 0;
      }
    }
    return Status::OK();
  }

  int64_t records_read() const override { return records_read_; }
  uint64_t bytes_read() const override {
    uint64_t b = bytes_done_;
    if (rg_rows_total_ > 0) {
      b += static_cast<uint64_t>(static_cast<double>(rg_bytes_) *
                                 static_cast<double>(rg_rows_total_ - rg_rows_left_) / static_cast<double>(rg_rows_total_));
    }
    return b;
  }
  int64_t source_size() const override { return static_cast<int64_t>(file_->size()); }

 private:
  uint64_t RowGroupBytes(size_t i) const {
    const auto& rg = meta_.row_groups[i];
    if (rg.__isset.total_compressed_size && rg.total_compressed_size > 0) return static_cast<uint64_t>(rg.total_compressed_size);
    uint64_t b = 0;
    for (const auto& c : rg.columns) {
      if (c.__isset.meta_data && c.meta_data.total_compressed_size > 0) b += static_cast<uint64_t>(c.meta_data.total_compressed_size);
    }
    return b;
  }
  Status OpenRowGroup(size_t i);
  Status ReadRows(RecordBatch* batch, std::vector<RowError>* errors, size_t max_rows);
  Status ReadRowsDirect(RecordBatch* batch, std::vector<RowError>* errors, size_t max_rows);
  // Opens the next row group with rows when the current one is done; *end
  // at the end of the file.
  Status NextRowGroup(bool* end);
  Status ReadScalarDirect(FieldPlan* p);
  Status ReadRowDirect();
  // After a failure inside a row: removes what the row had appended.
  static void DropPartialRow(RecordBatch* batch);
  void AppendNullField(Field f);
  void AppendMetadata(std::string_view text);
  // A conversion error against the current row (remembered, the row is dropped).
  void FailRow(Status st) {
    if (!direct_) {
      builder_->Fail(std::move(st));
    } else if (row_error_.ok()) {
      row_error_ = std::move(st);
    }
  }
  Status Advance(FieldPlan* p);
  Status ReadScalar(FieldPlan* p);
  Status ReadList(FieldPlan* p);
  Status ReadNested(FieldPlan* p);
  Status Err(const FieldPlan& p, const std::string& what) const {
    return Status::InvalidData(p.reader->where() + ": " + what);
  }

  std::unique_ptr<RandomAccessFile> file_;
  ReadOptions options_;
  RowAssembly assembly_;
  std::optional<RowBuilder> builder_opt_;
  RowBuilder* builder_ = nullptr;
  fmt::FileMetaData meta_;
  Schema schema_;
  uint64_t data_end_ = 0;
  std::vector<FieldPlan> plans_;
  size_t next_rg_ = 0;
  int64_t rg_rows_left_ = 0, rg_rows_total_ = 0;
  uint64_t rg_bytes_ = 0, bytes_done_ = 0;
  int64_t records_read_ = 0;
  std::string text_, json_;
  // Rows are appended straight into the batch's columns when every field
  // has a direct plan (no conversions through text, no unknown fields, no
  // generated ids); otherwise through the RowBuilder.
  bool direct_ = false;
  RecordBatch* batch_ = nullptr;
  Status row_error_;
  std::vector<Field> unplanned_;  // fields no column fills: null (metadata: {} when asked)
};

Direct DirectKind(const FieldPlan& p) {
  if (p.target.kind != RowBuilder::Target::Kind::kField) return Direct::kNone;
  const Field f = p.target.field;
  if (p.nested) return f == Field::kMetadata ? Direct::kNestedMetadata : Direct::kNone;
  if (p.as_vector) return Direct::kVector;
  if (p.top->shape != TopField::Shape::kScalar) return Direct::kNone;
  const ValueKind k = p.leaf->kind;
  const FieldType t = FieldTypeOf(f);
  if (k == ValueKind::kString || k == ValueKind::kJson) {
    if (t == FieldType::kString) return Direct::kString;
    if (t == FieldType::kJsonObject) return Direct::kMetadata;
  }
  if (k == ValueKind::kInt && t == FieldType::kInt64) return Direct::kInt;
  if (k == ValueKind::kTimestamp && t == FieldType::kTimestamp) return Direct::kTimestamp;
  return Direct::kNone;
}

Status ParquetReader::Open() {
  const uint64_t size = file_->size();
  if (size < 12) return Status::InvalidData("too short to be a Parquet file (" + std::to_string(size) + " bytes)");
  char head[4], tail[8];
  TRIB_RETURN_NOT_OK(file_->ReadAt(0, 4, head));
  TRIB_RETURN_NOT_OK(file_->ReadAt(size - 8, 8, tail));
  if (std::memcmp(tail + 4, "PARE", 4) == 0) {
    return Status::Unsupported("the file is encrypted (encrypted footer); tributary does not read encrypted Parquet files");
  }
  if (std::memcmp(head, "PAR1", 4) != 0 || std::memcmp(tail + 4, "PAR1", 4) != 0) {
    return Status::InvalidData("not a Parquet file (no PAR1 magic at its start and end)");
  }
  uint32_t footer_len;
  std::memcpy(&footer_len, tail, 4);
  if (footer_len == 0 || footer_len > size - 12 || footer_len > kMaxFooterBytes) {
    return Status::InvalidData("footer length " + std::to_string(footer_len) + " does not fit the file (" +
                               std::to_string(size) + " bytes)");
  }
  data_end_ = size - 8 - footer_len;
  std::string footer(footer_len, '\0');
  TRIB_RETURN_NOT_OK(file_->ReadAt(data_end_, footer_len, footer.data()));
  uint32_t len = footer_len;
  Status st = ReadThrift(reinterpret_cast<const uint8_t*>(footer.data()), &len, &meta_, "file footer");
  if (!st.ok()) return st;
  if (meta_.__isset.encryption_algorithm) {
    return Status::Unsupported("the file is encrypted; tributary does not read encrypted Parquet files");
  }
  auto schema = Schema::Build(meta_.schema);
  if (!schema.ok()) return schema.status();
  schema_ = std::move(schema).value();
  for (size_t i = 0; i < meta_.row_groups.size(); ++i) {
    const auto& rg = meta_.row_groups[i];
    if (rg.columns.size() != schema_.leaves().size()) {
      return Status::InvalidData("row group " + std::to_string(i) + " has " + std::to_string(rg.columns.size()) +
                                 " columns, but the schema has " + std::to_string(schema_.leaves().size()));
    }
    if (rg.num_rows < 0) return Status::InvalidData("row group " + std::to_string(i) + " has a negative row count");
  }

  // Plan each top-level field.
  RecordBatch unused;
  RowBuilder resolver(options_, &unused);
  for (const TopField& f : schema_.fields()) {
    FieldPlan p;
    p.top = &f;
    p.target = resolver.Resolve(f.name);
    using Kind = RowBuilder::Target::Kind;
    if (p.target.kind == Kind::kIgnore) continue;
    if (f.shape == TopField::Shape::kUnsupported) {
      return Status::Unsupported("column '" + f.name + "' is " + f.why +
                                 "; tributary reads scalar and list columns (use --unknown-fields ignore to skip it)");
    }
    if (f.shape == TopField::Shape::kNested) {
      if (p.target.kind == Kind::kField) {
        const SchemaNode& n = schema_.nodes()[static_cast<size_t>(f.node)];
        const bool list_like = n.repeated || (n.is_list && schema_.ListElement(f.node) >= 0);
        if (p.target.field != Field::kMetadata || list_like) {
          return Status::InvalidData("column '" + f.name + "' is " + f.why + " and cannot fill the field '" +
                                     std::string(FieldName(p.target.field)) +
                                     "' (structs and maps can fill metadata; other columns go into metadata as JSON)");
        }
      }
      p.nested = std::make_unique<NestedFieldReader>(&schema_, &f);
      plans_.push_back(std::move(p));
      continue;
    }
    p.leaf = &schema_.leaves()[static_cast<size_t>(f.leaf)];
    if (p.target.kind == Kind::kField) {
      const Field target = p.target.field;
      if (f.shape == TopField::Shape::kList) {
        if (target != Field::kValues) {
          return Status::InvalidData("column '" + f.name + "' is a list and cannot fill the field '" +
                                     std::string(FieldName(target)) + "'");
        }
        const auto t = p.leaf->physical;
        if (t != fmt::Type::FLOAT && t != fmt::Type::DOUBLE && t != fmt::Type::INT32 && t != fmt::Type::INT64) {
          return Status::InvalidData("column '" + f.name + "' is a list of " + DescribeLeaf(*p.leaf) +
                                     ", not of numbers, and cannot fill values");
        }
        p.as_vector = true;
      } else if (target == Field::kValues && p.leaf->kind != ValueKind::kString && p.leaf->kind != ValueKind::kJson) {
        return Status::InvalidData("column '" + f.name + "' (" + DescribeLeaf(*p.leaf) +
                                   ") cannot fill values, which needs a list of numbers or vector text");
      }
    }
    plans_.push_back(std::move(p));
  }

  direct_ = options_.generate_ids == IdGeneration::kNone && assembly_ == RowAssembly::kAuto;
  std::array<int, kNumFields> uses{};
  for (FieldPlan& p : plans_) {
    p.direct = DirectKind(p);
    if (p.direct == Direct::kNone) {
      direct_ = false;
    } else {
      ++uses[static_cast<size_t>(p.target.field)];
    }
  }
  for (Field f : AllFields()) {
    const int n = uses[static_cast<size_t>(f)];
    if (n > 1) direct_ = false;  // two columns for one field: the later one wins, as the builder does it
    if (n == 0) unplanned_.push_back(f);
  }
  return Status::OK();
}

Status ParquetReader::OpenRowGroup(size_t i) {
  const auto& rg = meta_.row_groups[i];
  for (FieldPlan& p : plans_) {
    if (p.nested) {
      TRIB_RETURN_NOT_OK(p.nested->OpenRowGroup(file_.get(), rg, i, data_end_));
      continue;
    }
    const int leaf = p.top->leaf;
    p.reader = std::make_unique<ColumnChunkReader>(file_.get(), p.leaf,
                                                   file_->name() + ": column '" + p.leaf->dotted + "' in row group " +
                                                       std::to_string(i));
    TRIB_RETURN_NOT_OK(p.reader->Open(rg.columns[static_cast<size_t>(leaf)], data_end_));
    p.e = p.v = 0;
    p.eof = false;
  }
  // The column that carries most of the row group's bytes (the vectors)
  // reads and decompresses its next page on another core.
  if (std::thread::hardware_concurrency() > 1) {
    FieldPlan* biggest = nullptr;
    int64_t most = 0;
    for (FieldPlan& p : plans_) {
      if (p.nested) continue;
      const auto& c = rg.columns[static_cast<size_t>(p.top->leaf)];
      const int64_t bytes = c.__isset.meta_data ? c.meta_data.total_compressed_size : 0;
      if (bytes > most) {
        most = bytes;
        biggest = &p;
      }
    }
    if (biggest && most > (4 << 20)) biggest->reader->EnablePrefetch();
  }
  rg_rows_total_ = rg_rows_left_ = rg.num_rows;
  rg_bytes_ = RowGroupBytes(i);
  return Status::OK();
}

Status ParquetReader::Advance(FieldPlan* p) {
  TRIB_RETURN_NOT_OK(p->reader->NextPage(&p->eof));
  p->e = p->v = 0;
  return Status::OK();
}

Status ParquetReader::ReadScalar(FieldPlan* p) {
  ColumnChunkReader& r = *p->reader;
  while (p->e >= r.entries()) {
    TRIB_RETURN_NOT_OK(Advance(p));
    if (p->eof) return Err(*p, "the column ends before the row group's last row");
  }
  const int16_t d = r.def(p->e++);
  using Kind = RowBuilder::Target::Kind;
  if (d < p->leaf->max_def) {
    if (p->target.kind == Kind::kField) return builder_->SetNull(p->target.field);
    (void)builder_->AddExtraJson(p->top->name, "null");  // a reject is remembered by the builder
    return Status::OK();
  }
  const size_t v = p->v++;
  if (p->target.kind == Kind::kField) {
    Status st = SetFieldValue(*p->leaf, r, v, p->target.field, builder_, &text_);
    (void)st;  // remembered by the builder; the row becomes an error
    return Status::OK();
  }
  json_.clear();
  AppendValueJson(*p->leaf, r, v, &json_);
  (void)builder_->AddExtraJson(p->top->name, json_);
  return Status::OK();
}

Status ParquetReader::ReadList(FieldPlan* p) {
  ColumnChunkReader& r = *p->reader;
  while (p->e >= r.entries()) {
    TRIB_RETURN_NOT_OK(Advance(p));
    if (p->eof) return Err(*p, "the column ends before the row group's last row");
  }
  if (r.rep(p->e) != 0) return Err(*p, "a row starts with a nonzero repetition level");
  const TopField& top = *p->top;
  const int16_t max_def = p->leaf->max_def;
  using Kind = RowBuilder::Target::Kind;
  const bool to_vector = p->as_vector;
  const bool to_json = !to_vector && p->target.kind != Kind::kField;
  // Direct rows append the vector to the batch's values in place.
  FloatVector* vec = nullptr;
  size_t vec_mark = 0;
  if (to_vector) {
    vec = direct_ ? &batch_->values.data() : &builder_->VectorScratch();
    if (!direct_) vec->clear();
    vec_mark = vec->size();
  }
  if (to_json) {
    json_.clear();
    json_.push_back('[');
  }
  bool is_null = false, first = true;
  size_t element = 0;
  while (true) {
    const int16_t d = r.def(p->e);
    if (d < top.def_present) {
      is_null = true;
    } else if (d >= top.def_element) {
      if (d == max_def) {
        const size_t v = p->v++;
        if (to_vector) {
          float x = 0;
          ElementAsFloat(*p->leaf, r, v, &x);
          vec->push_back(x);
        } else if (to_json) {
          if (!first) json_.push_back(',');
          AppendValueJson(*p->leaf, r, v, &json_);
        }
      } else {
        if (to_vector) {
          FailRow(Status::InvalidData("values: element " + std::to_string(element) + " is null"));
        } else if (to_json) {
          if (!first) json_.push_back(',');
          json_.append("null");
        }
      }
      first = false;
      ++element;
    }
    ++p->e;
    // Fast path: a run of present floats in the same page.
    if (to_vector && p->e < r.entries()) {
      const uint8_t* floats = r.PlainFloats();
      const uint8_t* doubles = floats ? nullptr : r.PlainDoubles();
      const int16_t* defs = r.defs();
      const int16_t* reps = r.reps();
      if ((floats || doubles) && defs && reps) {
        const size_t v = p->v;
        const size_t e = ElementRunEnd(defs, reps, p->e, r.entries(), max_def);
        if (e > p->e) {
          const size_t k = e - p->e;
          if (floats) {
            AppendFloatBytes(vec, floats + v * 4, k);  // page data has no alignment
          } else {
            const size_t old = vec->size();
            vec->resize(old + k);
            float* out = vec->data() + old;
            const uint8_t* src = doubles + v * 8;
            for (size_t i = 0; i < k; ++i) {
              double d;
              std::memcpy(&d, src + i * 8, 8);
              out[i] = static_cast<float>(d);
            }
          }
          element += k;
          p->v += k;
          p->e = e;
          first = false;
        }
      }
    }
    while (p->e >= r.entries()) {
      TRIB_RETURN_NOT_OK(Advance(p));
      if (p->eof) break;
    }
    if (p->eof || r.rep(p->e) == 0) break;
  }
  if (to_vector) {
    if (direct_) {
      if (is_null) {
        vec->resize(vec_mark);
        batch_->values.AppendNull();
      } else {
        batch_->values.FinishValue();
      }
      return Status::OK();
    }
    if (is_null) return builder_->SetNull(Field::kValues);
    builder_->CommitVector();
    return Status::OK();
  }
  if (to_json) {
    if (is_null) json_.assign("null");
    else json_.push_back(']');
    (void)builder_->AddExtraJson(top.name, json_);
    return Status::OK();
  }
  return Status::OK();
}

Status ParquetReader::ReadNested(FieldPlan* p) {
  TRIB_RETURN_NOT_OK(p->nested->NextRow(&json_));
  if (p->target.kind == RowBuilder::Target::Kind::kField) {  // metadata
    if (json_ == "null") return builder_->SetNull(p->target.field);
    (void)builder_->SetText(p->target.field, json_);  // remembered by the builder
    return Status::OK();
  }
  (void)builder_->AddExtraJson(p->top->name, json_);
  return Status::OK();
}

Status ParquetReader::NextRowGroup(bool* end) {
  *end = false;
  if (rg_rows_left_ > 0) return Status::OK();
  if (rg_rows_total_ > 0) {
    bytes_done_ += rg_bytes_;
    rg_rows_total_ = 0;
  }
  while (next_rg_ < meta_.row_groups.size() && meta_.row_groups[next_rg_].num_rows == 0) ++next_rg_;
  if (next_rg_ >= meta_.row_groups.size()) {
    *end = true;
    return Status::OK();
  }
  return OpenRowGroup(next_rg_++);
}

void ParquetReader::AppendNullField(Field f) {
  switch (FieldTypeOf(f)) {
    case FieldType::kString: batch_->strings(f).AppendNull(); break;
    case FieldType::kJsonObject:
      if (options_.metadata_default_object) {
        batch_->strings(f).Append("{}");
      } else {
        batch_->strings(f).AppendNull();
      }
      break;
    case FieldType::kInt64:
    case FieldType::kTimestamp: batch_->ints(f).AppendNull(); break;
    case FieldType::kVector: batch_->values.AppendNull(); break;
  }
}

void ParquetReader::AppendMetadata(std::string_view text) {
  StringColumn& m = batch_->metadata;
  std::string& arena = m.arena();
  const size_t mark = arena.size();
  Status st = CanonicalizeJsonObject(text, &arena);
  if (st.ok()) {
    m.FinishValue();
    return;
  }
  arena.resize(mark);
  m.AppendNull();
  FailRow(Status::InvalidData("metadata: " + st.message()));
}

Status ParquetReader::ReadScalarDirect(FieldPlan* p) {
  ColumnChunkReader& r = *p->reader;
  while (p->e >= r.entries()) {
    TRIB_RETURN_NOT_OK(Advance(p));
    if (p->eof) return Err(*p, "the column ends before the row group's last row");
  }
  const int16_t d = r.def(p->e++);
  const Field f = p->target.field;
  if (d < p->leaf->max_def) {
    AppendNullField(f);
    return Status::OK();
  }
  const size_t v = p->v++;
  switch (p->direct) {
    case Direct::kString: batch_->strings(f).Append(r.Bytes(v)); break;
    case Direct::kMetadata: AppendMetadata(r.Bytes(v)); break;
    case Direct::kInt: batch_->ints(f).Append(r.Int(v)); break;
    case Direct::kTimestamp: batch_->ints(f).Append(TimestampMicros(*p->leaf, r, v)); break;
    default: return Status::Internal("parquet: a column without a direct plan");
  }
  return Status::OK();
}

Status ParquetReader::ReadRowDirect() {
  for (FieldPlan& p : plans_) {
    switch (p.direct) {
      case Direct::kVector: TRIB_RETURN_NOT_OK(ReadList(&p)); break;
      case Direct::kNestedMetadata:
        TRIB_RETURN_NOT_OK(p.nested->NextRow(&json_));
        if (json_ == "null") {
          AppendNullField(Field::kMetadata);
        } else {
          AppendMetadata(json_);
        }
        break;
      default: TRIB_RETURN_NOT_OK(ReadScalarDirect(&p)); break;
    }
  }
  return Status::OK();
}

void ParquetReader::DropPartialRow(RecordBatch* batch) {
  const size_t rows = batch->origin.size();
  for (Field f : AllFields()) {
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject:
        while (batch->strings(f).size() > rows) batch->strings(f).PopBack();
        break;
      case FieldType::kInt64:
      case FieldType::kTimestamp:
        while (batch->ints(f).size() > rows) batch->ints(f).PopBack();
        break;
      case FieldType::kVector: {
        VectorColumn& v = batch->values;
        while (v.size() > rows) v.PopBack();
        size_t end = 0;  // floats of a vector left unfinished go too
        if (v.size() > 0) {
          const std::span<const float> last = v.Get(v.size() - 1);
          end = static_cast<size_t>(last.data() - v.data().data()) + last.size();
        }
        v.data().resize(end);
        break;
      }
    }
  }
}

Status ParquetReader::ReadRowsDirect(RecordBatch* batch, std::vector<RowError>* errors, size_t max_rows) {
  batch_ = batch;
  for (size_t taken = 0; taken < max_rows; ++taken) {
    bool end;
    TRIB_RETURN_NOT_OK(NextRowGroup(&end));
    if (end) break;
    ++records_read_;
    row_error_ = Status::OK();
    Status st = ReadRowDirect();
    if (!st.ok()) {
      DropPartialRow(batch);
      return st;
    }
    for (Field f : unplanned_) AppendNullField(f);
    batch->origin.push_back(RowOrigin{records_read_, 0});
    if (options_.keep_raw) batch->raw.Append({});
    --rg_rows_left_;
    if (!row_error_.ok()) {
      batch->PopBack();
      RowError e;
      e.origin = RowOrigin{records_read_, 0};
      e.message = row_error_.message();
      errors->push_back(std::move(e));
    }
  }
  return Status::OK();
}

Status ParquetReader::ReadRows(RecordBatch* batch, std::vector<RowError>* errors, size_t max_rows) {
  if (direct_) return ReadRowsDirect(batch, errors, max_rows);
  builder_opt_.emplace(options_, batch);
  builder_ = &*builder_opt_;
  size_t taken = 0;
  while (taken < max_rows) {
    bool end;
    TRIB_RETURN_NOT_OK(NextRowGroup(&end));
    if (end) break;
    ++records_read_;
    builder_->Begin(RowOrigin{records_read_, 0});
    for (FieldPlan& p : plans_) {
      if (p.nested) {
        TRIB_RETURN_NOT_OK(ReadNested(&p));
      } else if (p.top->shape == TopField::Shape::kList) {
        TRIB_RETURN_NOT_OK(ReadList(&p));
      } else {
        TRIB_RETURN_NOT_OK(ReadScalar(&p));
      }
    }
    --rg_rows_left_;
    ++taken;
    Status st = builder_->Finish();
    if (!st.ok()) {
      RowError e;
      e.origin = RowOrigin{records_read_, 0};
      e.message = st.message();
      errors->push_back(std::move(e));
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<RecordReader>> OpenParquetFileReader(std::unique_ptr<RandomAccessFile> file,
                                                            const ReadOptions& options, RowAssembly assembly) {
  auto r = std::make_unique<ParquetReader>(std::move(file), options, assembly);
  TRIB_RETURN_NOT_OK(r->Open());
  return std::unique_ptr<RecordReader>(std::move(r));
}

}  // namespace tributary::parquet

namespace tributary::internal {

Result<std::unique_ptr<RecordReader>> OpenParquetReader(std::unique_ptr<InputStream> in, const ReadOptions& options) {
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, OpenRandomAccess(std::move(in)));
  return parquet::OpenParquetFileReader(std::move(file), options);
}

}  // namespace tributary::internal
