#include <doctest/doctest.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <atomic>
#include <string>

#include "loopback_server.hpp"
#include "proxy_harness.hpp"
#include "replay/tls/tls_context.hpp"
#include "test_certificate.hpp"
#include "test_client.hpp"

namespace replay::record {
namespace {

using client::testing::LoopbackServer;
using tls::testing::make_server_context;
using tls::testing::make_test_certificate;
using tls::testing::TempFile;

// Answers every request on a TLS connection with `response` until the client closes.
class HttpsUpstream {
 public:
  explicit HttpsUpstream(std::string response)
      : certificate_(make_test_certificate()),
        ctx_(make_server_context(certificate_)),
        server_([this, response](int fd) { serve(fd, response); }) {}
  ~HttpsUpstream() { SSL_CTX_free(ctx_); }

  std::string url() const { return server_.url("https"); }
  const std::string& cert_pem() const { return certificate_.cert_pem; }
  int requests() const { return requests_.load(); }

 private:
  void serve(int fd, const std::string& response) {
    timeval limit{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
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

  tls::testing::TestCertificate certificate_;
  SSL_CTX* ctx_;
  std::atomic<int> requests_{0};
  LoopbackServer server_;  // last: its thread stops before the members above go
};

TEST_CASE("RecordingProxy: an https upstream, verified against its CA") {
  HttpsUpstream upstream("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nX-Tls: yes\r\n\r\nsecret");
  TempFile ca(upstream.cert_pem());
  auto context = tls::TlsContext::create_client(false, ca.path());
  REQUIRE(context.ok());
  testing::ProxyHarness harness;
  harness.upstream_tls = context.value().get();
  harness.start([](http::Request&, http::ResponseWriter) {}, upstream.url());
  std::optional<testing::TestResponse> first, second;
  harness.run([&](uint16_t port) {
    testing::TestConnection c(port);
    first = c.request(testing::make_request("GET", "/secure"));
    second = c.request(testing::make_request("GET", "/secure?again=1"));
  });
  REQUIRE(first.has_value());
  CHECK(first->status == 200);
  CHECK(first->body == "secret");
  CHECK(first->header("X-Tls") == "yes");
  REQUIRE(second.has_value());
  CHECK(second->body == "secret");
  CHECK(upstream.requests() == 2);
  REQUIRE(harness.records.size() == 2);
  CHECK(harness.records[1].target == "/secure?again=1");
  CHECK(harness.records[1].response->status == 200);
}

TEST_CASE("RecordingProxy: an https upstream that fails verification answers 502") {
  HttpsUpstream upstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  auto context = tls::TlsContext::create_client(false, "");  // the test CA is not trusted
  REQUIRE(context.ok());
  testing::ProxyHarness harness;
  harness.upstream_tls = context.value().get();
  harness.start([](http::Request&, http::ResponseWriter) {}, upstream.url());
  std::optional<testing::TestResponse> response;
  harness.run([&](uint16_t port) {
    testing::TestConnection c(port);
    response = c.request(testing::make_request("GET", "/secure"));
  });
  REQUIRE(response.has_value());
  CHECK(response->status == 502);
  CHECK(response->body.find("tls") != std::string::npos);
  CHECK(upstream.requests() == 0);
}

}  // namespace
}  // namespace replay::record
