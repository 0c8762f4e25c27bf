// Custom metrics: values counted from captured text, summed, histogrammed and merged exactly.

#include "replay/histogram/metric_tally.hpp"

#include <doctest/doctest.h>

using namespace replay::histogram;

TEST_CASE("a metric counts numbers, and text that is no finite number as non-numeric") {
  MetricTally m;
  m.name = "tokens";
  for (const char* text : {"120", " 30 ", "2.5", "-7", "1e3"}) m.add_text(text);
  for (const char* text : {"", "n/a", "12abc", "true", "inf", "nan", "{\"a\":1}"}) m.add_text(text);
  CHECK(m.count == 5);
  CHECK(m.sum == doctest::Approx(120 + 30 + 2.5 - 7 + 1000));
  CHECK(m.min == -7);
  CHECK(m.max == 1000);
  CHECK(m.mean() == doctest::Approx(1145.5 / 5));
  CHECK(m.non_numeric == 7);
  CHECK(m.missing == 0);
  CHECK_FALSE(m.values);  // a sum metric keeps no histogram
}

TEST_CASE("a histogram metric keeps its values' distribution, rounded and clamped at 0") {
  MetricTally m;
  m.kind = MetricKind::histogram;
  for (int v = 1; v <= 100; ++v) m.add_value(v);
  m.add_value(-3.0);  // counted 0 in the histogram, exactly in the sum and min
  m.add_value(2.6);   // 3
  REQUIRE(m.values);
  CHECK(m.values->count() == 102);
  CHECK(m.values->min() == 0);
  CHECK(m.values->value_at_percentile(50) == 49);  // the 51st of 0, 1, 2, 3, 3, 4 .. 100
  CHECK(m.values->value_at_percentile(99) == 99);
  CHECK(m.min == -3.0);
  CHECK(m.sum == doctest::Approx(5050 - 3 + 2.6));
}

TEST_CASE("no value yet: mean, min and max are 0") {
  MetricTally m;
  m.add_text("x");
  CHECK(m.count == 0);
  CHECK(m.mean() == 0);
  CHECK(m.min == 0);
  CHECK(m.max == 0);
}

TEST_CASE("merging two tallies equals adding every value to one") {
  MetricTally a, b, all;
  for (MetricTally* m : {&a, &b, &all}) m->kind = MetricKind::histogram;
  for (int v : {5, 9, 40}) {
    a.add_value(v);
    all.add_value(v);
  }
  for (int v : {1, 70}) {
    b.add_value(v);
    all.add_value(v);
  }
  b.add_text("oops");
  all.add_text("oops");
  ++b.missing;
  ++all.missing;
  a.merge(b);
  CHECK(a == all);
  CHECK(a.min == 1);
  CHECK(a.max == 70);

  MetricTally empty;
  empty.kind = MetricKind::histogram;
  MetricTally copy = a;
  copy.merge(empty);  // an empty tally changes nothing, min included
  CHECK(copy == a);
  empty.merge(a);
  CHECK(empty == a);
}

TEST_CASE("a scope's metrics are found by name and merged by name") {
  MetricTallies x, y;
  x.get("tokens", MetricKind::sum).add_value(10);
  x.get("tokens", MetricKind::histogram).add_value(5);  // found: its kind stays sum
  CHECK(x.items.size() == 1);
  CHECK(x.items[0].kind == MetricKind::sum);
  y.get("cost", MetricKind::histogram).add_value(2);
  y.get("tokens", MetricKind::sum).add_value(1);
  x.merge(y);
  REQUIRE(x.items.size() == 2);
  CHECK(x.find("tokens")->sum == 16);
  CHECK(x.find("tokens")->count == 3);
  CHECK(x.find("cost")->kind == MetricKind::histogram);
  CHECK(x.find("cost")->values->count() == 1);
  CHECK(x.find("nope") == nullptr);
  CHECK(parse_metric_kind("sum") == MetricKind::sum);
  CHECK(parse_metric_kind("histogram") == MetricKind::histogram);
  CHECK_FALSE(parse_metric_kind("avg"));
  CHECK(std::string(metric_kind_name(MetricKind::histogram)) == "histogram");
}
