// Flag validation and the CLI's rough edges, through the `replay` binary: every refusal is one
// line naming the flag, the value and what is allowed, with exit 1.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::TempDir;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kDemo = std::string(REPLAY_SOURCE_DIR) + "/traces/demo.zst";
const std::string kTarget = "http://127.0.0.1:9";  // never reached: the flags are refused first

replay::testing::CommandResult replay_cli(std::vector<std::string> args, int timeout_ms = 20000) {
  args.insert(args.begin(), kReplay);
  return run_command(args, timeout_ms);
}

// `replay run` on the demo trace with `flags`, expected to stop at once (1 s if it does not).
replay::testing::CommandResult run_demo(std::vector<std::string> flags) {
  flags.insert(flags.begin(), {"run", kDemo, "--target", kTarget, "--duration", "1s"});
  return replay_cli(flags);
}

const std::string kRateAllowed =
    "must be a positive finite number of requests per second (e.g. 200/s, 12000/m, 0.5/ms)";

}  // namespace

TEST_CASE("--threads above 4 per core is refused, not clamped, naming the value and the cap") {
  const unsigned cores = std::thread::hardware_concurrency();
  const unsigned cap = std::max(4u, 4 * cores);
  const std::string allowed = "replay: --threads must be from 1 to " + std::to_string(cap) +
                              " (4 per core, " + std::to_string(cores) + " cores here), got ";
  auto many = run_demo({"--rate", "10/s", "--threads", "1000"});
  CHECK(many.exit_code == 1);
  CHECK(many.err == allowed + "1000\n");
  auto above = run_demo({"--rate", "10/s", "--threads", std::to_string(cap + 1)});
  CHECK(above.exit_code == 1);
  CHECK(above.err == allowed + std::to_string(cap + 1) + "\n");
  auto zero = run_demo({"--rate", "10/s", "--threads", "0"});
  CHECK(zero.exit_code == 1);
  CHECK(zero.err == allowed + "0\n");
}

TEST_CASE("--rate 0/s, nan/s and inf/s say that a rate is a positive finite number") {
  auto zero = run_demo({"--rate", "0/s"});
  CHECK(zero.exit_code == 1);
  CHECK(zero.err == "replay: --rate: rate '0/s': " + kRateAllowed + "\n");
  auto nan = run_demo({"--rate", "nan/s"});
  CHECK(nan.exit_code == 1);
  CHECK(nan.err == "replay: --rate: stage 1 of 'nan/s': rate 'nan/s': " + kRateAllowed + "\n");
  auto inf = run_demo({"--rate", "inf/s"});
  CHECK(inf.exit_code == 1);
  CHECK(inf.err == "replay: --rate: stage 1 of 'inf/s': rate 'inf/s': " + kRateAllowed + "\n");
}

TEST_CASE("--max-connections 0 says 1 or more") {
  auto r = run_demo({"--rate", "10/s", "--max-connections", "0"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "replay: --max-connections must be 1 or more, got 0\n");
}

TEST_CASE("--http, --http2 and --max-streams: bad values name the flag") {
  auto version = run_demo({"--rate", "10/s", "--http", "3"});
  CHECK(version.exit_code == 1);
  CHECK(version.err == "replay: --http must be auto, 1.1 or 2, got '3'\n");
  auto both = run_demo({"--rate", "10/s", "--http", "1.1", "--http2"});
  CHECK(both.exit_code == 1);
  CHECK(both.err == "replay: --http2 and --http 1.1 disagree: give one of them\n");
  auto streams = run_demo({"--rate", "10/s", "--max-streams", "0"});
  CHECK(streams.exit_code == 1);
  CHECK(streams.err == "replay: --max-streams must be from 1 to 1000000, got 0\n");
}

TEST_CASE("--timeout 0s and --connect-timeout below 1ms are refused, not made 1 ms") {
  auto zero = run_demo({"--rate", "10/s", "--timeout", "0s"});
  CHECK(zero.exit_code == 1);
  CHECK(zero.err == "replay: --timeout must be 1ms or more (e.g. 30s), got 0s\n");
  auto tiny = run_demo({"--rate", "10/s", "--connect-timeout", "500us"});
  CHECK(tiny.exit_code == 1);
  CHECK(tiny.err == "replay: --connect-timeout must be 1ms or more (e.g. 30s), got 500us\n");
}

TEST_CASE("synth --tenants 0 and --identities 0 say 1 or more (--users is its older name)") {
  TempDir dir;
  auto tenants = replay_cli({"synth", "chat", "-o", dir.file("t.zst"), "--tenants", "0"});
  CHECK(tenants.exit_code == 1);
  CHECK(tenants.err == "replay: --tenants must be 1 or more, got 0\n");
  auto users = replay_cli({"synth", "chat", "-o", dir.file("t.zst"), "--users", "-2"});
  CHECK(users.exit_code == 1);
  CHECK(users.err == "replay: --identities must be 1 or more, got -2\n");
  auto identities = replay_cli({"synth", "chat", "-o", dir.file("t.zst"), "--identities", "0"});
  CHECK(identities.exit_code == 1);
  CHECK(identities.err == "replay: --identities must be 1 or more, got 0\n");
}

TEST_CASE("flags that would silently undo each other are refused") {
  auto speed = run_demo({"--rate", "10/s", "--speed", "2x"});
  CHECK(speed.exit_code == 1);
  CHECK(speed.err ==
        "replay: --speed scales the trace's recorded timing and --rate replaces it: give one of "
        "them\n");
  auto shards = run_demo({"--rate", "10/s", "--shard", "0/2", "--shards", "2"});
  CHECK(shards.exit_code == 1);
  CHECK(shards.err == "replay: --shard and --shards both choose the shard: give one of them\n");
  auto tls = run_demo({"--rate", "10/s", "--insecure", "--cacert", "/etc/ssl/ca.pem"});
  CHECK(tls.exit_code == 1);
  CHECK(tls.err ==
        "replay: --insecure skips certificate checks, so --cacert would not be used: give one of "
        "them\n");
  auto seed = run_demo({"--rate", "10/s", "--seed", "7"});
  CHECK(seed.exit_code == 1);
  CHECK(seed.err == "replay: --seed only seeds --arrival poisson: add it, or drop --seed\n");
}

TEST_CASE("an unknown flag names the command and the closest flag") {
  auto rat = run_demo({"--rat", "20/s"});
  CHECK(rat.exit_code == 1);
  CHECK(rat.err == "replay: unknown flag --rat for 'replay run' (did you mean --rate?)\n");
  auto valued = run_demo({"--treads=4"});
  CHECK(valued.exit_code == 1);
  CHECK(valued.err == "replay: unknown flag --treads for 'replay run' (did you mean --threads?)\n");
  auto nested = replay_cli({"import", "har", "x.har", "-o", "t.zst", "--sesion-by", "cookie:s"});
  CHECK(nested.exit_code == 1);
  CHECK(nested.err ==
        "replay: unknown flag --sesion-by for 'replay import har' (did you mean --session-by?)\n");
  auto far = replay_cli({"inspect", kDemo, "--frobnicate"});
  CHECK(far.exit_code == 1);
  CHECK(far.err ==
        "replay: unknown flag --frobnicate for 'replay inspect' (see 'replay inspect --help')\n");
  auto extra = replay_cli({"inspect", kDemo, "second.zst"});
  CHECK(extra.exit_code == 1);
  CHECK(extra.err ==
        "replay: unexpected argument 'second.zst' for 'replay inspect' (see 'replay inspect "
        "--help')\n");
}

TEST_CASE("every --help shows the defaults") {
  auto run = replay_cli({"run", "--help"});
  CHECK(run.exit_code == 0);
  for (const char* shown : {"--timeout TEXT=30s", "--connect-timeout TEXT=10s", "--speed TEXT=1x",
                            "--max-connections INT=1000", "--seed UINT=1"}) {
    INFO(shown);
    CHECK(run.out.find(shown) != std::string::npos);
  }
  auto compare = replay_cli({"compare", "--help"});
  CHECK(compare.out.find("--alpha FLOAT=0.01") != std::string::npos);
  CHECK(compare.out.find("--format TEXT:{text,markdown,json}=text") != std::string::npos);
  auto synth = replay_cli({"synth", "--help"});
  CHECK(synth.out.find("--token-ttl TEXT=24h") != std::string::npos);
  CHECK(synth.out.find("--zstd-level INT:INT in [1 - 19]=3") != std::string::npos);
  auto log = replay_cli({"import", "access-log", "--help"});
  CHECK(log.out.find("--format TEXT=combined") != std::string::npos);
}

TEST_CASE("a scenario or a HAR file given as a trace names the command that makes one") {
  const std::string scenario = std::string(REPLAY_SOURCE_DIR) + "/traces/chat.json";
  const std::string as_scenario =
      "' looks like a scenario: make a trace with 'replay synth " + scenario + " -o trace.zst'\n";
  auto run = replay_cli({"run", scenario, "--target", kTarget, "--rate", "10/s"});
  CHECK(run.exit_code == 1);
  CHECK(run.err == "replay: run: '" + scenario + as_scenario);
  auto inspect = replay_cli({"inspect", scenario});
  CHECK(inspect.exit_code == 1);
  CHECK(inspect.err == "replay: inspect: '" + scenario + as_scenario);

  TempDir dir;
  const std::string har =
      dir.write("session.har", "{\"log\": {\"version\": \"1.2\", \"entries\": []}}");
  const std::string as_har =
      "' looks like a HAR file: convert it with 'replay import har " + har + " -o trace.zst'\n";
  auto har_inspect = replay_cli({"inspect", har});
  CHECK(har_inspect.exit_code == 1);
  CHECK(har_inspect.err == "replay: inspect: '" + har + as_har);
  auto har_run = replay_cli({"run", har, "--target", kTarget});
  CHECK(har_run.exit_code == 1);
  CHECK(har_run.err == "replay: run: '" + har + as_har);
}

TEST_CASE("a failed import leaves no partial trace, and an existing one as it was") {
  TempDir dir;
  const std::string log = dir.write(
      "access.log",
      "127.0.0.1 - - [02/Dec/2026:10:00:00 +0000] \"GET /health HTTP/1.1\" 200 2 \"-\" \"t\"\n"
      "this line is not a log line\n");
  const std::string out = dir.file("trace.zst");
  auto failed = replay_cli({"import", "access-log", log, "-o", out});
  CHECK(failed.exit_code == 1);
  CHECK_FALSE(std::filesystem::exists(out));
  dir.write("trace.zst", "an earlier trace");
  auto again = replay_cli({"import", "access-log", log, "-o", out});
  CHECK(again.exit_code == 1);
  std::ifstream kept(out);
  CHECK(std::string(std::istreambuf_iterator<char>(kept), {}) == "an earlier trace");
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    INFO(entry.path().string());
    ++files;
  }
  CHECK(files == 2);  // access.log and trace.zst: no temporary file left beside them
  auto skipped = replay_cli({"import", "access-log", log, "-o", out, "--skip-bad"});
  CHECK(skipped.exit_code == 0);
  CHECK(std::filesystem::file_size(out) > 0);
  CHECK((std::filesystem::status(out).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
}

TEST_CASE("run takes -o like every other command; -q without an output warns") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  TempDir dir;
  const std::string out = dir.file("result.json");
  auto saved = replay_cli(
      {"run", kDemo, "--target", target, "--rate", "20/s", "--duration", "1s", "-q", "-o", out},
      60000);
  CHECK(saved.exit_code == 0);
  CHECK(saved.err.empty());
  CHECK(std::filesystem::exists(out));
  auto lost = replay_cli(
      {"run", kDemo, "--target", target, "--rate", "20/s", "--duration", "1s", "-q"}, 60000);
  CHECK(lost.exit_code == 0);
  CHECK(lost.err ==
        "replay: warning: -q without --out, --html, --csv, --hgrm, --hlog or --threshold: nothing "
        "of this run is kept\n");
  auto gated = replay_cli({"run", kDemo, "--target", target, "--rate", "20/s", "--duration", "1s",
                           "-q", "--threshold", "errors<50%"},
                          60000);
  CHECK(gated.exit_code == 0);
  CHECK(gated.err.empty());
}
