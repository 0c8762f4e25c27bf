#include "replay/net/address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace replay::net {

SocketAddress::SocketAddress(const sockaddr* addr) {
  if (addr == nullptr) return;
  if (addr->sa_family == AF_INET) {
    std::memcpy(&storage_, addr, sizeof(sockaddr_in));
  } else if (addr->sa_family == AF_INET6) {
    std::memcpy(&storage_, addr, sizeof(sockaddr_in6));
  }
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

std::string SocketAddress::to_string() const {
  char host[INET6_ADDRSTRLEN] = {};
  std::string out;
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, host,
              sizeof host);
    out.append(host);
  } else if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, host,
              sizeof host);
    out += '[';
    out.append(host);
    out += ']';
  } else {
    return out;
  }
  out += ':';
  out.append(std::to_string(port()));
  return out;
}

std::string SocketAddress::ip() const {
  char host[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, host,
              sizeof host);
  } else if (family() == AF_INET6) {
    const in6_addr& addr = reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&addr)) {
      inet_ntop(AF_INET, &addr.s6_addr[12], host, sizeof host);
    } else {
      inet_ntop(AF_INET6, &addr, host, sizeof host);
    }
  }
  return host;
}

Result<SocketAddress> parse_address(std::string_view text) {
  auto fail = [&](const char* what) {
    return make_error(Errc::invalid_argument, "address '" + std::string(text) + "': " + what);
  };
  std::string_view host;
  std::string_view port_text;
  bool v6 = false;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']' after IPv6 host");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return fail("expected ':PORT'");
    port_text = text.substr(close + 2);
    v6 = true;
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("expected HOST:PORT");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return fail("IPv6 hosts need brackets");
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return fail("port must be a number from 0 to 65535");
  }
  sockaddr_storage storage{};
  std::string host_z(host);
  if (v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host_z.c_str(), &in6->sin6_addr) != 1) {
      return fail("not a numeric IPv6 address");
    }
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<uint16_t>(port));
    if (host_z.empty() || host_z == "localhost") host_z = "127.0.0.1";
    if (inet_pton(AF_INET, host_z.c_str(), &in4->sin_addr) != 1) {
      return fail("not a numeric IPv4 address (no DNS lookups)");
    }
  }
  return SocketAddress(reinterpret_cast<const sockaddr*>(&storage));
}

}  // namespace replay::net
