#include "replay/synth/token_minter.hpp"

#include "replay/auth/jwt.hpp"

namespace replay::synth {
namespace {

// A scenario with {{uuid}} in auth.user would otherwise grow the cache without bound.
constexpr size_t kMaxCachedTokens = 100'000;

}  // namespace

TokenMinter::TokenMinter(std::string secret, std::optional<int64_t> exp_s)
    : secret_(std::move(secret)), exp_s_(exp_s) {}

const std::string& TokenMinter::bearer(std::string_view user, std::string_view role,
                                       std::string_view tenant,
                                       std::string_view extra_claims_json) {
  key_.assign(user);
  key_ += '\n';
  key_ += role;
  key_ += '\n';
  key_ += tenant;
  key_ += '\n';
  key_ += extra_claims_json;
  if (auto it = cache_.find(key_); it != cache_.end()) return it->second;
  if (cache_.size() >= kMaxCachedTokens) cache_.clear();
  auth::JwtClaims claims{std::string(user), std::string(tenant), std::string(role), exp_s_};
  std::string json = auth::jwt_claims_json(claims);
  if (!extra_claims_json.empty()) {
    json.insert(json.size() - 1, (json.size() > 2 ? "," : "") + std::string(extra_claims_json));
  }
  ++minted_;
  return cache_.emplace(key_, "Bearer " + auth::jwt_sign_hs256(json, secret_)).first->second;
}

}  // namespace replay::synth
