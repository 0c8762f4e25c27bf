#include "webhook_queue.hpp"

namespace replay::agent_sim {

namespace {

constexpr size_t kMaxTenants = 10'000;

}  // namespace

bool WebhookQueue::submit(std::string_view tenant, std::function<void()> on_done) {
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
    start_job(std::move(on_done));
  } else {
    ++waiting_;
    waiting_jobs_.push_back(std::move(on_done));
  }
  return true;
}

void WebhookQueue::start_job(std::function<void()> on_done) {
  timers_.schedule(service_time_.sample_ms(rng_),
                   [this, done = std::move(on_done)]() mutable { finish_job(std::move(done)); });
}

void WebhookQueue::finish_job(std::function<void()> on_done) {
  ++processed_;
  if (waiting_ > 0) {
    --waiting_;
    auto next = std::move(waiting_jobs_.front());
    waiting_jobs_.pop_front();
    start_job(std::move(next));
  } else {
    --busy_;
  }
  if (on_done) on_done();
}

}  // namespace replay::agent_sim
