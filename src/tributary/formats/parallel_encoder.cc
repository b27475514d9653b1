#include "tributary/formats/parallel_encoder.h"

#include <algorithm>

#include "tributary/formats/record_text.h"

namespace tributary {
namespace {

// Batches with fewer floats than this are encoded on the calling thread:
// handing out work costs more than it saves.
constexpr size_t kMinParallelFloats = 32u << 10;
// Rows are encoded in slices of about this much text, so that a batch of
// huge records never needs a huge buffer.
constexpr size_t kSliceBytes = size_t{4} << 20;
// A slice's parts at least this big go to the output one by one instead of
// being copied together first.
constexpr size_t kMinHandOverBytes = size_t{256} << 10;

int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

ParallelEncoder::ParallelEncoder(EncodeFn encode, int threads)
    : encode_(std::move(encode)), threads_(ResolveThreads(threads)) {}

ParallelEncoder::~ParallelEncoder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : helpers_) t.join();
}

Status ParallelEncoder::Encode(const RecordBatch& batch, std::string* out, size_t flush_bytes,
                               const std::function<Status()>& flush,
                               const std::function<Status(std::string*)>& write_part) {
  const size_t rows = batch.num_rows();
  size_t begin = 0;
  while (begin < rows) {
    size_t end = begin, bytes = 0;
    while (end < rows && (end == begin || bytes < kSliceBytes)) {
      bytes += EstimateRecordTextBytes(batch, end);
      ++end;
    }
    const size_t parts = EncodeSlice(batch, begin, end, bytes, out);
    // Parts big enough to be written on their own skip the copy into out.
    bool whole_parts = parts > 1 && write_part && out->size() >= kMinHandOverBytes;
    for (size_t i = 1; i < parts && whole_parts; ++i) whole_parts = parts_[i].size() >= kMinHandOverBytes;
    if (whole_parts) {
      TRIB_RETURN_NOT_OK(flush());
      for (size_t i = 1; i < parts; ++i) TRIB_RETURN_NOT_OK(write_part(&parts_[i]));
    } else {
      for (size_t i = 1; i < parts; ++i) out->append(parts_[i]);
      if (out->size() >= flush_bytes) TRIB_RETURN_NOT_OK(flush());
    }
    begin = end;
  }
  return Status::OK();
}

size_t ParallelEncoder::EncodeSlice(const RecordBatch& batch, size_t first, size_t last, size_t estimate,
                                    std::string* out) {
  const size_t rows = last - first;
  size_t floats = 0;
  if (rows >= 2) {
    for (size_t r = first; r < last && floats < kMinParallelFloats; ++r) floats += batch.values.Length(r);
  }
  if (threads_ <= 1 || rows < 2 || floats < kMinParallelFloats) {
    out->reserve(out->size() + estimate);
    encode_(batch, first, last, out);
    return 1;
  }
  const size_t parts = std::min<size_t>(static_cast<size_t>(threads_), rows);
  if (helpers_.empty()) {
    parts_.resize(static_cast<size_t>(threads_));
    for (size_t i = 1; i < static_cast<size_t>(threads_); ++i) {
      helpers_.emplace_back([this, i] { HelperLoop(i); });
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &batch;
    bounds_.clear();
    for (size_t i = 0; i <= parts; ++i) bounds_.push_back(first + rows * i / parts);
    part_estimate_ = estimate / parts;
    busy_ = parts - 1;
    ++generation_;
  }
  work_cv_.notify_all();
  out->reserve(out->size() + estimate / parts);
  encode_(batch, bounds_[0], bounds_[1], out);
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return busy_ == 0; });
  job_ = nullptr;
  return parts;
}

void ParallelEncoder::HelperLoop(size_t part) {
  uint64_t seen = 0;
  for (;;) {
    const RecordBatch* batch;
    size_t begin, end, estimate;
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
      estimate = part_estimate_;
    }
    std::string& out = parts_[part];
    out.clear();
    out.reserve(estimate);
    encode_(*batch, begin, end, &out);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --busy_;
    }
    done_cv_.notify_one();
  }
}

}  // namespace tributary
