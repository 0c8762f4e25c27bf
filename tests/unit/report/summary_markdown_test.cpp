// The markdown summary (src/report/summary_markdown.cpp): golden files of fixed results, and
// its rates, the result's figures (docs/result-format.md "Figures").

#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "golden.hpp"
#include "golden_docs.hpp"
#include "replay/report/result_views.hpp"

namespace replay::testing {
namespace {

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST_CASE(
    "golden: the markdown summary of a plain run, one with errors, an interrupted one, a "
    "short one and a tagged one") {
  check_golden("summary_plain.md", report::format_summary_markdown(plain_run_doc()));
  check_golden("summary_errors.md", report::format_summary_markdown(errors_run_doc()));
  check_golden("summary_interrupted.md", report::format_summary_markdown(interrupted_run_doc()));
  check_golden("summary_short.md", report::format_summary_markdown(short_run_doc()));
  check_golden("summary_tagged.md", report::format_summary_markdown(tagged_run_doc()));
}

TEST_CASE("the markdown's rates are the summary's: offered, achieved, throughput") {
  const std::string md = report::format_summary_markdown(errors_run_doc());
  CHECK(has(md, " · offered 100.0/s, achieved 97.0/s, throughput 78.0/s\n"));
  CHECK(has(md, "| **overall** | 1000 | 97.0 | 12.00% |"));
  CHECK(has(md, "| `GET /a` | 755 | 73.6 |"));
}

TEST_CASE("a markdown summary of a load under one second prints counts, not rates") {
  const std::string md = report::format_summary_markdown(short_run_doc());
  CHECK(has(md,
            " · 0.004s · 2 offered, 2 completed, 0 failed · offered 2 in 0.002s, throughput "
            "2 in 0.004s\n"));
  CHECK(has(md, "| **overall** | 2 | - | 0.00% |"));
  CHECK_FALSE(std::regex_search(md, std::regex("[0-9]/s")));  // no rate anywhere
}

}  // namespace
}  // namespace replay::testing
