#pragma once
// Durations and latency distributions as typed on agent-sim's command line, and the seeded
// random generator that samples them.

#include <cstdint>
#include <string>
#include <string_view>

#include "replay/core/random.hpp"
#include "replay/core/result.hpp"

namespace replay::agent_sim {

// xoshiro256** seeded through splitmix64: the same seed gives the same faults and latencies
// on every platform.
// The project's seedable PRNG: the same sequence everywhere, so --seed reproduces faults.
using Rng = replay::Random;

// Parses "250us", "20ms", "1.5s", "2m" (a unit is required; "0" alone is accepted) into
// microseconds. Errors: Errc::invalid_argument.
Result<uint64_t> parse_duration_us(std::string_view text);

// fixed:D (or just D), uniform:A..B, lognormal:mean=M,p99=P.
class LatencyDistribution {
 public:
  LatencyDistribution() = default;
  static LatencyDistribution fixed(uint64_t us);

  uint64_t sample_us(Rng& rng) const;
  // Rounded up to whole milliseconds, as libuv timers count.
  uint64_t sample_ms(Rng& rng) const { return (sample_us(rng) + 999) / 1000; }
  bool is_zero() const { return kind_ == Kind::fixed && a_ == 0; }
  // The text it was parsed from, normalised ("fixed:20000us").
  std::string describe() const;

  friend Result<LatencyDistribution> parse_latency_distribution(std::string_view text);

 private:
  enum class Kind { fixed, uniform, lognormal };
  Kind kind_ = Kind::fixed;
  double a_ = 0;  // fixed: the value; uniform: low; lognormal: mu of ln(us)
  double b_ = 0;  // uniform: high; lognormal: sigma
};

// Errors: Errc::invalid_argument naming the problem (p99 must exceed mean, ...).
Result<LatencyDistribution> parse_latency_distribution(std::string_view text);

}  // namespace replay::agent_sim
