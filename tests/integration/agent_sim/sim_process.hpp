#pragma once
// Runs build/agent-sim as a child process for integration tests: start on port 0, read the
// "listening on" line, signal, reap. Every wait is bounded.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replay::testing {

class SimProcess {
 public:
  // Starts agent-sim with `args` (plus --listen 127.0.0.1:0) and waits up to 10 s for its
  // listening line. `env` entries ("NAME=value") are set in the child. With
  // `capture_stderr`, stderr lines can be awaited; otherwise it goes to the test's stderr.
  explicit SimProcess(std::vector<std::string> args, bool capture_stderr = false,
                      std::vector<std::string> env = {});
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;
  // Stops the child with SIGTERM and checks it exits with 0 (SIGKILL after 5 s).
  ~SimProcess();

  bool started() const { return port_ != 0; }
  uint16_t port() const { return port_; }
  // When the listening line was read: the test's estimate of the sim's start.
  std::chrono::steady_clock::time_point started_at() const { return started_at_; }
  // The first stderr line (from now on) containing `needle`, within timeout_ms.
  std::optional<std::string> wait_stderr_line(std::string_view needle, int timeout_ms);
  // Sends `signal` and waits up to timeout_ms; the exit code, or -1 (timeout, or killed by
  // a signal).
  int stop(int signal, int timeout_ms);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  uint16_t port_ = 0;
  std::string stderr_buffer_;
  std::chrono::steady_clock::time_point started_at_;
};

// Runs agent-sim with `args` to completion (at most timeout_ms): its exit code (-1 on
// timeout) and everything it wrote to stdout and stderr.
struct SimRun {
  int exit_code = -1;
  std::string output;
};
SimRun run_sim_to_exit(std::vector<std::string> args, int timeout_ms);

}  // namespace replay::testing
