// A SQLite VFS over the platform's default one that turns SQLite's page-sized
// writes to a WAL file into a few large ones.
//
// SQLite appends a WAL frame as two writes, a 24-byte header and the page, at
// offsets that are not page aligned; the kernel's buffered write path costs
// about as much per call and per page-cache page touched as it does per byte
// copied, so a commit of a few hundred frames spends more time in the kernel
// than in SQLite. Here a WAL file's consecutive writes gather in a buffer and
// reach the file as one write when the buffer fills, when a frame that ends
// a transaction (a commit frame: non-zero "database size" in its header) is
// complete or its header is rewritten (SQLite redoes the checksums of a
// transaction that rewrote its own frames), and before anything reads,
// syncs, truncates, sizes or closes the file. So every committed frame is in the file before SQLite publishes the
// commit in the WAL index (the point where other connections and processes
// can read it), and a failed write fails the commit's own write call, which
// SQLite rolls back: nothing already committed is lost.
//
// Every other file (the database, journals, temporary files) is passed
// through unchanged.
#pragma once

namespace tributary::sqlite_internal {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on the
// first call. Thread-safe. nullptr if SQLite has no default VFS to wrap.
const char* WriteCoalescingVfs();

}  // namespace tributary::sqlite_internal
