#include <cmath>
#include <cstdio>
#include <vector>

#include "figures.hpp"
#include "replay/results/comparison_format.hpp"
#include "text_table.hpp"

namespace replay::results {
namespace {

constexpr const char* kReplaySideTitle =
    "replay's side: send lag and its parts (informational: not the service's, not in the "
    "verdict or --fail-on)";

std::string sources_text(const std::vector<std::string>& sources, uint64_t requests) {
  std::string list;
  for (size_t i = 0; i < sources.size() && i < 4; ++i) list += (i ? ", " : "") + sources[i];
  if (sources.size() > 4) list += ", ... (" + std::to_string(sources.size()) + " runs)";
  char buf[96];
  std::snprintf(buf, sizeof buf, "  (%zu run%s, %llu requests)", sources.size(),
                sources.size() == 1 ? "" : "s", static_cast<unsigned long long>(requests));
  return list + buf;
}

std::string superiority_text(const MannWhitney& m) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "P(after slower than before) = %.3f, Mann-Whitney %s",
                m.superiority, p_value_text(m.p_value).c_str());
  return buf;
}

std::string interval_text(const MetricChange& m) {
  if (m.kind != MetricKind::percentile) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "[%+.2f, %+.2f]ms", m.ci_low / 1000, m.ci_high / 1000);
  return buf;
}

// One row per metric.
TextTable metric_table(const std::vector<MetricChange>& metrics, double alpha) {
  char ci_header[32];
  std::snprintf(ci_header, sizeof ci_header, "%g%% interval", (1 - alpha) * 100);
  TextTable t({"metric", "before", "after", "change", "relative", ci_header, "significance", ""},
              {false, true, true, true, true, true, false, false});
  for (const auto& m : metrics) {
    t.add_row({m.name, metric_value_text(m, m.before), metric_value_text(m, m.after),
               metric_delta_text(m), relative_text(m), interval_text(m), p_value_text(m.p_value),
               direction_text(m)});
  }
  return t;
}

// "+1.2%" or the absolute change, starred when significant.
std::string change_cell(const ScopeChange& s, const char* name) {
  const MetricChange* m = s.find(name);
  if (!m) return "";
  std::string text = m->kind == MetricKind::errors ? metric_delta_text(*m) : relative_text(*m);
  if (text.empty() || text == "new") text = metric_delta_text(*m);
  return text + (m->significant ? "*" : "");
}

std::string scope_verdict(const ScopeChange& s) {
  if (!s.in_before) return "only after";
  if (!s.in_after) return "only before";
  std::string worse, better;
  for (const auto& m : s.metrics) {
    if (m.direction > 0) worse += (worse.empty() ? "" : ", ") + m.name;
    if (m.direction < 0) better += (better.empty() ? "" : ", ") + m.name;
  }
  if (worse.empty() && better.empty()) return "~";
  std::string out;
  if (!worse.empty()) out = "worse: " + worse;
  if (!better.empty()) out += (out.empty() ? "" : "; ") + std::string("better: ") + better;
  return out;
}

// One row per scope: requests, p50/p99 after with their change, errors, rate, verdict.
TextTable scope_table(const std::vector<ScopeChange>& scopes, const char* column) {
  TextTable t({column, "requests", "p50", "change", "p99", "change", "errors", "rate", "P(slower)",
               "verdict"},
              {false, true, true, true, true, true, true, true, true, false});
  for (const auto& s : scopes) {
    const MetricChange* p50 = s.find("p50");
    const MetricChange* p99 = s.find("p99");
    char requests[64], superiority[16];
    std::snprintf(requests, sizeof requests, "%llu → %llu",
                  static_cast<unsigned long long>(s.requests_before),
                  static_cast<unsigned long long>(s.requests_after));
    std::snprintf(superiority, sizeof superiority, "%.2f", s.distribution.superiority);
    t.add_row({s.name, requests, p50 ? latency_text(p50->after) : "", change_cell(s, "p50"),
               p99 ? latency_text(p99->after) : "", change_cell(s, "p99"), change_cell(s, "errors"),
               change_cell(s, "rate"), superiority, scope_verdict(s)});
  }
  return t;
}

std::string method_note(const Comparison& c) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "significant = p < %g. Percentiles: bootstrap of the change over the histogram "
                "buckets (%d resamples, seed %llu, %g%% intervals); errors: two-proportion z-test; "
                "rate: Poisson rate test on completions during the load; P(slower): "
                "Mann-Whitney U effect size on the whole latency distribution (0.5 = no shift).",
                c.options.alpha, c.options.resamples,
                static_cast<unsigned long long>(c.options.seed), (1 - c.options.alpha) * 100);
  return buf;
}

// The --fail-on checks as rows (crossed, rule, scope, detail): each check of a named scope and
// each crossed one, and for a rule checked on every scope one row counting the others.
struct CheckRow {
  bool crossed = false;
  std::string rule, scope, detail;
};

std::vector<CheckRow> check_rows(const Comparison& c) {
  std::vector<CheckRow> rows;
  size_t i = 0;
  while (i < c.rules.size()) {
    size_t end = i;
    while (end < c.rules.size() && c.rules[end].rule == c.rules[i].rule) ++end;
    size_t endpoints = 0, tags = 0;
    for (size_t k = i; k < end; ++k) {
      const RuleOutcome& r = c.rules[k];
      if (r.every_scope && !r.crossed) {
        ++(r.scope_kind == "tag" ? tags : endpoints);
        continue;
      }
      rows.push_back({r.crossed, r.rule, r.scope.empty() ? "overall" : r.scope, r.detail});
    }
    if (endpoints + tags > 0) {
      auto count = [](size_t n, const char* what) {
        return n == 0 ? std::string() : std::to_string(n) + " " + what + (n == 1 ? "" : "s");
      };
      std::string scopes = count(endpoints, "endpoint");
      if (tags) scopes += (scopes.empty() ? "" : ", ") + count(tags, "tag");
      rows.push_back({false, c.rules[i].rule, scopes, "not crossed on any of them"});
    }
    i = end;
  }
  return rows;
}

}  // namespace

std::string format_comparison_text(const Comparison& c) {
  std::string out = "replay compare\n";
  out += "  before  " + sources_text(c.before_sources, c.overall.requests_before) + "\n";
  out += "  after   " + sources_text(c.after_sources, c.overall.requests_after) + "\n\n";
  out += "verdict  " + c.verdict() + "\n";
  for (const auto& m : c.config_mismatch) out += "warning: " + m.describe() + "\n";
  out += "\n";
  out += "overall (corrected latency)\n" + metric_table(c.overall.metrics, c.options.alpha).text();
  out += "  latency distribution: " + superiority_text(c.overall.distribution) + "\n";
  if (!c.overall.replay_side.empty()) {
    out += std::string("\n") + kReplaySideTitle + "\n" +
           metric_table(c.overall.replay_side, c.options.alpha).text();
  }
  if (!c.endpoints.empty()) {
    out += "\nendpoints  (* significant; change of p50/p99 relative, errors in points)\n";
    out += scope_table(c.endpoints, "endpoint").text();
  }
  if (!c.tags.empty()) out += "\ntags\n" + scope_table(c.tags, "tag").text();
  if (!c.rules.empty()) {
    TextTable t({"", "check", "scope", "detail"}, {});
    for (const auto& r : check_rows(c)) {
      t.add_row({r.crossed ? "CROSSED" : "ok", r.rule, r.scope, r.detail});
    }
    out += "\n--fail-on checks\n" + t.text();
  }
  out += "\nnotes\n";
  for (const auto& n : c.notes) out += "  - " + n + "\n";
  out += "  - " + method_note(c) + "\n";
  return out;
}

std::string format_comparison_markdown(const Comparison& c) {
  std::string out = c.regressed() ? "### ❌ replay compare: regression\n\n"
                    : !c.regressions.empty()
                        ? "### ⚠️ replay compare: worse, no --fail-on rule crossed\n\n"
                        : "### ✅ replay compare: no regression\n\n";
  out += "**Verdict:** " + markdown_escape(c.verdict()) + "\n\n";
  for (const auto& m : c.config_mismatch) {
    out += "> ⚠️ **warning:** " + markdown_escape(m.describe()) + "\n";
  }
  if (!c.config_mismatch.empty()) out += "\n";
  out += "Before: " + markdown_escape(sources_text(c.before_sources, c.overall.requests_before)) +
         "  \nAfter: " + markdown_escape(sources_text(c.after_sources, c.overall.requests_after)) +
         "\n\n";
  out += "#### Overall (corrected latency)\n\n" +
         metric_table(c.overall.metrics, c.options.alpha).markdown();
  out += "\nLatency distribution: " + superiority_text(c.overall.distribution) + ".\n";
  if (!c.overall.replay_side.empty()) {
    out += std::string("\n<details><summary>") + markdown_escape(kReplaySideTitle) +
           "</summary>\n\n" + metric_table(c.overall.replay_side, c.options.alpha).markdown() +
           "\n</details>\n";
  }
  if (!c.endpoints.empty()) {
    out += "\n#### Endpoints\n\n" + scope_table(c.endpoints, "endpoint").markdown();
    char alpha[32];
    std::snprintf(alpha, sizeof alpha, "%g", c.options.alpha);
    out += std::string("\n\\* significant at p < ") + alpha +
           ". Changes of p50/p99 and rate are relative, errors in percentage points.\n\n";
    for (const auto& e : c.endpoints) {
      out += "<details><summary>" + markdown_escape(e.name) + " — " +
             markdown_escape(scope_verdict(e)) + "</summary>\n\n" +
             metric_table(e.metrics, c.options.alpha).markdown() +
             "\nLatency distribution: " + superiority_text(e.distribution) + ".\n\n</details>\n";
    }
  }
  if (!c.tags.empty()) out += "\n#### Tags\n\n" + scope_table(c.tags, "tag").markdown();
  if (!c.rules.empty()) {
    TextTable t({"check", "scope", "result", "detail"}, {});
    for (const auto& r : check_rows(c)) {
      t.add_row({r.rule, r.scope, r.crossed ? "❌ crossed" : "✅ ok", r.detail});
    }
    out += "\n#### --fail-on checks\n\n" + t.markdown();
  }
  out += "\n#### Notes on significance\n\n";
  for (const auto& n : c.notes) out += "- " + markdown_escape(n) + "\n";
  out += "- " + markdown_escape(method_note(c)) + "\n";
  return out;
}

}  // namespace replay::results
