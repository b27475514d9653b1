#include "tributary/formats/csv/writer.h"

#include <algorithm>
#include <cstring>

#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
#include "tributary/formats/record_text.h"

namespace tributary {
namespace csv {
namespace {

constexpr size_t kFlushBytes = 1u << 20;
// Every byte AppendVectorText can produce, non-finite spellings included.
constexpr std::string_view kVectorChars = "[],.+-0123456789eENaInfity";

// Batches with fewer floats than this are encoded on the calling thread:
// handing out work costs more than it saves.
constexpr size_t kMinParallelFloats = 32u << 10;

int EncodeThreads(const WriteOptions& options) {
  if (options.encode_threads > 0) return options.encode_threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

Result<std::unique_ptr<CsvWriter>> CsvWriter::Open(OutputStream* out, const WriteOptions& options,
                                                   char delimiter) {
  TRIB_RETURN_NOT_OK(options.Validate());
  if (options.delimiter != 0) delimiter = options.delimiter;
  if (delimiter == '"' || delimiter == '\r' || delimiter == '\n' || delimiter == 0) {
    return Status::InvalidArgument("invalid CSV delimiter (a quote, line break or NUL)");
  }
  return std::unique_ptr<CsvWriter>(new CsvWriter(out, delimiter, EncodeThreads(options)));
}

CsvWriter::CsvWriter(OutputStream* out, char delimiter, int encode_threads)
    : out_(out),
      delimiter_(delimiter),
      quote_vectors_(kVectorChars.find(delimiter) != std::string_view::npos),
      encode_threads_(encode_threads) {
  special_[static_cast<unsigned char>(delimiter)] = true;
  special_['"'] = true;
  special_['\r'] = true;
  special_['\n'] = true;
  buf_.reserve(kFlushBytes + (64u << 10));
  bool first = true;
  for (Field f : AllFields()) {
    if (!first) buf_.push_back(delimiter_);
    first = false;
    AppendCell(FieldName(f), &buf_);
  }
  buf_.push_back('\n');
}

CsvWriter::~CsvWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : helpers_) t.join();
}

bool CsvWriter::NeedsQuotes(std::string_view s) const {
  if (s.empty()) return true;
  // Spaces around a cell are data to our reader, but many readers trim them.
  const char first = s.front(), last = s.back();
  if (first == ' ' || first == '\t' || last == ' ' || last == '\t') return true;
  for (char c : s) {
    if (special_[static_cast<unsigned char>(c)]) return true;
  }
  return false;
}

void CsvWriter::AppendCell(std::string_view s, std::string* out) const {
  if (!NeedsQuotes(s)) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (;;) {
    const void* q = std::memchr(s.data(), '"', s.size());
    if (q == nullptr) break;
    const size_t n = static_cast<size_t>(static_cast<const char*>(q) - s.data()) + 1;
    out->append(s.data(), n);
    out->push_back('"');
    s.remove_prefix(n);
  }
  out->append(s);
  out->push_back('"');
}

void CsvWriter::EncodeRows(const RecordBatch& batch, size_t begin, size_t end,
                           std::string* out) const {
  std::string scalar;
  for (size_t row = begin; row < end; ++row) {
    bool first = true;
    for (Field f : AllFields()) {
      if (!first) out->push_back(delimiter_);
      first = false;
      switch (FieldTypeOf(f)) {
        case FieldType::kString:
        case FieldType::kJsonObject: {
          const StringColumn& c = batch.strings(f);
          if (!c.IsNull(row)) AppendCell(c.Get(row), out);
          break;
        }
        case FieldType::kVector:
          if (batch.values.IsNull(row)) break;
          if (quote_vectors_) out->push_back('"');
          AppendVectorText(batch.values.Get(row), out);
          if (quote_vectors_) out->push_back('"');
          break;
        case FieldType::kInt64:
        case FieldType::kTimestamp: {
          const Int64Column& c = batch.ints(f);
          if (c.IsNull(row)) break;
          // Through AppendCell: an odd delimiter ('-', ':') may occur in them.
          scalar.clear();
          if (FieldTypeOf(f) == FieldType::kInt64) {
            AppendInt(c.Get(row), &scalar);
          } else {
            AppendTimestamp(c.Get(row), &scalar);
          }
          AppendCell(scalar, out);
          break;
        }
      }
    }
    out->push_back('\n');
  }
}

Status CsvWriter::Write(const RecordBatch& batch) {
  if (finished_) return Status::Internal("CSV writer: Write after Finish");
  if (encode_threads_ > 1 && batch.num_rows() >= 2 &&
      batch.values.data().size() >= kMinParallelFloats) {
    EncodeInParallel(batch);
    if (buf_.size() >= kFlushBytes) TRIB_RETURN_NOT_OK(Flush());
    return Status::OK();
  }
  // Row by row, so that the buffer stays near kFlushBytes.
  for (size_t row = 0; row < batch.num_rows(); ++row) {
    EncodeRows(batch, row, row + 1, &buf_);
    if (buf_.size() >= kFlushBytes) TRIB_RETURN_NOT_OK(Flush());
  }
  return Status::OK();
}

void CsvWriter::EncodeInParallel(const RecordBatch& batch) {
  const size_t parts = std::min<size_t>(static_cast<size_t>(encode_threads_), batch.num_rows());
  if (helpers_.empty()) {
    parts_.resize(static_cast<size_t>(encode_threads_));
    for (size_t i = 1; i < static_cast<size_t>(encode_threads_); ++i) {
      helpers_.emplace_back([this, i] { HelperLoop(i); });
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &batch;
    bounds_.clear();
    for (size_t i = 0; i <= parts; ++i) bounds_.push_back(batch.num_rows() * i / parts);
    busy_ = parts - 1;
    ++generation_;
  }
  work_cv_.notify_all();
  EncodeRows(batch, bounds_[0], bounds_[1], &buf_);
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return busy_ == 0; });
  job_ = nullptr;
  for (size_t i = 1; i < parts; ++i) buf_.append(parts_[i]);
}

void CsvWriter::HelperLoop(size_t part) {
  uint64_t seen = 0;
  for (;;) {
    const RecordBatch* batch;
    size_t begin, end;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      // Batches with fewer rows than threads leave some helpers idle.
      if (part + 1 >= bounds_.size()) continue;
      batch = job_;
      begin = bounds_[part];
      end = bounds_[part + 1];
    }
    std::string& out = parts_[part];
    out.clear();
    EncodeRows(*batch, begin, end, &out);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --busy_;
    }
    done_cv_.notify_one();
  }
}

Status CsvWriter::Flush() {
  if (buf_.empty()) return Status::OK();
  Status st = out_->Write(buf_);
  buf_.clear();
  return st;
}

Status CsvWriter::Finish() {
  if (finished_) return Status::Internal("CSV writer: Finish called twice");
  finished_ = true;
  return Flush();
}

}  // namespace csv

namespace internal {

Result<std::unique_ptr<RecordWriter>> OpenCsvWriter(OutputStream* out, const WriteOptions& options,
                                                    char delimiter) {
  TRIB_ASSIGN_OR_RETURN(auto writer, csv::CsvWriter::Open(out, options, delimiter));
  return std::unique_ptr<RecordWriter>(std::move(writer));
}

}  // namespace internal
}  // namespace tributary
