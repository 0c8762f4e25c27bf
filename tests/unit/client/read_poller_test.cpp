#include "replay/client/read_poller.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <optional>
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

// The descriptor of this process's socket connected to 127.0.0.1:`port`, or -1.
int client_socket_to(uint16_t port) {
  for (int fd = 3; fd < 1024; ++fd) {
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0 &&
        peer.sin_family == AF_INET && ntohs(peer.sin_port) == port) {
      return fd;
    }
  }
  return -1;
}

// Whether the first segment on a fresh loopback TCP connection carries a receive stamp.
bool first_segment_stamped() {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(listen(listener, 1) == 0);
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  REQUIRE(setsockopt(client, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0);
  REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  const int server = accept(listener, nullptr, nullptr);
  REQUIRE(server >= 0);
  REQUIRE(write(server, "x", 1) == 1);
  pollfd readable{client, POLLIN, 0};
  REQUIRE(poll(&readable, 1, 2000) == 1);
  char byte;
  std::optional<int64_t> stamp_ns;
  REQUIRE(receive_stamped(client, &byte, 1, stamp_ns) == 1);
  for (int fd : {server, client, listener}) ::close(fd);
  return stamp_ns.has_value();
}

}  // namespace

TEST_CASE("ReadPoller: receive stamps are on before the first answer of a fresh process") {
  // The kernel turns stamping on a while after the first socket asks; the very first
  // segment used to arrive unstamped, which made a lazy read time it late. Where the kernel
  // never stamps, the poller must say so and its owner reads answers as they arrive.
  const bool stamps = ReadPoller::enable_receive_stamps();
  if (!stamps) MESSAGE("this kernel gives no receive stamps: reads are never deferred");
  CHECK(first_segment_stamped() == stamps);
  TestLoop loop;
  {
    ReadPoller poller(loop.get());
    CHECK(poller.can_defer_reads() == stamps);
  }
  CHECK(loop.close() == 0);
}

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
    CHECK(one.response.done_ns >= one.response.sent_ns);
    if (ReadPoller::enable_receive_stamps()) {
      // Timed by the kernel's receive stamp: when the answer arrived, not when it was read.
      CHECK(one.response.done_ns - one.response.sent_ns < 50 * kNsPerMs);
      CHECK(poller.can_defer_reads());
    } else {
      CHECK(one.response.done_ns >= read_late_ns);  // without stamps: when it was read
      CHECK_FALSE(poller.can_defer_reads());
    }
    CHECK(one.connection.idle());
    one.connection.close();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE(
    "ReadPoller: an answer without a receive stamp is timed at the read and ends lazy reads") {
  LoopbackServer server([](int fd) {
    if (read_request(fd).empty()) return;
    sleep_ms(20);  // the client's stamps are off by then
    write_all(fd, kReply);
    read_request(fd, 3000);
  });
  TestLoop loop;
  {
    ReadPoller poller(loop.get());
    PolledRequest one(loop, poller, server);
    const int fd = client_socket_to(server.port());
    REQUIRE(fd >= 0);
    const int off = 0;
    REQUIRE(setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &off, sizeof off) == 0);
    sleep_ms(100);
    const uint64_t read_late_ns = uv_hrtime();
    poller.harvest();
    REQUIRE(one.response.completed);
    CHECK(one.response.done_ns >= read_late_ns);
    CHECK_FALSE(poller.can_defer_reads());
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

TEST_CASE("ReadPoller: while a connection holds it eager, set_eager(false) leaves it eager") {
  TestLoop loop;
  {
    ReadPoller poller(loop.get());
    REQUIRE(poller.ok());
    CHECK_FALSE(poller.eager());
    poller.hold_eager();
    CHECK(poller.eager());
    poller.set_eager(false);
    CHECK(poller.eager());
    poller.hold_eager();
    poller.release_eager();
    CHECK(poller.eager());  // one hold left
    poller.release_eager();
    CHECK_FALSE(poller.eager());
    poller.set_eager(true);
    poller.hold_eager();
    poller.release_eager();
    CHECK(poller.eager());  // the owner's choice again
    poller.set_eager(false);
    CHECK_FALSE(poller.eager());
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
    if (ReadPoller::enable_receive_stamps()) {
      CHECK(response.done_ns - response.sent_ns < 100 * kNsPerMs);
    } else {
      CHECK(response.done_ns - response.sent_ns >= 200 * kNsPerMs);  // timed at the late read
    }
    connection.close();
  }
  CHECK(loop.close() == 0);
}

}  // namespace replay::client
