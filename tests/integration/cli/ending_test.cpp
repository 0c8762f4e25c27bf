// How a run ends, as users meet it: Ctrl-C and SIGTERM write every output marked interrupted
// and exit 130 / 143, counting what was given up as abandoned; --drain bounds the wait for
// requests in flight after --duration; a trace that runs out early says so.

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
const std::string kDemo = std::string(REPLAY_SOURCE_DIR) + "/traces/demo.zst";

uint64_t failures(simdjson::dom::element doc, const char* cause) {
  return uint64_t(doc["overall"]["failures"][cause]);
}

}  // namespace

TEST_CASE("SIGINT and SIGTERM: outputs written, marked interrupted, in-flight counted, 130/143") {
  // Every answer takes 5 s: when the signal comes 1.5 s in, every request sent is in flight.
  SimProcess sim({"--no-auth", "--stall", "60s@0s"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  for (const auto& [signal_number, code] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
    CAPTURE(signal_number);
    const auto out = temp_path("interrupted-" + std::to_string(signal_number) + ".json");
    const auto html = temp_path("interrupted-" + std::to_string(signal_number) + ".html");
    ChildProcess run({kReplay, "run", kHealth, "--target", target, "--rate", "20/s", "--duration",
                      "20s", "--loop", "--out", out, "--html", html});
    REQUIRE(run.started());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const auto stopped_at = std::chrono::steady_clock::now();
    const int exit_code = run.stop(signal_number, 10'000);
    const double stop_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped_at).count();
    INFO(run.out() << run.err());
    CHECK(exit_code == code);
    CHECK(stop_s < 2.0);
    CHECK(run.out().find("INTERRUPTED") != std::string::npos);
    simdjson::dom::parser parser;
    auto doc = parser.load(out);
    REQUIRE(doc.error() == simdjson::SUCCESS);
    CHECK(bool(doc["interrupted"]));
    const uint64_t offered = uint64_t(doc["overall"]["offered"]);
    CHECK(offered >= 25);
    CHECK(offered <= 40);
    // Nothing answered: every request offered was abandoned, and kept in the latency.
    CHECK(failures(doc.value(), "abandoned") == offered);
    CHECK(uint64_t(doc["overall"]["latency_us"]["lower_bounds"]) == offered);
    CHECK(uint64_t(doc["overall"]["latency_us"]["corrected"]["count"]) == offered);
    CHECK(int64_t(doc["load_us"]) <= int64_t(doc["elapsed_us"]));
    CHECK(replay::testing::read_file(html).find("nterrupted") != std::string::npos);
  }
}

TEST_CASE(
    "a signal in an idle stretch of the trace ends the run at once, not at its next request") {
  // Two requests 30 s apart at their recorded times: 2 s in, the run is sleeping until the
  // second. SIGTERM must cut that sleep short (the signal reaches the sleeping thread).
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const auto plain = temp_path("idle.jsonl");
  const auto trace = temp_path("idle.zst");
  replay::testing::write_file(
      plain,
      "{\"format\":\"replay-trace\",\"version\":1}\n"
      "{\"offset_us\":0,\"method\":\"GET\",\"target\":\"/health/live\"}\n"
      "{\"offset_us\":30000000,\"method\":\"GET\",\"target\":\"/health/live\"}\n");
  REQUIRE(run_command({"/usr/bin/zstd", "-q", "-f", plain, "-o", trace}, 10'000).exit_code == 0);
  const auto out = temp_path("idle-stopped.json");
  ChildProcess run({kReplay, "run", trace, "--target", target, "--out", out});
  REQUIRE(run.started());
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  const auto stopped_at = std::chrono::steady_clock::now();
  const int exit_code = run.stop(SIGTERM, 10'000);
  const double stop_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped_at).count();
  INFO(run.out() << run.err());
  CHECK(exit_code == 143);
  CHECK(stop_s < 0.5);
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(bool(doc["interrupted"]));
  CHECK(uint64_t(doc["overall"]["completed"]) == 1);
}

TEST_CASE("--drain bounds the wait for requests in flight after --duration") {
  SimProcess sim({"--no-auth", "--latency", "/health/live=3s", "--latency", "/health/ready=3s"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const auto out = temp_path("drain.json");
  const auto started = std::chrono::steady_clock::now();
  auto r = run_command({kReplay, "run", kHealth, "--target", target, "--rate", "10/s", "--duration",
                        "1s", "--drain", "500ms", "--out", out},
                       30'000);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO(r.out << r.err);
  // Every request was given up at the drain's end: no request got a response (exit 2).
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no request got a response") != std::string::npos);
  CHECK(took < 2.8);  // 1 s of load, 0.5 s of drain: not the 3 s answers
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(uint64_t(doc["overall"]["offered"]) == 10);
  CHECK(failures(doc.value(), "abandoned") == 10);
  CHECK(int64_t(doc["drain_us"]) == 500'000);
  // By default the drain is the request timeout: the same run waits for the answers.
  auto whole = run_command({kReplay, "run", kHealth, "--target", target, "--rate", "10/s",
                            "--duration", "1s", "--out", out},
                           30'000);
  CHECK(whole.exit_code == 0);
  auto again = parser.load(out);
  REQUIRE(again.error() == simdjson::SUCCESS);
  CHECK(uint64_t(again["overall"]["completed"]) == 10);
  CHECK(failures(again.value(), "abandoned") == 0);
}

TEST_CASE("a trace that runs out before --duration warns, naming --loop") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const auto out = temp_path("short.json");
  // health.zst holds 100 records: at 50/s they last 2 s of the 5 s asked for.
  auto r = run_command({kReplay, "run", kHealth, "--target", target, "--rate", "50/s", "--duration",
                        "5s", "--out", out},
                       30'000);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("warning: the trace ran out") != std::string::npos);
  CHECK(r.out.find("--loop") != std::string::npos);
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  const int64_t ended = int64_t(doc["trace_ended_at_us"]);
  CHECK(ended == doctest::Approx(2'000'000).epsilon(0.05));
  CHECK(simdjson::dom::array(doc["warnings"]).size() == 1);
}
