#include "replay/capacity/capacity_report.hpp"

#include <cstdio>

#include "figures.hpp"
#include "replay/core/units.hpp"

namespace replay::capacity {
namespace {

// Numbers are spelled as every results view spells them.
using results::percent_text;
using results::rate_text;

std::string step_figures(const StepReport& s) {
  return rate_text(s.figures.achieved_per_s) + " achieved at " + rate_text(s.figures.rate_per_s) +
         " offered (step " + std::to_string(s.number) + "): p50 " + format_ms(s.figures.p50_us) +
         ", p99 " + format_ms(s.figures.p99_us) + ", errors " + percent_text(s.figures.error_ratio);
}

}  // namespace

std::optional<double> CapacityReport::capacity_per_s() const {
  if ((end != SearchEnd::capacity_found && end != SearchEnd::imprecise) || !highest_pass) {
    return std::nullopt;
  }
  return steps[*highest_pass].figures.achieved_per_s;
}

void finish_report(CapacityReport& report, const CapacitySearch& search) {
  report.end = search.end();
  report.highest_pass.reset();
  report.lowest_fail.reset();
  for (size_t i = 0; i < report.steps.size(); ++i) {
    const StepReport& s = report.steps[i];
    if (s.reason == StepReason::interrupted) continue;
    const double rate = s.figures.rate_per_s;
    if (s.passed() && search.highest_pass() && rate == *search.highest_pass()) {
      report.highest_pass = i;
    }
    if (s.result() == StepResult::fail && search.lowest_fail() && rate == *search.lowest_fail()) {
      report.lowest_fail = i;
    }
  }
  const StepReport* pass = report.highest_pass ? &report.steps[*report.highest_pass] : nullptr;
  const StepReport* fail = report.lowest_fail ? &report.steps[*report.lowest_fail] : nullptr;
  const StepReport* last = report.steps.empty() ? nullptr : &report.steps.back();
  const std::string held =
      pass ? "; the highest passing step held " + rate_text(pass->figures.achieved_per_s)
           : std::string("; no step passed before it");
  switch (report.end) {
    case SearchEnd::capacity_found:
    case SearchEnd::imprecise:
      report.why = "capacity " + rate_text(pass->figures.achieved_per_s) + ": " +
                   step_figures(*pass) + "; " + rate_text(fail->figures.rate_per_s) +
                   " failed: " + fail->why;
      if (report.end == SearchEnd::imprecise) {
        report.why += " (--max-steps ran out before the bracket narrowed to the precision)";
      }
      break;
    case SearchEnd::unbounded:
      report.why = "no capacity found: every step passed, up to " +
                   rate_text(pass->figures.rate_per_s) +
                   " (raise --max-steps, or --start nearer the capacity)";
      break;
    case SearchEnd::no_pass:
      report.why = "no step passed: the lowest rate tried, " +
                   (fail ? rate_text(fail->figures.rate_per_s) + ", failed: " + fail->why
                         : std::string("none"));
      break;
    case SearchEnd::generator_limited:
      report.why = "GENERATOR-LIMITED at " + rate_text(last->figures.rate_per_s) +
                   ": replay could not send on time, so no capacity is claimed" + held +
                   " (give replay more cores, or shard the run)";
      break;
    case SearchEnd::client_limited:
      report.why = "CLIENT-LIMITED at " + rate_text(last->figures.rate_per_s) +
                   ": requests waited for one of replay's connections while the service's own "
                   "time held, so no capacity is claimed" +
                   held + " (raise --max-connections, or the open-file limit)";
      break;
    case SearchEnd::stopped:
    case SearchEnd::running:
      report.why = "interrupted after " + std::to_string(report.steps.size()) +
                   " steps: no capacity claimed" + held;
      break;
  }
}

std::string format_step_header() {
  return "  step      rate   achieved        p50        p99     errors  verdict\n";
}

std::string format_step_line(const StepReport& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "  %4zu %9s %10s %10s %10s %10s  ", s.number,
                rate_text(s.figures.rate_per_s).c_str(),
                rate_text(s.figures.achieved_per_s).c_str(), format_ms(s.figures.p50_us).c_str(),
                format_ms(s.figures.p99_us).c_str(), percent_text(s.figures.error_ratio).c_str());
  std::string line = buf;
  if (s.passed()) {
    line += "pass";
  } else if (s.reason == StepReason::interrupted) {
    line += "interrupted";
  } else if (s.result() == StepResult::fail) {
    line += "FAIL " + s.why;
  } else {
    line += s.why;
  }
  return line + "\n";
}

std::string format_verdict(const CapacityReport& report) {
  return "\n" + report.why + "\n";
}

}  // namespace replay::capacity
