#include "replay/engine/run_stats.hpp"

namespace replay::engine {

void SseStats::merge(const SseStats& other) {
  first_event.merge(other.first_event);
  inter_event.merge(other.inter_event);
  events_per_response.merge(other.events_per_response);
}

ScopeStats::ScopeStats(const ScopeStats& other)
    : corrected(other.corrected),
      corrected_completed(other.corrected_completed),
      service(other.service),
      send_lag(other.send_lag),
      scheduler_lag(other.scheduler_lag),
      connection_wait(other.connection_wait),
      connect(other.connect),
      ttfb(other.ttfb),
      sse(other.sse ? std::make_unique<SseStats>(*other.sse) : nullptr),
      offered(other.offered),
      sent(other.sent),
      completed(other.completed),
      status_classes(other.status_classes),
      failures(other.failures),
      capture_failed(other.capture_failed),
      session_aborted(other.session_aborted),
      lower_bounds(other.lower_bounds),
      response_bytes(other.response_bytes) {}

ScopeStats& ScopeStats::operator=(const ScopeStats& other) {
  if (this != &other) *this = ScopeStats(other);
  return *this;
}

SseStats& ScopeStats::sse_stats() {
  if (!sse) sse = std::make_unique<SseStats>();
  return *sse;
}

void ScopeStats::merge(const ScopeStats& other) {
  corrected.merge(other.corrected);
  corrected_completed.merge(other.corrected_completed);
  service.merge(other.service);
  send_lag.merge(other.send_lag);
  scheduler_lag.merge(other.scheduler_lag);
  connection_wait.merge(other.connection_wait);
  connect.merge(other.connect);
  ttfb.merge(other.ttfb);
  if (other.sse) sse_stats().merge(*other.sse);
  offered += other.offered;
  sent += other.sent;
  completed += other.completed;
  for (size_t i = 0; i < status_classes.size(); ++i) status_classes[i] += other.status_classes[i];
  for (size_t i = 0; i < failures.size(); ++i) failures[i] += other.failures[i];
  capture_failed += other.capture_failed;
  session_aborted += other.session_aborted;
  lower_bounds += other.lower_bounds;
  response_bytes += other.response_bytes;
}

uint64_t ScopeStats::failed() const {
  uint64_t n = session_aborted;
  for (auto f : failures) n += f;
  return n;
}

uint64_t ScopeStats::errors() const {
  return failed() + status_classes[4] + status_classes[5] + capture_failed;
}

double ScopeStats::error_ratio() const {
  const uint64_t finished = completed + failed();
  return finished ? static_cast<double>(errors()) / static_cast<double>(finished) : 0.0;
}

void TimelineRow::merge(const TimelineRow& other) {
  offered += other.offered;
  sent += other.sent;
  completed += other.completed;
  failed += other.failed;
  errors += other.errors;
  in_flight += other.in_flight;
  backlog += other.backlog;
  histogram::merge_serialised(corrected, other.corrected);
  histogram::merge_serialised(service, other.service);
}

}  // namespace replay::engine
