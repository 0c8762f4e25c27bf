// TlsContext::negotiate_alpn: one blocking handshake at start-up to learn what the server
// speaks (--http auto on an https target).

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "replay/tls/tls_context.hpp"

namespace replay::tls {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Closes the socket on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits until `fd` can do `events`, up to the deadline; false on time out or error.
bool wait_for(int fd, short events, SteadyClock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return false;
  }
}

Error network(std::string_view host, const std::string& why) {
  return make_error(Errc::network, "ALPN probe of " + std::string(host) + ": " + why);
}

}  // namespace

Result<std::string> TlsContext::negotiate_alpn(const sockaddr_storage& addr, std::string_view host,
                                               int64_t timeout_ms) const {
  auto made = new_transport(host);
  if (!made) return made.error();
  Transport& tls = *made.value();
  const auto deadline =
      SteadyClock::now() + std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : 10'000);
  Fd socket_fd{::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (socket_fd.fd < 0) return network(host, std::strerror(errno));
  const int fd = socket_fd.fd;
  const socklen_t length = addr.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), length) != 0 &&
      errno != EINPROGRESS) {
    return network(host, std::strerror(errno));
  }
  if (!wait_for(fd, POLLOUT, deadline)) return network(host, "no connection in time");
  int error = 0;
  socklen_t error_length = sizeof error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_length);
  if (error != 0) return network(host, std::strerror(error));
  if (tls.start() == Io::Failed) return network(host, std::string(tls.error()));
  char buffer[16 * 1024];
  while (!tls.established()) {
    SendBuffer out;
    if (tls.take_outgoing(out)) {
      std::string_view bytes = out.bytes();
      while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) return network(host, std::strerror(errno));
        if (n > 0) bytes.remove_prefix(static_cast<size_t>(n));
        if (!bytes.empty() && !wait_for(fd, POLLOUT, deadline)) {
          return network(host, "handshake timed out");
        }
      }
    }
    if (!wait_for(fd, POLLIN, deadline)) return network(host, "handshake timed out");
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) return network(host, "closed during the TLS handshake");
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return network(host, std::strerror(errno));
    }
    if (tls.feed_received(std::string_view(buffer, static_cast<size_t>(n))) == Io::Failed) {
      return network(host, "tls: " + std::string(tls.error()));
    }
  }
  return std::string(tls.alpn());
}

}  // namespace replay::tls
