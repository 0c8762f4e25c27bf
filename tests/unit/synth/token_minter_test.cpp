#include <doctest/doctest.h>

#include "replay/auth/jwt.hpp"
#include "replay/synth/token_minter.hpp"

using namespace replay;
using namespace replay::synth;

TEST_CASE("tokens are minted once per user, role and tenant") {
  TokenMinter minter("secret", 1'900'000'000);
  const std::string a = minter.bearer("alice", "admin", "t1");
  CHECK(minter.bearer("alice", "admin", "t1") == a);
  CHECK(minter.minted() == 1);
  CHECK(minter.bearer("alice", "operator", "t1") != a);
  CHECK(minter.bearer("bob", "admin", "t1") != a);
  CHECK(minter.bearer("alice", "admin", "t2") != a);
  CHECK(minter.minted() == 4);
  REQUIRE(a.rfind("Bearer ", 0) == 0);
  auto v = auth::jwt_verify_hs256(a.substr(7), "secret", 1'800'000'000);
  REQUIRE(v.ok());
  CHECK(v.claims.sub == "alice");
  CHECK(v.claims.role == "admin");
  CHECK(v.claims.tenant_id == "t1");
  CHECK(v.claims.exp == 1'900'000'000);
}

TEST_CASE("an empty tenant is left out of the claims; no exp means no expiry") {
  TokenMinter minter("secret", std::nullopt);
  const std::string token = minter.bearer("svc", "viewer", "").substr(7);
  auto payload = auth::jwt_payload_json(token);
  REQUIRE(payload.ok());
  CHECK(*payload == R"({"sub":"svc","role":"viewer"})");
  CHECK(auth::jwt_verify_hs256(token, "secret", INT64_MAX / 2).ok());
}
