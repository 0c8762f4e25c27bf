#include "replay/client/target.hpp"

#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace replay::client {
namespace {

Error bad_url(std::string_view url, const std::string& what) {
  return make_error(Errc::invalid_argument, "target '" + std::string(url) + "': " + what);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Parses a decimal port 1..65535; 0 when malformed.
uint16_t parse_port(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return 0;
  unsigned value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value > 65535 ? 0 : static_cast<uint16_t>(value);
}

}  // namespace

Result<Target> parse_target(std::string_view url) {
  Target t;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad_url(url, "expected scheme://host[:port]");
  t.scheme = to_lower(url.substr(0, scheme_end));
  if (t.scheme != "http" && t.scheme != "https" && t.scheme != "h2c") {
    return bad_url(url, "unsupported scheme '" + t.scheme + "' (use http, https or h2c)");
  }
  t.http2 = t.h2c_scheme();
  std::string_view rest = url.substr(scheme_end + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority_end != std::string_view::npos && rest.substr(authority_end) != "/") {
    return bad_url(url, "a path, query or fragment is not supported here");
  }
  if (authority.find('@') != std::string_view::npos) {
    return bad_url(url, "user info is not supported");
  }
  const uint16_t default_port = t.scheme == "https" ? 443 : 80;
  std::string_view port_text;
  bool bracketed = false;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(url, "unterminated '[' in the host");
    t.host = std::string(authority.substr(1, close - 1));
    bracketed = true;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(url, "unexpected text after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return bad_url(url, "empty port");
    }
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      if (authority.find(':', colon + 1) != std::string_view::npos) {
        return bad_url(url, "an IPv6 address must be written in brackets: [::1]");
      }
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad_url(url, "empty port");
    }
    t.host = std::string(authority.substr(0, colon));
  }
  if (t.host.empty()) return bad_url(url, "missing host");
  t.port = default_port;
  if (!port_text.empty()) {
    t.port = parse_port(port_text);
    if (t.port == 0) return bad_url(url, "port '" + std::string(port_text) + "' is not 1..65535");
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(t.host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || !found) {
    return bad_url(url, "cannot resolve '" + t.host + "': " + gai_strerror(rc));
  }
  std::memcpy(&t.addr, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  if (t.addr.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&t.addr)->sin_port = htons(t.port);
  } else if (t.addr.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&t.addr)->sin6_port = htons(t.port);
  } else {
    return bad_url(url, "'" + t.host + "' resolved to an unsupported address family");
  }

  t.host_header = bracketed ? "[" + t.host + "]" : t.host;
  if (t.port != default_port) t.host_header.append(":").append(std::to_string(t.port));
  return t;
}

}  // namespace replay::client
