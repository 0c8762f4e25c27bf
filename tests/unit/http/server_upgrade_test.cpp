// ResponseWriter::upgrade: a 101 answer switches the connection to raw bytes (WebSocket and
// other protocols), now or later, after earlier pipelined responses, or not at all.

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "server_harness.hpp"

using namespace replay;
using namespace replay::http;
using replay::testing::Harness;

namespace {

constexpr std::string_view kUpgradeRequest =
    "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n";
constexpr std::string_view kSwitched =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n";

// A blocking client socket with bounded reads.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  ~RawClient() { ::close(fd_); }

  void send(std::string_view bytes) {
    REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(bytes.size()));
  }
  // Reads until `n` bytes have come (or EOF, or 5 s of silence).
  std::string read_exactly(size_t n) {
    while (buffer_.size() < n && read_some()) {
    }
    std::string out = buffer_.substr(0, std::min(n, buffer_.size()));
    buffer_.erase(0, out.size());
    return out;
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  // True when the server closes within 5 s (bytes read meanwhile are kept).
  bool wait_eof() {
    while (read_some()) {
    }
    return eof_;
  }

 private:
  bool read_some() {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 5000) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return out;
}

// The shouting protocol: each piece comes back upper-cased; "bye" ends the connection.
struct Shout {
  UpgradedConnection connection;
  int closes = 0;
  std::string received;
};

void start_shouting(const ResponseWriter& writer, const std::shared_ptr<Shout>& shout) {
  UpgradeHandler handler;
  handler.on_data = [shout](std::string_view bytes) {
    shout->received.append(bytes);
    if (bytes == "bye") {
      shout->connection.end();
      return;
    }
    shout->connection.write(upper(bytes));
  };
  handler.on_close = [shout] { ++shout->closes; };
  const HeaderField headers[] = {{"Upgrade", "shout"}, {"Connection", "Upgrade"}};
  shout->connection = writer.upgrade(headers, std::move(handler));
}

}  // namespace

TEST_CASE("upgrade: a 101 switches the connection; bytes sent with the request are kept") {
  auto shout = std::make_shared<Shout>();
  bool could_upgrade = false;
  Harness h([&](Request& request, ResponseWriter writer) {
    CHECK(request.upgrade);
    could_upgrade = writer.can_upgrade();
    start_shouting(writer, shout);
    CHECK(shout->connection.open());
  });
  h.run([](uint16_t port) {
    RawClient c(port);
    c.send(std::string(kUpgradeRequest) + "early");
    CHECK(c.read_exactly(kSwitched.size()) == kSwitched);
    CHECK(c.read_exactly(5) == "EARLY");
    c.send("more");
    CHECK(c.read_exactly(4) == "MORE");
    c.send("bye");
    CHECK(c.wait_eof());
  });
  CHECK(could_upgrade);
  CHECK(shout->received == "earlymorebye");
  CHECK(shout->closes == 1);
  CHECK_FALSE(shout->connection.open());
}

TEST_CASE("upgrade: answered later from a timer, and the peer closing ends it") {
  auto shout = std::make_shared<Shout>();
  Harness h([&](Request&, ResponseWriter writer) {
    h.after(30, [writer, shout] { start_shouting(writer, shout); });
  });
  h.run([](uint16_t port) {
    RawClient c(port);
    c.send(kUpgradeRequest);
    c.send("x");  // waits in the server until the 101 is out
    CHECK(c.read_exactly(kSwitched.size()) == kSwitched);
    CHECK(c.read_exactly(1) == "X");
  });
  CHECK(shout->closes == 1);  // the client's close reached the handler
}

TEST_CASE("upgrade: a request without Upgrade cannot; a non-101 answer closes the connection") {
  bool plain_could = true;
  Harness h([&](Request& request, ResponseWriter writer) {
    if (request.target == "/plain") {
      plain_could = writer.can_upgrade();
      CHECK_FALSE(writer.upgrade({}, {}).open());
      writer.respond(200, {{"Content-Type", "text/plain"}}, "ok");
      return;
    }
    writer.respond(401, {{"Content-Type", "text/plain"}}, "no");
  });
  h.run([](uint16_t port) {
    RawClient c(port);
    c.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string ok = c.read_exactly(std::string_view("HTTP/1.1 200 OK").size());
    CHECK(ok == "HTTP/1.1 200 OK");
    RawClient refused(port);
    refused.send(kUpgradeRequest);
    CHECK(refused.wait_eof());
  });
  CHECK_FALSE(plain_could);
}

TEST_CASE("upgrade: a 101 waits for the pipelined response before it, then switches") {
  auto shout = std::make_shared<Shout>();
  Harness h([&](Request& request, ResponseWriter writer) {
    if (request.target == "/first") {
      h.after(30, [writer] { writer.respond(200, {{"Content-Type", "text/plain"}}, "first"); });
      return;
    }
    start_shouting(writer, shout);
    shout->connection.write("hi");  // held behind the 101, which is held behind /first
  });
  h.run([](uint16_t port) {
    RawClient c(port);
    c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n" + std::string(kUpgradeRequest));
    const std::string first =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nfirst";
    CHECK(c.read_exactly(first.size()) == first);
    CHECK(c.read_exactly(kSwitched.size()) == kSwitched);
    CHECK(c.read_exactly(2) == "hi");
    c.send("abc");
    CHECK(c.read_exactly(3) == "ABC");
  });
}

TEST_CASE("upgrade: after the peer's FIN what the handler wrote still goes out, then it closes") {
  auto shout = std::make_shared<Shout>();
  Harness h([&](Request&, ResponseWriter writer) { start_shouting(writer, shout); });
  h.run([](uint16_t port) {
    RawClient c(port);
    c.send(kUpgradeRequest);
    CHECK(c.read_exactly(kSwitched.size()) == kSwitched);
    c.send("last words");
    c.shutdown_write();
    CHECK(c.read_exactly(10) == "LAST WORDS");
    CHECK(c.wait_eof());
  });
  CHECK(shout->closes == 1);
}
