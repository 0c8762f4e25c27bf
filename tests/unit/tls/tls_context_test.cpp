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

}  // namespace
}  // namespace replay::tls
