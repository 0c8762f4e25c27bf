#pragma once
// A child process for the recording tests (the recorder, curl, hey, httpbin): output captured
// through pipes, every wait bounded.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replay::testing {

class ChildProcess {
 public:
  struct Options {
    long file_size_limit = -1;  // RLIMIT_FSIZE in bytes for the child; -1: unchanged
  };

  // Starts argv[0] (a path) with `argv`; started() is false if it could not.
  explicit ChildProcess(std::vector<std::string> argv, Options options);
  explicit ChildProcess(std::vector<std::string> argv) : ChildProcess(std::move(argv), Options{}) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // SIGKILLs and reaps a child still running.
  ~ChildProcess();

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Reads stdout until a line containing `needle` arrives (within timeout_ms); the line.
  std::optional<std::string> wait_stdout_line(std::string_view needle, int timeout_ms);
  struct TimedLine {
    std::chrono::steady_clock::time_point at;
    std::string text;
  };
  // Reads until stdout closes (or timeout_ms), keeping each line with its arrival time.
  std::vector<TimedLine> read_lines_until_eof(int timeout_ms);
  // Sends `signal` (0: none) and waits up to timeout_ms: the exit code, or 128 + signal number
  // when killed, or -1 on timeout. Collects the remaining output.
  int stop(int signal, int timeout_ms);
  // All stdout and stderr read so far (stop() reads the rest).
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  void drain(int timeout_ms);
  bool read_some(int fd, std::string& into, int timeout_ms);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  size_t out_scanned_ = 0;  // bytes of out_ already matched by wait_stdout_line
};

// Runs argv to completion (at most timeout_ms): {exit code, stdout, stderr}.
struct Finished {
  int exit_code = -1;
  std::string out;
  std::string err;
};
Finished run_to_exit(std::vector<std::string> argv, int timeout_ms);

// A TCP port on 127.0.0.1 that was free a moment ago (for servers that cannot report theirs).
uint16_t pick_free_port();
// True once 127.0.0.1:port accepts a connection, polling up to timeout_ms.
bool wait_for_port(uint16_t port, int timeout_ms);

}  // namespace replay::testing
