#include "replay/ws/handshake.hpp"

#include <doctest/doctest.h>

#include <string>

#include "replay/core/base64.hpp"

namespace replay::ws {
namespace {

// RFC 6455 §1.3: the key of the nonce "the sample nonce" and the server's answer.
constexpr std::string_view kRfcKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kRfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

Key rfc_key() {
  constexpr std::string_view nonce = "the sample nonce";
  uint8_t bytes[16];
  for (size_t i = 0; i < 16; ++i) bytes[i] = static_cast<uint8_t>(nonce[i]);
  return make_key(std::span<const uint8_t, 16>(bytes));
}

// A validator fed a 101 answer to the RFC key, with `accept` (empty: none) and a Connection
// value.
Result<void> check_answer(int status, std::string_view accept,
                          std::string_view connection = "Upgrade",
                          std::string_view upgrade = "websocket") {
  static const Key key = rfc_key();
  HandshakeValidator validator(key);
  validator.add_header("Date", "Fri, 04 Dec 2026 12:00:00 GMT");
  if (!upgrade.empty()) validator.add_header("Upgrade", upgrade);
  if (!connection.empty()) validator.add_header("Connection", connection);
  if (!accept.empty()) validator.add_header("Sec-WebSocket-Accept", accept);
  return validator.validate(status);
}

TEST_CASE("accept_for_key: the RFC 6455 example") {
  CHECK(rfc_key().view() == kRfcKey);
  CHECK(accept_for_key(kRfcKey) == kRfcAccept);
}

TEST_CASE("make_key: 16 random bytes in base64, different each time") {
  auto a = make_key();
  auto b = make_key();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto decoded = base64_decode(a->view());
  REQUIRE(decoded.has_value());
  CHECK(decoded->size() == 16);
  CHECK(a->view() != b->view());
}

TEST_CASE("append_handshake_request: the upgrade request with extra headers and a subprotocol") {
  const Key key = rfc_key();
  const Header extra[] = {{"Authorization", "Bearer abc"}, {"Origin", "http://example.com"}};
  std::string out;
  REQUIRE(
      append_handshake_request(out, {"127.0.0.1:8000", "/ws/chat?room=1", "chat.v1", extra}, key)
          .ok());
  CHECK(out ==
        "GET /ws/chat?room=1 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat.v1\r\n"
        "Authorization: Bearer abc\r\nOrigin: http://example.com\r\n\r\n");

  std::string plain;
  REQUIRE(append_handshake_request(plain, {"h", "/", {}, {}}, key).ok());
  CHECK(plain.find("Sec-WebSocket-Protocol") == std::string::npos);
}

TEST_CASE("append_handshake_request: CR, LF or an empty host refused, nothing appended") {
  const Key key = rfc_key();
  std::string out;
  const Header smuggled[] = {{"X-A", "1\r\nX-B: 2"}};
  auto r = append_handshake_request(out, {"h", "/", {}, smuggled}, key);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK(r.error().context.find("X-A") != std::string::npos);
  CHECK_FALSE(append_handshake_request(out, {"", "/", {}, {}}, key).ok());
  CHECK_FALSE(append_handshake_request(out, {"h", "/a b", {}, {}}, key).ok());
  CHECK_FALSE(append_handshake_request(out, {"h\n", "/", {}, {}}, key).ok());
  CHECK(out.empty());
}

TEST_CASE("HandshakeValidator: a correct answer passes, tokens in any case") {
  CHECK(check_answer(101, kRfcAccept).ok());
  CHECK(check_answer(101, kRfcAccept, "keep-alive, UPGRADE", "WebSocket").ok());
}

TEST_CASE("HandshakeValidator: each failure is named") {
  auto wrong_status = check_answer(200, kRfcAccept);
  REQUIRE_FALSE(wrong_status.ok());
  CHECK(wrong_status.error().code == Errc::corrupt);
  CHECK(wrong_status.error().context ==
        "WebSocket handshake: status 200, not 101 Switching Protocols");

  auto missing = check_answer(101, "");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().context == "WebSocket handshake: Sec-WebSocket-Accept is missing");

  auto incorrect = check_answer(101, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  REQUIRE_FALSE(incorrect.ok());
  CHECK(incorrect.error().context ==
        "WebSocket handshake: Sec-WebSocket-Accept 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' does not match "
        "the key (expected 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=')");
  auto too_long = check_answer(101, std::string(kRfcAccept) + "xyz");
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().context.find("'s3pPLMBiTxaQ9kYGzzhZRbK+xOo=...'") != std::string::npos);

  auto no_connection = check_answer(101, kRfcAccept, "keep-alive");
  REQUIRE_FALSE(no_connection.ok());
  CHECK(no_connection.error().context ==
        "WebSocket handshake: Connection does not have the token 'upgrade'");
  auto no_upgrade = check_answer(101, kRfcAccept, "Upgrade", "");
  REQUIRE_FALSE(no_upgrade.ok());
  CHECK(no_upgrade.error().context == "WebSocket handshake: the Upgrade header is missing");
  auto other_upgrade = check_answer(101, kRfcAccept, "Upgrade", "h2c");
  REQUIRE_FALSE(other_upgrade.ok());
  CHECK(other_upgrade.error().context == "WebSocket handshake: Upgrade is not 'websocket'");
}

TEST_CASE("HandshakeValidator: extensions and subprotocols the client did not offer fail") {
  const Key key = rfc_key();
  auto answer = [&](HandshakeValidator& v) {
    v.add_header("upgrade", "websocket");
    v.add_header("connection", "upgrade");
    v.add_header("sec-websocket-accept", kRfcAccept);
  };
  HandshakeValidator extension(key);
  answer(extension);
  extension.add_header("Sec-WebSocket-Extensions", "permessage-deflate");
  CHECK_FALSE(extension.validate(101).ok());

  HandshakeValidator unoffered(key);
  answer(unoffered);
  unoffered.add_header("Sec-WebSocket-Protocol", "chat");
  auto r = unoffered.validate(101);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().context ==
        "WebSocket handshake: the server chose a subprotocol (none was offered)");

  HandshakeValidator chosen(key, "chat.v2, chat.v1");
  answer(chosen);
  chosen.add_header("Sec-WebSocket-Protocol", "chat.v1");
  CHECK(chosen.validate(101).ok());
  CHECK(chosen.subprotocol() == "chat.v1");

  HandshakeValidator declined(key, "chat.v1");
  answer(declined);
  CHECK(declined.validate(101).ok());
  CHECK(declined.subprotocol().empty());

  HandshakeValidator twice(key);
  answer(twice);
  twice.add_header("Sec-WebSocket-Accept", kRfcAccept);
  CHECK_FALSE(twice.validate(101).ok());
}

TEST_CASE("validate_upgrade_request: what a server checks before answering 101") {
  UpgradeRequest good{"GET", "websocket", "keep-alive, Upgrade", "13", kRfcKey};
  CHECK(validate_upgrade_request(good).ok());
  UpgradeRequest post = good;
  post.method = "POST";
  CHECK_FALSE(validate_upgrade_request(post).ok());
  UpgradeRequest version = good;
  version.version = "8";
  auto r = validate_upgrade_request(version);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().context == "WebSocket upgrade: Sec-WebSocket-Version '8' is not 13");
  UpgradeRequest short_key = good;
  short_key.key = "AAAA";
  CHECK_FALSE(validate_upgrade_request(short_key).ok());
  UpgradeRequest no_connection = good;
  no_connection.connection = "keep-alive";
  CHECK_FALSE(validate_upgrade_request(no_connection).ok());
  CHECK(has_token(" a , Upgrade ,b", "upgrade"));
  CHECK_FALSE(has_token("upgraded", "upgrade"));
}

}  // namespace
}  // namespace replay::ws
