#include "child_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <thread>

namespace replay::testing {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, Options options) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return;
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return;
  }
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    const int null_in = ::open("/dev/null", O_RDONLY);
    ::dup2(null_in, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    if (options.file_size_limit >= 0) {
      rlimit limit{static_cast<rlim_t>(options.file_size_limit),
                   static_cast<rlim_t>(options.file_size_limit)};
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) stop(SIGKILL, 5000);
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

bool ChildProcess::read_some(int fd, std::string& into, int timeout_ms) {
  if (fd < 0) return false;
  pollfd pfd{fd, POLLIN, 0};
  if (::poll(&pfd, 1, timeout_ms) <= 0) return false;
  char buffer[8192];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n <= 0) return false;
  into.append(buffer, static_cast<size_t>(n));
  return true;
}

std::optional<std::string> ChildProcess::wait_stdout_line(std::string_view needle, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    size_t nl;
    while ((nl = out_.find('\n', out_scanned_)) != std::string::npos) {
      std::string line = out_.substr(out_scanned_, nl - out_scanned_);
      out_scanned_ = nl + 1;
      if (line.find(needle) != std::string::npos) return line;
    }
    // Keep stderr flowing too, so a chatty child never blocks on a full pipe.
    std::string ignored;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    if (::poll(fds, 2, remaining_ms(deadline)) <= 0) return std::nullopt;
    if (fds[1].revents) read_some(err_fd_, err_, 0);
    if (fds[0].revents && !read_some(out_fd_, out_, 0)) return std::nullopt;
  }
}

std::vector<ChildProcess::TimedLine> ChildProcess::read_lines_until_eof(int timeout_ms) {
  std::vector<TimedLine> lines;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string partial;
  while (remaining_ms(deadline) > 0) {
    std::string chunk;
    pollfd pfd{out_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, remaining_ms(deadline)) <= 0) break;
    char buffer[8192];
    const ssize_t n = ::read(out_fd_, buffer, sizeof buffer);
    if (n <= 0) break;
    const auto at = Clock::now();
    out_.append(buffer, static_cast<size_t>(n));
    partial.append(buffer, static_cast<size_t>(n));
    size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      lines.push_back({at, partial.substr(0, nl)});
      partial.erase(0, nl + 1);
    }
  }
  out_scanned_ = out_.size();
  return lines;
}

void ChildProcess::drain(int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  bool out_open = out_fd_ >= 0, err_open = err_fd_ >= 0;
  while ((out_open || err_open) && remaining_ms(deadline) > 0) {
    pollfd fds[2] = {{out_open ? out_fd_ : -1, POLLIN, 0}, {err_open ? err_fd_ : -1, POLLIN, 0}};
    if (::poll(fds, 2, remaining_ms(deadline)) <= 0) break;
    if (fds[0].revents && !read_some(out_fd_, out_, 0)) out_open = false;
    if (fds[1].revents && !read_some(err_fd_, err_, 0)) err_open = false;
  }
}

int ChildProcess::stop(int signal, int timeout_ms) {
  if (pid_ <= 0) return -1;
  if (signal != 0) ::kill(pid_, signal);
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (true) {
    // Read while waiting: a child blocked on a full pipe would never exit.
    drain(10);
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0 || Clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
  }
  pid_ = -1;
  drain(1000);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

Finished run_to_exit(std::vector<std::string> argv, int timeout_ms) {
  ChildProcess child(std::move(argv));
  Finished f;
  if (!child.started()) return f;
  f.exit_code = child.stop(0, timeout_ms);
  f.out = child.out();
  f.err = child.err();
  return f;
}

uint16_t pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool wait_for_port(uint16_t port, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace replay::testing
