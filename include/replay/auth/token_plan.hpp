#pragma once
// What `replay run` does with a trace's HS256 bearer tokens: re-mint them (same claims, a
// fresh exp, and iat if present) when it holds the secret that signed them, else send them as
// they are and warn once about any that have expired. Pure functions of their inputs, the
// clock included.

#include <cstdint>
#include <optional>
#include <string>

namespace replay::auth {

// What a trace's header says about its bearer tokens; an empty field is unknown.
struct TokenOrigin {
  std::string minted_by;           // "synth": replay synth minted every bearer token
  std::string secret_fingerprint;  // secret_fingerprint() of the secret that signed them
  std::optional<int64_t> exp_s;    // their exp claim, seconds since the Unix epoch
};

// The secret run holds: --jwt-secret or $DEV_JWT_SECRET (`given`), else kDevJwtSecret.
struct RunSecret {
  std::string secret;
  bool given = false;
};

enum class TokenAction {
  remint,        // re-sign every bearer token with the secret: same claims, fresh exp and iat
  keep,          // send them as they are; push TokenPlan::warning, if any, at the first token
  check_expiry,  // send them as they are; warn (expired_token_warning) at the first expired one
};

struct TokenPlan {
  TokenAction action = TokenAction::keep;
  std::string warning;  // keep only: one line for the run's summary, or empty
};

// Re-mint when the header says synth minted the tokens with `secret` (fingerprints match), or
// when a secret was given for a trace whose tokens synth did not mint (recorded tokens:
// --jwt-secret's documented job). Otherwise keep them, with a warning when the header's exp
// is not after `now_s` or a given secret goes unused, and without one when it is still valid;
// with no exp in the header, check each token's own exp claim.
[[nodiscard]] TokenPlan plan_tokens(const TokenOrigin& origin, const RunSecret& secret,
                                    int64_t now_s);

// The warning for a kept bearer token whose exp claim, `exp_s`, is not after the run's start:
// it names the time, why run did not re-mint it and what to pass.
[[nodiscard]] std::string expired_token_warning(const TokenOrigin& origin, const RunSecret& secret,
                                                int64_t exp_s);

}  // namespace replay::auth
