// --fail-on rules and the comparison: a rule is crossed only when the change is beyond its
// tolerance and significant; scopes, notes and the verdict line.

#include "replay/results/comparison.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "comparison_docs.hpp"
#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;
using replay::testing::Sample;

namespace {

PooledRuns pool_of(const std::vector<Sample>& samples, const std::string& source) {
  ResultDoc doc = testing::make_run(samples);
  doc.source = source;
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

std::vector<Sample> mix(int64_t a_us, int64_t b_us, int count = 3000, uint64_t seed = 1) {
  auto samples = testing::spread_samples(count, 10, a_us, "GET /a", seed);
  auto b = testing::spread_samples(count / 3, 10, b_us, "POST /b", seed + 100, "b");
  samples.insert(samples.end(), b.begin(), b.end());
  return samples;
}

}  // namespace

TEST_CASE("parse_fail_on reads scope, metric, direction and tolerance") {
  auto p99 = parse_fail_on("p99>+10%").value();
  CHECK(p99.scope.empty());
  CHECK(p99.metric == MetricKind::percentile);
  CHECK(p99.percentile == 99);
  CHECK(p99.above);
  CHECK(p99.unit == ToleranceUnit::relative);
  CHECK(p99.tolerance == doctest::Approx(0.10));

  auto errors = parse_fail_on("errors>+0.5pp").value();
  CHECK(errors.metric == MetricKind::errors);
  CHECK(errors.unit == ToleranceUnit::points);
  CHECK(errors.tolerance == doctest::Approx(0.005));

  auto rate = parse_fail_on("rate<-5%").value();
  CHECK_FALSE(rate.above);
  CHECK(rate.tolerance == doctest::Approx(-0.05));
  CHECK(parse_fail_on("rate<5%").value().tolerance == doctest::Approx(-0.05));
  CHECK(parse_fail_on("rate<-20/s").value().unit == ToleranceUnit::per_s);

  auto scoped = parse_fail_on("GET /api/v1/plans/{id}:p99.9>+20ms").value();
  CHECK(scoped.scope == "GET /api/v1/plans/{id}");
  CHECK(scoped.percentile == 99.9);
  CHECK(scoped.unit == ToleranceUnit::micros);
  CHECK(scoped.tolerance == 20'000);

  for (const char* bad : {"p99", "p99>", "p0>+1%", "p101>+1%", "latency>+1%", ":p99>+1%",
                          "p99>+1pp", "rate<-5ms", "errors>+5ms", "p99>+fast", "p99>+-1%"}) {
    auto r = parse_fail_on(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) {
      CHECK(r.error().code == Errc::invalid_argument);
      CHECK(r.error().context.find(std::string("fail-on '") + bad + "'") == 0);
    }
  }
}

TEST_CASE("no change: nothing significant, no rule crossed") {
  const PooledRuns before = pool_of(mix(20'000, 50'000, 3000, 1), "before.json");
  const PooledRuns after = pool_of(mix(20'000, 50'000, 3000, 2), "after.json");
  auto c =
      compare_runs(before, after, rules_of({"p99>+10%", "p50>+5%", "errors>+0.5pp", "rate<-5%"}));
  REQUIRE(c.ok());
  CHECK_FALSE(c->regressed());
  CHECK(c->rules.size() == 20);  // each overall, on 2 endpoints and 2 tags
  for (const auto& m : c->overall.metrics) CHECK_MESSAGE(m.direction == 0, m.name);
  CHECK(c->verdict().find("OK: no --fail-on rule crossed (4 checked)") == 0);
}

TEST_CASE("a 30 % slower endpoint crosses p99>+10% on it and overall, not the other endpoint") {
  const PooledRuns before = pool_of(mix(20'000, 50'000), "before.json");
  const PooledRuns after = pool_of(mix(20'000, 65'000, 3000, 2), "after.json");
  auto c = compare_runs(
      before, after,
      rules_of({"POST /b:p99>+10%", "GET /a:p99>+10%", "b:p50>+10%", "errors>+0.5pp"}));
  REQUIRE(c.ok());
  CHECK(c->regressed());
  REQUIRE(c->rules.size() == 8);  // the last rule overall, on both endpoints and both tags
  CHECK(c->rules[0].crossed);
  CHECK(c->rules[0].scope == "POST /b");
  CHECK(c->rules[0].detail.find("p99 +") == 0);
  CHECK_FALSE(c->rules[1].crossed);
  CHECK(c->rules[2].crossed);
  CHECK(c->rules[2].scope == "b");
  for (size_t i = 3; i < 8; ++i) CHECK_FALSE(c->rules[i].crossed);
  const MetricChange* p50 = c->endpoints[1].find("p50");
  REQUIRE(p50 != nullptr);
  CHECK(p50->relative == doctest::Approx(0.30).epsilon(0.05));
  CHECK(p50->direction == 1);
  CHECK(c->endpoints[1].distribution.superiority > 0.8);
  CHECK(c->verdict().find(
            "REGRESSION: 2 of 4 --fail-on checks crossed: POST /b:p99>+10% on POST /b") == 0);
  // Rules' percentiles join the table.
  auto p95 = compare_runs(before, after, rules_of({"*:p95>+50%"}));
  REQUIRE(p95.ok());
  CHECK(p95->overall.find("p95") != nullptr);
  CHECK(p95->rules.size() == 2);  // one per endpoint
  CHECK_FALSE(p95->regressed());
}

TEST_CASE("a change beyond the tolerance that is not significant does not cross") {
  const PooledRuns before = pool_of(testing::spread_samples(6, 3, 20'000, "GET /a", 1), "b.json");
  const PooledRuns after = pool_of(testing::spread_samples(6, 3, 24'000, "GET /a", 2), "a.json");
  auto c = compare_runs(before, after, rules_of({"p50>+5%"}));
  REQUIRE(c.ok());
  CHECK_FALSE(c->regressed());
  CHECK(c->rules[0].detail.find("beyond the tolerance but not significant") != std::string::npos);
  bool few_note = false;
  for (const auto& n : c->notes) few_note = few_note || n.find("fewer than 30") == 0;
  CHECK(few_note);
}

TEST_CASE("errors and rate rules") {
  auto errors_after = mix(20'000, 50'000, 3000, 2);
  for (size_t i = 0; i < errors_after.size(); i += 25) errors_after[i].status = 503;  // 4 %
  const PooledRuns before = pool_of(mix(20'000, 50'000), "before.json");
  const PooledRuns after = pool_of(errors_after, "after.json");
  auto c = compare_runs(before, after, rules_of({"errors>+0.5pp", "errors>+10pp", "rate<-5%"}));
  REQUIRE(c.ok());
  REQUIRE(c->rules.size() == 15);  // each overall, on 2 endpoints and 2 tags
  CHECK(c->rules[0].crossed);
  CHECK(c->rules[0].scope.empty());
  CHECK(c->rules[1].crossed);  // GET /a's errors rose as much
  CHECK(c->rules[5].rule == "errors>+10pp");
  for (size_t i = 5; i < 15; ++i) CHECK_FALSE(c->rules[i].crossed);
  const MetricChange* e = c->overall.find("errors");
  CHECK(e->before == 0);
  CHECK(e->after == doctest::Approx(0.04));
  CHECK(std::isnan(e->relative));
  // A scope whose latency did not move is named by what did.
  CHECK(c->verdict().find("significantly worse: GET /a errors +4.00pp (significant), POST /b "
                          "errors +4.00pp (significant)") != std::string::npos);

  // Half the requests over the same time: the achieved rate halves.
  const PooledRuns slower = pool_of(mix(20'000, 50'000, 1500, 3), "slow.json");
  auto r = compare_runs(before, slower, rules_of({"rate<-5%"}));
  REQUIRE(r.ok());
  CHECK(r->rules[0].crossed);
  CHECK(r->overall.find("rate")->relative == doctest::Approx(-0.5).epsilon(0.01));
}

TEST_CASE("rules naming unknown scopes are refused; scopes missing on one side cross") {
  const PooledRuns before = pool_of(mix(20'000, 50'000), "before.json");
  const PooledRuns after = pool_of(testing::spread_samples(3000, 10, 20'000), "after.json");
  auto unknown = compare_runs(before, after, rules_of({"nope:p99>+10%"}));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().context ==
        "fail-on 'nope:p99>+10%': no tag or endpoint 'nope' in either run");
  auto gone = compare_runs(before, after, rules_of({"POST /b:p99>+10%"}));
  REQUIRE(gone.ok());
  CHECK(gone->rules[0].crossed);
  CHECK(gone->rules[0].detail == "POST /b is missing in the after run(s)");
  bool only_note = false;
  for (const auto& n : gone->notes)
    only_note = only_note || n == "endpoint POST /b is only in the before run(s)";
  CHECK(only_note);
}

TEST_CASE("a note says when the corrected latency includes failures as lower bounds") {
  auto failing = mix(20'000, 50'000, 3000, 2);
  failing[5].outcome = "reset";
  failing[9].outcome = "timeout";
  const PooledRuns before = pool_of(mix(20'000, 50'000), "before.json");
  const PooledRuns after = pool_of(failing, "after.json");
  auto c = compare_runs(before, after, {});
  REQUIRE(c.ok());
  auto has_note = [](const Comparison& x, const std::string& text) {
    for (const auto& n : x.notes) {
      if (n == text) return true;
    }
    return false;
  };
  CHECK(has_note(c.value(),
                 "the corrected latency includes failed requests at their failure time (lower "
                 "bounds): 0 before, 2 after"));
  auto same = compare_runs(before, before, {});
  REQUIRE(same.ok());
  for (const auto& n : same->notes) CHECK(n.find("lower bounds") == std::string::npos);
}

TEST_CASE("send lag's parts are compared as replay's side, never in the service's verdict") {
  // The same service; after, replay sent every request 40 ms late (its scheduler lag).
  auto late = mix(20'000, 50'000, 3000, 2);
  for (auto& x : late) x.scheduler_lag_us = 40'000;
  const PooledRuns before = pool_of(mix(20'000, 50'000), "before.json");
  const PooledRuns after = pool_of(late, "after.json");
  REQUIRE(after.saturations[0].generator_limited);
  auto c = compare_runs(before, after, rules_of({"p99>+1%", "p50>+1%"}));
  REQUIRE(c.ok());

  // Each part and send lag itself, p50 and p99, in result.json's names.
  std::vector<std::string> names;
  for (const auto& m : c->overall.replay_side) names.push_back(m.name);
  CHECK(names == std::vector<std::string>{"send_lag p50", "send_lag p99", "scheduler_lag p50",
                                          "scheduler_lag p99", "connection_wait p50",
                                          "connection_wait p99", "connect p50", "connect p99"});
  const MetricChange& scheduler = c->overall.replay_side[3];
  CHECK(scheduler.significant);
  CHECK(scheduler.direction == 1);
  CHECK(scheduler.after >= 40'000);
  CHECK(c->overall.replay_side[1].direction == 1);  // send lag p99 grew with it
  CHECK(c->overall.replay_side[5].direction == 0);  // connection wait did not move

  // Not a service regression: no rule crossed, no significant change overall, and the rules and
  // scopes find no replay-side metric.
  CHECK_FALSE(c->regressed());
  CHECK(c->verdict() == "OK: no --fail-on rule crossed (2 checked); no significant change overall");
  CHECK(c->verdict().find("lag") == std::string::npos);
  CHECK(c->overall.find("scheduler_lag p99") == nullptr);
  for (const auto& e : c->endpoints) CHECK(e.replay_side.empty());

  // Listed as information: the limit the after run hit, and the change of replay's side.
  bool limited = false, changed = false;
  for (const auto& n : c->notes) {
    limited = limited || n.find("after run after.json: GENERATOR-LIMITED: ") == 0;
    if (n.find("replay's own send lag changed significantly (replay's side, not the service's; "
               "not in the verdict): ") == 0) {
      changed = n.find("scheduler_lag p99 ") != std::string::npos &&
                n.find("connection_wait") == std::string::npos;
    }
  }
  CHECK(limited);
  CHECK(changed);

  // Unchanged: no note on replay's side.
  auto same = compare_runs(before, before, {});
  REQUIRE(same.ok());
  for (const auto& n : same->notes) CHECK(n.find("send lag") == std::string::npos);
  for (const auto& m : same->overall.replay_side) CHECK(m.direction == 0);

  // Results written before the split compare send lag alone.
  PooledRuns old = before;
  old.doc.overall.scheduler_lag = old.doc.overall.connection_wait = old.doc.overall.connect =
      Histogram();
  auto mixed = compare_runs(old, old, {});
  REQUIRE(mixed.ok());
  REQUIRE(mixed->overall.replay_side.size() == 2);
  CHECK(mixed->overall.replay_side[0].name == "send_lag p50");
}

TEST_CASE("two endpoints 30 % slower under an unchanged overall: named in the verdict, crossed") {
  const PooledRuns before = testing::pool_side(testing::release_samples(20'000, 1), "before.json");
  const PooledRuns after = testing::pool_side(testing::release_samples(26'000, 2), "after.json");

  // Without rules: every significant regression of a scope is in the verdict, exit stays 0.
  auto plain = compare_runs(before, after, {});
  REQUIRE(plain.ok());
  for (const auto& m : plain->overall.metrics) CHECK_MESSAGE(m.direction == 0, m.name);
  CHECK_FALSE(plain->regressed());
  const std::string v = plain->verdict();
  CHECK(v.find("WORSE: GET /plans/{id} p99 +") == 0);
  CHECK(v.find("% (significant), POST /webhooks p99 +") != std::string::npos);
  CHECK(v.find(", tag plans p99 +") != std::string::npos);
  CHECK(v.find(", tag webhook p99 +") != std::string::npos);
  CHECK(v.find("chat") == std::string::npos);
  CHECK(v.find("; overall no significant change; no --fail-on rules") != std::string::npos);
  // The model lists each worse metric of each scope, endpoints before tags.
  REQUIRE_FALSE(plain->regressions.empty());
  CHECK(plain->regressions.front().scope == "GET /plans/{id}");
  CHECK(plain->regressions.front().scope_kind == "endpoint");
  CHECK(plain->regressions.back().scope_kind == "tag");
  bool plans_p99 = false;
  for (const auto& r : plain->regressions) {
    CHECK(r.metric.direction == 1);
    CHECK(r.scope.find("chat") == std::string::npos);
    if (r.scope == "GET /plans/{id}" && r.metric.name == "p99") {
      plans_p99 = true;
      CHECK(r.metric.relative == doctest::Approx(0.30).epsilon(0.05));
      CHECK(r.metric.p_value < 0.01);
    }
  }
  CHECK(plans_p99);

  // A rule without a scope is checked overall and on every endpoint and tag: it crosses on the
  // two endpoints and their tags, so the exit code is 99 like an overall regression's.
  auto ruled = compare_runs(before, after, rules_of({"p99>+10%"}));
  REQUIRE(ruled.ok());
  CHECK(ruled->regressed());
  REQUIRE(ruled->rules.size() == 7);  // overall, 3 endpoints, 3 tags
  CHECK(ruled->rules[0].scope.empty());
  CHECK_FALSE(ruled->rules[0].crossed);
  std::vector<std::string> crossed;
  for (const auto& r : ruled->rules) {
    if (r.crossed) crossed.push_back(r.scope_kind + " " + r.scope);
  }
  CHECK(crossed == std::vector<std::string>{"endpoint GET /plans/{id}", "endpoint POST /webhooks",
                                            "tag plans", "tag webhook"});
  CHECK(ruled->verdict().find("REGRESSION: 1 of 1 --fail-on checks crossed: p99>+10% on GET "
                              "/plans/{id}: p99 +") == 0);
  CHECK(ruled->verdict().find("; and 1 more; significantly worse: GET /plans/{id} p99 +") !=
        std::string::npos);
  CHECK(ruled->verdict().find("; overall no significant change") != std::string::npos);

  // Scoped to the chat endpoint, the rule is not crossed, but the verdict still names the rest.
  auto chat = compare_runs(before, after, rules_of({"POST /api/v1/chat:p99>+10%"}));
  REQUIRE(chat.ok());
  CHECK_FALSE(chat->regressed());
  CHECK(chat->verdict().find("WORSE: GET /plans/{id} p99 +") == 0);
  CHECK(chat->verdict().find("; no --fail-on rule crossed (1 checked)") != std::string::npos);
}

TEST_CASE("configurations that differ are listed, not the target or the seed") {
  PooledRuns before = testing::pool_side(mix(20'000, 50'000), "before.json", 2);
  auto after_samples = mix(20'000, 50'000, 3000, 2);
  after_samples[0].tag = "new-tag";
  PooledRuns after = testing::pool_side(after_samples, "after.json", 4);
  for (auto& e : after.doc.config) {
    if (e.key == "rate") e = {"rate", "\"200/s\"", "200/s"};
    if (e.key == "target") e = {"target", "\"http://new:8000\"", "http://new:8000"};
    if (e.key == "seed") e = {"seed", "7", "7"};
  }
  auto c = compare_runs(before, after, {});
  REQUIRE(c.ok());
  std::vector<std::string> keys;
  for (const auto& m : c->config_mismatch) keys.push_back(m.key);
  CHECK(keys == std::vector<std::string>{"rate", "threads", "tags"});
  REQUIRE(c->config_mismatch.size() == 3);
  CHECK(c->config_mismatch[0].before_json == "\"100/s\"");
  CHECK(c->config_mismatch[0].after_json == "\"200/s\"");
  CHECK(c->config_mismatch[0].describe() ==
        "the runs differ in config.rate: 100/s before, 200/s after");
  CHECK(c->config_mismatch[1].describe() == "the runs differ in config.threads: 2 before, 4 after");
  CHECK(c->config_mismatch[2].before_json == "[\"b\",\"t\"]");
  CHECK(c->config_mismatch[2].after_json == "[\"b\",\"new-tag\",\"t\"]");
  CHECK(c->config_mismatch[2].describe() ==
        "the runs differ in the tags they saw: b, t before, b, new-tag, t after");
  const std::string v = c->verdict();
  const std::string warning = "; warning: the configurations differ in rate, threads, tags";
  CHECK(v.rfind(warning) == v.size() - warning.size());
  for (const auto& n : c->notes) CHECK(n.find("differ") == std::string::npos);

  // A field one side lacks is a mismatch too; the same configuration none.
  std::erase_if(after.doc.config, [](const ConfigEntry& e) { return e.key == "skip"; });
  auto lacking = compare_runs(before, after, {});
  REQUIRE(lacking.ok());
  REQUIRE(lacking->config_mismatch.size() == 4);
  CHECK(lacking->config_mismatch[2].key == "skip");
  CHECK(lacking->config_mismatch[2].after_json == "null");
  CHECK(lacking->config_mismatch[2].describe().find(" after") != std::string::npos);
  auto same = compare_runs(before, before, {});
  REQUIRE(same.ok());
  CHECK(same->config_mismatch.empty());
  CHECK(same->verdict().find("warning") == std::string::npos);
}
