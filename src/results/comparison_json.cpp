#include <cmath>

#include "replay/core/json_writer.hpp"
#include "replay/results/comparison_format.hpp"

namespace replay::results {
namespace {

const char* unit_of(MetricKind kind) {
  switch (kind) {
    case MetricKind::percentile:
      return "us";
    case MetricKind::errors:
      return "ratio";
    case MetricKind::rate:
      return "per_s";
  }
  return "";
}

// One metric's fields, inside an object the caller opened.
// The metric's name under `name_key`.
void write_metric_fields(JsonWriter& w, const MetricChange& m, const char* name_key = "name") {
  w.key(name_key)
      .value(m.name)
      .key("unit")
      .value(unit_of(m.kind))
      .key("before")
      .value(m.before)
      .key("after")
      .value(m.after)
      .key("delta")
      .value(m.delta)
      .key("relative")
      .value(m.relative)  // NaN (before was 0) is written as null
      .key("interval_low")
      .value(m.ci_low)
      .key("interval_high")
      .value(m.ci_high)
      .key("p_value")
      .value(m.p_value)
      .key("significant")
      .value(m.significant)
      .key("direction")
      .value(m.direction > 0   ? "worse"
             : m.direction < 0 ? "better"
                               : "none");
}

void write_metrics(JsonWriter& w, const std::vector<MetricChange>& metrics) {
  w.begin_array();
  for (const auto& m : metrics) {
    w.begin_object();
    write_metric_fields(w, m);
    w.end_object();
  }
  w.end_array();
}

void write_scope(JsonWriter& w, const ScopeChange& s) {
  w.begin_object()
      .key("name")
      .value(s.name)
      .key("kind")
      .value(s.kind)
      .key("in_before")
      .value(s.in_before)
      .key("in_after")
      .value(s.in_after)
      .key("requests_before")
      .value(s.requests_before)
      .key("requests_after")
      .value(s.requests_after);
  w.key("metrics");
  write_metrics(w, s.metrics);
  // Overall only: replay's side, informational.
  if (!s.replay_side.empty()) {
    w.key("replay_side");
    write_metrics(w, s.replay_side);
  }
  const MannWhitney& d = s.distribution;
  w.key("distribution")
      .begin_object()
      .key("test")
      .value("mann-whitney-u")
      .key("n_before")
      .value(d.n_before)
      .key("n_after")
      .value(d.n_after)
      .key("u")
      .value(d.u)
      .key("z")
      .value(d.z)
      .key("p_value")
      .value(d.p_value)
      .key("superiority")
      .value(d.superiority)
      .end_object();
  w.end_object();
}

void write_strings(JsonWriter& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& s : items) w.value(s);
  w.end_array();
}

}  // namespace

std::string format_comparison_json(const Comparison& c) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .key("verdict")
      .value(c.verdict())
      .key("regressed")
      .value(c.regressed())
      .key("alpha")
      .value(c.options.alpha)
      .key("bootstrap_resamples")
      .value(c.options.resamples)
      .key("seed")
      .value(c.options.seed);
  w.key("before");
  write_strings(w, c.before_sources);
  w.key("after");
  write_strings(w, c.after_sources);
  w.key("overall");
  write_scope(w, c.overall);
  w.key("endpoints").begin_array();
  for (const auto& e : c.endpoints) write_scope(w, e);
  w.end_array().key("tags").begin_array();
  for (const auto& t : c.tags) write_scope(w, t);
  w.end_array().key("regressions").begin_array();
  for (const auto& r : c.regressions) {
    w.begin_object().key("scope").value(r.scope).key("kind").value(r.scope_kind);
    write_metric_fields(w, r.metric, "metric");
    w.end_object();
  }
  w.end_array().key("config_mismatch").begin_array();
  for (const auto& m : c.config_mismatch) {
    w.begin_object()
        .key("key")
        .value(m.key)
        .key("before")
        .raw(m.before_json)
        .key("after")
        .raw(m.after_json)
        .end_object();
  }
  w.end_array().key("rules").begin_array();
  for (const auto& r : c.rules) {
    w.begin_object()
        .key("rule")
        .value(r.rule)
        .key("scope")
        .value(r.scope)
        .key("kind")
        .value(r.scope_kind)
        .key("crossed")
        .value(r.crossed)
        .key("detail")
        .value(r.detail)
        .end_object();
  }
  w.end_array().key("notes");
  write_strings(w, c.notes);
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace replay::results
