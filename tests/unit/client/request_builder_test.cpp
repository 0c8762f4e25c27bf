#include "replay/client/request_builder.hpp"

#include <doctest/doctest.h>

namespace replay::client {
namespace {

Target local_target() {
  auto target = parse_target("http://127.0.0.1:8000");
  REQUIRE(target.ok());
  return std::move(target).value();
}

TEST_CASE("build_request: Host and Content-Length made right, duplicates kept in order") {
  const HeaderList headers = {
      {"host", "recorded.example.com"},
      {"Accept", "text/html"},
      {"X-Tag", "one"},
      {"Content-Length", "999"},
      {"Connection", "keep-alive"},
      {"X-Tag", "two"},
      {"Transfer-Encoding", "chunked"},
      {"Cookie", "a=1"},
  };
  const WireBytes wire =
      build_request("POST", "/v1/chat?x=1", headers, "{\"q\":1}", local_target());
  CHECK(*wire ==
        "POST /v1/chat?x=1 HTTP/1.1\r\n"
        "Host: 127.0.0.1:8000\r\n"
        "Accept: text/html\r\n"
        "X-Tag: one\r\n"
        "X-Tag: two\r\n"
        "Cookie: a=1\r\n"
        "Content-Length: 7\r\n"
        "\r\n"
        "{\"q\":1}");
}

TEST_CASE("build_request: overrides replace same-name headers and may set Host") {
  const HeaderList headers = {
      {"Authorization", "Bearer old"}, {"X-Keep", "1"}, {"authorization", "Bearer older"}};
  const HeaderList overrides = {{"Authorization", "Bearer new"},
                                {"Host", "api.example.com"},
                                {"Content-Length", "5"},
                                {"X-Extra", "e"}};
  const WireBytes wire = build_request("GET", "/", headers, "", local_target(), overrides);
  CHECK(*wire ==
        "GET / HTTP/1.1\r\n"
        "Host: api.example.com\r\n"
        "X-Keep: 1\r\n"
        "Authorization: Bearer new\r\n"
        "X-Extra: e\r\n"
        "\r\n");
}

TEST_CASE("build_request: Content-Length for empty bodies only where it means something") {
  const Target target = local_target();
  CHECK(*build_request("GET", "/", {}, "", target) ==
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n");
  CHECK(*build_request("PUT", "/p", {}, "", target) ==
        "PUT /p HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Length: 0\r\n\r\n");
  CHECK(*build_request("DELETE", "/p", {{"Content-Length", "0"}}, "", target) ==
        "DELETE /p HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("build_request: binary bodies are sent as they are") {
  const std::string body("a\0b\r\n\xff", 6);
  const WireBytes wire = build_request("POST", "/bin", {}, body, local_target());
  const std::string expected =
      "POST /bin HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Length: 6\r\n\r\n" + body;
  CHECK(*wire == expected);
}

TEST_CASE("build_request: the default port is left out of Host") {
  auto target = parse_target("https://localhost");
  REQUIRE(target.ok());
  CHECK(*build_request("GET", "/", {}, "", *target) == "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

}  // namespace
}  // namespace replay::client
