// Debian's Prometheus scraping `replay run --metrics-listen` every second over loopback: its
// rate() of replay_requests_total is the offered rate, its histogram_quantile() of the latency
// buckets is within a bucket of replay's own p99 (both at or above the injected delay), and once
// the run has ended its sum of replay_requests_total equals result.json's completed + failed.
// (tools/install-deps.sh --test installs prometheus.)

#include <doctest/doctest.h>
#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "live_support.hpp"
#include "replay/engine/live_counts.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using namespace replay::testing;

namespace {

const std::string kDemo = std::string(REPLAY_SOURCE_DIR) + "/traces/demo.zst";
constexpr double kRate = 50;     // requests per second offered
constexpr int kRunSeconds = 16;  // of offered load
// Injected: inside the wide (75 ms, 100 ms] bucket, so a few ms of a busy machine's noise stay
// in it.
const std::string kDelay = "80ms";
constexpr int64_t kDelayUs = 80'000;

// The index of the live bucket `us` falls in (the first bound not below it).
size_t bucket_of(double us) {
  size_t i = 0;
  while (i < replay::engine::kLiveBucketBoundsUs.size() &&
         static_cast<double>(replay::engine::kLiveBucketBoundsUs[i]) < us) {
    ++i;
  }
  return i;
}

// Prometheus' value of the instant query `query` (its first series), nullopt when it has none.
std::optional<double> prom_query(uint16_t port, const std::string& query) {
  const Fetched f = http_get("http://127.0.0.1:" + std::to_string(port) + "/api/v1/query", 5000,
                             {"-G", "--data-urlencode", "query=" + query});
  if (f.status != 200) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(f.body).get(doc) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::array result;
  if (doc["data"]["result"].get(result) != simdjson::SUCCESS || result.size() == 0) {
    return std::nullopt;
  }
  const std::string_view text = result.at(0)["value"].at(1);
  return std::stod(std::string(text));
}

using Clock = std::chrono::steady_clock;

// Polls `query` until `good` holds for its value or `deadline` passes; the last value.
template <class Good>
std::optional<double> poll(uint16_t port, const std::string& query, Clock::time_point deadline,
                           Good good) {
  std::optional<double> value;
  while (Clock::now() < deadline) {
    value = prom_query(port, query);
    if (value && good(*value)) return value;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return value;
}

}  // namespace

TEST_CASE("Prometheus scrapes --metrics-listen: rate, p99 bucket and exact final totals") {
  SimProcess sim({"--no-auth", "--latency", kDelay});
  REQUIRE(sim.started());
  const TempDir dir("replay-prometheus");
  const uint16_t metrics_port = pick_free_port();
  const uint16_t prom_port = pick_free_port();
  const std::string config = dir.file("prometheus.yml");
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                        << "scrape_configs:\n  - job_name: replay\n    static_configs:\n"
                        << "      - targets: ['127.0.0.1:" << metrics_port << "']\n";
  ChildProcess prometheus(
      {"/usr/bin/prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.file("data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"});
  REQUIRE(prometheus.started());
  INFO("prometheus must be installed: tools/install-deps.sh --test installs Debian's 'prometheus'");
  REQUIRE(wait_for_port(prom_port, 30000));

  const std::string out = dir.file("result.json");
  ChildProcess replay({REPLAY_PATH, "run", kDemo, "--target",
                       "http://127.0.0.1:" + std::to_string(sim.port()), "--only", "webhook",
                       "--loop", "--rate", std::to_string(static_cast<int>(kRate)) + "/s",
                       "--duration", std::to_string(kRunSeconds) + "s", "--metrics-listen",
                       "127.0.0.1:" + std::to_string(metrics_port), "--metrics-linger", "15s",
                       "--quiet", "--out", out});
  REQUIRE(replay.started());
  const auto started = Clock::now();

  // During the load: the per-second rate over 5 s of scrapes is the offered rate.
  const auto rate = poll(prom_port, "sum(rate(replay_requests_total[5s]))",
                         started + std::chrono::seconds(kRunSeconds - 2),
                         [](double v) { return std::abs(v - kRate) < 0.15 * kRate; });
  REQUIRE(rate);
  MESSAGE("Prometheus rate(replay_requests_total[5s]) = " << *rate << "/s (offered " << kRate
                                                          << "/s)");
  CHECK(std::abs(*rate - kRate) < 0.15 * kRate);
  const auto p99 = prom_query(
      prom_port, "histogram_quantile(0.99, sum(rate(replay_latency_seconds_bucket[10s])) by (le))");
  REQUIRE(p99);
  MESSAGE("Prometheus histogram_quantile(0.99) = " << *p99 * 1000 << " ms (injected " << kDelay
                                                   << ")");

  // After the run (replay lingers): the last scrape has the final totals.
  const auto ended =
      poll(prom_port, "max(replay_running)", started + std::chrono::seconds(kRunSeconds + 20),
           [](double v) { return v == 0; });
  REQUIRE(ended);
  REQUIRE(*ended == 0);
  const ResultCounts counts = wait_result_counts(out, 10000);
  MESSAGE("result.json: completed " << counts.completed << ", failed " << counts.failed << ", p99 "
                                    << counts.p99_us << " us");
  CHECK(counts.completed + counts.failed > kRate * (kRunSeconds - 1));
  CHECK(counts.p99_us >= kDelayUs);  // replay's own p99: the delay and a little more
  CHECK(counts.p99_us < kDelayUs + 40'000);
  CHECK(*p99 * 1e6 >= static_cast<double>(kDelayUs) * 0.9);
  // Prometheus interpolates within the fixed buckets: its p99 of the last 10 s is in replay's
  // p99's bucket, or the one beside it (the windows differ: 10 s and the whole run).
  const size_t replays = bucket_of(static_cast<double>(counts.p99_us));
  const size_t prometheus_bucket = bucket_of(*p99 * 1e6);
  CHECK(prometheus_bucket + 1 >= replays);
  CHECK(prometheus_bucket <= replays + 1);
  const auto total = prom_query(prom_port, "sum(replay_requests_total)");
  REQUIRE(total);
  CHECK(*total == static_cast<double>(counts.completed + counts.failed));
  const auto offered = prom_query(prom_port, "sum(replay_offered_total)");
  REQUIRE(offered);
  CHECK(*offered == static_cast<double>(counts.offered));
  CHECK(replay.stop(0, 30000) == 0);
}
