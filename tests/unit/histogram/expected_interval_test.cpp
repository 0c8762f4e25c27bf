#include <doctest/doctest.h>

#include "replay/histogram/expected_interval.hpp"

using replay::histogram::add_with_expected_interval;
using replay::histogram::Histogram;

TEST_CASE("expected interval: values within the interval are kept as they are") {
  Histogram measured;
  for (int i = 0; i < 100; ++i) measured.record(50);
  Histogram into;
  add_with_expected_interval(into, measured, 100);
  CHECK(into.count() == 100);
  CHECK(into.max() == 50);
}

TEST_CASE("expected interval: a stall adds the requests a steady schedule would have sent") {
  // HdrHistogram's own example: 10,000 values of 1 ms at an interval of 1 ms... and one 100 ms
  // stall, which hides 99 requests due each ms behind it (99, 98, ... 1 ms).
  Histogram measured;
  for (int i = 0; i < 10'000; ++i) measured.record(1'000);
  measured.record(100'000);
  Histogram into;
  add_with_expected_interval(into, measured, 1'000);
  CHECK(into.count() == 10'000 + 1 + 99);
  CHECK(into.max() == 100'000);  // a bucket's value, at most the measured max
  // The missed values are spread from 99 ms down to 1 ms: their median is near 50 ms.
  Histogram missed;
  add_with_expected_interval(
      missed,
      [] {
        Histogram stall;
        stall.record(100'000);
        return stall;
      }(),
      1'000);
  CHECK(missed.count() == 100);
  CHECK(missed.value_at_percentile(50) == doctest::Approx(50'000).epsilon(0.02));
  CHECK(missed.min() == 1'000);
}

TEST_CASE("expected interval: long stalls at a short interval are counted exactly, quickly") {
  Histogram measured;
  measured.record_n(60'000'000, 3);  // three 60 s stalls (bucket value just above 60 s)
  Histogram into;
  add_with_expected_interval(into, measured, 10);
  const int64_t v = std::min(Histogram::highest_equivalent_value(60'000'000), measured.max());
  CHECK(into.count() == 3 * static_cast<uint64_t>(v / 10));  // v itself, then k = 1..v/10-1
  CHECK(into.min() == 10);
  CHECK(into.value_at_percentile(50) == doctest::Approx(30'000'000).epsilon(0.01));
}

TEST_CASE("expected interval: no interval adds the histogram unchanged") {
  Histogram measured;
  measured.record(7);
  measured.record(70'000);
  Histogram into;
  add_with_expected_interval(into, measured, 0);
  CHECK(into == measured);
}
