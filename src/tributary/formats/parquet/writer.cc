#include "tributary/formats/parquet/writer.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <algorithm>
#include <thread>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tributary/formats/parquet/codec.h"
#include "tributary/formats/parquet/dictionary_encoder.h"
#include "tributary/formats/parquet/encoding.h"
#include "tributary/formats/parquet/page_compressor.h"
#include "tributary/formats/parquet/thrift_io.h"

namespace tributary::parquet {
namespace {

constexpr size_t kMaxStatBytes = 256;
// A string column chunk stays dictionary-encoded while its dictionary page
// is at most this large and its first page has at most one distinct value
// in kMaxDistinctShare.
constexpr size_t kMaxDictionaryBytes = 1u << 20;
constexpr size_t kMaxDistinctShare = 2;

void AppendLe32(uint32_t v, std::string* out) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
  out->append(b, 4);
}

template <typename T>
std::string RawBytes(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

// Folds the floats into [*lo, *hi], skipping NaN (a NaN never compares
// below or above). *lo and *hi start at +inf and -inf.
void FloatRange(const float* v, size_t n, float* lo, float* hi) {
  size_t i = 0;
#if defined(__SSE2__)
  // _mm_min_ps(x, m) is (x < m ? x : m): a NaN in x leaves m as it was.
  __m128 mlo = _mm_set1_ps(*lo), mhi = _mm_set1_ps(*hi);
  __m128 mlo2 = mlo, mhi2 = mhi;
  for (; i + 8 <= n; i += 8) {
    const __m128 a = _mm_loadu_ps(v + i), b = _mm_loadu_ps(v + i + 4);
    mlo = _mm_min_ps(a, mlo);
    mhi = _mm_max_ps(a, mhi);
    mlo2 = _mm_min_ps(b, mlo2);
    mhi2 = _mm_max_ps(b, mhi2);
  }
  mlo = _mm_min_ps(mlo, mlo2);
  mhi = _mm_max_ps(mhi, mhi2);
  alignas(16) float l[4], h[4];
  _mm_store_ps(l, mlo);
  _mm_store_ps(h, mhi);
  for (int k = 0; k < 4; ++k) {
    if (l[k] < *lo) *lo = l[k];
    if (h[k] > *hi) *hi = h[k];
  }
#endif
  for (; i < n; ++i) {
    if (v[i] < *lo) *lo = v[i];
    if (v[i] > *hi) *hi = v[i];
  }
}

// One record field's column chunk in the current row group. Full pages go
// to the PageCompressor; the chunk is written once the row group closes.
class ColumnWriter {
 public:
  ColumnWriter(Field field, PageCompressor* compressor, fmt::CompressionCodec::type codec, bool bss)
      : field_(field),
        type_(FieldTypeOf(field)),
        compressor_(compressor),
        codec_(codec),
        bss_(bss && type_ == FieldType::kVector),
        strings_(type_ == FieldType::kString || type_ == FieldType::kJsonObject),
        dict_on_(strings_),
        def_(type_ == FieldType::kVector ? 2 : 1),
        rep_(1) {}

  // Appends the column's values of rows [0, n) of batch.
  Status Append(const RecordBatch& batch) {
    const size_t n = batch.num_rows();
    switch (type_) {
      case FieldType::kString:
      case FieldType::kJsonObject: {
        const StringColumn& c = batch.strings(field_);
        for (size_t i = 0; i < n; ++i) {
          if (c.IsNull(i)) {
            def_.Put(0);
            ++nulls_;
          } else {
            def_.Put(1);
            std::string_view s = c.Get(i);
            AppendLe32(static_cast<uint32_t>(s.size()), &values_);
            values_.append(s);
            if (dict_on_) indices_.push_back(dict_.Add(s));
            NoteString(s);
          }
          ++entries_;
          TRIB_RETURN_NOT_OK(EndRow());
        }
        return Status::OK();
      }
      case FieldType::kInt64:
      case FieldType::kTimestamp: {
        const Int64Column& c = batch.ints(field_);
        for (size_t i = 0; i < n; ++i) {
          if (c.IsNull(i)) {
            def_.Put(0);
            ++nulls_;
          } else {
            def_.Put(1);
            int64_t v = c.Get(i);
            values_.append(reinterpret_cast<const char*>(&v), 8);
            if (!has_minmax_) {
              imin_ = imax_ = v;
              has_minmax_ = true;
            } else {
              imin_ = std::min(imin_, v);
              imax_ = std::max(imax_, v);
            }
          }
          ++entries_;
          TRIB_RETURN_NOT_OK(EndRow());
        }
        return Status::OK();
      }
      case FieldType::kVector: {
        const VectorColumn& c = batch.values;
        for (size_t i = 0; i < n; ++i) {
          if (c.IsNull(i)) {
            // A null list: one entry at definition level 0.
            def_.Put(0);
            rep_.Put(0);
            ++entries_;
            ++nulls_;
          } else {
            std::span<const float> v = c.Get(i);
            if (v.empty()) {
              def_.Put(1);
              rep_.Put(0);
              ++entries_;
              ++nulls_;
            } else {
              def_.Put(2, v.size());
              rep_.Put(0);
              if (v.size() > 1) rep_.Put(1, v.size() - 1);
              entries_ += v.size();
              values_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
              if (!has_minmax_) {
                fmin_ = std::numeric_limits<float>::infinity();
                fmax_ = -fmin_;
                has_minmax_ = true;
              }
              FloatRange(v.data(), v.size(), &fmin_, &fmax_);
            }
          }
          TRIB_RETURN_NOT_OK(EndRow());
        }
        return Status::OK();
      }
    }
    return Status::OK();
  }

  size_t buffered_bytes() const { return buffered_ + values_.size(); }

  // Sends the last page of the row group to the compressor.
  Status FinishPages() {
    if (entries_ > 0 || jobs_used_ == 0) TRIB_RETURN_NOT_OK(FlushPage());
    if (dict_used_) {
      if (!dict_job_) dict_job_ = std::make_unique<PageJob>();
      std::string page = compressor_->TakeRawBuffer();
      dict_.AppendPlain(&page);
      dict_job_->raw_size = page.size();
      dict_job_->num_values = static_cast<int32_t>(dict_.size());
      dict_job_->raw = std::move(page);
      compressor_->Submit(dict_job_.get());
    }
    return Status::OK();
  }

  // Writes the chunk's pages (compressed: the compressor has been drained)
  // to out at offset *pos, and fills md.
  Status WriteChunk(OutputStream* out, uint64_t* pos, fmt::ColumnChunk* cc) {
    const uint64_t start = *pos;
    int64_t uncompressed_total = 0;
    if (dict_used_) {
      PageJob& j = *dict_job_;
      TRIB_RETURN_NOT_OK(j.status);
      if (j.raw_size > static_cast<size_t>(std::numeric_limits<int32_t>::max()) ||
          j.compressed.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
        return Status::InvalidArgument("a Parquet dictionary page would exceed 2 GiB");
      }
      fmt::PageHeader h;
      h.__set_type(fmt::PageType::DICTIONARY_PAGE);
      h.__set_uncompressed_page_size(static_cast<int32_t>(j.raw_size));
      h.__set_compressed_page_size(static_cast<int32_t>(j.compressed.size()));
      fmt::DictionaryPageHeader dh;
      dh.__set_num_values(j.num_values);
      dh.__set_encoding(fmt::Encoding::PLAIN);
      h.__set_dictionary_page_header(dh);
      header_.clear();
      TRIB_RETURN_NOT_OK(WriteThrift(h, &header_));
      TRIB_RETURN_NOT_OK(out->Write(header_));
      TRIB_RETURN_NOT_OK(out->Write(j.compressed));
      *pos += header_.size() + j.compressed.size();
      uncompressed_total += static_cast<int64_t>(header_.size() + j.raw_size);
    }
    const uint64_t data_start = *pos;
    for (size_t i = 0; i < jobs_used_; ++i) {
      PageJob& j = *jobs_[i];
      TRIB_RETURN_NOT_OK(j.status);
      if (j.raw_size > static_cast<size_t>(std::numeric_limits<int32_t>::max()) ||
          j.compressed.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
        return Status::InvalidArgument("a Parquet page would exceed 2 GiB (a single value that large)");
      }
      fmt::PageHeader h;
      h.__set_type(fmt::PageType::DATA_PAGE);
      h.__set_uncompressed_page_size(static_cast<int32_t>(j.raw_size));
      h.__set_compressed_page_size(static_cast<int32_t>(j.compressed.size()));
      fmt::DataPageHeader dp;
      dp.__set_num_values(j.num_values);
      dp.__set_encoding(j.encoding);
      dp.__set_definition_level_encoding(fmt::Encoding::RLE);
      dp.__set_repetition_level_encoding(fmt::Encoding::RLE);
      h.__set_data_page_header(dp);
      header_.clear();
      TRIB_RETURN_NOT_OK(WriteThrift(h, &header_));
      TRIB_RETURN_NOT_OK(out->Write(header_));
      TRIB_RETURN_NOT_OK(out->Write(j.compressed));
      *pos += header_.size() + j.compressed.size();
      uncompressed_total += static_cast<int64_t>(header_.size() + j.raw_size);
    }
    fmt::ColumnMetaData md;
    md.__set_type(PhysicalType());
    std::vector<fmt::Encoding::type> enc = {bss_ ? fmt::Encoding::BYTE_STREAM_SPLIT : fmt::Encoding::PLAIN,
                                            fmt::Encoding::RLE};
    if (dict_used_) enc.push_back(fmt::Encoding::RLE_DICTIONARY);
    md.__set_encodings(enc);
    std::vector<std::string> path = {std::string(FieldName(field_))};
    if (type_ == FieldType::kVector) {
      path.push_back("list");
      path.push_back("element");
    }
    md.__set_path_in_schema(path);
    md.__set_codec(codec_);
    md.__set_num_values(chunk_values_);
    md.__set_total_uncompressed_size(uncompressed_total);
    md.__set_total_compressed_size(static_cast<int64_t>(*pos - start));
    md.__set_data_page_offset(static_cast<int64_t>(data_start));
    if (dict_used_) md.__set_dictionary_page_offset(static_cast<int64_t>(start));
    fmt::Statistics st;
    st.__set_null_count(chunk_nulls_);
    if (chunk_has_minmax_) {
      st.__set_min_value(chunk_min_);
      st.__set_max_value(chunk_max_);
      if (type_ != FieldType::kString && type_ != FieldType::kJsonObject) {
        st.__set_min(chunk_min_);
        st.__set_max(chunk_max_);
      }
    }
    md.__set_statistics(st);
    cc->__set_file_offset(static_cast<int64_t>(start));
    cc->__set_meta_data(md);
    // Reset for the next row group; the jobs keep their buffers.
    jobs_used_ = 0;
    buffered_ = 0;
    chunk_values_ = chunk_nulls_ = 0;
    dict_.Clear();
    dict_on_ = strings_;
    dict_used_ = false;
    chunk_has_minmax_ = false;
    return Status::OK();
  }

 private:
  fmt::Type::type PhysicalType() const {
    switch (type_) {
      case FieldType::kVector: return fmt::Type::FLOAT;
      case FieldType::kInt64:
      case FieldType::kTimestamp: return fmt::Type::INT64;
      default: return fmt::Type::BYTE_ARRAY;
    }
  }

  void NoteString(std::string_view s) {
    if (strings_too_long_) return;
    if (s.size() > kMaxStatBytes) {
      strings_too_long_ = true;
      has_minmax_ = false;
      return;
    }
    if (!has_minmax_) {
      smin_.assign(s);
      smax_.assign(s);
      has_minmax_ = true;
    } else if (s < smin_) {
      smin_.assign(s);
    } else if (s > smax_) {
      smax_.assign(s);
    }
  }

  Status EndRow() {
    if (values_.size() + entries_ / 4 >= kTargetPageBytes) return FlushPage();
    return Status::OK();
  }

  // Merges the page's statistics into the chunk's.
  void MergeStats() {
    chunk_nulls_ += nulls_;
    nulls_ = 0;
    if (type_ == FieldType::kString || type_ == FieldType::kJsonObject) {
      if (strings_too_long_) {
        chunk_strings_too_long_ = true;
      }
      if (chunk_strings_too_long_) {
        chunk_has_minmax_ = false;
      } else if (has_minmax_) {
        if (!chunk_has_minmax_ || smin_ < chunk_min_) chunk_min_ = smin_;
        if (!chunk_has_minmax_ || smax_ > chunk_max_) chunk_max_ = smax_;
        chunk_has_minmax_ = true;
      }
      strings_too_long_ = false;
    } else if (has_minmax_) {
      if (type_ == FieldType::kVector) {
        float lo = fmin_, hi = fmax_;
        if (chunk_has_minmax_) {
          float clo, chi;
          std::memcpy(&clo, chunk_min_.data(), 4);
          std::memcpy(&chi, chunk_max_.data(), 4);
          lo = std::min(lo, clo);
          hi = std::max(hi, chi);
        }
        // Zeros: the minimum is written as -0.0 and the maximum as +0.0.
        if (lo == 0.0f) lo = -0.0f;
        if (hi == 0.0f) hi = 0.0f;
        chunk_min_ = RawBytes(lo);
        chunk_max_ = RawBytes(hi);
      } else {
        int64_t lo = imin_, hi = imax_;
        if (chunk_has_minmax_) {
          int64_t clo, chi;
          std::memcpy(&clo, chunk_min_.data(), 8);
          std::memcpy(&chi, chunk_max_.data(), 8);
          lo = std::min(lo, clo);
          hi = std::max(hi, chi);
        }
        chunk_min_ = RawBytes(lo);
        chunk_max_ = RawBytes(hi);
      }
      chunk_has_minmax_ = true;
    }
    has_minmax_ = false;
  }

  Status FlushPage() {
    if (jobs_used_ == jobs_.size()) jobs_.push_back(std::make_unique<PageJob>());
    PageJob& job = *jobs_[jobs_used_++];
    std::string page = compressor_->TakeRawBuffer();
    if (type_ == FieldType::kVector) {
      levels_.clear();
      rep_.Finish(&levels_);
      AppendLe32(static_cast<uint32_t>(levels_.size()), &page);
      page.append(levels_);
    }
    levels_.clear();
    def_.Finish(&levels_);
    AppendLe32(static_cast<uint32_t>(levels_.size()), &page);
    page.append(levels_);
    job.encoding = bss_ ? fmt::Encoding::BYTE_STREAM_SPLIT : fmt::Encoding::PLAIN;
    if (dict_on_) {
      // The first page decides whether the chunk is worth a dictionary;
      // past the dictionary size limit the chunk falls back to PLAIN.
      const size_t present = indices_.size();
      if (!dict_used_ && (present == 0 || dict_.size() * kMaxDistinctShare > present)) {
        dict_on_ = false;
        dict_.Clear();
      } else {
        EncodeDictionaryIndices(indices_.data(), present, dict_.size(), &page);
        job.encoding = fmt::Encoding::RLE_DICTIONARY;
        dict_used_ = true;
        if (dict_.page_bytes() > kMaxDictionaryBytes) dict_on_ = false;
      }
      indices_.clear();
    }
    if (job.encoding == fmt::Encoding::BYTE_STREAM_SPLIT) {
      EncodeByteStreamSplit(reinterpret_cast<const uint8_t*>(values_.data()), 4, values_.size() / 4, &page);
    } else if (job.encoding == fmt::Encoding::PLAIN) {
      page.append(values_);
    }
    if (entries_ > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return Status::InvalidArgument("a Parquet page would hold more than 2^31 values");
    }
    job.raw_size = page.size();
    job.num_values = static_cast<int32_t>(entries_);
    job.raw = std::move(page);
    buffered_ += job.raw_size;
    compressor_->Submit(&job);
    chunk_values_ += static_cast<int64_t>(entries_);
    if (type_ == FieldType::kVector && has_minmax_ && !(fmin_ <= fmax_)) has_minmax_ = false;  // only NaN
    MergeStats();
    entries_ = 0;
    values_.clear();
    return Status::OK();
  }

  Field field_;
  FieldType type_;
  PageCompressor* compressor_;
  fmt::CompressionCodec::type codec_;
  bool bss_;
  bool strings_;
  bool dict_on_;  // this chunk's next page is dictionary-encoded
  HybridEncoder def_, rep_;
  std::string values_, levels_, header_;
  std::vector<std::unique_ptr<PageJob>> jobs_;  // this row group's pages: [0, jobs_used_)
  size_t jobs_used_ = 0;
  size_t buffered_ = 0;  // raw bytes of the row group's pages
  // Dictionary encoding (string columns).
  bool dict_used_ = false;  // some page of this chunk is
  StringDictionary dict_;
  std::vector<uint32_t> indices_;  // the current page's
  std::unique_ptr<PageJob> dict_job_;
  size_t entries_ = 0;
  int64_t nulls_ = 0;
  // Page statistics.
  bool has_minmax_ = false, strings_too_long_ = false;
  int64_t imin_ = 0, imax_ = 0;
  float fmin_ = 0, fmax_ = 0;
  std::string smin_, smax_;
  // Chunk totals.
  int64_t chunk_values_ = 0, chunk_nulls_ = 0;
  bool chunk_has_minmax_ = false, chunk_strings_too_long_ = false;
  std::string chunk_min_, chunk_max_;
};

fmt::SchemaElement Leaf(std::string name, fmt::Type::type t, fmt::FieldRepetitionType::type rep) {
  fmt::SchemaElement e;
  e.__set_name(std::move(name));
  e.__set_type(t);
  e.__set_repetition_type(rep);
  return e;
}

// An optional leaf with both annotations, the old (ConvertedType) and the
// new (LogicalType), as readers of either generation expect.
fmt::SchemaElement AnnotatedLeaf(std::string name, fmt::Type::type t, fmt::ConvertedType::type converted,
                                 const fmt::LogicalType& logical) {
  auto e = Leaf(std::move(name), t, fmt::FieldRepetitionType::OPTIONAL);
  e.__set_converted_type(converted);
  e.__set_logicalType(logical);
  return e;
}

std::vector<fmt::SchemaElement> RecordSchema() {
  using R = fmt::FieldRepetitionType;
  std::vector<fmt::SchemaElement> s;
  fmt::SchemaElement root;
  root.__set_name("schema");
  root.__set_num_children(kNumFields);
  s.push_back(root);
  for (Field f : AllFields()) {
    std::string name(FieldName(f));
    fmt::LogicalType lt;
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
        lt.__set_STRING(fmt::Empty());
        s.push_back(AnnotatedLeaf(name, fmt::Type::BYTE_ARRAY, fmt::ConvertedType::UTF8, lt));
        break;
      case FieldType::kJsonObject:
        lt.__set_JSON(fmt::Empty());
        s.push_back(AnnotatedLeaf(name, fmt::Type::BYTE_ARRAY, fmt::ConvertedType::JSON, lt));
        break;
      case FieldType::kInt64: {
        fmt::IntType it;
        it.__set_bitWidth(64);
        it.__set_isSigned(true);
        lt.__set_INTEGER(it);
        s.push_back(AnnotatedLeaf(name, fmt::Type::INT64, fmt::ConvertedType::INT_64, lt));
        break;
      }
      case FieldType::kTimestamp: {
        fmt::TimeUnit unit;
        unit.__set_MICROS(fmt::Empty());
        fmt::TimestampType ts;
        ts.__set_isAdjustedToUTC(true);
        ts.__set_unit(unit);
        lt.__set_TIMESTAMP(ts);
        s.push_back(AnnotatedLeaf(name, fmt::Type::INT64, fmt::ConvertedType::TIMESTAMP_MICROS, lt));
        break;
      }
      case FieldType::kVector: {
        fmt::SchemaElement group;
        group.__set_name(name);
        group.__set_repetition_type(R::OPTIONAL);
        group.__set_num_children(1);
        group.__set_converted_type(fmt::ConvertedType::LIST);
        lt.__set_LIST(fmt::Empty());
        group.__set_logicalType(lt);
        s.push_back(group);
        fmt::SchemaElement list;
        list.__set_name("list");
        list.__set_repetition_type(R::REPEATED);
        list.__set_num_children(1);
        s.push_back(list);
        s.push_back(Leaf("element", fmt::Type::FLOAT, R::REQUIRED));
        break;
      }
    }
  }
  return s;
}

class ParquetWriter final : public RecordWriter {
 public:
  ParquetWriter(OutputStream* out, const WriteOptions& options) : out_(out), options_(options) {}

  Status Init() {
    TRIB_ASSIGN_OR_RETURN(codec_, ParseParquetCodec(options_.parquet_compression));
    // One worker per core besides the caller, which helps as well.
    const int workers = std::clamp(static_cast<int>(std::thread::hardware_concurrency()) - 1, 1, 7);
    TRIB_ASSIGN_OR_RETURN(compressor_,
                          PageCompressor::Make(codec_, options_.parquet_compression_level,
                                               codec_ == fmt::CompressionCodec::UNCOMPRESSED ? 0 : workers));
    for (Field f : AllFields()) {
      columns_.push_back(
          std::make_unique<ColumnWriter>(f, compressor_.get(), codec_, options_.parquet_byte_stream_split));
    }
    TRIB_RETURN_NOT_OK(out_->Write("PAR1"));
    pos_ = 4;
    return Status::OK();
  }

  Status Write(const RecordBatch& batch) override {
    if (batch.num_rows() == 0) return Status::OK();
    for (auto& c : columns_) TRIB_RETURN_NOT_OK(c->Append(batch));
    rg_rows_ += static_cast<int64_t>(batch.num_rows());
    size_t buffered = 0;
    for (auto& c : columns_) buffered += c->buffered_bytes();
    if (buffered >= options_.parquet_row_group_bytes) TRIB_RETURN_NOT_OK(FlushRowGroup());
    return Status::OK();
  }

  Status Finish() override {
    if (rg_rows_ > 0) TRIB_RETURN_NOT_OK(FlushRowGroup());
    fmt::FileMetaData md;
    md.__set_version(2);
    md.__set_schema(RecordSchema());
    md.__set_num_rows(total_rows_);
    md.__set_row_groups(row_groups_);
    md.__set_created_by("tributary version " TRIBUTARY_VERSION);
    std::vector<fmt::ColumnOrder> orders(kNumFields);
    for (auto& o : orders) o.__set_TYPE_ORDER(fmt::Empty());
    md.__set_column_orders(orders);
    std::string footer;
    TRIB_RETURN_NOT_OK(WriteThrift(md, &footer));
    AppendLe32(static_cast<uint32_t>(footer.size()), &footer);
    footer.append("PAR1");
    return out_->Write(footer);
  }

 private:
  Status FlushRowGroup() {
    fmt::RowGroup rg;
    std::vector<fmt::ColumnChunk> chunks(columns_.size());
    const uint64_t start = pos_;
    int64_t uncompressed = 0;
    for (auto& c : columns_) TRIB_RETURN_NOT_OK(c->FinishPages());
    TRIB_RETURN_NOT_OK(compressor_->Drain());
    for (size_t i = 0; i < columns_.size(); ++i) {
      TRIB_RETURN_NOT_OK(columns_[i]->WriteChunk(out_, &pos_, &chunks[i]));
      uncompressed += chunks[i].meta_data.total_uncompressed_size;
    }
    rg.__set_columns(chunks);
    rg.__set_num_rows(rg_rows_);
    rg.__set_total_byte_size(uncompressed);
    rg.__set_file_offset(static_cast<int64_t>(start));
    rg.__set_total_compressed_size(static_cast<int64_t>(pos_ - start));
    rg.__set_ordinal(static_cast<int16_t>(row_groups_.size()));
    row_groups_.push_back(std::move(rg));
    total_rows_ += rg_rows_;
    rg_rows_ = 0;
    return Status::OK();
  }

  OutputStream* out_;
  WriteOptions options_;
  fmt::CompressionCodec::type codec_ = fmt::CompressionCodec::ZSTD;
  std::vector<std::unique_ptr<ColumnWriter>> columns_;
  // Declared after the columns so it is destroyed first: its workers stop
  // before the pages they may be compressing go away.
  std::unique_ptr<PageCompressor> compressor_;
  std::vector<fmt::RowGroup> row_groups_;
  uint64_t pos_ = 0;
  int64_t rg_rows_ = 0, total_rows_ = 0;
};

}  // namespace
}  // namespace tributary::parquet

namespace tributary::internal {

Result<std::unique_ptr<RecordWriter>> OpenParquetWriter(OutputStream* out, const WriteOptions& options) {
  auto w = std::make_unique<parquet::ParquetWriter>(out, options);
  TRIB_RETURN_NOT_OK(w->Init());
  return std::unique_ptr<RecordWriter>(std::move(w));
}

}  // namespace tributary::internal
