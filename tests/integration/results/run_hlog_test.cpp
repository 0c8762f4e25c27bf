// `replay run --hlog FILE` writes the interval log `replay report RESULT --hlog FILE` writes from
// the run's result.json, byte for byte: both render the same ResultDoc.

#include <doctest/doctest.h>

#include <sstream>
#include <string>

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
const std::string kDemo = std::string(REPLAY_SOURCE_DIR) + "/traces/demo.zst";

CommandResult replay_cli(std::vector<std::string> args, int timeout_ms = 60000) {
  args.insert(args.begin(), kReplay);
  return run_command(args, timeout_ms);
}

size_t lines_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.rfind(prefix, 0) == 0;
  return n;
}

}  // namespace

TEST_CASE("run --hlog writes the .hlog that report --hlog writes from its result") {
  SimProcess sim({"--no-auth", "--latency", "2ms"});
  REQUIRE(sim.started());
  const std::string out = temp_path("hlog-run.json");
  const std::string run_hlog = temp_path("run.hlog");
  const std::string report_hlog = temp_path("report.hlog");
  auto run = replay_cli({"run", kDemo, "--target", "http://127.0.0.1:" + std::to_string(sim.port()),
                         "--rate", "100/s", "--duration", "2s", "--loop", "--out", out, "--hlog",
                         run_hlog});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("\n  result     " + out + "\n  hlog       " + run_hlog + "\n") !=
        std::string::npos);
  auto report = replay_cli({"report", out, "--hlog", report_hlog});
  INFO(report.err);
  REQUIRE(report.exit_code == 0);

  const std::string text = read_file(run_hlog);
  CHECK(text == read_file(report_hlog));
  CHECK(text.find("#[Histogram log format version 1.3]\n") != std::string::npos);
  CHECK(text.find(" result " + out + ": corrected latency untagged") != std::string::npos);
  // One untagged and one Tag=service interval per second: at least the 2 s of load.
  const size_t service = lines_starting(text, "Tag=service,");
  CHECK(service >= 2);
  CHECK(lines_starting(text, "0.000,1.000,") == 1);
  CHECK(lines_starting(text, "1.000,1.000,") == 1);

  // Without --out the run still writes it (its header names no result file).
  const std::string alone = temp_path("alone.hlog");
  auto quiet =
      replay_cli({"run", kDemo, "--target", "http://127.0.0.1:" + std::to_string(sim.port()),
                  "--rate", "50/s", "--duration", "1s", "--loop", "-q", "--hlog", alone});
  INFO(quiet.err);
  REQUIRE(quiet.exit_code == 0);
  CHECK(quiet.err.empty());  // --hlog keeps something: no "nothing of this run is kept" warning
  CHECK(read_file(alone).find(" result: corrected latency untagged") != std::string::npos);
}
