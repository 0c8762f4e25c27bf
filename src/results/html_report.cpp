#include "replay/results/html_report.hpp"

#include <algorithm>
#include <cstdio>

#include "figures.hpp"
#include "html_breakdown_charts.hpp"
#include "html_charts.hpp"
#include "html_llm_charts.hpp"
#include "html_page.hpp"
#include "html_tables.hpp"
#include "html_verdicts.hpp"
#include "replay/core/units.hpp"
#include "replay/results/threshold.hpp"

namespace replay::results {
namespace {

constexpr size_t kMaxTagCharts = 12;

// The scope's achieved rate (docs/result-format.md "Figures"); a dash under a second of load.
std::string scope_rate_text(const ResultDoc& doc, const Scope& s) {
  return doc.has_rate_window() ? rate_text(doc.achieved_per_s(s)) : "—";
}

std::string count_text(uint64_t n) {
  return std::to_string(n);
}

std::string max_text(const Histogram& h) {
  return h.count() ? latency_text(static_cast<double>(h.max())) : "—";
}

// The note on a corrected latency that includes `n` failures at their failure time.
std::string lower_bounds_text(uint64_t n) {
  return "The corrected latency includes " + count_text(n) +
         (n == 1 ? " failed request" : " failed requests") +
         ", each at the time it failed: a lower bound of the latency it would have had. "
         "Completed only leaves them out.";
}

// Results written before send lag was split have none of its parts.
bool has_send_lag_parts(const Scope& o) {
  return o.scheduler_lag.count() || o.connection_wait.count() || o.connect.count();
}

std::string latency_note(const Scope& o) {
  std::string note;
  if (has_send_lag_parts(o)) {
    note =
        "Send lag is replay's side: scheduler lag (replay was late) + connection wait (every "
        "connection busy, --max-connections reached) + connect (opening a connection, ~0 when "
        "one is reused).";
  }
  if (o.lower_bounds) note += (note.empty() ? "" : " ") + lower_bounds_text(o.lower_bounds);
  return note;
}

std::string header_html(const ResultDoc& doc) {
  std::string sub = doc.config_text("trace") + " → " + doc.config_text("target");
  const std::string rate = doc.config_text("rate");
  sub += " · rate " + (rate.empty() ? std::string("as recorded") : rate);
  if (!doc.config_text("arrival").empty()) sub += " (" + doc.config_text("arrival") + ")";
  sub += " · started " + utc_time_text(doc.started_unix_ms) + " · load " +
         format_duration_us(doc.load_us) + ", run " + format_duration_us(doc.elapsed_us);
  return "<h1>replay report</h1>\n<p class=\"sub\">" + html_escape(sub) + "</p>\n";
}

std::string cards_html(const ResultDoc& doc) {
  const Scope& o = doc.overall;
  const std::string achieved = doc.achieved_text();
  const bool thresholds_failed = any_threshold_crossed(doc.thresholds);
  const bool bands_crossed = any_warning_crossed(doc.thresholds);
  std::vector<Card> items = {
      {"requests", count_text(o.completed + o.failed), count_text(o.offered) + " offered", ""},
      {"errors", percent_text(o.error_ratio()), count_text(o.errors) + " requests",
       o.errors ? "bad" : "ok"},
      {"offered rate", doc.offered_text(), "over the load", ""},
      {"achieved rate", achieved.empty() ? "—" : achieved,
       achieved.empty() ? "under a second of load" : "completed during the load", ""},
      {"p50 corrected", percentile_text(o.corrected, 50),
       o.lower_bounds ? "incl. " + count_text(o.lower_bounds) + " failed (lower bounds)" : "", ""},
      {"p99 corrected", percentile_text(o.corrected, 99),
       "p99.9 " + percentile_text(o.corrected, 99.9), ""},
      verdict_card(doc.saturation),
  };
  // "Not saturated" judges latency growth; beside mostly failed requests it must say so.
  Card& verdict = items.back();
  if (verdict.value == "not saturated" && o.error_ratio() >= 0.5) {
    verdict.detail = "latency did not grow, but " + percent_text(o.error_ratio()) + " errors";
    verdict.tone = "warn";
  }
  if (!doc.thresholds.empty()) {
    items.push_back({"thresholds",
                     thresholds_failed ? "crossed" : (bands_crossed ? "warning" : "passed"),
                     std::to_string(doc.thresholds.size()) + " checked",
                     thresholds_failed ? "bad" : (bands_crossed ? "warn" : "ok")});
  }
  return cards(items);
}

// One row of the latency table; `name_class` styles the name cell ("part": a part of the row
// above).
void add_histogram_row(HtmlTable& t, const std::string& name, const Histogram& h,
                       bool micros = true, const std::string& name_class = "") {
  if (h.count() == 0) {
    t.add_row({name, "0", "—", "—", "—", "—", "—", "—"}, {name_class});
    return;
  }
  auto v = [&](double x) { return micros ? latency_text(x) : compact_number(x); };
  t.add_row({name, count_text(h.count()), v(static_cast<double>(h.value_at_percentile(50))),
             v(static_cast<double>(h.value_at_percentile(90))),
             v(static_cast<double>(h.value_at_percentile(99))),
             v(static_cast<double>(h.value_at_percentile(99.9))), v(static_cast<double>(h.max())),
             v(h.mean())},
            {name_class});
}

// `users`: a closed-loop run's figures, whose open-loop equivalent goes beside the corrected.
std::string latency_table(const Scope& o, const std::optional<ResultDoc::Users>& users) {
  HtmlTable t({"measure", "count", "p50", "p90", "p99", "p99.9", "max", "mean"},
              {false, true, true, true, true, true, true, true});
  add_histogram_row(t, "corrected (completion or failure − intended)", o.corrected);
  if (o.lower_bounds) add_histogram_row(t, "corrected, completed only", o.corrected_completed);
  if (users) {
    add_histogram_row(t, "open loop: a schedule at the users' pace (expected-interval corrected)",
                      users->open_loop);
  }
  add_histogram_row(t, "service (completion − sent)", o.service);
  add_histogram_row(t, "send lag (sent − intended)", o.send_lag);
  if (has_send_lag_parts(o)) {
    add_histogram_row(t, "scheduler lag (replay late)", o.scheduler_lag, true, "part");
    add_histogram_row(t, "connection wait (no free connection)", o.connection_wait, true, "part");
    add_histogram_row(t, "connect (TCP and TLS of a new connection)", o.connect, true, "part");
  }
  add_histogram_row(t, "time to first byte", o.ttfb);
  if (o.sse) {
    add_histogram_row(t, "SSE first event", o.sse->first_event_us);
    add_histogram_row(t, "SSE gap between events", o.sse->inter_event_us);
    add_histogram_row(t, "SSE events per response", o.sse->events_per_response, false);
  }
  if (o.llm) {
    add_histogram_row(t, "LLM TTFT (first content − intended)", o.llm->ttft_us);
    add_histogram_row(t, "LLM TTFT from the actual send", o.llm->ttft_sent_us);
    add_histogram_row(t, "LLM ITL (gap between content events)", o.llm->itl_us);
    add_histogram_row(t, "LLM TPOT (per output token after the first)", o.llm->tpot_us);
    add_histogram_row(t, "LLM E2E (last content − intended)", o.llm->e2e_us);
  }
  return t.html();
}

bool any_lower_bounds(const std::vector<NamedScope>& scopes) {
  return std::any_of(scopes.begin(), scopes.end(),
                     [](const NamedScope& s) { return s.scope.lower_bounds > 0; });
}

// One row per scope; a "lower bounds" column when some scope's latency includes failures.
std::string scopes_table(const ResultDoc& doc, const std::vector<NamedScope>& scopes,
                         const char* column) {
  const bool bounds = any_lower_bounds(scopes);
  std::vector<std::string> headers = {column, "requests", "rate",  "errors", "p50",
                                      "p90",  "p99",      "p99.9", "max"};
  if (bounds) headers.push_back("lower bounds");
  std::vector<bool> numeric(headers.size(), true);
  numeric[0] = false;
  HtmlTable t(std::move(headers), std::move(numeric));
  for (const auto& [name, s] : scopes) {
    const Histogram& h = s.corrected;
    std::vector<std::string> cells = {name,
                                      count_text(s.completed + s.failed),
                                      scope_rate_text(doc, s),
                                      percent_text(s.error_ratio()),
                                      percentile_text(h, 50),
                                      percentile_text(h, 90),
                                      percentile_text(h, 99),
                                      percentile_text(h, 99.9),
                                      max_text(h)};
    if (bounds) cells.push_back(count_text(s.lower_bounds));
    t.add_row(cells, {"", "", "", s.errors ? "worse" : ""});
  }
  return t.html();
}

std::string scopes_note(const std::vector<NamedScope>& scopes, const char* first) {
  std::string note = first;
  if (any_lower_bounds(scopes)) {
    note += std::string(note.empty() ? "" : " ") +
            "Lower bounds: failed requests in the latency at the time they failed.";
  }
  return note;
}

std::string thresholds_table(const std::vector<ThresholdResult>& thresholds) {
  HtmlTable t({"threshold", "result", "observed"}, {});
  for (const auto& th : thresholds) {
    t.add_html_row({html_escape((th.warn ? "warn " : "") + th.expression),
                    th.passed ? badge("pass", "ok")
                    : th.warn ? badge("WARN", "warn")
                              : badge("FAIL", "bad"),
                    html_escape(th.observed)});
  }
  return t.html();
}

}  // namespace

std::string render_html_report(const ResultDoc& doc) {
  const std::vector<RunView> views = {{"", kBeforeColour, &doc, 1}};
  std::string out = page_start("replay report: " + doc.config_text("trace"));
  out += header_html(doc) + run_notices_html(doc) + cards_html(doc);
  out += section("Saturation and limits", saturation_html(doc));
  std::vector<NamedChart> by_tag =
      scope_latency_charts(views, &ResultDoc::timeline_by_tag, kMaxTagCharts);
  const bool tags = by_tag.size() > 1;
  if (tags) {
    out += section("Latency over time by tag", chart_grid_html("latency-tag", by_tag),
                   with_stage_note(by_tag[0].chart,
                                   "Corrected p50 (dashed) and p99 per second of each tag, each "
                                   "on its own axis." +
                                       std::string(doc.timeline_by_tag.size() > kMaxTagCharts
                                                       ? " The first 12 tags."
                                                       : "")));
  }
  std::vector<NamedChart> by_endpoint =
      scope_latency_charts(views, &ResultDoc::timeline_by_endpoint, kMaxTagCharts);
  if (!by_endpoint.empty()) {
    out +=
        section("Latency over time by endpoint", chart_grid_html("latency-endpoint", by_endpoint),
                with_stage_note(by_endpoint[0].chart,
                                "Corrected p50 (dashed) and p99 per second of each endpoint "
                                "(run --endpoint-timeline), each on its own axis." +
                                    std::string(doc.timeline_by_endpoint.size() > kMaxTagCharts
                                                    ? " The first 12 endpoints."
                                                    : "")));
  }
  LineChart latency = latency_chart(views);
  out += chart_section(
      "latency", tags ? "Latency over time, all tags together" : "Latency over time", latency,
      with_stage_note(
          latency,
          "Per second of completion or failure. Corrected = completion (or failure) − "
          "intended send time (includes any wait); service = completion − actual "
          "send." +
              std::string(tags ? " Every tag in one figure: see each tag above." : "")));
  LineChart rate = rate_chart(views);
  out +=
      chart_section("rate", "Offered vs achieved rate", rate,
                    with_stage_note(rate,
                                    "Offered counts requests by intended second; achieved counts "
                                    "completions."));
  LineChart ttft = ttft_chart(doc);
  if (!ttft.empty()) {
    out += chart_section("ttft", "LLM time to first token and inter-token latency over time", ttft,
                         "TTFT p50 and p99 of the LLM streams completed in each second, from the "
                         "intended send time; ITL (dashed): gaps between content events, by the "
                         "second the later event came.");
    LineChart tokens = tokens_chart(doc);
    out += chart_section("tokens", "LLM output tokens per second", tokens,
                         "Output tokens of the streams that completed in each second (usage "
                         "counts when the stream reported them).");
  }
  LineChart codes = status_code_chart(views[0]);
  if (!codes.empty()) {
    out += chart_section("status", "Status codes over time", codes,
                         with_stage_note(codes,
                                         "Requests ended per second, stacked: responses "
                                         "by exact code, then failures without one."));
  }
  LineChart errors = error_cause_chart(views[0]);
  if (!errors.empty()) {
    out += chart_section("errors", "Errors over time by cause", errors,
                         with_stage_note(errors, "Errors per second of completion or failure."));
  }
  LineChart concurrency = concurrency_chart(views);
  out += chart_section(
      "concurrency", "In flight and backlog", concurrency,
      with_stage_note(concurrency,
                      "Backlog = requests waiting for a connection (--max-connections reached)."));
  std::vector<NamedChart> probes = probe_charts(views);
  if (!probes.empty()) {
    out += section("Probes", chart_grid_html("probe", probes),
                   with_stage_note(probes[0].chart,
                                   "Sampled once a second, each on an axis scaled to its values; "
                                   "a gap is a second the probe failed."));
  }
  std::vector<SpectrumLine> overall = {{"corrected", "#1f6fb4", &doc.overall.corrected, false},
                                       {"service", "#2a9d55", &doc.overall.service, true}};
  LineChart spectrum = spectrum_chart(overall);
  out += chart_section("spectrum", "Percentile spectrum", spectrum,
                       "HdrHistogram style: each step right is one more nine.");
  if (doc.by_endpoint.size() > 1) {
    std::vector<SpectrumLine> lines;
    for (size_t i = 0; i < doc.by_endpoint.size() && i < 10; ++i) {
      lines.push_back(
          {doc.by_endpoint[i].name, palette_colour(i), &doc.by_endpoint[i].scope.corrected, false});
    }
    LineChart by_endpoint = spectrum_chart(lines);
    out += chart_section(
        "spectrum-endpoints", "Percentile spectrum by endpoint (corrected)", by_endpoint,
        std::string(doc.by_endpoint.size() > 10 ? "The first 10 endpoints. " : "") +
            "The timeline keeps latency per tag, not per endpoint: each endpoint's distribution "
            "is here and in the Endpoints table.");
  }
  std::string note = latency_note(doc.overall);
  if (const auto& u = doc.users) {
    const double load_s = static_cast<double>(std::max<int64_t>(1, doc.load_us)) / 1e6;
    char users_note[512];
    std::snprintf(users_note, sizeof users_note,
                  " Closed-loop users: %llu at most, %.1f on average, a step every %s (think "
                  "time + its endpoint's median service time); at that pace a schedule offers "
                  "%.1f/s, against %.1f/s achieved. The open-loop row is what it would measure: "
                  "closed-loop users send nothing while they wait, so they hide a stall.",
                  static_cast<unsigned long long>(u->most), u->user_seconds / load_s,
                  latency_text(u->interval_mean_us).c_str(), u->open_loop_offered_per_s,
                  doc.achieved_per_s());
    note += users_note;
  }
  out += section("Latency", latency_table(doc.overall, doc.users), note);
  out += section("Connections", connections_html(doc));
  if (!doc.by_endpoint.empty()) {
    out +=
        section("Endpoints", scopes_table(doc, doc.by_endpoint, "endpoint"),
                scopes_note(doc.by_endpoint,
                            "Corrected latency; rate = completions during the load per second."));
  }
  if (!doc.by_tag.empty()) {
    out += section("Tags", scopes_table(doc, doc.by_tag, "tag"), scopes_note(doc.by_tag, ""));
  }
  if (const std::string table = status_codes_html(doc); !table.empty()) {
    out += section("Status codes", table);
  }
  out += section("Errors by cause", errors_html(doc));
  if (const std::string table = checks_html(doc); !table.empty()) out += section("Checks", table);
  if (const std::string table = metrics_html(doc); !table.empty()) {
    out += section("Custom metrics", table);
  }
  if (!doc.thresholds.empty()) out += section("Thresholds", thresholds_table(doc.thresholds));
  out += section("Configuration", config_html(doc));
  return out + page_end("Generated by replay" +
                        (doc.source.empty() ? std::string() : " from " + doc.source) +
                        ". All latencies are corrected for coordinated omission unless marked "
                        "service.");
}

}  // namespace replay::results
