// The comparison's text, markdown and JSON outputs.

#include "replay/results/comparison_format.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;

namespace {

Comparison slower_comparison() {
  auto before = pool_runs({testing::make_run(testing::spread_samples(2000, 6, 20'000))}).value();
  auto after_samples = testing::spread_samples(2000, 6, 30'000, "GET /a", 2);
  auto pipe = testing::spread_samples(200, 6, 5'000, "GET /x|y", 3, "t");
  after_samples.insert(after_samples.end(), pipe.begin(), pipe.end());
  auto after = pool_runs({testing::make_run(after_samples)}).value();
  before.sources = {"before.json"};
  after.sources = {"after.json"};
  return compare_runs(before, after,
                      {parse_fail_on("p50>+10%").value(), parse_fail_on("errors>+1pp").value()})
      .value();
}

}  // namespace

TEST_CASE("text: sources, verdict, overall table, endpoints, checks and notes") {
  const std::string text = format_comparison_text(slower_comparison());
  CHECK(text.find("replay compare\n  before  before.json  (1 run, 2000 requests)\n") == 0);
  CHECK(text.find("verdict  REGRESSION: 1 of 2 --fail-on checks crossed: p50>+10%: p50 +") !=
        std::string::npos);
  CHECK(text.find("\noverall (corrected latency)\n  metric  ") != std::string::npos);
  CHECK(text.find("\n  p50  ") != std::string::npos);
  CHECK(text.find("\n  p99.9  ") != std::string::npos);
  CHECK(text.find("worse") != std::string::npos);
  CHECK(text.find("GET /x|y") != std::string::npos);
  CHECK(text.find("only after") != std::string::npos);
  CHECK(text.find("  CROSSED  p50>+10%") != std::string::npos);
  CHECK(text.find("  ok       errors>+1pp") != std::string::npos);
  CHECK(text.find("  - endpoint GET /x|y is only in the after run(s)") != std::string::npos);
}

TEST_CASE("markdown: verdict line, tables fit for GitHub, escaped names") {
  const std::string md = format_comparison_markdown(slower_comparison());
  CHECK(md.find("### ❌ replay compare: regression\n\n**Verdict:** REGRESSION") == 0);
  CHECK(md.find("| metric | before | after | change | relative | 99% interval | significance |  |\n"
                "|---|---:|---:|---:|---:|---:|---|---|\n| p50 | ") != std::string::npos);
  CHECK(md.find("| endpoint | requests | p50 | change | p99 | change | errors | rate | P(slower) | "
                "verdict |") != std::string::npos);
  CHECK(md.find("| GET /x\\|y | 0 → 200 |") != std::string::npos);
  CHECK(md.find("<details><summary>GET /a — worse: p50") != std::string::npos);
  CHECK(md.find("| p50&gt;+10% | overall | ❌ crossed |") != std::string::npos);
  CHECK(md.find("#### Notes on significance") != std::string::npos);
}

TEST_CASE("json: one object with every metric") {
  const std::string json = format_comparison_json(slower_comparison());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(json).get(doc) == simdjson::SUCCESS);
  CHECK(bool(doc["regressed"]));
  CHECK(double(doc["alpha"]) == 0.01);
  simdjson::dom::array endpoints = doc["endpoints"];
  CHECK(endpoints.size() == 2);
  simdjson::dom::element p50 = *simdjson::dom::array(doc["overall"]["metrics"]).begin();
  CHECK(std::string_view(p50["unit"]) == "us");
  CHECK(std::string_view(p50["direction"]) == "worse");
  CHECK(double(p50["interval_low"]) > 0);
  simdjson::dom::element new_endpoint = *(++endpoints.begin());
  CHECK(bool(new_endpoint["in_before"]) == false);
  simdjson::dom::array rules = doc["rules"];
  CHECK(rules.size() == 2);
}

TEST_CASE("every format lists replay's side apart from the service's figures") {
  const Comparison c = slower_comparison();
  const std::string text = format_comparison_text(c);
  const auto overall = text.find("\noverall (corrected latency)\n");
  const auto side = text.find(
      "\nreplay's side: send lag and its parts (informational: not the service's, not in the "
      "verdict or --fail-on)\n  metric  ");
  REQUIRE(side != std::string::npos);
  CHECK(overall < side);
  CHECK(text.find("\n  scheduler_lag p99  ") != std::string::npos);
  CHECK(text.find("\n  connect p50  ") != std::string::npos);

  const std::string md = format_comparison_markdown(c);
  CHECK(md.find("<details><summary>replay's side: send lag and its parts") != std::string::npos);
  CHECK(md.find("| connection\\_wait p99 | ") != std::string::npos);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(format_comparison_json(c)).get(doc) == simdjson::SUCCESS);
  simdjson::dom::array side_metrics = doc["overall"]["replay_side"];
  CHECK(side_metrics.size() == 8);
  CHECK(std::string_view((*side_metrics.begin())["name"]) == "send_lag p50");
  CHECK(std::string_view((*side_metrics.begin())["unit"]) == "us");
  simdjson::dom::element endpoint = *simdjson::dom::array(doc["endpoints"]).begin();
  CHECK(endpoint["replay_side"].error() == simdjson::NO_SUCH_FIELD);
}
