#include <doctest/doctest.h>

#include "replay/auth/jwt.hpp"
#include "replay/auth/token_plan.hpp"

using namespace replay::auth;

namespace {

constexpr int64_t kNow = 1'800'000'000;      // 2027-01-15T08:00:00Z, the run's start
constexpr int64_t kExpired = 1'795'435'200;  // 2026-11-23T12:00:00Z
constexpr int64_t kValid = kNow + 3600;      // 2027-01-15T09:00:00Z

TokenOrigin synth_origin(const std::string& secret, std::optional<int64_t> exp_s) {
  return {"synth", secret_fingerprint(secret), exp_s};
}

RunSecret dev_default() {
  return {kDevJwtSecret, false};
}
RunSecret given(const std::string& secret) {
  return {secret, true};
}

}  // namespace

TEST_CASE("synth's tokens are re-minted when the secret run holds matches the fingerprint") {
  // The dev default, as in `replay synth mix -o m.zst && replay run m.zst`.
  auto plan = plan_tokens(synth_origin(kDevJwtSecret, kExpired), dev_default(), kNow);
  CHECK(plan.action == TokenAction::remint);
  CHECK(plan.warning.empty());
  // A secret given with --jwt-secret or $DEV_JWT_SECRET; whether or not they have expired.
  CHECK(plan_tokens(synth_origin("s3cret", kExpired), given("s3cret"), kNow).action ==
        TokenAction::remint);
  CHECK(plan_tokens(synth_origin("s3cret", kValid), given("s3cret"), kNow).action ==
        TokenAction::remint);
  CHECK(plan_tokens(synth_origin("s3cret", std::nullopt), given("s3cret"), kNow).action ==
        TokenAction::remint);
}

TEST_CASE("synth's expired tokens and a secret that does not match: kept, one warning") {
  auto other = plan_tokens(synth_origin(kDevJwtSecret, kExpired), given("another-secret"), kNow);
  CHECK(other.action == TokenAction::keep);
  CHECK(other.warning ==
        "the trace's bearer tokens expired at 2026-11-23T12:00:00Z (minted by synth with a "
        "secret whose fingerprint is 3c9f46e9aab08dd7, not the one given): pass that secret "
        "with --jwt-secret or $DEV_JWT_SECRET to re-mint them");
  CHECK(other.warning.find("another-secret") == std::string::npos);

  auto dev = plan_tokens(synth_origin("s3cret", kExpired), dev_default(), kNow);
  CHECK(dev.action == TokenAction::keep);
  CHECK(dev.warning ==
        "the trace's bearer tokens expired at 2026-11-23T12:00:00Z (minted by synth with a "
        "secret whose fingerprint is 5b8ab76c692af678, not the dev default): pass that secret "
        "with --jwt-secret or $DEV_JWT_SECRET to re-mint them");
  CHECK(dev.warning.find("s3cret") == std::string::npos);

  // Expiry is "not after now", as agent-sim checks it.
  CHECK_FALSE(plan_tokens(synth_origin("s3cret", kNow), dev_default(), kNow).warning.empty());
}

TEST_CASE("synth's valid tokens and a secret that does not match: kept") {
  // Synthesised with its own secret, replayed without one: the target presumably holds it.
  auto quiet = plan_tokens(synth_origin("s3cret", kValid), dev_default(), kNow);
  CHECK(quiet.action == TokenAction::keep);
  CHECK(quiet.warning.empty());
  // A given secret that goes unused is worth a line.
  auto unused = plan_tokens(synth_origin("s3cret", kValid), given("another-secret"), kNow);
  CHECK(unused.action == TokenAction::keep);
  CHECK(unused.warning ==
        "the secret given was not used: synth minted the trace's bearer tokens with a secret "
        "whose fingerprint is 5b8ab76c692af678, so they go out as minted (valid until "
        "2027-01-15T09:00:00Z): to sign them with the given one, synthesise the trace with it "
        "(replay synth --jwt-secret)");
  // Without the tokens' exp in the header, each token's own claim decides.
  CHECK(plan_tokens(synth_origin("s3cret", std::nullopt), dev_default(), kNow).action ==
        TokenAction::check_expiry);
}

TEST_CASE("without synth in the header: --jwt-secret re-mints, else the tokens' exp is checked") {
  for (const TokenOrigin& origin :
       {TokenOrigin{}, TokenOrigin{"synth", "", kExpired}, TokenOrigin{"", "3c9f46e9aab08dd7", {}},
        TokenOrigin{"record", "", kExpired}}) {
    CAPTURE(origin.minted_by);
    CHECK(plan_tokens(origin, given("s3cret"), kNow).action == TokenAction::remint);
    auto plan = plan_tokens(origin, dev_default(), kNow);
    CHECK(plan.action == TokenAction::check_expiry);
    CHECK(plan.warning.empty());
  }
  CHECK(expired_token_warning({}, dev_default(), kExpired) ==
        "the trace's bearer tokens expired at 2026-11-23T12:00:00Z (by their exp claim; synth "
        "did not mint them, so run re-mints them only with --jwt-secret): pass the target's "
        "secret with --jwt-secret to re-mint them");
  // A trace whose header names synth but no exp: the token's claim gives the time.
  CHECK(expired_token_warning(synth_origin("s3cret", std::nullopt), dev_default(), 946'684'800)
            .rfind("the trace's bearer tokens expired at 2000-01-01T00:00:00Z (minted by synth "
                   "with a secret whose fingerprint is 5b8ab76c692af678, not the dev default)",
                   0) == 0);
}
