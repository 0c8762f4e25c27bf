#include "replay/tls/tls_context.hpp"

#include <doctest/doctest.h>

#include "test_certificate.hpp"

namespace replay::tls {
namespace {

TEST_CASE("TlsContext: a missing CA file is not_found, a file without certificates invalid") {
  auto missing = TlsContext::create_client(false, "/nonexistent/replay-ca.pem");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().context.find("/nonexistent/replay-ca.pem") != std::string::npos);

  testing::TempFile garbage("not a certificate\n");
  auto bad = TlsContext::create_client(false, garbage.path());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::invalid_argument);
  CHECK(bad.error().context.find(garbage.path()) != std::string::npos);
}

TEST_CASE("TlsContext: a PEM CA file loads and sessions can be created") {
  testing::TempFile ca(testing::make_test_certificate().cert_pem);
  auto context = TlsContext::create_client(false, ca.path());
  REQUIRE(context.ok());
  CHECK_FALSE((*context)->insecure());
  auto a = (*context)->new_transport("localhost");
  auto b = (*context)->new_transport("::1");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK_FALSE((*a)->established());
}

TEST_CASE("TlsContext: a server context loads a matching PEM certificate and key") {
  const testing::TestCertificate certificate = testing::make_test_certificate();
  testing::TempFile cert(certificate.cert_pem);
  testing::TempFile key(certificate.key_pem);
  auto context = TlsContext::create_server(cert.path(), key.path());
  REQUIRE(context.ok());
  CHECK((*context)->is_server());
  auto session = (*context)->new_server_transport();
  REQUIRE(session.ok());
  CHECK((*session)->start() == Io::WouldBlock);  // a server waits for the ClientHello
  CHECK_FALSE((*session)->established());
}

TEST_CASE("TlsContext: server errors name the file: missing, unusable, mismatched") {
  const testing::TestCertificate certificate = testing::make_test_certificate();
  const testing::TestCertificate other = testing::make_test_certificate();
  testing::TempFile cert(certificate.cert_pem);
  testing::TempFile key(certificate.key_pem);
  testing::TempFile other_key(other.key_pem);
  testing::TempFile garbage("not a certificate\n");

  auto no_cert = TlsContext::create_server("/nonexistent/replay-cert.pem", key.path());
  REQUIRE_FALSE(no_cert.ok());
  CHECK(no_cert.error().code == Errc::not_found);
  CHECK(no_cert.error().context == "certificate '/nonexistent/replay-cert.pem': no such file");

  auto no_key = TlsContext::create_server(cert.path(), "/nonexistent/replay-key.pem");
  REQUIRE_FALSE(no_key.ok());
  CHECK(no_key.error().code == Errc::not_found);
  CHECK(no_key.error().context == "key '/nonexistent/replay-key.pem': no such file");

  auto bad_cert = TlsContext::create_server(garbage.path(), key.path());
  REQUIRE_FALSE(bad_cert.ok());
  CHECK(bad_cert.error().code == Errc::invalid_argument);
  CHECK(bad_cert.error().context.find("certificate '" + garbage.path() +
                                      "': no usable PEM certificate") == 0);

  auto bad_key = TlsContext::create_server(cert.path(), garbage.path());
  REQUIRE_FALSE(bad_key.ok());
  CHECK(bad_key.error().code == Errc::invalid_argument);
  CHECK(bad_key.error().context.find("key '" + garbage.path() + "': no usable PEM private key") ==
        0);

  auto swapped = TlsContext::create_server(key.path(), cert.path());
  REQUIRE_FALSE(swapped.ok());
  CHECK(swapped.error().code == Errc::invalid_argument);

  auto mismatch = TlsContext::create_server(cert.path(), other_key.path());
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().code == Errc::invalid_argument);
  CHECK(mismatch.error().context ==
        "key '" + other_key.path() + "' does not match certificate '" + cert.path() + "'");
  for (const auto* result : {&no_cert, &no_key, &bad_cert, &bad_key, &swapped, &mismatch}) {
    CHECK(result->error().context.find('\n') == std::string::npos);
  }
}

}  // namespace
}  // namespace replay::tls
