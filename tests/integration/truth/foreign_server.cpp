#include "foreign_server.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace replay::testing::truth {
namespace {

using Clock = std::chrono::steady_clock;

// One GET over a fresh connection: the status of the response head, 0 on any failure.
int probe_once(uint16_t port, const std::string& path, Clock::time_point deadline) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int status = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      std::string head;
      while (head.find("\r\n") == std::string::npos && remaining_ms(deadline) > 0) {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, remaining_ms(deadline)) <= 0) break;
        char buffer[1024];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        head.append(buffer, static_cast<size_t>(n));
      }
      // "HTTP/1.x NNN ..."
      if (head.rfind("HTTP/1.", 0) == 0 && head.size() >= 12) status = std::atoi(head.c_str() + 9);
    }
  }
  ::close(fd);
  return status;
}

}  // namespace

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

void require_program(const std::string& path, const std::string& package) {
  REQUIRE_MESSAGE(::access(path.c_str(), X_OK) == 0,
                  path << " is missing: install the Debian package " << package
                       << " (tools/install-deps.sh --test, as root)");
}

void require_python_module(const std::string& module, const std::string& package) {
  require_program(kPython, "python3");
  const Finished imported = run_to_exit({kPython, "-c", "import " + module}, 30000);
  REQUIRE_MESSAGE(imported.exit_code == 0, kPython << " cannot import " << module
                                                   << ": install the Debian package " << package
                                                   << " (tools/install-deps.sh --test, as root); "
                                                   << imported.err);
}

int wait_for_http(uint16_t port, const std::string& path, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (remaining_ms(deadline) > 0) {
    const int status = probe_once(port, path, deadline);
    if (status != 0) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

uint16_t port_in_line(const std::string& line) {
  const std::string prefix = "listening on 127.0.0.1:";
  const size_t at = line.find(prefix);
  if (at == std::string::npos) return 0;
  return static_cast<uint16_t>(std::atoi(line.c_str() + at + prefix.size()));
}

ForeignServer::ForeignServer(std::vector<std::string> argv, uint16_t port)
    : process_(std::make_unique<ChildProcess>(std::move(argv))), port_(port) {}

ForeignServer::~ForeignServer() {
  if (process_->started()) process_->stop(SIGTERM, 5000);
}

}  // namespace replay::testing::truth
