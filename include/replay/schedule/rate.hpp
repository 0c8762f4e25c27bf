#pragma once
// Offered-rate schedules as users write them: "200/s", "12000/m", "0.5/ms", and stages
// "10/s:1m, 10/s->200/s:30s, 200/s:5m" (constant steps and linear ramps).

#include <cstdint>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"

namespace replay::schedule {

inline constexpr int64_t kOpenEnded = INT64_MAX;

// One stage: the rate goes linearly from from_per_s to to_per_s over duration_us
// (a constant step when they are equal). duration_us == kOpenEnded: lasts until the run ends.
struct Stage {
  double from_per_s = 0;
  double to_per_s = 0;
  int64_t duration_us = kOpenEnded;
};

struct RateSchedule {
  std::vector<Stage> stages;

  // Sum of stage durations, kOpenEnded if the last stage is open-ended.
  int64_t total_us() const noexcept;
  // Offered rate at `t_us` from the start; 0 past the end.
  double rate_at(int64_t t_us) const noexcept;
  // A copy that ends at `duration_us`: stages past it are cut, an open-ended last stage
  // gets the remaining time.
  RateSchedule limited_to(int64_t duration_us) const;
};

// Parses one rate "200/s" | "12000/m" | "0.5/ms" | "3/h" into requests per second: a finite
// number, 0 or more (a stage may start at 0/s). Errors: Errc::invalid_argument naming the text;
// NaN, infinities and negatives are refused.
Result<double> parse_rate_per_s(std::string_view text);

// Parses a rate or a comma-separated list of stages "RATE:DURATION" or "RATE->RATE:DURATION".
// A single bare rate is one open-ended stage. Errors name the stage and what is wrong; a
// schedule that is 0/s throughout ("0/s") is refused, since it offers nothing.
Result<RateSchedule> parse_rate_schedule(std::string_view text);

// Parses a speed factor for recorded timing: "2x", "0.5x", "2".
Result<double> parse_speed(std::string_view text);

}  // namespace replay::schedule
