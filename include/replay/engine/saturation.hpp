#pragma once
// Which limit a run hit, named so that replay or its configuration is never blamed on the
// service: generator-limited (replay could not send on time: its scheduler lag is large),
// client-limited (--max-connections was reached and requests waited for a connection), and
// service saturated (corrected latency keeps growing while fewer requests complete than are
// offered, and the service's own time grows too whenever one of the other two holds).

#include <cstdint>
#include <string>
#include <vector>

#include "replay/engine/run_stats.hpp"

namespace replay::engine {

// What the run measured of replay's own limits (completed requests).
struct LimitEvidence {
  int64_t scheduler_lag_p99_us = 0;
  int64_t connection_wait_p99_us = 0;
};

// The evidence in the overall scheduler-lag and connection-wait histograms.
LimitEvidence limit_evidence(const Histogram& scheduler_lag, const Histogram& connection_wait);
// The same, from a run's overall statistics.
inline LimitEvidence limit_evidence(const ScopeStats& overall) {
  return limit_evidence(overall.scheduler_lag, overall.connection_wait);
}

struct SaturationVerdict {
  bool generator_limited = false;
  bool client_limited = false;
  bool saturated = false;      // the service
  double growth_ms_per_s = 0;  // slope of the per-second median corrected latency
  double offered_per_s = 0;    // over the analysed window
  double achieved_per_s = 0;   // completions per second over the window: the ceiling when saturated
  int64_t from_second = 0;     // analysed window, inclusive
  int64_t to_second = 0;
  LimitEvidence evidence;
  // One line for people: every verdict that holds, in the order above, or why none does.
  std::string summary;
};

// Generator- and client-limited come from `evidence` (any length of run). Service saturation
// analyses the seconds in which load was offered, leaving out the first (warm-up) and the last
// (partial): it needs at least 3 such seconds, else the summary says "too short to judge".
SaturationVerdict analyse_saturation(const std::vector<TimelineRow>& timeline,
                                     const LimitEvidence& evidence = {});

}  // namespace replay::engine
