#include "tributary/core/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace tributary {

void LowerCurrentThreadPriority() {
  // On Linux the nice value belongs to the thread: PRIO_PROCESS with a
  // thread id sets it for that thread alone.
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, tid);
  if (now == -1 && errno != 0) return;
  ::setpriority(PRIO_PROCESS, tid, now + kBackgroundNiceIncrement);
}

}  // namespace tributary
