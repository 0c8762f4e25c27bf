#include "clock.hpp"

#include <uv.h>

#include <chrono>
#include <thread>

namespace replay::engine {

int64_t SteadyClock::now_ns() const {
  return static_cast<int64_t>(uv_hrtime());
}

void SteadyClock::sleep_until_ns(int64_t at_ns) const {
  const int64_t wait_ns = at_ns - now_ns();
  if (wait_ns > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait_ns));
}

}  // namespace replay::engine
