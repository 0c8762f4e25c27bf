#include "replay/tls/tls_context.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "replay/tls/tls_transport.hpp"

namespace replay::tls {
namespace {

// The reason of the newest queued OpenSSL error, and the queue emptied.
std::string take_openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason ? reason : "unknown OpenSSL error";
}

bool is_ip_literal(const std::string& host) {
  unsigned char addr[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), addr) == 1 ||
         inet_pton(AF_INET6, host.c_str(), addr) == 1;
}

}  // namespace

Result<std::unique_ptr<TlsContext>> TlsContext::create_client(bool insecure,
                                                              const std::string& cacert_file) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return make_error(Errc::internal, "creating the TLS context: " + take_openssl_reason());
  std::unique_ptr<TlsContext> context(new TlsContext(ctx, insecure));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Idle connections then hold no record buffers.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  static const unsigned char kAlpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn - 1);
  SSL_CTX_set_verify(ctx, insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  if (!insecure && SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return make_error(Errc::internal, "loading the system CA store: " + take_openssl_reason());
  }
  if (!cacert_file.empty()) {
    struct stat info {};
    if (stat(cacert_file.c_str(), &info) != 0) {
      return make_error(Errc::not_found, "CA file '" + cacert_file + "' does not exist");
    }
    if (SSL_CTX_load_verify_locations(ctx, cacert_file.c_str(), nullptr) != 1) {
      return make_error(Errc::invalid_argument,
                        "CA file '" + cacert_file + "': " + take_openssl_reason());
    }
  }
  return context;
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

Result<std::unique_ptr<Transport>> TlsContext::new_transport(std::string_view host) const {
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx_);
  if (!ssl) return make_error(Errc::internal, "creating a TLS session: " + take_openssl_reason());
  BIO* received = BIO_new(BIO_s_mem());
  BIO* outgoing = BIO_new(BIO_s_mem());
  if (!received || !outgoing) {
    BIO_free(received);
    BIO_free(outgoing);
    SSL_free(ssl);
    return make_error(Errc::internal, "creating TLS buffers: " + take_openssl_reason());
  }
  SSL_set_bio(ssl, received, outgoing);
  auto transport = std::make_unique<TlsTransport>(ssl);
  const std::string name(host);
  const bool ip = is_ip_literal(name);
  // RFC 6066: SNI carries DNS names only.
  if (!ip && !name.empty() && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
    return make_error(Errc::internal, "setting SNI '" + name + "': " + take_openssl_reason());
  }
  if (!insecure_) {
    const int rc = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str())
                      : SSL_set1_host(ssl, name.c_str());
    if (rc != 1) {
      return make_error(Errc::internal,
                        "setting the verified host '" + name + "': " + take_openssl_reason());
    }
  }
  return std::unique_ptr<Transport>(std::move(transport));
}

}  // namespace replay::tls
