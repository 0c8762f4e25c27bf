// The run's terminal summary and timeline CSV (report component) on statistics built by hand,
// rendered from the result document the run saves:
// errors by cause, the lower-bound line, "-" for a scope without latency, send lag's parts, the
// verdicts that hold, how the run ended and its one elapsed time, the CSV's failed column.

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "replay/core/units.hpp"
#include "replay/report/result_views.hpp"
#include "replay/report/run_report.hpp"
#include "replay/results/saturation.hpp"
#include "replay/results/threshold.hpp"
#include "replay/schedule/rate.hpp"

using namespace replay;

namespace {

engine::ScopeStats completed_scope(int n, int64_t latency_us) {
  engine::ScopeStats s;
  for (int i = 0; i < n; ++i) {
    ++s.offered;
    ++s.sent;
    ++s.completed;
    ++s.status_classes[2];
    s.corrected.record(latency_us + i);
    s.corrected_completed.record(latency_us + i);
    s.service.record(latency_us + i);
    s.send_lag.record(10);
    s.scheduler_lag.record(2);
    s.connection_wait.record(5);
    s.connect.record(3);
    s.ttfb.record(latency_us / 2);
  }
  return s;
}

void add_transport_failure(engine::ScopeStats& s, client::FailureCause cause, int64_t at_us) {
  ++s.offered;
  ++s.sent;
  ++s.failures[static_cast<size_t>(cause)];
  s.corrected.record(at_us);
  ++s.lower_bounds;
}

report::RunReport base_report() {
  report::RunReport report;
  report.config.trace_path = "t.zst";
  report.config.target_url = "http://127.0.0.1:1";
  report.config.rate = schedule::parse_rate_schedule("10/s").value();
  report.rate_text = "10/s";
  report.result.threads = 1;
  report.result.load_us = 2'000'000;
  report.result.elapsed_us = 2'000'000;
  return report;
}

// 20 completions of GET /a at ~20 ms; POST /b had 2 resets (at 5 ms and 40 ms), one timeout
// at 1 s and a failed capture; GET /c only aborted session steps (nothing sent).
report::RunReport report_with_failures() {
  report::RunReport report = base_report();
  auto& r = report.result;
  engine::ScopeStats a = completed_scope(20, 20'000);
  engine::ScopeStats b = completed_scope(4, 30'000);
  add_transport_failure(b, client::FailureCause::reset, 5'000);
  add_transport_failure(b, client::FailureCause::reset, 40'000);
  add_transport_failure(b, client::FailureCause::timeout, 1'000'000);
  b.capture_failed = 1;
  engine::ScopeStats c;
  c.offered = 3;
  c.session_aborted = 3;
  r.by_endpoint = {{"GET /a", a}, {"POST /b", b}, {"GET /c", c}};
  r.overall = a;
  r.overall.merge(b);
  r.overall.merge(c);
  r.by_tag = {{"x", a}, {"y", b}};
  r.by_tag[1].stats.merge(c);
  engine::TimelineRow row;
  row.second = 0;
  row.offered = 30;
  row.sent = 27;
  row.completed = 24;
  row.failed = 3;
  row.errors = 4;
  r.timeline = {row};
  r.timeline_by_tag = {{}, {row}};
  return report;
}

// The views render from the saved result, as `replay run` and `replay report` do.
std::string summary_of(const report::RunReport& report) {
  return report::format_summary(report::to_result_doc(report));
}

std::string csv_of(const report::RunReport& report) {
  return report::format_timeline_csv(report::to_result_doc(report));
}

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// The line of `text` that starts with `prefix` ("" when none).
std::string line_starting(const std::string& text, const std::string& prefix) {
  for (size_t at = 0; at < text.size();) {
    const size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    if (line.rfind(prefix, 0) == 0) return line;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "";
}

}  // namespace

TEST_CASE("the summary lists every cause of error, failed captures and aborted steps included") {
  const std::string out = summary_of(report_with_failures());
  CHECK(has(out, "failed 6"));  // 3 transport failures, 3 aborted steps
  CHECK(has(out, "\n  errors by cause\n"));
  CHECK(has(out, "\n    reset            2\n"));
  CHECK(has(out, "\n    timeout          1\n"));
  CHECK(has(out, "\n    capture_failed   1\n"));
  CHECK(has(out, "\n    session_aborted  3\n"));
  CHECK_FALSE(has(out, "connect_refused"));

  // A failed capture alone is an error worth listing.
  report::RunReport capture_only = base_report();
  capture_only.result.overall = completed_scope(5, 1'000);
  capture_only.result.overall.capture_failed = 2;
  const std::string capture = summary_of(capture_only);
  CHECK(has(capture, "\n  errors by cause\n    capture_failed   2\n"));
}

TEST_CASE("the summary says when the corrected latency includes failures as lower bounds") {
  const report::RunReport report = report_with_failures();
  const std::string out = summary_of(report);
  const auto& o = report.result.overall;
  const std::string line = line_starting(out, "  corrected latency includes");
  CHECK(line ==
        "  corrected latency includes 3 failed requests at their failure time (lower "
        "bounds); completed only: p50 " +
            format_ms(o.corrected_completed.value_at_percentile(50)) + ", p99 " +
            format_ms(o.corrected_completed.value_at_percentile(99)));
  // The corrected row holds the timeout at its failure time; completed only does not.
  CHECK(has(line_starting(out, "  corrected "), format_ms(o.corrected.max())));
  CHECK(o.corrected.max() >= 1'000'000);
  CHECK(o.corrected_completed.max() < 1'000'000);
  // The endpoint and tag rows with lower bounds say how many.
  const auto& b = report.result.by_endpoint[1].stats;
  CHECK(line_starting(out, "  POST /b")
            .ends_with(" " + format_ms(b.corrected.max()) + "  (3 lower bounds)"));
  CHECK(line_starting(out, "  GET /a").find("lower bound") == std::string::npos);
  CHECK(has(line_starting(out, "  y "), "(3 lower bounds)"));

  // One failure: singular.
  report::RunReport one = base_report();
  one.result.overall = completed_scope(5, 1'000);
  add_transport_failure(one.result.overall, client::FailureCause::reset, 300);
  CHECK(has(summary_of(one),
            "\n  corrected latency includes 1 failed request at its failure time (lower bounds); "
            "completed only: p50 "));

  // Nothing completed: no percentiles of nothing.
  report::RunReport refused = base_report();
  add_transport_failure(refused.result.overall, client::FailureCause::connect_refused, 200);
  add_transport_failure(refused.result.overall, client::FailureCause::connect_refused, 300);
  CHECK(has(summary_of(refused),
            "\n  corrected latency includes 2 failed requests at their failure time (lower "
            "bounds); none completed\n"));
}

TEST_CASE("without failures in the latency the summary has no lower-bound line") {
  report::RunReport report = base_report();
  report.result.overall = completed_scope(10, 2'000);
  report.result.overall.session_aborted = 2;  // aborted steps have no latency
  report.result.by_endpoint = {{"GET /a", report.result.overall}};
  const std::string out = summary_of(report);
  CHECK_FALSE(has(out, "lower bound"));
  CHECK_FALSE(has(out, "corrected latency includes"));
  CHECK(has(out, "\n    session_aborted  2\n"));

  report.result.overall.session_aborted = 0;
  report.result.by_endpoint = {{"GET /a", report.result.overall}};
  const std::string clean = summary_of(report);
  CHECK_FALSE(has(clean, "errors by cause"));
  CHECK_FALSE(has(clean, "lower bound"));
}

TEST_CASE("a scope without latency shows - instead of 0.00ms") {
  const std::string out = summary_of(report_with_failures());
  const std::string c = line_starting(out, "  GET /c ");
  REQUIRE_FALSE(c.empty());
  CHECK(c.find("0.00ms") == std::string::npos);
  CHECK(c.find("ms") == std::string::npos);
  // requests, rate/s, errors, then p50, p95, p99 and max as "-".
  CHECK(c.substr(c.size() - 44) == std::string(10, ' ') + "-" + std::string(10, ' ') + "-" +
                                       std::string(10, ' ') + "-" + std::string(10, ' ') + "-");
  CHECK(has(line_starting(out, "  GET /a "), "ms"));

  // Nothing ended at all: the overall latency rows are "-" too.
  report::RunReport empty = base_report();
  empty.result.overall.offered = 4;
  empty.result.overall.session_aborted = 4;
  const std::string none = summary_of(empty);
  const std::string corrected = line_starting(none, "  corrected ");
  REQUIRE_FALSE(corrected.empty());
  CHECK(corrected.find("ms") == std::string::npos);
  CHECK(corrected.back() == '-');
}

TEST_CASE("the timeline CSV has a failed column for the run and for each tag") {
  const std::string csv = csv_of(report_with_failures());
  CHECK(line_starting(csv, "second,") ==
        "second,tag,offered,sent,completed,failed,errors,in_flight,backlog,p50_ms,p99_ms,"
        "service_p50_ms,service_p99_ms");
  CHECK(line_starting(csv, "0,all,").rfind("0,all,30,27,24,3,4,0,0,", 0) == 0);
  CHECK(line_starting(csv, "0,y,").rfind("0,y,30,27,24,3,4,,,", 0) == 0);
  CHECK(line_starting(csv, "0,x,").empty());  // tag x had nothing that second
}

TEST_CASE("with endpoint timelines the CSV has a row per endpoint and second, named endpoint:") {
  report::RunReport report = report_with_failures();
  report.config.endpoint_timeline = true;
  report.result.by_endpoint = {{"GET /a", {}}, {"POST /b,c", {}}};
  engine::TimelineRow row = report.result.timeline_by_tag[1][0];
  row.completed = 7;
  report.result.timeline_by_endpoint = {{}, {row}};
  const std::string csv = csv_of(report);
  CHECK(line_starting(csv, "0,\"endpoint:POST /b,c\",")
            .rfind("0,\"endpoint:POST /b,c\",30,27,7,3,4,,,", 0) == 0);
  CHECK(line_starting(csv, "0,endpoint:GET /a").empty());  // no rows: no line
  // Endpoint rows come after the tag rows of the same second.
  CHECK(csv.find("0,y,") < csv.find("0,\"endpoint:"));
}

TEST_CASE("the latency table has send lag's three parts indented under it, aligned") {
  report::RunReport report = base_report();
  auto& o = report.result.overall;
  o = completed_scope(50, 20'000);
  for (int i = 0; i < 50; ++i) {
    o.scheduler_lag.record(1'000);
    o.connection_wait.record(40'000);
    o.connect.record(2'500);
  }
  const std::string out = summary_of(report);
  const std::string header = line_starting(out, "  latency ");
  const std::string lag = line_starting(out, "  send lag ");
  const std::string scheduler = line_starting(out, "    scheduler ");
  const std::string wait = line_starting(out, "    conn wait ");
  const std::string connect = line_starting(out, "    connect ");
  REQUIRE_FALSE(scheduler.empty());
  REQUIRE_FALSE(wait.empty());
  REQUIRE_FALSE(connect.empty());
  // Right after send lag, in this order, and every row as wide as the header.
  CHECK(has(out, lag + "\n" + scheduler + "\n" + wait + "\n" + connect + "\n  ttfb "));
  const std::string corrected = line_starting(out, "  corrected ");
  for (const std::string& row : {lag, scheduler, wait, connect, corrected}) {
    CHECK(row.size() == header.size());
  }
  CHECK(header.ends_with("p50        p90        p95        p99      p99.9        max       mean"));
  CHECK(has(wait, format_ms(o.connection_wait.value_at_percentile(50))));
  CHECK(has(scheduler, format_ms(o.scheduler_lag.max())));
  CHECK(has(connect, format_ms(o.connect.max())));
  CHECK(has(out, "send lag = scheduler: replay late + conn wait: no free connection + connect"));

  // A run without any: the rows are there, with "-".
  report::RunReport empty = base_report();
  const std::string none = line_starting(summary_of(empty), "    conn wait ");
  REQUIRE_FALSE(none.empty());
  CHECK(none.back() == '-');
}

TEST_CASE("the summary's saturation line names every verdict that holds") {
  report::RunReport report = base_report();
  report.result.overall = completed_scope(10, 2'000);
  results::ResultDoc doc = report::to_result_doc(report);
  doc.saturation =
      results::analyse_saturation(doc.timeline, results::LimitEvidence{45'000, 120'000, {}});
  REQUIRE(doc.saturation.generator_limited);
  REQUIRE(doc.saturation.client_limited);
  const std::string line = line_starting(report::format_summary(doc), "  saturation ");
  CHECK(line == "  saturation " + doc.saturation.summary);
  CHECK(line.find("GENERATOR-LIMITED: ") == 13);
  CHECK(line.find("scheduler lag p99 45.0 ms") != std::string::npos);
  CHECK(line.find("CLIENT-LIMITED: ") > line.find("GENERATOR-LIMITED"));
  CHECK(line.find("connection wait p99 120.0 ms") != std::string::npos);
  CHECK(line.find("too short to judge") != std::string::npos);
}

TEST_CASE("probe and saturated thresholds are listed under the summary with what they saw") {
  report::RunReport report = base_report();
  report.result.overall = completed_scope(20, 2'000);
  for (int64_t s = 0; s < 3; ++s) {
    engine::TimelineRow row;
    row.second = s;
    row.offered = row.completed = 10;
    report.result.timeline.push_back(row);
  }
  // Read at seconds 0 and 1, not at 2: the last sample is second 1's.
  report.result.probes = {{"queue", "queue_depth", {120, 198, NAN}}};
  for (const char* text : {"probe.queue.last==0", "probe.queue.max<1000", "saturated==false"}) {
    report.thresholds.push_back(results::parse_threshold(text).value());
  }
  const std::string out = summary_of(report);
  CHECK(has(out,
            "\n    FAIL  probe.queue.last==0          probe.queue.last = 198 (second 1; 1 "
            "null)\n"));
  CHECK(has(out,
            "\n    PASS  probe.queue.max<1000         probe.queue.max = 198 (second 1; 1 "
            "null)\n"));
  // 3 s of load is too short to judge saturation: no evidence, so it does not pass.
  CHECK(has(out,
            "\n    FAIL  saturated==false             saturation not judged: run too short "
            "to judge saturation (needs 5 s of offered load)\n"));
}

TEST_CASE("the summary gives the run's elapsed time once; the offered rate is over the load") {
  // A run whose load ran its course: the drain's few ms are not worth a second duration.
  report::RunReport full = base_report();
  full.result.overall = completed_scope(150, 2'000);
  full.result.load_us = 15'000'000;
  full.result.elapsed_us = 15'030'000;
  const std::string out = summary_of(full);
  CHECK(has(line_starting(out, "  requests "), "   in 15.0s"));
  CHECK(line_starting(out, "  rate ")
            .rfind("  rate       offered 10.0/s   achieved 0.0/s   throughput 10.0/s   ", 0) ==
        0);  // achieved counts the timeline's completions, and this result has no timeline
  CHECK_FALSE(has(out, " over "));

  // Interrupted at 3.9 s, load offered for 3.0 s: one run length, and the load's named as such.
  report::RunReport stopped = base_report();
  stopped.result.interrupted = true;
  stopped.result.overall = completed_scope(30, 2'000);
  stopped.result.load_us = 3'000'000;
  stopped.result.elapsed_us = 3'900'000;
  const std::string cut = summary_of(stopped);
  CHECK(has(cut, "\n  INTERRUPTED: partial results\n"));
  CHECK(has(line_starting(cut, "  requests "), "   in 3.9s"));
  CHECK(line_starting(cut, "  rate ")
            .rfind("  rate       offered 10.0/s over 3.0s of offered load   achieved 0.0/s   "
                   "throughput 7.7/s",
                   0) == 0);
  // No other duration: "in 3.9s" is the only length of the run.
  CHECK_FALSE(has(cut, "3.90s"));
  CHECK_FALSE(has(cut, "over 3.9"));
}

TEST_CASE("warnings and abandoned requests are explained in the summary") {
  report::RunReport report = base_report();
  report.result.warnings = {
      "the trace ran out 2.00s into a run scheduled for 5.00s: nothing was "
      "offered after that",
      "second"};
  report.result.drain_us = 1'500'000;
  report.result.overall = completed_scope(10, 2'000);
  add_transport_failure(report.result.overall, client::FailureCause::abandoned, 1'600'000);
  add_transport_failure(report.result.overall, client::FailureCause::abandoned, 1'700'000);
  const std::string out = summary_of(report);
  CHECK(has(out,
            "\n  warning: the trace ran out 2.00s into a run scheduled for 5.00s: nothing "
            "was offered after that\n  warning: second\n"));
  CHECK(has(out, "\n    abandoned        2\n"));
  CHECK(has(out,
            "    (abandoned: given up as the run ended, unsent at its end, in flight after "
            "the " +
                format_duration_us(1'500'000) +
                "\n     drain or at Ctrl-C/SIGTERM; in the corrected latency as lower "
                "bounds)\n"));
  CHECK(has(out, "corrected latency includes 2 failed requests"));

  report::RunReport clean = base_report();
  clean.result.overall = completed_scope(10, 2'000);
  add_transport_failure(clean.result.overall, client::FailureCause::reset, 1'000);
  CHECK_FALSE(has(summary_of(clean), "abandoned"));
  CHECK_FALSE(has(summary_of(clean), "warning:"));
}
