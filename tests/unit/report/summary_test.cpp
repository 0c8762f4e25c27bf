// The terminal summary (src/report/summary.cpp): golden files of fixed results, and the rates
// it prints, each one of ResultDoc's figures (docs/result-format.md "Figures").

#include <doctest/doctest.h>

#include <regex>
#include <sstream>
#include <string>

#include "golden.hpp"
#include "golden_docs.hpp"
#include "replay/report/result_views.hpp"

namespace replay::testing {
namespace {

std::string line_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST_CASE(
    "golden: the summary of a plain run, one with errors, an interrupted one, a short one "
    "and a tagged one") {
  check_golden("summary_plain.txt", report::format_summary(plain_run_doc()));
  check_golden("summary_errors.txt", report::format_summary(errors_run_doc()));
  check_golden("summary_interrupted.txt", report::format_summary(interrupted_run_doc()));
  check_golden("summary_short.txt", report::format_summary(short_run_doc()));
  check_golden("summary_tagged.txt", report::format_summary(tagged_run_doc()));
}

TEST_CASE("the summary's rates are the result's figures: offered, achieved, throughput") {
  // 970 completions during 10 s of load, 1000 ended over 12.5 s: achieved and throughput differ
  // and each is named for what it is.
  const results::ResultDoc doc = errors_run_doc();
  const std::string rate = line_starting(report::format_summary(doc), "  rate ");
  CHECK(rate.rfind("  rate       offered 100.0/s over 10.0s of offered load   achieved 97.0/s   "
                   "throughput 78.0/s   ",
                   0) == 0);
  CHECK(doc.offered_text() == "100.0/s");
  CHECK(doc.achieved_text() == "97.0/s");
  CHECK(doc.throughput_text() == "78.0/s");
}

TEST_CASE("the endpoint table's rate is each endpoint's achieved rate, not per elapsed second") {
  const std::string out = report::format_summary(errors_run_doc());
  // GET /a completed 740 of the 975 completions: 97.0/s * 740 / 975 = 73.6/s.
  CHECK(has(line_starting(out, "  GET /a "), "      755     73.6 "));
  CHECK(has(line_starting(out, "  POST /webhook "), "      245     23.4 "));
}

TEST_CASE("a load under one second prints counts and the window, never a rate") {
  const std::string out = report::format_summary(short_run_doc());
  CHECK(has(line_starting(out, "  requests "), "   in 0.004s"));
  CHECK(line_starting(out, "  rate ") ==
        "  rate       offered 2 in 0.002s   throughput 2 in 0.004s   connections opened 1");
  CHECK_FALSE(std::regex_search(out, std::regex("[0-9]/s")));  // no rate anywhere
  CHECK_FALSE(has(out, "achieved"));
  // The endpoint table's rate column is "-".
  CHECK(line_starting(out, "  GET / ").rfind("  GET /            2        - ", 0) == 0);
}

TEST_CASE("an interrupted run names its length once and its load as the load's") {
  const std::string out = report::format_summary(interrupted_run_doc());
  CHECK(has(out, "\n  INTERRUPTED: partial results\n"));
  CHECK(has(line_starting(out, "  requests "), "   in 3.9s"));
  CHECK(line_starting(out, "  rate ")
            .rfind("  rate       offered 10.0/s over 3.0s of offered load   achieved 9.7/s   "
                   "throughput 7.4/s",
                   0) == 0);
  CHECK_FALSE(has(out, "3.90s"));
  CHECK_FALSE(has(out, "over 3.9"));
}

}  // namespace
TEST_CASE("summaries print LLM streams: TTFT from intended and from send, tokens, goodput") {
  results::ResultDoc doc = plain_run_doc();
  CHECK_FALSE(has(report::format_summary(doc), "llm streams"));  // none: no table
  doc.config.push_back({"goodput", "\"ttft<500ms\"", "ttft<500ms"});
  results::LlmScope l;
  for (int i = 0; i < 10; ++i) {
    l.ttft_us.record(400'000);
    l.ttft_sent_us.record(100'000);
    l.tpot_us.record(10'000);
    l.itl_us.record(30'000);
    l.e2e_us.record(700'000);
  }
  l.streams = 10;
  l.output_tokens = 300;
  l.content_events = 100;
  l.tokens_from = {10, 0, 0};
  l.goodput_met = 5;
  doc.overall.llm = l;
  const std::string text = report::format_summary(doc);
  INFO(text);
  CHECK(has(line_starting(text, "  TTFT  "), "400.00ms"));
  CHECK(has(line_starting(text, "  TTFT sent"), "100.00ms"));
  CHECK(has(line_starting(text, "  tokens"), "300 output tokens (usage, 3.00 per event)"));
  const double ratio = 5.0 / static_cast<double>(doc.overall.completed + doc.overall.failed);
  char goodput[64];
  std::snprintf(goodput, sizeof goodput, "goodput    %.2f%% of requests (5 good)", ratio * 100);
  CHECK(has(text, goodput));
  CHECK(has(text, "SLOs ttft<500ms"));
  const std::string md = report::format_summary_markdown(doc);
  INFO(md);
  CHECK(has(md, "| LLM streams | streams | TTFT p50 |"));
  CHECK(has(md, "| **overall** | 10 | 400.00ms | 400.00ms | 10.00ms | 30.00ms |"));
}

}  // namespace replay::testing
