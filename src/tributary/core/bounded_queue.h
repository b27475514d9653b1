// A bounded multi-producer multi-consumer queue for handing batches between
// pipeline stages (parse on one thread, write on another), bounded by count
// and optionally by the items' weights (their bytes), so that a deep queue of
// small batches does not become a deep queue of large ones. Close() wakes
// everyone: Push then fails and Pop drains what is left, then returns false.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <condition_variable>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

namespace tributary {

template <typename T>
class BoundedQueue {
 public:
  // At most capacity items, and (past the first item) at most max_weight of
  // their weights together.
  explicit BoundedQueue(size_t capacity, size_t max_weight = SIZE_MAX)
      : capacity_(capacity), max_weight_(max_weight) {}

  // Blocks while full. Returns false (and drops item) if the queue is closed.
  bool Push(T item, size_t weight = 0) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] {
      return closed_ || items_.empty() ||
             (items_.size() < capacity_ && weight <= max_weight_ - std::min(weight_, max_weight_));
    });
    if (closed_) return false;
    items_.push_back({std::move(item), weight});
    weight_ += weight;
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty and open. Returns false once closed and drained.
  bool Pop(T* out) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    return TakeFront(out);
  }

  // Pops without waiting. Returns false if there is nothing to pop.
  bool TryPop(T* out) {
    std::lock_guard<std::mutex> lock(mu_);
    return TakeFront(out);
  }

  // The weights of the items queued now.
  size_t weight() {
    std::lock_guard<std::mutex> lock(mu_);
    return weight_;
  }

  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  struct Entry {
    T item;
    size_t weight;
  };

  // REQUIRES: mu_ held.
  bool TakeFront(T* out) {
    if (items_.empty()) return false;
    *out = std::move(items_.front().item);
    weight_ -= items_.front().weight;
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }

  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Entry> items_;
  const size_t capacity_;
  const size_t max_weight_;
  size_t weight_ = 0;
  bool closed_ = false;
};

// For a stage that runs ahead of its consumer with recycled objects: takes a
// free one from `free` if there is one; else makes a new one while fewer than
// max_made have been made (counted in *made) and `ahead`, the queue to the
// consumer, holds less than weight_budget; else waits for one to come back.
// Returns false once `free` is closed and empty.
template <typename T, typename U>
bool TakeOrMake(BoundedQueue<std::unique_ptr<T>>* free, BoundedQueue<U>* ahead, size_t max_made,
                size_t weight_budget, size_t* made, std::unique_ptr<T>* out) {
  if (free->TryPop(out)) return true;
  if (*made < max_made && ahead->weight() < weight_budget) {
    *out = std::make_unique<T>();
    ++*made;
    return true;
  }
  return free->Pop(out);
}

}  // namespace tributary
