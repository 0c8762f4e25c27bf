// tools/grafana/replay-dashboard.json: valid JSON, an importable dashboard (title, panels with
// targets), and every metric name its queries use is one that format_metrics exports.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "replay/live/metrics_format.hpp"

namespace replay::live {
namespace {

// Every sample name in an exposition that uses every family (histograms' _bucket/_sum/_count).
std::set<std::string> exported_names() {
  engine::LiveCounts c;
  c.requests_of(0, 0).status_classes[2] = 1;
  c.status_codes.add(200);
  c.corrected(0).record(1000);
  c.service(0).record(1000);
  const std::vector<std::string> names = {"t"};
  const std::string text = format_metrics(
      {.counts = &c, .tag_names = &names, .endpoint_names = &names, .probes = {{"q", 1}}});
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') out.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return out;
}

}  // namespace

TEST_CASE("the Grafana dashboard queries only metrics replay exports") {
  const std::string path = std::string(REPLAY_SOURCE_DIR) + "/tools/grafana/replay-dashboard.json";
  simdjson::dom::parser parser;
  simdjson::dom::element dash;
  const auto error = parser.load(path).get(dash);
  INFO(path);
  REQUIRE(error == simdjson::SUCCESS);
  CHECK(std::string_view(dash["title"]).size() > 0);
  const std::set<std::string> exported = exported_names();
  const std::regex metric("replay_[a-z_]+");
  size_t queries = 0;
  std::set<std::string> used;
  for (simdjson::dom::element panel : simdjson::dom::array(dash["panels"])) {
    CHECK(std::string_view(panel["type"]) == "timeseries");
    for (simdjson::dom::element target : simdjson::dom::array(panel["targets"])) {
      const std::string expr{std::string_view(target["expr"])};
      ++queries;
      for (std::sregex_iterator m(expr.begin(), expr.end(), metric), end; m != end; ++m) {
        INFO(expr);
        CHECK(exported.count(m->str()) == 1);
        used.insert(m->str());
      }
    }
  }
  CHECK(queries >= 8);
  // The panels the dashboard is for: rate, latency quantiles, errors, in-flight and backlog.
  for (const char* name : {"replay_requests_total", "replay_latency_seconds_bucket",
                           "replay_errors_total", "replay_in_flight", "replay_backlog"}) {
    CHECK(used.count(name) == 1);
  }
}

}  // namespace replay::live

namespace replay::live {

TEST_CASE("docs/metrics.md names every metric family and lists the bucket bounds") {
  std::ifstream in(std::string(REPLAY_SOURCE_DIR) + "/docs/metrics.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  REQUIRE(text.size() > 1000);
  engine::LiveCounts c;
  c.corrected(0).record(1);
  c.service(0).record(1);
  const std::string exposition = format_metrics({.counts = &c, .probes = {{"q", 1}}});
  std::istringstream lines(exposition);
  size_t families = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    const std::string name = line.substr(7, line.find(' ', 7) - 7);
    ++families;
    INFO(name);
    CHECK(text.find("| `" + name + "` |") != std::string::npos);
  }
  CHECK(families == 13);
  std::string bounds;
  for (const int64_t us : engine::kLiveBucketBoundsUs) {
    bounds += seconds_text(static_cast<uint64_t>(us)) + " ";
  }
  bounds += "+Inf";
  std::string listed;  // the indented block under "in seconds:", joined
  const size_t at = text.find("in seconds:\n\n");
  REQUIRE(at != std::string::npos);
  std::istringstream block(text.substr(at + 13));
  for (std::string line; std::getline(block, line) && line.rfind("    ", 0) == 0;) {
    listed += (listed.empty() ? "" : " ") + line.substr(4);
  }
  CHECK(listed == bounds);
}

}  // namespace replay::live
