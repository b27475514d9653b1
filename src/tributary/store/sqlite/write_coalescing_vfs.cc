#include "tributary/store/sqlite/write_coalescing_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tributary::sqlite_internal {
namespace {

// WAL file layout (https://www.sqlite.org/fileformat.html#walformat): a
// 32-byte header (page size at byte 8), then frames of a 24-byte header
// (database size after the commit at byte 4, zero unless the frame ends a
// transaction) followed by one page.
constexpr int64_t kWalHeaderBytes = 32;
constexpr int64_t kFrameHeaderBytes = 24;
constexpr uint32_t kWalMagic = 0x377f0682;  // low bit: checksum byte order

// Gathered writes go out in runs that end at multiples of this in the file
// (or sooner, at a commit, a checkpoint's end or a gap). The unix VFS writes
// less than 128 KiB per call (it masks the count to 17 bits), and the page
// cache takes aligned 64 KiB writes at about 60% of the cost of 16 KiB ones,
// and at about 80% of the cost of unaligned 124 KiB ones.
constexpr size_t kRunBytes = 64 * 1024;

// A checkpoint starts the kernel's writeback of the database pages it wrote
// every this many bytes (sync_file_range, no wait), so the fsync SQLite ends
// the checkpoint with finds them on their way to disk instead of writing
// them all then. The writer waits for that fsync whenever it finishes a
// checkpoint itself, and a store's last checkpoint ends every import.
constexpr int64_t kWritebackBytes = int64_t{4} << 20;

struct File {
  sqlite3_file base;  // pMethods: one of kMethods, or nullptr if the open failed
  sqlite3_file* real;
  const char* name;  // valid until xClose
  bool wal;
  bool main_db;
  int64_t page_size;  // of the WAL's frames; 0 until known
  // The pending run: len bytes for the file at start.
  char* buf;
  size_t len;
  int64_t start;
  // WAL: end of the commit frame whose header came last, until its page follows.
  int64_t commit_end;
  // WAL: end of the furthest write since the WAL last started over.
  int64_t written_end;
  // Main database: between SQLITE_FCNTL_CKPT_START and CKPT_DONE.
  bool checkpointing;
  // A write of this checkpoint failed, so SQLite will not record it as done.
  bool checkpoint_failed;
  // Writes below this need no new space: the file's size at the checkpoint's
  // start, or the size SQLite hinted at if that much was allocated.
  int64_t reserved_end;
  // Main database: the unix VFS's descriptor for it (see UnixDescriptor),
  // or -1 if its checkpoints do not gather writes.
  int fd;
  // Main database: the range of this checkpoint's runs whose writeback has
  // not been started yet; empty when equal.
  int64_t unstarted_begin;
  int64_t unstarted_end;
};

constexpr size_t kRealOffset = (sizeof(File) + 15) / 16 * 16;

sqlite3_vfs* Real(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
File* Of(sqlite3_file* file) { return reinterpret_cast<File*>(file); }

uint32_t LoadBe32(const void* p) {
  const auto* b = static_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

// The page size from a WAL header, or 0 if hdr is not one.
int64_t PageSizeOf(const void* hdr) {
  if ((LoadBe32(hdr) & ~uint32_t{1}) != kWalMagic) return 0;
  const uint32_t size = LoadBe32(static_cast<const char*>(hdr) + 8);
  if (size < 512 || size > 65536 || (size & (size - 1)) != 0) return 0;
  return size;
}

// Notes a checkpoint's run as written, and starts the writeback of what the
// checkpoint wrote once kWritebackBytes are waiting. Only a hint: a failure
// leaves the pages to the fsync.
void StartWriteback(File* f, int64_t begin, int64_t end) {
  if (f->fd < 0) return;
  if (f->unstarted_begin == f->unstarted_end) {
    f->unstarted_begin = begin;
    f->unstarted_end = end;
  } else {
    f->unstarted_begin = std::min(f->unstarted_begin, begin);
    f->unstarted_end = std::max(f->unstarted_end, end);
  }
  if (f->unstarted_end - f->unstarted_begin < kWritebackBytes) return;
  (void)::sync_file_range(f->fd, f->unstarted_begin, f->unstarted_end - f->unstarted_begin,
                          SYNC_FILE_RANGE_WRITE);
  f->unstarted_begin = f->unstarted_end = 0;
}

int Flush(File* f) {
  if (f->len == 0) return SQLITE_OK;
  const int rc = f->real->pMethods->xWrite(f->real, f->buf, static_cast<int>(f->len), f->start);
  if (rc == SQLITE_OK && f->checkpointing) {
    StartWriteback(f, f->start, f->start + static_cast<int64_t>(f->len));
  }
  f->len = 0;
  if (rc != SQLITE_OK && f->checkpointing) f->checkpoint_failed = true;
  return rc;
}

// Learns the WAL's page size from its header, written by this handle or
// already in the file. False if the file has none yet.
bool KnowPageSize(File* f, const void* data, int amt, int64_t off) {
  if (off == 0 && amt >= kWalHeaderBytes) {
    const int64_t size = PageSizeOf(data);
    if (size != 0) f->page_size = size;
  }
  if (f->page_size != 0) return true;
  char hdr[kWalHeaderBytes];
  if (f->real->pMethods->xRead(f->real, hdr, kWalHeaderBytes, 0) == SQLITE_OK) {
    f->page_size = PageSizeOf(hdr);
  }
  return f->page_size != 0;
}

// Whether f has its run buffer (allocated on first use).
bool HaveBuffer(File* f) {
  if (f->buf == nullptr) f->buf = static_cast<char*>(std::malloc(kRunBytes));
  return f->buf != nullptr;
}

// Appends data, which continues the pending run (or starts one at off), and
// writes the run out each time it reaches a kRunBytes boundary of the file.
// REQUIRES: HaveBuffer(f), and f->len == 0 or off == f->start + f->len.
int AppendToRun(File* f, const void* data, size_t amt, int64_t off) {
  if (f->len == 0) f->start = off;
  const char* p = static_cast<const char*>(data);
  while (amt > 0) {
    const int64_t run_end = f->start + static_cast<int64_t>(f->len);
    const int64_t boundary = (run_end / static_cast<int64_t>(kRunBytes) + 1) * static_cast<int64_t>(kRunBytes);
    const size_t take = std::min(amt, static_cast<size_t>(boundary - run_end));
    std::memcpy(f->buf + f->len, p, take);
    f->len += take;
    p += take;
    amt -= take;
    if (run_end + static_cast<int64_t>(take) == boundary) {
      const int rc = Flush(f);
      f->start = boundary;
      if (rc != SQLITE_OK) return rc;
    }
  }
  return SQLITE_OK;
}

// A checkpoint's page write to the database file. SQLite copies pages in
// ascending order, so consecutive ones gather into a run, written when it
// reaches a kRunBytes boundary, when a write does not continue it, and at
// SQLITE_FCNTL_CKPT_DONE. Only writes below reserved_end gather; one that
// needs new space goes straight through, so running out of it fails that
// write, and SQLite abandons the checkpoint.
int WriteDb(File* f, const void* data, int amt, int64_t off) {
  sqlite3_file* real = f->real;
  const bool gather = f->checkpointing && off + amt <= f->reserved_end;
  if (f->len > 0 && (!gather || off != f->start + static_cast<int64_t>(f->len))) {
    const int rc = Flush(f);
    if (rc != SQLITE_OK) return rc;
  }
  if (!gather || !HaveBuffer(f)) {
    const int rc = real->pMethods->xWrite(real, data, amt, off);
    if (rc != SQLITE_OK && f->checkpointing) f->checkpoint_failed = true;
    return rc;
  }
  return AppendToRun(f, data, static_cast<size_t>(amt), off);
}

// The last run of a checkpoint failed to reach the file. SQLite ignores what
// SQLITE_FCNTL_CKPT_DONE returns and, unless an earlier write failed, next
// records the checkpoint as done, after which readers would take those pages
// from the database file. So the process stops here instead: the WAL still
// holds every committed transaction, and the next open recovers them from it.
[[noreturn]] void DieOnLostCheckpointWrite(File* f, int rc) {
  int err = 0;
  f->real->pMethods->xFileControl(f->real, SQLITE_FCNTL_LAST_ERRNO, &err);
  std::fprintf(stderr,
               "tributary: cannot write the database file %s during a checkpoint (%s%s%s); "
               "stopping before the checkpoint is recorded: every committed transaction stays in "
               "its WAL file, and opening the store again recovers it\n",
               f->name != nullptr ? f->name : "?", sqlite3_errstr(rc), err != 0 ? ": " : "",
               err != 0 ? std::strerror(err) : "");
  std::fflush(stderr);
  std::_Exit(3);
}

int Write(sqlite3_file* file, const void* data, int amt, sqlite3_int64 off) {
  File* f = Of(file);
  sqlite3_file* real = f->real;
  if (f->main_db && amt > 0) return WriteDb(f, data, amt, off);
  if (!f->wal || amt <= 0) return real->pMethods->xWrite(real, data, amt, off);
  // Nothing is gathered until the page size is known, so nothing is pending.
  if (!KnowPageSize(f, data, amt, off)) return real->pMethods->xWrite(real, data, amt, off);
  const int64_t end = off + amt;
  const int64_t frame_bytes = kFrameHeaderBytes + f->page_size;
  if (off == 0) f->written_end = 0;  // a new WAL header: the WAL starts over
  const bool commit_header = off >= kWalHeaderBytes && (off - kWalHeaderBytes) % frame_bytes == 0 &&
                             amt >= 8 && LoadBe32(static_cast<const char*>(data) + 4) != 0;
  // A commit frame's header is appended before its page, or rewritten
  // (new checksums) after it.
  const bool page_written = commit_header && f->written_end >= off + frame_bytes;
  if (end > f->written_end) f->written_end = end;
  if (commit_header) f->commit_end = page_written ? end : off + frame_bytes;
  if (f->len > 0 && off >= f->start && end <= f->start + static_cast<int64_t>(f->len)) {
    // A rewrite inside the run (SQLite rewrites frames of the transaction
    // it is writing).
    std::memcpy(f->buf + (off - f->start), data, static_cast<size_t>(amt));
  } else {
    if (f->len > 0 && off != f->start + static_cast<int64_t>(f->len)) {
      const int rc = Flush(f);
      if (rc != SQLITE_OK) return rc;
    }
    if (!HaveBuffer(f)) {
      const int rc = real->pMethods->xWrite(real, data, amt, off);
      if (rc != SQLITE_OK || end >= f->commit_end) f->commit_end = 0;
      return rc;
    }
    const int rc = AppendToRun(f, data, static_cast<size_t>(amt), off);
    if (rc != SQLITE_OK) return rc;
  }
  // Once the last commit frame is complete, the run goes to the file, before
  // SQLite publishes the transaction; a failure fails this write, and so the
  // commit.
  if (f->commit_end != 0 && f->start + static_cast<int64_t>(f->len) >= f->commit_end) {
    f->commit_end = 0;
    return Flush(f);
  }
  return SQLITE_OK;
}

int Close(sqlite3_file* file) {
  File* f = Of(file);
  const int flushed = Flush(f);
  const int rc = f->real->pMethods->xClose(f->real);
  std::free(f->buf);
  f->buf = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* file, void* out, int amt, sqlite3_int64 off) {
  File* f = Of(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, out, amt, off);
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = Of(file);
  const int rc = Flush(f);
  if (f->written_end > size) f->written_end = size;
  if (rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  File* f = Of(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  return f->real->pMethods->xSync(f->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = Of(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int Lock(sqlite3_file* file, int level) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xLock(real, level);
}

int Unlock(sqlite3_file* file, int level) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xUnlock(real, level);
}

int CheckReservedLock(sqlite3_file* file, int* out) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xCheckReservedLock(real, out);
}

// The unix VFS's descriptor for a file it opened, to allocate space with.
// Its sqlite3_file is a struct unixFile whose first members have long been
// the methods, the VFS that opened it, its inode's lock information and the
// descriptor. The descriptor is only used when the VFS pointer is where that
// layout puts it, and the descriptor is open for writing on the file that
// name names; else -1. (A descriptor of our own will not do: closing it would
// drop the process's POSIX locks on the file, SQLite's included.)
int UnixDescriptor(sqlite3_vfs* real_vfs, sqlite3_file* real, const char* name) {
  struct UnixFileHead {
    const sqlite3_io_methods* methods;
    sqlite3_vfs* vfs;
    void* inode;
    int h;
  };
  if (name == nullptr || std::strncmp(real_vfs->zName, "unix", 4) != 0 ||
      real_vfs->szOsFile < static_cast<int>(sizeof(UnixFileHead))) {
    return -1;
  }
  UnixFileHead head;
  std::memcpy(&head, real, sizeof(head));
  if (head.vfs != real_vfs || head.h < 0) return -1;
  struct stat by_fd, by_name;
  if (::fstat(head.h, &by_fd) != 0 || ::stat(name, &by_name) != 0 ||
      by_fd.st_dev != by_name.st_dev || by_fd.st_ino != by_name.st_ino) {
    return -1;
  }
  const int flags = ::fcntl(head.h, F_GETFL);
  if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) return -1;
  return head.h;
}

// Whether the file system under fd writes over a file's blocks in place, so
// that a write below the file's end (or into space fallocate gave it) needs
// no new space and cannot fail for the lack of it: ext2/3/4, XFS and tmpfs.
// Copy-on-write ones (Btrfs, ZFS, ...) allocate on every write, and network
// ones may report a failed write only later.
bool WritesInPlace(int fd) {
  constexpr long kExt = 0xEF53, kXfs = 0x58465342, kTmpfs = 0x01021994;
  struct statfs fs;
  if (::fstatfs(fd, &fs) != 0) return false;
  const long type = static_cast<long>(fs.f_type);
  return type == kExt || type == kXfs || type == kTmpfs;
}

// Whether the process may grow a file to size bytes (RLIMIT_FSIZE), which
// fallocate does not check for space it allocates past the end.
bool WithinFileSizeLimit(int64_t size) {
  struct rlimit limit;
  return ::getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
         static_cast<uint64_t>(size) <= limit.rlim_cur;
}

// The file's size, or 0 (nothing counts as reserved) if it cannot be had.
int64_t RealSize(File* f) {
  sqlite3_int64 size = 0;
  if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK) return 0;
  return size;
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  File* f = Of(file);
  sqlite3_file* real = f->real;
  if (f->main_db) {
    switch (op) {
      case SQLITE_FCNTL_CKPT_START:
        // Nothing is pending: runs only gather inside a checkpoint.
        f->checkpointing = true;
        f->checkpoint_failed = false;
        f->reserved_end = f->fd >= 0 ? RealSize(f) : 0;
        f->unstarted_begin = f->unstarted_end = 0;
        break;
      case SQLITE_FCNTL_SIZE_HINT:
        // Before copying pages, SQLite hints at the size they make the file.
        // The space is allocated now (past the end, the size unchanged), so
        // that no gathered write can run out of it; if it cannot be, the
        // writes past the current end go straight through.
        if (f->checkpointing && f->fd >= 0) {
          // Nothing was written since CKPT_START: reserved_end is the size.
          const int64_t want = *static_cast<const sqlite3_int64*>(arg);
          const int64_t size = f->reserved_end;
          if (want > size && WithinFileSizeLimit(want) &&
              ::fallocate(f->fd, FALLOC_FL_KEEP_SIZE, size, want - size) == 0) {
            f->reserved_end = want;
          }
        }
        break;
      case SQLITE_FCNTL_CKPT_DONE: {
        const bool failed_before = f->checkpoint_failed;
        const int rc = Flush(f);
        f->checkpointing = false;
        f->checkpoint_failed = false;
        if (rc != SQLITE_OK && !failed_before) DieOnLostCheckpointWrite(f, rc);
        break;
      }
      default:
        break;
    }
  }
  return real->pMethods->xFileControl(real, op, arg);
}

int SectorSize(sqlite3_file* file) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xSectorSize(real);
}

int DeviceCharacteristics(sqlite3_file* file) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xDeviceCharacteristics(real);
}

int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xShmMap(real, region, size, extend, out);
}

int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xShmLock(real, offset, n, flags);
}

void ShmBarrier(sqlite3_file* file) {
  sqlite3_file* real = Of(file)->real;
  real->pMethods->xShmBarrier(real);
}

int ShmUnmap(sqlite3_file* file, int delete_flag) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xShmUnmap(real, delete_flag);
}

int Fetch(sqlite3_file* file, sqlite3_int64 off, int amt, void** out) {
  File* f = Of(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFetch(f->real, off, amt, out);
}

int Unfetch(sqlite3_file* file, sqlite3_int64 off, void* p) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xUnfetch(real, off, p);
}

constexpr sqlite3_io_methods MethodsOfVersion(int version) {
  return sqlite3_io_methods{version, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock,
                            CheckReservedLock, FileControl, SectorSize, DeviceCharacteristics,
                            ShmMap, ShmLock, ShmBarrier, ShmUnmap, Fetch, Unfetch};
}

// The wrapper offers exactly the methods of the file it wraps.
constexpr sqlite3_io_methods kMethods[3] = {MethodsOfVersion(1), MethodsOfVersion(2),
                                            MethodsOfVersion(3)};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = Of(file);
  std::memset(f, 0, sizeof(File));
  f->fd = -1;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
  f->name = name;
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  f->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  sqlite3_vfs* real_vfs = Real(vfs);
  const int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  // SQLite closes a file whose pMethods is set even when the open failed.
  const sqlite3_io_methods* real_methods = f->real->pMethods;
  if (real_methods == nullptr) {
    f->base.pMethods = nullptr;
  } else {
    f->base.pMethods = &kMethods[std::clamp(real_methods->iVersion, 1, 3) - 1];
    if (f->main_db && rc == SQLITE_OK) {
      // Without a descriptor to allocate space with, or on a file system
      // where writes can need new space anywhere, checkpoints write through.
      const int fd = UnixDescriptor(real_vfs, f->real, name);
      if (fd >= 0 && WritesInPlace(fd)) f->fd = fd;
    }
  }
  return rc;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Real(vfs)->xDelete(Real(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Real(vfs)->xAccess(Real(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return Real(vfs)->xFullPathname(Real(vfs), name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) { return Real(vfs)->xDlOpen(Real(vfs), name); }
void DlError(sqlite3_vfs* vfs, int n, char* out) { Real(vfs)->xDlError(Real(vfs), n, out); }
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Real(vfs)->xDlSym(Real(vfs), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) { Real(vfs)->xDlClose(Real(vfs), handle); }
int Randomness(sqlite3_vfs* vfs, int n, char* out) { return Real(vfs)->xRandomness(Real(vfs), n, out); }
int Sleep(sqlite3_vfs* vfs, int micros) { return Real(vfs)->xSleep(Real(vfs), micros); }
int CurrentTime(sqlite3_vfs* vfs, double* out) { return Real(vfs)->xCurrentTime(Real(vfs), out); }
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return Real(vfs)->xGetLastError(Real(vfs), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Real(vfs)->xCurrentTimeInt64(Real(vfs), out);
}
int SetSystemCall(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr p) {
  return Real(vfs)->xSetSystemCall(Real(vfs), name, p);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Real(vfs)->xGetSystemCall(Real(vfs), name);
}
const char* NextSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Real(vfs)->xNextSystemCall(Real(vfs), name);
}

constexpr const char* kName = "tributary-coalescing";

const char* Register() {
  sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  if (real == nullptr) return nullptr;
  static sqlite3_vfs vfs;
  vfs.iVersion = real->iVersion < 3 ? real->iVersion : 3;
  vfs.szOsFile = static_cast<int>(kRealOffset) + real->szOsFile;
  vfs.mxPathname = real->mxPathname;
  vfs.zName = kName;
  vfs.pAppData = real;
  vfs.xOpen = Open;
  vfs.xDelete = Delete;
  vfs.xAccess = Access;
  vfs.xFullPathname = FullPathname;
  vfs.xDlOpen = real->xDlOpen != nullptr ? DlOpen : nullptr;
  vfs.xDlError = real->xDlError != nullptr ? DlError : nullptr;
  vfs.xDlSym = real->xDlSym != nullptr ? DlSym : nullptr;
  vfs.xDlClose = real->xDlClose != nullptr ? DlClose : nullptr;
  vfs.xRandomness = Randomness;
  vfs.xSleep = Sleep;
  vfs.xCurrentTime = CurrentTime;
  vfs.xGetLastError = GetLastError;
  if (vfs.iVersion >= 2) {
    vfs.xCurrentTimeInt64 = real->xCurrentTimeInt64 != nullptr ? CurrentTimeInt64 : nullptr;
  }
  if (vfs.iVersion >= 3) {
    vfs.xSetSystemCall = real->xSetSystemCall != nullptr ? SetSystemCall : nullptr;
    vfs.xGetSystemCall = real->xGetSystemCall != nullptr ? GetSystemCall : nullptr;
    vfs.xNextSystemCall = real->xNextSystemCall != nullptr ? NextSystemCall : nullptr;
  }
  if (sqlite3_vfs_register(&vfs, /*makeDflt=*/0) != SQLITE_OK) return nullptr;
  return kName;
}

}  // namespace

const char* WriteCoalescingVfs() {
  static const char* const name = Register();
  return name;
}

}  // namespace tributary::sqlite_internal
