#include "clock.hpp"

#include <uv.h>

namespace replay::engine {

int64_t SteadyClock::now_ns() const {
  return static_cast<int64_t>(uv_hrtime());
}

}  // namespace replay::engine
