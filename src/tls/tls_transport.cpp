#include "replay/tls/tls_transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace replay::tls {
namespace {

// One TLS record's worth of plaintext; shared by the sessions of a thread because a loop
// thread decrypts for one connection at a time and the caller consumes it at once.
constexpr size_t kPlaintextBufferBytes = 16 * 1024;
thread_local char plaintext_buffer[kPlaintextBufferBytes];

}  // namespace

TlsTransport::TlsTransport(SSL* ssl)
    : ssl_(ssl), received_(SSL_get_rbio(ssl)), outgoing_(SSL_get_wbio(ssl)) {}

TlsTransport::~TlsTransport() {
  SSL_free(ssl_);
}

Io TlsTransport::start() {
  if (SSL_is_server(ssl_)) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
  return run_handshake();
}

bool TlsTransport::resumed() const {
  return established_ && SSL_session_reused(ssl_) == 1;
}

std::string_view TlsTransport::alpn() const {
  const unsigned char* name = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &name, &length);
  return name ? std::string_view(reinterpret_cast<const char*>(name), length) : std::string_view();
}

Io TlsTransport::run_handshake() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    established_ = true;
    return Io::Done;
  }
  const int code = SSL_get_error(ssl_, rc);
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) return Io::WouldBlock;
  return fail(rc, "handshake");
}

Io TlsTransport::feed_received(std::string_view bytes) {
  if (!bytes.empty() && BIO_write(received_, bytes.data(), static_cast<int>(bytes.size())) !=
                            static_cast<int>(bytes.size())) {
    error_ = "out of memory buffering received bytes";
    return Io::Failed;
  }
  if (!established_) return run_handshake();
  return Io::Done;
}

Io TlsTransport::read_plaintext(std::string_view& out) {
  if (!established_ || peer_closed_) return Io::WouldBlock;
  ERR_clear_error();
  const int n = SSL_read(ssl_, plaintext_buffer, static_cast<int>(kPlaintextBufferBytes));
  if (n > 0) {
    out = std::string_view(plaintext_buffer, static_cast<size_t>(n));
    return Io::Done;
  }
  const int code = SSL_get_error(ssl_, n);
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) return Io::WouldBlock;
  if (code == SSL_ERROR_ZERO_RETURN) {
    peer_closed_ = true;
    return Io::WouldBlock;
  }
  return fail(n, "read");
}

Io TlsTransport::write_plaintext(std::string_view bytes) {
  if (!established_) {
    error_ = "write before the handshake completed";
    return Io::Failed;
  }
  if (!bytes.empty()) {
    ERR_clear_error();
    // Memory BIOs grow, so one call takes everything (partial writes stay disabled).
    const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
    if (n <= 0) return fail(n, "write");
  }
  return Io::Done;
}

Io TlsTransport::queue_send(const std::shared_ptr<const std::string>& bytes, SendBuffer& out) {
  const Io io = write_plaintext(bytes ? std::string_view(*bytes) : std::string_view());
  if (io != Io::Done) return io;
  take_outgoing(out);
  return Io::Done;
}

Io TlsTransport::queue_send_copy(std::string_view bytes, SendBuffer& out) {
  const Io io = write_plaintext(bytes);
  if (io != Io::Done) return io;
  take_outgoing(out);
  return Io::Done;
}

void TlsTransport::end_session(SendBuffer& out) {
  if (established_) {
    ERR_clear_error();
    // Sends close_notify; not waiting for the peer's is fine before closing the socket.
    SSL_shutdown(ssl_);
    ERR_clear_error();
  }
  take_outgoing(out);
}

bool TlsTransport::take_outgoing(SendBuffer& out) {
  const size_t pending = BIO_ctrl_pending(outgoing_);
  if (pending == 0) return false;
  const size_t old_size = out.owned.size();
  out.owned.resize(old_size + pending);
  const int n = BIO_read(outgoing_, out.owned.data() + old_size, static_cast<int>(pending));
  out.owned.resize(old_size + static_cast<size_t>(n > 0 ? n : 0));
  return n > 0;
}

Io TlsTransport::fail(int ssl_result, const char* step) {
  const int code = SSL_get_error(ssl_, ssl_result);
  const long verify = SSL_get_verify_result(ssl_);
  const unsigned long queued = ERR_peek_last_error();
  if (!established_ && verify != X509_V_OK && SSL_get_verify_mode(ssl_) != SSL_VERIFY_NONE) {
    error_ = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  } else if (queued != 0) {
    const char* reason = ERR_reason_error_string(queued);
    error_ = std::string(step) + ": " + (reason ? reason : "TLS error");
  } else if (code == SSL_ERROR_SYSCALL) {
    error_ = std::string(step) + ": unexpected end of the TLS stream";
  } else {
    error_ = std::string(step) + ": TLS error " + std::to_string(code);
  }
  ERR_clear_error();
  return Io::Failed;
}

}  // namespace replay::tls
