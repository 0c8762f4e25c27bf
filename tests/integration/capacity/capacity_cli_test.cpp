// `replay capacity` finds agent-sim's known capacity: synchronous webhooks on 20 workers of 50 ms
// each serve 400/s at most (20 x 50 ms rather than 4 x 10 ms: a job's timer fires about 0.9 ms
// late, which costs 4 x 10 ms 8 % of its 400/s, measured ~363/s, and 20 x 50 ms under 2 %).
// Capped by --max-connections below it, the search says client-limited and claims no capacity.
// Steps are short (1 s warm-up, 3 s judged). A ladder run by two shards in lockstep merges into
// the same capacity.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <ctime>
#include <future>
#include <string>

#include "file_io.hpp"
#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kWebhook = std::string(REPLAY_SOURCE_DIR) + "/traces/webhook.zst";

// 20 workers x 50 ms, the queue wait in the response: 400 webhooks/s.
std::vector<std::string> sim_args() {
  return {"--no-auth",      "--webhook-sync", "--workers",    "20",
          "--service-time", "50ms",           "--queue-size", "100000"};
}

// replay capacity against the sim on `port` with short steps, one thread, and `extra` flags.
std::vector<std::string> capacity_args(uint16_t port, std::vector<std::string> extra) {
  std::vector<std::string> args = {
      kReplay,  "capacity",  kWebhook,   "--target", "http://127.0.0.1:" + std::to_string(port),
      "--step", "3s",        "--warmup", "1s",       "--drain",
      "5s",     "--threads", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST_CASE("capacity finds 20 workers x 50 ms = 400/s within 10 %") {
  SimProcess sim(sim_args());
  REQUIRE(sim.started());
  const auto out = temp_path("capacity.json");
  const auto html = temp_path("capacity.html");
  auto r =
      run_command(capacity_args(sim.port(), {"--slo", "p99<100ms", "--slo", "errors<1%", "--start",
                                             "150/s", "--out", out, "--html", html}),
                  120'000);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(std::string_view(doc["format"]) == "replay-capacity");
  CHECK(std::string_view(doc["verdict"]) == "capacity_found");
  const double capacity = double(doc["capacity_per_s"]);
  CHECK(capacity >= 360);
  CHECK(capacity <= 440);
  // The bracket: the lowest failing rate is within the precision of the passing one.
  const double failing = double(doc["lowest_failing_rate_per_s"]);
  const uint64_t capacity_step = uint64_t(doc["capacity_step"]);
  simdjson::dom::array steps = doc["steps"];
  REQUIRE(steps.size() >= 4);
  CHECK(steps.size() <= 12);
  const auto passing = steps.at(capacity_step - 1);
  CHECK(bool(passing["passed"]));
  const double passing_rate = double(passing["rate_per_s"]);
  CHECK((failing - passing_rate) / passing_rate <= 0.05 + 1e-9);
  CHECK(double(steps.at(0)["rate_per_s"]) == 150);
  CHECK(double(steps.at(1)["rate_per_s"]) == 300);
  for (auto step : steps) {
    const double rate = double(step["rate_per_s"]);
    CHECK(bool(step["passed"]) == (rate <= passing_rate));
    // No step was replay's own limit.
    CHECK(std::string_view(step["reason"]) != "client_limited");
    CHECK(std::string_view(step["reason"]) != "generator_limited");
  }
  CHECK(r.out.find("\ncapacity ") != std::string::npos);
  const std::string page = replay::testing::read_file(html);
  CHECK(page.find("<svg id=\"capacity-curve\"") != std::string::npos);
  CHECK(page.find("SLO p99&lt;100ms") != std::string::npos);
}

TEST_CASE("capped by --max-connections below the service's capacity: client-limited, exit 2") {
  SimProcess sim(sim_args());
  REQUIRE(sim.started());
  const auto out = temp_path("capacity-client.json");
  // 4 connections answer one request each per 50 ms: about 80/s, a fifth of the capacity.
  auto r = run_command(capacity_args(sim.port(), {"--slo", "p99<100ms", "--start", "60/s",
                                                  "--max-connections", "4", "--out", out}),
                       120'000);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(std::string_view(doc["verdict"]) == "client_limited");
  CHECK(doc["capacity_per_s"].is_null());
  simdjson::dom::array steps = doc["steps"];
  REQUIRE(steps.size() >= 2);
  CHECK(bool(steps.at(0)["passed"]));  // 60/s fits 4 connections
  const auto last = steps.at(steps.size() - 1);
  CHECK(std::string_view(last["reason"]) == "client_limited");
  CHECK(double(last["rate_per_s"]) == 120);
  CHECK(r.out.find("CLIENT-LIMITED at 120.0/s") != std::string::npos);
  CHECK(r.out.find("\ncapacity ") == std::string::npos);
}

TEST_CASE("bad flags give one line and exit 1, before any load") {
  auto no_slo =
      run_command({kReplay, "capacity", kWebhook, "--target", "http://127.0.0.1:9"}, 10'000);
  CHECK(no_slo.exit_code == 1);
  CHECK(no_slo.err == "replay: capacity: --slo is required, e.g. --slo 'p99<200ms'\n");
  auto bad_slo = run_command(
      {kReplay, "capacity", kWebhook, "--target", "http://127.0.0.1:9", "--slo", "p99<fast"},
      10'000);
  CHECK(bad_slo.exit_code == 1);
  CHECK(bad_slo.err.find("replay: capacity: --slo: threshold 'p99<fast'") == 0);
  auto bad_step = run_command({kReplay, "capacity", kWebhook, "--target", "http://127.0.0.1:9",
                               "--slo", "p99<1s", "--step", "1.5s"},
                              10'000);
  CHECK(bad_step.exit_code == 1);
  CHECK(bad_step.err ==
        "replay: capacity: --step '1.5s': whole seconds, 1s or more (the judged window is whole "
        "seconds)\n");
  auto bad_precision = run_command({kReplay, "capacity", kWebhook, "--target", "http://127.0.0.1:9",
                                    "--slo", "p99<1s", "--precision", "0%"},
                                   10'000);
  CHECK(bad_precision.exit_code == 1);
  CHECK(bad_precision.err.find("--precision must be above 0%") != std::string::npos);
  // -H is checked as run checks it: a CR/LF would split every step's requests on the wire.
  auto injected = run_command({kReplay, "capacity", kWebhook, "--target", "http://127.0.0.1:9",
                               "--slo", "p99<1s", "-H", "X-Tenant: t1\r\nX-Admin: yes"},
                              10'000);
  CHECK(injected.exit_code == 1);
  CHECK(injected.err == "replay: capacity: -H 'X-Tenant': value contains CR (byte 2)\n");
  // LLM thresholds parse, but a step's window holds the corrected latency only: refused, not
  // judged on the wrong histogram.
  auto llm = run_command(
      {kReplay, "capacity", kWebhook, "--target", "http://127.0.0.1:9", "--slo", "ttft.p95<1s"},
      10'000);
  CHECK(llm.exit_code == 1);
  CHECK(llm.err.find("replay: capacity: --slo 'ttft.p95<1s': a step is judged on its corrected "
                     "latency") == 0);
  // Probes and the saturation verdict are run-wide, not in a step's window: refused too.
  auto probe = run_command({kReplay, "capacity", kWebhook, "--target", "http://127.0.0.1:9",
                            "--slo", "probe.queue.last==0"},
                           10'000);
  CHECK(probe.exit_code == 1);
  CHECK(probe.err ==
        "replay: capacity: --slo 'probe.queue.last==0': a step is judged on its corrected "
        "latency, errors and rate (pNN, max, mean, errors<N%, rate); probe.queue is for replay "
        "run --threshold\n");
  auto saturated = run_command({kReplay, "capacity", kWebhook, "--target", "http://127.0.0.1:9",
                                "--slo", "saturated==false"},
                               10'000);
  CHECK(saturated.exit_code == 1);
  CHECK(saturated.err.find("saturated is for replay run --threshold (a step that saturates fails "
                           "anyway)\n") != std::string::npos);
}

TEST_CASE("a ladder run by two shards in lockstep merges into the service's capacity") {
  // Rungs 200, 346.4 and 600/s, each shard offering half of each: 400/s lies between the
  // second and the third rung, so the merged ladder passes 346.4/s and fails 600/s.
  SimProcess sim(sim_args());
  REQUIRE(sim.started());
  const std::string start_at = [] {
    const time_t at = std::time(nullptr) + 3;
    tm utc{};
    gmtime_r(&at, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(buf);
  }();
  std::vector<std::string> outs = {temp_path("ladder-0.json"), temp_path("ladder-1.json")};
  auto shard = [&](int i) {
    return run_command(
        capacity_args(sim.port(), {"--slo", "p99<100ms", "--slo", "errors<1%", "--ladder",
                                   "200/s..600/s:3", "--shard", std::to_string(i) + "/2",
                                   "--start-at", start_at, "--out", outs[i]}),
        120'000);
  };
  auto first = std::async(std::launch::async, shard, 0);
  const auto second = shard(1);
  const auto zero = first.get();
  INFO(zero.out << zero.err << second.out << second.err);
  REQUIRE(zero.exit_code == 0);
  REQUIRE(second.exit_code == 0);
  CHECK(zero.out.find("as shard 0/2 at 1/2 of each rung") != std::string::npos);
  CHECK(second.out.find("shard 1/2 alone, on its share of each rung") != std::string::npos);

  const auto merged_path = temp_path("ladder-merged.json");
  auto merged = run_command({kReplay, "merge", outs[0], outs[1], "-o", merged_path}, 30'000);
  INFO(merged.out << merged.err);
  REQUIRE(merged.exit_code == 0);
  CHECK(merged.out.find("merged     2 capacity files of ladder 200/s..600/s:3 (2 shards)") == 0);
  simdjson::dom::parser parser;
  auto doc = parser.load(merged_path);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(std::string_view(doc["verdict"]) == "capacity_found");
  simdjson::dom::array steps = doc["steps"];
  REQUIRE(steps.size() == 3);
  CHECK(double(steps.at(0)["rate_per_s"]) == 200);
  CHECK(double(steps.at(1)["rate_per_s"]) == doctest::Approx(346.41).epsilon(0.001));
  CHECK(double(steps.at(2)["rate_per_s"]) == 600);
  CHECK(bool(steps.at(1)["passed"]));
  CHECK_FALSE(bool(steps.at(2)["passed"]));
  // The merged rung holds both shards' requests: its achieved rate is the whole rung's.
  const double capacity = double(doc["capacity_per_s"]);
  CHECK(capacity >= 346.41 * 0.97);
  CHECK(capacity <= 346.41 * 1.03);
  // Above the capacity the union completes about 400/s; one shard alone would show half.
  const double saturated = double(steps.at(2)["achieved_per_s"]);
  CHECK(saturated >= 360);
  CHECK(saturated <= 440);
}

TEST_CASE("ladder flags: shards need --start-at, a search cannot be sharded, bad ladders named") {
  auto args = [](std::vector<std::string> extra) {
    std::vector<std::string> a = {kReplay, "capacity", kWebhook, "--target", "http://127.0.0.1:9",
                                  "--slo", "p99<1s"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  auto no_start = run_command(args({"--ladder", "10/s..40/s:3", "--shard", "0/2"}), 10'000);
  CHECK(no_start.exit_code == 1);
  CHECK(no_start.err.find("--shard/--shards need --start-at") != std::string::npos);
  auto search = run_command(args({"--shard", "0/2"}), 10'000);
  CHECK(search.exit_code == 1);
  CHECK(search.err.find("need --ladder: a search cannot be sharded") != std::string::npos);
  auto bad = run_command(args({"--ladder", "40/s..10/s:3"}), 10'000);
  CHECK(bad.exit_code == 1);
  CHECK(bad.err ==
        "replay: capacity: --ladder '40/s..10/s:3': TO must be above FROM (expected "
        "FROM..TO:STEPS, e.g. 100/s..2000/s:12)\n");
}
