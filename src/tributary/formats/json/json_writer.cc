// JSON and JSONL RecordWriters.
//
// JSONL: one compact object per line. JSON: "[\n", objects separated by
// ",\n", then "\n]\n" ("[]\n" when empty). Each object has every field in
// record order (AppendRecordJson), so what the readers here read back is the
// same batch, floats bit for bit.
//
// Records are formatted into one reused string and handed to the stream in
// pieces of about 1 MiB.
#include <memory>
#include <string>

#include "tributary/formats/format.h"
#include "tributary/formats/json/extended_json.h"
#include "tributary/formats/record_text.h"

namespace tributary {
namespace {

constexpr size_t kFlushBytes = size_t{1} << 20;

class JsonRecordWriter final : public RecordWriter {
 public:
  JsonRecordWriter(OutputStream* out, bool array, bool mongo) : out_(out), array_(array), mongo_(mongo) {}

  Status Write(const RecordBatch& batch) override {
    if (finished_) return Status::Internal("JSON writer: Write after Finish");
    const size_t rows = batch.num_rows();
    for (size_t i = 0; i < rows; ++i) {
      if (array_) buf_.append(wrote_any_ ? ",\n" : "[\n");
      if (mongo_) {
        json_internal::AppendMongoRecordJson(batch, i, &buf_);
      } else {
        AppendRecordJson(batch, i, &buf_);
      }
      if (!array_) buf_.push_back('\n');
      wrote_any_ = true;
      if (buf_.size() >= kFlushBytes) TRIB_RETURN_NOT_OK(Flush());
    }
    return Status::OK();
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
    Status st = out_->Write(buf_);
    buf_.clear();
    return st;
  }

  OutputStream* const out_;
  const bool array_;
  const bool mongo_;
  std::string buf_;
  bool wrote_any_ = false;
  bool finished_ = false;
};

}  // namespace

namespace internal {

Result<std::unique_ptr<RecordWriter>> OpenJsonlWriter(OutputStream* out, const WriteOptions& options) {
  TRIB_RETURN_NOT_OK(options.Validate());
  if (out == nullptr) return Status::InvalidArgument("no output stream");
  return std::unique_ptr<RecordWriter>(std::make_unique<JsonRecordWriter>(out, false, options.mongo_extended_json));
}

Result<std::unique_ptr<RecordWriter>> OpenJsonWriter(OutputStream* out, const WriteOptions& options) {
  TRIB_RETURN_NOT_OK(options.Validate());
  if (out == nullptr) return Status::InvalidArgument("no output stream");
  return std::unique_ptr<RecordWriter>(std::make_unique<JsonRecordWriter>(out, true, options.mongo_extended_json));
}

}  // namespace internal
}  // namespace tributary
