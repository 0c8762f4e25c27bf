// The capacity page: latency against achieved rate, one point per step, the knee where the
// service stops keeping up, with the SLO line and the capacity marked.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "figures.hpp"
#include "html_page.hpp"
#include "replay/capacity/capacity_report.hpp"
#include "replay/core/units.hpp"
#include "replay/results/threshold.hpp"

namespace replay::capacity {
namespace {

using results::html_escape;

// Numbers are spelled as every results view spells them.
using results::percent_text;
using results::rate_text;

// The steps' corrected p99 and p50 against their achieved rate, joined in increasing offered
// rate: past the knee the achieved rate stops growing and the line climbs.
std::string curve_section(const CapacityReport& report) {
  std::vector<const StepReport*> steps;
  for (const auto& s : report.steps) {
    if (s.reason != StepReason::interrupted && s.figures.completed > 0) steps.push_back(&s);
  }
  std::sort(steps.begin(), steps.end(), [](const StepReport* a, const StepReport* b) {
    return a->figures.rate_per_s < b->figures.rate_per_s;
  });
  double lo = INFINITY, hi = 0;
  for (const auto* s : steps) {
    lo = std::min(lo, static_cast<double>(std::max<int64_t>(1, s->figures.p50_us)));
    hi = std::max(hi, static_cast<double>(s->figures.p99_us));
  }
  // Latency SLOs on the overall scope, as horizontal lines.
  std::vector<std::pair<std::string, double>> slo_lines;
  for (const auto& text : report.settings.slos) {
    auto t = results::parse_threshold(text);
    if (!t || !t->scope.empty()) continue;
    if (t->metric == results::ThresholdMetric::errors ||
        t->metric == results::ThresholdMetric::rate) {
      continue;
    }
    slo_lines.emplace_back(text, t->limit);
    hi = std::max(hi, t->limit);
  }
  const results::LatencyUnit unit = results::latency_unit_for(hi);
  const bool log = hi > 0 && lo < INFINITY && hi / lo > 50;
  results::LineChart chart(
      results::Axis{"achieved rate (requests/s)", results::AxisScale::linear, true, {}, 0, 0},
      results::Axis{std::string("corrected latency (") + unit.name + (log ? ", log scale)" : ")"),
                    log ? results::AxisScale::log10 : results::AxisScale::linear,
                    true,
                    {},
                    0,
                    0},
      1040, 360);
  results::Series p99{"p99", "#0b3d70", {}};
  results::Series p50{"p50", "#1f6fb4", {}};
  p50.dashed = true;
  std::vector<double> xs;
  std::vector<std::string> tips;
  double x_lo = INFINITY, x_hi = 0;
  for (const auto* s : steps) {
    const double x = s->figures.achieved_per_s;
    x_lo = std::min(x_lo, x);
    x_hi = std::max(x_hi, x);
    p99.points.emplace_back(x, static_cast<double>(s->figures.p99_us) / unit.divisor_us);
    p50.points.emplace_back(x, static_cast<double>(s->figures.p50_us) / unit.divisor_us);
    xs.push_back(x);
    tips.push_back("step " + std::to_string(s->number) + " at " + rate_text(s->figures.rate_per_s) +
                   ": achieved " + rate_text(x) + ", p50 " + format_ms(s->figures.p50_us) +
                   ", p99 " + format_ms(s->figures.p99_us) + ", errors " +
                   percent_text(s->figures.error_ratio) + " — " +
                   (s->passed() ? std::string("pass") : s->why));
  }
  chart.add_series(std::move(p99));
  chart.add_series(std::move(p50));
  for (const auto& [text, limit_us] : slo_lines) {
    results::Series line{"SLO " + text, "#c62828", {}};
    line.dash = "6 4";
    line.width = 1.5;
    if (x_lo < INFINITY) {
      line.points = {{std::min(0.0, x_lo), limit_us / unit.divisor_us},
                     {x_hi, limit_us / unit.divisor_us}};
    }
    chart.add_series(std::move(line));
  }
  if (auto capacity = report.capacity_per_s()) {
    chart.add_marker({*capacity, "capacity " + rate_text(*capacity)});
  }
  chart.set_hover(std::move(xs), std::move(tips));
  if (steps.empty()) {
    return results::section("Latency against rate", "<p>No step completed a request.</p>\n");
  }
  return results::chart_section(
      "capacity-curve", "Latency against rate", chart,
      "One point per step: its corrected latency after the warm-up against the rate it achieved. "
      "Where the service stops keeping up the rate stops growing and the latency climbs (the "
      "knee).");
}

std::string steps_section(const CapacityReport& report) {
  results::HtmlTable table(
      {"step", "rate", "achieved", "p50", "p90", "p99", "service p99", "errors", "verdict"},
      {true, true, true, true, true, true, true, true, false});
  for (const auto& s : report.steps) {
    const StepFigures& f = s.figures;
    const bool is_capacity =
        report.capacity_per_s() && report.highest_pass && &report.steps[*report.highest_pass] == &s;
    table.add_row({std::to_string(s.number), rate_text(f.rate_per_s), rate_text(f.achieved_per_s),
                   format_ms(f.p50_us), format_ms(f.p90_us), format_ms(f.p99_us),
                   format_ms(f.service_p99_us), percent_text(f.error_ratio),
                   (s.passed() ? std::string(is_capacity ? "pass (capacity)" : "pass") : s.why)},
                  {"", "", "", "", "", "", "", "", s.passed() ? "better" : "worse"});
  }
  return results::section("Steps", table.html(),
                          "In the order run. Figures are of each step's window: the seconds after "
                          "its warm-up, and the drain that followed for latency and errors.");
}

}  // namespace

std::string render_capacity_html(const CapacityReport& report) {
  const CapacitySettings& c = report.settings;
  std::string out = results::page_start("replay capacity: " + c.trace);
  out += "<h1>Capacity of " + html_escape(c.target) + "</h1>\n";
  std::string slos;
  for (const auto& s : c.slos) slos += (slos.empty() ? "" : ", ") + s;
  out += "<p class=\"sub\">" + html_escape(c.trace) + " — SLOs " + html_escape(slos) +
         " — steps of " + std::to_string(c.window.step_s) + " s after a " +
         std::to_string(c.window.warmup_s) + " s warm-up, precision " + percent_text(c.precision) +
         "</p>\n";
  const auto capacity = report.capacity_per_s();
  out += "<div class=\"verdict " + std::string(capacity ? "ok" : "bad") + "\">" +
         html_escape(report.why) + "</div>\n";
  std::vector<results::Card> cards;
  cards.push_back({"capacity", capacity ? rate_text(*capacity) : "none claimed",
                   std::string(search_end_name(report.end)), capacity ? "ok" : "bad"});
  cards.push_back({"steps", std::to_string(report.steps.size()), "", ""});
  if (report.highest_pass) {
    const StepReport& p = report.steps[*report.highest_pass];
    cards.push_back({"highest pass p99", format_ms(p.figures.p99_us),
                     "at " + rate_text(p.figures.rate_per_s), ""});
  }
  if (report.lowest_fail) {
    const StepReport& f = report.steps[*report.lowest_fail];
    cards.push_back({"lowest fail", rate_text(f.figures.rate_per_s),
                     std::string(step_reason_name(f.reason)), "bad"});
  }
  out += results::cards(cards);
  out += curve_section(report);
  out += steps_section(report);
  return out + results::page_end("replay " + report.replay_version + " — capacity search, " +
                                 results::utc_time_text(report.started_unix_ms));
}

}  // namespace replay::capacity
