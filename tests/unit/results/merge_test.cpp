// Merging shards: exact histogram union, counts summed, timelines aligned on wall-clock,
// configurations checked; pooling runs for a comparison.

#include "replay/results/merge.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "replay/core/units.hpp"
#include "replay/results/html_report.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/result_writer.hpp"
#include "replay/results/saturation.hpp"
#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;
using replay::testing::Sample;

namespace {

constexpr int64_t kStart = 1'700'000'000'000;

ResultDoc with_config(ResultDoc doc, const std::string& key, const std::string& json,
                      const std::string& text) {
  for (auto& e : doc.config) {
    if (e.key == key) {
      e.json = json;
      e.text = text;
      return doc;
    }
  }
  doc.config.push_back({key, json, text});
  return doc;
}

ResultDoc shard(ResultDoc doc, int index, int count, const std::string& source) {
  doc.source = source;
  doc = with_config(std::move(doc), "shard_count", std::to_string(count), std::to_string(count));
  return with_config(std::move(doc), "shard_index", std::to_string(index), std::to_string(index));
}

}  // namespace

TEST_CASE("merging one result gives back that result") {
  const std::string json = testing::write_run_json(testing::spread_samples(500, 6, 30'000), kStart,
                                                   2, {"p99<100ms", "rate>50/s"});
  auto doc = parse_result_json(json, "one.json");
  REQUIRE(doc.ok());
  auto merged = merge_shards({doc.value()});
  REQUIRE(merged.ok());
  CHECK(testing::json_difference(json, format_result_doc(merged.value())) == "");
}

TEST_CASE("merging two shards equals the union of their histograms, counts and timelines") {
  auto a_samples = testing::spread_samples(600, 6, 20'000, "GET /a", 1);
  auto b_samples = testing::spread_samples(400, 6, 40'000, "GET /a", 2);
  auto b_extra = testing::spread_samples(50, 6, 5'000, "GET /only-b", 3);
  b_extra[0].status = 500;
  b_samples.insert(b_samples.end(), b_extra.begin(), b_extra.end());
  // Shard b started 2.2 s after shard a: its second 0 is a's second 2.
  ResultDoc a = shard(testing::make_run(a_samples, kStart, 2, {"p99<30ms"}), 0, 2, "a.json");
  ResultDoc b =
      shard(testing::make_run(b_samples, kStart + 2'200, 4, {"p99<30ms"}), 1, 2, "b.json");

  auto merged = merge_shards({a, b});
  REQUIRE_MESSAGE(merged.ok(), (merged.ok() ? "" : merged.error().context));
  const ResultDoc& m = merged.value();

  Histogram expected = a.overall.corrected;
  expected.merge(b.overall.corrected);
  CHECK(m.overall.corrected == expected);
  CHECK(m.overall.corrected.count() == 1050);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    CHECK(m.overall.corrected.value_at_percentile(p) == expected.value_at_percentile(p));
  }
  CHECK(m.overall.completed == 1050);
  CHECK(m.overall.errors == 1);
  CHECK(m.overall.status[5] == 1);
  CHECK(m.connections_opened == 8);
  CHECK(m.config_text("threads") == "6");
  CHECK(m.config_text("shard_index") == "0,1");
  CHECK(m.find_config("shard_index")->json == "[0,1]");
  CHECK(m.config_text("shard_count") == "2");
  REQUIRE(m.by_endpoint.size() == 2);
  CHECK(m.by_endpoint[0].scope.completed == 1000);
  CHECK(m.by_endpoint[1].name == "GET /only-b");
  CHECK(m.by_endpoint[1].scope.completed == 50);

  CHECK(m.started_unix_ms == kStart);
  CHECK(m.load_us == 2'200'000 + b.load_us);
  REQUIRE(m.timeline.size() == 8);  // a: seconds 0-5, b: 2-7
  uint64_t completed = 0;
  for (size_t i = 0; i < m.timeline.size(); ++i) {
    CHECK(m.timeline[i].second == static_cast<int64_t>(i));
    completed += m.timeline[i].completed;
  }
  CHECK(completed == 1050);
  CHECK(m.timeline[0].completed == a.timeline[0].completed);
  CHECK(m.timeline[2].completed == a.timeline[2].completed + b.timeline[0].completed);
  CHECK(m.timeline[7].completed == b.timeline[5].completed);
  CHECK(m.timeline[2].in_flight == a.timeline[2].in_flight + b.timeline[0].in_flight);
  auto second2 = Histogram::deserialise(a.timeline[2].corrected_hdr).value();
  second2.merge(Histogram::deserialise(b.timeline[0].corrected_hdr).value());
  CHECK(Histogram::deserialise(m.timeline[2].corrected_hdr).value() == second2);
  CHECK(m.timeline[2].p99_us == second2.value_at_percentile(99));

  // Tag timelines merge the same way (tag "t" only here).
  REQUIRE(m.timeline_by_tag.size() == 1);
  CHECK(m.timeline_by_tag[0].name == "t");
  REQUIRE(m.timeline_by_tag[0].rows.size() == 8);
  CHECK(m.timeline_by_tag[0].rows[2].completed ==
        a.timeline_by_tag[0].rows[2].completed + b.timeline_by_tag[0].rows[0].completed);
  CHECK(m.timeline_by_tag[0].rows[2].p99_us == second2.value_at_percentile(99));

  // Thresholds are re-evaluated on the merged data: a passes p99<30ms, b does not.
  REQUIRE(m.thresholds.size() == 1);
  CHECK(a.thresholds[0].passed);
  CHECK_FALSE(b.thresholds[0].passed);
  CHECK_FALSE(m.thresholds[0].passed);
  CHECK(m.thresholds[0].observed == "p99 = " + format_ms(expected.value_at_percentile(99)));

  // What merge writes reads back as the same document.
  auto again = parse_result_json(format_result_doc(m), "all.json");
  REQUIRE(again.ok());
  CHECK(again->overall.corrected == expected);
  CHECK(again->timeline.size() == 8);
}

TEST_CASE("endpoint timelines merge per endpoint and second, aligned like the run's timeline") {
  testing::RunEnding with_endpoints;
  with_endpoints.endpoint_timeline = true;
  auto a_samples = testing::spread_samples(600, 6, 20'000, "GET /a", 1);
  auto b_samples = testing::spread_samples(400, 6, 40'000, "GET /a", 2);
  auto b_extra = testing::spread_samples(50, 6, 5'000, "GET /only-b", 3);
  b_samples.insert(b_samples.end(), b_extra.begin(), b_extra.end());
  ResultDoc a = shard(testing::make_run(a_samples, kStart, 2, {}, with_endpoints), 0, 2, "a.json");
  ResultDoc b =
      shard(testing::make_run(b_samples, kStart + 2'200, 2, {}, with_endpoints), 1, 2, "b.json");
  auto merged = merge_shards({a, b});
  REQUIRE_MESSAGE(merged.ok(), (merged.ok() ? "" : merged.error().context));
  const ResultDoc& m = merged.value();
  REQUIRE(m.timeline_by_endpoint.size() == 2);
  const ScopeTimeline& both = m.timeline_by_endpoint[0];
  CHECK(both.name == "GET /a");
  REQUIRE(both.rows.size() == 8);  // a: seconds 0-5, b: 2-7
  CHECK(both.rows[2].completed ==
        a.timeline_by_endpoint[0].rows[2].completed + b.timeline_by_endpoint[0].rows[0].completed);
  auto second2 = Histogram::deserialise(a.timeline_by_endpoint[0].rows[2].corrected_hdr).value();
  second2.merge(Histogram::deserialise(b.timeline_by_endpoint[0].rows[0].corrected_hdr).value());
  CHECK(Histogram::deserialise(both.rows[2].corrected_hdr).value() == second2);
  CHECK(both.rows[2].p99_us == second2.value_at_percentile(99));
  const ScopeTimeline& only_b = m.timeline_by_endpoint[1];
  CHECK(only_b.name == "GET /only-b");
  REQUIRE(only_b.rows.size() == 6);
  CHECK(only_b.rows[0].second == 2);
  // A shard without endpoint timelines would leave its share out of them: refused.
  auto mixed =
      merge_shards({a, shard(testing::make_run(b_samples, kStart + 2'200), 1, 2, "c.json")});
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.error().context.find("endpoint_timeline differs") != std::string::npos);
}

TEST_CASE("merged results check thresholds and --warn bands again, each kept a band or not") {
  ResultDoc a =
      shard(testing::make_run(testing::spread_samples(600, 6, 20'000), kStart, 2, {"p99<30ms"}), 0,
            2, "a.json");
  ResultDoc b = shard(testing::make_run(testing::spread_samples(400, 6, 40'000, "GET /a", 2),
                                        kStart, 2, {"p99<30ms"}),
                      1, 2, "b.json");
  a.thresholds.push_back({"p99<30ms", true, "", true});  // the same expression as a band
  auto merged = merge_shards({a, b});
  REQUIRE(merged.ok());
  REQUIRE(merged->thresholds.size() == 2);
  CHECK_FALSE(merged->thresholds[0].warn);
  CHECK(merged->thresholds[1].warn);
  CHECK_FALSE(merged->thresholds[0].passed);  // b's 40 ms requests are in the union
  CHECK_FALSE(merged->thresholds[1].passed);
}

TEST_CASE("merged results check probe thresholds again on the merged probe samples") {
  // Each shard probes the same gauge; a merged second keeps the larger sample.
  auto probed = [](ResultDoc doc, const std::vector<double>& queue) {
    doc.probes = {{"queue", "queue_depth"}};
    for (auto& row : doc.timeline) {
      const auto s = static_cast<size_t>(row.second);
      row.probes = {{"queue", s < queue.size() ? queue[s] : NAN}};
    }
    doc.thresholds = {{"probe.queue.last==0", true, "", false},
                      {"probe.queue.max<100", true, "", true}};
    return doc;
  };
  ResultDoc a = shard(probed(testing::make_run(testing::spread_samples(600, 6, 20'000), kStart),
                             {5, 50, 90, 40, 10, 0}),
                      0, 2, "a.json");
  ResultDoc b =
      shard(probed(testing::make_run(testing::spread_samples(400, 6, 40'000, "GET /a", 2), kStart),
                   {4, 60, 120, 30, NAN, 3}),
            1, 2, "b.json");
  auto merged = merge_shards({a, b});
  REQUIRE(merged.ok());
  REQUIRE(merged->thresholds.size() == 2);
  CHECK_FALSE(merged->thresholds[0].passed);
  CHECK(merged->thresholds[0].observed == "probe.queue.last = 3 (second 5)");
  CHECK_FALSE(merged->thresholds[1].passed);
  CHECK(merged->thresholds[1].warn);
  CHECK(merged->thresholds[1].observed == "probe.queue.max = 120 (second 2)");
}

TEST_CASE("merging adds failures in the latency, lower bounds, new causes and failed per second") {
  auto failing = [](const std::string& cause, int64_t second, int64_t latency_us) {
    Sample x;
    x.second = second;
    x.latency_us = latency_us;
    x.outcome = cause;
    return x;
  };
  auto a_samples = testing::spread_samples(200, 4, 20'000, "GET /a", 1);
  a_samples.push_back(failing("reset", 1, 500));
  a_samples.push_back(failing(std::string(kSessionAbortedCause), 1, 0));
  a_samples[10].outcome = kCaptureFailedCause;
  auto b_samples = testing::spread_samples(100, 4, 40'000, "GET /a", 2);
  b_samples.push_back(failing("timeout", 1, 3'000'000));
  b_samples.push_back(failing("reset", 3, 700));
  ResultDoc a = shard(testing::make_run(a_samples, kStart), 0, 2, "a.json");
  ResultDoc b = shard(testing::make_run(b_samples, kStart), 1, 2, "b.json");

  auto merged = merge_shards({a, b});
  REQUIRE_MESSAGE(merged.ok(), (merged.ok() ? "" : merged.error().context));
  const Scope& m = merged->overall;
  Histogram corrected = a.overall.corrected;
  corrected.merge(b.overall.corrected);
  Histogram completed = a.overall.corrected_completed;
  completed.merge(b.overall.corrected_completed);
  CHECK(m.corrected == corrected);
  CHECK(m.corrected_completed == completed);
  CHECK(m.corrected.count() == 300 + 3);
  CHECK(m.corrected_completed.count() == 300);
  CHECK(m.lower_bounds == 3);
  CHECK(m.failed == 4);      // 3 transport failures and the aborted step
  CHECK(m.errors == 4 + 1);  // and the failed capture
  CHECK(m.completed == 300);
  CHECK(m.failure_count("reset") == 2);
  CHECK(m.failure_count("timeout") == 1);
  CHECK(m.failure_count(kCaptureFailedCause) == 1);
  CHECK(m.failure_count(kSessionAbortedCause) == 1);
  // Each cause once: the names matched, not appended again.
  size_t aborted_entries = 0;
  for (const auto& [name, n] : m.failures) aborted_entries += name == kSessionAbortedCause;
  CHECK(aborted_entries == 1);
  REQUIRE(merged->by_endpoint.size() == 1);
  CHECK(merged->by_endpoint[0].scope.lower_bounds == 3);
  CHECK(merged->by_endpoint[0].scope.corrected_completed == completed);
  REQUIRE(merged->timeline.size() == 4);
  CHECK(merged->timeline[1].failed == 2);
  CHECK(merged->timeline[3].failed == 1);
  CHECK(Histogram::deserialise(merged->timeline[1].corrected_hdr)->count() ==
        merged->timeline[1].completed + 2);
  REQUIRE(merged->timeline_by_tag.size() == 1);
  CHECK(merged->timeline_by_tag[0].rows[1].failed == 2);

  // Written and read again, the sums stay.
  auto again = parse_result_json(format_result_doc(merged.value()), "all.json");
  REQUIRE(again.ok());
  CHECK(again->overall.lower_bounds == 3);
  CHECK(again->overall.corrected_completed == completed);
  CHECK(again->timeline[1].failed == 2);
  CHECK(again->overall.failure_count(kSessionAbortedCause) == 1);
}

TEST_CASE("a result without lower bounds merges with one that has them") {
  auto samples = testing::spread_samples(100, 3, 20'000);
  Sample failed;
  failed.second = 1;
  failed.latency_us = 800;
  failed.outcome = "reset";
  samples.push_back(failed);
  ResultDoc now = shard(testing::make_run(samples, kStart), 1, 2, "now.json");
  // An older result: completions only in its latency, no new causes, no failed per second.
  ResultDoc old = shard(testing::make_run(testing::spread_samples(100, 3, 20'000)), 0, 2, "o.json");
  old.overall.failures.resize(old.overall.failures.size() - 2);
  for (auto& row : old.timeline) row.failed = 0;
  auto merged = merge_shards({old, now});
  REQUIRE(merged.ok());
  CHECK(merged->overall.lower_bounds == 1);
  CHECK(merged->overall.corrected.count() == 201);
  CHECK(merged->overall.corrected_completed.count() == 200);
  CHECK(merged->overall.failure_count("reset") == 1);
  CHECK(merged->overall.failure_count(kSessionAbortedCause) == 0);
  CHECK(merged->timeline[1].failed == 1);
}

TEST_CASE("merging adds send lag's parts exactly and names the limits the merged run hit") {
  auto a_samples = testing::spread_samples(600, 6, 20'000, "GET /a", 1);
  auto b_samples = testing::spread_samples(400, 6, 20'000, "GET /a", 2);
  // Every request of shard b waited 50 ms for a connection: b alone is client-limited, and so
  // is the merged run (its p99 is one of b's).
  for (auto& x : b_samples) x.connection_wait_us = 50'000;
  ResultDoc a = shard(testing::make_run(a_samples, kStart), 0, 2, "a.json");
  ResultDoc b = shard(testing::make_run(b_samples, kStart), 1, 2, "b.json");
  CHECK_FALSE(a.saturation.client_limited);
  CHECK(b.saturation.client_limited);
  CHECK(b.saturation.summary.find("CLIENT-LIMITED: ") == 0);

  auto merged = merge_shards({a, b});
  REQUIRE_MESSAGE(merged.ok(), (merged.ok() ? "" : merged.error().context));
  const Scope& m = merged->overall;
  for (auto part :
       {&Scope::send_lag, &Scope::scheduler_lag, &Scope::connection_wait, &Scope::connect}) {
    Histogram expected = a.overall.*part;
    expected.merge(b.overall.*part);
    CHECK((m.*part) == expected);
    CHECK((m.*part).count() == 1000);
  }
  CHECK(merged->by_endpoint[0].scope.connection_wait.count() == 1000);
  // Re-analysed with the evidence of the merged histograms, not copied from a shard.
  CHECK(merged->saturation.client_limited);
  CHECK_FALSE(merged->saturation.generator_limited);
  CHECK(merged->saturation.summary.find("CLIENT-LIMITED: requests waited for a connection") == 0);
  CHECK(merged->saturation.summary.find("connection wait p99 50.") != std::string::npos);
  auto again = parse_result_json(format_result_doc(merged.value()), "all.json");
  REQUIRE(again.ok());
  CHECK(again->overall.connection_wait == m.connection_wait);
  CHECK(again->saturation.client_limited);

  // Merged with a shard written before the split, the parts hold what the newer one has.
  ResultDoc old = a;
  old.overall.scheduler_lag = old.overall.connection_wait = old.overall.connect = Histogram();
  for (auto& e : old.by_endpoint) e.scope.scheduler_lag = e.scope.connection_wait = Histogram();
  auto mixed = merge_shards({old, b});
  REQUIRE(mixed.ok());
  CHECK(mixed->overall.send_lag.count() == 1000);
  CHECK(mixed->overall.connection_wait == b.overall.connection_wait);
  CHECK(mixed->saturation.client_limited);
}

TEST_CASE("merging keeps how the shards ended: warnings once each, drain, trace end, interrupted") {
  testing::RunEnding first, second;
  first.warnings = {"tokens expired", "only in a"};
  first.drain_us = 2'000'000;
  second.warnings = {"tokens expired", "only in b"};
  second.drain_us = 3'000'000;
  second.trace_ended_at_us = 1'500'000;
  second.interrupted = true;
  const auto samples = testing::spread_samples(100, 3, 20'000);
  ResultDoc a = shard(testing::make_run(samples, kStart, 2, {}, first), 0, 2, "a.json");
  ResultDoc b = shard(testing::make_run(samples, kStart + 1'000, 2, {}, second), 1, 2, "b.json");
  auto merged = merge_shards({a, b});
  REQUIRE(merged.ok());
  CHECK(merged->warnings == std::vector<std::string>{"tokens expired", "only in a", "only in b"});
  CHECK(merged->drain_us == 3'000'000);
  CHECK(merged->trace_ended_at_us == 1'000'000 + 1'500'000);  // on the merged run's seconds
  CHECK(merged->interrupted);
  auto none = merge_shards({a, shard(a, 1, 2, "c.json")});
  REQUIRE(none.ok());
  CHECK(none->trace_ended_at_us == -1);
  CHECK_FALSE(none->interrupted);
  CHECK(none->warnings == first.warnings);

  auto pool = pool_runs({a, b});
  REQUIRE(pool.ok());
  CHECK(pool->doc.warnings.size() == 3);
  CHECK(pool->doc.interrupted);
  CHECK(pool->doc.trace_ended_at_us == 1'500'000);  // pooled runs keep their own seconds
}

TEST_CASE("saturation re-analysed from a saved result takes the evidence of its send-lag parts") {
  ResultDoc doc = testing::make_run(testing::spread_samples(600, 6, 20'000));
  Saturation plain = analyse_saturation(doc.timeline, limit_evidence(doc.overall));
  CHECK_FALSE(plain.generator_limited);
  CHECK_FALSE(plain.client_limited);
  CHECK(plain.summary == doc.saturation.summary);

  Scope late = doc.overall;
  late.scheduler_lag = Histogram();
  for (int i = 0; i < 100; ++i) late.scheduler_lag.record(30'000);
  Saturation generator = analyse_saturation(doc.timeline, limit_evidence(late));
  CHECK(generator.generator_limited);
  CHECK_FALSE(generator.client_limited);
  CHECK(generator.summary.find("GENERATOR-LIMITED: replay could not send on time") == 0);

  Scope waiting = late;
  waiting.connection_wait = late.scheduler_lag;
  Saturation both = analyse_saturation(doc.timeline, limit_evidence(waiting));
  CHECK(both.generator_limited);
  CHECK(both.client_limited);
  const auto generator_at = both.summary.find("GENERATOR-LIMITED");
  const auto client_at = both.summary.find("CLIENT-LIMITED");
  CHECK(generator_at == 0);
  CHECK(client_at != std::string::npos);
  CHECK(generator_at < client_at);

  // A result written before the split has no evidence: neither limit is named.
  Scope old = doc.overall;
  old.scheduler_lag = old.connection_wait = old.connect = Histogram();
  CHECK_FALSE(analyse_saturation(doc.timeline, limit_evidence(old)).replay_limited());
}

TEST_CASE("merge refuses results whose configurations differ beyond the shard") {
  auto run = testing::make_run(testing::spread_samples(100, 5, 20'000), kStart);
  ResultDoc a = shard(run, 0, 2, "a.json");
  ResultDoc b = with_config(shard(run, 1, 2, "b.json"), "rate", "\"200/s\"", "200/s");
  auto rate = merge_shards({a, b});
  REQUIRE_FALSE(rate.ok());
  CHECK(rate.error().code == Errc::invalid_argument);
  CHECK(rate.error().context ==
        "'b.json' and 'a.json' are not shards of one run: config.rate differs: \"200/s\" vs "
        "\"100/s\" (shards share their configuration except the shard index)");

  auto twice = merge_shards({shard(run, 1, 2, "a.json"), shard(run, 1, 2, "b.json")});
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().context == "shard 1 is in both 'a.json' and 'b.json'");

  auto counts = merge_shards({shard(run, 0, 2, "a.json"), shard(run, 1, 3, "b.json")});
  REQUIRE_FALSE(counts.ok());
  CHECK(counts.error().context.find("config.shard_count differs: 3 vs 2") != std::string::npos);
  // A merged result merges on with the remaining shards.
  auto two = merge_shards({shard(run, 0, 3, "a.json"), shard(run, 1, 3, "b.json")});
  REQUIRE(two.ok());
  two->source = "ab.json";
  auto three = merge_shards({two.value(), shard(run, 2, 3, "c.json")});
  REQUIRE(three.ok());
  CHECK(three->find_config("shard_index")->json == "[0,1,2]");
  CHECK(three->overall.completed == 3 * run.overall.completed);
  auto again = merge_shards({two.value(), shard(run, 1, 3, "c.json")});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().context == "shard 1 is in both 'ab.json' and 'c.json'");
  // Unsharded runs (shard_count 1) of one configuration add up.
  CHECK(merge_shards({run, run}).ok());

  ResultDoc extra = with_config(shard(run, 1, 2, "b.json"), "probe", "\"q=x\"", "q=x");
  auto missing = merge_shards({a, extra});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().context.find("config.probe is set in one and not the other") !=
        std::string::npos);

  CHECK_FALSE(merge_shards({}).ok());
  // Thread counts may differ (machines differ); they add up.
  auto threads = merge_shards({a, with_config(shard(run, 1, 2, "b.json"), "threads", "8", "8")});
  REQUIRE(threads.ok());
  CHECK(threads->config_text("threads") == "10");
}

TEST_CASE("pooled runs sum on each run's own seconds and keep each run's load window") {
  ResultDoc a = testing::make_run(testing::spread_samples(500, 5, 20'000), kStart);
  ResultDoc b = testing::make_run(testing::spread_samples(300, 3, 20'000), kStart + 3'600'000);
  a.source = "a.json";
  b.source = "b.json";
  auto pool = pool_runs({a, b});
  REQUIRE(pool.ok());
  CHECK(pool->runs == 2);
  CHECK(pool->sources == std::vector<std::string>{"a.json", "b.json"});
  CHECK(pool->doc.overall.completed == 800);
  CHECK(pool->completed_during_load == 800);
  CHECK(pool->load_seconds == 8);
  REQUIRE(pool->doc.timeline.size() == 5);
  CHECK(pool->doc.timeline[0].completed == a.timeline[0].completed + b.timeline[0].completed);
  CHECK(pool->doc.timeline[4].completed == a.timeline[4].completed);
  CHECK_FALSE(pool_runs({}).ok());
}

TEST_CASE("closed-loop users' figures round-trip through result.json, merge and show in HTML") {
  auto with_users = [](ResultDoc doc, uint64_t most, double user_seconds, double interval_us,
                       int64_t open_loop_value) {
    ResultDoc::Users& u = doc.users.emplace();
    u.most = most;
    u.user_seconds = user_seconds;
    u.think_mean_us = 1000;
    u.interval_mean_us = interval_us;
    u.open_loop_offered_per_s = user_seconds / 6 / (interval_us / 1e6);
    for (int i = 0; i < 100; ++i) u.open_loop.record(open_loop_value);
    return doc;
  };
  ResultDoc a = with_users(
      shard(testing::make_run(testing::spread_samples(600, 6, 20'000, "GET /a", 1), kStart, 2, {}),
            0, 2, "a.json"),
      10, 60, 20'000, 30'000);
  ResultDoc b = with_users(
      shard(testing::make_run(testing::spread_samples(300, 6, 20'000, "GET /a", 2), kStart, 2, {}),
            1, 2, "b.json"),
      5, 30, 40'000, 90'000);

  auto read = parse_result_json(format_result_doc(a), "a.json");
  REQUIRE(read.ok());
  REQUIRE(read->users);
  CHECK(read->users->most == 10);
  CHECK(read->users->user_seconds == doctest::Approx(60));
  CHECK(read->users->interval_mean_us == doctest::Approx(20'000));
  CHECK(read->users->open_loop == a.users->open_loop);
  CHECK_FALSE(
      parse_result_json(format_result_doc(testing::make_run({}, kStart, 2, {})), "o.json")->users);

  auto merged = merge_shards({a, b});
  REQUIRE(merged.ok());
  REQUIRE(merged->users);
  CHECK(merged->users->most == 15);
  CHECK(merged->users->user_seconds == doctest::Approx(90));
  CHECK(merged->users->interval_mean_us == doctest::Approx(30'000));  // 100 steps each
  CHECK(merged->users->open_loop.count() == 200);
  CHECK(merged->users->open_loop_offered_per_s ==
        doctest::Approx(a.users->open_loop_offered_per_s + b.users->open_loop_offered_per_s));

  const std::string html = render_html_report(*merged);
  CHECK(html.find("open loop: a schedule at the users") != std::string::npos);
  CHECK(html.find("Closed-loop users: 15 at most") != std::string::npos);
}
