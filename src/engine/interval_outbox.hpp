#pragma once
// A worker's closed seconds on their way to the live view: each second its recorder closes,
// the corrected histogram of that second (completions and failures, as the timeline row's
// `corrected`) goes through a small lock-free ring to the main thread, which merges the
// workers' histograms of the same second (LiveLatency). HdrHistogram's interval recorder, with
// the interval a timeline second. The worker never waits: a full ring drops the second, counted.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "spsc_ring.hpp"

namespace replay::engine {

// One second's corrected latency, serialised (Histogram::serialise()).
struct ClosedSecond {
  int64_t second = 0;
  std::string corrected;
};

// One producer (the worker's thread) and one consumer (the main thread). Non-movable: the
// recorder keeps a pointer to it.
class IntervalOutbox {
 public:
  // Seconds held at most; the main thread takes them once a second, so 8 is years of slack.
  static constexpr size_t kCapacity = 8;

  IntervalOutbox() : ring_(kCapacity) {}
  ~IntervalOutbox() {
    while (ClosedSecond* left = ring_.try_pop()) delete left;
  }
  IntervalOutbox(const IntervalOutbox&) = delete;
  IntervalOutbox& operator=(const IntervalOutbox&) = delete;

  // Producer: hands over one closed second (allocates once; a second, not a request, apart).
  void publish(int64_t second, std::string corrected) {
    auto item = std::make_unique<ClosedSecond>(ClosedSecond{second, std::move(corrected)});
    if (ring_.try_push(item.get())) {
      static_cast<void>(item.release());
    } else {
      dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // Producer, after publishing them: every second below `second` is closed (those without an
  // event published nothing).
  void close_before(int64_t second) { closed_before_.store(second, std::memory_order_release); }

  // Consumer: read before take(), so that every second below it has been taken by then.
  int64_t closed_before() const { return closed_before_.load(std::memory_order_acquire); }
  // Consumer: the oldest second not yet taken; null when none.
  std::unique_ptr<ClosedSecond> take() { return std::unique_ptr<ClosedSecond>(ring_.try_pop()); }
  // Either thread: seconds dropped because the ring was full.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  SpscRing<ClosedSecond> ring_;
  std::atomic<int64_t> closed_before_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace replay::engine
