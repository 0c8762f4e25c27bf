#pragma once
// Per-user token buckets: N requests per minute with bursts of up to N.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace replay::agent_sim {

class RateLimiter {
 public:
  // 0 requests per minute turns limiting off.
  explicit RateLimiter(uint32_t per_minute) : per_minute_(per_minute) {}

  // Spends one token of `user` at `now_ms`. nullopt: allowed; otherwise the whole seconds to
  // wait for the next token (at least 1), for Retry-After.
  std::optional<uint32_t> take(std::string_view user, uint64_t now_ms);

 private:
  struct Bucket {
    double tokens;
    uint64_t updated_ms;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  uint32_t per_minute_;
  std::unordered_map<std::string, Bucket, Hash, std::equal_to<>> buckets_;
};

}  // namespace replay::agent_sim
