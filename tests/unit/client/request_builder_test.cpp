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

TEST_CASE("build_checked_request: a value that would inject a header or request builds nothing") {
  const Target target = local_target();
  // As a {{capture}} filled from a response would make them.
  auto in_target =
      build_checked_request("GET", "/plans/1 HTTP/1.1\r\nX-Admin: 1\r\n\r\nGET /x", {}, "", target);
  REQUIRE_FALSE(in_target.ok());
  CHECK(in_target.error().code == Errc::invalid_argument);
  CHECK(in_target.error().context == "target contains a space (byte 8)");
  auto in_header = build_checked_request("GET", "/", {{"X-Plan", "42\r\nX-Admin: 1"}}, "", target);
  REQUIRE_FALSE(in_header.ok());
  CHECK(in_header.error().context == "header value of \"X-Plan\" contains CR (byte 2)");
  auto lf_target = build_checked_request("GET", "/a\nb", {}, "", target);
  REQUIRE_FALSE(lf_target.ok());
  CHECK(lf_target.error().context == "target contains LF (byte 2)");
  auto nul = build_checked_request("GET", "/", {{"X-A", std::string("a\0b", 3)}}, "", target);
  REQUIRE_FALSE(nul.ok());
  CHECK(nul.error().context == "header value of \"X-A\" contains NUL (byte 1)");
  auto name = build_checked_request("GET", "/", {{"X A", "1"}}, "", target);
  REQUIRE_FALSE(name.ok());
  CHECK(name.error().context == "header name \"X A\" contains a space (byte 1), not a token");
  auto method = build_checked_request("GE\rT", "/", {}, "", target);
  REQUIRE_FALSE(method.ok());
  CHECK(method.error().context == "method contains CR (byte 2)");
  auto empty = build_checked_request("GET", "", {}, "", target);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().context == "target is empty");
  auto override_value = build_checked_request("GET", "/", {}, "", target, {{"X-O", "a\rb"}});
  REQUIRE_FALSE(override_value.ok());
  CHECK(override_value.error().context == "-H header value of \"X-O\" contains CR (byte 1)");

  // What passes is byte for byte what build_request makes; the body is not checked.
  const HeaderList headers = {{"X-Plan", "42"}, {"Content-Type", "text/plain"}};
  auto fine = build_checked_request("POST", "/plans/42", headers, "a\r\nb", target);
  REQUIRE(fine.ok());
  CHECK(**fine == *build_request("POST", "/plans/42", headers, "a\r\nb", target));
}

}  // namespace
}  // namespace replay::client
