// --dashboard's state: one timeline row per progress second, the latency figure put on its own
// (older) second, each second's event JSON, the charts drawn from it, and the cap on rows.

#include "replay/live/dashboard_state.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <string>

namespace replay::live {
namespace {

engine::Progress at(double elapsed_s, uint64_t offered, uint64_t completed, uint64_t errors) {
  engine::Progress p;
  p.elapsed_s = elapsed_s;
  p.offered = offered;
  p.sent = offered;
  p.completed = completed;
  p.errors = errors;
  p.offered_per_s = 20;
  p.completed_per_s = 19;
  p.in_flight = 4;
  return p;
}

}  // namespace

TEST_CASE("DashboardState: a row per second, latency on its second, an event per call") {
  DashboardState state("demo.zst → http://127.0.0.1:1");
  state.add(at(1.0, 20, 19, 0));
  engine::Progress second = at(2.01, 40, 39, 1);
  second.latency_second = 0;
  second.latency_count = 19;
  second.p50_us = 40'000;
  second.p99_us = 48'000;
  second.service_p99_us = 30'000;
  const std::string event = state.add(second);
  const auto& rows = state.doc().timeline;
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].second == 0);
  CHECK(rows[0].offered == 20);
  CHECK(rows[0].p99_us == 48'000);  // the figure of second 0, known one call later
  CHECK(rows[0].service_p99_us == 30'000);
  CHECK(rows[1].second == 1);
  CHECK(rows[1].offered == 20);
  CHECK(rows[1].completed == 20);
  CHECK(rows[1].errors == 1);
  CHECK(rows[1].in_flight == 4);
  CHECK(state.doc().overall.completed == 39);

  simdjson::dom::parser parser;
  simdjson::dom::element e = parser.parse(event);
  CHECK(int64_t(e["second"]) == 1);
  CHECK(uint64_t(e["offered"]) == 20);
  CHECK(uint64_t(e["errors"]) == 1);
  CHECK(double(e["offered_per_s"]) == 20);
  CHECK(int64_t(e["p99_us"]) == 48'000);
  CHECK(int64_t(e["service_p99_us"]) == 30'000);
  CHECK(uint64_t(e["completed_total"]) == 39);

  const std::string charts = state.charts_html();
  CHECK(charts.find("data-seconds=\"2\"") != std::string::npos);
  for (const char* title :
       {"Latency over time", "Offered vs achieved rate", "In flight and backlog"}) {
    CHECK(charts.find(title) != std::string::npos);
  }
  const std::string page = state.page_html(charts);
  CHECK(page.find("new EventSource('/events')") != std::string::npos);
  CHECK(page.find("demo.zst → http://127.0.0.1:1") != std::string::npos);
  CHECK(page.find(charts) != std::string::npos);
}

TEST_CASE("DashboardState: at most kMaxSeconds rows, the newest kept") {
  DashboardState state("t");
  const size_t n = DashboardState::kMaxSeconds + 10;
  for (size_t i = 1; i <= n; ++i) state.add(at(static_cast<double>(i), i * 2, i * 2, 0));
  const auto& rows = state.doc().timeline;
  CHECK(rows.size() == DashboardState::kMaxSeconds);
  CHECK(rows.back().second == static_cast<int64_t>(n - 1));
  CHECK(rows.front().second == 10);
  CHECK(rows.back().offered == 2);
  CHECK(state.charts_html().find("data-seconds=\"3600\"") != std::string::npos);
}

}  // namespace replay::live
