#include "replay/results/saturation.hpp"

namespace replay::results {

Saturation to_saturation(const engine::SaturationVerdict& verdict) {
  Saturation s;
  s.saturated = verdict.saturated;
  s.generator_limited = verdict.generator_limited;
  s.client_limited = verdict.client_limited;
  s.growth_ms_per_s = verdict.growth_ms_per_s;
  s.offered_per_s = verdict.offered_per_s;
  s.achieved_per_s = verdict.achieved_per_s;
  s.from_second = verdict.from_second;
  s.to_second = verdict.to_second;
  s.summary = verdict.summary;
  return s;
}

Saturation analyse_saturation(const std::vector<TimelineRow>& timeline, const Scope& overall) {
  std::vector<engine::TimelineRow> rows(timeline.size());
  for (size_t i = 0; i < timeline.size(); ++i) {
    const auto& in = timeline[i];
    auto& row = rows[i];
    row.second = in.second;
    row.offered = in.offered;
    row.sent = in.sent;
    row.completed = in.completed;
    row.failed = in.failed;
    row.errors = in.errors;
    row.in_flight = in.in_flight;
    row.backlog = in.backlog;
    row.corrected = in.corrected_hdr;
    row.service = in.service_hdr;
  }
  return to_saturation(engine::analyse_saturation(
      rows, engine::limit_evidence(overall.scheduler_lag, overall.connection_wait)));
}

}  // namespace replay::results
