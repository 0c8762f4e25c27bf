#pragma once
// Servers replay did not write, started for the truth tests: where their programs live (a
// missing one fails the test naming its Debian package), and waiting until one answers HTTP.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace replay::testing::truth {

// Debian's interpreter, which sees python3-httpbin and gunicorn (a python3 earlier on PATH,
// e.g. pyenv's, may not).
inline const std::string kPython = "/usr/bin/python3";
inline const std::string kNginx = "/usr/sbin/nginx";

// Milliseconds left until `deadline` (0 once it passed), for poll() timeouts.
int remaining_ms(std::chrono::steady_clock::time_point deadline);

// Fails the running test (REQUIRE) unless `path` is an executable file; the message names the
// Debian `package` that provides it and tools/install-deps.sh --test.
void require_program(const std::string& path, const std::string& package);
// Fails the running test unless kPython can import `module`, naming `package` likewise.
void require_python_module(const std::string& module, const std::string& package);

// Polls GET `path` on 127.0.0.1:port over a fresh connection every 50 ms, up to timeout_ms:
// the status code of the first complete response head, or 0 if none came in time.
int wait_for_http(uint16_t port, const std::string& path, int timeout_ms);

// The port in a "listening on 127.0.0.1:PORT..." line; 0 if there is none.
uint16_t port_in_line(const std::string& line);

// A foreign server in its own process, on 127.0.0.1:port(). The destructor stops it
// (SIGTERM, then SIGKILL after 5 s) and reaps it.
class ForeignServer {
 public:
  ForeignServer(std::vector<std::string> argv, uint16_t port);
  ForeignServer(const ForeignServer&) = delete;
  ForeignServer& operator=(const ForeignServer&) = delete;
  ~ForeignServer();

  ChildProcess& process() { return *process_; }
  uint16_t port() const { return port_; }
  void set_port(uint16_t port) { port_ = port; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::unique_ptr<ChildProcess> process_;
  uint16_t port_ = 0;
};

}  // namespace replay::testing::truth
