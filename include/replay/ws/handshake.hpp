#pragma once
// The WebSocket opening handshake (RFC 6455 §4): the client's upgrade request and its check of
// the server's answer, and the server's check of an upgrade request and its accept value. Pure
// functions over bytes and header values; no I/O, no HTTP parser (the caller parses the head).

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"

namespace replay::ws {

// A header as views into storage owned by the caller.
struct Header {
  std::string_view name;
  std::string_view value;
};

// A Sec-WebSocket-Key: 16 bytes, base64 (24 characters, padded).
struct Key {
  std::array<char, 24> text{};
  std::string_view view() const { return {text.data(), text.size()}; }
};

// A key from 16 bytes of OpenSSL's RAND_bytes, as §4.1 asks (unpredictable per connection).
// Errors: Errc::internal when the random generator fails.
Result<Key> make_key();
// The key of these 16 bytes (tests, reproducible traces).
Key make_key(std::span<const uint8_t, 16> bytes);

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")): the Sec-WebSocket-Accept a
// server answers `key` with (28 characters).
std::string accept_for_key(std::string_view key);

// What the client's upgrade request says. Views must stay valid during the call only.
struct HandshakeRequest {
  std::string_view host;         // the Host header: "example.com", "127.0.0.1:8000"
  std::string_view target;       // path and query: "/ws/chat?room=1"
  std::string_view subprotocol;  // Sec-WebSocket-Protocol offered (one, or a list); empty: none
  std::span<const Header> extra_headers;  // Authorization, Origin, cookies, ... (no Upgrade,
                                          // Connection or Sec-WebSocket-* fields)
};

// Appends `GET target HTTP/1.1` with Host, Upgrade: websocket, Connection: Upgrade,
// Sec-WebSocket-Key `key`, Sec-WebSocket-Version: 13, the subprotocol and the extra headers,
// then the blank line. Errors (nothing appended): Errc::invalid_argument when a field would
// put CR, LF or NUL on the wire, or an empty host or target.
Result<void> append_handshake_request(std::string& out, const HandshakeRequest& request,
                                      const Key& key);

// The client's check of the server's answer (§4.1, the client's requirements): fed the final
// response's header lines one by one as they are parsed (duplicates kept), then asked once
// with the status. Holds no copy of the headers (about 40 bytes). The key and the offered
// subprotocol it was built with must outlive it.
class HandshakeValidator {
 public:
  HandshakeValidator(const Key& key, std::string_view offered_subprotocol = {});

  // One header line of the response, in wire order.
  void add_header(std::string_view name, std::string_view value);
  // Ok when `status` is 101 with Upgrade: websocket and Connection: upgrade (tokens, any
  // case), a Sec-WebSocket-Accept matching the key, no extension and at most the offered
  // subprotocol. Errors: Errc::corrupt naming the first thing wrong, e.g. "status 200, not 101
  // Switching Protocols", "Sec-WebSocket-Accept is missing", "Sec-WebSocket-Accept 'x' does not
  // match the key (expected 'y')".
  Result<void> validate(int status) const;
  // The subprotocol the server chose (empty: none); valid once validate() passed.
  std::string_view subprotocol() const { return chosen_; }

 private:
  const Key& key_;
  std::string_view offered_;       // a subprotocol or a comma-separated list of them
  std::string_view chosen_;        // the one in offered_ the server named
  std::array<char, 28> accept_{};  // the Sec-WebSocket-Accept received (first one)
  uint8_t accept_size_ = 0;        // its length, up to 28 (29: longer than any valid one)
  uint8_t accept_count_ = 0;
  bool upgrade_websocket_ = false;
  bool upgrade_seen_ = false;
  bool connection_upgrade_ = false;
  bool extension_ = false;
  bool other_subprotocol_ = false;  // the server named one that was not offered
};

// The server's view of an upgrade request: header values as received (repeated fields joined
// with ", "), empty when absent.
struct UpgradeRequest {
  std::string_view method;
  std::string_view upgrade;     // Upgrade
  std::string_view connection;  // Connection
  std::string_view version;     // Sec-WebSocket-Version
  std::string_view key;         // Sec-WebSocket-Key
};

// Ok when the request may be answered with 101 (§4.2.1): GET, Upgrade has the token websocket,
// Connection has upgrade, version 13 and a key of 16 base64 bytes. Errors: Errc::invalid_argument
// naming what is wrong ("Sec-WebSocket-Version '8' is not 13"), for a 400 (426 for the version).
Result<void> validate_upgrade_request(const UpgradeRequest& request);

// True when the comma-separated list `value` holds `token` (any case, spaces trimmed).
bool has_token(std::string_view value, std::string_view token) noexcept;

}  // namespace replay::ws
