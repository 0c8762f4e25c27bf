#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../tls/test_certificate.hpp"
#include "loopback_server.hpp"
#include "replay/client/connection.hpp"
#include "replay/client/read_poller.hpp"
#include "replay/tls/tls_context.hpp"

namespace replay::client {
namespace {

using testing::LoopbackServer;
using testing::RecordingEvents;
using testing::RecordingObserver;
using testing::TestLoop;
using tls::TlsContext;
using tls::testing::make_server_context;
using tls::testing::make_test_certificate;
using tls::testing::TempFile;
using tls::testing::TestCertificate;

const TestCertificate& certificate() {
  static const TestCertificate cert = make_test_certificate();
  return cert;
}

// An HTTPS server on a blocking socket: TLS handshake, then answers each request with a
// fixed response until the client closes. Records the SNI it was sent.
class HttpsServer {
 public:
  explicit HttpsServer(std::string response)
      : ctx_(make_server_context(certificate())),
        server_([this, response](int fd) { serve(fd, response); }) {}
  ~HttpsServer() { SSL_CTX_free(ctx_); }

  std::string url() const { return server_.url("https"); }
  int handshakes() const { return handshakes_.load(); }
  int requests() const { return requests_.load(); }
  std::string sni() const {
    std::lock_guard lock(mutex_);
    return sni_;
  }

 private:
  void serve(int fd, const std::string& response) {
    timeval limit{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      ++handshakes_;
      if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) {
        std::lock_guard lock(mutex_);
        sni_ = name;
      }
      std::string received;
      char buffer[4096];
      for (int i = 0; i < 100; ++i) {
        const int n = SSL_read(ssl, buffer, sizeof buffer);
        if (n <= 0) break;
        received.append(buffer, static_cast<size_t>(n));
        for (size_t end; (end = received.find("\r\n\r\n")) != std::string::npos;) {
          received.erase(0, end + 4);
          ++requests_;
          SSL_write(ssl, response.data(), static_cast<int>(response.size()));
        }
      }
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
  }

  SSL_CTX* ctx_;
  std::atomic<int> handshakes_{0};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::string sni_;
  LoopbackServer server_;  // last: its thread stops before the members above go
};

// A TLS server on 127.0.0.1 that completes the handshake of each connection it accepts, one
// after another, and keeps them all open, reading nothing more, until destroyed.
class TlsAcceptor {
 public:
  TlsAcceptor() : ctx_(make_server_context(certificate())) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listen_fd_, 128) == 0);
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsAcceptor() {
    stop_ = true;
    thread_.join();
    for (auto [ssl, fd] : accepted_) {
      SSL_free(ssl);
      ::close(fd);
    }
    ::close(listen_fd_);
    SSL_CTX_free(ctx_);
  }
  TlsAcceptor(const TlsAcceptor&) = delete;
  TlsAcceptor& operator=(const TlsAcceptor&) = delete;

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int handshakes() const { return handshakes_.load(); }

 private:
  void serve() {
    // A write to a client that already left must fail with EPIPE, not end the test binary.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      timeval limit{2, 0};  // a client that never answers does not hold the server long
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) ++handshakes_;
      accepted_.emplace_back(ssl, fd);  // this thread's until the join
    }
  }

  SSL_CTX* ctx_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> handshakes_{0};
  std::vector<std::pair<SSL*, int>> accepted_;
  std::thread thread_;
};

// Connects `count` connections one after another, each when the one before it is ready, and
// times each from connect() to on_idle.
struct HandshakeChain : Connection::Events {
  HandshakeChain(uv_loop_t* loop, const Target& target, TlsContext& context, ReadPoller& poller,
                 size_t count)
      : connect_ns(count), idle_ns(count) {
    for (size_t i = 0; i < count; ++i) {
      connections.push_back(std::make_unique<Connection>(
          loop, target, &context, *this,
          ConnectionOptions{
              .connect_timeout_ms = 3000, .timeout_ms = 3000, .read_poller = &poller}));
    }
  }

  void start(size_t i) {
    connect_ns[i] = uv_hrtime();
    connections[i]->connect();
  }
  void on_idle(Connection& connection) override {
    const auto it = std::find_if(connections.begin(), connections.end(),
                                 [&](const auto& c) { return c.get() == &connection; });
    const auto i = static_cast<size_t>(it - connections.begin());
    if (idle_ns[i] != 0) return;
    idle_ns[i] = uv_hrtime();
    ++ready;
    if (i + 1 < connections.size()) start(i + 1);
  }
  void on_closed(Connection&) override { ++closed; }

  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<uint64_t> connect_ns;
  std::vector<uint64_t> idle_ns;
  size_t ready = 0;
  int closed = 0;
};

Target target_for(const std::string& url) {
  auto target = parse_target(url);
  REQUIRE(target.ok());
  return std::move(target).value();
}

// Sends `count` GETs one after another on one TLS connection; returns the observers.
std::vector<RecordingObserver> run_requests(TestLoop& loop, const Target& target,
                                            TlsContext& context, RecordingEvents& events,
                                            size_t count, std::string* last_error = nullptr,
                                            ReadPoller* poller = nullptr) {
  const WireBytes request = build_request("GET", "/secure", {}, {}, target);
  std::vector<RecordingObserver> responses(count);
  size_t next = 1;
  events.idle_hook = [&](Connection& c) {
    if (next < count) REQUIRE(c.send(request, responses[next++], true));
  };
  Connection connection(
      loop.get(), target, &context, events,
      ConnectionOptions{.connect_timeout_ms = 3000, .timeout_ms = 3000, .read_poller = poller});
  connection.connect();
  REQUIRE(connection.send(request, responses[0], true));
  loop.run_until([&] { return responses.back().done() || events.closed > 0; });
  if (last_error) *last_error = std::string(connection.last_error());
  connection.close();
  events.idle_hook = nullptr;
  return responses;
}

TEST_CASE("Connection over TLS: verified with the test CA, keep-alive across requests") {
  HttpsServer server("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret");
  TempFile ca(certificate().cert_pem);
  auto context = TlsContext::create_client(false, ca.path());
  REQUIRE(context.ok());
  TestLoop loop;
  {
    const Target target = target_for(server.url());
    RecordingEvents events;
    auto responses = run_requests(loop, target, **context, events, 3);
    for (const auto& r : responses) {
      CHECK(r.completed);
      CHECK(r.status == 200);
      CHECK(r.body == "secret");
      CHECK(r.sent_ns <= r.first_byte_ns);
    }
  }
  CHECK(loop.close() == 0);
  CHECK(server.handshakes() == 1);
  CHECK(server.requests() == 3);
}

TEST_CASE("Connection over TLS: read through a ReadPoller, handshake and responses alike") {
  HttpsServer server("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret");
  TempFile ca(certificate().cert_pem);
  auto context = TlsContext::create_client(false, ca.path());
  REQUIRE(context.ok());
  TestLoop loop;
  {
    ReadPoller poller(loop.get());
    poller.set_eager(true);
    const Target target = target_for(server.url());
    RecordingEvents events;
    auto responses = run_requests(loop, target, **context, events, 3, nullptr, &poller);
    for (const auto& r : responses) {
      CHECK(r.completed);
      CHECK(r.body == "secret");
      // Kernel receive stamps: after the send, and the whole answer is one record here.
      CHECK(r.sent_ns <= r.first_byte_ns);
      CHECK(r.first_byte_ns <= r.done_ns);
    }
    poller.set_eager(false);
  }
  CHECK(loop.close() == 0);
  CHECK(server.handshakes() == 1);
  CHECK(server.requests() == 3);
}

TEST_CASE("Connection over TLS: handshakes progress through a lazy ReadPoller never harvested") {
  // A lazy owner harvests only connections awaiting a response (or, with many connections,
  // at its wake-ups): a handshaking connection holds the poller eager instead.
  constexpr size_t kConnections = 100;
  TlsAcceptor server;
  TempFile ca(certificate().cert_pem);
  auto context = TlsContext::create_client(false, ca.path(), /*resume_sessions=*/false);
  REQUIRE(context.ok());
  TestLoop loop;
  {
    ReadPoller poller(loop.get());
    REQUIRE(poller.ok());
    poller.set_eager(false);
    const Target target = target_for(server.url());
    HandshakeChain chain(loop.get(), target, **context, poller, kConnections);
    chain.start(0);
    loop.run_until([&] { return chain.ready == kConnections || chain.closed > 0; }, 10000);
    CHECK(chain.ready == kConnections);
    CHECK(chain.closed == 0);
    CHECK_FALSE(poller.eager());  // no hold outlives its handshake
    std::vector<double> handshake_ms;
    for (size_t i = 0; i < chain.ready; ++i) {
      handshake_ms.push_back(static_cast<double>(chain.idle_ns[i] - chain.connect_ns[i]) / 1e6);
    }
    std::sort(handshake_ms.begin(), handshake_ms.end());
    if (!handshake_ms.empty()) {
      MESSAGE(handshake_ms.size(), " handshakes: median ", handshake_ms[handshake_ms.size() / 2],
              " ms, max ", handshake_ms.back(), " ms");
      CHECK(handshake_ms.back() < 50);
    }
    // The server's side of the last handshake ends once it has read the client's Finished.
    loop.run_until([&] { return server.handshakes() == static_cast<int>(kConnections); }, 2000);
    CHECK(server.handshakes() == static_cast<int>(kConnections));
    for (auto& connection : chain.connections) connection->close();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection over TLS: SNI and name verification use the target host") {
  HttpsServer server("HTTP/1.1 204 No Content\r\n\r\n");
  TempFile ca(certificate().cert_pem);
  auto context = TlsContext::create_client(false, ca.path());
  REQUIRE(context.ok());
  TestLoop loop;
  {
    Target target = target_for(server.url());
    target.host = "localhost";  // the address stays 127.0.0.1
    RecordingEvents events;
    auto responses = run_requests(loop, target, **context, events, 1);
    CHECK(responses[0].status == 204);
  }
  CHECK(loop.close() == 0);
  CHECK(server.sni() == "localhost");
}

TEST_CASE("Connection over TLS: without the CA verification fails with cause tls") {
  HttpsServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  auto context = TlsContext::create_client(false, "");
  REQUIRE(context.ok());
  TestLoop loop;
  {
    const Target target = target_for(server.url());
    RecordingEvents events;
    std::string error;
    auto responses = run_requests(loop, target, **context, events, 1, &error);
    REQUIRE(responses[0].failure.has_value());
    CHECK(*responses[0].failure == FailureCause::tls);
    CHECK(responses[0].sent_ns == 0);
    CHECK(events.closed == 1);
    CHECK(events.idle == 0);
    CHECK(error.find("certificate verify failed") != std::string::npos);
  }
  CHECK(loop.close() == 0);
  CHECK(server.requests() == 0);
}

TEST_CASE("Connection over TLS: insecure succeeds without the CA") {
  HttpsServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  auto context = TlsContext::create_client(true, "");
  REQUIRE(context.ok());
  TestLoop loop;
  {
    const Target target = target_for(server.url());
    RecordingEvents events;
    auto responses = run_requests(loop, target, **context, events, 2);
    CHECK(responses[0].status == 200);
    CHECK(responses[1].status == 200);
    CHECK(responses[1].body == "ok");
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("Connection over TLS: a plain-HTTP server fails the handshake with cause tls") {
  LoopbackServer server([](int fd) {
    testing::read_request(fd, 500);
    testing::write_all(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  });
  auto context = TlsContext::create_client(true, "");
  REQUIRE(context.ok());
  TestLoop loop;
  {
    const Target target = target_for(server.url("https"));
    RecordingEvents events;
    auto responses = run_requests(loop, target, **context, events, 1);
    REQUIRE(responses[0].failure.has_value());
    CHECK(*responses[0].failure == FailureCause::tls);
  }
  CHECK(loop.close() == 0);
}

}  // namespace
}  // namespace replay::client
