// How a response's end is seen in every read mode: libuv reads, an eager ReadPoller, and a
// lazy one read by harvest() or read_available() (as the engine's owner does).
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "loopback_server.hpp"
#include "replay/client/connection.hpp"
#include "replay/client/read_poller.hpp"

namespace replay::client {
namespace {

using testing::LoopbackServer;
using testing::read_request;
using testing::RecordingEvents;
using testing::RecordingObserver;
using testing::reset_socket;
using testing::sleep_ms;
using testing::TestLoop;
using testing::write_all;

constexpr uint64_t kNsPerMs = 1'000'000;
constexpr int64_t kTimeoutMs = 3000;
const std::string kCloseDelimited =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close";
const std::string kCutShort = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial";

enum class ReadMode { libuv, eager, lazy_harvest, lazy_direct };
constexpr ReadMode kReadModes[] = {ReadMode::libuv, ReadMode::eager, ReadMode::lazy_harvest,
                                   ReadMode::lazy_direct};

std::string read_mode_name(ReadMode mode) {
  switch (mode) {
    case ReadMode::libuv:
      return "libuv";
    case ReadMode::eager:
      return "eager";
    case ReadMode::lazy_harvest:
      return "lazy-harvest";
    case ReadMode::lazy_direct:
      return "lazy-read_available";
  }
  return "?";
}

// When the test server did each step, on uv_hrtime()'s clock (0: not yet).
struct ServerSteps {
  std::atomic<uint64_t> answered_ns{0};
  std::atomic<uint64_t> ended_ns{0};

  // Waits (bounded) until the server ended the connection, then lets loopback deliver it.
  void wait_for_end() const {
    for (int i = 0; i < 2000 && ended_ns == 0; ++i) sleep_ms(1);
    REQUIRE(ended_ns != 0);
    sleep_ms(5);
  }
  void wait_for_answer() const {
    for (int i = 0; i < 2000 && answered_ns == 0; ++i) sleep_ms(1);
    REQUIRE(answered_ns != 0);
  }
};

// One connection to `server` in `mode` with one GET written; the lazy poller is never
// harvested except by read_once().
struct ModeClient {
  ModeClient(TestLoop& loop, ReadMode mode, const LoopbackServer& server)
      : mode(mode),
        poller(loop.get()),
        target(parse_target(server.url()).value()),
        connection(loop.get(), target, nullptr, events,
                   ConnectionOptions{.connect_timeout_ms = kTimeoutMs,
                                     .timeout_ms = kTimeoutMs,
                                     .read_poller = mode == ReadMode::libuv ? nullptr : &poller}) {
    REQUIRE(poller.ok());
    poller.set_eager(mode == ReadMode::eager);
    connection.connect();
    REQUIRE(connection.send(build_request("GET", "/", {}, {}, target), response, true));
    REQUIRE(loop.run_until([&] { return response.sent_ns != 0; }));
  }
  ~ModeClient() {
    connection.close();
    poller.set_eager(false);
  }

  // What a lazy owner does at one of its wake-ups; the other modes read by themselves.
  void read_once() {
    if (mode == ReadMode::lazy_harvest) {
      poller.harvest();
    } else if (mode == ReadMode::lazy_direct) {
      poller.refresh_clock_offset();
      connection.read_available();
    }
  }
  bool lazy() const { return mode == ReadMode::lazy_harvest || mode == ReadMode::lazy_direct; }

  ReadMode mode;
  ReadPoller poller;  // before the connection, which uses it until destroyed
  Target target;
  RecordingEvents events;
  RecordingObserver response;
  Connection connection;
};

double ms_between(uint64_t from_ns, uint64_t to_ns) {
  return (static_cast<double>(to_ns) - static_cast<double>(from_ns)) / kNsPerMs;
}

}  // namespace

TEST_CASE("Connection: a close-delimited body that ends with the data completes at once") {
  for (const ReadMode mode : kReadModes) {
    SUBCASE(read_mode_name(mode).c_str()) {
      ServerSteps steps;
      LoopbackServer server([&](int fd) {
        if (read_request(fd).empty()) return;
        write_all(fd, kCloseDelimited);
        steps.ended_ns = uv_hrtime();  // the server closes the socket on return
      });
      TestLoop loop;
      {
        ModeClient client(loop, mode, server);
        // Nothing reads until the body and the close are both queued: they are one read pass.
        steps.wait_for_end();
        client.read_once();
        REQUIRE(loop.run_until([&] { return client.response.done(); }, 1000));
        CHECK(client.response.completed);
        CHECK(client.response.body == "until close");
        const double took_ms = ms_between(client.response.sent_ns, client.response.done_ns);
        MESSAGE(read_mode_name(mode), ": completed ", took_ms, " ms after the send");
        CHECK(took_ms < 50);
        CHECK(client.events.closed == 1);
        if (client.lazy()) CHECK_FALSE(client.poller.eager());
      }
      CHECK(loop.close() == 0);
    }
  }
}

TEST_CASE("Connection: a close-delimited body completes when the close arrives, read lazily too") {
  for (const ReadMode mode : kReadModes) {
    SUBCASE(read_mode_name(mode).c_str()) {
      ServerSteps steps;
      LoopbackServer server([&](int fd) {
        if (read_request(fd).empty()) return;
        write_all(fd, kCloseDelimited);
        steps.answered_ns = uv_hrtime();
        sleep_ms(300);
        // Stamped before the FIN leaves: the client may complete on it before this thread
        // runs again, and must never see the stamp unset.
        steps.ended_ns = uv_hrtime();
        shutdown(fd, SHUT_WR);
      });
      TestLoop loop;
      {
        ModeClient client(loop, mode, server);
        steps.wait_for_answer();
        sleep_ms(20);
        // A lazy owner reads the head and body at a wake-up and then not again for a while
        // (here: never): the connection holds the poller eager until the close.
        client.read_once();
        if (client.lazy()) {
          CHECK(client.poller.eager());
          client.poller.set_eager(false);
          CHECK(client.poller.eager());
        }
        REQUIRE(loop.run_until([&] { return client.response.done(); }, 2000));
        CHECK(client.response.completed);
        CHECK(client.response.body == "until close");
        const double after_send_ms = ms_between(steps.answered_ns, client.response.done_ns);
        const double after_close_ms = ms_between(steps.ended_ns, client.response.done_ns);
        MESSAGE(read_mode_name(mode), ": completed ", after_send_ms,
                " ms after the body was sent, ", after_close_ms, " ms after the close");
        CHECK(after_send_ms > 270);
        // At the close, not at the body (0 ms) nor at the timeout (3 s); the server's sleep may
        // run long on a busy machine, so the bound is on the close.
        CHECK(after_close_ms > -30);
        CHECK(after_close_ms < 30);
        if (client.lazy()) CHECK_FALSE(client.poller.eager());
      }
      CHECK(loop.close() == 0);
    }
  }
}

TEST_CASE("Connection: a body cut short by a reset or a close fails at once in every read mode") {
  for (const bool reset : {true, false}) {
    for (const ReadMode mode : kReadModes) {
      SUBCASE((read_mode_name(mode) + (reset ? "-reset" : "-close")).c_str()) {
        ServerSteps steps;
        LoopbackServer server([&](int fd) {
          if (read_request(fd).empty()) return;
          write_all(fd, kCutShort);
          if (reset) reset_socket(fd);
          steps.ended_ns = uv_hrtime();
        });
        TestLoop loop;
        {
          ModeClient client(loop, mode, server);
          steps.wait_for_end();  // the partial body and the end arrive together
          client.read_once();
          REQUIRE(loop.run_until([&] { return client.response.done(); }, 1000));
          REQUIRE(client.response.failure.has_value());
          CHECK(*client.response.failure ==
                (reset ? FailureCause::reset : FailureCause::closed_early));
          CHECK(client.response.first_byte_ns != 0);
          const double after_end_ms = ms_between(steps.ended_ns, client.response.done_ns);
          MESSAGE(read_mode_name(mode), (reset ? ", reset" : ", close"), ": failed ", after_end_ms,
                  " ms after the end");
          CHECK(after_end_ms < 50);
          CHECK(client.events.closed == 1);
        }
        CHECK(loop.close() == 0);
      }
    }
  }
}

TEST_CASE("Connection: a reset after part of the body was read fails at the next read") {
  for (const ReadMode mode : kReadModes) {
    SUBCASE(read_mode_name(mode).c_str()) {
      ServerSteps steps;
      LoopbackServer server([&](int fd) {
        if (read_request(fd).empty()) return;
        write_all(fd, kCutShort);
        steps.answered_ns = uv_hrtime();
        sleep_ms(100);
        reset_socket(fd);
        steps.ended_ns = uv_hrtime();
      });
      TestLoop loop;
      {
        ModeClient client(loop, mode, server);
        steps.wait_for_answer();
        sleep_ms(20);
        client.read_once();
        loop.run_until([&] { return client.response.done(); }, 20);
        CHECK(client.response.first_byte_ns != 0);
        CHECK_FALSE(client.response.done());
        steps.wait_for_end();
        client.read_once();  // a lazy owner's next wake-up
        REQUIRE(loop.run_until([&] { return client.response.done(); }, 1000));
        REQUIRE(client.response.failure.has_value());
        CHECK(*client.response.failure == FailureCause::reset);
        CHECK(ms_between(steps.ended_ns, client.response.done_ns) < 50);
      }
      CHECK(loop.close() == 0);
    }
  }
}

}  // namespace replay::client
