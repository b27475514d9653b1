#include "tributary/formats/csv/writer.h"

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

}  // namespace

Result<std::unique_ptr<CsvWriter>> CsvWriter::Open(OutputStream* out, const WriteOptions& options,
                                                   char delimiter) {
  TRIB_RETURN_NOT_OK(options.Validate());
  if (options.delimiter != 0) delimiter = options.delimiter;
  if (delimiter == '"' || delimiter == '\r' || delimiter == '\n' || delimiter == 0) {
    return Status::InvalidArgument("invalid CSV delimiter (a quote, line break or NUL)");
  }
  return std::unique_ptr<CsvWriter>(new CsvWriter(out, delimiter, options.encode_threads));
}

CsvWriter::CsvWriter(OutputStream* out, char delimiter, int encode_threads)
    : out_(out),
      delimiter_(delimiter),
      quote_vectors_(kVectorChars.find(delimiter) != std::string_view::npos),
      encoder_([this](const RecordBatch& b, size_t begin, size_t end,
                      std::string* o) { EncodeRows(b, begin, end, o); },
               encode_threads) {
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

CsvWriter::~CsvWriter() = default;

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
  return encoder_.Encode(batch, &buf_, kFlushBytes, [this] { return Flush(); },
                         [this](std::string* part) { return out_->WriteBuffer(part); });
}

Status CsvWriter::Flush() {
  if (buf_.empty()) return Status::OK();
  return out_->WriteBuffer(&buf_);
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
