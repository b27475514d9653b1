#include "tributary/core/thread_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

namespace tributary {
namespace {

int NiceOfThisThread() {
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}

// The calling thread alone goes down, and threads it starts afterwards
// inherit its priority; the thread that started it keeps its own.
TEST(ThreadPriorityTest, LowersTheCallingThreadAndWhatItStarts) {
  const int before = NiceOfThisThread();
  int lowered = 0, inherited = 0;
  std::thread t([&] {
    LowerCurrentThreadPriority();
    lowered = NiceOfThisThread();
    std::thread child([&] { inherited = NiceOfThisThread(); });
    child.join();
  });
  t.join();
  // Nice values stop at 19.
  EXPECT_EQ(lowered, std::min(before + kBackgroundNiceIncrement, 19));
  EXPECT_EQ(inherited, lowered);
  EXPECT_EQ(NiceOfThisThread(), before);
}

}  // namespace
}  // namespace tributary
