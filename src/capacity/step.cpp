#include "replay/capacity/step.hpp"

#include <algorithm>
#include <cstdio>

#include "replay/core/units.hpp"
#include "replay/results/saturation.hpp"

namespace replay::capacity {
namespace {

using histogram::Histogram;
using results::ResultDoc;
using results::Threshold;
using results::ThresholdResult;

// One scope's window: latency from the end of the warm-up to the end of the run (requests sent
// in the step's last seconds complete during the drain, and their latency is the step's), and
// completions per second of the window's load seconds.
struct ScopeWindow {
  Histogram corrected;
  Histogram service;
  uint64_t offered_in_load = 0;
  uint64_t completed_in_load = 0;
  uint64_t completed = 0, failed = 0, errors = 0;

  double error_ratio() const {
    const uint64_t ended = completed + failed;
    return ended ? static_cast<double>(errors) / static_cast<double>(ended) : 0.0;
  }
  // 4xx/5xx responses of the completed: what the service answered, whatever replay gave up.
  double http_error_ratio() const {
    return completed ? static_cast<double>(errors - std::min(errors, failed)) /
                           static_cast<double>(completed)
                     : 0.0;
  }
};

void merge_text(Histogram& into, const std::string& serialised) {
  if (serialised.empty()) return;
  if (auto h = Histogram::deserialise(serialised)) into.merge(*h);
}

template <class Row>
void add_row(ScopeWindow& w, const Row& row, int64_t load_end_s) {
  merge_text(w.corrected, row.corrected_hdr);
  w.completed += row.completed;
  w.failed += row.failed;
  w.errors += row.errors;
  if (row.second < load_end_s) {
    w.offered_in_load += row.offered;
    w.completed_in_load += row.completed;
  }
}

ScopeWindow overall_window(const ResultDoc& doc, const StepWindow& window) {
  ScopeWindow w;
  const int64_t load_end = window.warmup_s + window.step_s;
  for (const auto& row : doc.timeline) {
    if (row.second < window.warmup_s) continue;
    add_row(w, row, load_end);
    merge_text(w.service, row.service_hdr);
  }
  return w;
}

ScopeWindow tag_window(const results::ScopeTimeline& tag, const StepWindow& window) {
  ScopeWindow w;
  const int64_t load_end = window.warmup_s + window.step_s;
  for (const auto& row : tag.rows) {
    if (row.second >= window.warmup_s) add_row(w, row, load_end);
  }
  return w;
}

ThresholdResult check_on(const Threshold& slo, const ScopeWindow& w, const Histogram& latency,
                         double error_ratio, double step_s) {
  return results::evaluate_threshold(
      slo, results::ThresholdFigures{latency, error_ratio, w.completed,
                                     static_cast<double>(w.completed_in_load) / step_s});
}

std::string rate_text(double per_s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f/s", per_s);
  return buf;
}

}  // namespace

std::string_view step_reason_name(StepReason r) noexcept {
  switch (r) {
    case StepReason::pass:
      return "pass";
    case StepReason::interrupted:
      return "interrupted";
    case StepReason::generator_limited:
      return "generator_limited";
    case StepReason::client_limited:
      return "client_limited";
    case StepReason::no_response:
      return "no_response";
    case StepReason::slo:
      return "slo";
    case StepReason::saturated:
      return "saturated";
    case StepReason::not_keeping_up:
      return "not_keeping_up";
  }
  return "slo";
}

StepResult StepReport::result() const noexcept {
  switch (reason) {
    case StepReason::pass:
      return StepResult::pass;
    case StepReason::generator_limited:
      return StepResult::generator_limited;
    case StepReason::client_limited:
      return StepResult::client_limited;
    default:
      return StepResult::fail;
  }
}

Result<StepReport> judge_step(const ResultDoc& doc, double rate_per_s, const StepWindow& window,
                              const std::vector<Threshold>& slos) {
  const double step_s = static_cast<double>(std::max<int64_t>(1, window.step_s));
  const ScopeWindow overall = overall_window(doc, window);
  StepReport report;
  StepFigures& f = report.figures;
  f.rate_per_s = rate_per_s;
  f.offered_per_s = static_cast<double>(overall.offered_in_load) / step_s;
  f.achieved_per_s = static_cast<double>(overall.completed_in_load) / step_s;
  f.completed = overall.completed;
  f.failed = overall.failed;
  f.errors = overall.errors;
  f.error_ratio = overall.error_ratio();
  f.p50_us = overall.corrected.value_at_percentile(50);
  f.p90_us = overall.corrected.value_at_percentile(90);
  f.p99_us = overall.corrected.value_at_percentile(99);
  f.max_us = overall.corrected.max();
  f.service_p50_us = overall.service.value_at_percentile(50);
  f.service_p99_us = overall.service.value_at_percentile(99);
  const results::LimitEvidence evidence = results::limit_evidence(doc.overall, doc.resource_limit);
  f.scheduler_lag_p99_us = evidence.scheduler_lag_p99_us;
  f.connection_wait_p99_us = evidence.connection_wait_p99_us;

  // Service-side checks that replay's queues cannot cause: latency SLOs on the service's own
  // time, error SLOs on its 4xx/5xx answers.
  bool service_fails = false;
  std::string service_why;
  for (const auto& slo : slos) {
    ScopeWindow tag;
    const ScopeWindow* scope = &overall;
    if (!slo.scope.empty()) {
      auto it = std::find_if(doc.timeline_by_tag.begin(), doc.timeline_by_tag.end(),
                             [&](const results::ScopeTimeline& t) { return t.name == slo.scope; });
      if (it == doc.timeline_by_tag.end()) {
        return make_error(Errc::invalid_argument,
                          "--slo '" + slo.text + "': no tag named '" + slo.scope +
                              "' in this run (an SLO's scope must be a tag: endpoints have no "
                              "per-second timeline to leave the warm-up out of)");
      }
      tag = tag_window(*it, window);
      scope = &tag;
    }
    report.slos.push_back(check_on(slo, *scope, scope->corrected, scope->error_ratio(), step_s));
    if (!slo.scope.empty()) continue;  // tags' rows hold no service time
    const bool errors = slo.metric == results::ThresholdMetric::errors;
    const bool rate = slo.metric == results::ThresholdMetric::rate;
    if (rate) continue;  // replay's queues hold the rate back too
    auto on_service =
        check_on(slo, overall, overall.service, errors ? overall.http_error_ratio() : 0.0, step_s);
    if (!on_service.passed && !service_fails) {
      service_fails = true;
      service_why = slo.text + " crossed on the service's own time (" + on_service.observed + ")";
    }
  }

  // The analyser's window starts at the end of the warm-up: it leaves out that first second
  // and the last, as for a run.
  std::vector<results::TimelineRow> rows = doc.timeline;
  for (auto& row : rows) {
    if (row.second < window.warmup_s) row.offered = 0;
  }
  const results::Saturation saturation = results::analyse_saturation(rows, evidence);
  report.saturation = saturation.summary;

  const auto crossed = std::find_if(report.slos.begin(), report.slos.end(),
                                    [](const ThresholdResult& r) { return !r.passed; });
  const std::string figures =
      "achieved " + rate_text(f.achieved_per_s) + " of " + rate_text(f.offered_per_s) + " offered";
  if (doc.interrupted) {
    report.reason = StepReason::interrupted;
    report.why = "interrupted: the step was not judged";
  } else if (saturation.generator_limited) {
    report.reason = StepReason::generator_limited;
    report.why = "GENERATOR-LIMITED: replay could not send on time (scheduler lag p99 " +
                 format_ms(f.scheduler_lag_p99_us) + "); the service was not judged";
  } else if ((saturation.client_limited || doc.resource_limit) && !service_fails &&
             !saturation.saturated) {
    report.reason = StepReason::client_limited;
    report.why = "CLIENT-LIMITED: requests waited for a connection (connection wait p99 " +
                 format_ms(f.connection_wait_p99_us) +
                 (doc.resource_limit ? std::string(", the open-file limit capped the connections")
                                     : std::string(", --max-connections reached")) +
                 "); the service's own time held, so this is replay's limit, not the service's";
  } else if (saturation.client_limited || doc.resource_limit) {
    report.reason = service_fails ? StepReason::slo : StepReason::saturated;
    report.why = (service_fails ? service_why : saturation.summary) +
                 " (requests also waited for a connection)";
  } else if (f.completed == 0) {
    report.reason = StepReason::no_response;
    report.why = "no request completed after the warm-up";
  } else if (crossed != report.slos.end()) {
    report.reason = StepReason::slo;
    report.why = crossed->expression + " crossed: " + crossed->observed;
  } else if (saturation.saturated) {
    report.reason = StepReason::saturated;
    report.why = saturation.summary;
  } else if (f.achieved_per_s < kKeepUpRatio * f.offered_per_s) {
    report.reason = StepReason::not_keeping_up;
    report.why = "not keeping up: " + figures;
  } else {
    report.reason = StepReason::pass;
    report.why = "every SLO held; " + figures;
  }
  return report;
}

}  // namespace replay::capacity
