#pragma once
// The service a run sends to: scheme, host, port and the address resolved once at start-up.

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"

namespace replay::client {

struct Target {
  std::string scheme;       // "http", "https" or "h2c" (HTTP/2 with prior knowledge)
  std::string host;         // as in the URL; an IPv6 literal without its brackets
  uint16_t port = 0;        // explicit or the scheme's default (80, 443)
  sockaddr_storage addr{};  // the first address getaddrinfo gave, port set
  std::string host_header;  // "host:port", or "host" on the default port ("[::1]:8080")

  // The protocol the run speaks: HTTP/2 (h2 by ALPN on https, h2c with prior knowledge on
  // http and h2c), decided once at start-up (--http); false: HTTP/1.1.
  bool http2 = false;

  bool is_tls() const { return scheme == "https"; }
  // An h2c:// target: HTTP/2 with prior knowledge whatever --http says.
  bool h2c_scheme() const { return scheme == "h2c"; }
};

// Parses "http://127.0.0.1:8000", "https://localhost:8443", "h2c://127.0.0.1:8080" (sets http2),
// "http://[::1]:8080" (a trailing
// "/" is allowed; paths, queries and user info are not) and resolves the host with a
// blocking getaddrinfo: call it at start-up. Errors: Errc::invalid_argument naming the URL
// and what is wrong with it, including a host that does not resolve.
Result<Target> parse_target(std::string_view url);

}  // namespace replay::client
