#pragma once
// Many one-shot callbacks on a single libuv timer: the sim's delayed replies, SSE tokens,
// webhook workers and stall windows.

#include <uv.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "replay/uv/handle.hpp"

namespace replay::agent_sim {

// Loop thread only; non-movable (the timer points back at it). close() drops every pending
// callback unrun and closes the timer.
class TimerQueue {
 public:
  explicit TimerQueue(uv_loop_t* loop);
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  ~TimerQueue() { close(); }

  // Runs `fn` on the loop once `delay_ms` have passed (loop time); callbacks due at the same
  // time run in scheduling order. No-op after close().
  void schedule(uint64_t delay_ms, std::function<void()> fn);
  void close();

 private:
  struct Entry {
    uint64_t due_ms;
    uint64_t sequence;
    std::function<void()> fn;
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.due_ms != b.due_ms ? a.due_ms > b.due_ms : a.sequence > b.sequence;
  }
  void arm();
  void run_due();

  uv_loop_t* loop_;
  uv::UvHandle<uv_timer_t> timer_;
  std::vector<Entry> heap_;
  uint64_t sequence_ = 0;
  uint64_t armed_due_ms_ = UINT64_MAX;
};

}  // namespace replay::agent_sim
