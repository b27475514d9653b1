#include "tributary/formats/csv/reader.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "tributary/core/json.h"
#include "tributary/formats/csv/vector_text.h"

namespace tributary {
namespace csv {
namespace {

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

// Decodes framed records. One per decoding thread: it owns a batch, the
// RowBuilder bound to it and scratch buffers, all reused from record to
// record; the header it reads is shared and immutable.
class CsvReader::Decoder {
 public:
  Decoder(const ReadOptions& options, const std::vector<std::string>& names,
          const std::vector<RowBuilder::Target>& targets)
      : options_(options), names_(names), targets_(targets), builder_(options, &batch_) {
    for (size_t i = 0; i < targets.size(); ++i) {
      if (targets[i].kind == RowBuilder::Target::Kind::kField && targets[i].field == Field::kValues) {
        values_column_ = i;
      }
    }
  }
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Appends the records' rows to batch(), their errors to *errors, and when
  // made_row is given, for each record whether it became a row. Records and
  // cells hold offsets into text.
  void Decode(std::string_view text, const std::vector<CellSpan>& cells,
              const std::vector<PendingRecord>& records, std::vector<RowError>* errors,
              std::vector<uint8_t>* made_row = nullptr) {
    for (const PendingRecord& rec : records) {
      const size_t rows_before = batch_.num_rows();
      DecodeOne(text, cells, rec, errors);
      if (made_row != nullptr) made_row->push_back(batch_.num_rows() > rows_before ? 1 : 0);
    }
  }

  const RecordBatch& batch() const { return batch_; }
  // Moves the decoded rows into *out, whose old contents are dropped; the
  // two batches trade buffers, so neither allocates again in steady state.
  void TakeBatch(RecordBatch* out) {
    std::swap(*out, batch_);
    batch_.Clear();
  }

 private:
  void DecodeOne(std::string_view text, const std::vector<CellSpan>& cells,
                 const PendingRecord& rec, std::vector<RowError>* errors);
  void TextError(std::string_view raw, const PendingRecord& rec, std::string message,
                 bool by_line, std::vector<RowError>* errors);
  // Checks text[from, to), part of the record, for invalid UTF-8; reports the
  // first bad byte (its column and place in the record) and returns false.
  bool CheckUtf8(std::string_view text, const CellSpan* cell0, const PendingRecord& rec,
                 size_t from, size_t to, std::vector<RowError>* errors);

  const ReadOptions& options_;
  const std::vector<std::string>& names_;
  const std::vector<RowBuilder::Target>& targets_;
  RecordBatch batch_;
  RowBuilder builder_;         // appends to batch_
  size_t values_column_ = SIZE_MAX;  // the column that fills values, if any
  std::string scratch_;       // unescaped cell text
  std::string json_scratch_;  // an unknown column's value as JSON
};

void CsvReader::Decoder::TextError(std::string_view raw, const PendingRecord& rec,
                                   std::string message, bool by_line,
                                   std::vector<RowError>* errors) {
  RowError& e = errors->emplace_back();
  e.origin = rec.origin;
  e.by_line = by_line;
  e.message = std::move(message);
  AppendReportString(raw, kMaxCellJsonBytes, &e.data_json);
  e.raw.assign(raw);
}

bool CsvReader::Decoder::CheckUtf8(std::string_view text, const CellSpan* cell0,
                                   const PendingRecord& rec, size_t from, size_t to,
                                   std::vector<RowError>* errors) {
  const size_t bad = FindInvalidUtf8(text.substr(from, to - from));
  if (bad == std::string_view::npos) return true;
  const size_t at = from + bad;
  std::string where = "the record";
  for (size_t i = 0; i < rec.num_cells; ++i) {
    // Invalid bytes are never delimiters or quotes, so one cell holds it.
    if (at >= cell0[i].begin && at < cell0[i].end) {
      where = i < names_.size() && !names_[i].empty() ? "column '" + names_[i] + "'"
                                                      : "column " + std::to_string(i + 1);
      break;
    }
  }
  TextError(text.substr(rec.begin, rec.end - rec.begin), rec,
            "Invalid UTF-8 in " + where + " (byte " + std::to_string(at - rec.begin + 1) +
                " of the record)",
            /*by_line=*/true, errors);
  return false;
}

void CsvReader::Decoder::DecodeOne(std::string_view text, const std::vector<CellSpan>& cells,
                                   const PendingRecord& rec, std::vector<RowError>* errors) {
  RowBuilder* const builder = &builder_;
  const std::string_view raw = text.substr(rec.begin, rec.end - rec.begin);
  const CellSpan* const cell0 = cells.data() + rec.first_cell;
  if (rec.unterminated) {
    TextError(raw, rec, "unterminated quoted field", /*by_line=*/true, errors);
    return;
  }
  // The values cell is most of a record's bytes. A vector that parses as
  // "[numbers]" is ASCII, so that cell is checked only when it does not.
  const CellSpan* const vcell =
      rec.num_cells == names_.size() && values_column_ < rec.num_cells ? cell0 + values_column_
                                                                         : nullptr;
  if (vcell == nullptr) {
    if (!CheckUtf8(text, cell0, rec, rec.begin, rec.end, errors)) return;
  } else if (!CheckUtf8(text, cell0, rec, rec.begin, vcell->begin, errors) ||
             !CheckUtf8(text, cell0, rec, vcell->end, rec.end, errors)) {
    return;
  }
  bool vector_checked = false;
  if (rec.num_cells != names_.size()) {
    TextError(raw, rec,
              "Expected " + std::to_string(names_.size()) + " fields, got " +
                  std::to_string(rec.num_cells),
              /*by_line=*/false, errors);
    return;
  }

  builder->Begin(rec.origin);
  for (size_t i = 0; i < rec.num_cells && !builder->failed(); ++i) {
    const RowBuilder::Target& target = targets_[i];
    if (target.kind == RowBuilder::Target::Kind::kIgnore) continue;
    const bool quoted = (cell0[i].flags & kCellQuoted) != 0;
    std::string_view cell = CellText(text, cell0[i], &scratch_);
    if (target.kind == RowBuilder::Target::Kind::kField) {
      if (target.field == Field::kValues && cell0 + i == vcell) {
        vector_checked = true;
        if (ParseBracketedVector(cell, &builder->VectorScratch())) {
          builder->CommitVector();
          continue;
        }
        if (!CheckUtf8(text, cell0, rec, vcell->begin, vcell->end, errors)) return;
      }
      (void)builder->SetText(target.field, cell, quoted);
      continue;
    }
    // Unknown column: metadata gets it as a string (null for an empty
    // unquoted cell); the reject policy fails the row.
    json_scratch_.clear();
    if (cell.empty() && !quoted) {
      json_scratch_.append("null");
    } else {
      AppendJsonString(cell, &json_scratch_);
    }
    (void)builder->AddExtraJson(names_[i], json_scratch_);
  }
  if (options_.keep_raw) builder->SetRaw(raw);
  Status st = builder->Finish();
  if (st.ok()) return;
  // An earlier cell failed the row before the values cell was reached.
  if (vcell != nullptr && !vector_checked &&
      !CheckUtf8(text, cell0, rec, vcell->begin, vcell->end, errors)) {
    return;
  }

  RowError& e = errors->emplace_back();
  e.origin = rec.origin;
  e.by_line = false;
  e.message = st.message();
  e.data_json.push_back('{');
  for (size_t i = 0; i < rec.num_cells; ++i) {
    if (i > 0) e.data_json.push_back(',');
    AppendJsonString(names_[i], &e.data_json);
    e.data_json.push_back(':');
    std::string_view cell = CellText(text, cell0[i], &scratch_);
    if (cell.empty() && (cell0[i].flags & kCellQuoted) == 0) {
      e.data_json.append("null");
    } else {
      AppendReportString(cell, kMaxCellJsonBytes, &e.data_json);
    }
  }
  e.data_json.push_back('}');
  e.raw.assign(raw);
}

// A run of framed records, copied out of the input buffer (or, for a mapped
// input, pointing into the mapping) so that a decode thread can work on it
// while framing goes on.
struct CsvReader::Block {
  void Reset() {
    text.clear();
    view = {};
    cells.clear();
    records.clear();
    batch.Clear();
    errors.clear();
    made_row.clear();
    status = Status::OK();
    last = false;
    decoded = false;
    next_record = next_row = next_error = 0;
  }

  std::string text;       // the copied records (not for a mapped input)
  std::string_view view;  // what offsets in cells and records point into
  std::vector<CellSpan> cells;
  std::vector<PendingRecord> records;
  // Decoded: rows and errors in record order, and which records made rows.
  RecordBatch batch;
  std::vector<RowError> errors;
  std::vector<uint8_t> made_row;
  Status status;       // a stream error that follows these records
  bool last = false;   // no block follows
  bool decoded = false;
  // How far ReadNext has handed the block out.
  size_t next_record = 0, next_row = 0, next_error = 0;
};

namespace {

// Threaded mode cuts blocks at this much text, so that a large batch_rows
// does not make blocks (and the memory they pin) large.
constexpr size_t kMaxBlockBytes = 4u << 20;

int DecodeThreads(const ReadOptions& options) {
  if (options.decode_threads > 0) return options.decode_threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

CsvReader::CsvReader(std::unique_ptr<InputStream> in, const ReadOptions& options, char delimiter,
                     size_t block_size)
    : in_(std::move(in)),
      options_(options),
      framer_(delimiter),
      block_size_(std::max<size_t>(block_size, 1)),
      decode_threads_(DecodeThreads(options)),
      source_size_(in_->source_size()) {}

CsvReader::~CsvReader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  framer_cv_.notify_all();
  work_cv_.notify_all();
  if (framer_thread_.joinable()) framer_thread_.join();
  for (std::thread& t : decoder_threads_) t.join();
}

Result<std::unique_ptr<CsvReader>> CsvReader::Open(std::unique_ptr<InputStream> in,
                                                   const ReadOptions& options, char delimiter,
                                                   size_t block_size) {
  TRIB_RETURN_NOT_OK(options.Validate());
  if (options.delimiter != 0) delimiter = options.delimiter;
  if (delimiter == '"' || delimiter == '\r' || delimiter == '\n' || delimiter == 0) {
    return Status::InvalidArgument("invalid CSV delimiter (a quote, line break or NUL)");
  }
  std::unique_ptr<CsvReader> reader(new CsvReader(std::move(in), options, delimiter, block_size));
  reader->MapPlainFile();
  TRIB_RETURN_NOT_OK(reader->ReadHeader());
  reader->serial_decoder_ =
      std::make_unique<Decoder>(reader->options_, reader->names_, reader->targets_);
  return reader;
}

std::string CsvReader::RejectsPreamble() const {
  return has_header_ ? header_line_ + "\n" : std::string();
}

void CsvReader::MapPlainFile() {
  const std::string* path = in_->plain_file_path();
  // Only an untouched stream: the mapping starts at the file's first byte.
  if (path == nullptr || source_size_ <= 0 || in_->source_bytes_read() != 0) return;
  Result<std::unique_ptr<MappedFile>> map = MappedFile::Open(*path);
  // Not mappable, or not the file the stream has open (replaced since):
  // read it instead.
  if (!map.ok() || (*map)->size() != static_cast<size_t>(source_size_)) return;
  map_ = std::move(*map);
  end_ = map_->size();
  eof_ = true;
}

Status CsvReader::Fill() {
  if (!read_error_.ok()) return read_error_;
  if (eof_) return Status::OK();
  const size_t keep = end_ - pos_;
  if (pos_ > 0 && keep > 0) std::memmove(buf_.get(), buf_.get() + pos_, keep);
  end_ = keep;
  pos_ = 0;
  // Grow with the record so that reframing it after each fill costs O(size)
  // in total; callers guarantee keep <= max_record_bytes + 1, so this stays
  // within the limit plus one block.
  const size_t want = std::min(keep + std::max(block_size_, keep),
                               options_.max_record_bytes + 2 + block_size_);
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
    if (!n.ok()) {
      // Records complete in what did arrive are still handed out; the
      // error comes when the framer needs more.
      read_error_ = n.status();
      if (end_ > keep) return Status::OK();
      return read_error_;
    }
    bytes_read_.store(in_->source_bytes_read(), std::memory_order_relaxed);
    if (*n == 0) {
      eof_ = true;
      break;
    }
    end_ += *n;
  }
  return Status::OK();
}

Status CsvReader::RecordTooLong(int64_t line) const {
  // Whether the limit falls inside a quoted cell, judged on exactly the first
  // max_record_bytes + 1 bytes so that the message does not depend on how
  // much input happened to be buffered.
  FramedSpan span;
  const size_t limit = std::min(end_, pos_ + options_.max_record_bytes + 1);
  const bool in_quote =
      framer_.Frame(data().substr(0, limit), pos_, /*at_eof=*/false, nullptr, &span) ==
          FrameResult::kNeedMore &&
      span.in_quote;
  std::string msg = "line " + std::to_string(line) +
                    ": record exceeds the maximum record size of " +
                    std::to_string(options_.max_record_bytes) + " bytes";
  if (in_quote) msg += " (is a quoted field left unterminated?)";
  return Status::InvalidData(std::move(msg));
}

Status CsvReader::ReadHeader() {
  do {
    TRIB_RETURN_NOT_OK(Fill());
  } while (end_ < 3 && !eof_);
  if (end_ >= 3 && data().substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;

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
      if (end_ - pos_ > options_.max_record_bytes + 1) return RecordTooLong(line_);
      TRIB_RETURN_NOT_OK(Fill());
      continue;
    }
    if (r == FrameResult::kUnterminatedQuote) {
      return Status::InvalidData("line " + std::to_string(line_) +
                                 ": unterminated quoted field in the header");
    }
    break;
  }
  if (span.end - pos_ > options_.max_record_bytes) return RecordTooLong(line_);

  std::string_view raw = data().substr(pos_, span.end - pos_);
  if (size_t bad = FindInvalidUtf8(raw); bad != std::string_view::npos) {
    return Status::InvalidData("line " + std::to_string(line_) +
                               ": invalid UTF-8 in the header (byte " + std::to_string(bad + 1) +
                               ")");
  }
  header_line_.assign(raw);
  has_header_ = true;
  const int64_t header_line = line_;

  std::string scratch;
  for (const CellSpan& cell : cells_) names_.emplace_back(CellText(data(), cell, &scratch));
  std::unordered_map<std::string_view, size_t> seen_names;
  std::array<int, kNumFields> field_column;
  field_column.fill(-1);
  const RowBuilder resolver(options_, nullptr);
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
  NoteFramed();
  return Status::OK();
}

Status CsvReader::FrameRecords(size_t max_records, size_t max_bytes) {
  pending_.clear();
  cells_.clear();
  FramedSpan span;
  while (pending_.size() < max_records &&
         (pending_.empty() || pos_ - pending_.front().begin < max_bytes)) {
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
        if (end_ - pos_ > options_.max_record_bytes + 1) return RecordTooLong(line_);
        // Refilling moves the buffer; hand over what is framed first.
        if (!pending_.empty()) return Status::OK();
        TRIB_RETURN_NOT_OK(Fill());
        continue;
      case FrameResult::kRecord:
      case FrameResult::kUnterminatedQuote:
        if (span.end - pos_ > options_.max_record_bytes) {
          cells_.resize(first);
          return RecordTooLong(line_);
        }
        ++records_framed_;
        pending_.push_back(PendingRecord{pos_, span.end, first, cells_.size() - first,
                                         RowOrigin{records_framed_, line_},
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
  if (started_) return Status::Internal("CSV reader: SkipRecords after ReadNext");
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
          sticky_ = RecordTooLong(line_);
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
          sticky_ = RecordTooLong(line_);
          return sticky_;
        }
        ++records_framed_;
        ++records_read_;
        --n;
        line_ += 1 + span.line_breaks;
        pos_ = span.next;
        break;
    }
  }
  NoteFramed();
  if (map_) map_->Release(pos_);
  return Status::OK();
}

Status CsvReader::ReadNext(RecordBatch* batch, std::vector<RowError>* errors) {
  batch->Clear();
  if (!sticky_.ok()) return sticky_;
  if (finished_) return Status::OK();
  return decode_threads_ <= 1 ? ReadNextSerial(batch, errors) : ReadNextThreaded(batch, errors);
}

Status CsvReader::ReadNextSerial(RecordBatch* batch, std::vector<RowError>* errors) {
  started_ = true;
  const size_t errors_before = errors->size();
  const size_t batch_rows = options_.rows_per_batch();
  // All-bad input still returns now and then, so errors stay bounded too.
  const size_t budget = batch_rows * 4;
  size_t seen = 0;
  Decoder& decoder = *serial_decoder_;
  while (!at_end_ && decoder.batch().num_rows() < batch_rows && seen < budget &&
         (decoder.batch().num_rows() == 0 || decoder.batch().ByteSize() < options_.max_batch_bytes)) {
    // Frame no more text than the batch has room for (and at least one
    // record), so the byte limit holds within a small factor.
    const size_t size = decoder.batch().ByteSize();
    const size_t room = size < options_.max_batch_bytes ? options_.max_batch_bytes - size : 1;
    Status st = FrameRecords(std::min(batch_rows - decoder.batch().num_rows(), budget - seen), room);
    NoteFramed();
    decoder.Decode(data(), cells_, pending_, errors);
    seen += pending_.size();
    records_read_ += static_cast<int64_t>(pending_.size());
    pending_.clear();
    if (!st.ok()) {
      sticky_ = st;
      finished_ = true;
      decoder.TakeBatch(batch);
      // Hand out what was read before the failure; the next call reports it.
      if (batch->num_rows() > 0 || errors->size() > errors_before) return Status::OK();
      return st;
    }
  }
  decoder.TakeBatch(batch);
  if (map_) map_->Release(pos_);
  if (at_end_) finished_ = true;
  return Status::OK();
}

void CsvReader::StartThreads() {
  started_ = true;
  const int n = decode_threads_;
  for (int i = 0; i < 2 * n + 2; ++i) {
    blocks_.push_back(std::make_unique<Block>());
    free_.push_back(blocks_.back().get());
  }
  framer_thread_ = std::thread([this] { FramerLoop(); });
  for (int i = 0; i < n; ++i) decoder_threads_.emplace_back([this] { DecoderLoop(); });
}

void CsvReader::FramerLoop() {
  for (;;) {
    Block* b;
    {
      std::unique_lock<std::mutex> lock(mu_);
      framer_cv_.wait(lock, [&] { return stop_ || !free_.empty(); });
      if (stop_) return;
      b = free_.back();
      free_.pop_back();
    }
    b->Reset();
    // The block holds copies, so it can span refills of the input buffer:
    // fill it to batch_rows records unless the input ends or text piles up.
    // A mapped input is never refilled: the block keeps the offsets as they
    // are and points into the mapping.
    Status st;
    const size_t batch_rows = options_.rows_per_batch();
    const bool mapped = map_ != nullptr;
    size_t block_bytes = 0;
    while (st.ok() && !at_end_ && b->records.size() < batch_rows && block_bytes < kMaxBlockBytes) {
      st = FrameRecords(batch_rows - b->records.size(), kMaxBlockBytes - block_bytes);
      NoteFramed();
      if (pending_.empty()) continue;
      const size_t span = pending_.back().end - pending_.front().begin;
      block_bytes += span;
      const size_t base = mapped ? 0 : pending_.front().begin;
      const size_t offset = mapped ? 0 : b->text.size();
      const size_t first_cell = b->cells.size();
      if (!mapped) b->text.append(data().substr(pending_.front().begin, span));
      for (PendingRecord r : pending_) {
        r.begin = r.begin - base + offset;
        r.end = r.end - base + offset;
        r.first_cell += first_cell;
        b->records.push_back(r);
      }
      for (CellSpan c : cells_) {
        c.begin = c.begin - base + offset;
        c.end = c.end - base + offset;
        b->cells.push_back(c);
      }
    }
    b->view = mapped ? data() : std::string_view(b->text);
    b->status = std::move(st);
    b->last = !b->status.ok() || at_end_;
    const bool empty = b->records.empty();
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_order_.push_back(b);
      if (empty) {
        b->decoded = true;
      } else {
        to_decode_.push_back(b);
      }
    }
    if (empty) {
      done_cv_.notify_one();
    } else {
      work_cv_.notify_one();
    }
    if (b->last) return;
  }
}

void CsvReader::DecoderLoop() {
  Decoder decoder(options_, names_, targets_);
  for (;;) {
    Block* b;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !to_decode_.empty(); });
      if (stop_) return;
      b = to_decode_.front();
      to_decode_.pop_front();
    }
    decoder.Decode(b->view, b->cells, b->records, &b->errors, &b->made_row);
    decoder.TakeBatch(&b->batch);
    {
      std::lock_guard<std::mutex> lock(mu_);
      b->decoded = true;
    }
    done_cv_.notify_one();
  }
}

Status CsvReader::ReadNextThreaded(RecordBatch* batch, std::vector<RowError>* errors) {
  if (!started_) StartThreads();
  const size_t errors_before = errors->size();
  const size_t batch_rows = options_.rows_per_batch();
  const size_t budget = batch_rows * 4;
  size_t seen = 0;
  // Records are handed out one by one under the serial reader's rule (stop
  // at batch_rows rows or after budget records), so batches cut by rows come
  // out the same either way (the byte limit, max_batch_bytes, may cut them
  // at different records); a block that the batch takes whole is swapped in.
  while (seen < budget && batch->num_rows() < batch_rows &&
         (batch->num_rows() == 0 || batch->ByteSize() < options_.max_batch_bytes)) {
    Block* b;
    {
      std::unique_lock<std::mutex> lock(mu_);
      done_cv_.wait(lock, [&] { return !in_order_.empty() && in_order_.front()->decoded; });
      b = in_order_.front();
    }
    const size_t n = b->records.size();
    const bool whole = batch->num_rows() == 0 && b->next_record == 0 && seen + n <= budget &&
                       b->batch.ByteSize() <= options_.max_batch_bytes &&
                       (b->batch.num_rows() < batch_rows ||
                        (b->batch.num_rows() == batch_rows && n > 0 && b->made_row[n - 1]));
    if (whole) {
      std::swap(*batch, b->batch);
      for (RowError& e : b->errors) errors->push_back(std::move(e));
      b->next_record = n;
      seen += n;
    } else {
      while (b->next_record < n && seen < budget && batch->num_rows() < batch_rows &&
             (batch->num_rows() == 0 || batch->ByteSize() < options_.max_batch_bytes)) {
        if (b->made_row[b->next_record]) {
          batch->AppendRowFrom(b->batch, b->next_row++);
        } else {
          errors->push_back(std::move(b->errors[b->next_error++]));
        }
        ++b->next_record;
        ++seen;
      }
    }
    if (b->next_record > 0) records_read_ = b->records[b->next_record - 1].origin.row;
    if (b->next_record < n) break;  // the rest goes to the next call

    const bool last = b->last;
    Status st = std::move(b->status);
    // Every record of the block is handed out, and the framer is past them.
    if (map_ && n > 0) map_->Release(b->records[n - 1].end);
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_order_.pop_front();
      free_.push_back(b);
    }
    framer_cv_.notify_one();
    if (last) {
      finished_ = true;
      if (!st.ok()) {
        sticky_ = st;
        if (batch->num_rows() > 0 || errors->size() > errors_before) return Status::OK();
        return st;
      }
      break;
    }
  }
  return Status::OK();
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
