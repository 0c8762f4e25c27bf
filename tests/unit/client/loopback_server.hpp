#pragma once
// Test-only servers and loop helpers for the client tests: 127.0.0.1 only, every wait bounded.

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "replay/client/connection.hpp"

namespace replay::client::testing {

// A blocking TCP server on 127.0.0.1 (ephemeral port) with one thread that serves accepted
// connections one after another with `handler`; the server closes each socket after its
// handler returns. The destructor stops accepting and joins.
class LoopbackServer {
 public:
  using Handler = std::function<void(int fd)>;
  explicit LoopbackServer(Handler handler);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url(std::string_view scheme = "http") const;
  int accepts() const { return accepts_.load(); }

 private:
  void serve();

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepts_{0};
  std::thread thread_;
};

// Reads one request (head up to the blank line, plus a Content-Length body). Empty at EOF,
// on error or after `timeout_ms`.
std::string read_request(int fd, int timeout_ms = 5000);
bool write_all(int fd, std::string_view bytes);
void sleep_ms(int ms);
// Closes with SO_LINGER 0 so the peer gets a RST.
void reset_socket(int fd);
// A port on 127.0.0.1 that nothing listens on (bound, then closed).
uint16_t unused_port();

// Runs a libuv loop for a test and checks at the end that every handle was closed.
class TestLoop {
 public:
  TestLoop();
  ~TestLoop();
  uv_loop_t* get() { return &loop_; }
  // Runs the loop until `done()` or `limit_ms` has passed; returns done().
  bool run_until(const std::function<bool()>& done, int limit_ms = 5000);
  // Lets pending close callbacks run, then closes the loop: 0 when no handle leaked.
  int close();

 private:
  uv_loop_t loop_{};
  bool closed_ = false;
};

// Records every callback of one request.
struct RecordingObserver : ResponseObserver {
  void on_sent(uint64_t now_ns) override;
  void on_first_byte(uint64_t now_ns) override;
  void on_headers(int status, bool is_event_stream) override;
  void on_sse_event(uint64_t now_ns) override;
  void on_body(std::string_view chunk) override;
  void on_complete(uint64_t now_ns, int status, uint64_t bytes) override;
  void on_failed(uint64_t now_ns, FailureCause cause) override;
  bool done() const { return completed || failure.has_value(); }

  std::vector<std::string> calls;  // callback names in order ("sent", "first_byte", ...)
  uint64_t sent_ns = 0;
  uint64_t first_byte_ns = 0;
  uint64_t done_ns = 0;
  std::vector<uint64_t> event_ns;
  int headers_status = 0;
  bool event_stream = false;
  std::string body;
  bool completed = false;
  int status = 0;
  uint64_t bytes = 0;
  std::optional<FailureCause> failure;
};

// Counts connection events; optional hooks run inside them.
struct RecordingEvents : Connection::Events {
  void on_idle(Connection& connection) override;
  void on_closed(Connection& connection) override;

  int idle = 0;
  int closed = 0;
  std::function<void(Connection&)> idle_hook;
  std::function<void(Connection&)> closed_hook;
};

}  // namespace replay::client::testing
