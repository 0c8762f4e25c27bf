// `replay report RESULT` renders what the `replay run` that wrote RESULT printed and saved: the
// terminal summary byte for byte, the timeline CSV and the .hgrm files, on a real run against
// agent-sim; and its markdown summary and flag errors.

#include <doctest/doctest.h>

#include <filesystem>
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

// The files a run (or a report) lists under its summary start after a blank line with this.
constexpr const char* kFilesStart = "\n\n  result     ";

}  // namespace

TEST_CASE("report prints the summary the run printed, and writes the same CSV and .hgrm files") {
  SimProcess sim({"--no-auth", "--latency", "5ms"});
  REQUIRE(sim.started());
  const std::string out = temp_path("same.json");
  const std::string csv = temp_path("same.csv");
  const std::string hgrm = temp_path("same-hgrm");
  // Tags, endpoints, SSE streams, a threshold that holds and one that fails (exit 99).
  auto run = replay_cli({"run", kDemo, "--target", "http://127.0.0.1:" + std::to_string(sim.port()),
                         "--rate", "100/s", "--duration", "2s", "--loop", "--threshold",
                         "p99<60s", "--threshold", "errors>50%", "--out", out, "--csv", csv,
                         "--hgrm", hgrm});
  INFO(run.err);
  REQUIRE(run.exit_code == 99);
  const size_t files_at = run.out.find(kFilesStart);
  REQUIRE(files_at != std::string::npos);
  const std::string run_summary = run.out.substr(0, files_at + 1);
  CHECK(run.out.substr(files_at + 1) == "\n  result     " + out + "\n  csv        " + csv +
                                            "\n  hgrm       " + hgrm + "/*.hgrm (8 files)\n");
  CHECK(run_summary.find("\n    PASS  p99<60s ") != std::string::npos);
  CHECK(run_summary.find("\n    FAIL  errors>50% ") != std::string::npos);
  CHECK(run_summary.find("\n  1st event ") != std::string::npos);

  auto report = replay_cli({"report", out});
  INFO(report.err);
  REQUIRE(report.exit_code == 0);
  CHECK(report.out == run_summary);
  auto text = replay_cli({"report", out, "--format", "text"});
  CHECK(text.out == run_summary);

  const std::string csv_again = temp_path("again.csv");
  const std::string hgrm_again = temp_path("again-hgrm");
  auto files = replay_cli({"report", out, "--csv", csv_again, "--hgrm", hgrm_again});
  INFO(files.err);
  REQUIRE(files.exit_code == 0);
  CHECK(files.out == "csv        " + csv_again + "\nhgrm       " + hgrm_again +
                         "/*.hgrm (8 files)\n");
  CHECK(read_file(csv_again) == read_file(csv));
  size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(hgrm)) {
    const auto name = entry.path().filename().string();
    CHECK_MESSAGE(read_file(hgrm_again + "/" + name) == read_file(entry.path().string()), name);
    ++compared;
  }
  CHECK(compared == 8);

  auto markdown = replay_cli({"report", out, "--format", "markdown"});
  REQUIRE(markdown.exit_code == 0);
  CHECK(markdown.out.rfind("### replay run ✗ failed: 1 of 2 thresholds crossed\n", 0) == 0);
  CHECK(markdown.out.find("\n| `POST /api/v1/chat` | ") != std::string::npos);
  CHECK(markdown.out.find("\n| ✓ | `p99<60s` | p99 = ") != std::string::npos);
  CHECK(markdown.out.find("\n| ✗ | `errors>50%` | errors = ") != std::string::npos);

  auto bad = replay_cli({"report", out, "--format", "xml"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err == "replay: report: --format 'xml': text or markdown\n");
  auto unwritable = replay_cli({"report", out, "--csv", "/nonexistent/dir/x.csv"});
  CHECK(unwritable.exit_code == 2);
}
