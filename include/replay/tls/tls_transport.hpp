#pragma once
// TLS client session over memory BIOs: libuv owns the socket, OpenSSL only sees bytes.

#include <string>

#include "replay/tls/transport.hpp"

using SSL = struct ssl_st;
using BIO = struct bio_st;

namespace replay::tls {

// One client or server session (made by TlsContext::new_transport or new_server_transport).
// Ciphertext from the socket goes in with feed_received, plaintext comes out of read_plaintext;
// application bytes go in with queue_send and ciphertext to write comes out in the SendBuffer.
// Failures set error() to a one-line reason ("certificate verify failed: self-signed certificate",
// ...).
class TlsTransport final : public Transport {
 public:
  // Takes ownership of `ssl`: a client or server session (SSL_is_server decides which end
  // start() plays) whose read and write BIOs are memory BIOs.
  explicit TlsTransport(SSL* ssl);
  ~TlsTransport() override;
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  Io start() override;
  bool established() const override { return established_; }
  bool resumed() const override;
  std::string_view alpn() const override;
  Io feed_received(std::string_view bytes) override;
  Io read_plaintext(std::string_view& out) override;
  bool peer_closed() const override { return peer_closed_; }
  Io queue_send(const std::shared_ptr<const std::string>& bytes, SendBuffer& out) override;
  Io queue_send_copy(std::string_view bytes, SendBuffer& out) override;
  bool take_outgoing(SendBuffer& out) override;
  void end_session(SendBuffer& out) override;
  std::string_view error() const override { return error_; }

 private:
  Io run_handshake();
  Io fail(int ssl_result, const char* step);
  Io write_plaintext(std::string_view bytes);

  SSL* ssl_;
  BIO* received_;  // ciphertext from the socket, read by OpenSSL
  BIO* outgoing_;  // ciphertext written by OpenSSL, for the socket
  bool established_ = false;
  bool peer_closed_ = false;
  std::string error_;
};

}  // namespace replay::tls
