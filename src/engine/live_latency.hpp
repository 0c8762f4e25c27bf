#pragma once
// The live view's latency: the workers' closed seconds (IntervalOutbox) merged second by
// second, so that the p99 shown is the p99 of every request of that second, not the largest of
// the workers' p99s. The figure is the newest second that every running worker has closed.

#include <cstdint>
#include <map>
#include <vector>

#include "interval_outbox.hpp"
#include "replay/histogram/histogram.hpp"

namespace replay::engine {

// Main thread only. Holds at most kMaxPending merged seconds (memory stays bounded whatever a
// worker does); older ones are dropped and counted.
class LiveLatency {
 public:
  static constexpr size_t kMaxPending = 4;

  // A merged second's corrected latency; second -1 before any second closed everywhere.
  struct Figure {
    int64_t second = -1;
    uint64_t count = 0;  // requests that ended in it (0: none, the percentiles are 0)
    int64_t p50_us = 0;
    int64_t p99_us = 0;
    int64_t service_p50_us = 0;  // of its completions (0: none)
    int64_t service_p99_us = 0;
  };

  // One round: collect() from every worker, then settle(). `finished`: the worker has ended
  // and closes no more seconds, so it no longer holds the figure back.
  void collect(IntervalOutbox& outbox, bool finished);
  // The newest second every running worker has closed, merged over all of them (the previous
  // figure when no newer second is complete).
  Figure settle();
  // Closed seconds lost: workers' full rings, and seconds pushed out of the pending ones.
  uint64_t dropped() const { return evicted_ + outbox_dropped_; }
  // The corrected latency of every second settled so far (what --abort-on judges), merged
  // over the workers; seconds lost (dropped()) are not in it.
  const histogram::Histogram& so_far() const { return so_far_; }

 private:
  struct Merged {
    histogram::Histogram corrected;
    histogram::Histogram service;
  };
  // Resets `m` and keeps it for reuse.
  void recycle(Merged& m);
  std::map<int64_t, Merged> pending_;    // merged so far, by second
  std::vector<Merged> spares_;           // reset, kept for reuse (~360 KiB each)
  int64_t complete_before_ = INT64_MAX;  // this round's least closed_before
  bool any_running_ = false;             // this round saw a running worker
  uint64_t evicted_ = 0;                 // pushed out of pending_
  uint64_t outbox_dropped_ = 0;          // the workers' rings, as of the last settle()
  uint64_t round_outbox_dropped_ = 0;    // this round's sum of the workers' counts
  Figure latest_;
  histogram::Histogram so_far_;
};

}  // namespace replay::engine
