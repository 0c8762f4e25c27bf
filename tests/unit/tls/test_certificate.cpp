#include "test_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace replay::tls::testing {
namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "test certificate: %s failed\n", what);
  std::abort();
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

}  // namespace

TestCertificate make_test_certificate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  check(key != nullptr, "EVP_EC_gen");
  X509* cert = X509_new();
  check(cert != nullptr, "X509_new");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(getpid()));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  check(san != nullptr, "subjectAltName");
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  check(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign");

  BIO* cert_bio = BIO_new(BIO_s_mem());
  BIO* key_bio = BIO_new(BIO_s_mem());
  check(PEM_write_bio_X509(cert_bio, cert) == 1, "PEM_write_bio_X509");
  check(PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  X509_free(cert);
  EVP_PKEY_free(key);
  return TestCertificate{drain(cert_bio), drain(key_bio)};
}

SSL_CTX* make_server_context(const TestCertificate& certificate) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  check(ctx != nullptr, "SSL_CTX_new");
  BIO* cert_bio =
      BIO_new_mem_buf(certificate.cert_pem.data(), static_cast<int>(certificate.cert_pem.size()));
  BIO* key_bio =
      BIO_new_mem_buf(certificate.key_pem.data(), static_cast<int>(certificate.key_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  check(cert && key, "reading the test certificate back");
  check(SSL_CTX_use_certificate(ctx, cert) == 1, "SSL_CTX_use_certificate");
  check(SSL_CTX_use_PrivateKey(ctx, key) == 1, "SSL_CTX_use_PrivateKey");
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  return ctx;
}

TempFile::TempFile(std::string_view content) {
  char name[] = "/tmp/replay-test-XXXXXX";
  const int fd = mkstemp(name);
  check(fd >= 0, "mkstemp");
  check(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()),
        "writing the temporary file");
  ::close(fd);
  path_ = name;
}

TempFile::~TempFile() {
  unlink(path_.c_str());
}

}  // namespace replay::tls::testing
