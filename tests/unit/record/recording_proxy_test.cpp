#include "replay/record/recording_proxy.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proxy_harness.hpp"
#include "test_client.hpp"

namespace replay::record {
namespace {

using testing::make_request;
using testing::ProxyHarness;
using testing::TestConnection;

// What the upstream saw of one request.
struct Seen {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

Seen copy_request(const http::Request& r) {
  Seen s{std::string(r.method), r.target, {}, r.body};
  for (const http::HeaderField h : r.headers) s.headers.emplace_back(h.name, h.value);
  return s;
}

std::vector<std::string> values(const std::vector<std::pair<std::string, std::string>>& headers,
                                std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (http::iequals(n, name)) out.push_back(v);
  }
  return out;
}

std::vector<std::string> values(const std::vector<trace::HeaderField>& headers,
                                std::string_view name) {
  std::vector<std::string> out;
  for (const auto& h : headers) {
    if (http::iequals(h.name, name)) out.push_back(h.value);
  }
  return out;
}

TEST_CASE("RecordingProxy: request and response pass unchanged; the record keeps the request") {
  std::vector<Seen> seen;
  static constexpr char kBody[] = "bin\0\x01\xff\r\n body";
  const std::string body(kBody, sizeof kBody - 1);
  const std::string answer = "{\"created\":true}";
  ProxyHarness harness;
  harness.start([&](http::Request& request, http::ResponseWriter writer) {
    seen.push_back(copy_request(request));
    writer.respond(201,
                   {{"Content-Type", "application/json"},
                    {"Set-Cookie", "a=1"},
                    {"Set-Cookie", "b=2"},
                    {"X-Upstream", "yes"}},
                   request.method == "HEAD" ? std::string_view("0123456789") : answer);
  });
  std::optional<testing::TestResponse> post, head;
  harness.run([&](uint16_t port) {
    TestConnection c(port);
    post = c.request(make_request("POST", "/api/v1/items?x=1", body,
                                  "Authorization: Bearer s3cret\r\nX-Custom: 1\r\n"
                                  "X-Custom: 2\r\nContent-Type: application/octet-stream\r\n"));
    head = c.request(make_request("HEAD", "/api/v1/items/7"), 5000, true);
  });
  REQUIRE(post.has_value());
  CHECK(post->status == 201);
  CHECK(post->body == answer);
  CHECK(post->header("X-Upstream") == "yes");
  CHECK(values(post->headers, "set-cookie") == std::vector<std::string>{"a=1", "b=2"});
  CHECK(post->header("Content-Type") == "application/json");
  REQUIRE(head.has_value());
  CHECK(head->status == 201);
  CHECK(head->header("Content-Length") == "10");
  CHECK(head->body.empty());

  REQUIRE(seen.size() == 2);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].target == "/api/v1/items?x=1");
  CHECK(seen[0].body == body);
  CHECK(values(seen[0].headers, "authorization") == std::vector<std::string>{"Bearer s3cret"});
  CHECK(values(seen[0].headers, "x-custom") == std::vector<std::string>{"1", "2"});
  CHECK(values(seen[0].headers, "host") == std::vector<std::string>{harness.target().host_header});
  CHECK(seen[1].method == "HEAD");

  REQUIRE(harness.records.size() == 2);
  const trace::Record& r = harness.records[0];
  CHECK(r.offset_us == 0);
  CHECK(r.method == "POST");
  CHECK(r.target == "/api/v1/items?x=1");
  CHECK(r.body == body);
  CHECK_FALSE(r.body_truncated);
  CHECK(values(r.headers, "authorization") == std::vector<std::string>{"Bearer REDACTED"});
  CHECK(values(r.headers, "x-custom") == std::vector<std::string>{"1", "2"});
  CHECK(values(r.headers, "host").empty());
  CHECK(values(r.headers, "content-length").empty());
  REQUIRE(r.response.has_value());
  CHECK(r.response->status == 201);
  CHECK(r.response->bytes == answer.size());
  CHECK(r.response->ttfb_us > 0);
  CHECK(r.response->duration_us >= r.response->ttfb_us);
  CHECK(harness.records[1].method == "HEAD");
  CHECK(harness.records[1].offset_us >= 0);
  CHECK(harness.records[1].response->bytes == 0);
  CHECK(harness.stats().forwarded == 2);
}

TEST_CASE("RecordingProxy: --session-by client-ip keys every request by the client's IP") {
  ProxyHarness harness;
  harness.policy.session = policy::parse_session_rule("client-ip").value();
  harness.start([](http::Request&, http::ResponseWriter writer) { writer.respond(200, {}, "ok"); });
  harness.run([&](uint16_t port) {
    TestConnection a(port);
    TestConnection b(port);
    REQUIRE(a.request(make_request("GET", "/a1")).has_value());
    REQUIRE(b.request(make_request("GET", "/b1")).has_value());
    REQUIRE(a.request(make_request("GET", "/a2")).has_value());  // keep-alive keeps it
  });
  REQUIRE(harness.records.size() == 3);
  for (const auto& r : harness.records) {
    CAPTURE(r.target);
    CHECK(r.session == "127.0.0.1");
  }
}

TEST_CASE("RecordingProxy: a slow client slows its upstream response down; the body is intact") {
  constexpr size_t kBody = 64 << 20;
  constexpr size_t kPiece = 256 << 10;
  size_t upstream_queued_late = 0;
  ProxyHarness harness;
  harness.options.order_window_ms = 60'000;  // the record waits for the whole response
  harness.start([&](http::Request&, http::ResponseWriter writer) {
    writer.write_head(200, {{"Content-Type", "application/octet-stream"}}, kBody);
    std::string piece(kPiece, '\0');
    for (size_t at = 0; at < kBody; at += kPiece) {
      for (size_t i = 0; i < kPiece; ++i) piece[i] = static_cast<char>('a' + (at + i) % 23);
      writer.write_body(piece);
    }
    // Long after the proxy could have read everything had it not paused.
    harness.after(600, [&, writer] {
      upstream_queued_late = writer.queued_bytes();
      writer.end();
    });
  });
  std::optional<testing::TestResponse> response;
  harness.run([&](uint16_t port) {
    TestConnection c(port);
    REQUIRE(c.send(make_request("GET", "/large")));
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // reads nothing yet
    response = c.read_response(60000);
  });
  // The proxy held at most ~1 MiB plus socket buffers: most of the body still waited
  // upstream while the client did not read.
  CHECK(upstream_queued_late > kBody / 2);
  CHECK(harness.stats().backpressure_pauses >= 1);
  REQUIRE(response.has_value());
  REQUIRE(response->body.size() == kBody);
  bool intact = true;
  for (size_t i = 0; i < kBody && intact; ++i) {
    intact = response->body[i] == static_cast<char>('a' + i % 23);
  }
  CHECK(intact);
  REQUIRE(harness.records.size() == 1);
  CHECK(harness.records[0].response->bytes == kBody);
}

TEST_CASE("RecordingProxy: an SSE stream reaches the client event by event") {
  static constexpr int kEvents = 5;
  static constexpr uint64_t kGapMs = 60;
  ProxyHarness harness;
  harness.start([&](http::Request&, http::ResponseWriter writer) {
    writer.write_head(200, {{"Content-Type", "text/event-stream"}}, std::nullopt);
    for (int i = 0; i < kEvents; ++i) {
      harness.after(kGapMs * static_cast<uint64_t>(i + 1), [writer, i] {
        writer.write_body("data: token " + std::to_string(i) + "\n\n");
        if (i == kEvents - 1) writer.end();
      });
    }
  });
  std::optional<testing::TestResponse> response;
  harness.run([&](uint16_t port) {
    TestConnection c(port);
    response = c.request(make_request("POST", "/api/v1/chat/stream", "{\"message\":\"hi\"}"));
  });
  REQUIRE(response.has_value());
  const auto events = testing::sse_events(*response);
  REQUIRE(events.size() == kEvents);
  CHECK(events[0].data == "token 0");
  // Spaced as the upstream sent them, not delivered together at the end.
  const double spread_ms =
      testing::elapsed_ms(events.front().received_at, events.back().received_at);
  CHECK(spread_ms >= (kEvents - 1) * kGapMs * 0.8);
  REQUIRE(harness.records.size() == 1);
  REQUIRE(harness.records[0].response.has_value());
  CHECK(harness.records[0].response->sse_events == kEvents);
  CHECK(harness.records[0].response->duration_us >= static_cast<int64_t>(kEvents * kGapMs * 800));
  CHECK(harness.records[0].response->bytes == response->body.size());
}

TEST_CASE("RecordingProxy: only the upstream is reached, whatever the target says") {
  std::vector<Seen> seen;
  ProxyHarness harness;
  harness.start([&](http::Request& request, http::ResponseWriter writer) {
    seen.push_back(copy_request(request));
    writer.respond(200, {}, "ok");
  });
  std::optional<testing::TestResponse> absolute, bad, ftp;
  harness.run([&](uint16_t port) {
    TestConnection a(port);
    absolute = a.request(
        "GET http://elsewhere.example:8080/x?y=1 HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n");
    TestConnection b(port);
    bad = b.request("GET x/y HTTP/1.1\r\nHost: a\r\n\r\n");
    TestConnection c(port);
    c.send("CONNECT elsewhere.example:443 HTTP/1.1\r\nHost: elsewhere.example:443\r\n\r\n");
    CHECK(c.wait_closed(3000));
    TestConnection d(port);
    ftp = d.request("GET ftp://elsewhere.example/x HTTP/1.1\r\nHost: a\r\n\r\n");
  });
  REQUIRE(absolute.has_value());
  CHECK(absolute->status == 200);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].target == "/x?y=1");
  CHECK(values(seen[0].headers, "host") == std::vector<std::string>{harness.target().host_header});
  REQUIRE(bad.has_value());
  CHECK(bad->status == 400);
  REQUIRE(harness.records.size() == 1);
  CHECK(harness.records[0].target == "/x?y=1");
  REQUIRE(ftp.has_value());
  CHECK(ftp->status == 400);
  // "x/y" is refused by the HTTP layer before the proxy sees it, and counted all the same.
  CHECK(harness.stats().refused == std::map<int, uint64_t>{{400, 2}, {405, 1}});
}

TEST_CASE("RecordingProxy: header and body limits answer 431 and 413 without forwarding") {
  int upstream_calls = 0;
  ProxyHarness harness;
  harness.options.server.limits.max_header_bytes = 1024;
  harness.options.server.limits.max_body_bytes = 100;
  harness.start([&](http::Request&, http::ResponseWriter writer) {
    ++upstream_calls;
    writer.respond(200, {}, "ok");
  });
  std::optional<testing::TestResponse> big_head, big_body;
  harness.run([&](uint16_t port) {
    TestConnection a(port);
    big_head = a.request(make_request("GET", "/", {}, "X-Big: " + std::string(2000, 'x') + "\r\n"));
    TestConnection b(port);
    big_body = b.request(make_request("POST", "/", std::string(500, 'b')));
  });
  REQUIRE(big_head.has_value());
  CHECK(big_head->status == 431);
  REQUIRE(big_body.has_value());
  CHECK(big_body->status == 413);
  CHECK(upstream_calls == 0);
  CHECK(harness.records.empty());
  CHECK(harness.stats().refused == std::map<int, uint64_t>{{413, 1}, {431, 1}});
}

TEST_CASE("RecordingProxy: --max-body keeps a prefix in the record and forwards everything") {
  std::string received;
  ProxyHarness harness;
  harness.policy.max_body_bytes = 10;
  harness.start([&](http::Request& request, http::ResponseWriter writer) {
    received = request.body;
    writer.respond(200, {}, "ok");
  });
  const std::string body(1000, 'z');
  harness.run([&](uint16_t port) {
    TestConnection c(port);
    CHECK(c.request(make_request("PUT", "/files/1", body)).has_value());
  });
  CHECK(received == body);
  REQUIRE(harness.records.size() == 1);
  CHECK(harness.records[0].body == std::string(10, 'z'));
  CHECK(harness.records[0].body_truncated);
}

TEST_CASE("RecordingProxy: an unreachable upstream answers 502 and records status 0") {
  ProxyHarness harness;
  harness.start([](http::Request&, http::ResponseWriter) {}, "http://127.0.0.1:1");
  std::optional<testing::TestResponse> response;
  harness.run([&](uint16_t port) {
    TestConnection c(port);
    response = c.request(make_request("GET", "/health"));
  });
  REQUIRE(response.has_value());
  CHECK(response->status == 502);
  CHECK(response->body.find("connect_refused") != std::string::npos);
  REQUIRE(harness.records.size() == 1);
  REQUIRE(harness.records[0].response.has_value());
  CHECK(harness.records[0].response->status == 0);
  CHECK(harness.stats().upstream_failures == 1);
}

TEST_CASE("RecordingProxy: a response cut by the upstream is cut for the client too") {
  ProxyHarness harness;
  harness.start([&](http::Request&, http::ResponseWriter writer) {
    writer.write_head(200, {{"Content-Type", "text/plain"}}, 100);
    writer.write_body("0123456789");
    harness.after(50, [writer] { writer.reset_connection(); });
  });
  std::optional<testing::TestResponse> response;
  harness.run([&](uint16_t port) {
    TestConnection c(port);
    response = c.request(make_request("GET", "/download"), 3000);
  });
  CHECK_FALSE(response.has_value());  // never a complete-looking response
  REQUIRE(harness.records.size() == 1);
  REQUIRE(harness.records[0].response.has_value());
  CHECK(harness.records[0].response->status == 200);
  CHECK(harness.records[0].response->bytes == 10);
  CHECK(harness.stats().upstream_failures == 1);
}

TEST_CASE("RecordingProxy: a client that leaves mid-stream closes the upstream request") {
  bool upstream_saw_disconnect = false;
  ProxyHarness harness;
  harness.start([&](http::Request&, http::ResponseWriter writer) {
    writer.set_disconnect_callback([&] { upstream_saw_disconnect = true; });
    writer.write_head(200, {{"Content-Type", "text/event-stream"}}, std::nullopt);
    for (int i = 0; i < 100; ++i) {
      harness.after(20 * static_cast<uint64_t>(i + 1),
                    [writer] { writer.write_body("data: x\n\n"); });
    }
  });
  harness.run([&](uint16_t port) {
    TestConnection c(port);
    REQUIRE(c.send(make_request("GET", "/stream")));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    c.close();
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  });
  CHECK(upstream_saw_disconnect);
  CHECK(harness.stats().client_aborts == 1);
  REQUIRE(harness.records.size() == 1);
  REQUIRE(harness.records[0].response.has_value());
  CHECK(harness.records[0].response->sse_events >= 3);
  CHECK(harness.records[0].response->sse_events < 100);
}

TEST_CASE(
    "RecordingProxy: records follow arrival order; a long response waits at most the window") {
  for (uint64_t window_ms : {uint64_t{2000}, uint64_t{100}}) {
    CAPTURE(window_ms);
    ProxyHarness harness;
    harness.options.order_window_ms = window_ms;
    harness.start([&](http::Request& request, http::ResponseWriter writer) {
      if (request.target == "/slow") {
        writer.write_head(200, {}, 4);
        writer.write_body("sl");
        harness.after(400, [writer] {
          writer.write_body("ow");
          writer.end();
        });
      } else {
        writer.respond(200, {}, "fast");
      }
    });
    harness.run([&](uint16_t port) {
      TestConnection slow(port);
      REQUIRE(slow.send(make_request("GET", "/slow")));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      TestConnection fast(port);
      CHECK(fast.request(make_request("GET", "/fast")).has_value());
      auto done = slow.read_response();
      REQUIRE(done.has_value());
      CHECK(done->body == "slow");
    });
    REQUIRE(harness.records.size() == 2);
    CHECK(harness.records[0].target == "/slow");
    CHECK(harness.records[1].target == "/fast");
    CHECK(harness.records[1].offset_us >= 40'000);
    if (window_ms == 100) {
      // Written while still streaming: what had arrived by then.
      CHECK(harness.stats().partial_records == 1);
      CHECK(harness.records[0].response->bytes == 2);
      CHECK(harness.records[0].response->duration_us < 400'000);
    } else {
      CHECK(harness.stats().partial_records == 0);
      CHECK(harness.records[0].response->bytes == 4);
      CHECK(harness.records[0].response->duration_us >= 380'000);
    }
  }
}

TEST_CASE("RecordingProxy: keep-alive connections to the upstream are reused") {
  size_t upstream_connections = 0;
  ProxyHarness harness;
  harness.start([&](http::Request&, http::ResponseWriter writer) {
    upstream_connections = std::max(upstream_connections, harness.upstream().connection_count());
    writer.respond(200, {}, "ok");
  });
  harness.run([&](uint16_t port) {
    TestConnection c(port);
    for (int i = 0; i < 20; ++i) CHECK(c.request(make_request("GET", "/health")).has_value());
  });
  CHECK(upstream_connections == 1);
  CHECK(harness.records.size() == 20);
  CHECK(harness.stats().forwarded == 20);
}

TEST_CASE("RecordingProxy: past max_upstream_connections requests wait for a free one") {
  ProxyHarness harness;
  harness.options.max_upstream_connections = 1;
  size_t upstream_connections = 0;
  harness.start([&](http::Request&, http::ResponseWriter writer) {
    upstream_connections = std::max(upstream_connections, harness.upstream().connection_count());
    harness.after(100, [writer] { writer.respond(200, {}, "late"); });
  });
  std::optional<testing::TestResponse> first, second;
  harness.run([&](uint16_t port) {
    TestConnection a(port);
    TestConnection b(port);
    REQUIRE(a.send(make_request("GET", "/one")));
    REQUIRE(b.send(make_request("GET", "/two")));
    first = a.read_response();
    second = b.read_response();
  });
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(first->body == "late");
  CHECK(second->body == "late");
  CHECK(upstream_connections == 1);
  CHECK(harness.records.size() == 2);
}

}  // namespace
}  // namespace replay::record
