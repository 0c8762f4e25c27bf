#include "replay/client/response_parser.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "loopback_server.hpp"

namespace replay::client {
namespace {

using testing::RecordingObserver;

// Feeds `wire` in pieces of `step` bytes; returns the final progress and the bytes consumed.
ResponseParser::Progress feed(ResponseParser& parser, std::string_view wire, size_t step,
                              size_t& consumed_total) {
  consumed_total = 0;
  uint64_t now_ns = 1;
  while (!wire.empty()) {
    const std::string_view piece = wire.substr(0, step);
    size_t consumed = 0;
    const auto progress = parser.parse(piece, now_ns++, consumed);
    consumed_total += consumed;
    if (progress != ResponseParser::Progress::incomplete) return progress;
    wire.remove_prefix(piece.size());
  }
  return ResponseParser::Progress::incomplete;
}

TEST_CASE("ResponseParser: a chunked response fed one byte at a time") {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
  for (size_t step : {size_t{1}, size_t{3}, size_t{7}, wire.size()}) {
    CAPTURE(step);
    ResponseParser parser;
    RecordingObserver observer;
    parser.begin(observer, false, true);
    size_t consumed = 0;
    REQUIRE(feed(parser, wire, step, consumed) == ResponseParser::Progress::complete);
    CHECK(consumed == wire.size());
    CHECK(parser.bytes() == wire.size());
    CHECK(parser.status() == 200);
    CHECK(parser.keep_alive());
    CHECK(observer.body == "hello world");
    CHECK(observer.first_byte_ns == 1);
    CHECK(observer.calls.front() == "first_byte");
    CHECK_FALSE(observer.event_stream);
  }
}

TEST_CASE("ResponseParser: stops right after the response and reports the rest") {
  ResponseParser parser;
  RecordingObserver observer;
  parser.begin(observer, false, false);
  size_t consumed = 0;
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
  CHECK(parser.parse(response + "HTTP/1.1 200", 5, consumed) == ResponseParser::Progress::complete);
  CHECK(consumed == response.size());
  CHECK(observer.body.empty());  // keep_body was off

  // The next response on the same parser after begin().
  RecordingObserver second;
  parser.begin(second, false, true);
  CHECK(parser.parse("HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx", 6, consumed) ==
        ResponseParser::Progress::complete);
  CHECK(parser.status() == 404);
  CHECK(second.body == "x");
}

TEST_CASE("ResponseParser: no body after HEAD, 204 and 304") {
  struct Case {
    bool head;
    std::string wire;
    int status;
  };
  const std::vector<Case> cases = {
      {true, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 200},
      {true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200},
      {false, "HTTP/1.1 204 No Content\r\n\r\n", 204},
      {false, "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n", 304},
      {false, "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", 204},
      {false, "HTTP/1.1 103 Early Hints\r\nContent-Length: 3\r\n\r\nHTTP/1.1 204 OK\r\n\r\n", 204},
  };
  for (const auto& c : cases) {
    CAPTURE(c.wire);
    ResponseParser parser;
    RecordingObserver observer;
    parser.begin(observer, c.head, true);
    size_t consumed = 0;
    CHECK(parser.parse(c.wire, 1, consumed) == ResponseParser::Progress::complete);
    CHECK(consumed == c.wire.size());
    CHECK(parser.status() == c.status);
    CHECK(parser.keep_alive());
  }
}

TEST_CASE("ResponseParser: interim 1xx responses are skipped") {
  ResponseParser parser;
  RecordingObserver observer;
  parser.begin(observer, false, true);
  const std::string wire =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 2\r\n\r\nok";
  size_t consumed = 0;
  CHECK(feed(parser, wire, 10, consumed) == ResponseParser::Progress::complete);
  CHECK(parser.status() == 200);
  CHECK(observer.headers_status == 200);
  CHECK(observer.event_stream);
  CHECK(observer.calls == std::vector<std::string>{"first_byte", "headers", "body"});
  CHECK(parser.bytes() == wire.size());
}

TEST_CASE("ResponseParser: keep-alive follows Connection and the HTTP version") {
  struct Case {
    std::string wire;
    bool keep_alive;
  };
  const std::vector<Case> cases = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
      {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.wire);
    ResponseParser parser;
    RecordingObserver observer;
    parser.begin(observer, false, false);
    size_t consumed = 0;
    REQUIRE(parser.parse(c.wire, 1, consumed) == ResponseParser::Progress::complete);
    CHECK(parser.keep_alive() == c.keep_alive);
  }
}

TEST_CASE("ResponseParser: a close-delimited body completes only at EOF") {
  ResponseParser parser;
  RecordingObserver observer;
  parser.begin(observer, false, true);
  size_t consumed = 0;
  CHECK_FALSE(parser.awaits_eof());
  CHECK(parser.parse("HTTP/1.1 200 OK\r\n\r\nsome", 1, consumed) ==
        ResponseParser::Progress::incomplete);
  CHECK(parser.awaits_eof());
  CHECK(parser.parse(" more", 2, consumed) == ResponseParser::Progress::incomplete);
  CHECK(parser.finish_at_eof() == ResponseParser::Progress::complete);
  CHECK_FALSE(parser.awaits_eof());
  CHECK(observer.body == "some more");
  CHECK_FALSE(parser.keep_alive());

  ResponseParser short_body;
  RecordingObserver other;
  short_body.begin(other, false, false);
  CHECK(short_body.parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 1, consumed) ==
        ResponseParser::Progress::incomplete);
  CHECK_FALSE(short_body.awaits_eof());
  CHECK(short_body.finish_at_eof() == ResponseParser::Progress::failed);
}

TEST_CASE("ResponseParser: awaits_eof only for a body that has no other end") {
  struct Case {
    std::string wire;
    bool awaits_eof;
  };
  const std::vector<Case> cases = {
      {"HTTP/1.0 200 OK\r\n\r\nbody", true},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody", true},
      {"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nbody", false},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n", false},
      {"HTTP/1.1 100 Continue\r\n\r\n", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.wire);
    ResponseParser parser;
    RecordingObserver observer;
    parser.begin(observer, false, false);
    size_t consumed = 0;
    REQUIRE(parser.parse(c.wire, 1, consumed) == ResponseParser::Progress::incomplete);
    CHECK(parser.awaits_eof() == c.awaits_eof);
  }
}

TEST_CASE("ResponseParser: malformed responses fail with a reason") {
  for (std::string wire : {"garbage\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"}) {
    CAPTURE(wire);
    ResponseParser parser;
    RecordingObserver observer;
    parser.begin(observer, false, false);
    size_t consumed = 0;
    CHECK(parser.parse(wire, 1, consumed) == ResponseParser::Progress::failed);
    CHECK_FALSE(parser.error().empty());
  }
}

TEST_CASE("ResponseParser: SSE events are counted across chunk boundaries") {
  const std::string body =
      ": comment\n\ndata: one\n\nevent: x\r\ndata: two\r\n\r\nretry: 5\n\ndata\n\n";
  const std::string wire =
      "HTTP/1.1 200 OK\r\ncontent-type: Text/Event-Stream; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  ResponseParser parser;
  RecordingObserver observer;
  parser.begin(observer, false, false);
  size_t consumed = 0;
  REQUIRE(feed(parser, wire, 4, consumed) == ResponseParser::Progress::complete);
  CHECK(observer.event_stream);
  CHECK(observer.event_ns.size() == 3);
}

TEST_CASE("ResponseParser: an abandoned response stops calling its observer") {
  ResponseParser parser;
  RecordingObserver observer;
  parser.begin(observer, false, true);
  size_t consumed = 0;
  CHECK(parser.parse("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab", 1, consumed) ==
        ResponseParser::Progress::incomplete);
  parser.abandon();
  CHECK(parser.parse("cd", 2, consumed) == ResponseParser::Progress::failed);
  CHECK(observer.body == "ab");
}

// Records on_header calls, and where they fell among the other callbacks.
struct HeaderObserver : RecordingObserver {
  void on_header(std::string_view name, std::string_view value) override {
    lines.emplace_back(std::string(name), std::string(value));
    calls.push_back("header");
  }
  std::vector<std::pair<std::string, std::string>> lines;
};

TEST_CASE("ResponseParser: on_header reports the final response's lines in order") {
  const std::string wire =
      "HTTP/1.1 100 Continue\r\nX-Interim: no\r\n\r\n"
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Type: text/event-stream\r\n"
      "set-cookie: b=2\r\nX-Empty:\r\nX-Spaces:   padded value\r\n"
      "Transfer-Encoding: chunked\r\n\r\n"
      "5\r\ndata:\r\n0\r\nX-Trailer: not a header\r\n\r\n";
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"Set-Cookie", "a=1"},        {"Content-Type", "text/event-stream"},
      {"set-cookie", "b=2"},        {"X-Empty", ""},
      {"X-Spaces", "padded value"}, {"Transfer-Encoding", "chunked"},
  };
  for (size_t step : {size_t{1}, size_t{5}, wire.size()}) {
    CAPTURE(step);
    ResponseParser parser;
    HeaderObserver observer;
    observer.wants_header_lines = true;
    parser.begin(observer, false, true);
    size_t consumed = 0;
    REQUIRE(feed(parser, wire, step, consumed) == ResponseParser::Progress::complete);
    CHECK(observer.lines == expected);
    CHECK(observer.event_stream);  // Content-Type detection still works alongside
    // Every header line comes after first_byte and before on_headers.
    const std::vector<std::string> head(observer.calls.begin(), observer.calls.begin() + 8);
    CHECK(head == std::vector<std::string>{"first_byte", "header", "header", "header", "header",
                                           "header", "header", "headers"});
  }
}

TEST_CASE("ResponseParser: no on_header calls unless the observer asks, on every response") {
  const std::string wire = "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n";
  ResponseParser parser;
  HeaderObserver quiet;
  parser.begin(quiet, false, false);
  size_t consumed = 0;
  REQUIRE(parser.parse(wire, 1, consumed) == ResponseParser::Progress::complete);
  CHECK(quiet.lines.empty());

  // The same parser, next response, an observer that asks: only its own lines arrive.
  HeaderObserver loud;
  loud.wants_header_lines = true;
  parser.begin(loud, false, false);
  REQUIRE(parser.parse("HTTP/1.1 200 OK\r\nX-B: 2\r\nContent-Length: 0\r\n\r\n", 2, consumed) ==
          ResponseParser::Progress::complete);
  CHECK(loud.lines ==
        std::vector<std::pair<std::string, std::string>>{{"X-B", "2"}, {"Content-Length", "0"}});
}

TEST_CASE("ResponseParser: an observer abandoned from on_header stops the parse") {
  struct Abandoning : RecordingObserver {
    ResponseParser* parser = nullptr;
    int seen = 0;
    void on_header(std::string_view, std::string_view) override {
      ++seen;
      parser->abandon();
    }
  } observer;
  ResponseParser parser;
  observer.parser = &parser;
  observer.wants_header_lines = true;
  parser.begin(observer, false, false);
  size_t consumed = 0;
  CHECK(parser.parse("HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2\r\nContent-Length: 0\r\n\r\n", 1,
                     consumed) == ResponseParser::Progress::failed);
  CHECK(observer.seen == 1);
  CHECK(observer.headers_status == 0);
}

TEST_CASE("ResponseParser: without keep_body, the observer asks for a body after the headers") {
  // Wants the body of error responses only, as the engine does for failure samples.
  struct ErrorBodies : RecordingObserver {
    void on_headers(int status, bool is_event_stream) override {
      RecordingObserver::on_headers(status, is_event_stream);
      wants_body = status >= 400;
    }
  };
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  const std::string unavailable =
      "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nfull\r\n0\r\n\r\n";
  ResponseParser parser;
  size_t consumed = 0;
  ErrorBodies first;
  parser.begin(first, false, false);
  REQUIRE(feed(parser, ok, 2, consumed) == ResponseParser::Progress::complete);
  CHECK(first.headers_status == 200);
  CHECK(first.body.empty());  // no on_body call for a 200

  ErrorBodies second;
  parser.begin(second, false, false);
  REQUIRE(feed(parser, unavailable, 3, consumed) == ResponseParser::Progress::complete);
  CHECK(second.body == "full");

  // The choice is per response: the next 200 on the same parser gets no body again, even from
  // an observer left wanting one.
  ErrorBodies third;
  third.wants_body = true;
  parser.begin(third, false, false);
  REQUIRE(feed(parser, ok, ok.size(), consumed) == ResponseParser::Progress::complete);
  CHECK(third.body.empty());
}

TEST_CASE("ResponseParser: on_sse_data gets an event stream's bytes, timed, when asked for") {
  struct DataObserver : RecordingObserver {
    void on_headers(int status, bool is_event_stream) override {
      RecordingObserver::on_headers(status, is_event_stream);
      wants_event_data = ask;
    }
    void on_sse_data(uint64_t now_ns, std::string_view bytes) override {
      data += bytes;
      times.push_back(now_ns);
    }
    bool ask = true;
    std::string data;
    std::vector<uint64_t> times;
  };
  const std::string body = "data: {\"a\":1}\n\ndata: [DONE]\n\n";
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      std::string("1d\r\n") + body + "\r\n0\r\n\r\n";
  ResponseParser parser;
  DataObserver stream;
  parser.begin(stream, false, false);
  size_t consumed = 0;
  REQUIRE(feed(parser, chunked, 5, consumed) == ResponseParser::Progress::complete);
  CHECK(stream.data == body);  // chunk framing removed
  CHECK(stream.times.size() >= 5);
  CHECK(stream.times.front() < stream.times.back());  // each piece at its own arrival time
  CHECK(stream.event_ns.size() == 2);

  DataObserver not_asked;
  not_asked.ask = false;
  parser.begin(not_asked, false, false);
  REQUIRE(feed(parser, chunked, 7, consumed) == ResponseParser::Progress::complete);
  CHECK(not_asked.data.empty());

  // Not an event stream: no on_sse_data even when asked.
  DataObserver plain;
  parser.begin(plain, false, false);
  const std::string json = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\ndata: x\n\nabcd";
  REQUIRE(feed(parser, json, 4, consumed) == ResponseParser::Progress::complete);
  CHECK(plain.data.empty());
}

}  // namespace
}  // namespace replay::client
