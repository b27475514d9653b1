#include "tributary/formats/csv/reader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_map>

#include "tributary/core/json.h"

namespace tributary {
namespace csv {
namespace {

// Input is pulled in blocks of this size; a record that does not fit grows
// the buffer to about twice its size.
constexpr size_t kBlockSize = 1u << 20;
// Cells longer than this are cut in a RowError's data_json.
constexpr size_t kMaxCellJsonBytes = 1024;

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Appends s as a JSON string for a report: cut to about max_bytes on a
// character boundary, with invalid UTF-8 replaced by U+FFFD.
void AppendReportString(std::string_view s, size_t max_bytes, std::string* out) {
  bool cut = false;
  if (s.size() > max_bytes) {
    size_t n = max_bytes;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s = s.substr(0, n);
    cut = true;
  }
  std::string clean;
  while (!s.empty()) {
    size_t bad = FindInvalidUtf8(s);
    if (bad == std::string_view::npos) {
      clean.append(s);
      break;
    }
    clean.append(s.substr(0, bad));
    clean.append("\xEF\xBF\xBD");
    s.remove_prefix(bad + 1);
  }
  if (cut) clean.append("...");
  AppendJsonString(clean, out);
}

}  // namespace

CsvReader::CsvReader(std::unique_ptr<InputStream> in, const ReadOptions& options, char delimiter)
    : in_(std::move(in)), options_(options), framer_(delimiter) {}

Result<std::unique_ptr<CsvReader>> CsvReader::Open(std::unique_ptr<InputStream> in,
                                                   const ReadOptions& options, char delimiter) {
  TRIB_RETURN_NOT_OK(options.Validate());
  if (options.delimiter != 0) delimiter = options.delimiter;
  if (delimiter == '"' || delimiter == '\r' || delimiter == '\n' || delimiter == 0) {
    return Status::InvalidArgument("invalid CSV delimiter (a quote, line break or NUL)");
  }
  std::unique_ptr<CsvReader> reader(new CsvReader(std::move(in), options, delimiter));
  TRIB_RETURN_NOT_OK(reader->ReadHeader());
  return reader;
}

std::string CsvReader::RejectsPreamble() const {
  return has_header_ ? header_line_ + "\n" : std::string();
}

Status CsvReader::Fill() {
  if (eof_) return Status::OK();
  const size_t keep = end_ - pos_;
  if (pos_ > 0 && keep > 0) std::memmove(buf_.get(), buf_.get() + pos_, keep);
  end_ = keep;
  pos_ = 0;
  // Grow with the record so that reframing it after each fill costs O(size)
  // in total; callers guarantee keep <= max_record_bytes + 1, so this stays
  // within the limit plus one block.
  const size_t want = std::min(keep + std::max(kBlockSize, keep),
                               options_.max_record_bytes + 2 + kBlockSize);
  if (want > capacity_) {
    std::unique_ptr<char[]> bigger(new char[want]);
    if (keep > 0) std::memcpy(bigger.get(), buf_.get(), keep);
    buf_ = std::move(bigger);
    capacity_ = want;
  }
  // Short reads (pipes, decompressors) would make the framer rescan a long
  // record many times; read until the block is full.
  while (end_ < want) {
    Result<size_t> n = in_->Read(buf_.get() + end_, want - end_);
    if (!n.ok()) return n.status();
    if (*n == 0) {
      eof_ = true;
      break;
    }
    end_ += *n;
  }
  return Status::OK();
}

Status CsvReader::RecordTooLong(int64_t line, bool in_quote) const {
  std::string msg = "line " + std::to_string(line) +
                    ": record exceeds the maximum record size of " +
                    std::to_string(options_.max_record_bytes) + " bytes";
  if (in_quote) msg += " (is a quoted field left unterminated?)";
  return Status::InvalidData(std::move(msg));
}

Status CsvReader::ReadHeader() {
  TRIB_RETURN_NOT_OK(Fill());
  if (end_ >= 3 && std::memcmp(buf_.get(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;

  FramedSpan span;
  for (;;) {
    cells_.clear();
    FrameResult r = framer_.Frame(data(), pos_, eof_, &cells_, &span);
    if (r == FrameResult::kEnd) {
      at_end_ = true;
      return Status::OK();
    }
    if (r == FrameResult::kBlankLine) {
      ++line_;
      pos_ = span.next;
      continue;
    }
    if (r == FrameResult::kNeedMore) {
      if (end_ - pos_ > options_.max_record_bytes + 1) return RecordTooLong(line_, span.in_quote);
      TRIB_RETURN_NOT_OK(Fill());
      continue;
    }
    if (r == FrameResult::kUnterminatedQuote) {
      return Status::InvalidData("line " + std::to_string(line_) +
                                 ": unterminated quoted field in the header");
    }
    break;
  }
  if (span.end - pos_ > options_.max_record_bytes) return RecordTooLong(line_, false);

  std::string_view raw = data().substr(pos_, span.end - pos_);
  if (size_t bad = FindInvalidUtf8(raw); bad != std::string_view::npos) {
    return Status::InvalidData("line " + std::to_string(line_) +
                               ": invalid UTF-8 in the header (byte " + std::to_string(bad + 1) +
                               ")");
  }
  header_line_.assign(raw);
  has_header_ = true;
  const int64_t header_line = line_;

  names_.clear();
  targets_.clear();
  std::unordered_map<std::string_view, size_t> seen_names;
  std::array<int, kNumFields> field_column;
  field_column.fill(-1);
  const RowBuilder resolver(options_, nullptr);
  for (const CellSpan& cell : cells_) names_.emplace_back(CellText(data(), cell, &scratch_));
  for (size_t i = 0; i < names_.size(); ++i) {
    const std::string& name = names_[i];
    if (!name.empty()) {
      auto [it, inserted] = seen_names.emplace(name, i);
      if (!inserted) {
        return Status::InvalidData("line " + std::to_string(header_line) +
                                   ": duplicate column name '" + name + "' (columns " +
                                   std::to_string(it->second + 1) + " and " +
                                   std::to_string(i + 1) + ")");
      }
    }
    RowBuilder::Target target = resolver.Resolve(name);
    if (target.kind != RowBuilder::Target::Kind::kField) {
      // "id, values" style headers: accept a record field name padded with spaces.
      std::string_view trimmed = TrimSpaces(name);
      if (!trimmed.empty() && trimmed.size() != name.size()) {
        RowBuilder::Target t2 = resolver.Resolve(trimmed);
        if (t2.kind == RowBuilder::Target::Kind::kField) target = t2;
      }
    }
    if (target.kind == RowBuilder::Target::Kind::kField) {
      int& col = field_column[static_cast<int>(target.field)];
      if (col >= 0) {
        return Status::InvalidData("line " + std::to_string(header_line) + ": columns '" +
                                   names_[static_cast<size_t>(col)] + "' and '" + name +
                                   "' both fill the field " +
                                   std::string(FieldName(target.field)));
      }
      col = static_cast<int>(i);
    }
    targets_.push_back(target);
  }
  cells_.clear();
  line_ += 1 + span.line_breaks;
  pos_ = span.next;
  return Status::OK();
}

Status CsvReader::FrameRecords(size_t max_records) {
  pending_.clear();
  cells_.clear();
  FramedSpan span;
  while (pending_.size() < max_records) {
    const size_t first = cells_.size();
    FrameResult r = framer_.Frame(data(), pos_, eof_, &cells_, &span);
    switch (r) {
      case FrameResult::kEnd:
        at_end_ = true;
        return Status::OK();
      case FrameResult::kBlankLine:
        ++line_;
        pos_ = span.next;
        continue;
      case FrameResult::kNeedMore:
        cells_.resize(first);
        if (end_ - pos_ > options_.max_record_bytes + 1) return RecordTooLong(line_, span.in_quote);
        // Refilling moves the buffer; decode what is framed first.
        if (!pending_.empty()) return Status::OK();
        TRIB_RETURN_NOT_OK(Fill());
        continue;
      case FrameResult::kRecord:
      case FrameResult::kUnterminatedQuote:
        if (span.end - pos_ > options_.max_record_bytes) {
          cells_.resize(first);
          return RecordTooLong(line_, r == FrameResult::kUnterminatedQuote);
        }
        ++records_read_;
        pending_.push_back(PendingRecord{pos_, span.end, first, cells_.size() - first,
                                         RowOrigin{records_read_, line_},
                                         r == FrameResult::kUnterminatedQuote});
        line_ += 1 + span.line_breaks;
        pos_ = span.next;
        continue;
    }
  }
  return Status::OK();
}

Status CsvReader::SkipRecords(int64_t n) {
  if (!sticky_.ok()) return sticky_;
  FramedSpan span;
  while (n > 0 && !at_end_) {
    FrameResult r = framer_.Frame(data(), pos_, eof_, nullptr, &span);
    switch (r) {
      case FrameResult::kEnd:
        at_end_ = true;
        break;
      case FrameResult::kBlankLine:
        ++line_;
        pos_ = span.next;
        break;
      case FrameResult::kNeedMore:
        if (end_ - pos_ > options_.max_record_bytes + 1) {
          sticky_ = RecordTooLong(line_, span.in_quote);
          return sticky_;
        }
        if (Status st = Fill(); !st.ok()) {
          sticky_ = st;
          return st;
        }
        break;
      case FrameResult::kRecord:
      case FrameResult::kUnterminatedQuote:
        if (span.end - pos_ > options_.max_record_bytes) {
          sticky_ = RecordTooLong(line_, r == FrameResult::kUnterminatedQuote);
          return sticky_;
        }
        ++records_read_;
        --n;
        line_ += 1 + span.line_breaks;
        pos_ = span.next;
        break;
    }
  }
  return Status::OK();
}

Status CsvReader::ReadNext(RecordBatch* batch, std::vector<RowError>* errors) {
  batch->Clear();
  if (!sticky_.ok()) return sticky_;
  const size_t errors_before = errors->size();
  RowBuilder builder(options_, batch);
  const size_t batch_rows = options_.batch_rows;
  // All-bad input still returns now and then, so errors stay bounded too.
  const size_t budget = batch_rows * 4;
  size_t seen = 0;
  while (!at_end_ && batch->num_rows() < batch_rows && seen < budget) {
    Status st = FrameRecords(std::min(batch_rows - batch->num_rows(), budget - seen));
    for (const PendingRecord& rec : pending_) DecodeRecord(rec, &builder, errors);
    seen += pending_.size();
    pending_.clear();
    if (!st.ok()) {
      sticky_ = st;
      // Hand out what was read before the failure; the next call reports it.
      if (batch->num_rows() > 0 || errors->size() > errors_before) return Status::OK();
      return st;
    }
  }
  return Status::OK();
}

void CsvReader::TextError(const PendingRecord& rec, std::string message, bool by_line,
                          std::vector<RowError>* errors) const {
  std::string_view raw = data().substr(rec.begin, rec.end - rec.begin);
  RowError& e = errors->emplace_back();
  e.origin = rec.origin;
  e.by_line = by_line;
  e.message = std::move(message);
  AppendReportString(raw, kMaxCellJsonBytes, &e.data_json);
  e.raw.assign(raw);
}

void CsvReader::AppendCellsJson(const PendingRecord& rec, std::string* out) {
  out->push_back('{');
  for (size_t i = 0; i < rec.num_cells; ++i) {
    const CellSpan& cell = cells_[rec.first_cell + i];
    if (i > 0) out->push_back(',');
    AppendJsonString(names_[i], out);
    out->push_back(':');
    std::string_view text = CellText(data(), cell, &scratch_);
    if (text.empty() && (cell.flags & kCellQuoted) == 0) {
      out->append("null");
    } else {
      AppendReportString(text, kMaxCellJsonBytes, out);
    }
  }
  out->push_back('}');
}

void CsvReader::DecodeRecord(const PendingRecord& rec, RowBuilder* builder,
                             std::vector<RowError>* errors) {
  const std::string_view raw = data().substr(rec.begin, rec.end - rec.begin);
  if (rec.unterminated) {
    TextError(rec, "unterminated quoted field", /*by_line=*/true, errors);
    return;
  }
  if (size_t bad = FindInvalidUtf8(raw); bad != std::string_view::npos) {
    const size_t at = rec.begin + bad;
    std::string where = "the record";
    for (size_t i = 0; i < rec.num_cells; ++i) {
      const CellSpan& cell = cells_[rec.first_cell + i];
      // Invalid bytes are never delimiters or quotes, so one cell holds it.
      if (at >= cell.begin && at < cell.end) {
        where = i < names_.size() && !names_[i].empty() ? "column '" + names_[i] + "'"
                                                        : "column " + std::to_string(i + 1);
        break;
      }
    }
    TextError(rec, "Invalid UTF-8 in " + where + " (byte " + std::to_string(bad + 1) +
                       " of the record)",
              /*by_line=*/true, errors);
    return;
  }
  if (rec.num_cells != names_.size()) {
    TextError(rec, "Expected " + std::to_string(names_.size()) + " fields, got " +
                       std::to_string(rec.num_cells),
              /*by_line=*/false, errors);
    return;
  }

  builder->Begin(rec.origin);
  for (size_t i = 0; i < rec.num_cells && !builder->failed(); ++i) {
    const RowBuilder::Target& target = targets_[i];
    if (target.kind == RowBuilder::Target::Kind::kIgnore) continue;
    const CellSpan& cell = cells_[rec.first_cell + i];
    const bool quoted = (cell.flags & kCellQuoted) != 0;
    std::string_view text = CellText(data(), cell, &scratch_);
    if (target.kind == RowBuilder::Target::Kind::kField) {
      (void)builder->SetText(target.field, text, quoted);
      continue;
    }
    // Unknown column: metadata gets it as a string (null for an empty
    // unquoted cell); the reject policy fails the row.
    json_scratch_.clear();
    if (text.empty() && !quoted) {
      json_scratch_.append("null");
    } else {
      AppendJsonString(text, &json_scratch_);
    }
    (void)builder->AddExtraJson(names_[i], json_scratch_);
  }
  if (options_.keep_raw) builder->SetRaw(raw);
  Status st = builder->Finish();
  if (st.ok()) return;

  RowError& e = errors->emplace_back();
  e.origin = rec.origin;
  e.by_line = false;
  e.message = st.message();
  AppendCellsJson(rec, &e.data_json);
  e.raw.assign(raw);
}

}  // namespace csv

namespace internal {

Result<std::unique_ptr<RecordReader>> OpenCsvReader(std::unique_ptr<InputStream> in,
                                                    const ReadOptions& options, char delimiter) {
  TRIB_ASSIGN_OR_RETURN(auto reader, csv::CsvReader::Open(std::move(in), options, delimiter));
  return std::unique_ptr<RecordReader>(std::move(reader));
}

}  // namespace internal
}  // namespace tributary
