// The over-time charts that break the timeline down, checked on their series: latency per tag
// (each tag's own p50/p99 rows), responses stacked by exact status code, errors by cause, probes
// on axes scaled to their values, and the rate schedule's stage boundaries on every one.

#include "html_breakdown_charts.hpp"

#include <doctest/doctest.h>

#include <string>

#include "html_stages.hpp"
#include "replay/results/html_report.hpp"
#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;

namespace {

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Health checks at ~1 ms and chat calls at ~800 ms over 5 seconds.
ResultDoc two_tag_run() {
  auto samples = testing::spread_samples(200, 5, 1'000, "GET /health", 1, "health");
  auto chat = testing::spread_samples(100, 5, 800'000, "POST /chat", 2, "chat");
  samples.insert(samples.end(), chat.begin(), chat.end());
  return testing::make_run(samples);
}

void set_rate(ResultDoc& doc, const std::string& rate) {
  for (auto& e : doc.config) {
    if (e.key == "rate") {
      e.json = "\"" + rate + "\"";
      e.text = rate;
    }
  }
}

const Series* find_series(const LineChart& chart, const std::string& name) {
  for (const auto& s : chart.series()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// One failure without a response in second 3, and second s's (s % 2) responses answered 503 by
// exact code, in the rows, the overall scope and its errors.
ResultDoc run_with_codes() {
  auto samples = testing::spread_samples(300, 6, 20'000);
  testing::Sample reset;
  reset.second = 3;
  reset.latency_us = 5'000;
  reset.outcome = "reset";
  samples.push_back(reset);
  ResultDoc doc = testing::make_run(samples);
  uint64_t answered_503 = 0;
  for (auto& row : doc.timeline) {
    const uint64_t k = static_cast<uint64_t>(row.second % 2);
    row.status_codes = {{200, row.completed - k}, {503, k}};
    row.errors += k;
    answered_503 += k;
  }
  doc.overall.status_codes = {{200, doc.overall.completed - answered_503}, {503, answered_503}};
  doc.overall.status[2] -= answered_503;
  doc.overall.status[5] += answered_503;
  doc.overall.errors += answered_503;
  return doc;
}

}  // namespace

TEST_CASE("each tag gets its own latency chart holding that tag's p50 and p99 per second") {
  const ResultDoc doc = two_tag_run();
  REQUIRE(doc.timeline_by_tag.size() == 2);
  const std::vector<NamedChart> charts =
      scope_latency_charts({{"", kBeforeColour, &doc, 1}}, &ResultDoc::timeline_by_tag, 12);
  REQUIRE(charts.size() == 2);
  for (const auto& t : doc.timeline_by_tag) {
    INFO(t.name);
    const NamedChart* chart = charts[0].name == t.name ? &charts[0] : &charts[1];
    REQUIRE(chart->name == t.name);
    const Series* p99 = find_series(chart->chart, "p99");
    const Series* p50 = find_series(chart->chart, "p50");
    REQUIRE(p99);
    REQUIRE(p50);
    REQUIRE(p99->points.size() == t.rows.size());
    for (size_t i = 0; i < t.rows.size(); ++i) {
      CHECK(p99->points[i].first == static_cast<double>(t.rows[i].second));
      CHECK(p99->points[i].second == doctest::Approx(static_cast<double>(t.rows[i].p99_us) / 1e3));
      CHECK(p50->points[i].second == doctest::Approx(static_cast<double>(t.rows[i].p50_us) / 1e3));
    }
  }
  // The health chart's axis is the health checks' own: no chat latency on it.
  const LineChart& health = charts[0].name == "health" ? charts[0].chart : charts[1].chart;
  for (const auto& [x, y] : find_series(health, "p99")->points) CHECK(y < 2);

  // Before and after: each side's p99 and p50 in its colour.
  const auto before_after =
      scope_latency_charts({{"before", kBeforeColour, &doc, 1}, {"after", kAfterColour, &doc, 1}},
                           &ResultDoc::timeline_by_tag, 1);
  REQUIRE(before_after.size() == 1);
  CHECK(find_series(before_after[0].chart, "before p99")->colour == kBeforeColour);
  CHECK(find_series(before_after[0].chart, "after p50")->colour == kAfterColour);

  const std::string html = render_html_report(doc);
  CHECK(html.find("<h2>Latency over time by tag</h2>") != std::string::npos);
  CHECK(html.find("<svg id=\"latency-tag-0\"") != std::string::npos);
  CHECK(html.find("<svg id=\"latency-tag-1\"") != std::string::npos);
  CHECK(html.find("<h2>Latency over time, all tags together</h2>") != std::string::npos);
  // One tag: the overall chart alone, under its plain title.
  const std::string one =
      render_html_report(testing::make_run(testing::spread_samples(300, 6, 20'000)));
  CHECK(one.find("latency-tag-") == std::string::npos);
  CHECK(one.find("<h2>Latency over time</h2>") != std::string::npos);
}

TEST_CASE("stage boundaries are marked at their second on every over-time chart") {
  ResultDoc doc = two_tag_run();  // seconds 0..4, load 5 s
  set_rate(doc, "10/s:2s, 10/s->50/s:2s, 50/s:1s");
  const std::vector<Marker> markers = stage_markers(doc);
  REQUIRE(markers.size() == 2);
  CHECK(markers[0].x == 2);
  CHECK(markers[0].label == "10/s→50/s");
  CHECK(markers[1].x == 4);
  CHECK(markers[1].label == "50/s");

  const std::string html = render_html_report(doc);
  // Two tag charts, latency, rate, status codes and concurrency; never on the spectra.
  CHECK(count_of(html, "<g class=\"stage\" data-x=\"2\">") == 6);
  CHECK(count_of(html, "<g class=\"stage\" data-x=\"4\">") == 6);
  // On the rate chart (0..4 s over 72..1000 px), second 2 is at 536 px.
  const auto rate = html.find("<svg id=\"rate\"");
  REQUIRE(rate != std::string::npos);
  const auto marker =
      html.find("<g class=\"stage\" data-x=\"2\"><line x1=\"536.0\" x2=\"536.0\"", rate);
  CHECK(marker < html.find("</svg>", rate));
  CHECK(html.find(">10/s→50/s</text>") != std::string::npos);
  CHECK(html.find("Dashed verticals: the rate schedule&#39;s stage boundaries") !=
        std::string::npos);

  // A boundary at the load's end is the end of the load, marked when the timeline goes on.
  doc.load_us = 4'000'000;
  const std::vector<Marker> cut = stage_markers(doc);
  REQUIRE(cut.size() == 2);
  CHECK(cut[1].x == 4);
  CHECK(cut[1].label == "end of load");
  // One open stage, or recorded timing: no stage boundaries.
  doc.load_us = 5'000'000;
  set_rate(doc, "100/s");
  CHECK(stage_markers(doc).empty());
  set_rate(doc, "");
  CHECK(stage_markers(doc).empty());
  CHECK(render_html_report(doc).find("class=\"stage\"") == std::string::npos);
  // The end of the load alone is named as such, not as stage boundaries.
  doc.load_us = 4'000'000;
  const std::string end_only = render_html_report(doc);
  CHECK(end_only.find("Dashed vertical: the end of the load.") != std::string::npos);
  CHECK(end_only.find("stage boundaries") == std::string::npos);
}

TEST_CASE("status codes over time stack each second's responses by code, then the failures") {
  const ResultDoc doc = run_with_codes();
  LineChart chart = status_code_chart({"", kBeforeColour, &doc, 1});
  REQUIRE_FALSE(chart.empty());
  const auto& bands = chart.bands();
  REQUIRE(bands.size() == 3);
  CHECK(bands[0].name == "200");
  CHECK(bands[0].colour == std::string(status_colour(200, 0)));
  CHECK(bands[1].name == "503");
  CHECK(bands[1].colour == std::string(status_colour(503, 0)));
  CHECK(bands[2].name == "failed (no response)");
  CHECK(std::string(status_colour(201, 1)) != status_colour(200, 0));  // shades within 2xx
  CHECK(std::string(status_colour(429, 0)) == "#e6a100");              // 4xx amber
  REQUIRE(bands[0].x.size() == doc.timeline.size());
  for (size_t i = 0; i < doc.timeline.size(); ++i) {
    const TimelineRow& row = doc.timeline[i];
    INFO("second " << row.second);
    CHECK(bands[0].low[i] == 0);
    CHECK(bands[0].high[i] == static_cast<double>(row.status_codes[0].second));
    CHECK(bands[1].low[i] == bands[0].high[i]);
    CHECK(bands[1].high[i] - bands[1].low[i] == static_cast<double>(row.second % 2));
    CHECK(bands[2].high[i] == static_cast<double>(row.completed + row.failed));
  }
  const std::string html = render_html_report(doc);
  CHECK(html.find("<svg id=\"status\"") != std::string::npos);
  CHECK(html.find("<h2>Status codes over time</h2>") != std::string::npos);
  CHECK(html.find("fill-opacity=\"0.85\"") != std::string::npos);
}

TEST_CASE("errors over time follow each cause per second, and are left out without errors") {
  const ResultDoc doc = run_with_codes();
  const LineChart chart = error_cause_chart({"", kBeforeColour, &doc, 1});
  const Series* code = find_series(chart, "HTTP 503");
  const Series* failed = find_series(chart, "failed (no response)");
  REQUIRE(code);
  REQUIRE(failed);
  CHECK(find_series(chart, "other errors") == nullptr);  // every error has its cause
  for (size_t i = 0; i < doc.timeline.size(); ++i) {
    CHECK(code->points[i].second == static_cast<double>(doc.timeline[i].second % 2));
    CHECK(failed->points[i].second == (doc.timeline[i].second == 3 ? 1 : 0));
  }
  CHECK(render_html_report(doc).find("<svg id=\"errors\"") != std::string::npos);

  const ResultDoc clean = testing::make_run(testing::spread_samples(300, 6, 20'000));
  CHECK(error_cause_chart({"", kBeforeColour, &clean, 1}).empty());
  CHECK(render_html_report(clean).find("<svg id=\"errors\"") == std::string::npos);
}

TEST_CASE("probe charts are scaled to their values, not to 0..1") {
  ResultDoc doc = testing::make_run(testing::spread_samples(300, 6, 20'000));
  for (auto& row : doc.timeline) {
    row.probes.push_back({"connections", 1000 + static_cast<double>(row.second)});
    row.probes.push_back({"constant", 1.5});
  }
  std::vector<NamedChart> charts = probe_charts({{"", kBeforeColour, &doc, 1}});
  REQUIRE(charts.size() == 2);
  const std::string around_1000 = charts[0].chart.svg("p0", "connections");
  // No y tick at 0: the axis spans the values 1000..1005, not 0..1005.
  CHECK(around_1000.find("text-anchor=\"end\">0</text>") == std::string::npos);
  CHECK(around_1000.find("text-anchor=\"end\">1000</text>") != std::string::npos);
  // A constant sits in the middle of the plot (y 14..172 px), not on its floor.
  const std::string constant = charts[1].chart.svg("p1", "constant");
  CHECK(constant.find("<path class=\"line\" d=\"M72.0 93.0L") != std::string::npos);
}

TEST_CASE("a long run keeps at most ~600 hover columns per chart") {
  auto samples = testing::spread_samples(3000, 1500, 20'000, "GET /a", 1, "a");
  auto b = testing::spread_samples(3000, 1500, 900'000, "GET /b", 2, "b");
  samples.insert(samples.end(), b.begin(), b.end());
  ResultDoc doc = testing::make_run(samples);
  for (auto& row : doc.timeline) row.status_codes = {{200, row.completed}};
  doc.overall.status_codes = {{200, doc.overall.completed}};
  const std::string html = render_html_report(doc);
  for (const char* id : {"<svg id=\"latency-tag-0\"", "<svg id=\"status\""}) {
    INFO(id);
    const auto at = html.find(id);
    REQUIRE(at != std::string::npos);
    const std::string svg = html.substr(at, html.find("</svg>", at) - at);
    CHECK(count_of(svg, "<rect class=\"hover\"") <= 600);
    CHECK(count_of(svg, "<rect class=\"hover\"") >= 500);
  }
}
