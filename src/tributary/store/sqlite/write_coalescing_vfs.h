// A SQLite VFS over the platform's default one that turns SQLite's page-sized
// writes to a WAL file, and a checkpoint's to the database file, into a few
// large ones.
//
// SQLite appends a WAL frame as two writes, a 24-byte header and the page, at
// offsets that are not page aligned; the kernel's buffered write path costs
// about as much per call and per page-cache page touched as it does per byte
// copied, so a commit of a few hundred frames spends more time in the kernel
// than in SQLite. Here a WAL file's consecutive writes gather in a buffer and
// reach the file as one write when the run reaches a 64 KiB boundary of the
// file (aligned writes let the page cache use larger pages), when a frame
// that ends a transaction (a commit frame: non-zero "database size" in its
// header) is complete or its header is rewritten (SQLite redoes the
// checksums of a transaction that rewrote its own frames), and before
// anything reads, syncs, truncates, sizes or closes the file. So every
// committed frame is in the file before SQLite publishes the commit in the
// WAL index (the point where other connections and processes can read it),
// and a failed write fails the commit's own write call, which SQLite rolls
// back: nothing already committed is lost.
//
// A checkpoint copies pages from the WAL into the database file one page per
// write, in ascending page order. Between SQLITE_FCNTL_CKPT_START and
// SQLITE_FCNTL_CKPT_DONE, consecutive pages gather into aligned runs of up to
// 64 KiB, which the page cache takes for about 60% of the cost. Only writes
// that need no new space gather: below the file's end, or into space
// allocated (fallocate) when SQLite hints at the size the checkpoint makes
// the file. A write that would allocate goes straight through, so a full disk
// fails it and SQLite abandons the checkpoint. Every 4 MiB of runs, the
// kernel's writeback of them starts (sync_file_range, no wait), so the fsync
// that ends the checkpoint does not find them all still to write. The last run is written at
// CKPT_DONE, whose result SQLite ignores before it records the checkpoint as
// done; should that write fail anyway (an I/O error), the process exits with
// code 3 before the checkpoint is recorded, and the WAL, which still holds
// every committed transaction, brings them back at the next open. This only
// happens on file systems that write over blocks in place (ext4, XFS, tmpfs);
// elsewhere checkpoint writes go straight through.
//
// Every other file (journals, temporary files) is passed through unchanged.
#pragma once

namespace tributary::sqlite_internal {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on the
// first call. Thread-safe. nullptr if SQLite has no default VFS to wrap.
const char* WriteCoalescingVfs();

}  // namespace tributary::sqlite_internal
