#include "replay/capacity/ladder.hpp"

#include <cmath>

#include "figures.hpp"
#include "replay/schedule/rate.hpp"

namespace replay::capacity {
namespace {

using results::rate_text;

constexpr size_t kMaxRungs = 100;
constexpr int64_t kSlotSlackS = 2;

Error ladder_error(std::string_view text, const std::string& why) {
  return make_error(Errc::invalid_argument,
                    "--ladder '" + std::string(text) + "': " + why +
                        " (expected FROM..TO:STEPS, e.g. 100/s..2000/s:12)");
}

}  // namespace

Result<Ladder> parse_ladder(std::string_view text) {
  const size_t dots = text.find("..");
  const size_t colon = text.rfind(':');
  if (dots == std::string_view::npos || colon == std::string_view::npos || colon < dots) {
    return ladder_error(text, "no '..' between two rates and ':' before the number of steps");
  }
  auto from = schedule::parse_rate_per_s(text.substr(0, dots));
  if (!from) return ladder_error(text, "FROM: " + from.error().context);
  auto to = schedule::parse_rate_per_s(text.substr(dots + 2, colon - dots - 2));
  if (!to) return ladder_error(text, "TO: " + to.error().context);
  const std::string steps_text(text.substr(colon + 1));
  char* end = nullptr;
  const unsigned long long steps = std::strtoull(steps_text.c_str(), &end, 10);
  if (steps_text.empty() || *end != '\0' || steps_text[0] == '-') {
    return ladder_error(text, "STEPS '" + steps_text + "' is not a whole number");
  }
  if (*from <= 0) return ladder_error(text, "FROM must be above 0/s");
  if (steps < 1 || steps > kMaxRungs) {
    return ladder_error(text, "STEPS must be 1 to " + std::to_string(kMaxRungs));
  }
  if (steps == 1 ? *to != *from : *to <= *from) {
    return ladder_error(text, steps == 1 ? "one step needs FROM == TO" : "TO must be above FROM");
  }
  return Ladder{*from, *to, static_cast<size_t>(steps), std::string(text)};
}

std::vector<double> ladder_rates(const Ladder& ladder) {
  std::vector<double> rates;
  if (ladder.steps == 0) return rates;
  const double ratio = ladder.steps > 1 ? std::pow(ladder.to_per_s / ladder.from_per_s,
                                                   1.0 / static_cast<double>(ladder.steps - 1))
                                        : 1;
  for (size_t k = 0; k < ladder.steps; ++k) {
    rates.push_back(k + 1 == ladder.steps ? ladder.to_per_s
                                          : ladder.from_per_s * std::pow(ratio, k));
  }
  return rates;
}

int64_t ladder_slot_s(const StepWindow& window, int64_t drain_ms) {
  return window.warmup_s + window.step_s + (drain_ms + 999) / 1000 + kSlotSlackS;
}

void finish_ladder_report(CapacityReport& report) {
  report.highest_pass.reset();
  report.lowest_fail.reset();
  std::optional<size_t> first_not_passed;
  for (size_t i = 0; i < report.steps.size(); ++i) {
    if (report.steps[i].reason == StepReason::interrupted) {
      report.interrupted = true;
      break;
    }
    if (!report.steps[i].passed()) {
      first_not_passed = i;
      break;
    }
    report.highest_pass = i;
  }
  const StepReport* pass = report.highest_pass ? &report.steps[*report.highest_pass] : nullptr;
  const std::string held =
      pass ? "; the highest passing rung below it held " + rate_text(pass->figures.achieved_per_s)
           : std::string("; no rung passed below it");
  if (report.interrupted) {
    report.end = SearchEnd::stopped;
    report.why = "interrupted after " + std::to_string(report.steps.size()) +
                 " rungs: no capacity claimed" + held;
    return;
  }
  if (!first_not_passed) {
    report.end = report.steps.empty() ? SearchEnd::no_pass : SearchEnd::unbounded;
    report.why = report.steps.empty() ? "no rung ran"
                                      : "no capacity found: every rung passed, up to " +
                                            rate_text(report.steps.back().figures.rate_per_s) +
                                            " (a ladder that reaches higher finds it)";
    return;
  }
  const StepReport& stop = report.steps[*first_not_passed];
  switch (stop.result()) {
    case StepResult::generator_limited:
      report.end = SearchEnd::generator_limited;
      report.why = "GENERATOR-LIMITED at rung " + std::to_string(stop.number) + " (" +
                   rate_text(stop.figures.rate_per_s) +
                   "): replay could not send on time, so no capacity is claimed" + held +
                   " (give replay more cores, or more shards)";
      return;
    case StepResult::client_limited:
      report.end = SearchEnd::client_limited;
      report.why = "CLIENT-LIMITED at rung " + std::to_string(stop.number) + " (" +
                   rate_text(stop.figures.rate_per_s) +
                   "): requests waited for one of replay's connections while the service's own "
                   "time held, so no capacity is claimed" +
                   held + " (raise --max-connections, or the open-file limit)";
      return;
    case StepResult::pass:
    case StepResult::fail:
      break;
  }
  report.lowest_fail = first_not_passed;
  if (!pass) {
    report.end = SearchEnd::no_pass;
    report.why = "no rung passed: the lowest, " + rate_text(stop.figures.rate_per_s) +
                 ", failed: " + stop.why;
    return;
  }
  report.end = SearchEnd::capacity_found;
  report.why = "capacity " + rate_text(pass->figures.achieved_per_s) + " (rung " +
               std::to_string(pass->number) + " at " + rate_text(pass->figures.rate_per_s) +
               ", p99 " + results::latency_text(static_cast<double>(pass->figures.p99_us)) +
               "); rung " + std::to_string(stop.number) + " at " +
               rate_text(stop.figures.rate_per_s) + " failed: " + stop.why +
               "; the ladder's spacing is its precision";
  for (size_t i = *first_not_passed + 1; i < report.steps.size(); ++i) {
    if (report.steps[i].passed()) {
      report.why += "; rung " + std::to_string(report.steps[i].number) + " at " +
                    rate_text(report.steps[i].figures.rate_per_s) +
                    " passed again above the failure (a noisy service: repeat the ladder)";
      break;
    }
  }
}

}  // namespace replay::capacity
