// The Prometheus exposition of live counts: exact lines, the format's rules (HELP/TYPE before
// the samples, cumulative buckets ending in +Inf equal to _count, escaped labels), and every
// ended request in exactly one replay_requests_total series.

#include "replay/live/metrics_format.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace replay::live {
namespace {

using engine::LiveCounts;

// The sample lines of `text` whose name is `name` exactly, as "labels value" (labels "" when
// none).
std::vector<std::string> samples(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t end = line.find_first_of("{ ");
    if (line.substr(0, end) != name) continue;
    out.push_back(line.substr(end));
  }
  return out;
}

// The value of the one sample `name` + `labels` ("" for none); NaN when absent.
double value_of(const std::string& text, const std::string& name, const std::string& labels) {
  for (const auto& s : samples(text, name)) {
    const std::string want = labels + " ";
    if (s.rfind(want, 0) == 0) return std::stod(s.substr(want.size()));
  }
  return std::nan("");
}

LiveCounts example() {
  LiveCounts c;
  c.offered = 12;
  c.sent = 11;
  c.requests_of(0, 0).status_classes[2] = 6;
  c.requests_of(0, 0).status_classes[5] = 2;
  c.requests_of(1, 1).status_classes[2] = 1;
  c.requests_of(1, 1).failed = 1;
  c.requests_of(1, 0).status_classes[0] = 1;  // a status outside 100..599
  c.failures[static_cast<size_t>(client::FailureCause::timeout)] = 1;
  c.status_codes.add(200, 7);
  c.status_codes.add(503, 2);
  for (int i = 0; i < 8; ++i) c.corrected(0).record(i < 6 ? 4'000 : 45'000);
  c.corrected(1).record(1'000);
  c.corrected(1).record(30'000'000);  // the timeout, at its failure time
  c.service(0).record(3'000);
  return c;
}

const std::vector<std::string> kTags = {"webhook", "chat \"v2\""};
const std::vector<std::string> kEndpoints = {"POST /hooks", "POST /v1/chat\\x"};

}  // namespace

TEST_CASE("seconds_text: shortest exact decimal seconds from microseconds") {
  CHECK(seconds_text(500) == "0.0005");
  CHECK(seconds_text(7'500) == "0.0075");
  CHECK(seconds_text(1'000'000) == "1");
  CHECK(seconds_text(60'000'000) == "60");
  CHECK(seconds_text(1'250'001) == "1.250001");
  CHECK(seconds_text(0) == "0");
}

TEST_CASE("escape_label_value: backslash, double quote and newline") {
  CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
}

TEST_CASE("format_metrics: requests by tag, endpoint and status class, each request once") {
  const LiveCounts c = example();
  const std::string text = format_metrics({.counts = &c,
                                           .tag_names = &kTags,
                                           .endpoint_names = &kEndpoints,
                                           .in_flight = 3,
                                           .backlog = 1,
                                           .offered_rate = 12.5,
                                           .achieved_rate = 11,
                                           .running = true});
  const auto requests = samples(text, "replay_requests_total");
  CHECK(requests ==
        std::vector<std::string>{
            "{tag=\"webhook\",endpoint=\"POST /hooks\",status_class=\"2xx\"} 6",
            "{tag=\"webhook\",endpoint=\"POST /hooks\",status_class=\"5xx\"} 2",
            "{tag=\"chat \\\"v2\\\"\",endpoint=\"POST /hooks\",status_class=\"other\"} 1",
            "{tag=\"chat \\\"v2\\\"\",endpoint=\"POST /v1/chat\\\\x\",status_class=\"2xx\"} 1",
            "{tag=\"chat \\\"v2\\\"\",endpoint=\"POST /v1/chat\\\\x\",status_class=\"failed\"} 1",
        });
  double sum = 0;
  for (const auto& r : requests) sum += std::stod(r.substr(r.rfind(' ') + 1));
  CHECK(sum == static_cast<double>(c.ended()));
  CHECK(value_of(text, "replay_responses_total", "{code=\"503\"}") == 2);
  CHECK(value_of(text, "replay_errors_total", "{cause=\"timeout\"}") == 1);
  CHECK(value_of(text, "replay_errors_total", "{cause=\"reset\"}") == 0);
  CHECK(value_of(text, "replay_errors_total", "{cause=\"http_5xx\"}") == 2);
  CHECK(value_of(text, "replay_errors_total", "{cause=\"http_4xx\"}") == 0);
  CHECK(value_of(text, "replay_offered_total", "") == 12);
  CHECK(value_of(text, "replay_sent_total", "") == 11);
  CHECK(value_of(text, "replay_in_flight", "") == 3);
  CHECK(value_of(text, "replay_backlog", "") == 1);
  CHECK(value_of(text, "replay_offered_rate", "") == 12.5);
  CHECK(value_of(text, "replay_achieved_rate", "") == 11);
  CHECK(value_of(text, "replay_running", "") == 1);
  CHECK(samples(text, "replay_probe").empty());
}

TEST_CASE("format_metrics: histograms with cumulative le buckets, +Inf, _sum and _count") {
  const LiveCounts c = example();
  const std::string text =
      format_metrics({.counts = &c, .tag_names = &kTags, .endpoint_names = &kEndpoints});
  const auto buckets = samples(text, "replay_latency_seconds_bucket");
  // Two tags, every bound and +Inf each.
  CHECK(buckets.size() == 2 * (engine::kLiveBucketBoundsUs.size() + 1));
  CHECK(value_of(text, "replay_latency_seconds_bucket", "{tag=\"webhook\",le=\"0.003\"}") == 0);
  CHECK(value_of(text, "replay_latency_seconds_bucket", "{tag=\"webhook\",le=\"0.005\"}") == 6);
  CHECK(value_of(text, "replay_latency_seconds_bucket", "{tag=\"webhook\",le=\"0.04\"}") == 6);
  CHECK(value_of(text, "replay_latency_seconds_bucket", "{tag=\"webhook\",le=\"0.05\"}") == 8);
  CHECK(value_of(text, "replay_latency_seconds_bucket", "{tag=\"webhook\",le=\"+Inf\"}") == 8);
  CHECK(value_of(text, "replay_latency_seconds_count", "{tag=\"webhook\"}") == 8);
  CHECK(value_of(text, "replay_latency_seconds_sum", "{tag=\"webhook\"}") ==
        doctest::Approx(0.114));
  CHECK(value_of(text, "replay_latency_seconds_bucket", "{tag=\"chat \\\"v2\\\"\",le=\"30\"}") ==
        2);
  CHECK(value_of(text, "replay_latency_seconds_sum", "{tag=\"chat \\\"v2\\\"\"}") ==
        doctest::Approx(30.001));
  // Service time: only the tag that has completions with one.
  CHECK(samples(text, "replay_service_seconds_count") ==
        std::vector<std::string>{"{tag=\"webhook\"} 1"});
  // Buckets never decrease within a series.
  double previous = -1;
  std::string series;
  for (const auto& b : buckets) {
    const std::string tag = b.substr(0, b.find(",le="));
    if (tag != series) previous = -1, series = tag;
    const double v = std::stod(b.substr(b.rfind(' ') + 1));
    CHECK(v >= previous);
    previous = v;
  }
}

TEST_CASE("format_metrics: HELP and TYPE once per family, before its samples") {
  const LiveCounts c = example();
  const std::string text = format_metrics({.counts = &c,
                                           .tag_names = &kTags,
                                           .endpoint_names = &kEndpoints,
                                           .probes = {{"queue", 7}, {"down", std::nan("")}}});
  std::set<std::string> typed;
  std::map<std::string, std::string> types;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    REQUIRE_FALSE(line.empty());
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      const std::string name = rest.substr(0, rest.find(' '));
      CHECK(typed.insert(name).second);
      types[name] = rest.substr(rest.find(' ') + 1);
      continue;
    }
    std::string name = line.substr(0, line.find_first_of("{ "));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string base = name.substr(0, name.size() - std::string(suffix).size());
      if (name.ends_with(suffix) && types.count(base) && types[base] == "histogram") name = base;
    }
    INFO(line);
    CHECK(typed.count(name) == 1);
  }
  CHECK(types["replay_requests_total"] == "counter");
  CHECK(types["replay_latency_seconds"] == "histogram");
  CHECK(types["replay_in_flight"] == "gauge");
  CHECK(value_of(text, "replay_probe", "{name=\"queue\"}") == 7);
  CHECK(samples(text, "replay_probe")[1] == "{name=\"down\"} NaN");
}

TEST_CASE("format_metrics: a shard label on every sample; nothing counted yet is valid too") {
  const LiveCounts c = example();
  const std::string text = format_metrics(
      {.counts = &c, .tag_names = &kTags, .endpoint_names = &kEndpoints, .shard = "1/4"});
  std::istringstream in(text);
  size_t sampled = 0;
  for (std::string line; std::getline(in, line);) {
    if (line[0] == '#') continue;
    ++sampled;
    INFO(line);
    CHECK(line.find("shard=\"1/4\"}") != std::string::npos);
  }
  CHECK(sampled > 60);
  CHECK(value_of(text, "replay_offered_total", "{shard=\"1/4\"}") == 12);
  const std::string empty = format_metrics({.running = false});
  CHECK(samples(empty, "replay_requests_total").empty());
  CHECK(value_of(empty, "replay_offered_total", "") == 0);
  CHECK(value_of(empty, "replay_running", "") == 0);
  CHECK(samples(empty, "replay_latency_seconds_bucket").empty());
}

}  // namespace replay::live
