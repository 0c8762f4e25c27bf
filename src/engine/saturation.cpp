#include "replay/engine/saturation.hpp"

#include <cstdio>

namespace replay::engine {
namespace {

// Latency growth that counts as a queue building up, not noise.
constexpr double kMinSlopeMsPerS = 0.5;
constexpr double kMinGrowthMs = 20;
constexpr double kAchievedRatio = 0.95;

}  // namespace

SaturationVerdict analyse_saturation(const std::vector<TimelineRow>& timeline) {
  SaturationVerdict v;
  int64_t first = -1, last = -1;
  for (const auto& row : timeline) {
    if (row.offered == 0) continue;
    if (first < 0) first = row.second;
    last = row.second;
  }
  if (first < 0 || last - first < 4) {
    v.summary = "run too short to judge saturation (needs 5 s of offered load)";
    return v;
  }
  v.from_second = first + 1;
  v.to_second = last - 1;
  // Least-squares slope of the per-second median corrected latency over the window.
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  double first_p50_ms = -1;
  uint64_t offered = 0, completed = 0;
  for (int64_t s = v.from_second; s <= v.to_second; ++s) {
    const auto& row = timeline[static_cast<size_t>(s)];
    offered += row.offered;
    completed += row.completed;
    if (row.corrected.empty()) continue;
    auto h = Histogram::deserialise(row.corrected);
    if (!h) continue;
    const double y = static_cast<double>(h->value_at_percentile(50)) / 1000.0;
    if (first_p50_ms < 0) first_p50_ms = y;
    const auto x = static_cast<double>(s);
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double seconds = static_cast<double>(v.to_second - v.from_second + 1);
  v.offered_per_s = static_cast<double>(offered) / seconds;
  v.achieved_per_s = static_cast<double>(completed) / seconds;
  const double denominator = n * sxx - sx * sx;
  if (n >= 2 && denominator > 0) v.growth_ms_per_s = (n * sxy - sx * sy) / denominator;
  const double growth_ms = v.growth_ms_per_s * seconds;
  v.saturated = v.growth_ms_per_s > kMinSlopeMsPerS &&
                growth_ms > std::max(kMinGrowthMs, 0.5 * std::max(0.0, first_p50_ms)) &&
                v.achieved_per_s < kAchievedRatio * v.offered_per_s;
  char buf[256];
  if (v.saturated) {
    std::snprintf(buf, sizeof buf,
                  "SATURATED: latency grows %.1f ms/s; achieved %.1f/s of %.1f/s offered "
                  "(seconds %lld-%lld)",
                  v.growth_ms_per_s, v.achieved_per_s, v.offered_per_s,
                  static_cast<long long>(v.from_second), static_cast<long long>(v.to_second));
  } else {
    std::snprintf(buf, sizeof buf,
                  "not saturated: achieved %.1f/s of %.1f/s offered, latency trend %+.2f ms/s",
                  v.achieved_per_s, v.offered_per_s, v.growth_ms_per_s);
  }
  v.summary = buf;
  return v;
}

}  // namespace replay::engine
