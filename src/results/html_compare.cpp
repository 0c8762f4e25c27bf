#include <cstdio>
#include <string_view>

#include "figures.hpp"
#include "html_breakdown_charts.hpp"
#include "html_charts.hpp"
#include "html_page.hpp"
#include "replay/results/html_report.hpp"

namespace replay::results {
namespace {

// Both runs stay visible where their lines meet: after is wider and translucent, before is drawn
// over it in its own dashes (long for solid series, dots for dashed ones).
const OverlayStyle kBeforeStyle{"9 3", "2 3", 0, 1, 1};
const OverlayStyle kAfterStyle{"", "", 1.5, 0.6, 0};

// Draws `chart`'s before and after series in their overlay styles.
void overlay(LineChart& chart) {
  chart.style_overlay("before", kBeforeStyle);
  chart.style_overlay("after", kAfterStyle);
}

std::string sources_html(const char* side, const char* colour, const PooledRuns& p) {
  std::string list;
  for (size_t i = 0; i < p.sources.size(); ++i) list += (i ? ", " : "") + p.sources[i];
  char runs[64];
  std::snprintf(runs, sizeof runs, " (%zu run%s, %llu requests)", p.runs, p.runs == 1 ? "" : "s",
                static_cast<unsigned long long>(p.doc.overall.completed + p.doc.overall.failed));
  const bool before = std::string_view(side) == "before";
  return std::string("<p><span class=\"swatch\" style=\"border-top:3px ") +
         (before ? "dashed " : "solid ") + colour + (before ? "" : ";opacity:0.6") +
         "\"></span><b>" + side + "</b> " + html_escape(list + runs) + "</p>\n";
}

std::string direction_class(const MetricChange& m) {
  return m.direction > 0 ? "worse" : m.direction < 0 ? "better" : "";
}

std::string metric_rows(const std::vector<MetricChange>& metrics, double alpha) {
  char interval[32];
  std::snprintf(interval, sizeof interval, "%g%% interval", (1 - alpha) * 100);
  HtmlTable t({"metric", "before", "after", "change", "relative", interval, "significance", ""},
              {false, true, true, true, true, true, true, false});
  for (const auto& m : metrics) {
    std::string ci;
    if (m.kind == MetricKind::percentile) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%+.2f … %+.2f ms", m.ci_low / 1000, m.ci_high / 1000);
      ci = buf;
    }
    const std::string cls = direction_class(m);
    t.add_row(
        {m.name, metric_value_text(m, m.before), metric_value_text(m, m.after),
         metric_delta_text(m), relative_text(m), ci, p_value_text(m.p_value), direction_text(m)},
        {"", "", "", cls, cls, "", "", cls});
  }
  return t.html();
}

std::string metrics_table(const ScopeChange& s, double alpha) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "<p class=\"note\">Whole latency distribution: P(after slower than before) = "
                "%.3f (0.5 = no shift), Mann-Whitney %s.</p>\n",
                s.distribution.superiority, p_value_text(s.distribution.p_value).c_str());
  return metric_rows(s.metrics, alpha) + buf;
}

std::string change_cell(const ScopeChange& s, const char* name, std::string& cls) {
  const MetricChange* m = s.find(name);
  if (!m) return "";
  cls = direction_class(*m);
  std::string text = m->kind == MetricKind::errors ? metric_delta_text(*m) : relative_text(*m);
  if (text.empty() || text == "new") text = metric_delta_text(*m);
  return text;
}

std::string endpoints_table(const std::vector<ScopeChange>& scopes, const char* column) {
  HtmlTable t({column, "requests", "p50 after", "p50 change", "p99 after", "p99 change",
               "errors change", "rate change", "P(slower)"},
              {false, true, true, true, true, true, true, true, true});
  for (const auto& s : scopes) {
    std::string c50, c99, ce, cr;
    const MetricChange* p50 = s.find("p50");
    const MetricChange* p99 = s.find("p99");
    char superiority[16];
    std::snprintf(superiority, sizeof superiority, "%.2f", s.distribution.superiority);
    const std::string v50 = change_cell(s, "p50", c50), v99 = change_cell(s, "p99", c99);
    const std::string ve = change_cell(s, "errors", ce), vr = change_cell(s, "rate", cr);
    t.add_row({s.name, std::to_string(s.requests_before) + " → " + std::to_string(s.requests_after),
               p50 && s.in_after ? latency_text(p50->after) : "", v50,
               p99 && s.in_after ? latency_text(p99->after) : "", v99, ve, vr, superiority},
              {"", "", "", c50, "", c99, ce, cr, ""});
  }
  return t.html();
}

const Scope* scope_named(const std::vector<NamedScope>& scopes, const std::string& name) {
  for (const auto& s : scopes) {
    if (s.name == name) return &s.scope;
  }
  return nullptr;
}

std::string endpoint_spectra(const PooledRuns& before, const PooledRuns& after,
                             const std::vector<ScopeChange>& endpoints) {
  std::string out = "<div class=\"grid2\">\n";
  size_t index = 0;
  for (const auto& e : endpoints) {
    const Scope* b = scope_named(before.doc.by_endpoint, e.name);
    const Scope* a = scope_named(after.doc.by_endpoint, e.name);
    std::vector<SpectrumLine> lines;
    if (b) lines.push_back({"before", kBeforeColour, &b->corrected, false});
    if (a) lines.push_back({"after", kAfterColour, &a->corrected, false});
    LineChart chart = spectrum_chart(lines, 540, 260);
    overlay(chart);
    out += "<div><h3>" + html_escape(e.name) + "</h3>\n" +
           chart.svg("spectrum-endpoint-" + std::to_string(index++),
                     "Percentile spectrum of " + e.name) +
           "</div>\n";
  }
  return out + "</div>\n";
}

std::string rules_html(const Comparison& c) {
  HtmlTable t({"check", "scope", "result", "detail"}, {});
  for (const auto& r : c.rules) {
    t.add_html_row({html_escape(r.rule), html_escape(r.scope.empty() ? "overall" : r.scope),
                    badge(r.crossed ? "crossed" : "ok", r.crossed ? "bad" : "ok"),
                    html_escape(r.detail)});
  }
  return t.html();
}

std::string notes_html(const Comparison& c) {
  std::string out = "<ul class=\"notes\">\n";
  for (const auto& n : c.notes) out += "<li>" + html_escape(n) + "</li>\n";
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "Significant = p < %g. Percentiles: bootstrap of the change over the histogram "
                "buckets (%d resamples, seed %llu); errors: two-proportion z-test; rate: Poisson "
                "test on completions during the load; P(slower): Mann-Whitney U effect size.",
                c.options.alpha, c.options.resamples,
                static_cast<unsigned long long>(c.options.seed));
  return out + "<li>" + html_escape(buf) + "</li>\n</ul>\n";
}

}  // namespace

std::string render_html_compare(const PooledRuns& before, const PooledRuns& after,
                                const Comparison& c) {
  std::string out = page_start("replay compare");
  out += "<h1>replay compare</h1>\n";
  out += sources_html("before", kBeforeColour, before) + sources_html("after", kAfterColour, after);
  // Worse within the rules is neither a pass nor a failure: amber, as the page's warnings.
  std::string verdict_attributes = "class=\"verdict ok\"";
  if (c.regressed()) {
    verdict_attributes = "class=\"verdict bad\"";
  } else if (!c.regressions.empty()) {
    verdict_attributes = "class=\"verdict\" style=\"background:#fff2d1;color:#7d5200\"";
  }
  out += "<div " + verdict_attributes + ">" + html_escape(c.verdict()) + "</div>\n";
  if (!c.config_mismatch.empty()) {
    out += "<div class=\"notice\"><b>Warning: the runs were not configured alike</b><ul>\n";
    for (const auto& m : c.config_mismatch) out += "<li>" + html_escape(m.describe()) + "</li>\n";
    out += "</ul></div>\n";
  }
  out += section("Overall (corrected latency)", metrics_table(c.overall, c.options.alpha));
  if (!c.overall.replay_side.empty()) {
    out += section("Replay's side: send lag and its parts",
                   metric_rows(c.overall.replay_side, c.options.alpha),
                   "Informational: replay's own lateness (scheduler lag), waits for a free "
                   "connection (connection wait) and connection set-up (connect) are not the "
                   "service's, and never enter the verdict or a --fail-on rule.");
  }
  std::vector<SpectrumLine> overall = {
      {"before", kBeforeColour, &before.doc.overall.corrected, false},
      {"after", kAfterColour, &after.doc.overall.corrected, false}};
  LineChart spectrum = spectrum_chart(overall);
  overlay(spectrum);
  out += chart_section("spectrum", "Percentile spectrum", spectrum,
                       "Corrected latency of all requests; each step right is one more nine.");
  const std::vector<RunView> views = {
      {"before", kBeforeColour, &before.doc, static_cast<double>(before.runs)},
      {"after", kAfterColour, &after.doc, static_cast<double>(after.runs)}};
  const std::string pooled =
      before.runs > 1 || after.runs > 1
          ? " Pooled runs are aligned on their own second 0; rates are per run."
          : "";
  std::vector<NamedChart> by_tag = scope_latency_charts(views, &ResultDoc::timeline_by_tag, 12);
  for (auto& t : by_tag) overlay(t.chart);
  if (by_tag.size() > 1) {
    out += section("Latency over time by tag", chart_grid_html("latency-tag", by_tag),
                   with_stage_note(by_tag[0].chart,
                                   "Corrected p99 (solid) and p50 (dashed) per second of each "
                                   "tag, each on its own axis." +
                                       pooled));
  }
  std::vector<NamedChart> by_endpoint =
      scope_latency_charts(views, &ResultDoc::timeline_by_endpoint, 12);
  for (auto& e : by_endpoint) overlay(e.chart);
  if (!by_endpoint.empty()) {
    out +=
        section("Latency over time by endpoint", chart_grid_html("latency-endpoint", by_endpoint),
                with_stage_note(by_endpoint[0].chart,
                                "Corrected p99 (solid) and p50 (dashed) per second of each "
                                "endpoint of the runs made with --endpoint-timeline." +
                                    pooled));
  }
  LineChart latency = latency_chart(views);
  overlay(latency);
  out += chart_section(
      "latency", by_tag.size() > 1 ? "Latency over time, all tags together" : "Latency over time",
      latency,
      with_stage_note(
          latency,
          "Corrected p99 (solid) and p50 (dashed) per second since each run's start." + pooled));
  LineChart rate = rate_chart(views);
  overlay(rate);
  out += chart_section("rate", "Offered vs achieved rate", rate,
                       with_stage_note(rate, "Requests per second." + pooled));
  for (const RunView& v : views) {
    LineChart codes = status_code_chart(v, views);
    if (codes.empty()) continue;
    out += chart_section("status-" + v.label, "Status codes over time, " + v.label, codes,
                         with_stage_note(codes,
                                         "Requests ended per second (per run when pooled), "
                                         "stacked: responses by exact code, then failures "
                                         "without one."));
  }
  for (const RunView& v : views) {
    LineChart errors = error_cause_chart(v, views);
    if (errors.empty()) continue;
    out += chart_section("errors-" + v.label, "Errors over time by cause, " + v.label, errors,
                         with_stage_note(errors, "Errors per second of completion or failure."));
  }
  LineChart concurrency = concurrency_chart(views);
  overlay(concurrency);
  out += chart_section("concurrency", "In flight and backlog", concurrency, "");
  std::vector<NamedChart> probes = probe_charts(views);
  for (auto& p : probes) overlay(p.chart);
  if (!probes.empty()) {
    out += section("Probes", chart_grid_html("probe", probes),
                   "Each probe on an axis scaled to its values.");
  }
  if (!c.endpoints.empty()) {
    out += section(
        "Endpoints",
        endpoints_table(c.endpoints, "endpoint") + endpoint_spectra(before, after, c.endpoints),
        "Red: significantly worse; green: significantly better. Spectra: before in "
        "dashed blue over after in translucent orange.");
  }
  if (!c.tags.empty()) out += section("Tags", endpoints_table(c.tags, "tag"));
  if (!c.rules.empty()) out += section("--fail-on checks", rules_html(c));
  out += section("Notes on significance", notes_html(c));
  return out + page_end("Generated by replay compare.");
}

}  // namespace replay::results
