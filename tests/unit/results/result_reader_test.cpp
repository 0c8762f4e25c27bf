// Reading result.json: everything `replay run --out` writes comes back, and anything else is
// refused with an error naming the file and the field.

#include "replay/results/result_reader.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <regex>
#include <string>

#include "replay/results/result_writer.hpp"
#include "replay/results/threshold.hpp"
#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;
using replay::testing::Sample;

namespace {

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  return text.replace(at, from.size(), to);
}

std::vector<Sample> two_endpoints() {
  auto samples = testing::spread_samples(300, 6, 20'000, "GET /a");
  auto more = testing::spread_samples(100, 6, 50'000, "POST /b/{id}", 2, "b");
  more[3].status = 503;
  more[4].status = 404;
  samples.insert(samples.end(), more.begin(), more.end());
  return samples;
}

// two_endpoints() with 3 transport failures (a timeout at 4 s), a failed capture and 2 aborted
// session steps, all on POST /b/{id} (tag b).
std::vector<Sample> with_failures() {
  auto samples = two_endpoints();
  auto add = [&](int64_t second, int64_t latency_us, const std::string& outcome) {
    Sample x;
    x.second = second;
    x.latency_us = latency_us;
    x.endpoint = "POST /b/{id}";
    x.tag = "b";
    x.outcome = outcome;
    samples.push_back(x);
  };
  add(1, 300, "reset");
  add(2, 900, "reset");
  add(5, 4'000'000, "timeout");
  add(3, 0, std::string(kSessionAbortedCause));
  add(3, 0, std::string(kSessionAbortedCause));
  samples[350].outcome = kCaptureFailedCause;
  return samples;
}

}  // namespace

TEST_CASE("a result written by replay run reads back with its histograms, timeline and verdicts") {
  const auto samples = two_endpoints();
  const std::string json = testing::write_run_json(samples, 1'700'000'000'123, 2, {"p99<1s"});
  auto doc = parse_result_json(json, "run.json");
  REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error().context));
  CHECK(doc->source == "run.json");
  CHECK(doc->started_unix_ms == 1'700'000'000'123);
  CHECK(doc->load_us == 6'000'000);
  CHECK(doc->config_text("rate") == "100/s");
  CHECK(doc->config_text("threads") == "2");
  CHECK(doc->config_text("trace") == "traces/demo.zst");
  CHECK(doc->find_config("loop")->json == "true");
  CHECK(doc->overall.completed == 400);
  CHECK(doc->overall.corrected.count() == 400);
  CHECK(doc->overall.status[2] == 398);
  CHECK(doc->overall.status[4] == 1);
  CHECK(doc->overall.status[5] == 1);
  CHECK(doc->overall.errors == 2);
  CHECK(doc->overall.error_ratio() == doctest::Approx(2.0 / 400));
  REQUIRE(doc->by_endpoint.size() == 2);
  CHECK(doc->by_endpoint[0].name == "GET /a");
  CHECK(doc->by_endpoint[1].name == "POST /b/{id}");
  CHECK(doc->by_endpoint[1].scope.corrected.count() == 100);
  CHECK(doc->find_scope("b") != nullptr);
  CHECK(doc->find_scope("POST /b/{id}")->completed == 100);
  CHECK(doc->find_scope("nope") == nullptr);
  REQUIRE(doc->timeline.size() == 6);
  uint64_t completed = 0;
  for (const auto& row : doc->timeline) completed += row.completed;
  CHECK(completed == 400);
  CHECK(doc->timeline[2].p50_us > 0);
  CHECK_FALSE(doc->timeline[2].corrected_hdr.empty());
  CHECK(doc->timeline[2].probes.empty());
  CHECK(doc->completed_during_load() == 400);
  REQUIRE(doc->timeline_by_tag.size() == 2);
  CHECK(doc->timeline_by_tag[1].name == "b");
  uint64_t tag_completed = 0;
  for (const auto& row : doc->timeline_by_tag[1].rows) tag_completed += row.completed;
  CHECK(tag_completed == 100);
  CHECK(doc->probes.empty());
  CHECK(doc->saturation.summary.find("not saturated") == 0);
  REQUIRE(doc->thresholds.size() == 1);
  CHECK(doc->thresholds[0].expression == "p99<1s");
  CHECK(doc->thresholds[0].passed);
  // The histograms are the run's own: percentiles recomputed from them match the printed ones.
  const auto p99_at = json.find("\"p99\":");
  REQUIRE(p99_at != std::string::npos);
  CHECK(json.compare(p99_at + 6,
                     std::to_string(doc->overall.corrected.value_at_percentile(99)).size(),
                     std::to_string(doc->overall.corrected.value_at_percentile(99))) == 0);
}

TEST_CASE("writing a read result gives back the same document (round trip)") {
  const std::string json =
      testing::write_run_json(two_endpoints(), 1'700'000'000'000, 2, {"errors<1%"});
  auto doc = parse_result_json(json, "run.json");
  REQUIRE(doc.ok());
  const std::string again = format_result_doc(doc.value());
  CHECK(testing::json_difference(json, again) == "");
  // The writer's layout is the run's own, byte for byte.
  CHECK(again == json);
}

TEST_CASE("endpoint timelines (run --endpoint-timeline) read back and write back unchanged") {
  testing::RunEnding ending;
  ending.endpoint_timeline = true;
  const std::string json =
      testing::write_run_json(with_failures(), 1'700'000'000'000, 2, {}, ending);
  auto doc = parse_result_json(json, "run.json");
  REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error().context));
  CHECK(doc->find_config("endpoint_timeline")->json == "true");
  REQUIRE(doc->timeline_by_endpoint.size() == 2);
  CHECK(doc->timeline_by_endpoint[0].name == "GET /a");
  const ScopeTimeline& b = doc->timeline_by_endpoint[1];
  CHECK(b.name == "POST /b/{id}");
  uint64_t completed = 0, failed = 0, errors = 0;
  for (const auto& row : b.rows) {
    completed += row.completed;
    failed += row.failed;
    errors += row.errors;
    CHECK(Histogram::deserialise(row.corrected_hdr).value().value_at_percentile(99) == row.p99_us);
  }
  CHECK(completed == doc->find_scope("POST /b/{id}")->completed);
  CHECK(failed == 3);  // the transport failures: aborted steps have no failure time
  CHECK(errors == 8);  // and the aborted steps, the 503, the 404 and the failed capture
  CHECK(format_result_doc(doc.value()) == json);

  // Without the flag there is no such key at all.
  const std::string plain = testing::write_run_json(with_failures(), 1'700'000'000'000);
  CHECK(plain.find("timeline_by_endpoint") == std::string::npos);
  CHECK(parse_result_json(plain, "plain.json")->timeline_by_endpoint.empty());
  // A damaged row names its place.
  const std::string bad = replace_once(json, "\"timeline_by_endpoint\":{\"GET /a\":[",
                                       "\"timeline_by_endpoint\":{\"GET /a\":7,\"x\":[");
  auto refused = parse_result_json(bad, "bad.json");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().context.find("timeline_by_endpoint") != std::string::npos);
}

TEST_CASE("--warn bands read back as bands; results from before bands read as thresholds") {
  std::string json = testing::write_run_json(two_endpoints(), 1'700'000'000'000, 2, {"p99<1s"});
  auto doc = parse_result_json(json, "run.json");
  REQUIRE(doc.ok());
  REQUIRE(doc->thresholds.size() == 1);
  CHECK_FALSE(doc->thresholds[0].warn);
  doc->thresholds[0].warn = true;
  const std::string banded = format_result_doc(doc.value());
  CHECK(banded.find("\"warn\":true") != std::string::npos);
  CHECK(parse_result_json(banded, "b.json")->thresholds[0].warn);
  const std::string older = replace_once(json, ",\"warn\":false", "");
  auto old = parse_result_json(older, "old.json");
  REQUIRE(old.ok());
  CHECK_FALSE(old->thresholds[0].warn);
}

TEST_CASE("probe samples and unknown integer scope fields are read and written back") {
  std::string json = testing::write_run_json(two_endpoints(), 1'700'000'000'000);
  json = replace_once(json, "\"service_hdr\":\"",
                      "\"probes\":{\"queue_depth\":7.5,\"lag\":null},\"service_hdr\":\"");
  json = replace_once(json, "\"response_bytes\":", "\"retries\":3,\"response_bytes\":");
  auto doc = parse_result_json(json, "probes.json");
  REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error().context));
  REQUIRE(doc->timeline[0].probes.size() == 2);
  CHECK(doc->timeline[0].probes[0].name == "queue_depth");
  CHECK(doc->timeline[0].probes[0].value == 7.5);
  CHECK(std::isnan(doc->timeline[0].probes[1].value));
  REQUIRE(doc->overall.extra_counts.size() == 1);
  CHECK(doc->overall.extra_counts[0] == std::pair<std::string, uint64_t>("retries", 3));
  auto again = parse_result_json(format_result_doc(doc.value()), "again.json");
  REQUIRE(again.ok());
  CHECK(again->timeline[0].probes.size() == 2);
  CHECK(again->overall.extra_counts == doc->overall.extra_counts);
}

TEST_CASE("failed requests in the latency, failed captures and aborted steps read back") {
  const std::string json = testing::write_run_json(with_failures(), 1'700'000'000'000);
  auto doc = parse_result_json(json, "failures.json");
  REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error().context));
  const Scope& o = doc->overall;
  CHECK(o.offered == 405);
  CHECK(o.sent == 403);
  CHECK(o.completed == 400);
  CHECK(o.failed == 5);                   // 3 transport failures, 2 aborted steps
  CHECK(o.errors == 2 + 5 + 1);           // 4xx/5xx, failed, the failed capture
  CHECK(o.corrected.count() == 400 + 3);  // completions and transport failures
  CHECK(o.corrected_completed.count() == 400);
  CHECK(o.lower_bounds == 3);
  CHECK(o.corrected.max() >= 4'000'000);  // the timeout, at its failure time
  CHECK(o.corrected_completed.max() < 4'000'000);
  CHECK(o.service.count() == 400);
  CHECK(o.error_ratio() == doctest::Approx(8.0 / 405));
  CHECK(o.failure_count("reset") == 2);
  CHECK(o.failure_count("timeout") == 1);
  CHECK(o.failure_count(kCaptureFailedCause) == 1);
  CHECK(o.failure_count(kSessionAbortedCause) == 2);
  CHECK(o.failure_count("nope") == 0);
  // The two new causes follow the transport causes.
  REQUIRE(o.failures.size() >= 2);
  CHECK(o.failures[o.failures.size() - 2].first == kCaptureFailedCause);
  CHECK(o.failures.back().first == kSessionAbortedCause);
  CHECK(json.find("\"capture_failed\":1,\"session_aborted\":2}") != std::string::npos);
  CHECK(json.find("\"lower_bounds\":3,") != std::string::npos);

  const Scope* b = doc->find_scope("POST /b/{id}");
  REQUIRE(b != nullptr);
  CHECK(b->lower_bounds == 3);
  CHECK(b->corrected.count() == b->corrected_completed.count() + 3);
  CHECK(doc->find_scope("GET /a")->lower_bounds == 0);
  CHECK(doc->find_scope("GET /a")->corrected == doc->find_scope("GET /a")->corrected_completed);

  uint64_t failed = 0, completed = 0, ended = 0;
  for (const auto& row : doc->timeline) {
    failed += row.failed;
    completed += row.completed;
    if (!row.corrected_hdr.empty()) ended += Histogram::deserialise(row.corrected_hdr)->count();
  }
  CHECK(failed == 3);
  CHECK(ended == completed + failed);
  CHECK(doc->timeline[2].failed == 1);
  uint64_t tag_failed = 0;
  for (const auto& row : doc->timeline_by_tag[1].rows) tag_failed += row.failed;
  CHECK(tag_failed == 3);

  // Written back, byte for byte.
  CHECK(format_result_doc(doc.value()) == json);
}

TEST_CASE("a result written before failures entered the latency still reads") {
  const std::string json = testing::write_run_json(with_failures(), 1'700'000'000'000);
  // What older builds wrote: no corrected_completed, lower_bounds, timeline failed, nor the two
  // causes (their corrected held completions only; here it is the same text either way).
  std::string old = std::regex_replace(
      json, std::regex(R"re("corrected_completed":\{[^}]*\},"lower_bounds":\d+,)re"), "");
  old = std::regex_replace(
      old, std::regex(R"re("failed":\d+,(?="errors":\d+,"(in_flight|p50_us)"))re"), "");
  old =
      std::regex_replace(old, std::regex(R"re(,"capture_failed":\d+,"session_aborted":\d+)re"), "");
  REQUIRE(old.find("corrected_completed") == std::string::npos);
  REQUIRE(old.find("lower_bounds") == std::string::npos);
  REQUIRE(old.find("session_aborted") == std::string::npos);
  auto doc = parse_result_json(old, "old.json");
  REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error().context));
  CHECK(doc->overall.failed == 5);
  CHECK(doc->overall.lower_bounds == 0);
  CHECK(doc->overall.corrected_completed == doc->overall.corrected);
  CHECK(doc->overall.failure_count(kSessionAbortedCause) == 0);
  CHECK(doc->by_endpoint[1].scope.corrected_completed == doc->by_endpoint[1].scope.corrected);
  for (const auto& row : doc->timeline) CHECK(row.failed == 0);
  for (const auto& t : doc->timeline_by_tag) {
    for (const auto& row : t.rows) CHECK(row.failed == 0);
  }
  // Written again, it has the new fields, derived as read.
  auto again = parse_result_json(format_result_doc(doc.value()), "again.json");
  REQUIRE(again.ok());
  CHECK(again->overall.corrected_completed == doc->overall.corrected);
  CHECK(again->overall.lower_bounds == 0);
}

TEST_CASE("send lag's parts, the named limits and how the run ended read back and write back") {
  auto samples = two_endpoints();
  samples[7].scheduler_lag_us = 40'000;
  samples[8].connection_wait_us = 90'000;
  samples[9].connect_us = 3'000;
  testing::RunEnding ending;
  ending.interrupted = true;
  ending.drain_us = 5'000'000;
  ending.trace_ended_at_us = 4'250'000;
  ending.warnings = {"the trace's bearer tokens expired at 2026-11-23T12:00:00Z",
                     "a \"quoted\" line\twith a tab and ünïcode"};
  const std::string json = testing::write_run_json(samples, 1'700'000'000'000, 2, {}, ending);
  auto doc = parse_result_json(json, "split.json");
  REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error().context));
  const Scope& o = doc->overall;
  CHECK(o.scheduler_lag.count() == 400);
  CHECK(o.connection_wait.count() == 400);
  CHECK(o.connect.count() == 400);
  CHECK(o.send_lag.count() == 400);
  CHECK(o.scheduler_lag.max() >= 40'000);
  CHECK(o.connection_wait.max() >= 90'000);
  CHECK(o.send_lag.max() >= 90'000);
  CHECK(doc->find_scope("POST /b/{id}")->connection_wait.count() == 100);
  CHECK(json.find("\"send_lag\":{\"count\":400,") != std::string::npos);
  CHECK(json.find("\"scheduler_lag\":{\"count\":400,") != std::string::npos);
  CHECK(json.find("\"connection_wait\":{\"count\":400,") != std::string::npos);
  CHECK(json.find("\"connect\":{\"count\":400,") != std::string::npos);

  CHECK(doc->interrupted);
  CHECK(doc->drain_us == 5'000'000);
  CHECK(doc->trace_ended_at_us == 4'250'000);
  CHECK(doc->warnings == ending.warnings);
  CHECK(json.find("\"drain_us\":5000000,\"trace_ended_at_us\":4250000,") != std::string::npos);
  CHECK(json.find("\"warnings\":[\"the trace's bearer tokens expired at 2026-11-23T12:00:00Z\",") !=
        std::string::npos);

  // One p99 of 90 ms in 400 is not a limit; the flags and the headline are written anyway.
  CHECK_FALSE(doc->saturation.generator_limited);
  CHECK_FALSE(doc->saturation.client_limited);
  CHECK(json.find("\"saturated\":false,\"generator_limited\":false,\"client_limited\":false,") !=
        std::string::npos);
  const std::string headline = "\"headline\":\"" + doc->saturation.summary + "\"";
  const std::string summary = "\"summary\":\"" + doc->saturation.summary + "\"";
  CHECK(json.find(headline + "," + summary + "}") != std::string::npos);

  // Written back, byte for byte.
  CHECK(format_result_doc(doc.value()) == json);

  // Verdicts that name replay's limits survive the round trip.
  ResultDoc limited = doc.value();
  limited.saturation.generator_limited = true;
  limited.saturation.client_limited = true;
  limited.saturation.summary = "GENERATOR-LIMITED: x; CLIENT-LIMITED: y; service not shown";
  auto again = parse_result_json(format_result_doc(limited), "limited.json");
  REQUIRE(again.ok());
  CHECK(again->saturation.generator_limited);
  CHECK(again->saturation.client_limited);
  CHECK(again->saturation.replay_limited());
  CHECK(again->saturation.summary == limited.saturation.summary);
}

TEST_CASE("a result written before send lag was split and runs said how they ended still reads") {
  testing::RunEnding ending;
  ending.warnings = {"w"};
  const std::string json =
      testing::write_run_json(two_endpoints(), 1'700'000'000'000, 2, {}, ending);
  std::string old = std::regex_replace(
      json,
      std::regex(
          R"re(,"scheduler_lag":\{[^}]*\},"connection_wait":\{[^}]*\},"connect":\{[^}]*\})re"),
      "");
  old = std::regex_replace(old, std::regex(R"re("drain_us":\d+,"trace_ended_at_us":-?\d+,)re"), "");
  old = std::regex_replace(old, std::regex(R"re("warnings":\[[^\]]*\],)re"), "");
  old = std::regex_replace(
      old, std::regex(R"re("generator_limited":false,"client_limited":false,)re"), "");
  old = std::regex_replace(old, std::regex(R"re("headline":"[^"]*",)re"), "");
  for (const char* gone : {"scheduler_lag", "connection_wait", "\"connect\"", "drain_us",
                           "trace_ended_at_us", "warnings", "generator_limited", "headline"}) {
    REQUIRE_MESSAGE(old.find(gone) == std::string::npos, gone);
  }
  auto doc = parse_result_json(old, "old.json");
  REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error().context));
  CHECK(doc->overall.send_lag.count() == 400);
  CHECK(doc->overall.scheduler_lag.count() == 0);
  CHECK(doc->overall.connection_wait.count() == 0);
  CHECK(doc->overall.connect.count() == 0);
  CHECK(doc->by_endpoint[1].scope.connect.count() == 0);
  CHECK(doc->drain_us == 0);
  CHECK(doc->trace_ended_at_us == -1);
  CHECK(doc->warnings.empty());
  CHECK_FALSE(doc->saturation.generator_limited);
  CHECK_FALSE(doc->saturation.client_limited);
  CHECK(doc->saturation.summary.find("not saturated") == 0);  // from "summary"
  // Written again, it has the new fields, empty.
  auto again = parse_result_json(format_result_doc(doc.value()), "again.json");
  REQUIRE(again.ok());
  CHECK(again->overall.scheduler_lag.count() == 0);
  CHECK(again->trace_ended_at_us == -1);
}

TEST_CASE("warnings must be strings") {
  const std::string json = testing::write_run_json(two_endpoints(), 1'700'000'000'000);
  auto bad =
      parse_result_json(replace_once(json, "\"warnings\":[]", "\"warnings\":[\"a\",7]"), "w.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().context == "w.json: field 'warnings[1]': expected a string");
  auto not_array =
      parse_result_json(replace_once(json, "\"warnings\":[]", "\"warnings\":\"a\""), "w.json");
  REQUIRE_FALSE(not_array.ok());
  CHECK(not_array.error().context == "w.json: field 'warnings': expected an array");
}

TEST_CASE("other formats, newer versions and damaged results are refused naming file and field") {
  const std::string json = testing::write_run_json(two_endpoints(), 1'700'000'000'000);

  auto trace = parse_result_json(R"({"format":"replay-trace","version":1})", "t.json");
  REQUIRE_FALSE(trace.ok());
  CHECK(trace.error().code == Errc::unsupported);
  CHECK(trace.error().context.find("t.json: not a replay result") == 0);

  auto newer = parse_result_json(replace_once(json, "\"version\":1", "\"version\":2"), "new.json");
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.error().code == Errc::unsupported);
  CHECK(newer.error().context ==
        "new.json: format version 2 is newer than this build of replay reads (1)");

  auto not_json = parse_result_json("{\"format\":", "x.json");
  REQUIRE_FALSE(not_json.ok());
  CHECK(not_json.error().code == Errc::corrupt);
  CHECK(not_json.error().context.find("x.json: ") == 0);

  auto array = parse_result_json("[1,2]", "a.json");
  REQUIRE_FALSE(array.ok());
  CHECK(array.error().code == Errc::unsupported);

  auto missing = parse_result_json(replace_once(json, "\"load_us\":", "\"load_uz\":"), "m.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().context == "m.json: field 'load_us': missing");

  auto bad_hdr =
      parse_result_json(replace_once(json, "\"hdr\":\"hdr1:", "\"hdr\":\"hdr9:"), "h.json");
  REQUIRE_FALSE(bad_hdr.ok());
  CHECK(bad_hdr.error().code == Errc::corrupt);
  CHECK(bad_hdr.error().context.find("h.json: field 'overall.latency_us.corrected.hdr': ") == 0);

  auto wrong_count =
      parse_result_json(replace_once(json, "{\"count\":400,", "{\"count\":401,"), "c.json");
  REQUIRE_FALSE(wrong_count.ok());
  CHECK(
      wrong_count.error().context ==
      "c.json: field 'overall.latency_us.corrected.count': 401 but the histogram holds 400 values");

  auto wrong_type =
      parse_result_json(replace_once(json, "\"interrupted\":false", "\"interrupted\":0"), "w.json");
  REQUIRE_FALSE(wrong_type.ok());
  CHECK(wrong_type.error().context == "w.json: field 'interrupted': expected true or false");

  auto bad_row = parse_result_json(replace_once(json, "\"second\":1,", "\"second\":0,"), "r.json");
  REQUIRE_FALSE(bad_row.ok());
  CHECK(bad_row.error().context ==
        "r.json: field 'timeline[1].second': seconds must increase from row to row");
}

TEST_CASE("read_result_file names the missing file") {
  auto missing = read_result_file("/nonexistent/run.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().context.find("'/nonexistent/run.json': ") == 0);
}

TEST_CASE("checks and session latency read back and write back unchanged") {
  const std::string json = testing::write_run_json(two_endpoints(), 1'700'000'000'000, 2);
  auto doc = parse_result_json(json, "run.json");
  REQUIRE(doc.ok());
  CHECK(json.find("\"checks\"") == std::string::npos);  // none ran: no key
  CHECK(json.find("\"session_us\"") == std::string::npos);
  ResultDoc d = doc.value();
  d.overall.checks.passed = 9;
  d.overall.checks.add_failure("status 201", "503");
  d.overall.session_us.emplace();
  for (int i = 1; i <= 20; ++i) d.overall.session_us->record(i * 100'000);
  const std::string written = format_result_doc(d);
  auto back = parse_result_json(written, "again.json");
  REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().context));
  CHECK(back->overall.checks == d.overall.checks);
  REQUIRE(back->overall.session_us);
  CHECK(back->overall.session_us->count() == 20);
  CHECK(back->overall.session_us->max() == d.overall.session_us->max());
  CHECK(format_result_doc(back.value()) == written);
  // A threshold on session latency reads it; a scope without sessions has no values.
  CHECK(check_threshold(parse_threshold("session.p50<=1.1s").value(), back.value()).passed);
  CHECK_FALSE(check_threshold(parse_threshold("session.p50<0.9s").value(), back.value()).passed);
  const auto none = check_threshold(parse_threshold("session.p50<=1s").value(), doc.value());
  CHECK_FALSE(none.passed);
  CHECK(none.observed == "no session values");
}
