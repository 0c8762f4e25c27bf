#include "abort_rules.hpp"

#include <cstdio>

namespace replay::cli {
namespace {

// Whether the live figures hold what `t` reads: the run-wide corrected latency and errors.
bool judged_live(const results::Threshold& t) {
  using M = results::ThresholdMetric;
  if (!t.scope.empty() || !t.histogram.empty()) return false;
  switch (t.metric) {
    case M::percentile:
    case M::max:
    case M::mean:
    case M::errors:
    case M::error_count:
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<AbortRules> AbortRules::parse(const std::vector<std::string>& texts) {
  AbortRules out;
  for (const auto& text : texts) {
    auto t = results::parse_threshold(text);
    if (!t) return t.error().within("--abort-on");
    if (!judged_live(t.value())) {
      return make_error(Errc::invalid_argument,
                        "--abort-on '" + text +
                            "': a run is stopped on its run-wide corrected latency (pNN, max, "
                            "mean) or errors (errors<N%, errors<N) as they come; use "
                            "--threshold for the rest");
    }
    out.rules_.push_back(std::move(t).value());
  }
  return out;
}

bool AbortRules::check(const engine::Progress& p) {
  // The last call comes after the run ended: crossing now stops nothing (--threshold judges
  // the final figures).
  if (crossed_ || rules_.empty() || p.last || !p.counts || !p.corrected_so_far) return false;
  const engine::LiveCounts& c = *p.counts;
  const uint64_t ended = c.ended();
  if (p.latency_second < 0 || ended == 0) return false;
  const uint64_t errors = c.errors();
  results::ThresholdFigures figures{*p.corrected_so_far};
  figures.error_ratio = static_cast<double>(errors) / static_cast<double>(ended);
  figures.completed = p.corrected_so_far->count();
  figures.errors = errors;
  figures.ended = ended;
  for (const results::Threshold& rule : rules_) {
    const bool latency = rule.metric != results::ThresholdMetric::errors &&
                         rule.metric != results::ThresholdMetric::error_count;
    if (latency && figures.completed == 0) continue;  // nothing to judge yet
    results::ThresholdResult r = results::evaluate_threshold(rule, figures);
    if (r.passed) continue;
    char at[32];
    std::snprintf(at, sizeof at, "%.1fs", p.elapsed_s);
    r.observed = "aborted the run at " + std::string(at) + ": " + r.observed;
    crossed_ = std::move(r);
    return true;
  }
  return false;
}

}  // namespace replay::cli
