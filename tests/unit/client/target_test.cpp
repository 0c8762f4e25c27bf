#include "replay/client/target.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>

namespace replay::client {
namespace {

uint16_t port_of(const Target& t) {
  if (t.addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&t.addr)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&t.addr)->sin6_port);
}

TEST_CASE("parse_target: IPv4 with a port") {
  auto t = parse_target("http://127.0.0.1:8000");
  REQUIRE(t.ok());
  CHECK(t->scheme == "http");
  CHECK(t->host == "127.0.0.1");
  CHECK(t->port == 8000);
  CHECK(t->host_header == "127.0.0.1:8000");
  CHECK_FALSE(t->is_tls());
  REQUIRE(t->addr.ss_family == AF_INET);
  CHECK(port_of(*t) == 8000);
  CHECK(reinterpret_cast<const sockaddr_in*>(&t->addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
}

TEST_CASE("parse_target: default ports, a trailing slash and upper-case schemes") {
  auto http = parse_target("HTTP://127.0.0.1/");
  REQUIRE(http.ok());
  CHECK(http->scheme == "http");
  CHECK(http->port == 80);
  CHECK(http->host_header == "127.0.0.1");
  CHECK(port_of(*http) == 80);

  auto https = parse_target("https://localhost:8443");
  REQUIRE(https.ok());
  CHECK(https->is_tls());
  CHECK(https->host == "localhost");
  CHECK(https->host_header == "localhost:8443");
  CHECK(port_of(*https) == 8443);

  auto https_default = parse_target("https://127.0.0.1:443");
  REQUIRE(https_default.ok());
  CHECK(https_default->host_header == "127.0.0.1");
}

TEST_CASE("parse_target: IPv6 literals are bracketed") {
  auto t = parse_target("http://[::1]:8080");
  REQUIRE(t.ok());
  CHECK(t->host == "::1");
  CHECK(t->host_header == "[::1]:8080");
  REQUIRE(t->addr.ss_family == AF_INET6);
  CHECK(port_of(*t) == 8080);
  auto no_port = parse_target("http://[::1]");
  REQUIRE(no_port.ok());
  CHECK(no_port->host_header == "[::1]");
}

TEST_CASE("parse_target: malformed URLs name the URL and the problem") {
  struct Case {
    const char* url;
    const char* problem;
  };
  for (const Case& c :
       {Case{"127.0.0.1:8000", "scheme://"}, Case{"ftp://127.0.0.1", "scheme 'ftp'"},
        Case{"http://", "missing host"}, Case{"http://:80", "missing host"},
        Case{"http://127.0.0.1:0", "port '0'"}, Case{"http://127.0.0.1:70000", "port '70000'"},
        Case{"http://127.0.0.1:8x", "port '8x'"}, Case{"http://127.0.0.1:", "empty port"},
        Case{"http://::1:80", "brackets"}, Case{"http://[::1", "unterminated"},
        Case{"http://[::1]x", "after ']'"}, Case{"http://127.0.0.1/api", "path"},
        Case{"http://user@127.0.0.1", "user info"}}) {
    CAPTURE(c.url);
    auto t = parse_target(c.url);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().code == Errc::invalid_argument);
    CHECK(t.error().context.find(std::string("'") + c.url + "'") != std::string::npos);
    CHECK(t.error().context.find(c.problem) != std::string::npos);
  }
}

}  // namespace
}  // namespace replay::client
