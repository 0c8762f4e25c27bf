#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
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
