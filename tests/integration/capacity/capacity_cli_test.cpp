// `replay capacity` finds agent-sim's known capacity: synchronous webhooks on 20 workers of 50 ms
// each serve 400/s at most (20 x 50 ms rather than 4 x 10 ms: a job's timer fires about 0.9 ms
// late, which costs 4 x 10 ms 8 % of its 400/s, measured ~363/s, and 20 x 50 ms under 2 %).
// Capped by --max-connections below it, the search says client-limited and claims no capacity.
// Steps are short (1 s warm-up, 3 s judged).

#include <doctest/doctest.h>
#include <simdjson.h>

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
}
