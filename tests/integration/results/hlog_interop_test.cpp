// `replay report --hlog` read by HdrHistogram's own Java HistogramLogProcessor (Debian's
// libhdrhistogram-java, installed by tools/install-deps.sh --test): on a real 2 s run at 300/s
// against agent-sim, its percentiles of the corrected latency and of the Tag=service lines
// match the ones in result.json.

#include <doctest/doctest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "file_io.hpp"
#include "replay/histogram/histogram.hpp"
#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::histogram::Histogram;
using replay::testing::read_file;
using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kDemo = std::string(REPLAY_SOURCE_DIR) + "/traces/demo.zst";
constexpr const char* kJava = "/usr/bin/java";
constexpr const char* kHdrHistogramJar = "/usr/share/java/hdrhistogram.jar";

struct Figures {
  uint64_t count = 0;
  int64_t p50 = 0, p90 = 0, p99 = 0, max = 0;
};

// The last interval line's Total_Count, Total_50%, Total_90%, Total_99% and Total_Max of
// HistogramLogProcessor's -csv interval log (values in microseconds, -outputValueUnitRatio 1).
Figures java_totals(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#' && line[0] != '"') last = line;
  }
  std::vector<double> fields;
  std::istringstream row(last);
  for (std::string field; std::getline(row, field, ',');) fields.push_back(std::stod(field));
  REQUIRE(fields.size() == 12);
  return {static_cast<uint64_t>(fields[5]), static_cast<int64_t>(fields[6]),
          static_cast<int64_t>(fields[7]), static_cast<int64_t>(fields[8]),
          static_cast<int64_t>(fields[11])};
}

Figures replay_figures(simdjson::dom::element histogram) {
  return {uint64_t(histogram["count"]), int64_t(histogram["p50"]), int64_t(histogram["p90"]),
          int64_t(histogram["p99"]), int64_t(histogram["max"])};
}

// Java reports the highest value equivalent to the bucket (HdrHistogram's rule); replay clamps
// that to the exact max, so its figure is the same bucket's: equal below 2048 us, and above
// within the bucket's width, 1/1024 of the value.
void check_same_bucket(const char* what, int64_t replay_us, int64_t java_us) {
  INFO(what << ": replay " << replay_us << " us, HistogramLogProcessor " << java_us << " us");
  CHECK(java_us == Histogram::highest_equivalent_value(replay_us));
  CHECK(java_us >= replay_us);
  CHECK(java_us - replay_us <= replay_us / 1024);
}

Figures run_processor(const std::string& hlog, const std::string& tag) {
  const std::string out = hlog + (tag.empty() ? ".corrected" : "." + tag);
  std::vector<std::string> args = {kJava,
                                   "-cp",
                                   kHdrHistogramJar,
                                   "org.HdrHistogram.HistogramLogProcessor",
                                   "-i",
                                   hlog,
                                   "-csv",
                                   "-outputValueUnitRatio",
                                   "1",
                                   "-o",
                                   out};
  if (!tag.empty()) {
    args.push_back("-tag");
    args.push_back(tag);
  }
  auto r = run_command(args, 60000);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return java_totals(read_file(out));
}

}  // namespace

TEST_CASE("HdrHistogram's HistogramLogProcessor reads replay's .hlog with replay's percentiles") {
  INFO("needs Java and HdrHistogram's jar: run tools/install-deps.sh --test");
  REQUIRE(access(kJava, X_OK) == 0);
  REQUIRE(access(kHdrHistogramJar, R_OK) == 0);

  SimProcess sim({"--no-auth", "--latency", "lognormal:mean=5ms,p99=40ms"});
  REQUIRE(sim.started());
  const std::string result = temp_path("interop.json");
  const std::string hlog = temp_path("interop.hlog");
  auto run = run_command(
      {kReplay, "run", kDemo, "--target", "http://127.0.0.1:" + std::to_string(sim.port()),
       "--rate", "300/s", "--duration", "2s", "--loop", "--only", "webhook,analytics", "--quiet",
       "--out", result},
      60000);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  // Without a file flag, report prints the run's summary; with one, only the file's name.
  auto summary = run_command({kReplay, "report", result}, 60000);
  CHECK(summary.exit_code == 0);
  CHECK(summary.out.rfind("replay run " + kDemo + " -> http://127.0.0.1:", 0) == 0);
  auto report = run_command({kReplay, "report", result, "--hlog", hlog}, 60000);
  INFO(report.err);
  REQUIRE(report.exit_code == 0);
  CHECK(report.out == "hlog       " + hlog + "\n");

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.load(result).get(doc) == simdjson::SUCCESS);
  simdjson::dom::element latency = doc["overall"]["latency_us"];
  const struct {
    const char* name;
    std::string tag;
    Figures replay;
  } series[] = {{"corrected", "", replay_figures(latency["corrected"])},
                {"service", "service", replay_figures(latency["service"])}};
  for (const auto& s : series) {
    const Figures java = run_processor(hlog, s.tag);
    MESSAGE(std::string(s.name) << " replay count " << s.replay.count << " p50 " << s.replay.p50
                                << " p90 " << s.replay.p90 << " p99 " << s.replay.p99 << " max "
                                << s.replay.max << " | HistogramLogProcessor count " << java.count
                                << " p50 " << java.p50 << " p90 " << java.p90 << " p99 " << java.p99
                                << " max " << java.max);
    CHECK(s.replay.count >= 500);  // ~600 requests in 2 s at 300/s
    CHECK(java.count == s.replay.count);
    check_same_bucket("p50", s.replay.p50, java.p50);
    check_same_bucket("p90", s.replay.p90, java.p90);
    check_same_bucket("p99", s.replay.p99, java.p99);
    check_same_bucket("max", s.replay.max, java.max);
  }
}
