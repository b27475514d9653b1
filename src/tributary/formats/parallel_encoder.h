// ParallelEncoder: encodes the rows of one RecordBatch as text on several
// threads at once, for the text writers (CSV/TSV, JSON, JSONL).
//
// Formatting floats is most of the cost of writing vectors as text, and the
// rows of a batch encode independently, so Encode() splits the batch into
// contiguous parts of about equal size, encodes part 0 on the calling thread
// and the others on helper threads (started on first need and kept), and
// appends the parts to the output in order. The output never depends on the
// thread count. Batches too small to be worth handing out are encoded on the
// calling thread alone.
//
// Memory stays bounded whatever the batch: rows are taken in slices whose
// estimated text (EstimateRecordTextBytes) is about 4 MiB, and the caller's
// flush runs between slices.
//
// Thread-safety: one thread drives Encode(). The encode function must be
// safe to call concurrently on disjoint row ranges of the same batch.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/core/status.h"

namespace tributary {

class ParallelEncoder {
 public:
  // Appends rows [begin, end) of batch to out.
  using EncodeFn = std::function<void(const RecordBatch& batch, size_t begin, size_t end, std::string* out)>;

  // threads: 0 = one per core; 1 = everything on the calling thread.
  ParallelEncoder(EncodeFn encode, int threads);
  ~ParallelEncoder();
  ParallelEncoder(const ParallelEncoder&) = delete;
  ParallelEncoder& operator=(const ParallelEncoder&) = delete;

  // Appends the encoding of every row of batch to out, slice by slice; after
  // a slice, when out holds at least flush_bytes, calls flush() (which should
  // write out and clear it) and stops at its first error.
  //
  // With write_part, a slice encoded on several threads whose parts all hold
  // at least 256 KiB is not copied together: out (holding the calling
  // thread's part) is flushed, then each helper's part is handed to
  // write_part in order, which should write it and leave it empty
  // (OutputStream::WriteBuffer may take it over).
  Status Encode(const RecordBatch& batch, std::string* out, size_t flush_bytes,
                const std::function<Status()>& flush,
                const std::function<Status(std::string*)>& write_part = nullptr);

 private:
  // Rows [begin, end) into out, split over the threads; returns the number
  // of parts (1: all of it is in out; n: parts_[1, n) follow out). Each
  // part's string is first given room for its share of estimate (the rows'
  // EstimateRecordTextBytes), so that it is not grown by doubling: the
  // strings circulate through the output stream (WriteBuffer swaps them), and
  // each growth of a megabyte-sized string faults in fresh pages.
  size_t EncodeSlice(const RecordBatch& batch, size_t begin, size_t end, size_t estimate, std::string* out);
  void HelperLoop(size_t part);

  const EncodeFn encode_;
  const int threads_;

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::vector<std::thread> helpers_;
  const RecordBatch* job_ = nullptr;
  std::vector<size_t> bounds_;      // part i covers rows [bounds_[i], bounds_[i + 1])
  size_t part_estimate_ = 0;        // text bytes expected per part
  std::vector<std::string> parts_;  // helpers' output; part 0 goes straight to the caller's
  uint64_t generation_ = 0;
  size_t busy_ = 0;
  bool stop_ = false;
};

}  // namespace tributary
