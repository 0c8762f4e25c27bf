// The views of a capacity search: the verdict's line, capacity.json (format replay-capacity
// version 1, read back with simdjson) and the HTML curve.

#include <doctest/doctest.h>
#include <simdjson.h>

#include "replay/capacity/capacity_report.hpp"

using namespace replay::capacity;

namespace {

StepReport step(size_t number, double rate, double achieved, int64_t p99_us, StepReason reason,
                std::string why = "") {
  StepReport s;
  s.number = number;
  s.figures.rate_per_s = rate;
  s.figures.offered_per_s = rate;
  s.figures.achieved_per_s = achieved;
  s.figures.completed = static_cast<uint64_t>(achieved * 3);
  s.figures.p50_us = p99_us / 2;
  s.figures.p99_us = p99_us;
  s.reason = reason;
  s.why = why.empty() ? "every SLO held" : why;
  return s;
}

// Runs the search over `steps` (recording each as the search would) and finishes the report.
CapacityReport report_of(std::vector<StepReport> steps, SearchOptions options) {
  CapacityReport report;
  report.replay_version = "test";
  report.settings.trace = "webhook.zst";
  report.settings.target = "http://127.0.0.1:1";
  report.settings.slos = {"p99<50ms", "errors<1%"};
  report.settings.window = {1, 3};
  CapacitySearch search(options);
  for (auto& s : steps) {
    search.record(s.figures.rate_per_s, s.result());
    report.steps.push_back(std::move(s));
  }
  finish_report(report, search);
  return report;
}

}  // namespace

TEST_CASE("a bracketed search claims the highest passing step's achieved rate") {
  auto report = report_of(
      {step(1, 200, 199.5, 12'000, StepReason::pass), step(2, 400, 398.2, 14'000, StepReason::pass),
       step(3, 800, 401.0, 2'100'000, StepReason::slo, "p99<50ms crossed: p99 = 2100.00ms"),
       step(4, 600, 402.0, 900'000, StepReason::slo, "p99<50ms crossed"),
       step(5, 500, 400.1, 300'000, StepReason::slo, "p99<50ms crossed"),
       step(6, 450, 401.3, 90'000, StepReason::slo, "p99<50ms crossed"),
       step(7, 410, 405.0, 60'000, StepReason::slo, "p99<50ms crossed")},
      {.start_per_s = 200, .precision = 0.05});
  CHECK(report.end == SearchEnd::capacity_found);
  REQUIRE(report.capacity_per_s());
  CHECK(*report.capacity_per_s() == doctest::Approx(398.2));
  CHECK(report.why.find("capacity 398.2/s: 398.2/s achieved at 400.0/s offered (step 2)") == 0);
  CHECK(report.why.find("410.0/s failed: p99<50ms crossed") != std::string::npos);

  const std::string json = format_capacity_json(report);
  simdjson::dom::parser parser;
  auto doc = parser.parse(json);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(std::string_view(doc["format"]) == "replay-capacity");
  CHECK(int64_t(doc["version"]) == 1);
  CHECK(double(doc["capacity_per_s"]) == doctest::Approx(398.2));
  CHECK(uint64_t(doc["capacity_step"]) == 2);
  CHECK(std::string_view(doc["verdict"]) == "capacity_found");
  CHECK(double(doc["lowest_failing_rate_per_s"]) == 410);
  simdjson::dom::array steps = doc["steps"];
  CHECK(steps.size() == 7);
  CHECK(bool(steps.at(0)["passed"]));
  CHECK(std::string_view(steps.at(2)["reason"]) == "slo");
  CHECK(int64_t(steps.at(2)["latency_us"]["p99"]) == 2'100'000);
  CHECK(std::string_view(doc["settings"]["slos"].at(0)) == "p99<50ms");
  CHECK(int64_t(doc["settings"]["step_s"]) == 3);

  const std::string html = render_capacity_html(report);
  CHECK(html.find("<svg id=\"capacity-curve\"") != std::string::npos);
  CHECK(html.find("capacity 398.2/s") != std::string::npos);  // the marker's label
  CHECK(html.find("SLO p99&lt;50ms") != std::string::npos);   // the SLO line in the legend
  CHECK(html.find("pass (capacity)") != std::string::npos);
}

TEST_CASE("client-limited: the verdict says so and claims no capacity") {
  auto report = report_of(
      {step(1, 50, 50, 11'000, StepReason::pass), step(2, 100, 96, 11'000, StepReason::pass),
       step(3, 200, 97, 900'000, StepReason::client_limited,
            "CLIENT-LIMITED: requests waited for a connection")},
      {.start_per_s = 50});
  CHECK(report.end == SearchEnd::client_limited);
  CHECK_FALSE(report.capacity_per_s());
  CHECK(report.why.find("CLIENT-LIMITED at 200.0/s") == 0);
  CHECK(report.why.find("no capacity is claimed; the highest passing step held 96.0/s") !=
        std::string::npos);
  simdjson::dom::parser parser;
  auto doc = parser.parse(format_capacity_json(report));
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(doc["capacity_per_s"].is_null());
  CHECK(std::string_view(doc["verdict"]) == "client_limited");
  CHECK(double(doc["highest_passing_per_s"]) == 96);
  CHECK(format_step_line(report.steps[2]).find("CLIENT-LIMITED") != std::string::npos);
  CHECK(format_step_line(report.steps[0]).find("pass") != std::string::npos);
  CHECK(render_capacity_html(report).find("none claimed") != std::string::npos);
}

TEST_CASE("no step passed: the lowest failure is the reason") {
  auto report = report_of({step(1, 10, 2, 5'000'000, StepReason::slo, "p99<50ms crossed")},
                          {.start_per_s = 10, .max_steps = 1});
  CHECK(report.end == SearchEnd::no_pass);
  CHECK_FALSE(report.capacity_per_s());
  CHECK(report.why == "no step passed: the lowest rate tried, 10.0/s, failed: p99<50ms crossed");
  CHECK(format_step_line(report.steps[0]).find("FAIL p99<50ms crossed") != std::string::npos);
}
