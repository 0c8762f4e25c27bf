#include <doctest/doctest.h>

#include "replay/auth/jwt.hpp"

using namespace replay::auth;

namespace {

// Computed independently (Python hmac/hashlib); the first is jwt.io's well-known example.
constexpr const char* kJwtIoToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
constexpr const char* kAdminToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJsb2FkLXRlc3QtYWRtaW4tdXNlciIsInRlbmFudF9pZCI6IjZiYTdiODEwLTlkYWQtMTFkMS04MGI0LTAw"
    "YzA0ZmQ0MzBjOCIsInJvbGUiOiJhZG1pbiIsImV4cCI6NDEwMjQ0NDgwMH0."
    "AhF_HAMzGNWPD9a8YYLjWShqItje7vhSIbIvQDz-b08";
constexpr const char* kExpiredViewerToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJ1MSIsInJvbGUiOiJ2aWV3ZXIiLCJleHAiOjE3MDAwMDAwMDB9."
    "IPpzzKvbv0tHN3g5GCKGjlbGYcDBlmK2pjBIvlNwVlM";
constexpr const char* kDevSecret = "dev-only-jwt-secret-not-for-production";
constexpr int64_t kNow = 1'750'000'000;

}  // namespace

TEST_CASE("jwt_sign_hs256 reproduces independently computed tokens") {
  CHECK(jwt_sign_hs256(R"({"sub":"1234567890","name":"John Doe","iat":1516239022})",
                       "your-256-bit-secret") == kJwtIoToken);
  JwtClaims claims{"load-test-admin-user", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "admin",
                   4102444800};
  CHECK(jwt_claims_json(claims) ==
        R"({"sub":"load-test-admin-user","tenant_id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8",)"
        R"("role":"admin","exp":4102444800})");
  CHECK(jwt_sign_hs256(jwt_claims_json(claims), kDevSecret) == kAdminToken);
}

TEST_CASE("jwt_verify_hs256 accepts a good token and returns its claims") {
  JwtVerification v = jwt_verify_hs256(kAdminToken, kDevSecret, kNow);
  REQUIRE(v.ok());
  CHECK(v.claims.sub == "load-test-admin-user");
  CHECK(v.claims.tenant_id == "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
  CHECK(v.claims.role == "admin");
  CHECK(v.claims.exp == 4102444800);

  JwtVerification no_exp = jwt_verify_hs256(kJwtIoToken, "your-256-bit-secret", kNow);
  REQUIRE(no_exp.ok());
  CHECK(no_exp.claims.sub == "1234567890");
  CHECK_FALSE(no_exp.claims.exp.has_value());
}

TEST_CASE("jwt_verify_hs256 tells a wrong secret and a tampered token from malformed input") {
  CHECK(jwt_verify_hs256(kAdminToken, "another-secret", kNow).status == JwtStatus::bad_signature);

  std::string tampered_signature = kAdminToken;
  tampered_signature.back() = tampered_signature.back() == 'A' ? 'B' : 'A';
  CHECK(jwt_verify_hs256(tampered_signature, kDevSecret, kNow).status == JwtStatus::bad_signature);

  // Same signature, payload promoting a viewer to admin.
  std::string viewer = jwt_sign_hs256(R"({"sub":"u1","role":"viewer"})", kDevSecret);
  std::string admin = jwt_sign_hs256(R"({"sub":"u1","role":"admin"})", kDevSecret);
  std::string forged = admin.substr(0, admin.rfind('.')) + viewer.substr(viewer.rfind('.'));
  CHECK(jwt_verify_hs256(forged, kDevSecret, kNow).status == JwtStatus::bad_signature);

  for (const char* bad :
       {"", "abc", "a.b", "a.b.c.d", "!!!.e30.abc", "e30.e30.e30", "eyJhbGciOiJub25lIn0.e30."}) {
    CAPTURE(bad);
    CHECK(jwt_verify_hs256(bad, kDevSecret, kNow).status == JwtStatus::malformed);
  }
  // A well-signed payload with a claim of the wrong type.
  CHECK(jwt_verify_hs256(jwt_sign_hs256(R"({"sub":42})", kDevSecret), kDevSecret, kNow).status ==
        JwtStatus::malformed);
  CHECK(jwt_verify_hs256(jwt_sign_hs256("[1]", kDevSecret), kDevSecret, kNow).status ==
        JwtStatus::malformed);
}

TEST_CASE("jwt_verify_hs256 reports expiry only after a good signature") {
  JwtVerification expired = jwt_verify_hs256(kExpiredViewerToken, kDevSecret, kNow);
  CHECK(expired.status == JwtStatus::expired);
  CHECK(expired.claims.sub == "u1");
  CHECK(jwt_verify_hs256(kExpiredViewerToken, kDevSecret, 1'699'999'999).ok());
  CHECK(jwt_verify_hs256(kExpiredViewerToken, kDevSecret, 1'700'000'000).status ==
        JwtStatus::expired);
  CHECK(jwt_verify_hs256(kExpiredViewerToken, "wrong", kNow).status == JwtStatus::bad_signature);
}

TEST_CASE("jwt_payload_json decodes without verifying") {
  CHECK(jwt_payload_json(kJwtIoToken).value() ==
        R"({"sub":"1234567890","name":"John Doe","iat":1516239022})");
  CHECK_FALSE(jwt_payload_json("nodots").ok());
}

TEST_CASE("jwt_exp_unverified reads the exp claim whatever the signature") {
  CHECK(jwt_exp_unverified(kAdminToken) == 4102444800);
  CHECK(jwt_exp_unverified(kExpiredViewerToken) == 1'700'000'000);
  CHECK(jwt_exp_unverified(jwt_sign_hs256(R"({"exp":1.5e9})", "any")) == 1'500'000'000);
  CHECK_FALSE(jwt_exp_unverified(kJwtIoToken).has_value());  // no exp
  CHECK_FALSE(jwt_exp_unverified(jwt_sign_hs256(R"({"exp":"soon"})", "any")).has_value());
  CHECK_FALSE(jwt_exp_unverified(jwt_sign_hs256("[1]", "any")).has_value());
  CHECK_FALSE(jwt_exp_unverified("REDACTED").has_value());
}

TEST_CASE("secret_fingerprint: 16 hex digits of a domain-separated SHA-256, never the secret") {
  // Computed independently: hashlib.sha256(b"replay-jwt-secret-fingerprint-v1:" + s).
  CHECK(secret_fingerprint(kDevSecret) == "3c9f46e9aab08dd7");
  CHECK(secret_fingerprint("s3cret") == "5b8ab76c692af678");
  // Not the digest of the bare secret (sha256("s3cret") begins 1ec1c26b50d5d3c5).
  CHECK(secret_fingerprint("s3cret") != "1ec1c26b50d5d3c5");
  CHECK(secret_fingerprint("s3cret ") != secret_fingerprint("s3cret"));
  for (const char* secret : {kDevSecret, "s3cret", "another-secret", "0123456789abcdef",
                             "deadbeefdeadbeef", "3c9f46e9aab08dd7"}) {
    CAPTURE(secret);
    const std::string fp = secret_fingerprint(secret);
    CHECK(fp.size() == 16);
    CHECK(fp.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(fp.find(secret) == std::string::npos);
    CHECK(std::string(secret).find(fp) == std::string::npos);
  }
}
