// The server over TLS (ServerOptions::tls): a blocking OpenSSL client in the test thread that
// verifies the test certificate, every read bounded by a socket timeout.

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "replay/tls/tls_context.hpp"
#include "server_harness.hpp"
#include "test_certificate.hpp"

using namespace replay;
using namespace replay::http;
using replay::testing::Harness;
using Clock = std::chrono::steady_clock;

namespace {

const tls::testing::TestCertificate& certificate() {
  static const tls::testing::TestCertificate cert = tls::testing::make_test_certificate();
  return cert;
}

// The certificate and key as files, and a server context made from them.
struct ServerTls {
  tls::testing::TempFile cert{certificate().cert_pem};
  tls::testing::TempFile key{certificate().key_pem};
  std::unique_ptr<tls::TlsContext> context;

  ServerTls() {
    auto made = tls::TlsContext::create_server(cert.path(), key.path());
    REQUIRE(made.ok());
    context = std::move(made).value();
  }
  ServerOptions options() const {
    ServerOptions o;
    o.tls = context.get();
    return o;
  }
};

// A TCP connection to 127.0.0.1:port with 5 s send and receive timeouts; -1 on failure.
int connect_tcp(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A blocking TLS client that verifies the server as "localhost" against the test certificate.
class TlsClient {
 public:
  TlsClient(uint16_t port, const std::string& ca_file)
      : ctx_(SSL_CTX_new(TLS_client_method())), fd_(connect_tcp(port)) {
    SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set1_host(ssl_, "localhost");
    SSL_set_tlsext_host_name(ssl_, "localhost");
    static const unsigned char kAlpn[] = "\x02h2\x08http/1.1";
    SSL_set_alpn_protos(ssl_, kAlpn, sizeof kAlpn - 1);
    SSL_set_fd(ssl_, fd_);
    connected_ = fd_ >= 0 && SSL_connect(ssl_) == 1;
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool connected() const { return connected_; }
  std::string alpn() const {
    const unsigned char* name = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl_, &name, &length);
    return std::string(reinterpret_cast<const char*>(name), length);
  }
  uint16_t local_port() const {
    sockaddr_in addr{};
    socklen_t length = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
    return ntohs(addr.sin_port);
  }
  bool send(const std::string& bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
           static_cast<int>(bytes.size());
  }
  // Reads until the received text ends with `suffix` (or the peer closes, or 5 s pass);
  // each read's bytes are kept with its time.
  std::string read_until(std::string_view suffix) {
    std::string got;
    char buffer[16 * 1024];
    while (got.size() < suffix.size() ||
           got.compare(got.size() - suffix.size(), suffix.size(), suffix) != 0) {
      const int n = SSL_read(ssl_, buffer, sizeof buffer);
      if (n <= 0) {
        clean_close_ = SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN;
        break;
      }
      got.append(buffer, static_cast<size_t>(n));
      reads.push_back({Clock::now(), std::string(buffer, static_cast<size_t>(n))});
    }
    return got;
  }
  // True when the server ended the session with close_notify.
  bool closed_cleanly() {
    char byte;
    const int n = SSL_read(ssl_, &byte, 1);
    clean_close_ = clean_close_ || (n <= 0 && SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN);
    return clean_close_;
  }

  struct Read {
    Clock::time_point at;
    std::string bytes;
  };
  std::vector<Read> reads;

 private:
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  int fd_;
  bool connected_ = false;
  bool clean_close_ = false;
};

// True when the server closes `fd` (EOF or reset) within the socket's receive timeout.
bool closed_by_server(int fd) {
  char buffer[4096];
  for (int i = 0; i < 100; ++i) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
  return false;
}

}  // namespace

TEST_CASE("https: keep-alive requests on one TLS connection; the handler sees the peer") {
  ServerTls tls;
  std::vector<std::string> peers;
  Harness h(
      [&](Request& req, ResponseWriter w) {
        peers.push_back(req.peer.to_string());
        w.respond(200, {{"Content-Type", "text/plain"}}, req.target);
      },
      tls.options());
  uint16_t client_port = 0;
  h.run([&](uint16_t port) {
    TlsClient client(port, tls.cert.path());
    REQUIRE(client.connected());
    CHECK(client.alpn() == "http/1.1");
    client_port = client.local_port();
    for (const char* target : {"/first", "/second?x=1"}) {
      CAPTURE(target);
      REQUIRE(client.send(std::string("GET ") + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
      const std::string response = client.read_until(target);
      CHECK(response.find("HTTP/1.1 200 OK\r\n") == 0);
      CHECK(response.find("Content-Length: " + std::to_string(std::string(target).size())) !=
            std::string::npos);
    }
  });
  REQUIRE(peers.size() == 2);
  CHECK(peers[0] == "127.0.0.1:" + std::to_string(client_port));
  CHECK(peers[1] == peers[0]);
}

TEST_CASE("https: a streamed response reaches the client piece by piece") {
  ServerTls tls;
  Harness* hp = nullptr;
  Harness h(
      [&](Request&, ResponseWriter w) {
        w.write_head(200, {{"Content-Type", "text/event-stream"}}, std::nullopt);
        for (int i = 0; i < 4; ++i) {
          hp->after(static_cast<uint64_t>(60 * (i + 1)), [w, i] {
            w.write_body("data: " + std::to_string(i) + "\n\n");
            if (i == 3) w.end();
          });
        }
      },
      tls.options());
  hp = &h;
  h.run([&](uint16_t port) {
    TlsClient client(port, tls.cert.path());
    REQUIRE(client.connected());
    REQUIRE(client.send("GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    const std::string response = client.read_until("0\r\n\r\n");
    CHECK(response.find("Transfer-Encoding: chunked") != std::string::npos);
    for (int i = 0; i < 4; ++i) {
      CHECK(response.find("data: " + std::to_string(i) + "\n\n") != std::string::npos);
    }
    std::vector<Clock::time_point> event_at;
    for (const auto& read : client.reads) {
      if (read.bytes.find("data: ") != std::string::npos) event_at.push_back(read.at);
    }
    REQUIRE(event_at.size() == 4);  // one read per event: nothing was held back
    const double spread_ms =
        std::chrono::duration<double, std::milli>(event_at.back() - event_at.front()).count();
    CHECK(spread_ms >= 3 * 60 * 0.6);
  });
}

TEST_CASE("https: Connection: close ends the session with close_notify") {
  ServerTls tls;
  Harness h([&](Request&, ResponseWriter w) { w.respond(200, {}, "bye"); }, tls.options());
  h.run([&](uint16_t port) {
    TlsClient client(port, tls.cert.path());
    REQUIRE(client.connected());
    REQUIRE(client.send("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
    const std::string response = client.read_until("bye");
    CHECK(response.find("Connection: close") != std::string::npos);
    CHECK(client.closed_cleanly());
  });
}

TEST_CASE("https: plain HTTP or a stalled handshake is closed; the server keeps serving") {
  ServerTls tls;
  ServerOptions options = tls.options();
  options.header_timeout_ms = 200;
  int handled = 0;
  Harness h(
      [&](Request&, ResponseWriter w) {
        ++handled;
        w.respond(200, {}, "ok");
      },
      options);
  h.run([&](uint16_t port) {
    const int plain = connect_tcp(port);
    REQUIRE(plain >= 0);
    const std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    REQUIRE(::send(plain, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
    CHECK(closed_by_server(plain));
    ::close(plain);

    const int silent = connect_tcp(port);
    REQUIRE(silent >= 0);
    const auto started = Clock::now();
    CHECK(closed_by_server(silent));
    const double waited_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    CHECK(waited_ms >= 150);
    CHECK(waited_ms < 3000);
    ::close(silent);

    TlsClient client(port, tls.cert.path());
    REQUIRE(client.connected());
    REQUIRE(client.send(request));
    CHECK(client.read_until("ok").find("HTTP/1.1 200 OK") == 0);
  });
  CHECK(handled == 1);
}

TEST_CASE("https: an upgrade switches the TLS connection; early bytes keep their order") {
  for (bool answer_later : {false, true}) {
    CAPTURE(answer_later);
    ServerTls tls;
    Harness* hp = nullptr;
    std::string received;
    auto connection = std::make_shared<UpgradedConnection>();
    Harness h(
        [&](Request&, ResponseWriter w) {
          auto switch_now = [&received, connection, w] {
            UpgradeHandler handler;
            handler.on_data = [&received, connection](std::string_view bytes) {
              received.append(bytes);
              connection->write("<" + std::string(bytes) + ">");
            };
            const HeaderField headers[] = {{"Upgrade", "echo"}, {"Connection", "Upgrade"}};
            *connection = w.upgrade(headers, std::move(handler));
          };
          if (answer_later) {
            hp->after(30, switch_now);
          } else {
            switch_now();
          }
        },
        tls.options());
    hp = &h;
    h.run([&](uint16_t port) {
      TlsClient client(port, tls.cert.path());
      REQUIRE(client.connected());
      // The request and the first bytes of the new protocol in one TLS record, then more.
      REQUIRE(client.send(
          "GET /echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
          "one"));
      REQUIRE(client.send("two"));
      std::string got = client.read_until(">");
      for (int i = 0; i < 3 && got.find("two") == std::string::npos; ++i) {
        got += client.read_until(">");
      }
      CHECK(got.find("HTTP/1.1 101 Switching Protocols\r\n") == 0);
      CHECK(got.find("one") < got.find("two"));
    });
    CHECK(received == "onetwo");
  }
}
