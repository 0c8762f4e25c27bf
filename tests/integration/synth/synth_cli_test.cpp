// `replay synth` as users meet it: the summary line, byte-identical output for a seed,
// one-line errors naming file, line and field, the bundled sample traces (which regenerate
// byte for byte), and tokens that agent-sim accepts.
//
// REPLAY_UPDATE_SAMPLES=1 makes the sample test rewrite traces/*.zst instead of comparing.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "replay/trace/trace_reader.hpp"
#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::CommandResult;
using replay::testing::read_file;
using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kTraces = std::string(REPLAY_SOURCE_DIR) + "/traces";

CommandResult replay_cli(std::vector<std::string> args, int timeout_ms = 60000) {
  args.insert(args.begin(), kReplay);
  return run_command(args, timeout_ms);
}

bool one_line(const std::string& s) {
  return !s.empty() && s.back() == '\n' && std::count(s.begin(), s.end(), '\n') == 1;
}

// How each bundled sample trace in traces/ is made (also in docs/scenarios.md).
struct Sample {
  const char* name;
  std::vector<std::string> flags;
};

const Sample kSamples[] = {
    {"health", {"--rate", "10/s", "--duration", "10s", "--arrival", "constant"}},
    {"chat", {"--rate", "5/s", "--duration", "20s", "--arrival", "poisson"}},
    {"chat-stream", {"--rate", "2/s", "--duration", "20s", "--arrival", "poisson"}},
    {"plans", {"--rate", "1/s", "--duration", "20s", "--arrival", "constant", "--users", "20"}},
    {"webhook", {"--rate", "20/s", "--duration", "10s", "--arrival", "poisson"}},
    {"mix", {"--rate", "40/s", "--duration", "20s", "--arrival", "poisson", "--users", "50"}},
};

std::vector<std::string> sample_command(const Sample& s, const std::string& out) {
  std::vector<std::string> args{"synth", s.name, "-o", out};
  args.insert(args.end(), s.flags.begin(), s.flags.end());
  for (const char* f : {"--seed", "1", "--token-ttl", "87600h", "--zstd-level", "19"}) {
    args.emplace_back(f);
  }
  return args;
}

}  // namespace

TEST_CASE("synth writes the trace and prints one summary line") {
  const auto out = temp_path("plans.zst");
  auto r = replay_cli(
      {"synth", "plans", "-o", out, "--rate", "2/s", "--duration", "10s", "--arrival", "constant"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(one_line(r.out));
  const std::string expected = "synth plans: 80 records, 20 sessions, 10.00s -> " + out + " (";
  CHECK(r.out.rfind(expected, 0) == 0);
  CHECK(r.out.size() > expected.size() + 6);
  CHECK(r.out.substr(r.out.size() - 6) == " KiB)\n");
  auto reader = replay::trace::TraceReader::open(out);
  REQUIRE(reader.ok());
  CHECK((*reader)->header().created == "2026-11-22T12:00:00Z");
  CHECK((*reader)->header().base_url == "http://127.0.0.1:8000");
  CHECK((*reader)->header().source.rfind("synth plans --rate '2/s'", 0) == 0);
  replay::trace::Record record;
  int records = 0;
  while ((*reader)->next(record).value()) ++records;
  CHECK(records == 80);
  CHECK((std::filesystem::status(out).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
}

TEST_CASE("a seed reproduces the file byte for byte; the secret comes from DEV_JWT_SECRET") {
  const auto a = temp_path("a.zst");
  const auto b = temp_path("b.zst");
  const auto c = temp_path("c.zst");
  const auto d = temp_path("d.zst");
  const std::vector<std::string> flags{"--rate", "30/s", "--duration", "5s"};
  auto run = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args{"synth", "mix", "-o", out};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = replay_cli(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };
  run(a, {"--seed", "9"});
  run(b, {"--seed", "9"});
  run(c, {"--seed", "10"});
  CHECK(read_file(a) == read_file(b));
  CHECK(read_file(a) != read_file(c));
  auto env = run_command({"/usr/bin/env", "DEV_JWT_SECRET=another-secret", kReplay, "synth", "mix",
                          "-o", d, "--rate", "30/s", "--duration", "5s", "--seed", "9"},
                         60000);
  REQUIRE(env.exit_code == 0);
  CHECK(read_file(d) != read_file(a));
  auto flag = temp_path("e.zst");
  run(flag, {"--seed", "9", "--jwt-secret", "another-secret"});
  CHECK(read_file(flag) == read_file(d));
}

TEST_CASE("scenario and flag errors are one line and exit 1") {
  const auto bad = temp_path("bad.json");
  {
    std::ofstream f(bad);
    f << "{\n  \"requests\": [\n    {\"method\": \"GET\",\n     \"path\": \"/x/{{uid}}\"}\n  "
         "]\n}\n";
  }
  const auto out = temp_path("never.zst");
  auto r = replay_cli({"synth", bad, "-o", out, "--rate", "1/s", "--duration", "1s"});
  CHECK(r.exit_code == 1);
  CHECK(one_line(r.err));
  CHECK(r.err == "replay: " + bad +
                     ": line 4: requests[0].path: unknown generator '{{uid}}' (generators: uuid, "
                     "tenant, user, pick, int, text, now, seq; captures exist only in sessions)\n");
  CHECK_FALSE(std::filesystem::exists(out));

  auto unknown = replay_cli({"synth", "nosuch", "-o", out});
  CHECK(unknown.exit_code == 1);
  CHECK(one_line(unknown.err));
  CHECK(unknown.err.find("scenario 'nosuch' not found") != std::string::npos);
  CHECK(unknown.err.find("mix, plans, webhook") != std::string::npos);

  auto rate = replay_cli({"synth", "health", "-o", out, "--rate", "fast"});
  CHECK(rate.exit_code == 1);
  CHECK(rate.err.rfind("replay: --rate: ", 0) == 0);
  CHECK(one_line(rate.err));

  auto arrival = replay_cli({"synth", "health", "-o", out, "--arrival", "recorded"});
  CHECK(arrival.exit_code == 1);
  CHECK(arrival.err == "replay: --arrival: synth places arrivals itself: constant or poisson\n");

  const auto bare = temp_path("bare.json");
  {
    std::ofstream f(bare);
    f << R"({"requests": [{"method": "GET", "path": "/"}]})";
  }
  auto no_rate = replay_cli({"synth", bare, "-o", out});
  CHECK(no_rate.exit_code == 1);
  CHECK(no_rate.err == "replay: --rate is required: scenario 'bare' sets no default rate\n");
  auto no_duration = replay_cli({"synth", bare, "-o", out, "--rate", "5/s"});
  CHECK(no_duration.exit_code == 1);
  CHECK(no_duration.err ==
        "replay: --duration is required: scenario 'bare' sets no default duration\n");
  auto zero_users = replay_cli({"synth", "chat", "-o", out, "--users", "0"});
  CHECK(zero_users.exit_code == 1);
  CHECK(one_line(zero_users.err));

  auto unwritable = replay_cli({"synth", "health", "-o", "/nonexistent/dir/x.zst"});
  CHECK(unwritable.exit_code == 2);
  CHECK(one_line(unwritable.err));
}

TEST_CASE("the bundled sample traces regenerate byte for byte") {
  const bool update = std::getenv("REPLAY_UPDATE_SAMPLES") != nullptr;
  for (const Sample& s : kSamples) {
    CAPTURE(s.name);
    const std::string bundled = kTraces + "/" + s.name + ".zst";
    const std::string out = update ? bundled : temp_path(std::string(s.name) + ".zst");
    auto r = replay_cli(sample_command(s, out));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    if (update) {
      MESSAGE("wrote " << r.out);
      continue;
    }
    REQUIRE_MESSAGE(std::filesystem::exists(bundled),
                    "missing; create it with REPLAY_UPDATE_SAMPLES=1 test_integration_synth");
    CHECK(read_file(out) == read_file(bundled));
  }
}

TEST_CASE("agent-sim accepts every synthesised token") {
  SimProcess sim({"--chat-latency", "2ms", "--stream-first-token", "1ms", "--stream-tokens", "3",
                  "--stream-token-interval", "1ms", "--plan-latency", "1ms"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const auto trace = temp_path("auth.zst");
  // --now now: tokens valid from this moment, whatever today's date; 100 users stay under
  // agent-sim's 60 requests per minute per user.
  auto s = replay_cli({"synth", "mix", "-o", trace, "--rate", "100/s", "--duration", "3s",
                       "--users", "100", "--now", "now", "--token-ttl", "1h"});
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  const auto result = temp_path("auth-result.json");
  // Plans need the engine to fill in {{plan_id}}; the other endpoints check tokens and roles.
  auto r = replay_cli(
      {"run", trace, "--target", target, "--skip", "plans", "--out", result, "--quiet"}, 120000);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  simdjson::dom::parser parser;
  auto doc = parser.load(result);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  const uint64_t offered = uint64_t(doc["overall"]["offered"]);
  CHECK(offered > 250);
  CHECK(uint64_t(doc["overall"]["status"]["2xx"]) == offered);
  CHECK(uint64_t(doc["overall"]["status"]["4xx"]) == 0);
  CHECK(uint64_t(doc["by_tag"]["analytics"]["status"]["2xx"]) > 0);
  CHECK(uint64_t(doc["by_tag"]["chat"]["status"]["2xx"]) > 0);
}
