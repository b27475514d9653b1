#include "tributary/core/task_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

namespace tributary {
namespace {

TEST(TaskThread, RunsEachTaskOnOneReusedThread) {
  TaskThread t;
  std::set<std::thread::id> ids;
  int sum = 0;
  for (int i = 1; i <= 100; ++i) {
    t.Start([&, i] {
      ids.insert(std::this_thread::get_id());
      sum += i;
    });
    EXPECT_TRUE(t.pending());
    EXPECT_TRUE(t.Wait());  // Wait orders the task's writes before these reads
    EXPECT_FALSE(t.pending());
  }
  EXPECT_EQ(sum, 5050);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_NE(*ids.begin(), std::this_thread::get_id());
}

TEST(TaskThread, WaitWithoutATaskReturnsFalse) {
  TaskThread t;
  EXPECT_FALSE(t.Wait());
  t.Start([] {});
  EXPECT_TRUE(t.Wait());
  EXPECT_FALSE(t.Wait());
}

TEST(TaskThread, RunsConcurrentlyWithTheOwner) {
  TaskThread t;
  std::atomic<bool> go{false}, seen{false};
  t.Start([&] {
    while (!go.load()) std::this_thread::yield();
    seen = true;
  });
  go = true;  // the task can only finish because the owner went on
  t.Wait();
  EXPECT_TRUE(seen.load());
}

TEST(TaskThread, DestructorWaitsForTheRunningTask) {
  std::atomic<bool> finished{false};
  {
    TaskThread t;
    t.Start([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      finished = true;
    });
  }
  EXPECT_TRUE(finished.load());
}

}  // namespace
}  // namespace tributary
