#include <doctest/doctest.h>

#include "replay/engine/threshold.hpp"

using namespace replay;
using namespace replay::engine;

TEST_CASE("threshold expressions parse") {
  auto t = parse_threshold("p95<500ms").value();
  CHECK(t.scope.empty());
  CHECK(t.metric == ThresholdMetric::percentile);
  CHECK(t.percentile == 95);
  CHECK(t.op == ThresholdOp::less);
  CHECK(t.limit == 500000);

  t = parse_threshold("chat:p99.9<=2s").value();
  CHECK(t.scope == "chat");
  CHECK(t.percentile == doctest::Approx(99.9));
  CHECK(t.op == ThresholdOp::less_equal);

  t = parse_threshold("errors<1%").value();
  CHECK(t.metric == ThresholdMetric::errors);
  CHECK(t.limit == doctest::Approx(0.01));

  t = parse_threshold("rate>190/s").value();
  CHECK(t.metric == ThresholdMetric::rate);
  CHECK(t.op == ThresholdOp::greater);
  CHECK(t.limit == doctest::Approx(190));

  t = parse_threshold("GET /api/v1/plans/{id}:max<3s").value();
  CHECK(t.scope == "GET /api/v1/plans/{id}");
  CHECK(t.metric == ThresholdMetric::max);
}

TEST_CASE("bad thresholds name the problem") {
  CHECK(parse_threshold("p95").error().context.find("no comparison") != std::string::npos);
  CHECK(parse_threshold("p95<500").error().context.find("needs a unit") != std::string::npos);
  CHECK(parse_threshold("p101<1s").error().context.find("percentile") != std::string::npos);
  CHECK(parse_threshold("latency<1s").error().context.find("unknown metric") != std::string::npos);
  CHECK(parse_threshold("errors<1").error().context.find("percentage") != std::string::npos);
  CHECK(parse_threshold(":p95<1s").error().context.find("empty scope") != std::string::npos);
}

TEST_CASE("thresholds evaluate against a run's statistics") {
  RunResult run;
  run.elapsed_us = 10'500'000;
  run.load_us = 10'000'000;
  for (int s = 0; s < 11; ++s) {
    TimelineRow row;
    row.second = s;
    row.completed = s < 10 ? 100 : 0;  // 1000 completions over the 10 s of load
    run.timeline.push_back(row);
  }
  for (int i = 1; i <= 1000; ++i) run.overall.corrected.record(i * 1000);  // 1..1000 ms
  run.overall.completed = 1000;
  run.overall.status_classes[2] = 990;
  run.overall.status_classes[5] = 10;
  run.by_tag.push_back({"chat", run.overall});

  CHECK(evaluate_threshold(parse_threshold("p95<1s").value(), run).passed);
  CHECK_FALSE(evaluate_threshold(parse_threshold("p95<900ms").value(), run).passed);
  CHECK(evaluate_threshold(parse_threshold("chat:p50<=501ms").value(), run).passed);
  CHECK(evaluate_threshold(parse_threshold("errors<1.5%").value(), run).passed);
  CHECK_FALSE(evaluate_threshold(parse_threshold("errors<1%").value(), run).passed);
  CHECK(evaluate_threshold(parse_threshold("rate>99/s").value(), run).passed);
  CHECK_FALSE(evaluate_threshold(parse_threshold("rate>101/s").value(), run).passed);
  auto unknown = evaluate_threshold(parse_threshold("webhook:p99<1s").value(), run);
  CHECK_FALSE(unknown.passed);
  CHECK(unknown.observed.find("webhook") != std::string::npos);
}
