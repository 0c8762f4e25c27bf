#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "replay/http/request_parser.hpp"

using namespace replay::http;

namespace {

// prefix + decimal number (avoids a GCC 12 -Wrestrict false positive on "literal" + string).
std::string numbered(std::string_view prefix, size_t n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

struct Collector : RequestParser::Listener {
  std::vector<Request> requests;
  int begun = 0;
  int completed = 0;
  bool pause_each = false;

  void on_request_begin() override { ++begun; }
  void on_request_head(Request& request) override {
    requests.emplace_back();
    std::swap(requests.back(), request);
  }
  void on_request_body(std::string_view chunk) override { requests.back().body.append(chunk); }
  bool on_request_complete() override {
    ++completed;
    return !pause_each;
  }
};

ParseResult feed_bytewise(RequestParser& parser, std::string_view data) {
  for (size_t i = 0; i < data.size(); ++i) {
    ParseResult r = parser.feed(data.substr(i, 1));
    if (r.status != ParseStatus::need_more) return r;
  }
  return {ParseStatus::need_more, data.size()};
}

}  // namespace

TEST_CASE("a request's method, target, ordered headers and body are reported") {
  Collector c;
  RequestParser parser(c, {});
  std::string raw =
      "POST /api/v1/chat?stream=0&x=1 HTTP/1.1\r\nHost: h\r\nX-Dup: a\r\nx-dup: b\r\n"
      "Content-Length: 5\r\n\r\nhello";
  ParseResult r = parser.feed(raw);
  CHECK(r.status == ParseStatus::need_more);
  CHECK(r.consumed == raw.size());
  REQUIRE(c.requests.size() == 1);
  const Request& req = c.requests[0];
  CHECK(req.method == "POST");
  CHECK(req.target == "/api/v1/chat?stream=0&x=1");
  CHECK(req.path() == "/api/v1/chat");
  CHECK(req.query() == "stream=0&x=1");
  REQUIRE(req.headers.size() == 4);
  CHECK(req.headers[1].name == "X-Dup");
  CHECK(req.headers[2].value == "b");
  CHECK(req.headers.find("X-DUP").value() == "a");
  CHECK_FALSE(req.headers.find("missing").has_value());
  CHECK(req.body == "hello");
  CHECK(req.keep_alive);
  CHECK(c.completed == 1);
  CHECK_FALSE(parser.in_message());
}

TEST_CASE("pipelined requests in one buffer are reported in order") {
  Collector c;
  RequestParser parser(c, {});
  std::string raw =
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"
      "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n";
  CHECK(parser.feed(raw).status == ParseStatus::need_more);
  REQUIRE(c.requests.size() == 3);
  CHECK(c.requests[0].target == "/a");
  CHECK(c.requests[1].body == "xyz");
  CHECK(c.requests[2].target == "/c");
  CHECK(c.requests[0].keep_alive);
  CHECK_FALSE(c.requests[2].keep_alive);
}

TEST_CASE("pausing after a request leaves the next one unparsed until resume") {
  Collector c;
  c.pause_each = true;
  RequestParser parser(c, {});
  std::string first = "GET /a HTTP/1.1\r\n\r\n";
  std::string raw = first + "GET /b HTTP/1.1\r\n\r\n";
  ParseResult r = parser.feed(raw);
  CHECK(r.status == ParseStatus::paused);
  CHECK(r.consumed == first.size());
  CHECK(c.requests.size() == 1);
  parser.resume();
  r = parser.feed(std::string_view(raw).substr(r.consumed));
  CHECK(r.status == ParseStatus::paused);
  REQUIRE(c.requests.size() == 2);
  CHECK(c.requests[1].target == "/b");
}

TEST_CASE("an empty feed (a null view included) consumes nothing and changes nothing") {
  Collector c;
  c.pause_each = true;
  RequestParser parser(c, {});
  ParseResult r = parser.feed(std::string_view());
  CHECK(r.status == ParseStatus::need_more);
  CHECK(r.consumed == 0);
  r = parser.feed("GET /a HTTP/1.1\r\n\r\n");
  CHECK(r.status == ParseStatus::paused);
  r = parser.feed(std::string_view());  // still paused until resume()
  CHECK(r.status == ParseStatus::paused);
  CHECK(r.consumed == 0);
  parser.resume();
  CHECK(parser.feed(std::string_view()).status == ParseStatus::need_more);
  CHECK(parser.feed("GET /b HTTP/1.1\r\n\r\n").status == ParseStatus::paused);
  REQUIRE(c.requests.size() == 2);
  CHECK(c.requests[1].target == "/b");
}

TEST_CASE("a chunked request body fed byte by byte is de-chunked") {
  Collector c;
  RequestParser parser(c, {});
  std::string raw =
      "POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: t\r\n\r\n"
      "GET /next HTTP/1.1\r\n\r\n";
  size_t head_end = raw.find("\r\n\r\n") + 4;
  CHECK(feed_bytewise(parser, std::string_view(raw).substr(0, head_end - 1)).status ==
        ParseStatus::need_more);
  CHECK(parser.in_message());
  CHECK_FALSE(parser.head_complete());
  CHECK(feed_bytewise(parser, std::string_view(raw).substr(head_end - 1, 5)).status ==
        ParseStatus::need_more);
  CHECK(parser.head_complete());
  CHECK(feed_bytewise(parser, std::string_view(raw).substr(head_end + 4)).status ==
        ParseStatus::need_more);
  REQUIRE(c.requests.size() == 2);
  CHECK(c.requests[0].body == "hello, world");
  CHECK(c.requests[1].target == "/next");
  CHECK(c.completed == 2);
}

TEST_CASE("HTTP/1.0 requests are not kept alive unless they ask") {
  Collector c;
  RequestParser parser(c, {});
  CHECK(parser.feed("GET / HTTP/1.0\r\n\r\n").status == ParseStatus::need_more);
  REQUIRE(c.requests.size() == 1);
  CHECK_FALSE(c.requests[0].keep_alive);
  CHECK(c.requests[0].version_minor == 0);
  Collector k;
  RequestParser keep(k, {});
  CHECK(keep.feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").status ==
        ParseStatus::need_more);
  CHECK(k.requests.at(0).keep_alive);
}

TEST_CASE("size limits stop parsing with their own status") {
  ParserLimits limits;
  limits.max_header_bytes = 256;
  limits.max_headers = 4;
  limits.max_body_bytes = 10;

  SUBCASE("headers") {
    Collector c;
    RequestParser parser(c, limits);
    std::string raw = "GET / HTTP/1.1\r\nX-Big: " + std::string(300, 'a') + "\r\n\r\n";
    CHECK(parser.feed(raw).status == ParseStatus::headers_too_large);
    CHECK(c.requests.empty());
  }
  SUBCASE("headers arriving in small pieces") {
    Collector c;
    RequestParser parser(c, limits);
    std::string raw = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 3; ++i) raw += numbered("X-H", i) + ": " + std::string(90, 'v') + "\r\n";
    CHECK(feed_bytewise(parser, raw).status == ParseStatus::headers_too_large);
  }
  SUBCASE("header count") {
    Collector c;
    RequestParser parser(c, limits);
    std::string raw = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 5; ++i) raw += numbered("A", i) + ": 1\r\n";
    CHECK(parser.feed(raw + "\r\n").status == ParseStatus::headers_too_large);
  }
  SUBCASE("target") {
    Collector c;
    RequestParser parser(c, limits);
    CHECK(parser.feed("GET /" + std::string(300, 'p') + " HTTP/1.1\r\n\r\n").status ==
          ParseStatus::uri_too_long);
  }
  SUBCASE("declared body, before any body byte") {
    Collector c;
    RequestParser parser(c, limits);
    CHECK(parser.feed("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n").status ==
          ParseStatus::body_too_large);
    CHECK(c.requests.empty());
  }
  SUBCASE("chunked body") {
    Collector c;
    RequestParser parser(c, limits);
    std::string raw = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n";
    CHECK(parser.feed(raw).status == ParseStatus::need_more);
    CHECK(parser.feed("6\r\nghijkl\r\n").status == ParseStatus::body_too_large);
  }
  SUBCASE("exactly at the limits is fine") {
    Collector c;
    RequestParser parser(c, limits);
    CHECK(parser.feed("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789").status ==
          ParseStatus::need_more);
    CHECK(c.requests.at(0).body == "0123456789");
  }
}

TEST_CASE("garbage is malformed and the parser stays failed") {
  Collector c;
  RequestParser parser(c, {});
  ParseResult r = parser.feed("\x16\x03\x01\x02\x00 binary junk\r\n\r\n");
  CHECK(r.status == ParseStatus::malformed);
  CHECK(parser.feed("GET / HTTP/1.1\r\n\r\n").status == ParseStatus::malformed);
  CHECK(c.requests.empty());
  Collector d;
  RequestParser conflicting(d, {});
  CHECK(
      conflicting.feed("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
          .status == ParseStatus::malformed);
}

TEST_CASE("HeaderList keeps order and clears without losing entries' independence") {
  HeaderList list;
  list.add("A", "1");
  list.add("b", "");
  list.add("C", "three");
  std::vector<std::string> seen;
  for (HeaderField f : list) seen.push_back(std::string(f.name) + "=" + std::string(f.value));
  CHECK(seen == std::vector<std::string>{"A=1", "b=", "C=three"});
  CHECK(list.find("B").value().empty());
  list.clear();
  CHECK(list.empty());
  CHECK_FALSE(list.find("A").has_value());
}
