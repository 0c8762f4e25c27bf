#include "webhook_queue.hpp"

namespace replay::agent_sim {

namespace {

constexpr size_t kMaxTenants = 10'000;

}  // namespace

bool WebhookQueue::submit(std::string_view tenant) {
  if (busy_ >= workers_ && waiting_ >= capacity_) {
    ++rejected_;
    return false;
  }
  ++accepted_;
  auto it = per_tenant_.find(tenant);
  if (it != per_tenant_.end()) {
    ++it->second;
  } else if (per_tenant_.size() < kMaxTenants) {
    per_tenant_.emplace(std::string(tenant), 1);
  }
  if (busy_ < workers_) {
    ++busy_;
    start_job();
  } else {
    ++waiting_;
  }
  return true;
}

void WebhookQueue::start_job() {
  timers_.schedule(service_time_.sample_ms(rng_), [this] { finish_job(); });
}

void WebhookQueue::finish_job() {
  ++processed_;
  if (waiting_ > 0) {
    --waiting_;
    start_job();
  } else {
    --busy_;
  }
}

}  // namespace replay::agent_sim
