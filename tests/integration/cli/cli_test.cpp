// The `replay` binary as users meet it: exit codes, one-line errors naming the problem and
// where, inspect's figures, and run's result.json.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"
#include "test_client.hpp"

#include <thread>

using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kDemo = std::string(REPLAY_SOURCE_DIR) + "/traces/demo.zst";

replay::testing::CommandResult run_replay_cli(std::vector<std::string> args,
                                              int timeout_ms = 60000) {
  args.insert(args.begin(), kReplay);
  return run_command(args, timeout_ms);
}

bool one_line(const std::string& s) {
  return !s.empty() && s.back() == '\n' && std::count(s.begin(), s.end(), '\n') == 1;
}

}  // namespace

TEST_CASE("--version and --help") {
  auto v = run_replay_cli({"--version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.find("replay 0.") == 0);
  auto h = run_replay_cli({"--help"});
  CHECK(h.exit_code == 0);
  CHECK(h.out.find("inspect") != std::string::npos);
  CHECK(h.out.find("Exit codes") != std::string::npos);
}

TEST_CASE("usage errors are one line on stderr with exit 1") {
  auto unknown = run_replay_cli({"bogus"});
  CHECK(unknown.exit_code == 1);
  CHECK(one_line(unknown.err));
  CHECK(unknown.err.find("bogus") != std::string::npos);

  auto bad_flag = run_replay_cli({"inspect", kDemo, "--frobnicate"});
  CHECK(bad_flag.exit_code == 1);
  CHECK(one_line(bad_flag.err));
  CHECK(bad_flag.err.find("--frobnicate") != std::string::npos);

  auto bad_rate = run_replay_cli({"run", kDemo, "--target", "http://127.0.0.1:9", "--rate", "200"});
  CHECK(bad_rate.exit_code == 1);
  CHECK(one_line(bad_rate.err));
  CHECK(bad_rate.err.find("--rate") != std::string::npos);
  CHECK(bad_rate.err.find("missing '/unit'") != std::string::npos);

  auto bad_threshold =
      run_replay_cli({"run", kDemo, "--target", "http://127.0.0.1:9", "--threshold", "p95<fast"});
  CHECK(bad_threshold.exit_code == 1);
  CHECK(bad_threshold.err.find("--threshold") != std::string::npos);

  auto bad_target = run_replay_cli({"run", kDemo, "--target", "ftp://example", "--rate", "1/s"});
  CHECK(bad_target.exit_code == 1);
  CHECK(one_line(bad_target.err));
  CHECK(bad_target.err.find("--target") != std::string::npos);
}

TEST_CASE("input errors name the file, and for corrupt traces the record and byte") {
  auto missing = run_replay_cli({"inspect", "/nonexistent/trace.zst"});
  CHECK(missing.exit_code == 1);
  CHECK(one_line(missing.err));
  CHECK(missing.err.find("/nonexistent/trace.zst") != std::string::npos);

  const auto garbage = temp_path("garbage.zst");
  std::ofstream(garbage) << "this is not a trace\n";
  auto g = run_replay_cli({"inspect", garbage});
  CHECK(g.exit_code == 1);
  CHECK(one_line(g.err));
  CHECK(g.err.find("garbage.zst") != std::string::npos);

  // The demo trace cut in half: the complete records before the cut are counted.
  std::ifstream in(kDemo, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto truncated = temp_path("truncated.zst");
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  auto t = run_replay_cli({"inspect", truncated});
  CHECK(t.exit_code == 1);
  CHECK(one_line(t.err));
  CHECK(t.err.find("truncated") != std::string::npos);
  CHECK(t.err.find("byte") != std::string::npos);
}

TEST_CASE("inspect --json reports the demo trace's records, tags and endpoints") {
  auto r = run_replay_cli({"inspect", "--json", kDemo});
  REQUIRE(r.exit_code == 0);
  simdjson::dom::parser parser;
  auto doc = parser.parse(r.out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(uint64_t(doc["records"]) == 1200);
  CHECK(int64_t(doc["duration_us"]) == 1199 * 50000);
  uint64_t by_tag = 0;
  for (auto field : simdjson::dom::object(doc["by_tag"])) by_tag += uint64_t(field.value);
  CHECK(by_tag == 1200);
  CHECK(uint64_t(doc["by_endpoint"]["POST /webhooks/servicedesk/{id}"]) > 0);
}

TEST_CASE("run writes result.json and exits 99 when a threshold is crossed") {
  SimProcess sim({"--no-auth", "--latency", "5ms"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const auto out = temp_path("result.json");
  auto ok = run_replay_cli({"run", kDemo, "--target", target, "--rate", "100/s", "--duration", "2s",
                            "--only", "analytics,health", "--threshold", "p99<5s", "--out", out});
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("PASS") != std::string::npos);
  CHECK(ok.out.find("corrected") != std::string::npos);

  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(std::string_view(doc["format"]) == "replay-result");
  CHECK(uint64_t(doc["overall"]["offered"]) == 200);
  CHECK(uint64_t(doc["overall"]["completed"]) == 200);
  CHECK(std::string_view(doc["overall"]["latency_us"]["corrected"]["hdr"]).substr(0, 5) == "hdr1:");
  CHECK(simdjson::dom::array(doc["timeline"]).size() >= 2);
  CHECK(doc["by_tag"]["analytics"].error() == simdjson::SUCCESS);

  auto crossed = run_replay_cli({"run", kDemo, "--target", target, "--rate", "50/s", "--duration",
                                 "1s", "--only", "analytics", "--threshold", "p50<1ms"});
  CHECK(crossed.exit_code == 99);
  CHECK(crossed.out.find("FAIL") != std::string::npos);
}

TEST_CASE("--warn bands: WARN and exit 3 when only a band is crossed, 99 when a threshold is") {
  // agent-sim answers analytics after 5 ms: p50 is ~5 ms.
  SimProcess sim({"--no-auth", "--latency", "5ms"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const auto out = temp_path("warned.json");
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"run",  kDemo,        "--target", target,   "--rate",
                                     "50/s", "--duration", "1s",       "--only", "analytics"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_replay_cli(args);
  };
  auto warned = run({"--threshold", "p50<5s", "--warn", "p50<1ms", "--out", out});
  INFO(warned.out << warned.err);
  CHECK(warned.exit_code == 3);
  CHECK(warned.out.find("    PASS  p50<5s") != std::string::npos);
  CHECK(warned.out.find("    WARN  warn p50<1ms") != std::string::npos);
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  simdjson::dom::array thresholds = doc["thresholds"];
  REQUIRE(thresholds.size() == 2);
  CHECK_FALSE(bool(thresholds.at(0)["warn"]));
  CHECK(bool(thresholds.at(1)["warn"]));
  CHECK_FALSE(bool(thresholds.at(1)["passed"]));
  // The saved result renders the same verdict.
  auto md = run_replay_cli({"report", out, "--format", "markdown"});
  CHECK(md.out.find("⚠ warning: 1 of 1 --warn bands crossed, 1 thresholds hold") !=
        std::string::npos);
  // A crossed threshold wins over a band; a band that holds changes nothing.
  CHECK(run({"--threshold", "p50<1ms", "--warn", "p50<2ms"}).exit_code == 99);
  CHECK(run({"--warn", "p50<5s"}).exit_code == 0);
  auto bad = run({"--warn", "p50<fast"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("replay: --warn: threshold 'p50<fast'") == 0);
}

TEST_CASE("4 shards as processes merge to the counts and percentiles of one unsharded run") {
  SimProcess sim({"--no-auth", "--latency", "10ms"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const std::string mix = std::string(REPLAY_SOURCE_DIR) + "/traces/mix.zst";
  std::vector<std::string> shard_files;
  std::vector<std::thread> shards;
  std::vector<int> codes(4, -1);
  for (int i = 0; i < 4; ++i) {
    shard_files.push_back(temp_path("shard-" + std::to_string(i) + ".json"));
    shards.emplace_back([&, i] {
      codes[i] = run_replay_cli({"run", mix, "--target", target, "--rate", "80/s", "--duration",
                                 "4s", "--loop", "--shard", std::to_string(i) + "/4", "-q", "--out",
                                 shard_files[i]})
                     .exit_code;
    });
  }
  for (auto& t : shards) t.join();
  for (int code : codes) CHECK(code == 0);
  const auto merged = temp_path("merged.json");
  std::vector<std::string> merge_args{"merge"};
  merge_args.insert(merge_args.end(), shard_files.begin(), shard_files.end());
  merge_args.insert(merge_args.end(), {"-o", merged});
  auto m = run_replay_cli(merge_args);
  INFO(m.err);
  REQUIRE(m.exit_code == 0);
  const auto whole = temp_path("unsharded.json");
  REQUIRE(run_replay_cli({"run", mix, "--target", target, "--rate", "80/s", "--duration", "4s",
                          "--loop", "-q", "--out", whole})
              .exit_code == 0);
  simdjson::dom::parser p1, p2;
  auto a = p1.load(merged);
  auto b = p2.load(whole);
  REQUIRE(a.error() == simdjson::SUCCESS);
  REQUIRE(b.error() == simdjson::SUCCESS);
  const double offered_merged = double(uint64_t(a["overall"]["offered"]));
  const double offered_whole = double(uint64_t(b["overall"]["offered"]));
  INFO("merged " << offered_merged << " vs unsharded " << offered_whole);
  // Each shard draws its own share of sessions and arrivals: the totals agree closely.
  CHECK(offered_merged == doctest::Approx(offered_whole).epsilon(0.05));
  CHECK(uint64_t(a["overall"]["completed"]) == uint64_t(a["overall"]["offered"]));
  const double p50_merged = double(int64_t(a["overall"]["latency_us"]["corrected"]["p50"]));
  const double p50_whole = double(int64_t(b["overall"]["latency_us"]["corrected"]["p50"]));
  CHECK(p50_merged == doctest::Approx(p50_whole).epsilon(0.15));
  CHECK(simdjson::dom::array(a["config"]["shard_index"]).size() == 4);
}

TEST_CASE("the bundled plans scenario replays against agent-sim with auth: every plan approved") {
  SimProcess sim({"--rate-limit", "0"});  // tokens checked with the seeds' dev secret
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const std::string plans = std::string(REPLAY_SOURCE_DIR) + "/traces/plans.zst";
  const auto out = temp_path("plans.json");
  auto r = run_replay_cli({"run", plans, "--target", target, "--speed", "4x", "-q", "--out", out});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  simdjson::dom::parser parser;
  auto doc = parser.load(out);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  CHECK(uint64_t(doc["overall"]["offered"]) == 80);
  CHECK(uint64_t(doc["overall"]["status"]["2xx"]) == 80);
  CHECK(uint64_t(doc["overall"]["status"]["4xx"]) == 0);
  // The scenario's checks (201 and an id, approved, ...) all hold.
  CHECK(uint64_t(doc["overall"]["checks"]["passed"]) == 80);
  CHECK(uint64_t(doc["overall"]["checks"]["failed"]) == 0);
  // Each session from its first step's intended time to its last step's end: think times of
  // 500ms..2s, 500ms..2s and 1s..3s at 4x (0.5 s to 1.75 s) plus the plan's 100..400 ms.
  auto sessions = doc["overall"]["session_us"];
  CHECK(uint64_t(sessions["count"]) == 20);
  CHECK(uint64_t(sessions["min"]) >= 600'000);
  CHECK(uint64_t(sessions["max"]) <= 2'500'000);
  CHECK(uint64_t(doc["by_tag"]["plans"]["session_us"]["count"]) == 20);
  replay::testing::TestConnection connection(sim.port());
  const std::string token =
      replay::testing::run_command({AGENT_SIM_PATH, "--mint-token", "admin"}, 10000).out;
  REQUIRE(!token.empty());
  auto analytics = connection.request(
      "GET /api/v1/analytics/agents HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer " +
      token.substr(0, token.find('\n')) + "\r\n\r\n");
  REQUIRE(analytics.has_value());
  INFO(analytics->body);
  CHECK(analytics->body.find("\"plans_approved\":20") != std::string::npos);
}
