#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server_harness.hpp"
#include "test_client.hpp"

using namespace replay;
using namespace replay::http;
using replay::testing::Harness;
using replay::testing::make_request;
using replay::testing::TestConnection;

namespace {

// prefix + decimal number (avoids a GCC 12 -Wrestrict false positive on "literal" + string).
std::string numbered(std::string_view prefix, size_t n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

void respond_text(ResponseWriter& writer, int status, std::string_view body) {
  writer.respond(status, {{"Content-Type", "text/plain"}}, body);
}

}  // namespace

TEST_CASE("keep-alive: several requests share one connection") {
  int connections_seen = 0;
  Harness h([&](Request& req, ResponseWriter w) {
    connections_seen = static_cast<int>(h.server().connection_count());
    respond_text(w, 200, req.target);
  });
  h.run([](uint16_t port) {
    TestConnection c(port);
    CHECK(c.is_open());
    for (int i = 0; i < 3; ++i) {
      auto r = c.request(make_request("GET", numbered("/n", i)));
      REQUIRE(r.has_value());
      CHECK(r->status == 200);
      CHECK(r->body == numbered("/n", i));
      CHECK(r->keep_alive);
      CHECK(r->header("Content-Length") == std::to_string(r->body.size()));
    }
  });
  CHECK(connections_seen == 1);
}

TEST_CASE("every request carries its client's address, keep-alive ones included") {
  std::vector<net::SocketAddress> peers;
  Harness h([&](Request& req, ResponseWriter w) {
    peers.push_back(req.peer);
    respond_text(w, 200, "ok");
  });
  h.run([](uint16_t port) {
    TestConnection a(port);
    TestConnection b(port);
    REQUIRE(a.request(make_request("GET", "/a1")).has_value());
    REQUIRE(a.request(make_request("GET", "/a2")).has_value());
    REQUIRE(b.request(make_request("GET", "/b1")).has_value());
  });
  REQUIRE(peers.size() == 3);
  for (const auto& peer : peers) {
    CHECK(peer.ip() == "127.0.0.1");
    CHECK(peer.port() != 0);
  }
  CHECK(peers[1].port() == peers[0].port());
  CHECK(peers[2].port() != peers[0].port());
}

TEST_CASE("pipelined requests are answered in request order even when answered out of order") {
  Harness* hp = nullptr;
  Harness h([&](Request& req, ResponseWriter w) {
    if (req.path() == "/slow") {
      hp->after(80, [w]() mutable { respond_text(w, 200, "slow"); });
    } else {
      respond_text(w, 200, req.path().substr(1));
    }
  });
  hp = &h;
  h.run([](uint16_t port) {
    TestConnection c(port);
    CHECK(c.send(make_request("GET", "/slow") + make_request("GET", "/fast") +
                 make_request("POST", "/third", "body")));
    auto a = c.read_response();
    auto b = c.read_response();
    auto d = c.read_response();
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    REQUIRE(d.has_value());
    CHECK(a->body == "slow");
    CHECK(b->body == "fast");
    CHECK(d->body == "third");
  });
}

TEST_CASE("many pipelined requests beyond the queue limit are all answered in order") {
  ServerOptions options;
  options.max_pipelined = 4;
  Harness h([](Request& req, ResponseWriter w) { respond_text(w, 200, req.target); }, options);
  h.run([](uint16_t port) {
    TestConnection c(port);
    std::string all;
    for (int i = 0; i < 100; ++i) all += make_request("GET", numbered("/", i));
    CHECK(c.send(all));
    for (int i = 0; i < 100; ++i) {
      auto r = c.read_response();
      REQUIRE(r.has_value());
      CHECK(r->body == numbered("/", i));
    }
  });
}

TEST_CASE("a chunked response is written incrementally") {
  Harness* hp = nullptr;
  Harness h([&](Request&, ResponseWriter w) {
    w.write_head(200, {{"Content-Type", "text/event-stream"}}, std::nullopt);
    w.write_body("data: 1\n\n");
    hp->after(100, [w]() mutable { w.write_body("data: 2\n\n"); });
    hp->after(200, [w]() mutable {
      w.write_body("data: [DONE]\n\n");
      w.end();
    });
  });
  hp = &h;
  h.run([](uint16_t port) {
    TestConnection c(port);
    auto r = c.request(make_request("POST", "/stream", "{}"));
    REQUIRE(r.has_value());
    CHECK(r->header("Transfer-Encoding") == "chunked");
    CHECK(r->body == "data: 1\n\ndata: 2\n\ndata: [DONE]\n\n");
    auto events = replay::testing::sse_events(*r);
    REQUIRE(events.size() == 3);
    CHECK(replay::testing::elapsed_ms(events[0].received_at, events[2].received_at) >= 150);
    CHECK(r->pieces.size() >= 3);
    // The connection is still usable after the stream.
    auto again = c.request(make_request("GET", "/stream"));
    REQUIRE(again.has_value());
    CHECK(again->status == 200);
  });
}

TEST_CASE("a drain callback runs once the socket took every queued byte of a large response") {
  constexpr size_t kFirst = 16 << 20;  // more than loopback socket buffers hold unread
  constexpr size_t kSecond = 1000;
  int drained = 0;
  size_t queued_when_set = 0;
  size_t queued_in_callback = 1;
  Harness h([&](Request&, ResponseWriter w) {
    w.write_head(200, {{"Content-Type", "application/octet-stream"}}, kFirst + kSecond);
    w.write_body(std::string(kFirst, 'a'));
    queued_when_set = w.queued_bytes();
    if (queued_when_set == 0) {
      w.write_body(std::string(kSecond, 'b'));  // nothing to wait for: the checks below fail
      w.end();
      return;
    }
    w.set_drain_callback([&, w] {
      ++drained;
      queued_in_callback = w.queued_bytes();
      w.write_body(std::string(kSecond, 'b'));
      w.end();
    });
  });
  std::optional<testing::TestResponse> response;
  h.run([&](uint16_t port) {
    TestConnection c(port);
    REQUIRE(c.send(make_request("GET", "/large")));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the client reads late
    response = c.read_response(20000);
  });
  CHECK(queued_when_set > 0);
  CHECK(drained == 1);
  CHECK(queued_in_callback == 0);
  REQUIRE(response.has_value());
  REQUIRE(response->body.size() == kFirst + kSecond);
  CHECK(response->body.find('b') == kFirst);
  CHECK(response->body.back() == 'b');
}

TEST_CASE("limits answer 431, 414, 413 and 400 and close only the offending connection") {
  ServerOptions options;
  options.limits.max_header_bytes = 1024;
  options.limits.max_body_bytes = 100;
  Harness h([](Request& req, ResponseWriter w) { respond_text(w, 200, req.body); }, options);
  h.run([](uint16_t port) {
    TestConnection good(port);
    auto check_good = [&] {
      auto r = good.request(make_request("POST", "/ok", "fine"));
      REQUIRE(r.has_value());
      CHECK(r->body == "fine");
    };
    check_good();
    struct Case {
      std::string raw;
      int status;
    };
    std::vector<Case> cases = {
        {make_request("GET", "/", {}, "X-Big: " + std::string(4000, 'x') + "\r\n"), 431},
        {make_request("GET", "/" + std::string(2000, 'u')), 414},
        {make_request("POST", "/", std::string(101, 'b')), 413},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + std::string(100, 'c') +
             "\r\n1\r\nd\r\n0\r\n\r\n",
         413},
        {std::string("\x01\x02garbage\r\n\r\n"), 400},
    };
    for (const Case& bad : cases) {
      CAPTURE(bad.status);
      TestConnection c(port);
      auto r = c.request(bad.raw);
      REQUIRE(r.has_value());
      CHECK(r->status == bad.status);
      CHECK(r->header("Connection") == "close");
      CHECK(c.wait_closed(3000));
      check_good();
    }
  });
}

TEST_CASE("an earlier response on a connection is still delivered before a parse error") {
  Harness* hp = nullptr;
  Harness h([&](Request&, ResponseWriter w) {
    hp->after(50, [w]() mutable { respond_text(w, 200, "first"); });
  });
  hp = &h;
  h.run([](uint16_t port) {
    TestConnection c(port);
    CHECK(c.send(make_request("GET", "/") + "NOT HTTP AT ALL\r\n\r\n"));
    auto a = c.read_response();
    auto b = c.read_response();
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(a->body == "first");
    CHECK(b->status == 400);
    CHECK(c.wait_closed(3000));
  });
}

TEST_CASE("idle and slow-header timeouts close connections") {
  ServerOptions options;
  options.idle_timeout_ms = 300;
  options.header_timeout_ms = 300;
  Harness h([](Request&, ResponseWriter w) { respond_text(w, 200, "ok"); }, options);
  h.run([](uint16_t port) {
    TestConnection idle(port);
    auto start = replay::testing::Clock::now();
    CHECK(idle.request(make_request("GET", "/")).has_value());
    CHECK(idle.wait_closed(5000));
    double idle_ms = replay::testing::elapsed_ms(start, replay::testing::Clock::now());
    CHECK(idle_ms >= 250);
    CHECK(idle_ms < 4000);

    // Slowloris: a header byte every 50 ms never completes the head in time.
    TestConnection slow(port);
    std::string partial = "GET / HTTP/1.1\r\nX-Slow: ";
    CHECK(slow.send(partial));
    start = replay::testing::Clock::now();
    std::optional<replay::testing::TestResponse> answer;
    for (int i = 0; i < 40; ++i) {
      if (!slow.send("a")) break;
      answer = slow.read_response(50);
      if (answer) break;
    }
    REQUIRE(answer.has_value());
    CHECK(answer->status == 408);
    double slow_ms = replay::testing::elapsed_ms(start, replay::testing::Clock::now());
    CHECK(slow_ms >= 200);
    CHECK(slow_ms < 2000);
    CHECK(slow.wait_closed(3000));
  });
}

TEST_CASE("Connection: close and HTTP/1.0 get their framing and the connection closes") {
  Harness h([](Request& req, ResponseWriter w) {
    if (req.path() == "/chunks") {
      w.write_body("ab");
      w.write_body("cd");
      w.end();
    } else {
      respond_text(w, 200, "bye");
    }
  });
  h.run([](uint16_t port) {
    TestConnection c(port);
    auto r = c.request(make_request("GET", "/", {}, "Connection: close\r\n"));
    REQUIRE(r.has_value());
    CHECK(r->header("Connection") == "close");
    CHECK(c.wait_closed(3000));

    TestConnection old(port);
    auto r10 = old.request("GET /chunks HTTP/1.0\r\n\r\n");
    REQUIRE(r10.has_value());
    CHECK(r10->body == "abcd");
    CHECK(r10->header("Transfer-Encoding").empty());
    CHECK(old.wait_closed(3000));

    TestConnection keep(port);
    auto k = keep.request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    REQUIRE(k.has_value());
    CHECK(k->header("Connection") == "keep-alive");
    CHECK(keep.request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").has_value());
  });
}

TEST_CASE("reset_connection aborts with an RST") {
  Harness h([](Request&, ResponseWriter w) { w.reset_connection(); });
  h.run([](uint16_t port) {
    TestConnection c(port);
    CHECK_FALSE(c.request(make_request("GET", "/")).has_value());
    CHECK(c.was_reset());
  });
}

TEST_CASE("HEAD gets headers without a body and 204 gets no framing") {
  Harness h([](Request& req, ResponseWriter w) {
    bool empty = req.path() == "/empty";
    respond_text(w, empty ? 204 : 200, empty ? "" : "body!");
  });
  h.run([](uint16_t port) {
    TestConnection c(port);
    auto head = c.request(make_request("HEAD", "/"), 5000, true);
    REQUIRE(head.has_value());
    CHECK(head->status == 200);
    CHECK(head->header("Content-Length") == "5");
    CHECK(head->body.empty());
    auto none = c.request(make_request("GET", "/empty"));
    REQUIRE(none.has_value());
    CHECK(none->status == 204);
    CHECK(none->header("Content-Length").empty());
    CHECK(none->header("Transfer-Encoding").empty());
    // Had a body byte leaked after either, this response would not parse.
    auto get = c.request(make_request("GET", "/"));
    REQUIRE(get.has_value());
    CHECK(get->body == "body!");
  });
}

TEST_CASE("request bodies can be streamed to a sink") {
  ServerOptions options;
  options.stream_request_body = [](const Request& req) { return req.path() == "/upload"; };
  options.limits.max_body_bytes = 1 << 20;
  Harness h(
      [](Request& req, ResponseWriter w) {
        if (req.path() != "/upload") {
          respond_text(w, 200, numbered("plain:", req.body.size()));
          return;
        }
        auto pieces = std::make_shared<int>(0);
        auto bytes = std::make_shared<size_t>(0);
        w.set_body_sink([w, pieces, bytes](std::string_view chunk, bool complete) mutable {
          if (!complete) {
            ++*pieces;
            *bytes += chunk.size();
            return;
          }
          respond_text(w, 200, std::to_string(*bytes) + (*pieces > 0 ? " streamed" : " none"));
        });
      },
      options);
  h.run([](uint16_t port) {
    TestConnection c(port);
    std::string body(200'000, 'z');
    auto r = c.request(make_request("POST", "/upload", body));
    REQUIRE(r.has_value());
    CHECK(r->body == "200000 streamed");
    auto plain = c.request(make_request("POST", "/plain", "abc"));
    REQUIRE(plain.has_value());
    CHECK(plain->body == "plain:3");
  });
}

TEST_CASE("closing the server drops pending responses, notifies handlers and frees every handle") {
  std::optional<ResponseWriter> kept;
  bool disconnected = false;
  std::unique_ptr<TestConnection> pending;
  std::unique_ptr<TestConnection> idle;
  size_t open_before_close = 0;
  Harness h([&](Request&, ResponseWriter w) {
    w.set_disconnect_callback([&] { disconnected = true; });
    kept = w;
  });
  h.run(
      [&](uint16_t port) {
        pending = std::make_unique<TestConnection>(port);
        idle = std::make_unique<TestConnection>(port);
        CHECK(pending->send(make_request("GET", "/never")));
        CHECK_FALSE(pending->read_response(300).has_value());
      },
      [&] { open_before_close = h.server().connection_count(); });
  CHECK(open_before_close == 2);
  CHECK(disconnected);
  REQUIRE(kept.has_value());
  CHECK_FALSE(kept->connected());
  kept->respond(200, {}, "too late");  // a no-op, not a crash
  CHECK(h.server().connection_count() == 0);
  CHECK(pending->wait_closed(2000));
  CHECK(idle->wait_closed(2000));
}
