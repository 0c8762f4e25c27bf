#pragma once
// One libuv timer that fires when a moving deadline passes. Moving the deadline later (the
// common case: each request pushes the idle timeout) costs no timer restart.

#include <uv.h>

#include <cstdint>

#include "replay/uv/handle.hpp"

namespace replay::http {

// Loop thread only; non-movable (the timer points back at it). `on_expired` runs from the
// loop once the current deadline has passed; it may destroy nothing that owns this timer.
class DeadlineTimer {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void on_deadline() = 0;
  };

  DeadlineTimer(uv_loop_t* loop, Listener& listener);
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;
  ~DeadlineTimer() { close(); }

  // Sets the deadline in loop time (uv_now); 0 means none.
  void set(uint64_t deadline_ms);
  // Closes the timer handle; no callback after this.
  void close();

 private:
  void arm(uint64_t due_ms);
  void on_timer();

  uv_loop_t* loop_;
  Listener& listener_;
  uv::UvHandle<uv_timer_t> timer_;
  uint64_t deadline_ms_ = 0;
  uint64_t armed_due_ms_ = 0;  // 0: not armed
};

}  // namespace replay::http
