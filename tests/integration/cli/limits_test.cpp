// Runs that hit a limit end on time with exit 2 and one line naming it: the open-file limit
// (set for the child with prlimit) caps the connections instead of spinning, SIGTERM still ends
// such a run within a second, and a target that never answers is not a successful run. A trace
// out of time order is replayed in order within a window and refused beyond it (exit 1).

#include <doctest/doctest.h>
#include <signal.h>
#include <simdjson.h>

#include <chrono>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "file_io.hpp"
#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::ChildProcess;
using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kHealth = std::string(REPLAY_SOURCE_DIR) + "/traces/health.zst";
const std::string kPrlimit = "/usr/bin/prlimit";

// Writes `offsets_us` as a trace of GET /health/live, in the order given, compressed by the
// zstd program (not replay's writer).
std::string unordered_trace(const std::string& name, const std::vector<int64_t>& offsets_us) {
  std::string lines = "{\"format\":\"replay-trace\",\"version\":1}\n";
  for (int64_t offset : offsets_us) {
    lines += "{\"offset_us\":" + std::to_string(offset) +
             ",\"method\":\"GET\",\"target\":\"/health/live\"}\n";
  }
  const auto plain = temp_path(name + ".jsonl");
  const auto trace = temp_path(name + ".zst");
  replay::testing::write_file(plain, lines);
  auto z = run_command({"/usr/bin/zstd", "-q", "-f", plain, "-o", trace}, 10'000);
  REQUIRE(z.exit_code == 0);
  return trace;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("the open-file limit caps the connections: exit 2, one line, on time, counted") {
  // Answers take 500 ms: 400/s needs about 200 connections, and 128 descriptors hold fewer.
  SimProcess sim(
      {"--no-auth", "--latency", "/health/live=500ms", "--latency", "/health/ready=500ms"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const auto out = temp_path("fd-limit.json");
  const auto started = std::chrono::steady_clock::now();
  auto r = run_command({kPrlimit,
                        "--nofile=128:128",
                        kReplay,
                        "run",
                        kHealth,
                        "--target",
                        target,
                        "--rate",
                        "400/s",
                        "--duration",
                        "2s",
                        "--loop",
                        "--threads",
                        "1",
                        "--max-connections",
                        "1000",
                        "--timeout",
                        "1s",
                        "--out",
                        out},
                       30'000);
  const double took = seconds_since(started);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(took < 6.0);  // 2 s of load and a 1 s drain, not a hang
  CHECK(r.err.find("replay: run: the open-file limit (ulimit -n 128) stopped replay at ") !=
        std::string::npos);
  CHECK(r.err.find("raise the limit") != std::string::npos);
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  const uint64_t held = uint64_t(doc["resource_limit"]["connections"]);
  CHECK(std::string(std::string_view(doc["resource_limit"]["what"])) == "open files");
  CHECK(uint64_t(doc["resource_limit"]["limit"]) == 128);
  CHECK(held >= 40);
  CHECK(held < 128);
  CHECK(uint64_t(doc["resource_limit"]["requests_waited"]) > 0);
  // Connections established, not attempted: the one that found no descriptor is not opened.
  CHECK(uint64_t(doc["connections_opened"]) == held);
  CHECK(uint64_t(doc["overall"]["completed"]) > 0);
  // The verdict blames the open-file limit, not --max-connections (1000 were allowed).
  const std::string headline{std::string_view(doc["saturation"]["headline"])};
  CHECK(headline.find("CLIENT-LIMITED: requests waited for a connection (the open-file limit "
                      "(ulimit -n 128) held replay to " +
                      std::to_string(held) + " connections;") != std::string::npos);
  CHECK(headline.find("--max-connections") == std::string::npos);
}

TEST_CASE("SIGTERM ends a run stuck at the open-file limit within a second, outputs written") {
  SimProcess sim({"--no-auth", "--latency", "/health/live=2s", "--latency", "/health/ready=2s"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const auto out = temp_path("fd-limit-term.json");
  ChildProcess run({kPrlimit, "--nofile=64:64", kReplay, "run", kHealth, "--target", target,
                    "--rate", "500/s", "--duration", "20s", "--loop", "--threads", "1",
                    "--max-connections", "1000", "--out", out});
  REQUIRE(run.started());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto stopped_at = std::chrono::steady_clock::now();
  const int exit_code = run.stop(SIGTERM, 10'000);
  INFO(run.out() << run.err());
  CHECK(seconds_since(stopped_at) < 1.0);
  CHECK(exit_code == 2);  // the limit is named first (README "Exit codes": 2 before 143)
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(bool(doc["interrupted"]));
  CHECK(uint64_t(doc["resource_limit"]["connections"]) < 64);
}

TEST_CASE("a target that never answers: connections counted as failed attempts, exit 2") {
  // A port nothing listens on: every connection is refused.
  const uint16_t port = replay::testing::pick_free_port();
  const auto out = temp_path("refused.json");
  auto r =
      run_command({kReplay, "run", kHealth, "--target", "http://127.0.0.1:" + std::to_string(port),
                   "--rate", "20/s", "--duration", "1s", "--out", out},
                  20'000);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("connections opened 0 (20 attempts failed)") != std::string::npos);
  CHECK(r.err.find("replay: run: no request got a response (20 offered, 20 failed") !=
        std::string::npos);
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(uint64_t(doc["connections_opened"]) == 0);
  CHECK(uint64_t(doc["connections_failed"]) == 20);
  CHECK(uint64_t(doc["overall"]["failures"]["connect_refused"]) == 20);
}

TEST_CASE("a trace out of time order: within 500 ms replayed in order, beyond it refused") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const auto out = temp_path("jitter.json");
  // Records a little out of order, as a merged or clock-skewed log gives them.
  const auto jitter =
      unordered_trace("jitter", {0, 100'000, 90'000, 200'000, 400'000, 350'000, 600'000});
  auto r = run_command({kReplay, "run", jitter, "--target", target, "--out", out}, 20'000);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(uint64_t(doc["overall"]["completed"]) == 7);
  // Each went out at its own time: no request was due before the run started.
  CHECK(uint64_t(doc["overall"]["latency_us"]["send_lag"]["max"]) < 50'000);
  CHECK(int64_t(doc["load_us"]) == doctest::Approx(600'000).epsilon(0.2));

  // The first record 2 s after the rest: every later one would be due before second 0.
  const auto backwards = unordered_trace("backwards", {2'000'000, 0, 1'000'000, 1'500'000});
  auto refused = run_command({kReplay, "run", backwards, "--target", target}, 20'000);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("record 2: offset_us 0 is 2.00s before an earlier record's 2000000: "
                         "records must be in time order") != std::string::npos);
  CHECK(refused.out.find("requests") == std::string::npos);  // refused, not measured
}
