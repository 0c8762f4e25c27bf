// capacity.json: format "replay-capacity", version 1 (docs/capacity.md).

#include "replay/capacity/capacity_report.hpp"
#include "replay/core/json_writer.hpp"
#include "replay/results/result_writer.hpp"

namespace replay::capacity {
namespace {

// `result`: the rung's whole result (a ladder's), for `replay merge`; null for a search's step.
void write_step(JsonWriter& w, const StepReport& s, const results::ResultDoc* result) {
  const StepFigures& f = s.figures;
  w.begin_object();
  w.key("step").value(static_cast<uint64_t>(s.number));
  w.key("rate_per_s").value(f.rate_per_s);
  w.key("offered_per_s").value(f.offered_per_s);
  w.key("achieved_per_s").value(f.achieved_per_s);
  w.key("completed").value(f.completed);
  w.key("failed").value(f.failed);
  w.key("errors").value(f.errors);
  w.key("error_ratio").value(f.error_ratio);
  w.key("latency_us").begin_object();
  w.key("p50").value(f.p50_us);
  w.key("p90").value(f.p90_us);
  w.key("p99").value(f.p99_us);
  w.key("max").value(f.max_us);
  w.key("service_p50").value(f.service_p50_us);
  w.key("service_p99").value(f.service_p99_us);
  w.key("scheduler_lag_p99").value(f.scheduler_lag_p99_us);
  w.key("connection_wait_p99").value(f.connection_wait_p99_us);
  w.end_object();
  w.key("slos").begin_array();
  for (const auto& slo : s.slos) {
    w.begin_object();
    w.key("expression").value(slo.expression);
    w.key("passed").value(slo.passed);
    w.key("observed").value(slo.observed);
    w.end_object();
  }
  w.end_array();
  w.key("passed").value(s.passed());
  w.key("reason").value(step_reason_name(s.reason));
  w.key("why").value(s.why);
  w.key("saturation").value(s.saturation);
  if (result) {
    std::string json = results::format_result_doc(*result);
    while (!json.empty() && json.back() == '\n') json.pop_back();
    w.key("result").raw(json);
  }
  w.end_object();
}

}  // namespace

std::string format_capacity_json(const CapacityReport& report) {
  const CapacitySettings& c = report.settings;
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("format").value(kCapacityFormatName);
  w.key("version").value(kCapacityFormatVersion);
  w.key("replay_version").value(report.replay_version);
  w.key("started_unix_ms").value(report.started_unix_ms);
  w.key("settings").begin_object();
  w.key("trace").value(c.trace);
  w.key("target").value(c.target);
  w.key("slos").begin_array();
  for (const auto& slo : c.slos) w.value(slo);
  w.end_array();
  w.key("start_per_s").value(c.start_per_s);
  w.key("start_from").value(c.start_from_trace ? "trace" : "flag");
  w.key("step_s").value(c.window.step_s);
  w.key("warmup_s").value(c.window.warmup_s);
  w.key("precision").value(c.precision);
  w.key("growth").value(c.growth);
  w.key("max_steps").value(static_cast<uint64_t>(c.max_steps));
  w.key("max_connections").value(c.max_connections);
  w.key("drain_ms").value(c.drain_ms);
  if (!c.ladder.empty()) {
    w.key("ladder").value(c.ladder);
    w.key("shard_index").value(c.shard_index);
    w.key("shard_count").value(c.shard_count);
    w.key("start_at_unix_ms").value(c.start_at_unix_ms);
    w.key("slot_s").value(c.slot_s);
  }
  w.end_object();
  w.key("steps").begin_array();
  for (size_t i = 0; i < report.steps.size(); ++i) {
    write_step(w, report.steps[i],
               i < report.step_results.size() ? &report.step_results[i] : nullptr);
  }
  w.end_array();
  w.key("warnings").begin_array();
  for (const auto& line : report.warnings) w.value(line);
  w.end_array();
  w.key("verdict").value(search_end_name(report.end));
  w.key("why").value(report.why);
  w.key("interrupted").value(report.interrupted);
  if (auto capacity = report.capacity_per_s()) {
    w.key("capacity_per_s").value(*capacity);
  } else {
    w.key("capacity_per_s").null();
  }
  w.key("capacity_step");
  if (report.highest_pass && report.capacity_per_s()) {
    w.value(static_cast<uint64_t>(report.steps[*report.highest_pass].number));
  } else {
    w.null();
  }
  w.key("highest_passing_per_s");
  if (report.highest_pass) {
    w.value(report.steps[*report.highest_pass].figures.achieved_per_s);
  } else {
    w.null();
  }
  w.key("lowest_failing_rate_per_s");
  if (report.lowest_fail) {
    w.value(report.steps[*report.lowest_fail].figures.rate_per_s);
  } else {
    w.null();
  }
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace replay::capacity
