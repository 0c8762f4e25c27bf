#pragma once
// The servicedesk webhook backlog: a bounded queue drained by K workers, each taking a
// sampled service time per job, so capacity is K / S jobs per second.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "latency.hpp"
#include "timer_queue.hpp"

namespace replay::agent_sim {

class WebhookQueue {
 public:
  // `timers` and `rng` must outlive the queue.
  WebhookQueue(TimerQueue& timers, Rng& rng, LatencyDistribution service_time, uint32_t workers,
               uint32_t capacity)
      : timers_(timers),
        rng_(rng),
        service_time_(service_time),
        workers_(workers),
        capacity_(capacity) {}

  // Accepts a job for `tenant`: a free worker starts it, else it waits. False when
  // `capacity` jobs already wait. `on_done` (may be empty) runs when a worker has processed it.
  bool submit(std::string_view tenant, std::function<void()> on_done = {});

  uint64_t depth() const { return waiting_; }
  uint32_t capacity() const { return capacity_; }
  uint32_t workers() const { return workers_; }
  uint32_t busy_workers() const { return busy_; }
  uint64_t accepted() const { return accepted_; }
  uint64_t rejected() const { return rejected_; }
  uint64_t processed() const { return processed_; }
  // Jobs accepted per tenant (the first 10 000 tenants seen).
  const std::map<std::string, uint64_t, std::less<>>& per_tenant() const { return per_tenant_; }

 private:
  void start_job(std::function<void()> on_done);
  void finish_job(std::function<void()> on_done);

  TimerQueue& timers_;
  Rng& rng_;
  LatencyDistribution service_time_;
  uint32_t workers_;
  uint32_t capacity_;
  uint32_t busy_ = 0;
  uint64_t waiting_ = 0;
  std::deque<std::function<void()>> waiting_jobs_;  // their completion callbacks, in order
  uint64_t accepted_ = 0;
  uint64_t rejected_ = 0;
  uint64_t processed_ = 0;
  std::map<std::string, uint64_t, std::less<>> per_tenant_;
};

}  // namespace replay::agent_sim
