#include <doctest/doctest.h>

#include "replay/results/saturation.hpp"
#include "replay/results/threshold.hpp"

using namespace replay::results;

namespace {

// A timeline of `seconds` rows, each with `offered` offered, `completed` completed and a median
// corrected latency of p50_ms(second).
template <class F>
std::vector<TimelineRow> make_timeline(int seconds, uint64_t offered, uint64_t completed,
                                       F p50_ms) {
  std::vector<TimelineRow> rows(static_cast<size_t>(seconds));
  for (int s = 0; s < seconds; ++s) {
    auto& row = rows[static_cast<size_t>(s)];
    row.second = s;
    row.offered = offered;
    row.completed = completed;
    Histogram h;
    h.record_n(static_cast<int64_t>(p50_ms(s) * 1000), completed);
    row.corrected_hdr = h.serialise();
  }
  return rows;
}

}  // namespace

TEST_CASE("steady latency at the offered rate is not saturation") {
  auto rows = make_timeline(20, 200, 200, [](int) { return 20.0; });
  auto v = analyse_saturation(rows);
  CHECK_FALSE(v.saturated);
  CHECK(v.growth_ms_per_s == doctest::Approx(0).epsilon(0.01));
  CHECK(v.offered_per_s == doctest::Approx(200));
  CHECK(v.summary.find("not saturated") == 0);
}

TEST_CASE("latency growing linearly while achieved < offered is saturation with its slope") {
  // Offered 200/s, the service completes 150/s: the queue grows 50 per second and each second
  // adds 50/150 s = 333 ms to the wait.
  auto rows = make_timeline(30, 200, 150, [](int s) { return 10.0 + 333.0 * s; });
  auto v = analyse_saturation(rows);
  CHECK(v.saturated);
  CHECK(v.growth_ms_per_s == doctest::Approx(333).epsilon(0.01));
  CHECK(v.achieved_per_s == doctest::Approx(150));
  CHECK(v.summary.find("SATURATED") == 0);
}

TEST_CASE("a one-off spike does not look like a queue building up") {
  auto rows = make_timeline(30, 200, 200, [](int s) { return s == 12 ? 900.0 : 20.0; });
  CHECK_FALSE(analyse_saturation(rows).saturated);
}

TEST_CASE("too short a run is not judged") {
  auto rows = make_timeline(3, 200, 100, [](int s) { return 100.0 * s; });
  auto v = analyse_saturation(rows);
  CHECK_FALSE(v.saturated);
  CHECK(v.summary.find("too short") != std::string::npos);
}

TEST_CASE("client-limited names the open-file limit when it, not --max-connections, held replay") {
  auto rows = make_timeline(10, 200, 200, [](int) { return 20.0; });
  LimitEvidence evidence{0, 50'000, {}};
  CHECK(analyse_saturation(rows, evidence).summary.find("(--max-connections reached;") !=
        std::string::npos);

  evidence.open_files = ResultDoc::ResourceLimit{"open files", 1024, 1020, 300};
  auto v = analyse_saturation(rows, evidence);
  CHECK(v.client_limited);
  INFO(v.summary);
  CHECK(v.summary.find("CLIENT-LIMITED: requests waited for a connection (the open-file limit "
                       "(ulimit -n 1024) held replay to 1020 connections; connection wait p99 "
                       "50.0 ms)") == 0);
  CHECK(v.summary.find("--max-connections") == std::string::npos);

  evidence.open_files->limit = 0;  // the system's table, not a per-process limit
  CHECK(analyse_saturation(rows, evidence)
            .summary.find("the system's open-file table held replay to 1020 connections") !=
        std::string::npos);
}

TEST_CASE("a result's verdict takes its resource limit as evidence") {
  ResultDoc doc;
  doc.timeline = make_timeline(10, 200, 200, [](int) { return 20.0; });
  for (int i = 0; i < 100; ++i) doc.overall.connection_wait.record(40'000);
  CHECK(analyse_saturation(doc).summary.find("--max-connections reached") != std::string::npos);
  doc.resource_limit = ResultDoc::ResourceLimit{"open files", 256, 241, 2759};
  CHECK(analyse_saturation(doc).summary.find(
            "the open-file limit (ulimit -n 256) held replay to 241 connections") !=
        std::string::npos);
}

TEST_CASE("saturated==false holds on a steady run and fails on one whose latency climbs") {
  ResultDoc steady;
  steady.load_us = steady.elapsed_us = 20'000'000;
  steady.timeline = make_timeline(20, 200, 200, [](int) { return 20.0; });
  steady.saturation = analyse_saturation(steady);
  const ThresholdResult held = check_threshold(std::string("saturated==false"), steady);
  CHECK(held.passed);
  CHECK(held.observed.find("saturated = false (not saturated: achieved 200.0/s") == 0);

  ResultDoc climbing;
  climbing.load_us = climbing.elapsed_us = 30'000'000;
  climbing.timeline = make_timeline(30, 200, 150, [](int s) { return 10.0 + 333.0 * s; });
  climbing.saturation = analyse_saturation(climbing);
  const ThresholdResult crossed = check_threshold(std::string("saturated==false"), climbing);
  CHECK_FALSE(crossed.passed);
  CHECK(crossed.observed.find("saturated = true (SATURATED: latency grows 333.") == 0);
  CHECK(check_threshold(std::string("saturated==true"), climbing).passed);
}
