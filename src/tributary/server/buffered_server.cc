#include "tributary/server/buffered_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

namespace tributary {
namespace {

constexpr size_t kReadBuffer = 512 << 10;
// Reads at least this large bypass the buffer when it is empty.
constexpr size_t kDirectRead = 64 << 10;
// How often an idle keep-alive connection looks whether the server stopped.
constexpr int kIdlePollMs = 50;

thread_local std::string t_read_failure;
thread_local httplib::Stream* t_connection = nullptr;

int PollFor(int sock, short events, int timeout_ms) {
  pollfd p{sock, events, 0};
  while (true) {
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r > 0 && (p.revents & (POLLERR | POLLNVAL)) && !(p.revents & events)) return -1;
    return r;
  }
}

int TimeoutMs(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

void AddressOf(int sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr;
  socklen_t len = sizeof(addr);
  int r = peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len)
               : ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len);
  if (r != 0) return;
  char host[NI_MAXHOST];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof(host), nullptr, 0, NI_NUMERICHOST) == 0) {
    ip = host;
  }
  if (addr.ss_family == AF_INET) port = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  else if (addr.ss_family == AF_INET6) port = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

// A connection read through one large buffer: a recv() fills it, reads of
// any size are served from it. Writes go straight to the socket.
class BufferedSocketStream final : public httplib::Stream {
 public:
  BufferedSocketStream(int sock, int read_timeout_ms, int write_timeout_ms)
      : sock_(sock), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms),
        buf_(new char[kReadBuffer]) {}

  bool is_readable() const override { return pos_ < end_ || PollFor(sock_, POLLIN, read_timeout_ms_) > 0; }
  bool is_writable() const override { return PollFor(sock_, POLLOUT, write_timeout_ms_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ == end_) {
      if (size >= kDirectRead) return Receive(ptr, size);
      ssize_t n = Receive(buf_.get(), kReadBuffer);
      if (n <= 0) return n;
      pos_ = 0;
      end_ = static_cast<size_t>(n);
    }
    size_t k = std::min(size, end_ - pos_);
    std::memcpy(ptr, buf_.get() + pos_, k);
    pos_ += k;
    return static_cast<ssize_t>(k);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { AddressOf(sock_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { AddressOf(sock_, false, ip, port); }
  socket_t socket() const override { return sock_; }

  bool buffered() const { return pos_ < end_; }

 private:
  // One recv() into ptr once the socket is readable (within the read timeout).
  ssize_t Receive(char* ptr, size_t size) {
    int ready = PollFor(sock_, POLLIN, read_timeout_ms_);
    if (ready <= 0) {
      t_read_failure = ready == 0 ? "the client sent nothing for " + std::to_string(read_timeout_ms_ / 1000) + " s"
                                  : "the connection failed";
      return -1;
    }
    ssize_t n;
    do {
      n = ::recv(sock_, ptr, size, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      t_read_failure =
          n == 0 ? "the client closed the connection" : std::string("the connection failed: ") + std::strerror(errno);
    }
    return n;
  }

  const int sock_;
  const int read_timeout_ms_;
  const int write_timeout_ms_;
  std::unique_ptr<char[]> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
};

}  // namespace

const std::string& LastReadFailure() { return t_read_failure; }

httplib::Stream* CurrentConnection() { return t_connection; }

bool BufferedHttpServer::process_and_close_socket(socket_t sock) {
  BufferedSocketStream strm(sock, TimeoutMs(read_timeout_sec_, read_timeout_usec_),
                            TimeoutMs(write_timeout_sec_, write_timeout_usec_));
  const auto idle_limit = std::chrono::seconds(keep_alive_timeout_sec_);
  bool ret = false;
  // Waits for the next request on the connection (or bytes of it already
  // read); false when the connection stays idle too long, closes, or the
  // server stops.
  auto next_request = [&] {
    if (strm.buffered()) return true;
    auto start = std::chrono::steady_clock::now();
    while (svr_sock_ != INVALID_SOCKET) {
      int r = PollFor(sock, POLLIN, kIdlePollMs);
      if (r < 0) return false;
      if (r > 0) return true;
      if (std::chrono::steady_clock::now() - start > idle_limit) return false;
    }
    return false;
  };
  for (size_t count = keep_alive_max_count_; count > 0 && svr_sock_ != INVALID_SOCKET && next_request(); --count) {
    t_read_failure.clear();
    bool connection_closed = false;
    t_connection = &strm;
    ret = process_request(strm, count == 1, connection_closed, nullptr);
    t_connection = nullptr;
    if (!ret || connection_closed) break;
  }
  t_read_failure.clear();
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

}  // namespace tributary
