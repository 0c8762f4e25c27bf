#pragma once
// Plans created through the API, per tenant, bounded in number.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace replay::agent_sim {

struct Plan {
  std::string id;
  std::string tenant_id;
  std::string goal;
  std::string context;
  std::string created_by;
  int64_t created_at_s = 0;             // wall clock, seconds since the epoch
  std::optional<uint64_t> approved_ms;  // loop time
};

class PlanStore {
 public:
  static constexpr uint32_t kSteps = 4;

  // Stores a plan; the oldest plans are forgotten past 100k.
  const Plan& add(Plan plan);
  // The plan with this id in this tenant, or nullptr.
  Plan* find(std::string_view id, std::string_view tenant_id);
  uint64_t created() const { return created_; }
  uint64_t approved() const { return approved_; }
  void count_approval() { ++approved_; }

 private:
  std::unordered_map<std::string, Plan> plans_;
  std::deque<std::string> order_;
  uint64_t created_ = 0;
  uint64_t approved_ = 0;
};

}  // namespace replay::agent_sim
