// tools/grafana/replay-dashboard.json: valid JSON, an importable dashboard (title, panels with
// targets), and every metric name its queries use is one that format_metrics exports.

#include <doctest/doctest.h>
#include <simdjson.h>

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
