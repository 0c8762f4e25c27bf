#include "blocking_ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "foreign_server.hpp"

namespace replay::testing {

namespace {

using Clock = std::chrono::steady_clock;
using truth::remaining_ms;

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

BlockingWsClient::~BlockingWsClient() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> BlockingWsClient::connect(uint16_t port, std::string_view target,
                                       std::vector<ws::Header> extra_headers, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return make_error(Errc::network, "connect to port " + std::to_string(port) + " failed");
  }
  auto key = ws::make_key();
  if (!key) return key.error();
  const std::string host = "127.0.0.1:" + std::to_string(port);
  std::string request;
  auto built = ws::append_handshake_request(request, {host, target, {}, extra_headers}, *key);
  if (!built) return built;
  if (!send_all(fd_, request)) return make_error(Errc::network, "sending the upgrade failed");

  std::string head;
  size_t end = std::string::npos;
  while ((end = head.find("\r\n\r\n")) == std::string::npos) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, remaining_ms(deadline)) <= 0) {
      return make_error(Errc::network, "no answer to the upgrade in time");
    }
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return make_error(Errc::network, "the server closed during the handshake");
    head.append(buffer, static_cast<size_t>(n));
  }
  read_at_ = Clock::now();
  const std::string rest = head.substr(end + 4);
  head.resize(end + 2);
  // "HTTP/1.1 101 Switching Protocols\r\n", then "Name: value\r\n" lines.
  if (head.rfind("HTTP/1.1 ", 0) != 0 || head.size() < 12) {
    return make_error(Errc::corrupt, "not an HTTP/1.1 response: " + head.substr(0, 40));
  }
  status_ = std::stoi(head.substr(9, 3));
  ws::HandshakeValidator validator(*key);
  size_t line_start = head.find("\r\n") + 2;
  while (line_start < head.size()) {
    const size_t line_end = head.find("\r\n", line_start);
    const std::string_view line(head.data() + line_start, line_end - line_start);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      validator.add_header(line.substr(0, colon), line.substr(colon + 1));
    }
    line_start = line_end + 2;
  }
  auto valid = validator.validate(status_);
  if (!valid) return valid;
  if (!rest.empty()) {
    if (auto r = session_.receive(rest); !r) errors_.push_back(r.error());
    flush();
  }
  return {};
}

bool BlockingWsClient::flush() {
  std::string out;
  session_.take_output(out);
  return out.empty() || send_all(fd_, out);
}

bool BlockingWsClient::pump_until(const std::function<bool()>& done, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (eof_) return false;
    pollfd pfd{fd_, POLLIN, 0};
    const int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&pfd, 1, left) <= 0) return done();
    char buffer[16384];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      eof_ = true;
      return done();
    }
    read_at_ = Clock::now();
    if (auto r = session_.receive(std::string_view(buffer, static_cast<size_t>(n))); !r) {
      errors_.push_back(r.error());
    }
    flush();
  }
  return true;
}

void BlockingWsClient::record(std::string kind, std::string_view payload, uint16_t code) {
  events_.push_back({read_at_, std::move(kind), std::string(payload), code});
}

void BlockingWsClient::on_message(ws::MessageType type, std::string_view payload) {
  record(type == ws::MessageType::text ? "text" : "binary", payload);
}

void BlockingWsClient::on_ping(std::string_view payload) {
  record("ping", payload);
}

void BlockingWsClient::on_pong(std::string_view payload) {
  record("pong", payload);
}

void BlockingWsClient::on_close(uint16_t code, std::string_view reason) {
  record("close", reason, code);
}

}  // namespace replay::testing
