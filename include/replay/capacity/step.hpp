#pragma once
// One step of a capacity search judged from its saved result: the figures of the step's own
// window (the timeline seconds after the warm-up, the drain after the load included for
// latency and errors), the SLOs checked on them, replay's own limits and the service's
// saturation, and the step's outcome with a one-line reason. Pure: no clock, no I/O.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "replay/capacity/search.hpp"
#include "replay/core/result.hpp"
#include "replay/results/result_doc.hpp"
#include "replay/results/threshold.hpp"

namespace replay::capacity {

// A step offers load for warmup_s + step_s whole seconds; only the last step_s are judged.
struct StepWindow {
  int64_t warmup_s = 5;
  int64_t step_s = 30;
};

// Achieved below this share of offered in the window: the service did not keep up.
inline constexpr double kKeepUpRatio = 0.9;

// Why a step ended as it did; the first that holds, in this order after `interrupted`.
enum class StepReason {
  pass,
  interrupted,        // Ctrl-C/SIGTERM ended the step: not judged, the search stops
  generator_limited,  // replay's scheduler lag p99 was large: the service was not judged
  client_limited,     // requests waited for a connection, and the service's own time held
  no_response,        // nothing completed in the window
  slo,                // an SLO was crossed
  saturated,          // latency grew while fewer requests completed than were offered
  not_keeping_up,     // achieved below kKeepUpRatio of offered in the window
};

// "pass", "interrupted", "generator_limited", "client_limited", "no_response", "slo",
// "saturated", "not_keeping_up".
std::string_view step_reason_name(StepReason r) noexcept;

// What the window measured. Latencies are corrected (end - intended) unless named service.
struct StepFigures {
  double rate_per_s = 0;      // the constant rate the step offered
  double offered_per_s = 0;   // arrivals of the window's load seconds / step_s
  double achieved_per_s = 0;  // completions of the window's load seconds / step_s
  uint64_t completed = 0;     // from the end of the warm-up to the end of the step's run
  uint64_t failed = 0;
  uint64_t errors = 0;
  double error_ratio = 0;  // errors / (completed + failed)
  int64_t p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
  int64_t service_p50_us = 0, service_p99_us = 0;
  // Over the whole step (warm-up included), the evidence of replay's own limits.
  int64_t scheduler_lag_p99_us = 0;
  int64_t connection_wait_p99_us = 0;
};

struct StepReport {
  size_t number = 0;  // 1-based
  StepFigures figures;
  std::vector<results::ThresholdResult> slos;  // each SLO on the window, in the given order
  StepReason reason = StepReason::pass;
  std::string why;         // one line: the crossed SLO, the limit, the figures
  std::string saturation;  // the saturation analysis of the window (results::analyse_saturation)

  bool passed() const noexcept { return reason == StepReason::pass; }
  // The outcome the search records (an interrupted step is not recorded).
  StepResult result() const noexcept;
};

// Judges the step run at `rate_per_s` whose result is `doc`, on `window`. SLOs scoped to a tag
// are checked on that tag's timeline. Errors: Errc::invalid_argument when an SLO names a scope
// that is not a tag of the run (endpoints have no timeline to take a window of).
Result<StepReport> judge_step(const results::ResultDoc& doc, double rate_per_s,
                              const StepWindow& window,
                              const std::vector<results::Threshold>& slos);

}  // namespace replay::capacity
