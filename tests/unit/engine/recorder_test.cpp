#include "recorder.hpp"

#include <doctest/doctest.h>

#include <cstdint>

#include "clock.hpp"

namespace replay::engine {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000 * kMs;
constexpr int64_t kStart = 5 * kSecond;  // second 0 of the run, on the simulated clock

Completion completion_at(ManualClock& clock, int64_t intended_ns, int64_t service_ns,
                         ScopeIds ids = {}, int status = 200) {
  return Completion{.ids = ids,
                    .intended_ns = intended_ns,
                    .sent_ns = clock.now_ns() - service_ns,
                    .first_byte_ns = clock.now_ns() - service_ns / 2,
                    .completed_ns = clock.now_ns(),
                    .status = status,
                    .bytes = 100};
}

uint64_t count_of(const std::string& serialised) {
  if (serialised.empty()) return 0;
  return Histogram::deserialise(serialised).value().count();
}

}  // namespace

TEST_CASE("Recorder: one completion reaches overall, its tag, its endpoint and its second") {
  ManualClock clock(kStart);
  Recorder recorder(kStart);
  const ScopeIds ids{2, 1};
  recorder.record_offered(ids, kStart + 1500 * kMs);
  clock.set_ns(kStart + 1510 * kMs);
  recorder.record_sent(ids, clock.now_ns());
  clock.set_ns(kStart + 2530 * kMs);  // sent 10 ms late, 1020 ms of service
  recorder.record_completion(completion_at(clock, kStart + 1500 * kMs, 1020 * kMs, ids, 503));
  WorkerResults& r = recorder.finish();
  for (const ScopeStats* s : {&r.overall, &r.by_tag.at(2), &r.by_endpoint.at(1)}) {
    CHECK(s->offered == 1);
    CHECK(s->sent == 1);
    CHECK(s->completed == 1);
    CHECK(s->status_classes[5] == 1);
    CHECK(s->corrected.max() == 1'030'000);
    CHECK(s->corrected_completed.max() == 1'030'000);
    CHECK(s->service.max() == 1'020'000);
    CHECK(s->send_lag.max() == 10'000);
    CHECK(s->ttfb.max() == 510'000);
    CHECK(s->lower_bounds == 0);
    CHECK(s->errors() == 1);
  }
  CHECK(r.by_tag.at(0).offered == 0);
  REQUIRE(r.timeline.size() == 3);
  CHECK(r.timeline[1].offered == 1);
  CHECK(r.timeline[1].sent == 1);
  CHECK(r.timeline[2].completed == 1);
  CHECK(r.timeline[2].errors == 1);
  CHECK(count_of(r.timeline[2].corrected) == 1);
  CHECK(count_of(r.timeline[2].service) == 1);
  REQUIRE(r.timeline_by_tag.size() == 3);
  CHECK(r.timeline_by_tag[2][2].completed == 1);
  CHECK(count_of(r.timeline_by_tag[2][2].corrected) == 1);
}

TEST_CASE(
    "Recorder: a failure enters the corrected latency at its failure time, as a lower bound") {
  ManualClock clock(kStart);
  Recorder recorder(kStart);
  recorder.record_offered({}, kStart);
  recorder.record_offered({}, kStart);
  clock.advance_ns(20 * kMs);
  recorder.record_completion(completion_at(clock, kStart, 20 * kMs));
  clock.advance_ns(980 * kMs);  // a timeout of 1 s
  recorder.record_failure(Failure{.ids = {},
                                  .intended_ns = kStart,
                                  .failed_ns = clock.now_ns(),
                                  .cause = client::FailureCause::timeout});
  WorkerResults& r = recorder.finish();
  CHECK(r.overall.corrected.count() == 2);
  CHECK(r.overall.corrected.max() == 1'000'000);
  CHECK(r.overall.corrected.value_at_percentile(99) >= 999'000);
  CHECK(r.overall.lower_bounds == 1);
  CHECK(r.overall.corrected_completed.count() == 1);
  CHECK(r.overall.corrected_completed.max() == 20'000);
  CHECK(r.overall.service.count() == 1);  // a failure has no service time
  CHECK(r.overall.failures[static_cast<size_t>(client::FailureCause::timeout)] == 1);
  CHECK(r.overall.failed() == 1);
  REQUIRE(r.timeline.size() == 2);
  CHECK(r.timeline[0].completed == 1);
  CHECK(r.timeline[1].failed == 1);
  CHECK(r.timeline[1].errors == 1);
  // A row's histogram counts what completed and what failed in its second.
  CHECK(count_of(r.timeline[0].corrected) == r.timeline[0].completed + r.timeline[0].failed);
  CHECK(count_of(r.timeline[1].corrected) == r.timeline[1].completed + r.timeline[1].failed);
  CHECK(count_of(r.timeline[1].service) == 0);
}

TEST_CASE("Recorder: completions out of order across a second boundary merge into their rows") {
  ManualClock clock(kStart);
  Recorder recorder(kStart);
  // Kernel receive stamps read late: a completion of second 1 is recorded after one of second 2.
  clock.set_ns(kStart + 1900 * kMs);
  recorder.record_completion(completion_at(clock, kStart + 1800 * kMs, 1 * kMs));
  clock.set_ns(kStart + 2100 * kMs);
  recorder.record_completion(completion_at(clock, kStart + 2000 * kMs, 1 * kMs));
  clock.set_ns(kStart + 1950 * kMs);
  recorder.record_completion(completion_at(clock, kStart + 1900 * kMs, 1 * kMs));
  clock.set_ns(kStart + 2150 * kMs);
  recorder.record_completion(completion_at(clock, kStart + 2100 * kMs, 1 * kMs));
  WorkerResults& r = recorder.finish();
  REQUIRE(r.timeline.size() == 3);
  CHECK(r.timeline[1].completed == 2);
  CHECK(r.timeline[2].completed == 2);
  CHECK(count_of(r.timeline[1].corrected) == 2);
  CHECK(count_of(r.timeline[2].corrected) == 2);
  CHECK(count_of(r.timeline[1].service) == 2);
  CHECK(count_of(r.timeline_by_tag[0][1].corrected) == 2);
}

TEST_CASE("Recorder: a second closes a second after it ended; a later event is merged into it") {
  ManualClock clock(kStart);
  IntervalOutbox live;
  Recorder recorder(kStart, &live);
  clock.set_ns(kStart + 500 * kMs);
  recorder.record_completion(completion_at(clock, kStart + 400 * kMs, 1 * kMs));
  clock.set_ns(kStart + 1900 * kMs);
  recorder.close_seconds_before(clock.now_ns());  // too soon: second 0 stays open
  CHECK(live.closed_before() == 0);
  CHECK(live.take() == nullptr);
  clock.set_ns(kStart + 2500 * kMs);
  recorder.close_seconds_before(clock.now_ns());  // closes second 0
  CHECK(count_of(recorder.results().timeline[0].corrected) == 1);
  // The live view gets the same histogram the row got.
  CHECK(live.closed_before() == 1);
  auto closed = live.take();
  REQUIRE(closed != nullptr);
  CHECK(closed->second == 0);
  CHECK(closed->corrected == recorder.results().timeline[0].corrected);
  CHECK(live.take() == nullptr);
  // A straggler for second 0, stamped long ago and read only now.
  const int64_t now = clock.now_ns();
  clock.set_ns(kStart + 700 * kMs);
  recorder.record_completion(completion_at(clock, kStart + 600 * kMs, 1 * kMs));
  clock.set_ns(now);
  WorkerResults& r = recorder.finish();
  CHECK(r.timeline[0].completed == 2);
  CHECK(count_of(r.timeline[0].corrected) == 2);
  CHECK(count_of(r.timeline[0].service) == 2);
  CHECK(count_of(r.timeline_by_tag[0][0].corrected) == 2);
}

TEST_CASE("Recorder: a 2 s stall at 1000/s over 20 s gives the corrected p99 and p99.9 it must") {
  // Requests due every millisecond; the service answers in 1 ms, except that during a 2 s
  // stall nothing is answered until the stall ends. Those 2000 requests wait 2 s down to 0:
  // the top 1 % (200 of 20000) waited at least 1.8 s, the top 0.1 % at least 1.98 s.
  ManualClock clock(kStart);
  Recorder recorder(kStart);
  const int64_t stall_from = kStart + 8 * kSecond;
  const int64_t stall_to = stall_from + 2 * kSecond;
  for (int i = 0; i < 20'000; ++i) {
    const int64_t intended = kStart + i * kMs;
    recorder.record_offered({}, intended);
    const int64_t done = intended >= stall_from && intended < stall_to ? stall_to : intended + kMs;
    clock.set_ns(done);
    recorder.record_completion(completion_at(clock, intended, kMs / 2));
    recorder.close_seconds_before(clock.now_ns());
  }
  WorkerResults& r = recorder.finish();
  const auto p99 = static_cast<double>(r.overall.corrected.value_at_percentile(99));
  const auto p999 = static_cast<double>(r.overall.corrected.value_at_percentile(99.9));
  CHECK(p99 == doctest::Approx(1'800'000).epsilon(0.02));
  CHECK(p999 == doctest::Approx(1'980'000).epsilon(0.02));
  uint64_t in_rows = 0;
  for (const auto& row : r.timeline) {
    CHECK(count_of(row.corrected) == row.completed + row.failed);
    in_rows += row.completed;
  }
  CHECK(in_rows == 20'000);
  // The stall's 2000 land in the second it ends, beside that second's own 999 (its last one
  // completes at 11.000 s).
  CHECK(r.timeline[10].completed == 2999);
}

TEST_CASE("Recorder: capture failures and aborted steps are errors without a latency") {
  Recorder recorder(kStart);
  recorder.record_capture_failed({1, 0}, kStart + 10 * kMs);
  recorder.record_session_aborted({1, 0}, kStart + 20 * kMs);
  WorkerResults& r = recorder.finish();
  CHECK(r.by_tag.at(1).capture_failed == 1);
  CHECK(r.by_tag.at(1).session_aborted == 1);
  CHECK(r.overall.errors() == 2);
  CHECK(r.overall.corrected.count() == 0);
  CHECK(r.timeline.at(0).errors == 2);
  CHECK(r.timeline_by_tag.at(1).at(0).errors == 2);
}

}  // namespace replay::engine

namespace replay::engine {

TEST_CASE("Recorder: exact status codes per scope and per second") {
  ManualClock clock(kStart);
  Recorder recorder(kStart);
  const ScopeIds a{0, 0};
  const ScopeIds b{1, 2};
  clock.set_ns(kStart + 100 * kMs);
  recorder.record_completion(completion_at(clock, kStart, 10 * kMs, a, 200));
  recorder.record_completion(completion_at(clock, kStart, 10 * kMs, b, 429));
  recorder.record_completion(completion_at(clock, kStart, 10 * kMs, b, 429));
  clock.set_ns(kStart + 1100 * kMs);
  recorder.record_completion(completion_at(clock, kStart, 10 * kMs, a, 503));
  recorder.record_completion(completion_at(clock, kStart, 10 * kMs, b, 401));
  recorder.record_completion(completion_at(clock, kStart, 10 * kMs, b, 700));  // "other" only
  WorkerResults& r = recorder.finish();
  const StatusCodes& all = r.overall.status_codes;
  REQUIRE(all.counts.size() == 4);
  CHECK(all.counts[0] == std::pair<uint16_t, uint64_t>{200, 1});  // increasing codes
  CHECK(all.counts[1] == std::pair<uint16_t, uint64_t>{401, 1});
  CHECK(all.counts[2] == std::pair<uint16_t, uint64_t>{429, 2});
  CHECK(all.counts[3] == std::pair<uint16_t, uint64_t>{503, 1});
  CHECK(r.overall.status_classes[4] == 3);
  CHECK(r.overall.status_classes[0] == 1);
  CHECK(all.count(700) == 0);
  CHECK(r.by_tag.at(1).status_codes.count(429) == 2);
  CHECK(r.by_tag.at(1).status_codes.count(200) == 0);
  CHECK(r.by_endpoint.at(2).status_codes.count(401) == 1);
  CHECK(r.by_endpoint.at(0).status_codes.count(503) == 1);
  REQUIRE(r.timeline.size() == 2);
  CHECK(r.timeline[0].status_codes.count(200) == 1);
  CHECK(r.timeline[0].status_codes.count(429) == 2);
  CHECK(r.timeline[1].status_codes.count(503) == 1);
  CHECK(r.timeline[1].status_codes.count(429) == 0);
  CHECK(r.timeline_by_tag.at(1).at(0).status_codes.count(429) == 2);
  CHECK(r.timeline_by_tag.at(0).at(1).status_codes.count(503) == 1);

  ScopeStats merged = r.overall;
  merged.merge(r.by_tag.at(1));
  CHECK(merged.status_codes.count(429) == 4);
  CHECK(merged.status_codes.count(200) == 1);
  TimelineRow row = r.timeline[0];
  row.merge(r.timeline[1]);
  CHECK(row.status_codes.count(503) == 1);
  CHECK(row.status_codes.count(429) == 2);
}

TEST_CASE("Recorder: failure samples are kept per key, capped and escaped") {
  ManualClock clock(kStart);
  Recorder recorder(kStart);
  const ScopeIds ids{0, 0};
  CHECK(recorder.wants_sample(ids, 429));
  clock.set_ns(kStart + 2500 * kMs);
  for (int i = 0; i < 5; ++i) {
    Completion c = completion_at(clock, kStart, 10 * kMs, ids, 429);
    c.body_start = "slow down\n\"now\"\x01";
    recorder.record_completion(c);
  }
  CHECK_FALSE(recorder.wants_sample(ids, 429));
  CHECK(recorder.wants_sample(ids, 503));
  recorder.record_completion(completion_at(clock, kStart, 10 * kMs, ids, 200));  // not a sample
  recorder.record_failure(Failure{.ids = ids,
                                  .intended_ns = kStart,
                                  .failed_ns = kStart + 3 * kSecond,
                                  .cause = client::FailureCause::reset,
                                  .reason = "read: connection reset by peer"});
  const std::string long_body(1000, 'x');
  for (int status = 400; status < 440; ++status) {
    Completion c = completion_at(clock, kStart, 10 * kMs, ids, status);
    c.body_start = long_body;
    recorder.record_completion(c);
  }
  WorkerResults& r = recorder.finish();
  const FailureSamples& s = r.overall.samples;
  CHECK(s.keys == kMaxSampleKeys);
  CHECK(s.samples.size() == 3 + 1 + (kMaxSampleKeys - 2));
  CHECK(s.samples[0].status == 429);
  CHECK(s.samples[0].at_us == 2'500'000);
  CHECK(s.samples[0].text == "slow down\\n\"now\"\\x01");
  CHECK(s.samples[2].status == 429);
  CHECK(s.samples[3].status == 0);
  CHECK(s.samples[3].cause == client::FailureCause::reset);
  CHECK(s.samples[3].at_us == 3'000'000);
  CHECK(s.samples[3].text == "read: connection reset by peer");
  CHECK(s.samples[4].status == 400);
  CHECK(s.samples[4].text == std::string(kSampleTextBytes, 'x'));
  CHECK(s.samples.back().status == 400 + static_cast<int>(kMaxSampleKeys) - 3);
  CHECK_FALSE(recorder.wants_sample(ids, 499));  // a new key past the cap
  CHECK(r.by_tag.at(0).samples.samples.size() == s.samples.size());

  FailureSamples merged = s;
  merged.merge(s);  // keys with one sample take a second; no new key past the cap
  CHECK(merged.samples.size() == 3 + 2 * (kMaxSampleKeys - 1));
  CHECK(merged.keys == kMaxSampleKeys);
  FailureSamples few;
  few.add(FailureSample{.status = 429, .at_us = 1, .text = "a"});
  few.merge(s);
  CHECK(few.samples.size() == 3 + 1 + (kMaxSampleKeys - 2));
  CHECK(few.samples[0].text == "a");
}

}  // namespace replay::engine

namespace replay::engine {

TEST_CASE("Recorder: endpoint timelines on demand, for the first kMaxEndpointTimelines endpoints") {
  // Endpoint 0 answers in 2 ms, endpoint 1 in 300 ms, endpoint kMaxEndpointTimelines (one too
  // many) in 5 ms; one failure on endpoint 1 in second 1; one straggler on endpoint 0 that
  // reaches its second after the second was closed.
  auto run = [](bool endpoint_timelines) {
    ManualClock clock(kStart);
    Recorder recorder(kStart, nullptr, endpoint_timelines);
    for (int64_t ms = 0; ms < 2000; ms += 100) {
      const int64_t intended = kStart + ms * kMs;
      for (auto [endpoint, service_ms] :
           {std::pair{0u, 2}, std::pair{1u, 300}, std::pair{kMaxEndpointTimelines, 5}}) {
        const ScopeIds ids{0, endpoint};
        recorder.record_offered(ids, intended);
        clock.set_ns(intended + service_ms * kMs);
        recorder.record_completion(completion_at(clock, intended, service_ms * kMs, ids));
      }
    }
    recorder.record_failure(Failure{.ids = {0, 1},
                                    .intended_ns = kStart + 1200 * kMs,
                                    .failed_ns = kStart + 1700 * kMs,
                                    .cause = client::FailureCause::reset});
    clock.set_ns(kStart + 3500 * kMs);
    recorder.close_seconds_before(clock.now_ns());  // seconds 0 and 1 close
    clock.set_ns(kStart + 950 * kMs);
    recorder.record_completion(completion_at(clock, kStart + 948 * kMs, 2 * kMs, {0, 0}));
    return std::move(recorder.finish());
  };

  const WorkerResults off = run(false);
  CHECK(off.timeline_by_endpoint.empty());
  CHECK(off.by_endpoint.at(1).completed == 20);  // the scopes themselves are always kept

  const WorkerResults on = run(true);
  REQUIRE(on.timeline_by_endpoint.size() == 2);  // not the endpoint past the limit
  const auto& fast = on.timeline_by_endpoint[0];
  const auto& slow = on.timeline_by_endpoint[1];
  REQUIRE(fast.size() == 2);
  REQUIRE(slow.size() == 3);  // completions of second 1 at 1.9 s + 0.3 s land in second 2
  CHECK(fast[0].offered == 10);
  CHECK(fast[0].completed == 11);  // with the straggler
  CHECK(count_of(fast[0].corrected) == 11);
  CHECK(Histogram::deserialise(fast[0].corrected).value().max() == 2'000);
  CHECK(fast[0].status_codes.counts.at(0).second == 11);
  CHECK(slow[0].completed == 7);  // 0.0 .. 0.6 s + 0.3 s end in second 0
  CHECK(slow[1].failed == 1);
  CHECK(slow[1].errors == 1);
  // Second 1 of the slow endpoint: its completions at 300 ms and the failure's 500 ms.
  const Histogram second1 = Histogram::deserialise(slow[1].corrected).value();
  CHECK(second1.count() == slow[1].completed + 1);
  CHECK(second1.min() == 300'000);
  CHECK(second1.max() == 500'000);
  // The overall and tag rows are the same with or without endpoint timelines.
  REQUIRE(on.timeline.size() == off.timeline.size());
  for (size_t i = 0; i < on.timeline.size(); ++i) {
    CHECK(on.timeline[i].completed == off.timeline[i].completed);
    CHECK(on.timeline[i].corrected == off.timeline[i].corrected);
  }
}

}  // namespace replay::engine

namespace replay::engine {

TEST_CASE("Recorder: metric captures reach overall, tag and endpoint; absent and text counted") {
  Recorder recorder(kStart);
  const std::vector<trace::Capture> captures = {
      {"tokens", "json:/usage/total_tokens", "sum"},
      {"model", "json:/model", "sum"},
      {"ms", "header:X-Time", "histogram"},
      {"id", "json:/id", ""},  // a plain capture: the session runner's, no metric
  };
  const client::HeaderList headers = {{"x-time", "12"}};
  record_capture_metrics(recorder, {1, 2}, captures,
                         R"({"id":"a","model":"m1","usage":{"total_tokens":40}})", headers);
  record_capture_metrics(recorder, {1, 3}, captures,
                         R"({"id":"b","model":"m1","usage":{"total_tokens":2}})", headers);
  record_capture_metrics(recorder, {0, 3}, captures, R"({"id":"c"})", {});
  WorkerResults& r = recorder.finish();
  const histogram::MetricTally* tokens = r.overall.metrics.find("tokens");
  REQUIRE(tokens);
  CHECK(tokens->count == 2);
  CHECK(tokens->sum == 42);
  CHECK(tokens->missing == 1);
  CHECK(r.overall.metrics.find("model")->non_numeric == 2);
  const histogram::MetricTally* ms = r.overall.metrics.find("ms");
  REQUIRE(ms);
  CHECK(ms->kind == histogram::MetricKind::histogram);
  REQUIRE(ms->values);
  CHECK(ms->values->count() == 2);
  CHECK(ms->missing == 1);
  CHECK(r.overall.metrics.find("id") == nullptr);
  CHECK(r.by_tag.at(1).metrics.find("tokens")->sum == 42);
  CHECK(r.by_tag.at(0).metrics.find("tokens")->missing == 1);
  CHECK(r.by_endpoint.at(2).metrics.find("tokens")->sum == 40);
  CHECK(r.by_endpoint.at(3).metrics.find("tokens")->sum == 2);
  // Copies and merges of scopes carry the metrics.
  ScopeStats copy = r.overall;
  copy.merge(r.by_tag.at(1));
  CHECK(copy.metrics.find("tokens")->sum == 84);
  CHECK(copy.metrics.find("tokens")->missing == 1);
}

}  // namespace replay::engine
