// The upgrade's headers from a record and -H, and reading the answer's head (ws_upgrade.cpp).

#include <doctest/doctest.h>

#include "ws_upgrade.hpp"

using namespace replay;
using namespace replay::client;

TEST_CASE("the upgrade keeps the record's headers but the handshake's own, -H replacing") {
  trace::Record r;
  r.headers = {{"Authorization", "Bearer old"}, {"Host", "elsewhere"}, {"upgrade", "h2c"},
               {"Sec-WebSocket-Key", "x"},      {"X-Trace", "a"},      {"Connection", "close"},
               {"Content-Length", "3"}};
  const HeaderList overrides = {{"authorization", "Bearer new"}, {"Sec-WebSocket-Protocol", "p"}};
  const auto headers = upgrade_headers(r, &overrides);
  REQUIRE(headers.size() == 2);
  CHECK(headers[0].name == "X-Trace");
  CHECK(headers[1].name == "authorization");
  CHECK(headers[1].value == "Bearer new");
  CHECK(upgrade_headers(r, nullptr).size() == 2);  // Authorization and X-Trace
}

TEST_CASE("the answer's head goes header by header into the validator") {
  const auto key = ws::make_key().value();
  const std::string accept = ws::accept_for_key(key.view());
  ws::HandshakeValidator ok(key);
  const std::string head =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      "Connection:  Upgrade \r\nSec-WebSocket-Accept: " +
      accept + "\r\n";
  CHECK(read_upgrade_head(head, ok) == 101);
  CHECK(ok.validate(101).ok());

  ws::HandshakeValidator refused(key);
  CHECK(read_upgrade_head("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n", refused) == 401);
  CHECK_FALSE(refused.validate(401).ok());
  ws::HandshakeValidator junk(key);
  CHECK(read_upgrade_head("SSH-2.0-OpenSSH\r\n", junk) == 0);
}
