#include "clock.hpp"

#include <pthread.h>
#include <uv.h>

#include <csignal>
#include <ctime>

namespace replay::engine {

int64_t SteadyClock::now_ns() const {
  return static_cast<int64_t>(uv_hrtime());
}

void SteadyClock::sleep_until_ns(int64_t at_ns) const {
  if (at_ns <= now_ns()) return;
  // One absolute sleep on uv_hrtime()'s clock: no drift from a relative one, and a handled
  // signal ends it (EINTR) where std::this_thread::sleep_for would sleep on.
  const timespec until{static_cast<time_t>(at_ns / 1'000'000'000),
                       static_cast<long>(at_ns % 1'000'000'000)};
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr);
}

std::thread start_thread_without_stop_signals(std::function<void()> body) {
  sigset_t blocked;
  sigset_t previous;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  std::thread thread(std::move(body));  // a new thread inherits the creating thread's mask
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return thread;
}

}  // namespace replay::engine
