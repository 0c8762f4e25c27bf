// replay's ws component against agent-sim's /ws/chat: the upgrade refused without a token,
// then pings every --ws-ping-interval, a paced reply and close 1003 for a binary message.

#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <string>

#include "blocking_ws_client.hpp"
#include "ws_support.hpp"

using namespace replay;
using namespace replay::testing;

namespace {

double ms_between(std::chrono::steady_clock::time_point a,
                  std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

TEST_CASE("replay::ws against agent-sim /ws/chat: 401, pings, a paced reply, close 1003") {
  const auto started = std::chrono::steady_clock::now();
  ListeningChild sim({AGENT_SIM_PATH, "--listen", "127.0.0.1:0", "--stream-first-token", "50ms",
                      "--stream-tokens", "2", "--stream-token-interval", "10ms",
                      "--ws-ping-interval", "100ms"});
  {
    BlockingWsClient refused;
    auto r = refused.connect(sim.port, "/ws/chat");
    REQUIRE_FALSE(r.ok());
    CHECK(refused.status() == 401);
    CHECK(r.error().context == "WebSocket handshake: status 401, not 101 Switching Protocols");
  }
  BlockingWsClient c;
  REQUIRE(c.connect(sim.port, "/ws/chat", {{"Authorization", "Bearer " + operator_token()}}).ok());
  auto pings = [&] {
    int n = 0;
    for (const WsEvent& e : c.events()) n += e.kind == "ping";
    return n;
  };
  REQUIRE(c.pump_until([&] { return pings() >= 2; }, 3000));
  CHECK(c.events()[0].payload == "1");
  CHECK(c.events()[1].payload == "2");
  CHECK(ms_between(c.events()[0].at, c.events()[1].at) >= 80.0);

  const size_t before = c.events().size();
  const auto sent_at = std::chrono::steady_clock::now();
  REQUIRE(c.session().send_text(R"({"message":"hello"})").ok());
  REQUIRE(c.flush());
  auto texts = [&] {
    size_t n = 0;
    for (size_t i = before; i < c.events().size(); ++i) n += c.events()[i].kind == "text";
    return n;
  };
  REQUIRE(c.pump_until([&] { return texts() >= 3; }, 3000));
  std::vector<WsEvent> frames;
  for (size_t i = before; i < c.events().size(); ++i) {
    if (c.events()[i].kind == "text") frames.push_back(c.events()[i]);
  }
  CHECK(frames[0].payload == R"({"type":"chunk","index":0,"text":"Based "})");
  CHECK(frames[1].payload == R"({"type":"chunk","index":1,"text":"on "})");
  CHECK(frames[2].payload == R"({"type":"done","chunks":2})");
  CHECK(ms_between(sent_at, frames[0].at) >= 50.0);
  CHECK(ms_between(sent_at, frames[0].at) < 500.0);

  REQUIRE(c.session().send_binary("\x01\x02").ok());
  REQUIRE(c.flush());
  REQUIRE(c.pump_until([&] { return c.eof(); }, 3000));
  CHECK(c.events().back().kind == "close");
  CHECK(c.events().back().code == 1003);
  CHECK(c.session().closed());
  CHECK(sim.process->stop(SIGTERM, 5000) == 0);
  MESSAGE("duration "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
          << " s");
}
