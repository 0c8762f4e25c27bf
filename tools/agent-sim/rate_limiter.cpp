#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace replay::agent_sim {

namespace {

constexpr size_t kMaxUsers = 100'000;

}  // namespace

std::optional<uint32_t> RateLimiter::take(std::string_view user, uint64_t now_ms) {
  if (per_minute_ == 0) return std::nullopt;
  const double capacity = per_minute_;
  const double per_ms = capacity / 60'000.0;
  auto it = buckets_.find(user);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxUsers) {
      // Users whose buckets are full again carry no state worth keeping.
      std::erase_if(buckets_, [&](const auto& entry) {
        return entry.second.tokens +
                   per_ms * static_cast<double>(now_ms - entry.second.updated_ms) >=
               capacity;
      });
    }
    it = buckets_.emplace(std::string(user), Bucket{capacity, now_ms}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(capacity, b.tokens + per_ms * static_cast<double>(now_ms - b.updated_ms));
  b.updated_ms = now_ms;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  double wait_s = (1.0 - b.tokens) / per_ms / 1000.0;
  return static_cast<uint32_t>(std::max(1.0, std::ceil(wait_s)));
}

}  // namespace replay::agent_sim
