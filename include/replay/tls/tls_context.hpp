#pragma once
// TLS settings shared by every connection of a run or a server: one OpenSSL SSL_CTX.

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"
#include "replay/tls/transport.hpp"

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;
using SSL_SESSION = struct ssl_session_st;

namespace replay::tls {

// What a client offers by ALPN: HTTP/1.1 only, h2 only, or both (h2 preferred).
enum class Alpn { http1, h2, h2_or_http1 };

// Owns an SSL_CTX for TLS 1.2+ clients offering ALPN http/1.1 (create_client) or servers
// choosing it (create_server). Client verification is on by default against the system CA
// store plus an optional CA file; `insecure` skips it. A client keeps the newest session each
// host gave it and offers it on the next connection to that host (resumption, as browsers and
// curl do: no certificate exchange and verification). Created once at start-up; sessions may
// then be made from several threads at once.
class TlsContext {
 public:
  // Errors: Errc::not_found when `cacert_file` (empty: none) does not exist,
  // Errc::invalid_argument when it holds no usable certificate, Errc::internal when OpenSSL
  // cannot set up a context.
  // `resume_sessions` false: every connection makes a full handshake.
  static Result<std::unique_ptr<TlsContext>> create_client(bool insecure,
                                                           const std::string& cacert_file,
                                                           bool resume_sessions = true,
                                                           Alpn alpn = Alpn::http1);
  // A server presenting the PEM certificate chain in `cert_file` with the PEM private key in
  // `key_file`; no client certificates asked for. Errors (one line naming the file):
  // Errc::not_found when a file does not exist, Errc::invalid_argument when it holds no
  // usable certificate or key or the key does not match the certificate, Errc::internal
  // when OpenSSL cannot set up a context.
  // `h2`: ALPN picks h2 when the client offers it (else http/1.1, as without).
  static Result<std::unique_ptr<TlsContext>> create_server(const std::string& cert_file,
                                                           const std::string& key_file,
                                                           bool h2 = false);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A client session for one connection to `host` (a DNS name, or an IPv4/IPv6 literal
  // without brackets): sets SNI for names, checks the certificate against the host unless
  // insecure, and offers the host's kept session if there is one. Errors: Errc::internal
  // when OpenSSL cannot allocate the session.
  // Only for a client context.
  Result<std::unique_ptr<Transport>> new_transport(std::string_view host) const;
  // A server session for one accepted connection; start() waits for the ClientHello. Only
  // for a server context. Errors: Errc::internal when OpenSSL cannot allocate the session.
  Result<std::unique_ptr<Transport>> new_server_transport() const;

  // Client: connects to `addr` with a blocking socket, makes one handshake with `host` as
  // new_transport would, and returns the protocol the server chose by ALPN ("" for none).
  // For start-up (--http auto). Errors: Errc::network naming the address or the TLS failure.
  Result<std::string> negotiate_alpn(const sockaddr_storage& addr, std::string_view host,
                                     int64_t timeout_ms) const;

  bool insecure() const { return insecure_; }
  bool is_server() const { return server_; }

 private:
  struct SessionCache;

  TlsContext(SSL_CTX* ctx, bool insecure, bool server);
  // A TLS 1.2+ context for one end, idle sessions holding no record buffers.
  static Result<std::unique_ptr<TlsContext>> new_context(bool server, bool insecure);
  // OpenSSL's new-session callback: keeps `session` for the connection's host.
  static int keep_session(SSL* ssl, SSL_SESSION* session);

  SSL_CTX* ctx_;
  bool insecure_;
  bool server_;
  std::unique_ptr<SessionCache> sessions_;  // clients that resume; null otherwise
};

}  // namespace replay::tls
