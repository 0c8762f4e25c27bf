#include "threshold_check.hpp"

#include <cstdio>

#include "replay/core/units.hpp"
#include "replay/engine/saturation.hpp"
#include "replay/engine/threshold.hpp"

namespace replay::results {
namespace {

bool holds(double observed, engine::ThresholdOp op, double limit) {
  switch (op) {
    case engine::ThresholdOp::less:
      return observed < limit;
    case engine::ThresholdOp::less_equal:
      return observed <= limit;
    case engine::ThresholdOp::greater:
      return observed > limit;
    case engine::ThresholdOp::greater_equal:
      return observed >= limit;
  }
  return false;
}

}  // namespace

ThresholdResult check_threshold(const std::string& expression, const ResultDoc& doc) {
  ThresholdResult out;
  out.expression = expression;
  auto parsed = engine::parse_threshold(expression);
  if (!parsed) {
    out.observed = "not re-evaluated: " + parsed.error().context;
    return out;
  }
  const engine::Threshold& t = parsed.value();
  const Scope* s = doc.find_scope(t.scope);
  if (!s) {
    out.observed = "no tag or endpoint named '" + t.scope + "' in this run";
    return out;
  }
  char buf[128];
  double observed = 0;
  using engine::ThresholdMetric;
  switch (t.metric) {
    case ThresholdMetric::percentile:
      observed = static_cast<double>(s->corrected.value_at_percentile(t.percentile));
      std::snprintf(buf, sizeof buf, "p%g = %s", t.percentile,
                    format_ms(static_cast<int64_t>(observed)).c_str());
      break;
    case ThresholdMetric::max:
      observed = static_cast<double>(s->corrected.max());
      std::snprintf(buf, sizeof buf, "max = %s", format_ms(s->corrected.max()).c_str());
      break;
    case ThresholdMetric::mean:
      observed = s->corrected.mean();
      std::snprintf(buf, sizeof buf, "mean = %s",
                    format_ms(static_cast<int64_t>(observed)).c_str());
      break;
    case ThresholdMetric::errors:
      observed = s->error_ratio();
      std::snprintf(buf, sizeof buf, "errors = %.2f%%", observed * 100);
      break;
    case ThresholdMetric::rate: {
      // A scope gets its share of the completions during the offered load.
      const double share = doc.overall.completed ? static_cast<double>(s->completed) /
                                                       static_cast<double>(doc.overall.completed)
                                                 : 0.0;
      observed = static_cast<double>(doc.completed_during_load()) * share /
                 static_cast<double>(doc.load_seconds());
      std::snprintf(buf, sizeof buf, "rate = %.1f/s", observed);
      break;
    }
  }
  out.observed = buf;
  const bool has_data =
      s->completed > 0 || t.metric == ThresholdMetric::errors || t.metric == ThresholdMetric::rate;
  out.passed = has_data && holds(observed, t.op, t.limit);
  if (!has_data) out.observed = "no completed requests";
  return out;
}

Saturation analyse_timeline(const std::vector<TimelineRow>& timeline) {
  std::vector<engine::TimelineRow> rows(timeline.size());
  for (size_t i = 0; i < timeline.size(); ++i) {
    const auto& in = timeline[i];
    auto& row = rows[i];
    row.second = in.second;
    row.offered = in.offered;
    row.sent = in.sent;
    row.completed = in.completed;
    row.errors = in.errors;
    row.in_flight = in.in_flight;
    row.backlog = in.backlog;
    row.corrected = in.corrected_hdr;
    row.service = in.service_hdr;
  }
  const engine::SaturationVerdict v = engine::analyse_saturation(rows);
  return Saturation{v.saturated,   v.growth_ms_per_s, v.offered_per_s, v.achieved_per_s,
                    v.from_second, v.to_second,       v.summary};
}

}  // namespace replay::results
