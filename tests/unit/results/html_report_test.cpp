// The HTML pages: self-contained, with drawn charts, the run's tables, probes only when the
// timeline has them, and every string from the result escaped.

#include "replay/results/html_report.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "html_breakdown_charts.hpp"
#include "html_tables.hpp"
#include "replay/results/result_writer.hpp"
#include "replay/results/threshold.hpp"
#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;
using replay::testing::Sample;

namespace {

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::vector<Sample> evil_samples() {
  auto samples = testing::spread_samples(600, 6, 20'000, "GET /a");
  auto evil =
      testing::spread_samples(60, 6, 90'000, "GET /<script>alert(\"x\")</script>", 2, "t&t");
  evil[0].status = 500;
  samples.insert(samples.end(), evil.begin(), evil.end());
  return samples;
}

}  // namespace

TEST_CASE("the report is one self-contained page with drawn charts and the run's tables") {
  ResultDoc doc = testing::make_run(evil_samples(), 1'700'000'000'000, 2, {"p99<50ms"});
  for (auto& row : doc.timeline) row.status_codes.clear();  // as results of older builds
  const std::string html = render_html_report(doc);
  CHECK(html.find("<!DOCTYPE html>") == 0);
  CHECK(html.rfind("</html>\n") == html.size() - 8);
  // Nothing fetched, nothing executed.
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("url(http") == std::string::npos);
  // Latency of tags t and t&t, latency, rate, errors, concurrency, spectrum, spectrum by
  // endpoint; no status codes over time (the doc has classes only, as older results).
  CHECK(count_of(html, "<svg ") == 8);
  CHECK(html.find("<svg id=\"status\"") == std::string::npos);
  CHECK(count_of(html, "<path class=\"line\" d=\"M") >= 12);
  CHECK(html.find("<path class=\"band\" d=\"M") != std::string::npos);
  CHECK(html.find(">Percentile spectrum</h2>") != std::string::npos);
  CHECK(html.find(">99.999%</text>") != std::string::npos);
  CHECK(html.find(">Probes</h2>") == std::string::npos);
  CHECK(html.find("GET /&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find(">t&amp;t</td>") != std::string::npos);
  CHECK(html.find(">HTTP 5xx responses</td>") != std::string::npos);
  CHECK(html.find(">p99&lt;50ms</td>") != std::string::npos);
  CHECK(html.find(">FAIL</span>") != std::string::npos);
  CHECK(html.find("not saturated") != std::string::npos);
}

TEST_CASE("the report shows the new causes, failed per second and the lower bounds") {
  auto samples = testing::spread_samples(300, 6, 20'000, "GET /a");
  auto b = testing::spread_samples(30, 6, 40'000, "POST /b", 2, "b");
  b[0].outcome = "reset";
  b[1].outcome = "timeout";
  b[2].outcome = std::string(kCaptureFailedCause);
  b[3].outcome = std::string(kSessionAbortedCause);
  samples.insert(samples.end(), b.begin(), b.end());
  ResultDoc doc = testing::make_run(samples);
  REQUIRE(doc.overall.lower_bounds == 2);
  const std::string html = render_html_report(doc);
  CHECK(html.find(">capture_failed</td>") != std::string::npos);
  CHECK(html.find(">session_aborted</td>") != std::string::npos);
  CHECK(html.find(">reset</td>") != std::string::npos);
  CHECK(html.find("session_aborted: a session step not sent") != std::string::npos);
  CHECK(html.find("The corrected latency includes 2 failed requests, each at the time it "
                  "failed: a lower bound") != std::string::npos);
  CHECK(html.find(">corrected, completed only</td>") != std::string::npos);
  CHECK(html.find("<th class=\"num\">lower bounds</th>") != std::string::npos);
  CHECK(html.find("incl. 2 failed (lower bounds)") != std::string::npos);
  // The rate chart's hover counts the second's failures.
  CHECK(html.find(", failed 2, errors ") != std::string::npos);

  // Without failures in the latency, none of it.
  const std::string clean =
      render_html_report(testing::make_run(testing::spread_samples(300, 6, 20'000)));
  CHECK(clean.find("lower bound") == std::string::npos);
  CHECK(clean.find("completed only") == std::string::npos);
  CHECK(clean.find(">session_aborted</td>") == std::string::npos);
  CHECK(clean.find(", failed 0, errors 0") != std::string::npos);
}

TEST_CASE("the report shows send lag's parts, the run's warnings, an interruption and abandoned") {
  auto samples = testing::spread_samples(300, 6, 20'000, "GET /a");
  Sample abandoned;
  abandoned.second = 5;
  abandoned.latency_us = 2'000'000;
  abandoned.outcome = std::string(kAbandonedCause);
  samples.push_back(abandoned);
  testing::RunEnding ending;
  ending.interrupted = true;
  ending.drain_us = 2'000'000;
  ending.trace_ended_at_us = 5'500'000;
  ending.warnings = {"the trace's tokens <expired>", "second & last"};
  const ResultDoc doc = testing::make_run(samples, 1'700'000'000'000, 2, {}, ending);
  REQUIRE(doc.overall.failure_count(kAbandonedCause) == 1);
  const std::string html = render_html_report(doc);

  // The interruption and the warnings come before the figures, in notice boxes.
  const auto interrupted =
      html.find("<div class=\"notice bad\"><b>Interrupted: partial results</b>");
  const auto warnings = html.find("<div class=\"notice\"><b>Warnings</b><ul>");
  REQUIRE(interrupted != std::string::npos);
  REQUIRE(warnings != std::string::npos);
  CHECK(interrupted < html.find("<div class=\"cards\">"));
  CHECK(warnings < html.find("<div class=\"cards\">"));
  CHECK(html.find("and 1 request still due or in flight was abandoned") != std::string::npos);
  CHECK(html.find("<li>the trace&#39;s tokens &lt;expired&gt;</li>") != std::string::npos);
  CHECK(html.find("<li>second &amp; last</li>") != std::string::npos);
  CHECK(html.find(".notice {") != std::string::npos);  // styled

  // Send lag's parts, under it in the latency table.
  const auto lag = html.find(">send lag (sent − intended)</td>");
  const auto scheduler = html.find("<td class=\"name part\">scheduler lag (replay late)</td>");
  const auto wait = html.find("<td class=\"name part\">connection wait (no free connection)</td>");
  const auto connect =
      html.find("<td class=\"name part\">connect (TCP and TLS of a new connection)</td>");
  REQUIRE(lag != std::string::npos);
  CHECK(lag < scheduler);
  CHECK(scheduler < wait);
  CHECK(wait < connect);
  CHECK(connect < html.find(">time to first byte</td>"));
  CHECK(html.find("Send lag is replay&#39;s side") != std::string::npos);

  // Abandoned: in the causes, explained, with the drain; the run's ending in the configuration.
  CHECK(html.find(">abandoned</td>") != std::string::npos);
  CHECK(html.find("abandoned: given up as the run ended (not sent by its end, still in flight "
                  "after the 2.00s drain, or at Ctrl-C/SIGTERM)") != std::string::npos);
  CHECK(html.find(">drain after the load</td><td>2 s</td>") != std::string::npos);
  CHECK(html.find(">trace ran out at</td><td>5.5 s</td>") != std::string::npos);

  // A run that ended normally has none of it; an older result has no send-lag parts.
  ResultDoc plain = testing::make_run(testing::spread_samples(300, 6, 20'000));
  const std::string clean = render_html_report(plain);
  CHECK(clean.find("class=\"notice") == std::string::npos);
  CHECK(clean.find(">abandoned</td>") == std::string::npos);
  CHECK(clean.find(">trace ran out at</td>") == std::string::npos);
  plain.overall.scheduler_lag = plain.overall.connection_wait = plain.overall.connect = Histogram();
  const std::string old = render_html_report(plain);
  CHECK(old.find(">send lag (sent − intended)</td>") != std::string::npos);
  CHECK(old.find("scheduler lag (replay late)") == std::string::npos);
}

TEST_CASE("the report names every verdict that holds") {
  ResultDoc doc = testing::make_run(testing::spread_samples(600, 6, 20'000));
  CHECK(render_html_report(doc).find("<span class=\"badge ok\">not saturated</span>") !=
        std::string::npos);
  doc.saturation.generator_limited = true;
  doc.saturation.client_limited = true;
  doc.saturation.summary = "GENERATOR-LIMITED: a; CLIENT-LIMITED: b; service not shown saturated";
  const std::string limited = render_html_report(doc);
  const auto generator = limited.find("<span class=\"badge warn\">generator-limited</span>");
  const auto client = limited.find("<span class=\"badge warn\">client-limited</span>");
  REQUIRE(generator != std::string::npos);
  CHECK(generator < client);
  CHECK(limited.find("not saturated</span>") == std::string::npos);
  CHECK(limited.find("GENERATOR-LIMITED: a; CLIENT-LIMITED: b") != std::string::npos);
  CHECK(limited.find("Generator-limited: replay could not send on time (scheduler lag p99 ") !=
        std::string::npos);
  CHECK(limited.find("Client-limited: requests waited for a free connection") != std::string::npos);
  CHECK(limited.find("<div class=\"warn\"><span>verdict</span><b>client-limited</b><small>also "
                     "generator-limited; replay&#39;s limit, not the service&#39;s</small>") !=
        std::string::npos);

  doc.saturation.saturated = true;
  const std::string all = render_html_report(doc);
  CHECK(all.find("<span class=\"badge bad\">saturated</span>") > all.find("client-limited</span>"));
  CHECK(all.find("<div class=\"bad\"><span>verdict</span><b>saturated</b><small>also "
                 "generator-limited, client-limited; latency grows ") != std::string::npos);
  CHECK(all.find("Saturated: the service&#39;s own time grew as well") != std::string::npos);
}

TEST_CASE("a scope without latency shows a dash in the report") {
  auto samples = testing::spread_samples(100, 4, 20'000, "GET /a");
  Sample aborted;
  aborted.endpoint = "GET /never";
  aborted.outcome = std::string(kSessionAbortedCause);
  samples.push_back(aborted);
  const std::string html = render_html_report(testing::make_run(samples));
  const auto row = html.find(">GET /never</td>");
  REQUIRE(row != std::string::npos);
  const std::string cells = html.substr(row, html.find("</tr>", row) - row);
  CHECK(cells.find("—") != std::string::npos);
  CHECK(cells.find("0.00ms") == std::string::npos);
}

TEST_CASE("probe series get their own chart when the timeline has them") {
  ResultDoc doc = testing::make_run(testing::spread_samples(300, 6, 20'000));
  for (auto& row : doc.timeline) {
    row.probes.push_back({"queue", static_cast<double>(row.second * 10)});
    row.probes.push_back({"lag <ms>", row.second == 2 ? NAN : 1.5});
  }
  doc.probes = {{"queue", "queue_depth"}, {"lag <ms>", "lag_ms"}};
  const std::string html = render_html_report(doc);
  CHECK(html.find(">Probes</h2>") != std::string::npos);
  CHECK(html.find("<svg id=\"probe-0\"") != std::string::npos);
  CHECK(html.find("<svg id=\"probe-1\"") != std::string::npos);
  CHECK(html.find("<title>lag &lt;ms&gt;</title>") != std::string::npos);
}

TEST_CASE("probe thresholds are listed in the HTML thresholds table with what they saw") {
  ResultDoc doc = testing::make_run(testing::spread_samples(300, 6, 20'000));
  for (auto& row : doc.timeline) row.probes.push_back({"queue", 40.0 - row.second * 5});
  doc.probes = {{"queue", "queue_depth"}};
  doc.thresholds = {check_threshold(std::string("probe.queue.last==0"), doc),
                    check_threshold(std::string("probe.queue.mean<100"), doc, true)};
  const std::string html = render_html_report(doc);
  CHECK(html.find("<td class=\"name\">probe.queue.last==0</td><td><span class=\"badge bad\">FAIL"
                  "</span></td><td>probe.queue.last = 15 (second 5)</td>") != std::string::npos);
  CHECK(html.find("<td class=\"name\">warn probe.queue.mean&lt;100</td><td><span class=\"badge "
                  "ok\">pass</span></td><td>probe.queue.mean = 27.5 (6 samples)</td>") !=
        std::string::npos);
}

TEST_CASE("the comparison page overlays both sides and states the verdict") {
  auto before = pool_runs({testing::make_run(testing::spread_samples(2000, 6, 20'000))}).value();
  auto after =
      pool_runs({testing::make_run(testing::spread_samples(2000, 6, 30'000, "GET /a", 2))}).value();
  before.sources = {"before <1>.json"};
  after.sources = {"after.json"};
  auto c = compare_runs(before, after, {parse_fail_on("p50>+10%").value()});
  REQUIRE(c.ok());
  const std::string html = render_html_compare(before, after, c.value());
  CHECK(html.find("<div class=\"verdict bad\">REGRESSION: 1 of 1 --fail-on checks crossed") !=
        std::string::npos);
  CHECK(html.find("before &lt;1&gt;.json") != std::string::npos);
  // Spectrum, latency, rate, each side's status codes, concurrency, one spectrum per endpoint;
  // no errors chart (neither side had errors).
  CHECK(count_of(html, "<svg ") == 7);
  CHECK(html.find("<h2>Status codes over time, before</h2>") != std::string::npos);
  CHECK(html.find("<svg id=\"status-after\"") != std::string::npos);
  CHECK(html.find("errors-before") == std::string::npos);
  CHECK(count_of(html, "stroke=\"#1f6fb4\"") >= 4);
  CHECK(count_of(html, "stroke=\"#e8731a\"") >= 4);
  CHECK(html.find(">before p99</span>") != std::string::npos);
  CHECK(html.find(">after p50</span>") != std::string::npos);
  CHECK(html.find("<td class=\"num worse\">+50.") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  // Replay's side in its own section after the service's figures, said to be informational.
  const auto side = html.find("<h2>Replay&#39;s side: send lag and its parts</h2>");
  REQUIRE(side != std::string::npos);
  CHECK(side > html.find("<h2>Overall (corrected latency)</h2>"));
  CHECK(html.find("never enter the verdict or a --fail-on rule", side) != std::string::npos);
  CHECK(html.find(">scheduler_lag p99</td>", side) != std::string::npos);
}

TEST_CASE("the comparison page shows each side's status codes and errors over time, per run") {
  auto failing = testing::spread_samples(600, 6, 20'000);
  for (size_t i = 0; i < failing.size(); i += 10) failing[i].status = 503;
  // Two pooled "after" runs: the charts show the mean run, not the sum.
  auto before = pool_runs({testing::make_run(testing::spread_samples(600, 6, 20'000))}).value();
  auto after = pool_runs({testing::make_run(failing), testing::make_run(failing)}).value();
  auto c = compare_runs(before, after, {});
  REQUIRE(c.ok());
  const std::string html = render_html_compare(before, after, c.value());
  CHECK(html.find("<svg id=\"status-before\"") != std::string::npos);
  CHECK(html.find("<svg id=\"status-after\"") != std::string::npos);
  CHECK(html.find("errors-before") == std::string::npos);
  REQUIRE(html.find("<svg id=\"errors-after\"") != std::string::npos);
  const LineChart errors = error_cause_chart({"after", kAfterColour, &after.doc, 2});
  REQUIRE(errors.series().size() == 1);
  CHECK(errors.series()[0].name == "HTTP 503");
  double per_run = 0;
  for (const auto& [x, y] : errors.series()[0].points) per_run += y;
  CHECK(per_run == doctest::Approx(60));  // 60 per run, 120 in the pool
  // Both sides on one time axis, the longer run's.
  before = pool_runs({testing::make_run(testing::spread_samples(600, 9, 20'000))}).value();
  const std::vector<RunView> sides = {{"before", kBeforeColour, &before.doc, 1},
                                      {"after", kAfterColour, &after.doc, 2}};
  CHECK(status_code_chart(sides[1], sides).x_axis().max == 8);
  CHECK(error_cause_chart(sides[1], sides).x_axis().max == 8);
  CHECK(status_code_chart(sides[1]).x_axis().max == 0);  // alone: its own range
}

TEST_CASE("latency over time per endpoint appears when the run kept endpoint timelines") {
  auto samples = testing::spread_samples(200, 5, 1'000, "GET /health");
  auto slow = testing::spread_samples(100, 5, 800'000, "POST /chat", 2);
  samples.insert(samples.end(), slow.begin(), slow.end());
  testing::RunEnding with_endpoints;
  with_endpoints.endpoint_timeline = true;
  const ResultDoc doc = testing::make_run(samples, 1'700'000'000'000, 2, {}, with_endpoints);
  const std::string html = render_html_report(doc);
  REQUIRE(html.find("<h2>Latency over time by endpoint</h2>") != std::string::npos);
  CHECK(html.find("<svg id=\"latency-endpoint-0\"") != std::string::npos);
  CHECK(html.find("<svg id=\"latency-endpoint-1\"") != std::string::npos);
  const auto charts =
      scope_latency_charts({{"", kBeforeColour, &doc, 1}}, &ResultDoc::timeline_by_endpoint, 12);
  REQUIRE(charts.size() == 2);
  CHECK(charts[1].name == "POST /chat");
  for (const auto& s : charts[0].chart.series()) {
    for (const auto& [x, y] : s.points) CHECK(y < 2);  // the health checks' own axis (ms)
  }
  // Without the flag: no such section.
  const ResultDoc plain = testing::make_run(samples);
  CHECK(render_html_report(plain).find("Latency over time by endpoint") == std::string::npos);
}

TEST_CASE("the errors section follows the figures: no 'no errors' under an errors card") {
  // Every response a 503: the card says 100 %, the section lists the code with an example.
  ResultDoc doc = testing::make_run(testing::spread_samples(50, 2, 20'000, "GET /a"));
  const uint64_t n = doc.overall.completed;
  doc.overall.status = {};
  doc.overall.status[5] = n;
  doc.overall.status_codes = {{503, n}};
  doc.overall.errors = n;
  doc.by_endpoint[0].scope.status_codes = {{503, n}};
  doc.overall.samples = {{"503", 80'100, "{\"detail\":\"Webhook queue is full\"}"},
                         {"503", 90'000, "a second sample"}};
  const std::string html = render_html_report(doc);
  CHECK(html.find("<span>errors</span><b>100.00%</b>") != std::string::npos);
  CHECK(html.find("no errors") == std::string::npos);
  CHECK(html.find("<td class=\"name\">HTTP 503</td><td class=\"num\">50</td><td "
                  "class=\"num\">100.00%</td><td>GET /a (50)</td><td>at 80.1ms: "
                  "{&quot;detail&quot;:&quot;Webhook queue is full&quot;}</td>") !=
        std::string::npos);
  CHECK(html.find("a second sample") == std::string::npos);  // one example per key
  // The codes table: every code with its share and endpoints.
  CHECK(html.find("<h2>Status codes</h2>") != std::string::npos);
  CHECK(html.find("</i>503</td><td class=\"num\">50</td><td class=\"num\">100.00%</td>") !=
        std::string::npos);

  // Errors no cause accounts for are still counted, never "every request completed".
  ResultDoc odd = testing::make_run(testing::spread_samples(50, 2, 20'000));
  odd.overall.errors = 5;
  const std::string unexplained = render_html_report(odd);
  CHECK(unexplained.find(">errors of no recorded cause</td><td class=\"num\">5</td>") !=
        std::string::npos);
  CHECK(unexplained.find("no errors") == std::string::npos);

  const std::string clean =
      render_html_report(testing::make_run(testing::spread_samples(50, 2, 20'000)));
  CHECK(clean.find("no errors</span> all 50 requests completed with 1xx–3xx.") !=
        std::string::npos);
  CHECK(clean.find("<h2>Status codes</h2>") == std::string::npos);  // classes only: no codes
}

TEST_CASE("the configuration reads in units and the connections section shows connect and TLS") {
  ResultDoc doc = testing::make_run(testing::spread_samples(300, 6, 20'000));
  for (auto& e : doc.config) {
    if (e.key == "duration_us") e.json = e.text = "20000000";
    if (e.key == "timeout_ms") e.json = e.text = "2500";
  }
  doc.config.push_back({"warmup_us", "2500", "2500"});
  doc.tls_handshakes = 10;
  doc.tls_resumed = 4;
  const std::string html = render_html_report(doc);
  CHECK(html.find(">duration</td><td>20 s</td>") != std::string::npos);
  CHECK(html.find(">timeout</td><td>2.5 s</td>") != std::string::npos);
  CHECK(html.find(">warmup</td><td>2.5 ms</td>") != std::string::npos);
  CHECK(html.find(">loop</td><td>yes</td>") != std::string::npos);
  CHECK(html.find(">rate</td><td>100/s</td>") != std::string::npos);
  CHECK(html.find("duration_us") == std::string::npos);
  CHECK(html.find("20000000") == std::string::npos);

  CHECK(html.find("<h2>Connections</h2>") != std::string::npos);
  CHECK(html.find("4 connections opened; TLS: 10 handshakes, 4 resumed (40.00%).") !=
        std::string::npos);
  // Connect percentiles overall and per tag (connect is latency / 40 in these runs).
  const auto connect = html.find("<td class=\"name\">overall</td><td class=\"num\">300</td>");
  REQUIRE(connect != std::string::npos);
  CHECK(html.find("<td class=\"name\">tag t</td>", connect) != std::string::npos);
  CHECK(html.find("about the slowest 1.33% of connect times are connection set-ups") !=
        std::string::npos);

  CHECK(human_duration(850) == "850 µs");
  CHECK(human_duration(2'500) == "2.5 ms");
  CHECK(human_duration(12'345) == "12.3 ms");
  CHECK(human_duration(20'000'000) == "20 s");
  CHECK(human_duration(90'000'000) == "1 m 30 s");
  CHECK(human_duration(120'000'000) == "2 m");
  CHECK(human_duration(7'500'000'000) == "2 h 5 m");
}

TEST_CASE("'not saturated' beside mostly failed requests says the errors") {
  auto samples = testing::spread_samples(600, 6, 20'000);
  for (size_t i = 0; i < samples.size(); i += 4) samples[i].status = 200;
  for (size_t i = 1; i < samples.size(); i += 4) samples[i].status = 503;
  for (size_t i = 2; i < samples.size(); i += 4) samples[i].status = 503;
  for (size_t i = 3; i < samples.size(); i += 4) samples[i].status = 429;
  const ResultDoc doc = testing::make_run(samples);
  REQUIRE(doc.saturation.summary.find("not saturated") != std::string::npos);
  const std::string html = render_html_report(doc);
  CHECK(html.find("<div class=\"warn\"><span>verdict</span><b>not saturated</b><small>latency "
                  "did not grow, but 75.00% errors</small>") != std::string::npos);
  const std::string clean =
      render_html_report(testing::make_run(testing::spread_samples(600, 6, 20'000)));
  CHECK(clean.find("<div class=\"ok\"><span>verdict</span><b>not saturated</b></div>") !=
        std::string::npos);
}

TEST_CASE("the report charts LLM TTFT, ITL and tokens over time only for runs with streams") {
  ResultDoc doc =
      testing::make_run(testing::spread_samples(300, 4, 20'000), 1'700'000'000'000, 2, {});
  const std::string plain = render_html_report(doc);
  CHECK(plain.find("LLM") == std::string::npos);
  doc.overall.llm.emplace();
  doc.overall.llm->ttft_us.record(120'000);
  doc.overall.llm->streams = 1;
  for (auto& row : doc.timeline) {
    Histogram h;
    h.record(100'000 + row.second * 10'000);
    row.ttft_hdr = row.itl_hdr = h.serialise();
    row.ttft_p50_us = row.ttft_p99_us = row.itl_p50_us = row.itl_p99_us = h.max();
    row.output_tokens = 40;
  }
  const std::string html = render_html_report(doc);
  CHECK(html.find("LLM time to first token and inter-token latency over time") !=
        std::string::npos);
  CHECK(html.find("LLM output tokens per second") != std::string::npos);
  CHECK(html.find("LLM TTFT (first content") != std::string::npos);
  CHECK(count_of(html, "<svg") == count_of(plain, "<svg") + 2);
  CHECK(html.find("ITL p99") != std::string::npos);
}

TEST_CASE("checks get a section: per scope, then each failed condition with its sample") {
  ResultDoc doc = testing::make_run(testing::spread_samples(100, 4, 20'000, "GET /a"));
  CHECK(render_html_report(doc).find(">Checks</h2>") == std::string::npos);  // none ran
  doc.overall.checks.passed = 97;
  doc.overall.checks.add_failure("json /state equals \"<draft>\"", "\"done\"");
  doc.overall.checks.add_failure("json /state equals \"<draft>\"", "\"done\"");
  doc.overall.checks.add_failure("status 201", "503");
  const std::string html = render_html_report(doc);
  const auto section = html.find(">Checks</h2>");
  REQUIRE(section != std::string::npos);
  const std::string part = html.substr(section, html.find("</section>", section) - section);
  CHECK(part.find(">overall</td>") != std::string::npos);
  CHECK(part.find("97.00%") != std::string::npos);
  CHECK(part.find("json /state equals &quot;&lt;draft&gt;&quot;") != std::string::npos);
  CHECK(part.find("<draft>") == std::string::npos);  // escaped
  CHECK(part.find(">503<") != std::string::npos);
}
