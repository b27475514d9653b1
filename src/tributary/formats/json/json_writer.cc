// JSON and JSONL RecordWriters.
//
// JSONL: one compact object per line. JSON: "[\n", objects separated by
// ",\n", then "\n]\n" ("[]\n" when empty). Each object has every field in
// record order (AppendRecordJson), so what the readers here read back is the
// same batch, floats bit for bit.
//
// Records are formatted into one reused string, on several threads for large
// batches (ParallelEncoder), and handed to the stream in pieces of about
// 1 MiB or one batch, whichever is larger.
#include <memory>
#include <string>

#include "tributary/formats/format.h"
#include "tributary/formats/json/extended_json.h"
#include "tributary/formats/parallel_encoder.h"
#include "tributary/formats/record_text.h"

namespace tributary {
namespace {

constexpr size_t kFlushBytes = size_t{1} << 20;

class JsonRecordWriter final : public RecordWriter {
 public:
  JsonRecordWriter(OutputStream* out, bool array, bool mongo, int encode_threads)
      : out_(out),
        array_(array),
        encoder_(mongo ? (array ? EncodeMongoArrayRows : EncodeMongoLines) : (array ? EncodeArrayRows : EncodeLines),
                 encode_threads) {}

  Status Write(const RecordBatch& batch) override {
    if (finished_) return Status::Internal("JSON writer: Write after Finish");
    if (batch.num_rows() == 0) return Status::OK();
    wrote_any_ = true;
    return encoder_.Encode(batch, &buf_, kFlushBytes, [this] { return Flush(); },
                           [this](std::string* part) { return out_->WriteBuffer(part); });
  }

  Status Finish() override {
    if (finished_) return Status::Internal("JSON writer: Finish called twice");
    finished_ = true;
    if (array_) buf_.append(wrote_any_ ? "\n]\n" : "[]\n");
    return Flush();
  }

 private:
  Status Flush() {
    if (buf_.empty()) return Status::OK();
    // Array elements come out as ",\n{...}"; the very first opens the array.
    if (array_ && wrote_any_ && !opened_) {
      buf_[0] = '[';
      opened_ = true;
    }
    return out_->WriteBuffer(&buf_);
  }

  static void EncodeLines(const RecordBatch& batch, size_t begin, size_t end, std::string* out) {
    for (size_t i = begin; i < end; ++i) {
      AppendRecordJson(batch, i, out);
      out->push_back('\n');
    }
  }
  static void EncodeArrayRows(const RecordBatch& batch, size_t begin, size_t end, std::string* out) {
    for (size_t i = begin; i < end; ++i) {
      out->append(",\n");
      AppendRecordJson(batch, i, out);
    }
  }

  // Relaxed MongoDB Extended JSON (extended_json.h).
  static void EncodeMongoLines(const RecordBatch& batch, size_t begin, size_t end, std::string* out) {
    for (size_t i = begin; i < end; ++i) {
      json_internal::AppendMongoRecordJson(batch, i, out);
      out->push_back('\n');
    }
  }
  static void EncodeMongoArrayRows(const RecordBatch& batch, size_t begin, size_t end, std::string* out) {
    for (size_t i = begin; i < end; ++i) {
      out->append(",\n");
      json_internal::AppendMongoRecordJson(batch, i, out);
    }
  }

  OutputStream* const out_;
  const bool array_;
  std::string buf_;
  bool wrote_any_ = false;
  bool opened_ = false;  // the array's '[' is in place
  bool finished_ = false;
  ParallelEncoder encoder_;
};

}  // namespace

namespace internal {

Result<std::unique_ptr<RecordWriter>> OpenJsonlWriter(OutputStream* out, const WriteOptions& options) {
  TRIB_RETURN_NOT_OK(options.Validate());
  if (out == nullptr) return Status::InvalidArgument("no output stream");
  return std::unique_ptr<RecordWriter>(
      std::make_unique<JsonRecordWriter>(out, false, options.mongo_extended_json, options.encode_threads));
}

Result<std::unique_ptr<RecordWriter>> OpenJsonWriter(OutputStream* out, const WriteOptions& options) {
  TRIB_RETURN_NOT_OK(options.Validate());
  if (out == nullptr) return Status::InvalidArgument("no output stream");
  return std::unique_ptr<RecordWriter>(
      std::make_unique<JsonRecordWriter>(out, true, options.mongo_extended_json, options.encode_threads));
}

}  // namespace internal
}  // namespace tributary
