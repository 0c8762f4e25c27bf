#include "sim_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <thread>

namespace replay::testing {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Forks and execs agent-sim; the child's stdout goes to `out_fd`, stderr to `err_fd` (-1:
// inherited).
pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env, int out_fd,
            int err_fd) {
  std::vector<char*> argv;
  std::string program = AGENT_SIM_PATH;
  argv.push_back(program.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, STDOUT_FILENO);
    if (err_fd >= 0) ::dup2(err_fd, STDERR_FILENO);
    for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` up to timeout_ms; its exit code, or -1.
int reap(pid_t pid, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0 || Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

SimProcess::SimProcess(std::vector<std::string> args, bool capture_stderr,
                       std::vector<std::string> env) {
  args.insert(args.begin(), {"--listen", "127.0.0.1:0"});
  int out[2];
  int err[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0) return;
  if (capture_stderr && ::pipe2(err, O_CLOEXEC) != 0) return;
  pid_ = spawn(args, env, out[1], err[1]);
  ::close(out[1]);
  if (err[1] >= 0) ::close(err[1]);
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  if (pid_ < 0) return;

  std::string line;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos) {
    pollfd pfd{stdout_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, remaining_ms(deadline)) <= 0) return;
    char buffer[256];
    ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) return;
    line.append(buffer, static_cast<size_t>(n));
  }
  started_at_ = Clock::now();
  constexpr std::string_view kPrefix = "listening on 127.0.0.1:";
  if (line.rfind(kPrefix, 0) != 0) return;
  port_ = static_cast<uint16_t>(std::atoi(line.c_str() + kPrefix.size()));
}

SimProcess::~SimProcess() {
  if (pid_ > 0) {
    // A clean exit also proves, under ASan, that the scenario leaked nothing.
    int code = stop(SIGTERM, 5000);
    CHECK_MESSAGE(code == 0, "agent-sim did not exit cleanly on SIGTERM");
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap(pid_, 5000);
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

std::optional<std::string> SimProcess::wait_stderr_line(std::string_view needle, int timeout_ms) {
  if (stderr_fd_ < 0) return std::nullopt;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    size_t nl;
    while ((nl = stderr_buffer_.find('\n')) != std::string::npos) {
      std::string line = stderr_buffer_.substr(0, nl);
      stderr_buffer_.erase(0, nl + 1);
      if (line.find(needle) != std::string::npos) return line;
    }
    pollfd pfd{stderr_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, remaining_ms(deadline)) <= 0) return std::nullopt;
    char buffer[512];
    ssize_t n = ::read(stderr_fd_, buffer, sizeof buffer);
    if (n <= 0) return std::nullopt;
    stderr_buffer_.append(buffer, static_cast<size_t>(n));
  }
}

int SimProcess::stop(int signal, int timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int code = reap(pid_, timeout_ms);
  if (code >= 0 || ::waitpid(pid_, nullptr, WNOHANG) != 0) pid_ = -1;
  return code;
}

SimRun run_sim_to_exit(std::vector<std::string> args, int timeout_ms) {
  SimRun run;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return run;
  pid_t pid = spawn(args, {}, out[1], out[1]);
  ::close(out[1]);
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    pollfd pfd{out[0], POLLIN, 0};
    if (::poll(&pfd, 1, remaining_ms(deadline)) <= 0) break;
    char buffer[4096];
    ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;
    run.output.append(buffer, static_cast<size_t>(n));
  }
  ::close(out[0]);
  run.exit_code = reap(pid, remaining_ms(deadline) + 100);
  if (run.exit_code < 0) {
    ::kill(pid, SIGKILL);
    reap(pid, 2000);
  }
  return run;
}

}  // namespace replay::testing
