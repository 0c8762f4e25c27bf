#pragma once
// The engine's time source, passed in so that pacing, sessions and statistics run on simulated
// time in tests: uv_hrtime()'s monotonic clock in a run, a hand-advanced clock in tests.

#include <cstdint>
#include <functional>
#include <thread>

namespace replay::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds on a monotonic clock; connections stamp their events on the same clock.
  virtual int64_t now_ns() const = 0;
  // Blocks the calling thread until now_ns() >= at_ns (a simulated clock jumps there), or
  // until a signal is handled on this thread: callers check what the signal set and sleep again.
  virtual void sleep_until_ns(int64_t at_ns) const = 0;
};

// uv_hrtime() (CLOCK_MONOTONIC). Stateless: one instance may be shared by every thread.
class SteadyClock final : public Clock {
 public:
  int64_t now_ns() const override;
  void sleep_until_ns(int64_t at_ns) const override;
};

// Moves only when told, or when someone sleeps on it (then it jumps to the wake-up time).
// Single-threaded, for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ns = 0) : now_ns_(start_ns) {}
  int64_t now_ns() const override { return now_ns_; }
  void sleep_until_ns(int64_t at_ns) const override {
    ++sleeps_;
    if (at_ns > now_ns_) now_ns_ = at_ns;
  }
  void advance_ns(int64_t delta_ns) { now_ns_ += delta_ns; }
  void set_ns(int64_t at_ns) { now_ns_ = at_ns; }
  // How often someone slept on it: each is a wake-up in a real run.
  uint64_t sleeps() const { return sleeps_; }

 private:
  mutable int64_t now_ns_;
  mutable uint64_t sleeps_ = 0;
};

// Starts a thread with SIGINT and SIGTERM blocked in it, so that those signals reach the
// thread that sleeps on the run's clock (and cut its sleep short) instead of a worker's.
std::thread start_thread_without_stop_signals(std::function<void()> body);

}  // namespace replay::engine
