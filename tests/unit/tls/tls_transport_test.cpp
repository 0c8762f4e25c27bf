#include "replay/tls/tls_transport.hpp"

#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "replay/tls/tls_context.hpp"
#include "test_certificate.hpp"

namespace replay::tls {
namespace {

using testing::make_server_context;
using testing::make_test_certificate;
using testing::TempFile;
using testing::TestCertificate;

const TestCertificate& certificate() {
  static const TestCertificate cert = make_test_certificate();
  return cert;
}

// A TLS server session over memory BIOs, the peer of a client transport in the same thread.
class MemoryServer {
 public:
  MemoryServer() : ctx_(make_server_context(certificate())), ssl_(SSL_new(ctx_)) {
    SSL_set_bio(ssl_, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_accept_state(ssl_);
  }
  ~MemoryServer() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  MemoryServer(const MemoryServer&) = delete;
  MemoryServer& operator=(const MemoryServer&) = delete;

  SSL* ssl() { return ssl_; }

  // Moves bytes both ways until neither side has more to say (bounded). Returns the client's
  // last feed result.
  Io pump(Transport& client) {
    Io last = Io::WouldBlock;
    for (int round = 0; round < 16; ++round) {
      bool moved = false;
      SendBuffer out;
      if (client.take_outgoing(out)) {
        BIO_write(SSL_get_rbio(ssl_), out.owned.data(), static_cast<int>(out.owned.size()));
        moved = true;
      }
      if (!SSL_is_init_finished(ssl_)) SSL_do_handshake(ssl_);
      std::string from_server = take_server_output();
      if (!from_server.empty()) {
        last = client.feed_received(from_server);
        if (last == Io::Failed) return last;
        moved = true;
      }
      if (!moved) break;
    }
    return last;
  }

  // Ciphertext the server has written and not yet handed over.
  std::string take_server_output() {
    BIO* out = SSL_get_wbio(ssl_);
    std::string bytes(BIO_ctrl_pending(out), '\0');
    if (!bytes.empty()) BIO_read(out, bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
  }

  // Decrypts what the client sent (after the handshake).
  std::string read_plaintext(Transport& client) {
    SendBuffer out;
    if (client.take_outgoing(out)) {
      BIO_write(SSL_get_rbio(ssl_), out.owned.data(), static_cast<int>(out.owned.size()));
    }
    std::string got;
    char buffer[4096];
    int n;
    while ((n = SSL_read(ssl_, buffer, sizeof buffer)) > 0) got.append(buffer, n);
    return got;
  }

 private:
  SSL_CTX* ctx_;
  SSL* ssl_;
};

std::unique_ptr<Transport> make_client(const TlsContext& context, std::string_view host) {
  auto transport = context.new_transport(host);
  REQUIRE(transport.ok());
  return std::move(transport).value();
}

TEST_CASE("TlsTransport: handshake against the test CA, SNI, then data both ways") {
  TempFile ca(certificate().cert_pem);
  auto context = TlsContext::create_client(false, ca.path());
  REQUIRE(context.ok());
  auto client = make_client(**context, "localhost");
  MemoryServer server;

  CHECK_FALSE(client->established());
  CHECK(client->start() == Io::WouldBlock);
  CHECK(server.pump(*client) != Io::Failed);
  REQUIRE(client->established());
  CHECK(client->error().empty());
  const char* sni = SSL_get_servername(server.ssl(), TLSEXT_NAMETYPE_host_name);
  REQUIRE(sni != nullptr);
  CHECK(std::string(sni) == "localhost");
  server.pump(*client);  // hand over any post-handshake messages

  auto request = std::make_shared<const std::string>("GET / HTTP/1.1\r\n\r\n");
  SendBuffer out;
  REQUIRE(client->queue_send(request, out) == Io::Done);
  CHECK(out.shared == nullptr);  // ciphertext is the transport's own
  CHECK(out.owned.size() > request->size());
  BIO_write(SSL_get_rbio(server.ssl()), out.owned.data(), static_cast<int>(out.owned.size()));
  CHECK(server.read_plaintext(*client) == *request);

  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  REQUIRE(SSL_write(server.ssl(), response.data(), static_cast<int>(response.size())) > 0);
  REQUIRE(client->feed_received(server.take_server_output()) == Io::Done);
  std::string received;
  std::string_view piece;
  while (client->read_plaintext(piece) == Io::Done) received.append(piece);
  CHECK(received == response);
  CHECK_FALSE(client->peer_closed());

  SSL_shutdown(server.ssl());
  REQUIRE(client->feed_received(server.take_server_output()) == Io::Done);
  CHECK(client->read_plaintext(piece) == Io::WouldBlock);
  CHECK(client->peer_closed());
}

TEST_CASE("TlsTransport: an IP literal host is verified against the IP SAN and sends no SNI") {
  TempFile ca(certificate().cert_pem);
  auto context = TlsContext::create_client(false, ca.path());
  REQUIRE(context.ok());
  auto client = make_client(**context, "127.0.0.1");
  MemoryServer server;
  client->start();
  server.pump(*client);
  CHECK(client->established());
  CHECK(SSL_get_servername(server.ssl(), TLSEXT_NAMETYPE_host_name) == nullptr);
}

TEST_CASE("TlsTransport: a host the certificate does not name fails verification") {
  TempFile ca(certificate().cert_pem);
  auto context = TlsContext::create_client(false, ca.path());
  REQUIRE(context.ok());
  auto client = make_client(**context, "example.com");
  MemoryServer server;
  client->start();
  CHECK(server.pump(*client) == Io::Failed);
  CHECK_FALSE(client->established());
  CHECK(std::string(client->error()).find("certificate verify failed: hostname mismatch") !=
        std::string::npos);
}

TEST_CASE("TlsTransport: without the CA the self-signed certificate is rejected") {
  auto context = TlsContext::create_client(false, "");
  REQUIRE(context.ok());
  auto client = make_client(**context, "localhost");
  MemoryServer server;
  client->start();
  CHECK(server.pump(*client) == Io::Failed);
  CHECK_FALSE(client->established());
  CHECK(std::string(client->error()).find("certificate verify failed: self-signed") !=
        std::string::npos);
}

TEST_CASE("TlsTransport: insecure skips verification") {
  auto context = TlsContext::create_client(true, "");
  REQUIRE(context.ok());
  CHECK((*context)->insecure());
  auto client = make_client(**context, "example.com");
  MemoryServer server;
  client->start();
  CHECK(server.pump(*client) != Io::Failed);
  CHECK(client->established());
}

TEST_CASE("TlsTransport: sending before the handshake completes fails") {
  auto context = TlsContext::create_client(true, "");
  REQUIRE(context.ok());
  auto client = make_client(**context, "localhost");
  client->start();
  SendBuffer out;
  CHECK(client->queue_send(std::make_shared<const std::string>("x"), out) == Io::Failed);
  CHECK_FALSE(client->error().empty());
}

TEST_CASE("TlsTransport: garbage from the peer fails the handshake") {
  auto context = TlsContext::create_client(true, "");
  REQUIRE(context.ok());
  auto client = make_client(**context, "localhost");
  client->start();
  CHECK(client->feed_received("HTTP/1.1 400 Bad Request\r\n\r\n") == Io::Failed);
  CHECK_FALSE(client->error().empty());
}

// Moves every byte each side has for the other until neither has any (bounded).
void shuttle(Transport& client, Transport& server) {
  for (int round = 0; round < 16; ++round) {
    SendBuffer to_server;
    SendBuffer to_client;
    const bool a = client.take_outgoing(to_server);
    const bool b = server.take_outgoing(to_client);
    if (!a && !b) return;
    if (a) REQUIRE(server.feed_received(to_server.owned) != Io::Failed);
    if (b) REQUIRE(client.feed_received(to_client.owned) != Io::Failed);
  }
  FAIL("the handshake did not settle");
}

std::string read_all(Transport& transport) {
  std::string got;
  std::string_view piece;
  while (transport.read_plaintext(piece) == Io::Done) got.append(piece);
  return got;
}

// A server session from TlsContext::create_server and a client trusting its certificate.
struct SessionPair {
  TempFile cert{certificate().cert_pem};
  TempFile key{certificate().key_pem};
  std::unique_ptr<TlsContext> server_context;
  std::unique_ptr<TlsContext> client_context;
  std::unique_ptr<Transport> server;
  std::unique_ptr<Transport> client;

  SessionPair() {
    auto made = TlsContext::create_server(cert.path(), key.path());
    REQUIRE(made.ok());
    server_context = std::move(made).value();
    auto client_made = TlsContext::create_client(false, cert.path());
    REQUIRE(client_made.ok());
    client_context = std::move(client_made).value();
    auto session = server_context->new_server_transport();
    REQUIRE(session.ok());
    server = std::move(session).value();
    client = make_client(*client_context, "localhost");
  }
};

TEST_CASE("TlsTransport as a server: handshake with the client transport, data both ways") {
  SessionPair pair;
  CHECK(pair.server->start() == Io::WouldBlock);
  SendBuffer nothing;
  CHECK_FALSE(pair.server->take_outgoing(nothing));  // the client speaks first
  CHECK(pair.client->start() == Io::WouldBlock);
  shuttle(*pair.client, *pair.server);
  REQUIRE(pair.client->established());
  REQUIRE(pair.server->established());

  SendBuffer to_server;
  REQUIRE(pair.client->queue_send(std::make_shared<const std::string>("GET / HTTP/1.1\r\n\r\n"),
                                  to_server) == Io::Done);
  REQUIRE(pair.server->feed_received(to_server.owned) == Io::Done);
  CHECK(read_all(*pair.server) == "GET / HTTP/1.1\r\n\r\n");

  // A large response in one copy-send: several TLS records, all delivered in order.
  std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
  for (int i = 0; response.size() < 100'000; ++i) response += static_cast<char>('a' + i % 26);
  SendBuffer to_client;
  REQUIRE(pair.server->queue_send_copy(response, to_client) == Io::Done);
  CHECK(to_client.owned.size() > response.size());
  CHECK(to_client.owned.find("HTTP/1.1 200 OK") == std::string::npos);  // encrypted
  REQUIRE(pair.client->feed_received(to_client.owned) == Io::Done);
  CHECK(read_all(*pair.client) == response);

  // The server ends the session: the client sees close_notify.
  SendBuffer goodbye;
  pair.server->end_session(goodbye);
  CHECK_FALSE(goodbye.owned.empty());
  REQUIRE(pair.client->feed_received(goodbye.owned) == Io::Done);
  std::string_view piece;
  CHECK(pair.client->read_plaintext(piece) == Io::WouldBlock);
  CHECK(pair.client->peer_closed());
}

TEST_CASE("TlsTransport as a server: plain HTTP instead of a ClientHello fails the handshake") {
  SessionPair pair;
  CHECK(pair.server->start() == Io::WouldBlock);
  CHECK(pair.server->feed_received("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == Io::Failed);
  CHECK_FALSE(pair.server->established());
  CHECK(pair.server->error().find("handshake: ") == 0);
  SendBuffer out;
  CHECK(pair.server->queue_send_copy("x", out) == Io::Failed);
}

}  // namespace
}  // namespace replay::tls

namespace replay::tls {
namespace {

struct Resumed {
  bool client = false;
  bool server = false;
};

// One connection from `client_context` to `host` served by `server_context`: handshake, a
// request and its response (the client takes the server's session tickets with it).
Resumed connect_once(const TlsContext& client_context, const TlsContext& server_context,
                     std::string_view host) {
  auto server_made = server_context.new_server_transport();
  REQUIRE(server_made.ok());
  auto server = std::move(server_made).value();
  auto client = make_client(client_context, host);
  CHECK(server->start() == Io::WouldBlock);
  CHECK(client->start() == Io::WouldBlock);
  shuttle(*client, *server);
  REQUIRE(client->established());
  REQUIRE(server->established());
  SendBuffer to_server;
  REQUIRE(client->queue_send_copy("GET / HTTP/1.1\r\n\r\n", to_server) == Io::Done);
  REQUIRE(server->feed_received(to_server.owned) == Io::Done);
  CHECK(read_all(*server) == "GET / HTTP/1.1\r\n\r\n");
  SendBuffer to_client;
  REQUIRE(server->queue_send_copy("HTTP/1.1 204 No Content\r\n\r\n", to_client) == Io::Done);
  REQUIRE(client->feed_received(to_client.owned) == Io::Done);
  CHECK(read_all(*client) == "HTTP/1.1 204 No Content\r\n\r\n");
  return {client->resumed(), server->resumed()};
}

}  // namespace

TEST_CASE("TlsContext: a client resumes the session each host gave it, unless told not to") {
  TempFile cert(certificate().cert_pem);
  TempFile key(certificate().key_pem);
  auto server = TlsContext::create_server(cert.path(), key.path());
  REQUIRE(server.ok());
  auto client = TlsContext::create_client(false, cert.path());
  REQUIRE(client.ok());

  const Resumed first = connect_once(**client, **server, "localhost");
  CHECK_FALSE(first.client);
  CHECK_FALSE(first.server);
  const Resumed second = connect_once(**client, **server, "localhost");
  CHECK(second.client);
  CHECK(second.server);
  // Sessions are kept per host: another name for the same server starts afresh.
  CHECK_FALSE(connect_once(**client, **server, "127.0.0.1").client);
  CHECK(connect_once(**client, **server, "127.0.0.1").client);
  CHECK(connect_once(**client, **server, "localhost").client);

  // Closed without a TLS shutdown, as connections often are, a resumed connection does not
  // spoil the kept session for the next one (OpenSSL would mark a shared one not resumable).
  for (int i = 0; i < 3; ++i) CHECK(connect_once(**client, **server, "localhost").client);

  auto full = TlsContext::create_client(false, cert.path(), false);
  REQUIRE(full.ok());
  CHECK_FALSE(connect_once(**full, **server, "localhost").client);
  const Resumed again = connect_once(**full, **server, "localhost");
  CHECK_FALSE(again.client);
  CHECK_FALSE(again.server);
}

TEST_CASE("TlsContext: TLS 1.2 sessions resume connection after connection") {
  TempFile ca(certificate().cert_pem);
  auto client = TlsContext::create_client(false, ca.path());
  REQUIRE(client.ok());
  SSL_CTX* server_ctx = make_server_context(certificate());
  SSL_CTX_set_max_proto_version(server_ctx, TLS1_2_VERSION);
  std::vector<bool> resumed;
  for (int i = 0; i < 4; ++i) {
    SSL* server = SSL_new(server_ctx);
    SSL_set_bio(server, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_accept_state(server);
    auto transport = make_client(**client, "localhost");
    REQUIRE(transport->start() == Io::WouldBlock);
    for (int round = 0; round < 16 && !transport->established(); ++round) {
      SendBuffer out;
      if (transport->take_outgoing(out)) {
        BIO_write(SSL_get_rbio(server), out.owned.data(), static_cast<int>(out.owned.size()));
      }
      SSL_do_handshake(server);
      BIO* from = SSL_get_wbio(server);
      std::string bytes(BIO_ctrl_pending(from), '\0');
      if (!bytes.empty()) BIO_read(from, bytes.data(), static_cast<int>(bytes.size()));
      if (!bytes.empty()) REQUIRE(transport->feed_received(bytes) != Io::Failed);
    }
    REQUIRE(transport->established());
    CHECK(SSL_version(server) == TLS1_2_VERSION);
    resumed.push_back(transport->resumed());
    SSL_free(server);  // both ends closed without a shutdown
  }
  CHECK(resumed == std::vector<bool>{false, true, true, true});
  SSL_CTX_free(server_ctx);
}

}  // namespace replay::tls
