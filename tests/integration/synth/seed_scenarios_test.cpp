// The bundled scenarios of the seeds' suites (traces/platform.json, enhancement*.json,
// llm-proxy.json, ...) run briefly against agent-sim with the thresholds each file lists in its
// "_thresholds" and "_warn" comments (and the probe of "_probe"): synthesised with tokens valid
// from now, replayed, and the exit code and every threshold's verdict in result.json checked.
// A slow sim makes the same thresholds fail (exit 99), so the check can fail.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::CommandResult;
using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kTraces = std::string(REPLAY_SOURCE_DIR) + "/traces";

// agent-sim fast enough that every seed's thresholds hold on a busy CI machine.
const std::vector<std::string> kFastSim = {"--workers",
                                           "32",
                                           "--service-time",
                                           "2ms",
                                           "--chat-latency",
                                           "20ms",
                                           "--plan-latency",
                                           "10ms",
                                           "--llm-first-token",
                                           "5ms",
                                           "--llm-tokens-per-s",
                                           "2000",
                                           "--stream-first-token",
                                           "20ms",
                                           "--stream-token-interval",
                                           "5ms",
                                           "--rate-limit",
                                           "0"};

struct SeedRun {
  std::string scenario;
  std::string synth_duration;  // how much of the scenario's schedule is synthesised
  std::string speed;           // "": its own timing; "10x": that much faster
};

// The strings of the array `key` of the scenario file (absent: none).
std::vector<std::string> listed(simdjson::dom::element file, const char* key) {
  std::vector<std::string> out;
  simdjson::dom::array items;
  if (file[key].get(items) != simdjson::SUCCESS) return out;
  for (simdjson::dom::element e : items) out.emplace_back(e.get_string().value());
  return out;
}

struct Outcome {
  CommandResult run;
  std::vector<std::string> expressions;  // --threshold then --warn, as given
  std::string result_path;
};

Outcome run_seed(const SeedRun& seed, uint16_t port) {
  simdjson::dom::parser parser;
  simdjson::dom::element file;
  REQUIRE(parser.load(kTraces + "/" + seed.scenario + ".json").get(file) == simdjson::SUCCESS);
  const auto thresholds = listed(file, "_thresholds");
  const auto warns = listed(file, "_warn");
  REQUIRE_MESSAGE(!thresholds.empty(), seed.scenario << " lists no _thresholds");
  const std::string trace = temp_path(seed.scenario + ".zst");
  auto synth = run_command({kReplay, "synth", seed.scenario, "-o", trace, "--duration",
                            seed.synth_duration, "--now", "now", "--identities", "50"},
                           60'000);
  INFO(synth.out << synth.err);
  REQUIRE(synth.exit_code == 0);
  const std::string target = "http://127.0.0.1:" + std::to_string(port);
  Outcome o;
  o.result_path = temp_path(seed.scenario + "-result.json");
  std::vector<std::string> args = {kReplay, "run",   trace,        "--target",
                                   target,  "--out", o.result_path};
  if (!seed.speed.empty()) args.insert(args.end(), {"--speed", seed.speed});
  std::string_view probe;
  if (file["_probe"].get(probe) == simdjson::SUCCESS) {
    std::string p(probe);
    p.replace(p.find("TARGET"), 6, target);
    args.insert(args.end(), {"--probe", p});
  }
  for (const auto& t : thresholds) {
    args.insert(args.end(), {"--threshold", t});
    o.expressions.push_back(t);
  }
  for (const auto& w : warns) {
    args.insert(args.end(), {"--warn", w});
    o.expressions.push_back(w);
  }
  o.run = run_command(args, 60'000);
  return o;
}

// Every expression has a verdict in result.json, in order; returns how many passed.
size_t check_verdicts(const Outcome& o) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.load(o.result_path).get(root) == simdjson::SUCCESS);
  simdjson::dom::array verdicts;
  REQUIRE(root["thresholds"].get(verdicts) == simdjson::SUCCESS);
  REQUIRE(verdicts.size() == o.expressions.size());
  size_t passed = 0, i = 0;
  for (simdjson::dom::element v : verdicts) {
    CHECK(std::string(v["expression"].get_string().value()) == o.expressions[i++]);
    std::string_view observed = v["observed"].get_string().value();
    CHECK_FALSE(observed.empty());
    if (v["passed"].get_bool().value()) ++passed;
  }
  return passed;
}

}  // namespace

TEST_CASE("every bundled seed scenario runs against agent-sim and holds its thresholds") {
  SimProcess sim(kFastSim);
  REQUIRE(sim.started());
  const std::vector<SeedRun> seeds = {
      {"platform", "6s", ""},
      {"health", "4s", ""},
      {"chat", "4s", ""},
      {"chat-stream", "4s", ""},
      {"plans", "6s", ""},
      {"analytics", "4s", ""},
      {"enhancement", "6s", ""},
      // The first minute of each of guide 001's shapes, ten times faster.
      {"enhancement-baseline", "60s", "10x"},
      {"enhancement-peak", "60s", "10x"},
      {"enhancement-burst", "60s", "10x"},
      {"enhancement-endurance", "60s", "10x"},
      {"llm-proxy", "4s", ""},
      {"crud-mix", "4s", ""},
      {"read-only", "4s", ""},
      {"signup-chat", "4s", ""},
  };
  for (const SeedRun& seed : seeds) {
    CAPTURE(seed.scenario);
    const Outcome o = run_seed(seed, sim.port());
    INFO(o.run.out << o.run.err);
    CHECK(o.run.exit_code == 0);
    CHECK(check_verdicts(o) == o.expressions.size());
    CHECK(o.run.out.find("\n  thresholds\n") != std::string::npos);
  }
}

TEST_CASE("the platform seed's thresholds fail (exit 99) when chat is slower than its 2 s") {
  std::vector<std::string> slow = kFastSim;
  slow[5] = "2500ms";  // --chat-latency
  SimProcess sim(slow);
  REQUIRE(sim.started());
  const Outcome o = run_seed({"platform", "6s", ""}, sim.port());
  INFO(o.run.out << o.run.err);
  CHECK(o.run.exit_code == 99);
  CHECK(o.run.out.find("FAIL  chat:p95<2s") != std::string::npos);
  CHECK(check_verdicts(o) < o.expressions.size());
}
