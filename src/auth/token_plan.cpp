#include "replay/auth/token_plan.hpp"

#include <ctime>

#include "replay/auth/jwt.hpp"

namespace replay::auth {
namespace {

// RFC 3339 UTC, "2026-11-23T12:00:00Z".
std::string format_utc(int64_t unix_s) {
  const auto t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

bool minted_by_synth(const TokenOrigin& origin) {
  return origin.minted_by == "synth" && !origin.secret_fingerprint.empty();
}

}  // namespace

TokenPlan plan_tokens(const TokenOrigin& origin, const RunSecret& secret, int64_t now_s) {
  if (!minted_by_synth(origin)) {
    if (secret.given) return {TokenAction::remint, {}};
    return {TokenAction::check_expiry, {}};
  }
  if (secret_fingerprint(secret.secret) == origin.secret_fingerprint) {
    return {TokenAction::remint, {}};
  }
  if (!origin.exp_s) return {TokenAction::check_expiry, {}};
  if (*origin.exp_s <= now_s) {
    return {TokenAction::keep, expired_token_warning(origin, secret, *origin.exp_s)};
  }
  if (!secret.given) return {TokenAction::keep, {}};
  return {TokenAction::keep,
          "the secret given was not used: synth minted the trace's bearer tokens with a secret "
          "whose fingerprint is " +
              origin.secret_fingerprint + ", so they go out as minted (valid until " +
              format_utc(*origin.exp_s) +
              "): to sign them with the given one, synthesise the trace with it "
              "(replay synth --jwt-secret)"};
}

std::string expired_token_warning(const TokenOrigin& origin, const RunSecret& secret,
                                  int64_t exp_s) {
  std::string out = "the trace's bearer tokens expired at " + format_utc(exp_s);
  if (minted_by_synth(origin)) {
    out += " (minted by synth with a secret whose fingerprint is " + origin.secret_fingerprint +
           (secret.given ? ", not the one given" : ", not the dev default") +
           "): pass that secret with --jwt-secret or $DEV_JWT_SECRET to re-mint them";
  } else {
    out +=
        " (by their exp claim; synth did not mint them, so run re-mints them only with "
        "--jwt-secret): pass the target's secret with --jwt-secret to re-mint them";
  }
  return out;
}

}  // namespace replay::auth
