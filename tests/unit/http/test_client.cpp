#include "test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace replay::testing {

namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

struct ParseState {
  TestResponse response;
  std::string field;
  std::string value;
  bool in_value = false;
  bool complete = false;
  bool no_body = false;
  Clock::time_point now;
};

ParseState& state(llhttp_t* parser) {
  return *static_cast<ParseState*>(parser->data);
}

void flush_header(ParseState& s) {
  if (s.in_value) {
    s.response.headers.emplace_back(s.field, s.value);
    s.field.clear();
    s.value.clear();
    s.in_value = false;
  }
}

const llhttp_settings_t& settings() {
  static const llhttp_settings_t kSettings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_header_field = [](llhttp_t* p, const char* at, size_t n) {
      ParseState& st = state(p);
      flush_header(st);
      st.field.append(at, n);
      return 0;
    };
    s.on_header_value = [](llhttp_t* p, const char* at, size_t n) {
      ParseState& st = state(p);
      st.in_value = true;
      st.value.append(at, n);
      return 0;
    };
    s.on_headers_complete = [](llhttp_t* p) {
      ParseState& st = state(p);
      flush_header(st);
      st.response.status = p->status_code;
      st.response.head_at = st.now;
      st.response.keep_alive = llhttp_should_keep_alive(p) != 0;
      return st.no_body ? 1 : 0;
    };
    s.on_body = [](llhttp_t* p, const char* at, size_t n) {
      ParseState& st = state(p);
      st.response.body.append(at, n);
      if (!st.response.pieces.empty() && st.response.pieces.back().received_at == st.now) {
        st.response.pieces.back().bytes.append(at, n);
      } else {
        st.response.pieces.push_back({st.now, std::string(at, n)});
      }
      return 0;
    };
    s.on_message_complete = [](llhttp_t* p) {
      ParseState& st = state(p);
      st.complete = true;
      st.response.done_at = st.now;
      return static_cast<int>(HPE_PAUSED);
    };
    return s;
  }();
  return kSettings;
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

double elapsed_ms(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

std::string TestResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequal(n, name)) return v;
  }
  return {};
}

std::vector<SseEvent> sse_events(const TestResponse& response) {
  std::vector<SseEvent> events;
  std::string buffer;
  for (const BodyPiece& piece : response.pieces) {
    buffer += piece.bytes;
    size_t end;
    while ((end = buffer.find("\n\n")) != std::string::npos) {
      std::string block = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      SseEvent event{piece.received_at, {}};
      size_t start = 0;
      while (start <= block.size()) {
        size_t nl = block.find('\n', start);
        std::string line = block.substr(start, nl == std::string::npos ? nl : nl - start);
        if (line.rfind("data:", 0) == 0) {
          std::string data = line.substr(5);
          if (!data.empty() && data[0] == ' ') data.erase(0, 1);
          if (!event.data.empty()) event.data += '\n';
          event.data += data;
        }
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
      events.push_back(std::move(event));
    }
  }
  return events;
}

TestConnection::TestConnection(uint16_t port, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
}

TestConnection::TestConnection(TestConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      leftover_(std::move(other.leftover_)),
      reset_(other.reset_) {}

TestConnection::~TestConnection() {
  close();
}

void TestConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool TestConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    if (fd_ < 0) return false;
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::optional<TestResponse> TestConnection::read_response(int timeout_ms, bool no_body) {
  if (fd_ < 0) return std::nullopt;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  llhttp_t parser;
  llhttp_init(&parser, HTTP_RESPONSE, &settings());
  ParseState st;
  st.no_body = no_body;
  parser.data = &st;
  auto feed = [&](std::string_view data) -> bool {
    llhttp_errno_t err = llhttp_execute(&parser, data.data(), data.size());
    if (err == HPE_PAUSED) {
      size_t used = static_cast<size_t>(llhttp_get_error_pos(&parser) - data.data());
      leftover_.assign(data.substr(used));
      return true;
    }
    leftover_.clear();
    return err == HPE_OK;
  };
  st.now = Clock::now();
  if (!leftover_.empty()) {
    std::string pending = std::move(leftover_);
    leftover_.clear();
    if (!feed(pending)) return std::nullopt;
    if (st.complete) return std::move(st.response);
  }
  char buffer[16384];
  while (true) {
    pollfd pfd{fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, remaining_ms(deadline));
    if (ready <= 0) return std::nullopt;
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    st.now = Clock::now();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      reset_ = errno == ECONNRESET;
      return std::nullopt;
    }
    if (n == 0) {
      if (llhttp_finish(&parser) == HPE_OK && st.complete) return std::move(st.response);
      if (llhttp_message_needs_eof(&parser) && st.response.status != 0) {
        st.response.done_at = st.now;
        return std::move(st.response);
      }
      return std::nullopt;
    }
    if (!feed(std::string_view(buffer, static_cast<size_t>(n)))) return std::nullopt;
    if (st.complete) return std::move(st.response);
  }
}

std::optional<TestResponse> TestConnection::request(std::string_view raw, int timeout_ms,
                                                    bool no_body) {
  if (!send(raw)) return std::nullopt;
  return read_response(timeout_ms, no_body);
}

bool TestConnection::wait_closed(int timeout_ms) {
  if (fd_ < 0) return true;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  char buffer[16384];
  while (true) {
    pollfd pfd{fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, remaining_ms(deadline));
    if (ready <= 0) return false;
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      reset_ = errno == ECONNRESET;
      return true;
    }
    if (n == 0) return true;
  }
}

std::string make_request(std::string_view method, std::string_view target, std::string_view body,
                         std::string_view extra_headers) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  out.append(extra_headers);
  if (!body.empty() || method == "POST" || method == "PUT") {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append("\r\n").append(body);
  return out;
}

}  // namespace replay::testing
