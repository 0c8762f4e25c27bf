// The engine's live counts over a real run on loopback: the progress calls' cumulative counts
// only grow, and the last call (after every worker ended) has exactly the result's figures,
// scope by scope and cause by cause, with errors and resets injected and several workers.

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <string>

#include "replay/engine/engine.hpp"
#include "sim_process.hpp"

namespace replay::engine {

TEST_CASE("live counts: growing during the run, equal to the result after it") {
  testing::SimProcess sim(
      {"--no-auth", "--latency", "5ms", "--error-rate", "0.1", "--reset-rate", "0.05"});
  REQUIRE(sim.started());
  RunConfig config;
  config.trace_path = std::string(REPLAY_SOURCE_DIR) + "/traces/demo.zst";
  config.target_url = "http://127.0.0.1:" + std::to_string(sim.port());
  config.only_tags = {"webhook", "analytics", "health"};
  config.rate = schedule::parse_rate_schedule("200/s").value();
  config.duration_us = 3'000'000;
  config.loop = true;
  config.threads = 3;
  config.timeout_ms = 2000;
  config.live_counts = true;  // as --metrics-listen and --dashboard ask
  std::atomic<bool> interrupt{false};
  LiveCounts last;
  std::vector<std::string> tags, endpoints;
  uint64_t previous_ended = 0;
  int calls = 0, growing = 0, last_calls = 0;
  auto result = run_replay(
      config,
      [&](const Progress& p) {
        if (p.first) {
          CHECK(p.counts == nullptr);
          return;
        }
        REQUIRE(p.counts != nullptr);
        ++calls;
        const uint64_t ended = p.counts->ended();
        CHECK(ended >= previous_ended);
        if (ended > previous_ended) ++growing;
        previous_ended = ended;
        if (p.last) {
          ++last_calls;
          last = *p.counts;
          tags = *p.tag_names;
          endpoints = *p.endpoint_names;
        }
      },
      interrupt);
  REQUIRE(result.ok());
  const RunResult& r = result.value();
  CHECK(last_calls == 1);
  CHECK(calls >= 3);
  CHECK(growing >= 2);  // the counts came in during the run, not only at the end
  const ScopeStats& o = r.overall;
  CHECK(o.offered > 500);
  CHECK(o.status_classes[5] > 0);  // the injected errors and resets happened
  CHECK(o.failures[static_cast<size_t>(client::FailureCause::reset)] +
            o.failures[static_cast<size_t>(client::FailureCause::closed_early)] >
        0);
  CHECK(last.offered == o.offered);
  CHECK(last.sent == o.sent);
  CHECK(last.ended() == o.completed + o.failed());
  for (size_t k = 0; k < o.status_classes.size(); ++k) {
    CHECK(last.completed_in_class(k) == o.status_classes[k]);
  }
  CHECK(last.failures == o.failures);
  CHECK(last.capture_failed == o.capture_failed);
  CHECK(last.session_aborted == o.session_aborted);
  CHECK(last.status_codes.counts == o.status_codes.counts);
  // By tag and by endpoint: the pairs add up to each scope's figures.
  std::map<std::string, uint64_t> by_tag, by_endpoint;
  for (const auto& [key, counts] : last.requests) {
    by_tag[tags.at(key >> 32)] += counts.total();
    by_endpoint[endpoints.at(key & 0xffffffffu)] += counts.total();
  }
  for (const auto& t : r.by_tag) {
    INFO(t.name);
    CHECK(by_tag[t.name] == t.stats.completed + t.stats.failed());
  }
  for (const auto& e : r.by_endpoint) {
    INFO(e.name);
    CHECK(by_endpoint[e.name] == e.stats.completed + e.stats.failed());
  }
  uint64_t corrected = 0, service = 0;
  for (const auto& h : last.corrected_by_tag) corrected += h.count;
  for (const auto& h : last.service_by_tag) service += h.count;
  CHECK(corrected == o.corrected.count());
  CHECK(service == o.service.count());
}

}  // namespace replay::engine
