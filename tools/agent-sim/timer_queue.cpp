#include "timer_queue.hpp"

#include <algorithm>
#include <utility>

namespace replay::agent_sim {

TimerQueue::TimerQueue(uv_loop_t* loop) : loop_(loop), timer_(uv::make_handle<uv_timer_t>()) {
  uv_timer_init(loop_, timer_.get());
  timer_->data = this;
}

void TimerQueue::schedule(uint64_t delay_ms, std::function<void()> fn) {
  if (!timer_) return;
  // Due on the loop's millisecond clock, rounded up from the precise time now: the loop's
  // cached time is truncated and may be older than now, and a delay must never be short. No
  // delay stays due at once (a stream with no interval is written as fast as it goes).
  const uint64_t due_ms = delay_ms == 0
                              ? uv_now(loop_)
                              : std::max((uv_hrtime() + delay_ms * 1'000'000 + 999'999) / 1'000'000,
                                         uv_now(loop_) + delay_ms);
  heap_.push_back({due_ms, sequence_++, std::move(fn)});
  std::push_heap(heap_.begin(), heap_.end(), &later);
  if (heap_.front().due_ms < armed_due_ms_) arm();
}

void TimerQueue::close() {
  if (!timer_) return;
  timer_->data = nullptr;
  timer_.reset();
  heap_.clear();
}

void TimerQueue::arm() {
  if (!timer_) return;
  if (heap_.empty()) {
    uv_timer_stop(timer_.get());
    armed_due_ms_ = UINT64_MAX;
    return;
  }
  uint64_t due = heap_.front().due_ms;
  uint64_t now = uv_now(loop_);
  armed_due_ms_ = due;
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* timer) {
        if (timer->data != nullptr) static_cast<TimerQueue*>(timer->data)->run_due();
      },
      due > now ? due - now : 0, 0);
}

void TimerQueue::run_due() {
  armed_due_ms_ = UINT64_MAX;
  uint64_t now = uv_now(loop_);
  // Bounded: callbacks scheduled now for "0 ms later" wait for the next loop iteration.
  size_t budget = heap_.size();
  while (timer_ && budget-- > 0 && !heap_.empty() && heap_.front().due_ms <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), &later);
    std::function<void()> fn = std::move(heap_.back().fn);
    heap_.pop_back();
    fn();
  }
  arm();
}

}  // namespace replay::agent_sim
