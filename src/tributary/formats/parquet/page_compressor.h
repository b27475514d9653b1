// PageCompressor: compresses the Parquet writer's pages on worker threads
// while the writer encodes the next ones.
//
// The writer fills a PageJob's raw bytes and Submits it; a worker compresses
// it into the job's compressed bytes. When more than a few jobs wait, the
// submitting thread compresses the oldest one itself, so memory stays
// bounded (a handful of uncompressed pages) and every core works. Drain
// waits for every submitted job, helping too; the writer then writes the
// pages in order. A job's raw buffer is recycled through the compressor
// (TakeRawBuffer) once compressed.
//
// Thread-safety: Submit, Drain and TakeRawBuffer are called by the one
// thread that drives the writer; workers only touch submitted jobs.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/formats/parquet/codec.h"

namespace tributary::parquet {

struct PageJob {
  std::string raw;         // uncompressed page (levels and values)
  std::string compressed;  // filled by the compressor
  size_t raw_size = 0;     // raw.size() when submitted (raw is recycled)
  // What the page header needs besides the sizes.
  int32_t num_values = 0;
  fmt::Encoding::type encoding = fmt::Encoding::PLAIN;
  bool done = false;
  Status status;
};

class PageCompressor {
 public:
  // threads: worker threads besides the caller (0: compress on the caller).
  static Result<std::unique_ptr<PageCompressor>> Make(fmt::CompressionCodec::type codec, int level, int threads);
  ~PageCompressor();

  void Submit(PageJob* job);
  // Waits for every submitted job (each job's status says how it went).
  Status Drain();
  // An empty buffer for the next page's raw bytes, with capacity when one
  // has been recycled.
  std::string TakeRawBuffer();

 private:
  PageCompressor() = default;
  void Run(Compressor* c);
  void Compress(Compressor* c, PageJob* job);

  std::vector<std::unique_ptr<Compressor>> compressors_;  // [0] is the caller's
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<PageJob*> queue_;
  std::vector<std::string> spare_raw_;
  size_t in_flight_ = 0;  // submitted, not yet done
  bool stop_ = false;
};

}  // namespace tributary::parquet
