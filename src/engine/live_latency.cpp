#include "live_latency.hpp"

#include <algorithm>

namespace replay::engine {

void LiveLatency::collect(IntervalOutbox& outbox, bool finished) {
  // First the mark, then the ring: every second below the mark is in the ring by now.
  const int64_t closed_before = outbox.closed_before();
  while (auto closed = outbox.take()) {
    if (closed->second <= latest_.second) continue;  // a finished worker's late second
    auto parsed = histogram::Histogram::deserialise(closed->corrected);
    if (!parsed) continue;
    auto at = pending_.find(closed->second);
    if (at == pending_.end()) {
      histogram::Histogram fresh;
      if (!spares_.empty()) {
        fresh = std::move(spares_.back());
        spares_.pop_back();
      }
      at = pending_.emplace(closed->second, std::move(fresh)).first;
    }
    at->second.merge(parsed.value());
    if (pending_.size() > kMaxPending) {
      pending_.begin()->second.reset();
      spares_.push_back(std::move(pending_.begin()->second));
      pending_.erase(pending_.begin());
      ++evicted_;
    }
  }
  round_outbox_dropped_ += outbox.dropped();
  if (!finished) {
    any_running_ = true;
    complete_before_ = std::min(complete_before_, closed_before);
  }
}

LiveLatency::Figure LiveLatency::settle() {
  const int64_t newest = any_running_ ? complete_before_ - 1 : latest_.second;
  if (newest > latest_.second) {
    latest_ = Figure{.second = newest};
    auto at = pending_.find(newest);
    if (at != pending_.end()) {
      latest_.count = at->second.count();
      latest_.p50_us = at->second.value_at_percentile(50);
      latest_.p99_us = at->second.value_at_percentile(99);
    }
    while (!pending_.empty() && pending_.begin()->first <= newest) {
      pending_.begin()->second.reset();
      spares_.push_back(std::move(pending_.begin()->second));
      pending_.erase(pending_.begin());
    }
  }
  // The workers' counts are totals: this round's sum replaces the last round's.
  outbox_dropped_ = round_outbox_dropped_;
  round_outbox_dropped_ = 0;
  complete_before_ = INT64_MAX;
  any_running_ = false;
  return latest_;
}

}  // namespace replay::engine
