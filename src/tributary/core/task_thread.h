// TaskThread: one long-lived worker thread that runs one task at a time for
// its owner, as std::async(std::launch::async, ...) would, but without
// starting (and joining) a thread per task. Used for read-ahead, where an
// owner starts the next piece of work on the worker and waits for it later.
//
// Thread-safety: Start, Wait and pending are called by one owning thread.
// The destructor waits for a task still running, so a task may use its
// owner's members as long as the TaskThread is destroyed before them
// (declare it last).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace tributary {

class TaskThread {
 public:
  TaskThread() = default;
  ~TaskThread();
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;

  // Runs task on the worker (started on first use).
  // REQUIRES: no task pending (Wait for the previous one first).
  void Start(std::function<void()> task);
  // Waits for the task started last; false if none was pending.
  bool Wait();
  bool pending() const { return pending_; }

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> task_;  // guarded by mu_
  bool has_task_ = false;       // guarded by mu_: task_ waits to run
  bool done_ = false;           // guarded by mu_: the last task finished
  bool stop_ = false;           // guarded by mu_
  bool pending_ = false;        // owner only
  std::thread thread_;
};

}  // namespace tributary
