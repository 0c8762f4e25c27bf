#pragma once
// A worker's closed seconds on their way to the live view: each second its recorder closes,
// the corrected histogram of that second (completions and failures, as the timeline row's
// `corrected`) goes through a small lock-free ring to the main thread, which merges the
// workers' histograms of the same second (LiveLatency). HdrHistogram's interval recorder, with
// the interval a timeline second. The worker never waits: a full ring drops the second, counted.
// Beside it, the worker's live counts (LiveCounts) since it last handed them over: a full ring
// drops nothing there, the worker keeps adding to its piece and hands it over later; its last
// piece, at the end, goes into a slot of its own, so the totals end exact.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "replay/engine/live_counts.hpp"
#include "spsc_ring.hpp"

namespace replay::engine {

// One second's corrected latency and service time, serialised (Histogram::serialise(); ""
// when nothing of the kind ended in it).
struct ClosedSecond {
  int64_t second = 0;
  std::string corrected;
  std::string service;
};

// One producer (the worker's thread) and one consumer (the main thread). Non-movable: the
// recorder keeps a pointer to it.
class IntervalOutbox {
 public:
  // Seconds held at most; the main thread takes them once a second, so 8 is years of slack.
  static constexpr size_t kCapacity = 8;

  IntervalOutbox() : ring_(kCapacity), counts_(kCapacity) {}
  ~IntervalOutbox() {
    while (ClosedSecond* left = ring_.try_pop()) delete left;
    while (LiveCounts* left = counts_.try_pop()) delete left;
    delete last_counts_.load(std::memory_order_acquire);
  }
  IntervalOutbox(const IntervalOutbox&) = delete;
  IntervalOutbox& operator=(const IntervalOutbox&) = delete;

  // Producer: hands over one closed second (allocates once; a second, not a request, apart).
  void publish(int64_t second, std::string corrected, std::string service = {}) {
    auto item = std::make_unique<ClosedSecond>(
        ClosedSecond{second, std::move(corrected), std::move(service)});
    if (ring_.try_push(item.get())) {
      static_cast<void>(item.release());
    } else {
      dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // Producer, after publishing them: every second below `second` is closed (those without an
  // event published nothing).
  void close_before(int64_t second) { closed_before_.store(second, std::memory_order_release); }

  // Producer: hands over `counts` and clears it; false (and `counts` kept, to be added to and
  // handed over later) when the ring is full.
  bool publish_counts(LiveCounts& counts) {
    auto item = std::make_unique<LiveCounts>(std::move(counts));
    counts = LiveCounts{};
    if (counts_.try_push(item.get())) {
      static_cast<void>(item.release());
      return true;
    }
    counts = std::move(*item);
    return false;
  }
  // Producer, once, when it has ended: its last piece (never dropped).
  void publish_last_counts(LiveCounts counts) {
    delete last_counts_.exchange(new LiveCounts(std::move(counts)), std::memory_order_acq_rel);
  }

  // Consumer: a piece of counts not yet taken (in no particular order: they add up); null when
  // none.
  std::unique_ptr<LiveCounts> take_counts() {
    if (LiveCounts* item = counts_.try_pop()) return std::unique_ptr<LiveCounts>(item);
    return std::unique_ptr<LiveCounts>(last_counts_.exchange(nullptr, std::memory_order_acq_rel));
  }

  // Consumer: read before take(), so that every second below it has been taken by then.
  int64_t closed_before() const { return closed_before_.load(std::memory_order_acquire); }
  // Consumer: the oldest second not yet taken; null when none.
  std::unique_ptr<ClosedSecond> take() { return std::unique_ptr<ClosedSecond>(ring_.try_pop()); }
  // Either thread: seconds dropped because the ring was full.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  SpscRing<ClosedSecond> ring_;
  SpscRing<LiveCounts> counts_;
  std::atomic<LiveCounts*> last_counts_{nullptr};
  std::atomic<int64_t> closed_before_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace replay::engine
