// replay's ws component over a real TCP socket against Debian's python3-websockets echo server
// (a server we did not write): the handshake validated, text and binary echoed byte for byte,
// ping answered, close 1000 started by either side.

#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <string>

#include "blocking_ws_client.hpp"
#include "ws_support.hpp"

using namespace replay;
using namespace replay::testing;

namespace {

std::string all_bytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i & 0xff);
  return bytes;
}

// Sends `payload` (text or binary, fragmented when fragment_bytes > 0) and waits for its echo.
void check_echo(BlockingWsClient& c, ws::MessageType type, const std::string& payload,
                size_t fragment_bytes = 0) {
  const size_t before = c.events().size();
  auto sent = type == ws::MessageType::text ? c.session().send_text(payload, fragment_bytes)
                                            : c.session().send_binary(payload, fragment_bytes);
  REQUIRE(sent.ok());
  REQUIRE(c.flush());
  REQUIRE(c.pump_until([&] { return c.events().size() > before; }, 5000));
  const WsEvent& echo = c.events().back();
  CHECK(echo.kind == (type == ws::MessageType::text ? "text" : "binary"));
  CHECK(echo.payload.size() == payload.size());
  CHECK(echo.payload == payload);
}

}  // namespace

TEST_CASE("replay::ws against python3-websockets' echo server") {
  truth::require_python_module("websockets", "python3-websockets");
  const auto started = std::chrono::steady_clock::now();
  ListeningChild server({truth::kPython, WS_ECHO_SERVER_PATH});

  SUBCASE("handshake, text, binary, fragmented, ping, then our close 1000") {
    BlockingWsClient c;
    auto connected = c.connect(server.port, "/echo");
    REQUIRE_MESSAGE(connected.ok(), (connected.ok() ? "" : connected.error().context));
    CHECK(c.status() == 101);
    check_echo(c, ws::MessageType::text, "h\xc3\xa9llo, w\xc3\xb6rld \xe2\x9c\x93");
    check_echo(c, ws::MessageType::binary, all_bytes(1024));
    check_echo(c, ws::MessageType::binary, all_bytes(100'000));  // a 64-bit length
    check_echo(c, ws::MessageType::text, std::string(300, 'f'), 7);
    check_echo(c, ws::MessageType::binary, std::string(), 0);

    REQUIRE(c.session().send_ping("are you there").ok());
    REQUIRE(c.flush());
    REQUIRE(c.pump_until([&] { return c.events().back().kind == "pong"; }, 5000));
    CHECK(c.events().back().payload == "are you there");

    REQUIRE(c.session().send_close(ws::kCloseNormal, "client done").ok());
    REQUIRE(c.flush());
    CHECK(c.session().closing());
    REQUIRE(c.pump_until([&] { return c.eof(); }, 5000));  // the server closes the TCP first
    REQUIRE(c.events().back().kind == "close");
    CHECK(c.events().back().code == ws::kCloseNormal);
    CHECK(c.session().closed());
    CHECK(c.session().close_code_received() == ws::kCloseNormal);
    CHECK(c.receive_errors().empty());
  }

  SUBCASE("the server's close 1000 is answered with 1000") {
    BlockingWsClient c;
    REQUIRE(c.connect(server.port, "/echo").ok());
    REQUIRE(c.session().send_text("close please").ok());
    REQUIRE(c.flush());
    REQUIRE(c.pump_until([&] { return c.eof(); }, 5000));
    REQUIRE_FALSE(c.events().empty());
    CHECK(c.events().back().kind == "close");
    CHECK(c.events().back().code == ws::kCloseNormal);
    CHECK(c.events().back().payload == "server says bye");
    CHECK(c.session().closed());
    CHECK(c.session().close_code_sent() == ws::kCloseNormal);  // our echo of it
  }
  CHECK(server.process->stop(SIGTERM, 5000) >= 0);
  MESSAGE("duration "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
          << " s");
}
