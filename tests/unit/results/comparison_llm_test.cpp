// LLM streams in a comparison: ttft, tpot and itl p50/p99 beside the corrected percentiles,
// and --fail-on rules on them ("ttft.p99>+10%").

#include <doctest/doctest.h>

#include <random>

#include "replay/results/comparison.hpp"
#include "replay/results/merge.hpp"
#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;

namespace {

// A run of plain samples whose overall scope also had 2000 streams with TTFT around `ttft_us`.
PooledRuns pool_with_ttft(int64_t ttft_us, uint64_t seed, const std::string& source) {
  ResultDoc doc = testing::make_run(testing::spread_samples(2000, 10, 20'000, "GET /a", seed));
  doc.source = source;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> jitter(0, ttft_us / 10);
  LlmScope l;
  for (int i = 0; i < 2000; ++i) {
    l.ttft_us.record(ttft_us + jitter(rng));
    l.tpot_us.record(10'000 + jitter(rng) / 100);
    l.itl_us.record(30'000 + jitter(rng) / 100);
  }
  l.streams = 2000;
  doc.overall.llm = l;
  auto pool = pool_runs({std::move(doc)});
  REQUIRE(pool.ok());
  return std::move(pool).value();
}

std::vector<FailOnRule> rules_of(std::initializer_list<const char*> texts) {
  std::vector<FailOnRule> out;
  for (const char* t : texts) {
    auto r = parse_fail_on(t);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().context));
    out.push_back(r.value());
  }
  return out;
}

}  // namespace

TEST_CASE("parse_fail_on: LLM histograms at p50 and p99") {
  auto r = parse_fail_on("chat:ttft.p99>+10%").value();
  CHECK(r.scope == "chat");
  CHECK(r.histogram == "ttft");
  CHECK(r.percentile == 99);
  CHECK(parse_fail_on("p99.9>+5%").value().histogram.empty());
  CHECK(parse_fail_on("ttft.p95>+10%").error().context.find("p50 and p99 only") !=
        std::string::npos);
  CHECK(parse_fail_on("ttfx.p99>+10%").error().context.find("unknown histogram 'ttfx'") !=
        std::string::npos);
}

TEST_CASE("a doubled TTFT crosses ttft.p99>+10%, while the corrected latency did not move") {
  const PooledRuns before = pool_with_ttft(100'000, 1, "before.json");
  const PooledRuns after = pool_with_ttft(200'000, 2, "after.json");
  auto c = compare_runs(before, after, rules_of({"ttft.p99>+10%", "tpot.p50>+10%", "p99>+10%"}));
  REQUIRE(c.ok());
  const MetricChange* ttft = c->overall.find("ttft p99");
  REQUIRE(ttft);
  CHECK(ttft->significant);
  CHECK(ttft->direction == 1);
  CHECK(ttft->relative == doctest::Approx(1.0).epsilon(0.1));
  REQUIRE(c->overall.find("tpot p50"));
  CHECK(c->overall.find("itl p99"));
  CHECK(c->regressed());
  bool ttft_crossed = false, tpot_crossed = false, p99_crossed = false;
  for (const auto& r : c->rules) {
    if (r.scope_kind != "overall") continue;
    ttft_crossed = ttft_crossed || (r.rule == "ttft.p99>+10%" && r.crossed);
    tpot_crossed = tpot_crossed || (r.rule == "tpot.p50>+10%" && r.crossed);
    p99_crossed = p99_crossed || (r.rule == "p99>+10%" && r.crossed);
  }
  CHECK(ttft_crossed);
  CHECK_FALSE(tpot_crossed);
  CHECK_FALSE(p99_crossed);
  // An endpoint without streams has no ttft figures: the rule is not crossed there.
  for (const auto& r : c->rules) {
    if (r.rule == "ttft.p99>+10%" && r.scope_kind == "endpoint") {
      CHECK_FALSE(r.crossed);
      CHECK(r.detail.find("no ttft figures") != std::string::npos);
    }
  }
}
