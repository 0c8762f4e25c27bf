#pragma once
// Test-only TLS material made with the OpenSSL API: no files from elsewhere, no network.

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace replay::tls::testing {

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};

// A fresh self-signed P-256 certificate: CN=localhost, SAN DNS:localhost and IP:127.0.0.1,
// valid from an hour ago for a day. Aborts the test binary if OpenSSL fails.
TestCertificate make_test_certificate();

// A server SSL_CTX presenting `certificate`; the caller frees it with SSL_CTX_free.
SSL_CTX* make_server_context(const TestCertificate& certificate);

// A temporary file holding `content`, removed when this object is destroyed.
class TempFile {
 public:
  explicit TempFile(std::string_view content);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace replay::tls::testing
