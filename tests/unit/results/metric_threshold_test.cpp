// Thresholds on custom metrics: metric.NAME.STAT against a plain number, per scope.

#include <doctest/doctest.h>

#include <string>

#include "replay/results/threshold.hpp"

using namespace replay;
using namespace replay::results;

namespace {

ResultDoc doc_with_tokens() {
  ResultDoc doc;
  doc.elapsed_us = 1'000'000;
  doc.load_us = 1'000'000;
  doc.overall.completed = 10;
  histogram::MetricTally& tokens = doc.overall.metrics.get("tokens", histogram::MetricKind::sum);
  for (int v : {100, 200, 300}) tokens.add_value(v);
  tokens.add_text("n/a");
  ++tokens.missing;
  histogram::MetricTally& ms = doc.overall.metrics.get("ms", histogram::MetricKind::histogram);
  for (int v = 1; v <= 100; ++v) ms.add_value(v);
  doc.by_tag.push_back({"chat", doc.overall});
  doc.by_tag.push_back({"health", Scope{}});
  return doc;
}

std::string error_of(const char* text) {
  auto t = parse_threshold(text);
  return t ? "no error" : t.error().context;
}

}  // namespace

TEST_CASE("custom-metric thresholds parse: a scope, a statistic, a plain number, any comparison") {
  auto t = parse_threshold("chat:metric.tokens.sum<=1e6");
  REQUIRE(t);
  CHECK(t->metric == ThresholdMetric::custom);
  CHECK(t->scope == "chat");
  CHECK(t->metric_name == "tokens");
  CHECK(t->metric_stat == "sum");
  CHECK(t->op == ThresholdOp::less_equal);
  CHECK(t->limit == 1e6);
  auto p = parse_threshold("metric.ms.p99.9>=2.5");
  REQUIRE(p);
  CHECK(p->metric_stat == "p99.9");
  CHECK(p->percentile == doctest::Approx(99.9));
  CHECK(parse_threshold("metric.tokens.missing==0"));
  CHECK(parse_threshold("metric.tokens.non_numeric!=3"));
  CHECK(error_of("metric.tokens<5").find("metric.NAME.STAT") != std::string::npos);
  CHECK(error_of("metric.tokens.median<5").find("unknown metric statistic 'median'") !=
        std::string::npos);
  CHECK(error_of("metric.tokens.p0<5").find("unknown metric statistic 'p0'") != std::string::npos);
  CHECK(error_of("metric.tokens.sum<5ms").find("plain number") != std::string::npos);
}

TEST_CASE("custom-metric thresholds evaluate on the named scope's metric") {
  const ResultDoc doc = doc_with_tokens();
  auto check = [&](const char* text) { return check_threshold(std::string(text), doc); };
  CHECK(check("metric.tokens.sum==600").passed);
  CHECK(check("metric.tokens.sum==600").observed == "metric.tokens.sum = 600");
  CHECK_FALSE(check("metric.tokens.sum<600").passed);
  CHECK(check("chat:metric.tokens.count==3").passed);
  CHECK(check("metric.tokens.mean==200").passed);
  CHECK(check("metric.tokens.min==100").passed);
  CHECK(check("metric.tokens.max==300").passed);
  CHECK(check("metric.tokens.non_numeric==1").passed);
  CHECK(check("metric.tokens.missing==1").passed);
  CHECK(check("metric.ms.p50==50").passed);
  CHECK(check("metric.ms.p95<=95").passed);
  CHECK_FALSE(check("metric.ms.p95<95").passed);
  // No data is no pass: a percentile of a sum metric, a scope without the metric, no scope.
  const auto sum_p95 = check("metric.tokens.p95<1000");
  CHECK_FALSE(sum_p95.passed);
  CHECK(sum_p95.observed.find("is a sum metric") != std::string::npos);
  const auto none = check("health:metric.tokens.sum<1");
  CHECK_FALSE(none.passed);
  CHECK(none.observed == "metric.tokens: no values (no capture of that name ran)");
  CHECK_FALSE(check("web:metric.tokens.sum<1").passed);
  ResultDoc texts;
  texts.overall.metrics.get("t", histogram::MetricKind::sum).add_text("x");
  const auto only_text = check_threshold(std::string("metric.t.sum<1"), texts);
  CHECK_FALSE(only_text.passed);
  CHECK(only_text.observed == "metric.t.sum: no numeric values");
  CHECK(check_threshold(std::string("metric.t.non_numeric==1"), texts).passed);
}
