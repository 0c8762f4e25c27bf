#pragma once
// Numeric socket addresses as users type them: "127.0.0.1:8000", ":9000", "[::1]:0".

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"

namespace replay::net {

// An IPv4 or IPv6 address with a port; a plain value.
class SocketAddress {
 public:
  SocketAddress() = default;
  // Copies `addr` (AF_INET or AF_INET6; anything else gives an empty address).
  explicit SocketAddress(const sockaddr* addr);

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  int family() const { return storage_.ss_family; }
  bool empty() const { return family() == AF_UNSPEC; }
  uint16_t port() const;
  // "127.0.0.1:8000" or "[::1]:8000"; "" when empty.
  std::string to_string() const;
  // The IP alone: "127.0.0.1", "::1" (no brackets); an IPv4-mapped IPv6 address
  // ("::ffff:10.0.0.7", what a dual-stack listener sees) as its IPv4 form; "" when empty.
  std::string ip() const;

 private:
  sockaddr_storage storage_{};
};

// Parses "HOST:PORT" where HOST is a numeric IPv4 address, "[IPv6]", "localhost" (127.0.0.1)
// or empty (127.0.0.1: never listen on every interface by accident). PORT is 0..65535.
// Errors: Errc::invalid_argument naming the part that is wrong. No DNS lookups.
Result<SocketAddress> parse_address(std::string_view text);

}  // namespace replay::net
