#include "live_latency.hpp"

#include <algorithm>

namespace replay::engine {

void LiveLatency::recycle(Merged& m) {
  m.corrected.reset();
  m.service.reset();
  spares_.push_back(std::move(m));
}

void LiveLatency::collect(IntervalOutbox& outbox, bool finished) {
  // First the mark, then the ring: every second below the mark is in the ring by now.
  const int64_t closed_before = outbox.closed_before();
  while (auto closed = outbox.take()) {
    if (closed->second <= latest_.second) continue;  // a finished worker's late second
    auto parsed = histogram::Histogram::deserialise(closed->corrected);
    if (!parsed) continue;
    auto at = pending_.find(closed->second);
    if (at == pending_.end()) {
      Merged fresh;
      if (!spares_.empty()) {
        fresh = std::move(spares_.back());
        spares_.pop_back();
      }
      at = pending_.emplace(closed->second, std::move(fresh)).first;
    }
    at->second.corrected.merge(parsed.value());
    if (!closed->service.empty()) {
      if (auto service = histogram::Histogram::deserialise(closed->service)) {
        at->second.service.merge(service.value());
      }
    }
    if (pending_.size() > kMaxPending) {
      recycle(pending_.begin()->second);
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
      const Merged& m = at->second;
      latest_.count = m.corrected.count();
      latest_.p50_us = m.corrected.value_at_percentile(50);
      latest_.p99_us = m.corrected.value_at_percentile(99);
      if (m.service.count() > 0) {
        latest_.service_p50_us = m.service.value_at_percentile(50);
        latest_.service_p99_us = m.service.value_at_percentile(99);
      }
    }
    while (!pending_.empty() && pending_.begin()->first <= newest) {
      so_far_.merge(pending_.begin()->second.corrected);
      recycle(pending_.begin()->second);
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
