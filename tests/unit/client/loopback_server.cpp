#include "loopback_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "replay/uv/handle.hpp"

namespace replay::client::testing {
namespace {

int listen_loopback(uint16_t& port, bool do_listen) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) std::abort();
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  if (do_listen && ::listen(fd, 16) != 0) std::abort();
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

LoopbackServer::LoopbackServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = listen_loopback(port_, true);
  thread_ = std::thread([this] { serve(); });
}

LoopbackServer::~LoopbackServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string LoopbackServer::url(std::string_view scheme) const {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
}

void LoopbackServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++accepts_;
    handler_(fd);
    ::close(fd);
  }
}

std::string read_request(int fd, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string data;
  size_t wanted = std::string::npos;
  while (data.size() < wanted) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return {};
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return {};
    data.append(buffer, static_cast<size_t>(n));
    const size_t head_end = data.find("\r\n\r\n");
    if (wanted == std::string::npos && head_end != std::string::npos) {
      size_t body = 0;
      const size_t at = data.find("Content-Length: ");
      if (at != std::string::npos && at < head_end)
        body = std::strtoul(&data[at + 16], nullptr, 10);
      wanted = head_end + 4 + body;
    }
  }
  return data;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void reset_socket(int fd) {
  const linger hard{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
}

uint16_t unused_port() {
  uint16_t port = 0;
  ::close(listen_loopback(port, false));
  return port;
}

TestLoop::TestLoop() {
  uv_loop_init(&loop_);
}

TestLoop::~TestLoop() {
  if (!closed_) close();
}

bool TestLoop::run_until(const std::function<bool()>& done, int limit_ms) {
  // A ticking timer so each UV_RUN_ONCE returns even when nothing else happens.
  auto tick = uv::make_handle<uv_timer_t>();
  uv_timer_init(&loop_, tick.get());
  uv_timer_start(
      tick.get(), [](uv_timer_t*) {}, 5, 5);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit_ms);
  while (!done() && std::chrono::steady_clock::now() < deadline) uv_run(&loop_, UV_RUN_ONCE);
  tick.reset();
  uv_run(&loop_, UV_RUN_NOWAIT);
  return done();
}

int TestLoop::close() {
  closed_ = true;
  for (int i = 0; i < 100 && uv_run(&loop_, UV_RUN_NOWAIT) != 0; ++i) sleep_ms(1);
  return uv_loop_close(&loop_);
}

void RecordingObserver::on_sent(uint64_t now_ns) {
  calls.push_back("sent");
  sent_ns = now_ns;
}
void RecordingObserver::on_first_byte(uint64_t now_ns) {
  calls.push_back("first_byte");
  first_byte_ns = now_ns;
}
void RecordingObserver::on_headers(int status_code, bool is_event_stream) {
  calls.push_back("headers");
  headers_status = status_code;
  event_stream = is_event_stream;
}
void RecordingObserver::on_sse_event(uint64_t now_ns) {
  calls.push_back("sse_event");
  event_ns.push_back(now_ns);
}
void RecordingObserver::on_body(std::string_view chunk) {
  if (calls.empty() || calls.back() != "body") calls.push_back("body");
  body.append(chunk);
}
void RecordingObserver::on_complete(uint64_t now_ns, int status_code, uint64_t total) {
  calls.push_back("complete");
  done_ns = now_ns;
  completed = true;
  status = status_code;
  bytes = total;
}
void RecordingObserver::on_failed(uint64_t now_ns, FailureCause cause) {
  calls.push_back(std::string("failed:") + failure_cause_name(cause));
  done_ns = now_ns;
  failure = cause;
}

void RecordingEvents::on_idle(Connection& connection) {
  ++idle;
  if (idle_hook) idle_hook(connection);
}
void RecordingEvents::on_closed(Connection& connection) {
  ++closed;
  if (closed_hook) closed_hook(connection);
}

}  // namespace replay::client::testing
