#include "abort_rules.hpp"

#include <doctest/doctest.h>

namespace replay::cli {

TEST_CASE(
    "AbortRules: judged on the figures so far, not before a second closed nor after the end") {
  auto rules = AbortRules::parse({"p99<50ms", "errors<10%"});
  REQUIRE(rules.ok());
  histogram::Histogram so_far;
  for (int i = 0; i < 100; ++i) so_far.record(200'000);  // 200 ms each
  engine::LiveCounts counts;
  counts.requests_of(0, 0).status_classes[2] = 100;
  engine::Progress p;
  p.elapsed_s = 3.0;
  p.counts = &counts;
  p.corrected_so_far = &so_far;

  p.latency_second = -1;  // no second closed yet
  CHECK_FALSE(rules->check(p));
  p.latency_second = 1;
  p.last = true;  // the run has ended: nothing to stop
  CHECK_FALSE(rules->check(p));
  CHECK_FALSE(rules->crossed());
  p.last = false;
  CHECK(rules->check(p));
  REQUIRE(rules->crossed());
  CHECK(rules->crossed()->expression == "p99<50ms");
  CHECK(rules->crossed()->observed.rfind("aborted the run at 3.0s: p99 = 200", 0) == 0);
  CHECK_FALSE(rules->check(p));  // once

  auto errors = AbortRules::parse({"errors<10%"});
  REQUIRE(errors.ok());
  counts.requests_of(0, 0).failed = 20;  // 20 of 120 ended without a response
  CHECK(errors->check(p));
  CHECK(errors->crossed()->observed == "aborted the run at 3.0s: errors = 16.67%");

  CHECK_FALSE(AbortRules::parse({"ttfb.p99<1s"}).ok());
  CHECK(AbortRules::parse({}).value().empty());
}

}  // namespace replay::cli
