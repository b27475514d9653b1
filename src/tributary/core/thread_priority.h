// Scheduling priority of pipeline threads.
//
// An import's parsing threads work ahead of the store's writer, through
// bounded queues; on a machine with few cores they compete with it for CPU
// time, and every slice they take while the writer could run makes the
// import longer, since the writer's commits are the slowest stage. Run at a
// lower priority, they take the cores whenever the writer waits and never
// stall it when it is ready to go on: the import runs at the writer's pace.
// (RocksDB lowers its compaction threads for the same reason.)
#pragma once

namespace tributary {

// Lowers the calling thread's priority by kBackgroundNiceIncrement nice
// levels. Threads it starts afterwards inherit the lower priority. Best
// effort: a system that refuses leaves the priority as it was.
void LowerCurrentThreadPriority();

inline constexpr int kBackgroundNiceIncrement = 10;

}  // namespace tributary
