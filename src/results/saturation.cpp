#include "replay/results/saturation.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace replay::results {
namespace {

// Latency growth that counts as a queue building up, not noise.
constexpr double kMinSlopeMsPerS = 0.5;
constexpr double kMinGrowthMs = 20;
constexpr double kAchievedRatio = 0.95;
// More than 1 % of requests this late in replay, or waiting this long for a connection, is a
// limit of the generator or of the client, not noise (wake-ups slip by well under a ms).
constexpr int64_t kLimitLagUs = 20'000;

// Least-squares slope (ms per s) of the per-second median of the histograms `of` picks.
template <class Pick>
double median_slope(const std::vector<TimelineRow>& timeline, int64_t from, int64_t to, Pick of,
                    double* first_ms) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  if (first_ms) *first_ms = -1;
  for (int64_t s = from; s <= to; ++s) {
    const std::string& serialised = of(timeline[static_cast<size_t>(s)]);
    if (serialised.empty()) continue;
    auto h = Histogram::deserialise(serialised);
    if (!h) continue;
    const double y = static_cast<double>(h->value_at_percentile(50)) / 1000.0;
    if (first_ms && *first_ms < 0) *first_ms = y;
    const auto x = static_cast<double>(s);
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double denominator = n * sxx - sx * sx;
  return n >= 2 && denominator > 0 ? (n * sxy - sx * sy) / denominator : 0.0;
}

std::string ms_text(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1000.0);
  return buf;
}

// What capped the connections: the open-file limit when the run met it, else the flag.
std::string connection_cap_text(const std::optional<ResultDoc::ResourceLimit>& open_files) {
  if (!open_files) return "--max-connections reached";
  const std::string limit = open_files->limit ? "the open-file limit (ulimit -n " +
                                                    std::to_string(open_files->limit) + ")"
                                              : std::string("the system's open-file table");
  return limit + " held replay to " + std::to_string(open_files->connections) + " connections";
}

}  // namespace

LimitEvidence limit_evidence(const Scope& overall,
                             const std::optional<ResultDoc::ResourceLimit>& resource_limit) {
  return LimitEvidence{overall.scheduler_lag.value_at_percentile(99),
                       overall.connection_wait.value_at_percentile(99), resource_limit};
}

Saturation analyse_saturation(const std::vector<TimelineRow>& timeline,
                              const LimitEvidence& evidence) {
  Saturation v;
  v.generator_limited = evidence.scheduler_lag_p99_us > kLimitLagUs;
  v.client_limited = evidence.connection_wait_p99_us > kLimitLagUs;
  std::string limits;
  if (v.generator_limited) {
    limits += "GENERATOR-LIMITED: replay could not send on time (scheduler lag p99 " +
              ms_text(evidence.scheduler_lag_p99_us) + "); ";
  }
  if (v.client_limited) {
    limits += "CLIENT-LIMITED: requests waited for a connection (" +
              connection_cap_text(evidence.open_files) + "; connection wait p99 " +
              ms_text(evidence.connection_wait_p99_us) + "); ";
  }
  int64_t first = -1, last = -1;
  for (const auto& row : timeline) {
    if (row.offered == 0) continue;
    if (first < 0) first = row.second;
    last = row.second;
  }
  if (first < 0 || last - first < 4) {
    v.summary = limits + "run too short to judge saturation (needs 5 s of offered load)";
    return v;
  }
  v.from_second = first + 1;
  v.to_second = last - 1;
  uint64_t offered = 0, completed = 0;
  for (int64_t s = v.from_second; s <= v.to_second; ++s) {
    const auto& row = timeline[static_cast<size_t>(s)];
    offered += row.offered;
    completed += row.completed;
  }
  double first_p50_ms = -1;
  v.growth_ms_per_s = median_slope(
      timeline, v.from_second, v.to_second,
      [](const TimelineRow& row) -> const std::string& { return row.corrected_hdr; },
      &first_p50_ms);
  const double seconds = static_cast<double>(v.to_second - v.from_second + 1);
  v.offered_per_s = static_cast<double>(offered) / seconds;
  v.achieved_per_s = static_cast<double>(completed) / seconds;
  const double growth_ms = v.growth_ms_per_s * seconds;
  const bool latency_grows =
      v.growth_ms_per_s > kMinSlopeMsPerS &&
      growth_ms > std::max(kMinGrowthMs, 0.5 * std::max(0.0, first_p50_ms)) &&
      v.achieved_per_s < kAchievedRatio * v.offered_per_s;
  // Queues in replay (its scheduler, its connection cap) grow corrected latency too: then only
  // a growing service time shows the service itself saturated.
  bool service_grows = true;
  if (v.generator_limited || v.client_limited) {
    const double service_slope = median_slope(
        timeline, v.from_second, v.to_second,
        [](const TimelineRow& row) -> const std::string& { return row.service_hdr; }, nullptr);
    service_grows = service_slope > kMinSlopeMsPerS && service_slope * seconds > kMinGrowthMs;
  }
  v.saturated = latency_grows && service_grows;
  char buf[256];
  if (v.saturated) {
    std::snprintf(buf, sizeof buf,
                  "SATURATED: latency grows %.1f ms/s; achieved %.1f/s of %.1f/s offered "
                  "(seconds %lld-%lld)",
                  v.growth_ms_per_s, v.achieved_per_s, v.offered_per_s,
                  static_cast<long long>(v.from_second), static_cast<long long>(v.to_second));
  } else {
    std::snprintf(buf, sizeof buf,
                  "%s: achieved %.1f/s of %.1f/s offered (seconds %lld-%lld), latency trend "
                  "%+.2f ms/s",
                  limits.empty() ? "not saturated" : "service not shown saturated",
                  v.achieved_per_s, v.offered_per_s, static_cast<long long>(v.from_second),
                  static_cast<long long>(v.to_second), v.growth_ms_per_s);
  }
  v.summary = limits + buf;
  return v;
}

Saturation analyse_saturation(const ResultDoc& doc) {
  return analyse_saturation(doc.timeline, limit_evidence(doc.overall, doc.resource_limit));
}

}  // namespace replay::results
