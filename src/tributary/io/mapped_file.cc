#include "tributary/io/mapped_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace tributary {
namespace {

// Live mappings, as the SIGBUS handler sees them. A slot is claimed with a
// compare-and-swap of `begin` from 0 to kClaimed, filled, then published by
// storing the real begin; the handler reads only published slots.
constexpr int kSlots = 64;
constexpr uintptr_t kClaimed = 1;
constexpr size_t kNameBytes = 512;

struct Slot {
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  char name[kNameBytes];
};

Slot g_slots[kSlots];
struct sigaction g_previous;
std::once_flag g_install_once;
bool g_installed = false;

void WriteAll(const char* s, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

void WriteStr(const char* s) { WriteAll(s, std::strlen(s)); }

// Async-signal-safe: atomics, write and _exit only.
void OnSigbus(int sig, siginfo_t* info, void* context) {
  const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  for (Slot& s : g_slots) {
    const uintptr_t begin = s.begin.load(std::memory_order_acquire);
    if (begin <= kClaimed || addr < begin || addr >= s.end.load(std::memory_order_relaxed)) continue;
    WriteStr("tributary: input file ");
    WriteStr(s.name);
    WriteStr(" became shorter while it was being read (truncated or replaced by another "
             "program); stopping. Batches committed before this point are kept: run the "
             "same import again to resume once the file is whole.\n");
    ::_exit(3);
  }
  // Not an input's page: whatever handled SIGBUS before does.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) return g_previous.sa_sigaction(sig, info, context);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN &&
             g_previous.sa_handler != nullptr) {
    return g_previous.sa_handler(sig);
  }
  // The default action: returning re-runs a faulting access, which now
  // kills; a signal sent by kill or raise is sent again.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(SIGBUS, &dfl, nullptr);
  if (info->si_code <= 0) ::raise(sig);
}

void InstallHandler() {
  struct sigaction sa {};
  sa.sa_sigaction = OnSigbus;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  g_installed = ::sigaction(SIGBUS, &sa, &g_previous) == 0;
}

int ClaimSlot(const std::string& name, uintptr_t begin, uintptr_t end) {
  for (int i = 0; i < kSlots; ++i) {
    uintptr_t expected = 0;
    if (!g_slots[i].begin.compare_exchange_strong(expected, kClaimed, std::memory_order_acq_rel)) {
      continue;
    }
    const size_t n = std::min(name.size(), kNameBytes - 1);
    std::memcpy(g_slots[i].name, name.data(), n);
    g_slots[i].name[n] = '\0';
    g_slots[i].end.store(end, std::memory_order_relaxed);
    g_slots[i].begin.store(begin, std::memory_order_release);
    return i;
  }
  return -1;
}

}  // namespace

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  std::call_once(g_install_once, InstallHandler);
  if (!g_installed) return Status::IOError("cannot install the SIGBUS handler for mapped inputs");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    ::close(fd);
    return Status::IOError("cannot map " + path + ": not a non-empty regular file");
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  const int mmap_errno = errno;
  ::close(fd);  // the mapping keeps the file
  if (p == MAP_FAILED) return Status::IOError("cannot map " + path + ": " + std::strerror(mmap_errno));
  // Read-ahead of the pages to come; done with a page once read past.
  ::madvise(p, size, MADV_SEQUENTIAL);
  const auto begin = reinterpret_cast<uintptr_t>(p);
  const int slot = ClaimSlot(path, begin, begin + size);
  if (slot < 0) {
    ::munmap(p, size);
    return Status::IOError("cannot map " + path + ": too many mapped inputs");
  }
  return std::unique_ptr<MappedFile>(new MappedFile(static_cast<const char*>(p), size, slot));
}

MappedFile::~MappedFile() {
  // Unpublish first: the handler must not claim faults in an address range
  // that may be reused.
  g_slots[slot_].begin.store(kClaimed, std::memory_order_release);
  ::munmap(const_cast<char*>(data_), size_);
  g_slots[slot_].end.store(0, std::memory_order_relaxed);
  g_slots[slot_].begin.store(0, std::memory_order_release);
}

void MappedFile::Release(size_t offset) {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t upto = std::min(offset, size_) / page * page;
  if (upto <= released_ || (upto - released_ < kReleaseStep && upto < size_ / page * page)) return;
  ::madvise(const_cast<char*>(data_) + released_, upto - released_, MADV_DONTNEED);
  released_ = upto;
}

}  // namespace tributary
