#include "replay/ws/handshake.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "replay/core/base64.hpp"
#include "replay/core/wire_check.hpp"

namespace replay::ws {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The token of the comma-separated list `list` equal to `token` (any case), as a view into
// `list`; empty when there is none.
std::string_view find_token(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    if (!item.empty() && iequals(item, token)) return item;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return {};
}

Error corrupt(std::string context) {
  return make_error(Errc::corrupt, std::move(context));
}

Error invalid(std::string context) {
  return make_error(Errc::invalid_argument, std::move(context));
}

Result<void> check_field(WireField field, std::string_view what, std::string_view text) {
  if (auto problem = check_wire_text(field, text)) {
    return invalid(std::string(what) + ": " + *problem);
  }
  return {};
}

}  // namespace

bool has_token(std::string_view value, std::string_view token) noexcept {
  return !find_token(value, token).empty();
}

Result<Key> make_key() {
  std::array<uint8_t, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return make_error(Errc::internal, "RAND_bytes failed to make a Sec-WebSocket-Key");
  }
  return make_key(std::span<const uint8_t, 16>(bytes));
}

Key make_key(std::span<const uint8_t, 16> bytes) {
  std::string text;
  base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), text);
  Key key;
  std::memcpy(key.text.data(), text.data(), key.text.size());
  return key;
}

std::string accept_for_key(std::string_view key) {
  std::string input(key);
  input.append(kGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_Digest(input.data(), input.size(), digest, &digest_size, EVP_sha1(), nullptr);
  std::string out;
  base64_encode(std::string_view(reinterpret_cast<const char*>(digest), digest_size), out);
  return out;
}

Result<void> append_handshake_request(std::string& out, const HandshakeRequest& request,
                                      const Key& key) {
  if (request.host.empty()) return invalid("WebSocket upgrade: the Host is empty");
  if (auto r = check_field(WireField::target, "WebSocket upgrade target", request.target); !r) {
    return r;
  }
  if (auto r = check_field(WireField::header_value, "Host", request.host); !r) return r;
  if (!request.subprotocol.empty()) {
    if (auto r =
            check_field(WireField::header_value, "Sec-WebSocket-Protocol", request.subprotocol);
        !r) {
      return r;
    }
  }
  for (const Header& header : request.extra_headers) {
    if (auto r = check_field(WireField::header_name, "header name", header.name); !r) return r;
    if (auto r = check_field(WireField::header_value, std::string(header.name), header.value); !r) {
      return r;
    }
  }
  out.append("GET ").append(request.target).append(" HTTP/1.1\r\nHost: ").append(request.host);
  out.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
  out.append(key.view()).append("\r\nSec-WebSocket-Version: 13\r\n");
  if (!request.subprotocol.empty()) {
    out.append("Sec-WebSocket-Protocol: ").append(request.subprotocol).append("\r\n");
  }
  for (const Header& header : request.extra_headers) {
    out.append(header.name).append(": ").append(header.value).append("\r\n");
  }
  out.append("\r\n");
  return {};
}

HandshakeValidator::HandshakeValidator(const Key& key, std::string_view offered_subprotocol)
    : key_(key), offered_(offered_subprotocol) {}

void HandshakeValidator::add_header(std::string_view name, std::string_view value) {
  value = trim(value);
  if (iequals(name, "upgrade")) {
    upgrade_seen_ = true;
    if (has_token(value, "websocket")) upgrade_websocket_ = true;
  } else if (iequals(name, "connection")) {
    if (has_token(value, "upgrade")) connection_upgrade_ = true;
  } else if (iequals(name, "sec-websocket-accept")) {
    if (++accept_count_ == 1) {
      accept_size_ = static_cast<uint8_t>(std::min(value.size(), accept_.size() + 1));
      if (!value.empty()) {
        std::memcpy(accept_.data(), value.data(), std::min(value.size(), accept_.size()));
      }
    }
  } else if (iequals(name, "sec-websocket-extensions")) {
    if (!value.empty()) extension_ = true;
  } else if (iequals(name, "sec-websocket-protocol")) {
    std::string_view chosen = find_token(offered_, value);
    if (chosen.empty() || !chosen_.empty()) {
      other_subprotocol_ = true;
    } else {
      chosen_ = chosen;
    }
  }
}

Result<void> HandshakeValidator::validate(int status) const {
  if (status != 101) {
    return corrupt("WebSocket handshake: status " + std::to_string(status) +
                   ", not 101 Switching Protocols");
  }
  if (!upgrade_seen_) return corrupt("WebSocket handshake: the Upgrade header is missing");
  if (!upgrade_websocket_) return corrupt("WebSocket handshake: Upgrade is not 'websocket'");
  if (!connection_upgrade_) {
    return corrupt("WebSocket handshake: Connection does not have the token 'upgrade'");
  }
  if (accept_count_ == 0) return corrupt("WebSocket handshake: Sec-WebSocket-Accept is missing");
  if (accept_count_ > 1) {
    return corrupt("WebSocket handshake: Sec-WebSocket-Accept is sent more than once");
  }
  const std::string expected = accept_for_key(key_.view());
  const std::string_view got(accept_.data(), std::min<size_t>(accept_size_, accept_.size()));
  if (accept_size_ != expected.size() || got != expected) {
    std::string shown(got);
    if (accept_size_ > accept_.size()) shown += "...";
    return corrupt("WebSocket handshake: Sec-WebSocket-Accept '" + shown +
                   "' does not match the key (expected '" + expected + "')");
  }
  if (extension_) {
    return corrupt("WebSocket handshake: the server chose an extension (none was offered)");
  }
  if (other_subprotocol_) {
    return corrupt(offered_.empty()
                       ? "WebSocket handshake: the server chose a subprotocol (none was offered)"
                       : "WebSocket handshake: the server chose a subprotocol not offered ('" +
                             std::string(offered_) + "')");
  }
  return {};
}

Result<void> validate_upgrade_request(const UpgradeRequest& request) {
  if (request.method != "GET") {
    return invalid("WebSocket upgrade: method " + std::string(request.method) + ", not GET");
  }
  if (!has_token(request.upgrade, "websocket")) {
    return invalid("WebSocket upgrade: Upgrade is not 'websocket'");
  }
  if (!has_token(request.connection, "upgrade")) {
    return invalid("WebSocket upgrade: Connection does not have the token 'upgrade'");
  }
  if (trim(request.version) != "13") {
    return invalid("WebSocket upgrade: Sec-WebSocket-Version '" + std::string(request.version) +
                   "' is not 13");
  }
  auto key = base64_decode(trim(request.key));
  if (!key || key->size() != 16) {
    return invalid("WebSocket upgrade: Sec-WebSocket-Key '" + std::string(request.key) +
                   "' is not 16 bytes in base64");
  }
  return {};
}

}  // namespace replay::ws
