#pragma once
// Intended send times for an arrival process over a rate schedule. Pure computation: no clock,
// no I/O, so schedules are tested exactly.

#include <cstdint>
#include <optional>
#include <string_view>

#include "replay/core/random.hpp"
#include "replay/schedule/rate.hpp"

namespace replay::schedule {

enum class Arrival { constant, poisson, recorded };

// "constant" | "poisson" | "recorded"; Errc::invalid_argument otherwise.
Result<Arrival> parse_arrival(std::string_view text);
const char* arrival_name(Arrival arrival) noexcept;

// Yields arrival offsets (ns from the start of the run) following `schedule`:
// constant arrivals are evenly spaced in the cumulative offered load (the k-th arrival at
// the time the integral of the rate reaches k), Poisson arrivals put exponential(1) gaps in
// that same cumulative load (an inhomogeneous Poisson process). The first constant arrival is
// at 0. Deterministic for a given seed.
class ArrivalGenerator {
 public:
  // `kind` must be constant or poisson. The schedule must end (total_us() != kOpenEnded)
  // unless the caller stops asking.
  ArrivalGenerator(RateSchedule schedule, Arrival kind, uint64_t seed);

  // The next arrival's offset in ns, or nullopt when the schedule is over.
  std::optional<int64_t> next_offset_ns();

 private:
  RateSchedule schedule_;
  Arrival kind_;
  Random random_;
  double target_load_ = 0;  // cumulative number of arrivals the next one stands at
  size_t stage_ = 0;
  double stage_start_s_ = 0;
  double stage_start_load_ = 0;
  bool started_ = false;
};

}  // namespace replay::schedule
