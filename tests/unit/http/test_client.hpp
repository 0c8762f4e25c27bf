#pragma once
// A blocking HTTP/1.1 test client over 127.0.0.1 with timeouts, for server and agent-sim
// tests. Every call is bounded in time.

#include <llhttp.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace replay::testing {

using Clock = std::chrono::steady_clock;

// Milliseconds from `from` to `to`.
double elapsed_ms(Clock::time_point from, Clock::time_point to);

struct BodyPiece {
  Clock::time_point received_at;  // when the read that delivered it returned
  std::string bytes;
};

struct TestResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<BodyPiece> pieces;  // the body as it arrived
  Clock::time_point head_at;      // headers complete
  Clock::time_point done_at;      // message complete
  bool keep_alive = true;

  // First header value with this name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

struct SseEvent {
  Clock::time_point received_at;
  std::string data;  // the event's data: lines joined by '\n'
};

// Splits a text/event-stream body into events, timed by the arrival of their last byte.
std::vector<SseEvent> sse_events(const TestResponse& response);

// One client connection; non-copyable, movable.
class TestConnection {
 public:
  // Connects to 127.0.0.1:port; !is_open() on failure.
  explicit TestConnection(uint16_t port, int timeout_ms = 5000);
  TestConnection(TestConnection&& other) noexcept;
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;
  TestConnection& operator=(TestConnection&&) = delete;
  ~TestConnection();

  bool is_open() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // Reads one response; nullopt on timeout, error or EOF before it completed. `no_body`: the
  // response to a HEAD request, whose Content-Length announces a body that is not sent.
  std::optional<TestResponse> read_response(int timeout_ms = 5000, bool no_body = false);
  // send() then read_response().
  std::optional<TestResponse> request(std::string_view raw, int timeout_ms = 5000,
                                      bool no_body = false);
  // True when the peer closes (EOF or reset) within timeout_ms; bytes read meanwhile are
  // dropped.
  bool wait_closed(int timeout_ms);
  // The last read failed with ECONNRESET.
  bool was_reset() const { return reset_; }
  void close();

 private:
  int fd_ = -1;
  std::string leftover_;
  bool reset_ = false;
};

// Builds a request with Host, Content-Length (when there is a body) and extra header lines
// ("Name: value\r\n" each).
std::string make_request(std::string_view method, std::string_view target,
                         std::string_view body = {}, std::string_view extra_headers = {});

}  // namespace replay::testing
