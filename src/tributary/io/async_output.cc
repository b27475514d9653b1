// AsyncOutput (declared in stream.h): a writer thread behind an OutputStream.
//
// The caller's bytes collect in a buffer; full buffers (or buffers handed
// over whole by WriteBuffer) go through a queue of at most kMaxQueued to the
// writer thread, which writes them to the inner stream and returns them for
// reuse. Memory is bounded by kMaxBuffers buffers.
//
// The buffers circulate and keep their capacity: WriteBuffer gives the
// caller an emptied one back for the one it takes, and when none is free a
// new one is made only while fewer than kMaxBuffers exist, else HandOff waits
// for the writer to return one. (Making one whenever none was free, and
// dropping those the free list had no room for, reallocated a megabyte-sized
// buffer every few batches, and the caller grew it again from nothing: a
// third of an export's page faults.)
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "tributary/io/stream.h"

namespace tributary {
namespace {

constexpr size_t kHandOffBytes = size_t{4} << 20;
// Two queued are enough for the writer never to wait for the caller; more
// only add memory to fault in.
constexpr size_t kMaxQueued = 2;
// The queue, the one being written, the caller's current one, and one more so
// that the caller rarely waits for the writer to return one.
constexpr size_t kMaxBuffers = kMaxQueued + 3;

class AsyncOutputStream final : public OutputStream {
 public:
  explicit AsyncOutputStream(std::unique_ptr<OutputStream> inner)
      : inner_(std::move(inner)), thread_([this] { Run(); }) {}

  ~AsyncOutputStream() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  Status Write(std::string_view data) override {
    TRIB_RETURN_NOT_OK(error());
    current_.append(data);
    if (current_.size() >= kHandOffBytes) return HandOff();
    return Status::OK();
  }

  Status WriteBuffer(std::string* buf) override {
    TRIB_RETURN_NOT_OK(error());
    if (!current_.empty()) {
      current_.append(*buf);
      buf->clear();
      if (current_.size() >= kHandOffBytes) return HandOff();
      return Status::OK();
    }
    current_.swap(*buf);  // buf gets current_'s empty, recycled storage
    return HandOff();
  }

  Status Close() override {
    if (closed_) return Status::Internal("output closed twice");
    closed_ = true;
    Status st = current_.empty() ? Status::OK() : HandOff();
    {
      std::unique_lock<std::mutex> lock(mu_);
      done_ = true;
      cv_.notify_all();
    }
    thread_.join();
    if (st.ok()) st = error();
    if (!st.ok()) return st;
    return inner_->Close();
  }

  uint64_t bytes_written() const override { return inner_->bytes_written(); }
  std::string sha256_hex() const override { return inner_->sha256_hex(); }

 private:
  Status error() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

  // Queues current_ (waiting while the queue is full) and takes a free
  // buffer in its place, or a new one while fewer than kMaxBuffers exist.
  Status HandOff() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return queue_.size() < kMaxQueued || !error_.ok(); });
    if (!error_.ok()) return error_;
    queue_.push_back(std::move(current_));
    cv_.notify_all();
    cv_.wait(lock, [&] { return !free_.empty() || buffers_ < kMaxBuffers || !error_.ok(); });
    if (!error_.ok()) return error_;
    if (free_.empty()) {
      current_ = std::string();
      ++buffers_;
    } else {
      current_ = std::move(free_.back());
      free_.pop_back();
    }
    return Status::OK();
  }

  void Run() {
    for (;;) {
      std::string buf;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || done_ || !queue_.empty(); });
        if (stop_) return;
        if (queue_.empty()) return;  // done and drained
        buf = std::move(queue_.front());
        queue_.pop_front();
      }
      Status st = error_ok_ ? inner_->Write(buf) : Status::OK();
      buf.clear();
      std::lock_guard<std::mutex> lock(mu_);
      if (!st.ok()) {
        error_ = st;
        error_ok_ = false;
      }
      free_.push_back(std::move(buf));
      cv_.notify_all();
    }
  }

  std::unique_ptr<OutputStream> inner_;
  std::string current_;  // caller's side only
  bool closed_ = false;  // caller's side only

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::vector<std::string> free_;
  size_t buffers_ = 1;  // in circulation: current_, the queue's, the writer's, free_
  Status error_;
  bool error_ok_ = true;  // writer thread's copy: stop writing after an error
  bool done_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace

std::unique_ptr<OutputStream> AsyncOutput(std::unique_ptr<OutputStream> out) {
  return std::make_unique<AsyncOutputStream>(std::move(out));
}

}  // namespace tributary
