#include "tributary/formats/parquet/page_compressor.h"

namespace tributary::parquet {
namespace {

// Jobs waiting beyond this many are compressed by the submitting thread.
constexpr size_t kMaxQueued = 4;
constexpr size_t kMaxSpareBuffers = 8;

}  // namespace

Result<std::unique_ptr<PageCompressor>> PageCompressor::Make(fmt::CompressionCodec::type codec, int level,
                                                             int threads) {
  std::unique_ptr<PageCompressor> p(new PageCompressor());
  for (int i = 0; i <= threads; ++i) {
    TRIB_ASSIGN_OR_RETURN(auto c, MakeCompressor(codec, level));
    p->compressors_.push_back(std::move(c));
  }
  for (int i = 1; i <= threads; ++i) {
    Compressor* c = p->compressors_[static_cast<size_t>(i)].get();
    p->threads_.emplace_back([raw = p.get(), c] { raw->Run(c); });
  }
  return p;
}

PageCompressor::~PageCompressor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void PageCompressor::Compress(Compressor* c, PageJob* job) {
  Status st = c->Compress(job->raw.data(), job->raw.size(), &job->compressed);
  std::string raw = std::move(job->raw);
  raw.clear();
  std::lock_guard<std::mutex> lock(mu_);
  job->status = std::move(st);
  job->done = true;
  if (spare_raw_.size() < kMaxSpareBuffers) spare_raw_.push_back(std::move(raw));
  --in_flight_;
  done_cv_.notify_all();
}

void PageCompressor::Run(Compressor* c) {
  while (true) {
    PageJob* job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = queue_.front();
      queue_.pop_front();
    }
    Compress(c, job);
  }
}

void PageCompressor::Submit(PageJob* job) {
  job->done = false;
  PageJob* mine = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
    queue_.push_back(job);
    if (threads_.empty() || queue_.size() > kMaxQueued) {
      mine = queue_.front();
      queue_.pop_front();
    }
  }
  if (mine) {
    Compress(compressors_[0].get(), mine);
  } else {
    work_cv_.notify_one();
  }
}

Status PageCompressor::Drain() {
  while (true) {
    PageJob* mine = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (queue_.empty()) {
        done_cv_.wait(lock, [&] { return in_flight_ == 0; });
        break;
      }
      mine = queue_.front();
      queue_.pop_front();
    }
    Compress(compressors_[0].get(), mine);
  }
  return Status::OK();
}

std::string PageCompressor::TakeRawBuffer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (spare_raw_.empty()) return std::string();
  std::string s = std::move(spare_raw_.back());
  spare_raw_.pop_back();
  return s;
}

}  // namespace tributary::parquet
