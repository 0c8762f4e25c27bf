#include <doctest/doctest.h>

#include "replay/net/address.hpp"

using replay::net::parse_address;

TEST_CASE("parse_address accepts numeric hosts, brackets and the localhost shorthands") {
  CHECK(parse_address("127.0.0.1:8000").value().to_string() == "127.0.0.1:8000");
  CHECK(parse_address("10.1.2.3:65535").value().port() == 65535);
  CHECK(parse_address(":9000").value().to_string() == "127.0.0.1:9000");
  CHECK(parse_address("localhost:80").value().to_string() == "127.0.0.1:80");
  CHECK(parse_address("0.0.0.0:1").value().to_string() == "0.0.0.0:1");
  auto v6 = parse_address("[::1]:0");
  REQUIRE(v6.ok());
  CHECK(v6->family() == AF_INET6);
  CHECK(v6->port() == 0);
  CHECK(v6->to_string() == "[::1]:0");
  CHECK(parse_address("[2001:db8::7]:443").value().to_string() == "[2001:db8::7]:443");
}

TEST_CASE("parse_address rejects what it cannot bind without guessing") {
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:8a", "127.0.0.1:-1",
        "example.com:80", "::1:80", "[::1]80", "[::1:80", "[zz::1]:80", "256.0.0.1:80"}) {
    CAPTURE(bad);
    auto result = parse_address(bad);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == replay::Errc::invalid_argument);
    CHECK(result.error().context.find(bad) != std::string::npos);
  }
}

TEST_CASE("ip() is the address without port or brackets, IPv4-mapped ones as IPv4") {
  CHECK(parse_address("127.0.0.1:8000").value().ip() == "127.0.0.1");
  CHECK(parse_address("[::1]:9000").value().ip() == "::1");
  CHECK(parse_address("[2001:db8::7]:443").value().ip() == "2001:db8::7");
  CHECK(parse_address("[::ffff:10.0.0.7]:80").value().ip() == "10.0.0.7");
  CHECK(parse_address("[::ffff:10.0.0.7]:80").value().to_string() == "[::ffff:10.0.0.7]:80");
}

TEST_CASE("an empty SocketAddress prints as nothing") {
  replay::net::SocketAddress empty;
  CHECK(empty.empty());
  CHECK(empty.to_string().empty());
  CHECK(empty.ip().empty());
  CHECK(empty.port() == 0);
}
