#pragma once
// Runs a program to completion for CLI tests: exit code, stdout and stderr; bounded in time.

#include <string>
#include <vector>

namespace replay::testing {

struct CommandResult {
  int exit_code = -1;  // -1: killed after the timeout or by a signal
  std::string out;
  std::string err;
};

// Runs `argv[0]` with `argv`, no stdin, killing it after `timeout_ms`.
CommandResult run_command(const std::vector<std::string>& argv, int timeout_ms);

}  // namespace replay::testing
