#pragma once
// Shared by the WebSocket integration tests: agent-sim and python servers as child processes.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "foreign_server.hpp"

namespace replay::testing {

// A child that prints "listening on 127.0.0.1:PORT": started, its port read (within 10 s).
struct ListeningChild {
  explicit ListeningChild(std::vector<std::string> argv)
      : process(std::make_unique<ChildProcess>(std::move(argv))) {
    REQUIRE(process->started());
    auto line = process->wait_stdout_line("listening on", 10000);
    REQUIRE_MESSAGE(line.has_value(), "no listening line; stderr: " << process->err());
    port = truth::port_in_line(*line);
    REQUIRE(port != 0);
  }
  std::unique_ptr<ChildProcess> process;
  uint16_t port = 0;
};

// An operator token from agent-sim --mint-token (the default secret).
inline std::string operator_token() {
  Finished minted = run_to_exit({AGENT_SIM_PATH, "--mint-token", "operator"}, 10000);
  REQUIRE(minted.exit_code == 0);
  std::string token = minted.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

}  // namespace replay::testing
