#include "tributary/core/task_thread.h"

#include <utility>

namespace tributary {

TaskThread::~TaskThread() {
  Wait();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TaskThread::Start(std::function<void()> task) {
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = std::move(task);
    has_task_ = true;
    done_ = false;
  }
  pending_ = true;
  cv_.notify_all();
}

bool TaskThread::Wait() {
  if (!pending_) return false;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return done_; });
  pending_ = false;
  return true;
}

void TaskThread::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return has_task_ || stop_; });
    if (!has_task_) return;  // stopping, nothing left to run
    std::function<void()> task = std::move(task_);
    has_task_ = false;
    lock.unlock();
    task();
    task = nullptr;  // release what the task captured before reporting done
    lock.lock();
    done_ = true;
    cv_.notify_all();
  }
}

}  // namespace tributary
