// Custom metrics in result.json: written per scope, read back equal, merged across shards, and
// shown by the summary and the HTML report.

#include <doctest/doctest.h>

#include <string>

#include "replay/report/result_views.hpp"
#include "replay/results/html_report.hpp"
#include "replay/results/merge.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/result_writer.hpp"
#include "replay/results/threshold.hpp"
#include "test_docs.hpp"

using namespace replay;
using namespace replay::results;

namespace {

constexpr int64_t kStart = 1'700'000'000'000;

void add_metrics(Scope& s, int scale) {
  histogram::MetricTally& tokens = s.metrics.get("tokens", histogram::MetricKind::sum);
  for (int v : {100, 200, 300}) tokens.add_value(v * scale);
  tokens.add_text("n/a");
  ++tokens.missing;
  histogram::MetricTally& ms = s.metrics.get("ms", histogram::MetricKind::histogram);
  for (int v = 1; v <= 10; ++v) ms.add_value(v * scale + 0.25);
}

ResultDoc with_metrics(int scale, int64_t started, int shard_index) {
  ResultDoc doc = testing::make_run(testing::spread_samples(100, 3, 20'000), started, 2);
  add_metrics(doc.overall, scale);
  REQUIRE(doc.by_tag.size() == 1);
  add_metrics(doc.by_tag[0].scope, scale);
  const std::string index = std::to_string(shard_index);
  for (auto [key, value] : {std::pair<std::string, std::string>{"shard_count", "2"},
                            std::pair<std::string, std::string>{"shard_index", index}}) {
    bool found = false;
    for (auto& e : doc.config) {
      if (e.key != key) continue;
      e.json = e.text = value;
      found = true;
    }
    if (!found) doc.config.push_back({key, value, value});
  }
  return doc;
}

}  // namespace

TEST_CASE("metrics are written per scope and read back equal") {
  const ResultDoc doc = with_metrics(1, kStart, 0);
  const std::string json = format_result_doc(doc);
  CHECK(json.find(R"("metrics":[{"name":"tokens","kind":"sum","count":3,"sum":600,"min":100,)"
                  R"("max":300,"mean":200,"non_numeric":1,"missing":1},{"name":"ms",)"
                  R"("kind":"histogram","count":10,"sum":57.5,)") != std::string::npos);
  auto back = parse_result_json(json, "run.json");
  REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().context));
  CHECK(back->overall.metrics == doc.overall.metrics);
  CHECK(back->by_tag[0].scope.metrics == doc.by_tag[0].scope.metrics);
  CHECK(format_result_doc(back.value()) == json);
  // A result without metrics has none.
  const ResultDoc plain = testing::make_run(testing::spread_samples(10, 1, 1000), kStart, 1);
  CHECK(plain.overall.metrics.empty());
  CHECK(format_result_doc(plain).find("\"metrics\"") == std::string::npos);
  // An unknown kind is refused, naming the field.
  std::string bad = json;
  bad.replace(bad.find(R"("kind":"sum")"), 12, R"("kind":"avg")");
  auto refused = parse_result_json(bad, "bad.json");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().context.find("metrics[0].kind") != std::string::npos);
}

TEST_CASE("merging shards sums their metrics and merges their histograms") {
  const ResultDoc a = with_metrics(1, kStart, 0);
  const ResultDoc b = with_metrics(10, kStart + 1000, 1);
  auto merged = merge_shards({a, b});
  REQUIRE_MESSAGE(merged.ok(), (merged.ok() ? "" : merged.error().context));
  const histogram::MetricTally* tokens = merged->overall.metrics.find("tokens");
  REQUIRE(tokens);
  CHECK(tokens->sum == 6600);
  CHECK(tokens->count == 6);
  CHECK(tokens->min == 100);
  CHECK(tokens->max == 3000);
  CHECK(tokens->non_numeric == 2);
  CHECK(tokens->missing == 2);
  const histogram::MetricTally* ms = merged->overall.metrics.find("ms");
  REQUIRE(ms);
  REQUIRE(ms->values);
  CHECK(ms->values->count() == 20);
  CHECK(ms->values->max() == 100);
  CHECK(merged->by_tag[0].scope.metrics.find("tokens")->sum == 6600);
  CHECK(check_threshold(std::string("metric.tokens.sum==6600"), merged.value()).passed);
}

TEST_CASE("the summary and the HTML report show each metric") {
  const ResultDoc doc = with_metrics(1, kStart, 0);
  const std::string summary = report::format_summary(doc);
  CHECK(summary.find("  metric     tokens (sum)   sum 600   count 3   mean 200   min 100   max "
                     "300   non-numeric 1   missing 1\n") != std::string::npos);
  CHECK(summary.find("  metric     ms (histogram)   sum 57.5   count 10   mean 5.75   min 1.25   "
                     "max 10.25   p50 5   p95 10   p99 10\n") != std::string::npos);
  const std::string markdown = report::format_summary_markdown(doc);
  CHECK(
      markdown.find("\n| metric | kind | figures |\n|:--|:--|:--|\n| `tokens` | sum | sum 600 ") !=
      std::string::npos);
  CHECK(markdown.find("| `ms` | histogram | sum 57.5 ") != std::string::npos);
  const std::string html = render_html_report(doc);
  CHECK(html.find("Custom metrics") != std::string::npos);
  CHECK(html.find(">tokens<") != std::string::npos);
}
