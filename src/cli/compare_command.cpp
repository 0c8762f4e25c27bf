// `replay compare BEFORE AFTER`: per-endpoint changes of latency, errors and rate between two
// (pooled) sides with significance tests, a verdict, --fail-on rules (exit 99) and text,
// markdown, JSON or HTML output.

#include <cstdio>

#include "command.hpp"
#include "exit_codes.hpp"
#include "replay/results/comparison.hpp"
#include "replay/results/comparison_format.hpp"
#include "replay/results/html_report.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/result_writer.hpp"

namespace replay::cli {
namespace {

struct CompareFlags {
  std::vector<std::string> files;  // positional: BEFORE AFTER
  std::vector<std::string> before, after;
  std::vector<std::string> fail_on;
  double alpha = 0.01;
  std::string format = "text";
  std::string html_path;
  uint64_t seed = 1;
};

Result<results::PooledRuns> read_side(const std::vector<std::string>& paths) {
  std::vector<results::ResultDoc> docs;
  for (const auto& path : paths) {
    auto doc = results::read_result_file(path);
    if (!doc) return doc.error();
    docs.push_back(std::move(doc).value());
  }
  return results::pool_runs(std::move(docs));
}

int run_compare(CompareFlags& f) {
  if (!f.files.empty() && (!f.before.empty() || !f.after.empty())) {
    return report_error(
        make_error(Errc::invalid_argument, "give BEFORE AFTER, or --before and --after, not both"),
        kExitUsage);
  }
  if (!f.files.empty()) {
    if (f.files.size() != 2) {
      return report_error(
          make_error(Errc::invalid_argument, "expected two results, BEFORE AFTER (got " +
                                                 std::to_string(f.files.size()) +
                                                 "); pool several runs with --before and --after"),
          kExitUsage);
    }
    f.before = {f.files[0]};
    f.after = {f.files[1]};
  }
  if (f.before.empty() || f.after.empty()) {
    return report_error(
        make_error(Errc::invalid_argument,
                   "nothing to compare: give BEFORE AFTER, or --before and --after"),
        kExitUsage);
  }
  if (!(f.alpha > 0 && f.alpha < 1)) {
    return report_error(
        make_error(Errc::invalid_argument, "--alpha must be between 0 and 1, like 0.01"),
        kExitUsage);
  }
  std::vector<results::FailOnRule> rules;
  for (const auto& text : f.fail_on) {
    auto rule = results::parse_fail_on(text);
    if (!rule) return report_error(rule.error().within("--fail-on"), kExitUsage);
    rules.push_back(rule.value());
  }
  auto before = read_side(f.before);
  if (!before) return report_error(before.error().within("before"), kExitUsage);
  auto after = read_side(f.after);
  if (!after) return report_error(after.error().within("after"), kExitUsage);
  results::CompareOptions options;
  options.alpha = f.alpha;
  options.seed = f.seed;
  auto comparison = results::compare_runs(before.value(), after.value(), rules, options);
  if (!comparison) return report_error(comparison.error(), kExitUsage);

  std::string text;
  if (f.format == "markdown") {
    text = results::format_comparison_markdown(comparison.value());
  } else if (f.format == "json") {
    text = results::format_comparison_json(comparison.value());
  } else {
    text = results::format_comparison_text(comparison.value());
  }
  std::fputs(text.c_str(), stdout);
  if (!f.html_path.empty()) {
    const std::string html =
        results::render_html_compare(before.value(), after.value(), comparison.value());
    if (auto w = results::write_text_file(f.html_path, html, "--html"); !w) {
      return report_error(w.error(), kExitRunFailed);
    }
    if (f.format == "text") std::printf("\n  html       %s\n", f.html_path.c_str());
  }
  std::fflush(stdout);
  return comparison->regressed() ? kExitThreshold : kExitOk;
}

}  // namespace

Command add_compare_command(CLI::App& app) {
  auto f = std::make_shared<CompareFlags>();
  auto* sub = app.add_subcommand(
      "compare",
      "Compare two runs' results (before/after a release): changes, significance, verdict");
  sub->add_option("results", f->files, "BEFORE.json AFTER.json (results of 'replay run --out')");
  sub->add_option("--before", f->before, "Result(s) of the baseline; several are pooled")
      ->allow_extra_args();
  sub->add_option("--after", f->after, "Result(s) of the candidate; several are pooled")
      ->allow_extra_args();
  sub->add_option("--fail-on", f->fail_on,
                  "Exit 99 when a significant change crosses it: 'p99>+10%', 'errors>+0.5pp', "
                  "'rate<-5%', 'chat:p99>+20ms', '*:p99>+25%' (every endpoint); repeatable")
      ->allow_extra_args(false);
  sub->add_option("--alpha", f->alpha, "Significance level of the tests, between 0 and 1");
  sub->add_option("--format", f->format, "text | markdown | json")
      ->check(CLI::IsMember({"text", "markdown", "json"}));
  sub->add_option("--html", f->html_path, "Also write an HTML page overlaying both sides here");
  sub->add_option("--seed", f->seed, "Seed of the bootstrap");
  sub->footer(
      "Exit codes: 0 no --fail-on rule crossed, 1 usage or input error, 2 an output could not be "
      "written, 99 a --fail-on rule was crossed (significant at --alpha and beyond its "
      "tolerance). Metrics and tests: docs/compare.md");
  return {sub, [f] { return run_compare(*f); }};
}

}  // namespace replay::cli
