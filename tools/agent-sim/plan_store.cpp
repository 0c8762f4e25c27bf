#include "plan_store.hpp"

namespace replay::agent_sim {

namespace {

constexpr size_t kMaxPlans = 100'000;

}  // namespace

const Plan& PlanStore::add(Plan plan) {
  if (plans_.size() >= kMaxPlans) {
    plans_.erase(order_.front());
    order_.pop_front();
  }
  ++created_;
  order_.push_back(plan.id);
  std::string id = plan.id;
  return plans_.emplace(std::move(id), std::move(plan)).first->second;
}

Plan* PlanStore::find(std::string_view id, std::string_view tenant_id) {
  auto it = plans_.find(std::string(id));
  if (it == plans_.end() || it->second.tenant_id != tenant_id) return nullptr;
  return &it->second;
}

}  // namespace replay::agent_sim
