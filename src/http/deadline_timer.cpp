#include "deadline_timer.hpp"

namespace replay::http {

DeadlineTimer::DeadlineTimer(uv_loop_t* loop, Listener& listener)
    : loop_(loop), listener_(listener), timer_(uv::make_handle<uv_timer_t>()) {
  uv_timer_init(loop_, timer_.get());
  timer_->data = this;
}

void DeadlineTimer::set(uint64_t deadline_ms) {
  deadline_ms_ = deadline_ms;
  // A later deadline is noticed when the armed timer fires; only an earlier one re-arms.
  if (deadline_ms != 0 && (armed_due_ms_ == 0 || armed_due_ms_ > deadline_ms)) arm(deadline_ms);
}

void DeadlineTimer::close() {
  if (!timer_) return;
  timer_->data = nullptr;
  timer_.reset();
}

void DeadlineTimer::arm(uint64_t due_ms) {
  if (!timer_) return;
  uint64_t now_ms = uv_now(loop_);
  armed_due_ms_ = due_ms;
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* timer) {
        if (timer->data != nullptr) static_cast<DeadlineTimer*>(timer->data)->on_timer();
      },
      due_ms > now_ms ? due_ms - now_ms : 0, 0);
}

void DeadlineTimer::on_timer() {
  armed_due_ms_ = 0;
  if (deadline_ms_ == 0) return;
  if (uv_now(loop_) < deadline_ms_) {
    arm(deadline_ms_);
    return;
  }
  deadline_ms_ = 0;
  listener_.on_deadline();
}

}  // namespace replay::http
