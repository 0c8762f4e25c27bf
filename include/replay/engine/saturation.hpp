#pragma once
// Queue-buildup verdict from a run's timeline: the service is saturated when corrected latency
// keeps growing while fewer requests complete than are offered.

#include <cstdint>
#include <string>
#include <vector>

#include "replay/engine/run_stats.hpp"

namespace replay::engine {

struct SaturationVerdict {
  bool saturated = false;
  double growth_ms_per_s = 0;  // slope of the per-second median corrected latency
  double offered_per_s = 0;    // over the analysed window
  double achieved_per_s = 0;   // completions per second over the window: the ceiling when saturated
  int64_t from_second = 0;     // analysed window, inclusive
  int64_t to_second = 0;
  std::string summary;  // one line for people
};

// Analyses the seconds in which load was offered, leaving out the first (warm-up) and the
// last (partial). Needs at least 3 such seconds; otherwise returns "too short to judge".
SaturationVerdict analyse_saturation(const std::vector<TimelineRow>& timeline);

}  // namespace replay::engine
