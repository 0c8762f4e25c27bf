#pragma once
// HS256 JSON Web Tokens (RFC 7519 with an RFC 7515 HMAC-SHA256 signature): minting tokens
// with the seeds' claims and verifying them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"

namespace replay::auth {

// The seeds' development secret: what synth signs with and agent-sim accepts when given none.
inline constexpr const char* kDevJwtSecret = "dev-only-jwt-secret-not-for-production";

// The claims the seeds' platforms put in their tokens. Other claims are ignored.
struct JwtClaims {
  std::string sub;
  std::string tenant_id;
  std::string role;            // "admin", "operator" or "viewer" in the seeds
  std::optional<int64_t> exp;  // expiry, seconds since the Unix epoch; none: never expires
};

// Serialises `claims` as a compact JSON object (fields that are empty are left out).
std::string jwt_claims_json(const JwtClaims& claims);

// Returns header.payload.signature for the JSON object `claims_json` (used as is) with the
// header {"alg":"HS256","typ":"JWT"}, signed with `secret`.
std::string jwt_sign_hs256(std::string_view claims_json, std::string_view secret);

enum class JwtStatus {
  valid,
  malformed,      // not three base64url segments of JSON, alg is not HS256, or claim types wrong
  bad_signature,  // well-formed but signed with another secret or altered
  expired,        // signature good, exp <= now
};

// The outcome of checking a token; `claims` is filled when the signature is good.
struct JwtVerification {
  JwtStatus status = JwtStatus::malformed;
  JwtClaims claims;
  std::string reason;  // one line for logs when not valid
  bool ok() const { return status == JwtStatus::valid; }
};

// Checks the signature with `secret`, then `exp` against `now_s` (seconds since the epoch).
// Thread-safe.
[[nodiscard]] JwtVerification jwt_verify_hs256(std::string_view token, std::string_view secret,
                                               int64_t now_s);

// The decoded payload JSON of a token, unverified (for re-minting with a fresh exp).
// Errors: Errc::corrupt when the token is not three base64url segments.
Result<std::string> jwt_payload_json(std::string_view token);

// The numeric exp claim of a token, unverified (to tell whether it has expired); nullopt when
// the token is not three base64url segments of JSON or has no numeric exp.
std::optional<int64_t> jwt_exp_unverified(std::string_view token);

// Names an HS256 secret without revealing it: the first 16 hex digits of SHA-256 over
// "replay-jwt-secret-fingerprint-v1:" followed by the secret. Knowing it lets one test guesses
// of the secret offline, as any token signed with it already does; it tells nothing more.
std::string secret_fingerprint(std::string_view secret);

}  // namespace replay::auth
