#include "replay/schedule/arrivals.hpp"

#include <cmath>
#include <string>

namespace replay::schedule {

Result<Arrival> parse_arrival(std::string_view text) {
  if (text == "constant") return Arrival::constant;
  if (text == "poisson") return Arrival::poisson;
  if (text == "recorded") return Arrival::recorded;
  return make_error(Errc::invalid_argument,
                    "arrival '" + std::string(text) + "': expected constant, poisson or recorded");
}

const char* arrival_name(Arrival arrival) noexcept {
  switch (arrival) {
    case Arrival::constant:
      return "constant";
    case Arrival::poisson:
      return "poisson";
    case Arrival::recorded:
      return "recorded";
  }
  return "?";
}

ArrivalGenerator::ArrivalGenerator(RateSchedule schedule, Arrival kind, uint64_t seed)
    : schedule_(std::move(schedule)), kind_(kind), random_(seed) {}

std::optional<int64_t> ArrivalGenerator::next_offset_ns() {
  if (kind_ == Arrival::poisson) {
    target_load_ += random_.exponential();
  } else if (started_) {
    target_load_ += 1;
  }
  started_ = true;
  // Walk forward to the stage whose cumulative load covers the target, then invert the
  // load integral inside it: load(tau) = a*tau + (b - a) / (2 D) * tau^2.
  while (stage_ < schedule_.stages.size()) {
    const Stage& s = schedule_.stages[stage_];
    const double a = s.from_per_s;
    const double delta = target_load_ - stage_start_load_;
    if (s.duration_us == kOpenEnded) {
      if (a <= 0) return std::nullopt;
      return static_cast<int64_t>(std::llround((stage_start_s_ + delta / a) * 1e9));
    }
    const double d = static_cast<double>(s.duration_us) / 1e6;
    const double b = s.to_per_s;
    const double stage_load = (a + b) / 2 * d;
    if (delta < stage_load) {
      double tau;
      if (a == b) {
        tau = delta / a;
      } else {
        const double k = (b - a) / (2 * d);
        tau = 2 * delta / (a + std::sqrt(std::max(0.0, a * a + 4 * k * delta)));
      }
      return static_cast<int64_t>(std::llround((stage_start_s_ + tau) * 1e9));
    }
    stage_start_load_ += stage_load;
    stage_start_s_ += d;
    ++stage_;
  }
  return std::nullopt;
}

}  // namespace replay::schedule
