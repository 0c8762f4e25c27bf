// --abort-on end to end against agent-sim: a latency rule crossed stops a 20 s run within a
// few seconds with exit 99 and what was measured written; an error rule likewise; rules the
// live figures cannot judge are flag errors before any load.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <chrono>
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

struct Timed {
  replay::testing::CommandResult result;
  double seconds = 0;
};

// The webhook trace at 20/s, planned for 20 s, against agent-sim on `port`, with `extra`.
Timed run_for_20s(uint16_t port, std::vector<std::string> extra) {
  std::vector<std::string> args = {
      kReplay,  "run",  kWebhook,     "--target", "http://127.0.0.1:" + std::to_string(port),
      "--rate", "20/s", "--duration", "20s",      "--loop"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto start = std::chrono::steady_clock::now();
  Timed t{run_command(args, 30'000)};
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

}  // namespace

TEST_CASE("--abort-on: a latency rule crossed stops the run early, exit 99, results written") {
  // Every webhook is answered 200 ms late: p99 ~200 ms from the first second.
  SimProcess sim({"--no-auth", "--latency", "200ms"});
  REQUIRE(sim.started());
  const std::string out = temp_path("aborted.json");
  const auto run =
      run_for_20s(sim.port(), {"--abort-on", "p99<50ms", "--abort-on", "errors<50%", "--out", out});
  INFO(run.result.out << run.result.err);
  CHECK(run.result.exit_code == 99);
  CHECK(run.seconds < 8);  // judged once a second has closed, a second or two in
  CHECK(run.result.out.find("warning: stopped by --abort-on 'p99<50ms': aborted the run at ") !=
        std::string::npos);
  CHECK(run.result.out.find("    FAIL  p99<50ms                     aborted the run at ") !=
        std::string::npos);
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(bool(doc["interrupted"]) == true);
  CHECK(uint64_t(doc["overall"]["completed"]) > 10);
  CHECK(uint64_t(doc["overall"]["completed"]) < 200);
  // The crossed rule is among the thresholds, failed; the one that held is not listed.
  simdjson::dom::array thresholds = doc["thresholds"];
  REQUIRE(thresholds.size() == 1);
  CHECK(std::string_view(thresholds.at(0)["expression"]) == "p99<50ms");
  CHECK(bool(thresholds.at(0)["passed"]) == false);
  const std::string observed(std::string_view(thresholds.at(0)["observed"]));
  const auto ms = std::stod(observed.substr(observed.find("p99 = ") + 6));
  CHECK(ms >= 199);
  CHECK(ms < 400);
}

TEST_CASE("--abort-on: an error rule stops the run; rules held let it run its course") {
  SimProcess sim({"--no-auth", "--error-rate", "0.5"});
  REQUIRE(sim.started());
  const auto aborted = run_for_20s(
      sim.port(), {"--abort-on", "errors<10%", "-q", "--out", temp_path("errors.json")});
  INFO(aborted.result.out << aborted.result.err);
  CHECK(aborted.result.exit_code == 99);
  CHECK(aborted.seconds < 8);

  SimProcess calm({"--no-auth"});
  REQUIRE(calm.started());
  std::vector<std::string> args = {kReplay,
                                   "run",
                                   kWebhook,
                                   "--target",
                                   "http://127.0.0.1:" + std::to_string(calm.port()),
                                   "--rate",
                                   "20/s",
                                   "--duration",
                                   "2s",
                                   "--loop",
                                   "--abort-on",
                                   "p99<1s",
                                   "--abort-on",
                                   "errors<5",
                                   "-q",
                                   "--out",
                                   temp_path("calm.json")};
  const auto held = run_command(args, 20'000);
  INFO(held.out << held.err);
  CHECK(held.exit_code == 0);
}

TEST_CASE("--abort-on: what the live figures do not hold is a flag error before any load") {
  for (const char* rule :
       {"ttft.p95<1s", "webhook:p99<1s", "rate>10/s", "checks>99%", "saturated==false"}) {
    CAPTURE(rule);
    const auto r = run_command({kReplay, "run", kWebhook, "--target", "http://127.0.0.1:9",
                                "--rate", "1/s", "--duration", "1s", "--abort-on", rule},
                               10'000);
    CHECK(r.exit_code == 1);
    CHECK(r.err == "replay: --abort-on '" + std::string(rule) +
                       "': a run is stopped on its run-wide corrected latency (pNN, max, mean) or "
                       "errors (errors<N%, errors<N) as they come; use --threshold for the rest\n");
  }
  const auto bad = run_command({kReplay, "run", kWebhook, "--abort-on", "p99<<1s"}, 10'000);
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("replay: --abort-on: threshold 'p99<<1s'") == 0);
}
