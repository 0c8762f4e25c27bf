// Probe thresholds end to end: `replay run --probe queue=...#queue_depth` against agent-sim's
// webhook queue, with `--threshold 'probe.queue.last==0'` failing (exit 99) while the queue
// still holds jobs and holding when the workers keep up; a probe name the run does not probe is
// a flag error before any load.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kWebhook = std::string(REPLAY_SOURCE_DIR) + "/traces/webhook.zst";

// `replay run` of the webhook trace at `rate` for 2 s against agent-sim on `port`, probing its
// queue depth, with `extra` flags.
replay::testing::CommandResult run_probed(uint16_t port, const std::string& rate,
                                          std::vector<std::string> extra) {
  const std::string target = "http://127.0.0.1:" + std::to_string(port);
  std::vector<std::string> args = {kReplay,     "run",
                                   kWebhook,    "--target",
                                   target,      "--rate",
                                   rate,        "--duration",
                                   "2s",        "--loop",
                                   "--threads", "1",
                                   "--probe",   "queue=" + target + "/metrics#queue_depth"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_command(args, 20'000);
}

}  // namespace

TEST_CASE("probe.queue.last==0 fails with exit 99 while the webhook queue still holds jobs") {
  // One worker of 200 ms serves 5 jobs/s; 100/s offered fills the queue by ~95 a second.
  SimProcess sim(
      {"--no-auth", "--workers", "1", "--service-time", "200ms", "--queue-size", "100000"});
  REQUIRE(sim.started());
  const std::string out = temp_path("probed.json");
  auto r = run_probed(
      sim.port(), "100/s",
      {"--threshold", "probe.queue.last==0", "--threshold", "probe.queue.max>10", "--out", out});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 99);
  CHECK(r.out.find("    FAIL  probe.queue.last==0          probe.queue.last = ") !=
        std::string::npos);
  CHECK(r.out.find("    PASS  probe.queue.max>10           probe.queue.max = ") !=
        std::string::npos);
  // The observed value is the last sample the timeline holds.
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  double last = -1;
  for (auto row : simdjson::dom::array(doc["timeline"])) {
    double v = 0;
    if (row["probes"]["queue"].get_double().get(v) == simdjson::SUCCESS) last = v;
  }
  CHECK(last > 10);
  simdjson::dom::array thresholds = doc["thresholds"];
  REQUIRE(thresholds.size() == 2);
  CHECK_FALSE(bool(thresholds.at(0)["passed"]));
  CHECK(std::string(std::string_view(thresholds.at(0)["observed"]))
            .find("probe.queue.last = " + std::to_string(static_cast<long long>(last)) +
                  " (second ") == 0);
}

TEST_CASE("probe thresholds that hold pass, and an unknown probe name is a flag error") {
  // 16 workers of 50 ms serve 320 jobs/s: at 20/s every job starts at once, even when a
  // loaded machine delays a few sends into one burst.
  SimProcess sim({"--no-auth", "--workers", "16"});
  REQUIRE(sim.started());
  auto r = run_probed(sim.port(), "20/s",
                      {"--threshold", "probe.queue.last==0", "--warn", "probe.queue.max<1000"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("    PASS  probe.queue.last==0          probe.queue.last = 0 (second ") !=
        std::string::npos);
  CHECK(r.out.find("    PASS  warn probe.queue.max<1000    probe.queue.max = 0 (second ") !=
        std::string::npos);

  auto typo = run_probed(sim.port(), "20/s", {"--threshold", "probe.qeue.last==0"});
  CHECK(typo.exit_code == 1);
  CHECK(typo.out.empty());
  CHECK(typo.err ==
        "replay: --threshold: threshold 'probe.qeue.last==0': no --probe named 'qeue' in this "
        "run (its probes: queue)\n");
  auto band = run_probed(sim.port(), "20/s", {"--warn", "probe.qeue.max<5"});
  CHECK(band.exit_code == 1);
  CHECK(band.err.find("replay: --warn: threshold 'probe.qeue.max<5': no --probe named 'qeue'") ==
        0);
}
