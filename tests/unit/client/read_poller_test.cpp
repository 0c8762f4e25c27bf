#include "replay/client/read_poller.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "loopback_server.hpp"
#include "replay/client/connection.hpp"

namespace replay::client {
namespace {

using testing::LoopbackServer;
using testing::read_request;
using testing::RecordingEvents;
using testing::RecordingObserver;
using testing::sleep_ms;
using testing::TestLoop;
using testing::write_all;

constexpr uint64_t kNsPerMs = 1'000'000;
const std::string kReply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

Target target_for(const std::string& url) {
  auto target = parse_target(url);
  REQUIRE(target.ok());
  return std::move(target).value();
}

// A polled connection to `server` with one request written and its answer on the way.
struct PolledRequest {
  PolledRequest(TestLoop& loop, ReadPoller& poller, const LoopbackServer& server)
      : target(target_for(server.url())),
        connection(loop.get(), target, nullptr, events, ConnectionOptions{.read_poller = &poller}) {
    connection.connect();
    REQUIRE(connection.send(build_request("GET", "/", {}, {}, target), response));
    REQUIRE(loop.run_until([&] { return response.sent_ns != 0; }));
  }

  Target target;
  RecordingEvents events;
  RecordingObserver response;
  Connection connection;
};

}  // namespace

TEST_CASE("ReadPoller: lazy, a response is read only by harvest and keeps its arrival time") {
  LoopbackServer server([](int fd) {
    if (!read_request(fd).empty()) write_all(fd, kReply);
    read_request(fd, 3000);
  });
  TestLoop loop;
  {
    ReadPoller poller(loop.get());
    REQUIRE(poller.ok());
    PolledRequest one(loop, poller, server);
    // The answer comes within microseconds, but nothing reads it while the poller is lazy.
    CHECK_FALSE(loop.run_until([&] { return one.response.done(); }, 100));
    const uint64_t read_late_ns = uv_hrtime();
    poller.harvest();
    REQUIRE(one.response.completed);
    CHECK(one.response.status == 200);
    CHECK(read_late_ns - one.response.sent_ns >= 100 * kNsPerMs);
    // Timed by the kernel's receive stamp: when the answer arrived, not when it was read.
    CHECK(one.response.done_ns >= one.response.sent_ns);
    CHECK(one.response.done_ns - one.response.sent_ns < 50 * kNsPerMs);
    CHECK(one.connection.idle());
    one.connection.close();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("ReadPoller: eager, the loop reads responses as they arrive") {
  LoopbackServer server([](int fd) {
    for (int i = 0; i < 3 && !read_request(fd).empty(); ++i) write_all(fd, kReply);
  });
  TestLoop loop;
  {
    ReadPoller poller(loop.get());
    poller.set_eager(true);
    PolledRequest one(loop, poller, server);
    REQUIRE(loop.run_until([&] { return one.response.done(); }));
    CHECK(one.response.completed);
    // Keep-alive goes on over the polled socket.
    RecordingObserver second;
    REQUIRE(one.connection.send(build_request("GET", "/again", {}, {}, one.target), second));
    REQUIRE(loop.run_until([&] { return second.done(); }));
    CHECK(second.status == 200);
    CHECK(one.connection.requests_completed() == 2);
    poller.set_eager(false);  // the watch is a handle: stopped, it lets the loop end
    one.connection.close();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("ReadPoller: a peer that closes before answering is seen by harvest") {
  LoopbackServer server([](int fd) { read_request(fd); });  // closes without answering
  TestLoop loop;
  {
    ReadPoller poller(loop.get());
    PolledRequest one(loop, poller, server);
    sleep_ms(50);
    poller.harvest();
    REQUIRE(one.response.failure.has_value());
    CHECK(*one.response.failure == FailureCause::closed_early);
    CHECK(one.events.closed == 1);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("ReadPoller: a request timeout reads an unread answer before calling time") {
  LoopbackServer server([](int fd) {
    if (!read_request(fd).empty()) write_all(fd, kReply);
    read_request(fd, 3000);
  });
  TestLoop loop;
  {
    ReadPoller poller(loop.get());  // lazy and never harvested: only the timeout looks
    const Target target = target_for(server.url());
    RecordingEvents events;
    RecordingObserver response;
    Connection connection(loop.get(), target, nullptr, events,
                          ConnectionOptions{.timeout_ms = 200, .read_poller = &poller});
    connection.connect();
    REQUIRE(connection.send(build_request("GET", "/", {}, {}, target), response));
    REQUIRE(loop.run_until([&] { return response.done(); }, 2000));
    CHECK(response.completed);
    CHECK_FALSE(response.failure.has_value());
    CHECK(response.done_ns - response.sent_ns < 100 * kNsPerMs);
    connection.close();
  }
  CHECK(loop.close() == 0);
}

}  // namespace replay::client
