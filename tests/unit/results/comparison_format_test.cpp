// The comparison's text, markdown and JSON outputs.

#include "replay/results/comparison_format.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "comparison_docs.hpp"
#include "golden.hpp"
#include "replay/results/html_report.hpp"
#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;
using replay::testing::check_golden;

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

// The release of comparison_docs.hpp, after run with 4 threads at 200/s, and one rule without a
// scope: crossed on the two slower endpoints and their tags, not overall.
struct Release {
  PooledRuns before, after;
  Comparison comparison;
};

Release hidden_regression() {
  Release r{testing::pool_side(testing::release_samples(20'000, 1), "before.json", 2),
            testing::pool_side(testing::release_samples(26'000, 2), "after.json", 4),
            {}};
  for (auto& e : r.after.doc.config) {
    if (e.key == "rate") e = {"rate", "\"200/s\"", "200/s"};
  }
  r.comparison = compare_runs(r.before, r.after, {parse_fail_on("p99>+10%").value()}).value();
  return r;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("golden: text and markdown of a regression hidden under an unchanged overall") {
  const Release r = hidden_regression();
  check_golden("compare_text.txt", format_comparison_text(r.comparison));
  check_golden("compare_markdown.txt", format_comparison_markdown(r.comparison));
}

TEST_CASE("every format names the regressed scopes and warns of the configurations' differences") {
  const Release r = hidden_regression();
  const std::string text = format_comparison_text(r.comparison);
  CHECK(text.find("verdict  REGRESSION: 1 of 1 --fail-on checks crossed: p99>+10% on GET "
                  "/plans/{id}: ") != std::string::npos);
  CHECK(text.find("; significantly worse: GET /plans/{id} p99 +") != std::string::npos);
  CHECK(text.find(" (significant), POST /webhooks p99 +") != std::string::npos);
  CHECK(text.find("\nwarning: the runs differ in config.rate: 100/s before, 200/s after\n"
                  "warning: the runs differ in config.threads: 2 before, 4 after\n") !=
        std::string::npos);
  // The rule's passing checks on other scopes are one row; the crossed ones one row each.
  CHECK(text.find("  CROSSED  p99>+10%  GET /plans/{id}") != std::string::npos);
  CHECK(text.find("  ok       p99>+10%  1 endpoint, 1 tag  not crossed on any of them") !=
        std::string::npos);

  const std::string md = format_comparison_markdown(r.comparison);
  CHECK(md.find("### ❌ replay compare: regression\n\n**Verdict:** REGRESSION: 1 of 1") == 0);
  CHECK(md.find("significantly worse: GET /plans/{id} p99 +") != std::string::npos);
  CHECK(
      md.find(
          "\n> ⚠️ **warning:** the runs differ in config.rate: 100/s before, 200/s after\n") !=
      std::string::npos);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(format_comparison_json(r.comparison)).get(doc) == simdjson::SUCCESS);
  CHECK(bool(doc["regressed"]));
  simdjson::dom::array regressions = doc["regressions"];
  REQUIRE(regressions.size() == r.comparison.regressions.size());
  bool plans_p99 = false;
  for (simdjson::dom::element x : regressions) {
    CHECK(std::string_view(x["direction"]) == "worse");
    CHECK(double(x["p_value"]) < 0.01);
    if (std::string_view(x["scope"]) == "GET /plans/{id}" &&
        std::string_view(x["metric"]) == "p99") {
      plans_p99 = true;
      CHECK(std::string_view(x["kind"]) == "endpoint");
      CHECK(double(x["after"]) > double(x["before"]));
      CHECK(double(x["relative"]) > 0.2);
    }
  }
  CHECK(plans_p99);
  simdjson::dom::array mismatch = doc["config_mismatch"];
  REQUIRE(mismatch.size() == 2);
  simdjson::dom::element rate = *mismatch.begin();
  CHECK(std::string_view(rate["key"]) == "rate");
  CHECK(std::string_view(rate["before"]) == "100/s");
  CHECK(std::string_view(rate["after"]) == "200/s");
  simdjson::dom::element threads = *(++mismatch.begin());
  CHECK(uint64_t(threads["before"]) == 2);
  CHECK(uint64_t(threads["after"]) == 4);
  simdjson::dom::element first_rule = *simdjson::dom::array(doc["rules"]).begin();
  CHECK(std::string_view(first_rule["kind"]) == "overall");
}

TEST_CASE("html: both runs stay visible where they overlap, told apart in the legend") {
  // The same run on both sides: after's lines lie exactly on before's.
  const Release r = hidden_regression();
  const std::string html = render_html_compare(r.before, r.before, r.comparison);
  // Before dashed at full opacity over after, wider and translucent, in every chart.
  const std::string before_line =
      "stroke=\"#1f6fb4\" stroke-width=\"2.0\" stroke-linejoin=\"round\" "
      "stroke-dasharray=\"9 3\"><title>before</title>";
  const std::string after_line =
      "stroke=\"#e8731a\" stroke-width=\"3.5\" stroke-linejoin=\"round\" "
      "stroke-opacity=\"0.6\"><title>after</title>";
  CHECK(count_of(html, before_line) == 4);  // the overall spectrum and one per endpoint
  CHECK(count_of(html, after_line) == 4);
  CHECK(html.find(after_line) < html.find(before_line));  // before drawn over after
  CHECK(html.find("stroke-dasharray=\"2 3\"><title>before p50</title>") != std::string::npos);
  CHECK(html.find("stroke-dasharray=\"6 4\" stroke-opacity=\"0.6\"><title>after p50</title>") !=
        std::string::npos);
  CHECK(html.find("border-top:3px dashed #1f6fb4\"></i>before</span>") != std::string::npos);
  CHECK(html.find("border-top:3px solid #e8731a;opacity:0.6\"></i>after</span>") !=
        std::string::npos);
  CHECK(html.find("border-top:3px dotted #1f6fb4\"></i>before p50</span>") != std::string::npos);
  // The verdict names the regressed endpoints; the configurations' differences are a notice.
  CHECK(html.find("<div class=\"verdict bad\">REGRESSION: 1 of 1 --fail-on checks crossed: ") !=
        std::string::npos);
  CHECK(html.find("significantly worse: GET /plans/{id} p99 +") != std::string::npos);
  CHECK(html.find("<div class=\"notice\"><b>Warning: the runs were not configured alike</b><ul>\n"
                  "<li>the runs differ in config.rate: 100/s before, 200/s after</li>\n") !=
        std::string::npos);
}

TEST_CASE("markdown and html: worse within the rules is not shown as a pass") {
  const Release r = hidden_regression();
  const Comparison c = compare_runs(r.before, r.after, {parse_fail_on("p99>+50%").value()}).value();
  REQUIRE_FALSE(c.regressed());
  CHECK(c.verdict().find("WORSE: GET /plans/{id} p99 +") == 0);
  CHECK(
      format_comparison_markdown(c).find(
          "### ⚠️ replay compare: worse, no --fail-on rule crossed\n\n**Verdict:** WORSE: ") ==
      0);
  CHECK(render_html_compare(r.before, r.after, c)
            .find("<div class=\"verdict\" style=\"background:#fff2d1;color:#7d5200\">WORSE: ") !=
        std::string::npos);
}

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
  CHECK(rules.size() == 6);  // each overall, on GET /a and on tag t (GET /x|y is after only)
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
