#pragma once
// Client TLS settings shared by every connection of a run: one OpenSSL SSL_CTX.

#include <memory>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"
#include "replay/tls/transport.hpp"

using SSL_CTX = struct ssl_ctx_st;

namespace replay::tls {

// Owns an SSL_CTX for TLS 1.2+ clients offering ALPN http/1.1. Verification is on by default
// against the system CA store plus an optional CA file; `insecure` skips it. Created once at
// start-up; new_transport may then be called from several threads at once.
class TlsContext {
 public:
  // Errors: Errc::not_found when `cacert_file` (empty: none) does not exist,
  // Errc::invalid_argument when it holds no usable certificate, Errc::internal when OpenSSL
  // cannot set up a context.
  static Result<std::unique_ptr<TlsContext>> create_client(bool insecure,
                                                           const std::string& cacert_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A client session for one connection to `host` (a DNS name, or an IPv4/IPv6 literal
  // without brackets): sets SNI for names and checks the certificate against the host unless
  // insecure. Errors: Errc::internal when OpenSSL cannot allocate the session.
  Result<std::unique_ptr<Transport>> new_transport(std::string_view host) const;

  bool insecure() const { return insecure_; }

 private:
  TlsContext(SSL_CTX* ctx, bool insecure) : ctx_(ctx), insecure_(insecure) {}

  SSL_CTX* ctx_;
  bool insecure_;
};

}  // namespace replay::tls
