#include "replay/client/connection.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "loopback_server.hpp"

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

Target target_for(const std::string& url) {
  auto target = parse_target(url);
  REQUIRE(target.ok());
  return std::move(target).value();
}

WireBytes request_for(const Target& target, std::string_view method = "GET",
                      std::string_view path = "/") {
  return build_request(method, path, {}, {}, target);
}

// Answers every request on a connection with `response` until the client closes.
LoopbackServer::Handler answer_each_with(std::string response) {
  return [response](int fd) {
    for (int i = 0; i < 100 && !read_request(fd).empty(); ++i) write_all(fd, response);
  };
}

// Reads the request and never answers; returns once the client closes (bounded).
LoopbackServer::Handler never_answer() {
  return [](int fd) {
    read_request(fd);
    read_request(fd, 3000);
  };
}

// One connection to `url`, sending one request and running until it is done.
struct OneRequest {
  OneRequest(TestLoop& loop, const std::string& url, ConnectionOptions options = {})
      : target(target_for(url)),
        connection(std::make_unique<Connection>(loop.get(), target, nullptr, events, options)) {}

  bool run(TestLoop& loop, const WireBytes& request, bool keep_body = false, int limit_ms = 5000) {
    connection->connect();
    REQUIRE(connection->send(request, response, keep_body));
    return loop.run_until([&] { return response.done(); }, limit_ms);
  }

  // Connects and sends `request`, running until all of it is written.
  void send_until_written(TestLoop& loop, const WireBytes& request) {
    connection->connect();
    REQUIRE(connection->send(request, response));
    REQUIRE(loop.run_until([&] { return response.sent_ns != 0; }));
  }

  Target target;
  RecordingEvents events;
  RecordingObserver response;
  std::unique_ptr<Connection> connection;
};

TEST_CASE("Connection: content-length response, callbacks in order, request bytes exact") {
  std::promise<std::string> received;
  const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  LoopbackServer server([&](int fd) {
    received.set_value(read_request(fd));
    write_all(fd, reply);
    read_request(fd);
  });
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    const WireBytes request = request_for(one.target, "GET", "/status?x=1");
    REQUIRE(one.run(loop, request, true));
    CHECK(one.response.completed);
    CHECK(one.response.status == 200);
    CHECK(one.response.bytes == reply.size());
    CHECK(one.response.body == "hello");
    CHECK(one.response.calls ==
          std::vector<std::string>{"sent", "first_byte", "headers", "body", "complete"});
    CHECK(one.response.sent_ns <= one.response.first_byte_ns);
    CHECK(one.response.first_byte_ns <= one.response.done_ns);
    CHECK(one.connection->idle());
    CHECK(one.connection->requests_completed() == 1);
    CHECK(one.events.idle == 1);  // the request was waiting at connect: idle only after it
    CHECK(one.events.closed == 0);
    CHECK(one.connection->last_error().empty());
    one.connection->close();
    CHECK(one.events.closed == 1);
    CHECK_FALSE(one.connection->send(request, one.response));
  }
  CHECK(loop.close() == 0);
  CHECK(received.get_future().get() == "GET /status?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" +
                                           std::to_string(server.port()) + "\r\n\r\n");
}

TEST_CASE("Connection: pause_reading holds a response back until resume_reading") {
  constexpr size_t kBody = 8 << 20;
  LoopbackServer server([&](int fd) {
    read_request(fd);
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kBody) + "\r\n\r\n");
    write_all(fd, std::string(kBody, 'x'));
    read_request(fd);
  });
  // Pauses its connection at the first body piece.
  struct PausingObserver : testing::RecordingObserver {
    Connection* connection = nullptr;
    void on_body(std::string_view chunk) override {
      RecordingObserver::on_body(chunk);
      if (body.size() == chunk.size()) connection->pause_reading();
    }
  };
  TestLoop loop;
  {
    const Target target = target_for(server.url());
    RecordingEvents events;
    Connection connection(loop.get(), target, nullptr, events, {});
    PausingObserver response;
    response.connection = &connection;
    connection.connect();
    const WireBytes request = request_for(target);
    REQUIRE(connection.send(request, response, true));
    REQUIRE(loop.run_until([&] { return !response.body.empty(); }));
    CHECK(connection.reading_paused());
    const size_t first = response.body.size();
    loop.run_until([] { return false; }, 300);
    CHECK(response.body.size() == first);  // nothing read while paused
    CHECK_FALSE(response.done());
    connection.resume_reading();
    REQUIRE(loop.run_until([&] { return response.done(); }, 10000));
    CHECK(response.completed);
    CHECK(response.body.size() == kBody);
    CHECK_FALSE(connection.reading_paused());
    CHECK(connection.idle());
    connection.close();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: a response completing in a paused read leaves the connection reading") {
  const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  LoopbackServer server(answer_each_with(reply));
  struct PausingObserver : testing::RecordingObserver {
    Connection* connection = nullptr;
    void on_body(std::string_view chunk) override {
      RecordingObserver::on_body(chunk);
      connection->pause_reading();
    }
  };
  TestLoop loop;
  {
    const Target target = target_for(server.url());
    RecordingEvents events;
    Connection connection(loop.get(), target, nullptr, events, {});
    const WireBytes request = request_for(target);
    connection.connect();
    for (int i = 0; i < 2; ++i) {
      PausingObserver response;
      response.connection = &connection;
      REQUIRE(connection.send(request, response, true));
      REQUIRE(loop.run_until([&] { return response.done(); }));
      CHECK(response.body == "hello");
      CHECK_FALSE(connection.reading_paused());
    }
    connection.close();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: chunked response body is decoded") {
  LoopbackServer server(
      answer_each_with("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
                       "world\r\n0\r\n\r\n"));
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    REQUIRE(one.run(loop, request_for(one.target), true));
    CHECK(one.response.status == 200);
    CHECK(one.response.body == "hello world");
    CHECK(one.connection->idle());
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: close-delimited body completes at EOF and the connection closes") {
  LoopbackServer server([](int fd) {
    read_request(fd);
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ");
    sleep_ms(20);
    write_all(fd, "until close");
  });
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    REQUIRE(one.run(loop, request_for(one.target), true));
    CHECK(one.response.completed);
    CHECK(one.response.body == "hello until close");
    CHECK(one.events.closed == 1);
    CHECK(one.events.idle == 0);
    CHECK_FALSE(one.connection->connected());
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: keep-alive serves every request on one connection") {
  LoopbackServer server(answer_each_with("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  TestLoop loop;
  {
    const Target target = target_for(server.url());
    const WireBytes request = request_for(target);
    RecordingEvents events;
    std::vector<RecordingObserver> responses(5);
    size_t next = 0;
    events.idle_hook = [&](Connection& c) {
      if (next < responses.size()) REQUIRE(c.send(request, responses[next++]));
    };
    Connection connection(loop.get(), target, nullptr, events, {});
    connection.connect();
    REQUIRE(loop.run_until([&] { return responses.back().done(); }));
    for (const auto& r : responses) CHECK(r.status == 200);
    CHECK(connection.requests_completed() == 5);
    CHECK(events.idle == 6);
    CHECK(events.closed == 0);
  }
  CHECK(loop.close() == 0);
  CHECK(server.accepts() == 1);
}

TEST_CASE("Connection: a Connection: close response completes, then the connection closes") {
  LoopbackServer server([](int fd) {
    read_request(fd);
    write_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
    read_request(fd, 1000);
  });
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    one.events.closed_hook = [&](Connection&) {
      CHECK(one.response.completed);  // on_complete came first
    };
    REQUIRE(one.run(loop, request_for(one.target)));
    CHECK(one.response.status == 200);
    CHECK(one.events.closed == 1);
    CHECK(one.events.idle == 0);
    CHECK_FALSE(one.connection->idle());
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: text/event-stream events are stamped as they arrive") {
  LoopbackServer server([](int fd) {
    read_request(fd);
    write_all(fd,
              "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
              "Transfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; ++i) {
      sleep_ms(50);
      const std::string event = "data: token " + std::to_string(i) + "\n\n";
      char size[16];
      std::snprintf(size, sizeof size, "%zx\r\n", event.size());
      write_all(fd, std::string(size) + event + "\r\n");
    }
    write_all(fd, "0\r\n\r\n");
    read_request(fd, 1000);
  });
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    REQUIRE(one.run(loop, request_for(one.target)));
    CHECK(one.response.completed);
    CHECK(one.response.event_stream);
    REQUIRE(one.response.event_ns.size() == 3);
    CHECK(one.response.event_ns[0] - one.response.sent_ns >= 40 * kNsPerMs);
    CHECK(one.response.event_ns[1] - one.response.event_ns[0] >= 40 * kNsPerMs);
    CHECK(one.response.event_ns[2] - one.response.event_ns[1] >= 40 * kNsPerMs);
    CHECK(one.response.done_ns >= one.response.event_ns[2]);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: a refused connection fails the waiting request with connect_refused") {
  TestLoop loop;
  {
    OneRequest one(loop, "http://127.0.0.1:" + std::to_string(testing::unused_port()));
    REQUIRE(one.run(loop, request_for(one.target)));
    REQUIRE(one.response.failure.has_value());
    CHECK(*one.response.failure == FailureCause::connect_refused);
    CHECK(one.response.calls == std::vector<std::string>{"failed:connect_refused"});
    CHECK(one.events.closed == 1);
    CHECK(one.events.idle == 0);
    CHECK(one.connection->last_error().find("refused") != std::string_view::npos);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: a connection refused with no request only reports on_closed") {
  TestLoop loop;
  {
    const Target target = target_for("http://127.0.0.1:" + std::to_string(testing::unused_port()));
    RecordingEvents events;
    Connection connection(loop.get(), target, nullptr, events, {});
    connection.connect();
    REQUIRE(loop.run_until([&] { return events.closed > 0; }));
    CHECK(events.closed == 1);
    CHECK(events.idle == 0);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: a connect that gets no answer fails with connect_timeout") {
  // A listener whose accept queue is full drops further SYNs, so connecting hangs.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 0) == 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(fd);
  }
  sleep_ms(20);
  TestLoop loop;
  {
    OneRequest one(loop, "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)),
                   ConnectionOptions{.connect_timeout_ms = 200, .timeout_ms = 5000});
    REQUIRE(one.run(loop, request_for(one.target)));
    REQUIRE(one.response.failure.has_value());
    CHECK(*one.response.failure == FailureCause::connect_timeout);
    CHECK(one.events.closed == 1);
  }
  CHECK(loop.close() == 0);
  for (int fd : fillers) ::close(fd);
  ::close(listener);
}

TEST_CASE("Connection: a server that never answers fails the request with timeout") {
  LoopbackServer server(never_answer());
  TestLoop loop;
  {
    OneRequest one(loop, server.url(),
                   ConnectionOptions{.connect_timeout_ms = 1000, .timeout_ms = 200});
    REQUIRE(one.run(loop, request_for(one.target)));
    REQUIRE(one.response.failure.has_value());
    CHECK(*one.response.failure == FailureCause::timeout);
    const uint64_t waited_ns = one.response.done_ns - one.response.sent_ns;
    CHECK(waited_ns >= 200 * kNsPerMs);
    CHECK(waited_ns < 1200 * kNsPerMs);
    CHECK(one.events.closed == 1);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: the timeout counts from each request, not from the first") {
  std::atomic<int> answered{0};
  LoopbackServer server([&](int fd) {
    for (int i = 0; i < 2 && !read_request(fd).empty(); ++i) {
      write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
      ++answered;
    }
    read_request(fd);        // the third request: never answered
    read_request(fd, 3000);  // until the client gives up
  });
  TestLoop loop;
  {
    const Target target = target_for(server.url());
    RecordingEvents events;
    Connection connection(loop.get(), target, nullptr, events,
                          ConnectionOptions{.connect_timeout_ms = 1000, .timeout_ms = 300});
    connection.connect();
    std::vector<RecordingObserver> responses(3);
    for (auto& response : responses) {
      REQUIRE(loop.run_until([&] { return connection.idle(); }));
      loop.run_until([] { return false; }, 120);  // spread the requests over the first timeout
      REQUIRE(connection.send(request_for(target), response));
      REQUIRE(loop.run_until([&] { return response.done(); }));
      if (&response != &responses.back()) REQUIRE(response.completed);
    }
    REQUIRE(responses[2].failure.has_value());
    CHECK(*responses[2].failure == FailureCause::timeout);
    const uint64_t waited_ns = responses[2].done_ns - responses[2].sent_ns;
    CHECK(waited_ns >= 300 * kNsPerMs);
    CHECK(waited_ns < 1300 * kNsPerMs);
  }
  CHECK(loop.close() == 0);
  CHECK(answered == 2);
}

TEST_CASE("Connection: a reset in the middle of a response fails with reset") {
  LoopbackServer server([](int fd) {
    read_request(fd);
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    sleep_ms(50);
    reset_socket(fd);
  });
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    REQUIRE(one.run(loop, request_for(one.target)));
    REQUIRE(one.response.failure.has_value());
    CHECK(*one.response.failure == FailureCause::reset);
    CHECK(one.response.first_byte_ns != 0);
    CHECK(one.events.closed == 1);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: a garbage response fails with http_parse") {
  LoopbackServer server(answer_each_with("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    REQUIRE(one.run(loop, request_for(one.target)));
    REQUIRE(one.response.failure.has_value());
    CHECK(*one.response.failure == FailureCause::http_parse);
    CHECK(one.events.closed == 1);
    CHECK(one.connection->last_error().find("malformed response") != std::string_view::npos);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: EOF before or during a response fails with closed_early") {
  SUBCASE("before any byte") {
    LoopbackServer server([](int fd) { read_request(fd); });
    TestLoop loop;
    {
      OneRequest one(loop, server.url());
      REQUIRE(one.run(loop, request_for(one.target)));
      REQUIRE(one.response.failure.has_value());
      CHECK(*one.response.failure == FailureCause::closed_early);
      CHECK(one.response.first_byte_ns == 0);
    }
    CHECK(loop.close() == 0);
  }
  SUBCASE("short body") {
    LoopbackServer server([](int fd) {
      read_request(fd);
      write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    });
    TestLoop loop;
    {
      OneRequest one(loop, server.url());
      REQUIRE(one.run(loop, request_for(one.target)));
      REQUIRE(one.response.failure.has_value());
      CHECK(*one.response.failure == FailureCause::closed_early);
    }
    CHECK(loop.close() == 0);
  }
}

TEST_CASE("Connection: HEAD, 204 and 1xx responses carry no body and keep the connection") {
  std::atomic<int> served{0};
  LoopbackServer server([&](int fd) {
    for (int i = 0; i < 10; ++i) {
      const std::string request = read_request(fd);
      if (request.empty()) return;
      ++served;
      if (request.rfind("HEAD ", 0) == 0) {
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
      } else if (request.find("/empty") != std::string::npos) {
        write_all(fd, "HTTP/1.1 204 No Content\r\n\r\n");
      } else {
        write_all(fd,
                  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                  "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone");
      }
    }
  });
  TestLoop loop;
  {
    const Target target = target_for(server.url());
    const std::vector<WireBytes> requests = {request_for(target, "HEAD"),
                                             request_for(target, "GET", "/empty"),
                                             request_for(target, "POST", "/create")};
    std::vector<RecordingObserver> responses(requests.size());
    size_t next = 0;
    RecordingEvents events;
    events.idle_hook = [&](Connection& c) {
      if (next < requests.size()) {
        REQUIRE(c.send(requests[next], responses[next], true));
        ++next;
      }
    };
    Connection connection(loop.get(), target, nullptr, events, {});
    connection.connect();
    REQUIRE(loop.run_until([&] { return responses.back().done(); }));
    CHECK(responses[0].status == 200);
    CHECK(responses[0].body.empty());
    CHECK(responses[1].status == 204);
    CHECK(responses[2].status == 201);
    CHECK(responses[2].headers_status == 201);
    CHECK(responses[2].body == "done");
    CHECK(std::count(responses[2].calls.begin(), responses[2].calls.end(), "headers") == 1);
    CHECK(connection.requests_completed() == 3);
    CHECK(events.closed == 0);
  }
  CHECK(loop.close() == 0);
  CHECK(server.accepts() == 1);
  CHECK(served == 3);
}

TEST_CASE("Connection: bytes after a complete response close the connection") {
  LoopbackServer server([](int fd) {
    read_request(fd);
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
    read_request(fd, 1000);
  });
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    REQUIRE(one.run(loop, request_for(one.target)));
    CHECK(one.response.completed);
    CHECK(one.response.bytes == 40);
    REQUIRE(loop.run_until([&] { return one.events.closed > 0; }));
    CHECK(one.events.idle == 0);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: bytes on an idle connection close it") {
  LoopbackServer server([](int fd) {
    read_request(fd);
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    sleep_ms(50);
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    read_request(fd, 1000);
  });
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    REQUIRE(one.run(loop, request_for(one.target)));
    CHECK(one.response.completed);
    REQUIRE(loop.run_until([&] { return one.events.closed > 0; }));
    CHECK(one.events.idle == 1);
    CHECK(one.connection->last_error().find("no request in flight") != std::string_view::npos);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: close() with a request in flight fails it, then reports on_closed") {
  LoopbackServer server(never_answer());
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    one.send_until_written(loop, request_for(one.target));
    RecordingObserver other;
    CHECK_FALSE(one.connection->send(request_for(one.target), other));  // busy
    CHECK_FALSE(one.connection->idle());
    CHECK(one.connection->connected());
    one.events.closed_hook = [&](Connection&) { CHECK(one.response.failure.has_value()); };
    one.connection->close();
    one.connection->close();
    REQUIRE(one.response.failure.has_value());
    CHECK(*one.response.failure == FailureCause::closed_early);
    CHECK(one.events.closed == 1);
    CHECK(other.calls.empty());
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: the owner may destroy the connection from on_closed") {
  LoopbackServer server([](int fd) {
    read_request(fd);
    write_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    one.events.closed_hook = [&](Connection&) { one.connection.reset(); };
    REQUIRE(one.run(loop, request_for(one.target)));
    CHECK(one.response.completed);
    CHECK(one.connection == nullptr);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection: destroying a connection mid-request fails the request, no events") {
  LoopbackServer server(never_answer());
  TestLoop loop;
  {
    OneRequest one(loop, server.url());
    one.send_until_written(loop, request_for(one.target));
    one.connection.reset();
    REQUIRE(one.response.failure.has_value());
    CHECK(*one.response.failure == FailureCause::closed_early);
    CHECK(one.events.closed == 0);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("failure_cause_name spells every cause as in the enum") {
  CHECK(std::string(failure_cause_name(FailureCause::connect_refused)) == "connect_refused");
  CHECK(std::string(failure_cause_name(FailureCause::connect_timeout)) == "connect_timeout");
  CHECK(std::string(failure_cause_name(FailureCause::connect_error)) == "connect_error");
  CHECK(std::string(failure_cause_name(FailureCause::reset)) == "reset");
  CHECK(std::string(failure_cause_name(FailureCause::timeout)) == "timeout");
  CHECK(std::string(failure_cause_name(FailureCause::tls)) == "tls");
  CHECK(std::string(failure_cause_name(FailureCause::http_parse)) == "http_parse");
  CHECK(std::string(failure_cause_name(FailureCause::closed_early)) == "closed_early");
}

}  // namespace
}  // namespace replay::client
