#pragma once
// Bearer JWTs for synthesised requests: HS256, minted once per (user, role, tenant) and reused.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace replay::synth {

// Mints HS256 bearer tokens and caches them. Not thread-safe; one owner.
class TokenMinter {
 public:
  // Tokens carry `exp_s` (seconds since the Unix epoch) when given, and are signed with `secret`.
  TokenMinter(std::string secret, std::optional<int64_t> exp_s);

  // "Bearer <jwt>" with claims {sub: user, tenant_id: tenant, role, exp} and then the members of
  // `extra_claims_json` (AuthSpec::claims_json); an empty tenant is left out. The reference
  // stays valid until the next call.
  const std::string& bearer(std::string_view user, std::string_view role, std::string_view tenant,
                            std::string_view extra_claims_json = {});

  // Distinct tokens signed so far.
  uint64_t minted() const { return minted_; }

 private:
  std::string secret_;
  std::optional<int64_t> exp_s_;
  std::unordered_map<std::string, std::string> cache_;
  std::string key_;
  uint64_t minted_ = 0;
};

}  // namespace replay::synth
