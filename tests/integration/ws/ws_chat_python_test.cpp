// python3-websockets (a client we did not write) against agent-sim's /ws/chat: the JWT on the
// upgrade, replies paced by the injected first-token latency, the rate limit and close 1000.

#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "ws_support.hpp"

using namespace replay::testing;

namespace {

// The number after `key=` in `line`, -1 when absent.
double field(const std::string& line, const std::string& key) {
  const size_t at = line.find(key + "=");
  return at == std::string::npos ? -1 : std::stod(line.substr(at + key.size() + 1));
}

}  // namespace

TEST_CASE("python3-websockets against agent-sim /ws/chat: 401, 3 paced replies, rate limit, 1000") {
  truth::require_python_module("websockets", "python3-websockets");
  const auto started = std::chrono::steady_clock::now();
  // 100 ms to the first frame, then 3 chunks 20 ms apart; 3 messages a minute per connection.
  ListeningChild sim({AGENT_SIM_PATH, "--listen", "127.0.0.1:0", "--stream-first-token", "100ms",
                      "--stream-tokens", "3", "--stream-token-interval", "20ms", "--ws-rate-limit",
                      "3"});
  Finished client = run_to_exit(
      {truth::kPython, WS_CHAT_CLIENT_PATH, std::to_string(sim.port), operator_token(), "3"},
      20000);
  INFO("client stdout: " << client.out);
  INFO("client stderr: " << client.err);
  REQUIRE(client.exit_code == 0);

  std::vector<std::string> lines;
  std::istringstream out(client.out);
  for (std::string line; std::getline(out, line);) lines.push_back(line);
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "unauthenticated 401");
  for (int i = 0; i < 3; ++i) {
    const std::string& reply = lines[static_cast<size_t>(1 + i)];
    CAPTURE(reply);
    CHECK(reply.rfind("reply " + std::to_string(i) + " ", 0) == 0);
    CHECK(reply.find("types=chunk,chunk,chunk,done") != std::string::npos);
    const double first_ms = field(reply, "first_ms");
    const double last_ms = field(reply, "last_ms");
    CHECK(first_ms >= 100.0);           // never before the injected latency
    CHECK(first_ms < 600.0);            // and not much later, on a loaded CI machine
    CHECK(last_ms >= first_ms + 39.0);  // two 20 ms gaps after the first chunk
    CHECK(last_ms < first_ms + 500.0);
  }
  CHECK(lines[4].rfind("extra ", 0) == 0);
  CHECK(lines[4].find(R"("error":"rate_limited")") != std::string::npos);
  CHECK(lines[5] == "close code=1000 reason=done");
  CHECK(sim.process->stop(SIGTERM, 5000) == 0);
  MESSAGE("duration "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
          << " s");
}
