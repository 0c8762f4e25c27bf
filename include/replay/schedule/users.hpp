#pragma once
// Closed-loop user counts as users write them (run --users): "50" (all at once, or started at
// --spawn-rate per second), and stages "1:10s, 1->200:30s, 200->10:1m" (constant steps and
// linear ramps, as rate stages are written but counting users).

#include <cstdint>
#include <string_view>

#include "replay/core/result.hpp"
#include "replay/schedule/rate.hpp"

namespace replay::schedule {

// Stages of user counts (Stage's from/to are users here, not requests per second).
struct UserSchedule {
  std::vector<Stage> stages;
  double spawn_per_s = 0;  // a plain count's users start at this rate (0: all at once)

  // Sum of stage durations; kOpenEnded for a plain count (the run's --duration or the trace
  // ends it).
  int64_t total_us() const noexcept;
  // Users running `t_us` after the start: a ramp's count rounded down, a plain count's users
  // started so far (the first at 0, then one every 1/spawn_per_s); 0 past the last stage.
  uint32_t users_at(int64_t t_us) const noexcept;
  // The most users running at once.
  uint32_t most() const noexcept;
};

// Parses "N" (a whole number of users, 1 or more) or stages "N:DURATION" and "N->M:DURATION"
// (0 allowed in a stage, 100000 at most). Errors: Errc::invalid_argument naming the stage and
// what is wrong (as parse_rate_schedule's).
Result<UserSchedule> parse_user_schedule(std::string_view text);

}  // namespace replay::schedule
