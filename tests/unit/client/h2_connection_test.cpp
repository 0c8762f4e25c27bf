// H2Connection on a real loop over loopback, against replay's own HTTP server with HTTP/2 on
// (h2c with prior knowledge, same loop): streams in parallel, per-request timing and the
// server's RST_STREAM fault; and the HTTP/1.1-to-HTTP/2 header conversion.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "../../../src/client/h2_request.hpp"
#include "loopback_server.hpp"
#include "replay/client/h2_connection.hpp"
#include "replay/client/request_builder.hpp"
#include "replay/http/server.hpp"

namespace replay::client {
namespace {

using testing::RecordingObserver;
using testing::TestLoop;

constexpr uint64_t kNsPerMs = 1'000'000;
constexpr uint64_t kDelayMs = 30;

struct H2Events : H2Connection::Events {
  void on_idle(H2Connection&) override { ++idle; }
  void on_closed(H2Connection&) override { ++closed; }
  int idle = 0;
  int closed = 0;
};

// An in-process server answering every request kDelayMs later with what it saw:
// "<version> <method> <target> host=<host> body=<body>".
class DelayServer {
 public:
  explicit DelayServer(uv_loop_t* loop, http::ServerOptions options = {}) : loop_(loop) {
    options.http2 = true;
    server_ = std::make_unique<http::Server>(
        loop,
        [this](http::Request& request, http::ResponseWriter writer) { answer(request, writer); },
        options);
    REQUIRE(server_->listen(net::parse_address("127.0.0.1:0").value()));
  }
  ~DelayServer() {
    server_->close();
    for (auto& timer : timers_) timer->data = nullptr;
  }
  std::string url() const {
    return "h2c://127.0.0.1:" + std::to_string(server_->local_address().port());
  }

 private:
  struct Pending {
    http::ResponseWriter writer;
    std::string body;
  };
  void answer(http::Request& request, http::ResponseWriter writer) {
    auto* pending =
        new Pending{writer, std::to_string(request.version_major) + " " +
                                std::string(request.method) + " " + request.target +
                                " host=" + std::string(request.headers.find("host").value_or("")) +
                                " body=" + request.body};
    timers_.push_back(uv::make_handle<uv_timer_t>());
    uv_timer_t* timer = timers_.back().get();
    uv_timer_init(loop_, timer);
    timer->data = pending;
    // From now, not from the loop's cached time: the answer is never early.
    uv_update_time(loop_);
    uv_timer_start(
        timer,
        [](uv_timer_t* t) {
          std::unique_ptr<Pending> p(static_cast<Pending*>(t->data));
          if (!p) return;
          t->data = nullptr;
          p->writer.respond(200, {{"Content-Type", "text/plain"}}, p->body);
        },
        kDelayMs, 0);
  }

  uv_loop_t* loop_;
  std::unique_ptr<http::Server> server_;
  std::vector<uv::UvHandle<uv_timer_t>> timers_;
};

TEST_CASE("H2Connection: three requests on three streams at once, each timed on its own") {
  TestLoop loop;
  {
    DelayServer server(loop.get());
    const Target target = parse_target(server.url()).value();
    H2Events events;
    H2Connection connection(loop.get(), target, nullptr, events, ConnectionOptions{}, 100);
    connection.connect();
    RecordingObserver observers[3];
    std::vector<WireBytes> requests;
    for (int i = 0; i < 3; ++i) {
      requests.push_back(build_request("POST", "/item/" + std::to_string(i),
                                       {{"X-Number", std::to_string(i)}}, "hello", target, {}));
      REQUIRE(connection.send(requests.back(), observers[i], true));
    }
    CHECK(connection.open_streams() == 3);
    REQUIRE(loop.run_until(
        [&] { return observers[0].done() && observers[1].done() && observers[2].done(); }));
    CHECK(connection.peak_streams() == 3);
    CHECK(connection.streams_opened() == 3);
    CHECK(connection.open_streams() == 0);
    CHECK(connection.server_max_streams() == 100);  // the server's SETTINGS
    CHECK(connection.can_send());
    for (int i = 0; i < 3; ++i) {
      const RecordingObserver& o = observers[i];
      INFO("request " << i);
      CHECK(o.completed);
      CHECK(o.status == 200);
      CHECK(o.body ==
            "2 POST /item/" + std::to_string(i) + " host=" + target.host_header + " body=hello");
      CHECK(o.calls ==
            std::vector<std::string>{"sent", "first_byte", "headers", "body", "complete"});
      // The server's uv_timer counts from its loop's cached time, taken before it read the
      // request: it may fire up to a millisecond before kDelayMs after the request arrived.
      CHECK(o.done_ns - o.sent_ns >= (kDelayMs - 1) * kNsPerMs);
      CHECK(o.done_ns - o.sent_ns < (kDelayMs + 25) * kNsPerMs);
      // The body plus :status, content-type and content-length as HTTP/1.1 lines would be.
      CHECK(o.bytes > o.body.size());
    }
    // All three were on the wire before the first answer came: they overlapped.
    CHECK(observers[2].sent_ns < observers[0].first_byte_ns);
    connection.close();
    CHECK(events.closed == 1);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("H2Connection: a stream the server resets fails as h2_reset, the others go on") {
  TestLoop loop;
  {
    http::ServerOptions options;
    options.h2_reset_every = 2;
    DelayServer server(loop.get(), options);
    const Target target = parse_target(server.url()).value();
    H2Events events;
    H2Connection connection(loop.get(), target, nullptr, events, ConnectionOptions{}, 100);
    connection.connect();
    RecordingObserver first, second, third;
    const WireBytes request = build_request("GET", "/", {}, "", target, {});
    REQUIRE(connection.send(request, first));
    REQUIRE(loop.run_until([&] { return first.done(); }));
    REQUIRE(connection.send(request, second));
    REQUIRE(loop.run_until([&] { return second.done(); }));
    REQUIRE(connection.send(request, third));
    REQUIRE(loop.run_until([&] { return third.done(); }));
    CHECK(first.completed);
    REQUIRE(second.failure.has_value());
    CHECK(*second.failure == FailureCause::h2_reset);
    CHECK(connection.last_error().find("INTERNAL_ERROR") != std::string_view::npos);
    CHECK(third.completed);
    CHECK(events.closed == 0);
    connection.close();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("H2Connection: --max-streams caps the streams open at once") {
  TestLoop loop;
  {
    DelayServer server(loop.get());
    const Target target = parse_target(server.url()).value();
    H2Events events;
    H2Connection connection(loop.get(), target, nullptr, events, ConnectionOptions{}, 2);
    connection.connect();
    RecordingObserver a, b, c;
    const WireBytes request = build_request("GET", "/", {}, "", target, {});
    CHECK(connection.send(request, a));
    CHECK(connection.send(request, b));
    CHECK_FALSE(connection.can_send());
    CHECK_FALSE(connection.send(request, c));  // refused, no callback
    REQUIRE(loop.run_until([&] { return a.done() && b.done(); }));
    CHECK(connection.can_send());
    CHECK(c.calls.empty());
    connection.close();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("H2Connection: an HTTP/1.1-only server fails the request as h2_protocol, saying so") {
  testing::LoopbackServer http1([](int fd) {
    testing::read_request(fd, 2000);  // the preface and frames: no HTTP/1.1 head, times out
    testing::write_all(fd,
                       "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                       "Connection: close\r\n\r\n");
  });
  TestLoop loop;
  {
    const Target target = parse_target(http1.url("h2c")).value();
    H2Events events;
    H2Connection connection(loop.get(), target, nullptr, events, ConnectionOptions{}, 100);
    connection.connect();
    RecordingObserver observer;
    REQUIRE(connection.send(build_request("GET", "/", {}, "", target, {}), observer));
    REQUIRE(loop.run_until([&] { return observer.done(); }));
    REQUIRE(observer.failure.has_value());
    CHECK(*observer.failure == FailureCause::h2_protocol);
    CHECK(connection.last_error().find("did not answer in HTTP/2") != std::string_view::npos);
    CHECK(events.closed == 1);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("to_h2_request: pseudo-headers first, names lower-cased, hop-by-hop left out") {
  const Target target = parse_target("h2c://127.0.0.1:8080").value();
  CHECK(target.http2);
  CHECK(target.host_header == "127.0.0.1:8080");
  const WireBytes wire =
      build_request("PUT", "/a?b=1", {{"Content-Type", "text/plain"}, {"Connection", "close"}},
                    "xyz", target, {});
  H2Request out;
  std::string error;
  REQUIRE(to_h2_request(*wire, "http", out, error));
  std::vector<std::string> fields;
  for (const auto& nv : out.fields) {
    fields.push_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen) + "=" +
                     std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
  }
  CHECK(fields == std::vector<std::string>{":method=PUT", ":scheme=http",
                                           ":authority=127.0.0.1:8080", ":path=/a?b=1",
                                           "content-type=text/plain", "content-length=3"});
  CHECK(wire->substr(out.body_offset) == "xyz");
  CHECK_FALSE(to_h2_request("GET / HTTP/1.1\r\nHost: x\r\n", "http", out, error));
  CHECK(error == "request head without an end");
}

}  // namespace
}  // namespace replay::client
