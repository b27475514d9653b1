#include "tributary/formats/json/json_reader.h"

#include <utility>

#include "tributary/formats/json/json_decoder.h"

namespace tributary {
namespace json_internal {
namespace {

class JsonRecordReader final : public RecordReader {
 public:
  JsonRecordReader(Framing framing, std::unique_ptr<InputStream> in, const ReadOptions& options,
                   const ReaderTuning& tuning)
      : in_(std::move(in)),
        options_(options),
        framer_(framing, in_.get(), options_.max_record_bytes, tuning.block_bytes,
                /*shell_syntax=*/options_.mongo_extended_json),
        decoder_(options_) {}

  Status ReadNext(RecordBatch* batch, std::vector<RowError>* errors) override {
    RecordBatch* out = decoder_.batch();
    out->Clear();
    if (!error_.ok()) {
      batch->Clear();
      return error_;
    }
    const size_t errors_before = errors->size();
    // Bad records do not count towards the batch, but are bounded too, so a
    // file of bad records still comes out in bounded pieces.
    const size_t batch_rows = options_.rows_per_batch();
    const size_t max_records = batch_rows * 4;
    size_t records = 0;
    while (!done_ && out->num_rows() < batch_rows && records < max_records &&
           (out->num_rows() == 0 || out->ByteSize() < options_.max_batch_bytes)) {
      RecordSpan record;
      bool done = false;
      Status st = framer_.Next(&record, &done);
      if (!st.ok()) {
        error_ = std::move(st);
        // Hand out what was read before the error; the next call reports it.
        if (out->num_rows() > 0 || errors->size() > errors_before) break;
        batch->Clear();
        return error_;
      }
      if (done) {
        done_ = true;
        break;
      }
      ++records_read_;
      ++records;
      decoder_.Decode(record.text, RowOrigin{records_read_, record.line}, errors);
    }
    // The caller gets the decoded columns; its old batch becomes our scratch.
    std::swap(*batch, *out);
    return Status::OK();
  }

  Status SkipRecords(int64_t n) override {
    for (int64_t i = 0; i < n && !done_; ++i) {
      RecordSpan record;
      bool done = false;
      Status st = framer_.Next(&record, &done);
      if (!st.ok()) {
        error_ = st;
        return st;
      }
      if (done) {
        done_ = true;
        break;
      }
      ++records_read_;
    }
    return Status::OK();
  }

  int64_t records_read() const override { return records_read_; }
  uint64_t bytes_read() const override { return in_->source_bytes_read(); }
  int64_t source_size() const override { return in_->source_size(); }

 private:
  std::unique_ptr<InputStream> in_;
  const ReadOptions options_;  // referenced by decoder_
  RecordFramer framer_;
  RecordDecoder decoder_;
  int64_t records_read_ = 0;
  bool done_ = false;
  Status error_;
};

}  // namespace

Result<std::unique_ptr<RecordReader>> OpenReader(Framing framing, std::unique_ptr<InputStream> in,
                                                 const ReadOptions& options,
                                                 const ReaderTuning& tuning) {
  TRIB_RETURN_NOT_OK(options.Validate());
  if (in == nullptr) return Status::InvalidArgument("no input stream");
  return std::unique_ptr<RecordReader>(
      std::make_unique<JsonRecordReader>(framing, std::move(in), options, tuning));
}

}  // namespace json_internal

namespace internal {

Result<std::unique_ptr<RecordReader>> OpenJsonlReader(std::unique_ptr<InputStream> in,
                                                      const ReadOptions& options) {
  return json_internal::OpenReader(json_internal::Framing::kLines, std::move(in), options);
}

Result<std::unique_ptr<RecordReader>> OpenJsonReader(std::unique_ptr<InputStream> in,
                                                     const ReadOptions& options) {
  return json_internal::OpenReader(json_internal::Framing::kArray, std::move(in), options);
}

}  // namespace internal
}  // namespace tributary
