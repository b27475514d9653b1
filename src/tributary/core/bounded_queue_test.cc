#include "tributary/core/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace tributary {
namespace {

TEST(BoundedQueueTest, HandsItemsOverInOrder) {
  BoundedQueue<int> q(3);
  std::thread producer([&] {
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.Push(i));
    q.Close();
  });
  std::vector<int> got;
  int v;
  while (q.Pop(&v)) got.push_back(v);
  producer.join();
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(got[static_cast<size_t>(i)], i);
}

// A push waits while the count is at capacity, or while the weights would
// pass the limit; an item heavier than the limit still goes into an empty
// queue, so nothing waits forever.
TEST(BoundedQueueTest, BoundsCountAndWeight) {
  BoundedQueue<int> q(4, 100);
  ASSERT_TRUE(q.Push(1, 60));
  EXPECT_EQ(q.weight(), 60u);
  std::atomic<bool> pushed{false};
  std::thread heavy([&] {
    ASSERT_TRUE(q.Push(2, 50));  // 60 + 50 > 100: waits for the pop
    pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pushed.load());
  int v;
  ASSERT_TRUE(q.Pop(&v));
  EXPECT_EQ(v, 1);
  heavy.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(q.weight(), 50u);
  ASSERT_TRUE(q.Pop(&v));
  EXPECT_EQ(v, 2);

  ASSERT_TRUE(q.Push(3, 500));  // alone, over the limit
  EXPECT_EQ(q.weight(), 500u);
  ASSERT_TRUE(q.Pop(&v));
  EXPECT_EQ(v, 3);

  for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.Push(i, 0));  // weightless: the count bounds
  std::atomic<bool> fifth{false};
  std::thread extra([&] {
    ASSERT_TRUE(q.Push(4, 0));
    fifth = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(fifth.load());
  ASSERT_TRUE(q.Pop(&v));
  extra.join();
  EXPECT_TRUE(fifth.load());
}

TEST(BoundedQueueTest, TryPopDoesNotWaitAndCloseWakesPushers) {
  BoundedQueue<int> q(1);
  int v = -1;
  EXPECT_FALSE(q.TryPop(&v));
  ASSERT_TRUE(q.Push(7));
  EXPECT_TRUE(q.TryPop(&v));
  EXPECT_EQ(v, 7);
  ASSERT_TRUE(q.Push(8));
  std::thread blocked([&] { EXPECT_FALSE(q.Push(9)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  q.Close();
  blocked.join();
  EXPECT_TRUE(q.Pop(&v));  // what was queued still drains
  EXPECT_EQ(v, 8);
  EXPECT_FALSE(q.Pop(&v));
}

// Makes objects while under the count and the queue ahead under its
// weight budget, reuses returned ones first, and otherwise waits for one.
TEST(BoundedQueueTest, TakeOrMakeReusesBeforeMaking) {
  BoundedQueue<std::unique_ptr<int>> free(8);
  BoundedQueue<int> ahead(8, 100);
  size_t made = 0;
  std::unique_ptr<int> a, b, c;
  ASSERT_TRUE(TakeOrMake(&free, &ahead, 2, 100, &made, &a));
  ASSERT_TRUE(TakeOrMake(&free, &ahead, 2, 100, &made, &b));
  EXPECT_EQ(made, 2u);
  int* const first = a.get();
  ASSERT_TRUE(free.Push(std::move(a)));
  ASSERT_TRUE(TakeOrMake(&free, &ahead, 2, 100, &made, &c));  // the returned one
  EXPECT_EQ(c.get(), first);
  EXPECT_EQ(made, 2u);

  // At the count: waits until one comes back.
  std::thread giver([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ASSERT_TRUE(free.Push(std::move(b)));
  });
  std::unique_ptr<int> d;
  ASSERT_TRUE(TakeOrMake(&free, &ahead, 2, 100, &made, &d));
  giver.join();
  EXPECT_EQ(made, 2u);

  // Under the count but the queue ahead is at its budget: no new one either.
  ASSERT_TRUE(ahead.Push(1, 100));
  free.Close();
  std::unique_ptr<int> e;
  EXPECT_FALSE(TakeOrMake(&free, &ahead, 10, 100, &made, &e));
  EXPECT_EQ(made, 2u);
}

}  // namespace
}  // namespace tributary
