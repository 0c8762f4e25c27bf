#include "replay/tls/tls_context.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstring>
#include <map>
#include <mutex>
#include <utility>

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

// "certificate 'c.pem'", built by appending (GCC 12 warns falsely on "'" + string).
std::string quoted_file(const char* what, const std::string& path) {
  std::string out(what);
  out += " '";
  out += path;
  out += '\'';
  return out;
}

Error key_mismatch(const std::string& cert_file, const std::string& key_file) {
  return make_error(Errc::invalid_argument, quoted_file("key", key_file) + " does not match " +
                                                quoted_file("certificate", cert_file));
}

// Where `name` is in an ALPN list the client offered, or false.
bool find_offered(std::string_view name, const unsigned char* offered, unsigned int offered_length,
                  const unsigned char** out, unsigned char* out_length) {
  for (unsigned int i = 0; i < offered_length;) {
    const unsigned int length = offered[i];
    if (i + 1 + length > offered_length) break;
    if (length == name.size() && std::memcmp(offered + i + 1, name.data(), length) == 0) {
      *out = offered + i + 1;
      *out_length = static_cast<unsigned char>(length);
      return true;
    }
    i += 1 + length;
  }
  return false;
}

// Picks h2 when the server serves it (`h2` non-null) and the client offers it, else http/1.1
// when offered; otherwise goes on without ALPN (clients then speak HTTP/1.1 anyway).
int select_protocol(SSL*, const unsigned char** out, unsigned char* out_length,
                    const unsigned char* offered, unsigned int offered_length, void* h2) {
  if (h2 && find_offered("h2", offered, offered_length, out, out_length)) {
    return SSL_TLSEXT_ERR_OK;
  }
  if (find_offered("http/1.1", offered, offered_length, out, out_length)) {
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// Where a client session keeps the host it connects to (a std::string the SSL owns), for
// the new-session callback.
int host_index() {
  static const int index = SSL_get_ex_new_index(
      0, nullptr, nullptr, nullptr, [](void*, void* host, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<std::string*>(host);
      });
  return index;
}

// Hosts whose sessions are kept, at most; a run or a recording talks to one.
constexpr size_t kMaxKeptHosts = 256;

}  // namespace

// The newest resumable session of each host, shared by every thread's connections.
struct TlsContext::SessionCache {
  std::mutex mutex;
  std::map<std::string, SSL_SESSION*, std::less<>> by_host;

  SessionCache() = default;
  SessionCache(const SessionCache&) = delete;
  SessionCache& operator=(const SessionCache&) = delete;
  ~SessionCache() {
    for (auto& entry : by_host) SSL_SESSION_free(entry.second);
  }
};

TlsContext::TlsContext(SSL_CTX* ctx, bool insecure, bool server)
    : ctx_(ctx), insecure_(insecure), server_(server) {}

int TlsContext::keep_session(SSL* ssl, SSL_SESSION* session) {
  auto* context = static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  const auto* host = static_cast<const std::string*>(SSL_get_ex_data(ssl, host_index()));
  if (!context || !context->sessions_ || !host || SSL_SESSION_is_resumable(session) != 1) {
    return 0;
  }
  // A copy: OpenSSL marks a connection's own session not resumable when the connection is
  // freed without a TLS shutdown, as replay's often are.
  SSL_SESSION* copy = SSL_SESSION_dup(session);
  if (!copy) return 0;
  SessionCache& cache = *context->sessions_;
  std::lock_guard lock(cache.mutex);
  auto it = cache.by_host.find(*host);
  if (it != cache.by_host.end()) {
    SSL_SESSION_free(it->second);
    it->second = copy;
  } else if (cache.by_host.size() < kMaxKeptHosts) {
    cache.by_host.emplace(*host, copy);
  } else {
    SSL_SESSION_free(copy);
  }
  return 0;  // OpenSSL keeps (and frees) its own
}

Result<std::unique_ptr<TlsContext>> TlsContext::new_context(bool server, bool insecure) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!ctx) return make_error(Errc::internal, "creating the TLS context: " + take_openssl_reason());
  std::unique_ptr<TlsContext> context(new TlsContext(ctx, insecure, server));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Idle connections then hold no record buffers.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  return context;
}

Result<std::unique_ptr<TlsContext>> TlsContext::create_client(bool insecure,
                                                              const std::string& cacert_file,
                                                              bool resume_sessions, Alpn alpn) {
  auto made = new_context(false, insecure);
  if (!made) return made;
  std::unique_ptr<TlsContext> context = std::move(made).value();
  SSL_CTX* ctx = context->ctx_;
  if (resume_sessions) {
    // Sessions are kept per host by keep_session, not in OpenSSL's cache (which a client
    // would have to look up by hand anyway).
    context->sessions_ = std::make_unique<SessionCache>();
    SSL_CTX_set_app_data(ctx, context.get());
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, &TlsContext::keep_session);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  static const unsigned char kHttp1[] = "\x08http/1.1";
  static const unsigned char kH2[] = "\x02h2";
  static const unsigned char kBoth[] = "\x02h2\x08http/1.1";
  if (alpn == Alpn::http1) SSL_CTX_set_alpn_protos(ctx, kHttp1, sizeof kHttp1 - 1);
  if (alpn == Alpn::h2) SSL_CTX_set_alpn_protos(ctx, kH2, sizeof kH2 - 1);
  if (alpn == Alpn::h2_or_http1) SSL_CTX_set_alpn_protos(ctx, kBoth, sizeof kBoth - 1);
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

Result<std::unique_ptr<TlsContext>> TlsContext::create_server(const std::string& cert_file,
                                                              const std::string& key_file,
                                                              bool h2) {
  for (const auto& [what, path] : {std::pair{"certificate", &cert_file}, {"key", &key_file}}) {
    struct stat info {};
    if (stat(path->c_str(), &info) != 0) {
      return make_error(Errc::not_found, quoted_file(what, *path) + ": no such file");
    }
  }
  auto made = new_context(true, false);
  if (!made) return made;
  std::unique_ptr<TlsContext> context = std::move(made).value();
  SSL_CTX* ctx = context->ctx_;
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Any non-null argument means h2 (the callback only tests it).
  SSL_CTX_set_alpn_select_cb(ctx, &select_protocol, h2 ? static_cast<void*>(ctx) : nullptr);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return make_error(Errc::invalid_argument, quoted_file("certificate", cert_file) +
                                                  ": no usable PEM certificate (" +
                                                  take_openssl_reason() + ")");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    const std::string reason = take_openssl_reason();
    if (mismatch) return key_mismatch(cert_file, key_file);
    return make_error(Errc::invalid_argument, quoted_file("key", key_file) +
                                                  ": no usable PEM private key (" + reason + ")");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return key_mismatch(cert_file, key_file);
  }
  return context;
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

namespace {

// A session of `ctx` over two fresh memory BIOs.
Result<SSL*> new_session(SSL_CTX* ctx) {
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx);
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
  return ssl;
}

}  // namespace

Result<std::unique_ptr<Transport>> TlsContext::new_server_transport() const {
  auto ssl = new_session(ctx_);
  if (!ssl) return ssl.error();
  return std::unique_ptr<Transport>(std::make_unique<TlsTransport>(ssl.value()));
}

Result<std::unique_ptr<Transport>> TlsContext::new_transport(std::string_view host) const {
  auto session = new_session(ctx_);
  if (!session) return session.error();
  SSL* ssl = session.value();
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
  if (sessions_) {
    auto host_copy = std::make_unique<std::string>(name);
    if (SSL_set_ex_data(ssl, host_index(), host_copy.get()) == 1) host_copy.release();
    std::lock_guard lock(sessions_->mutex);
    auto it = sessions_->by_host.find(name);
    // Each connection resumes from a copy of its own, for the reason keep_session copies.
    if (it != sessions_->by_host.end()) {
      if (SSL_SESSION* copy = SSL_SESSION_dup(it->second)) {
        SSL_set_session(ssl, copy);  // takes its own reference
        SSL_SESSION_free(copy);
      }
    }
  }
  return std::unique_ptr<Transport>(std::move(transport));
}

}  // namespace replay::tls
