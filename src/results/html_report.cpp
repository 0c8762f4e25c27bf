#include "replay/results/html_report.hpp"

#include <algorithm>
#include <cstdio>

#include "figures.hpp"
#include "html_charts.hpp"
#include "html_page.hpp"
#include "html_verdicts.hpp"
#include "replay/core/units.hpp"

namespace replay::results {
namespace {

// The scope's share of the completions during the load, per second of load (as --threshold
// 'rate>..' measures it).
double scope_rate(const ResultDoc& doc, const Scope& s) {
  if (doc.overall.completed == 0) return 0;
  return static_cast<double>(doc.completed_during_load()) * static_cast<double>(s.completed) /
         static_cast<double>(doc.overall.completed) / static_cast<double>(doc.load_seconds());
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
  const double achieved =
      static_cast<double>(doc.completed_during_load()) / static_cast<double>(doc.load_seconds());
  bool thresholds_failed = false;
  for (const auto& t : doc.thresholds) thresholds_failed = thresholds_failed || !t.passed;
  std::vector<Card> items = {
      {"requests", count_text(o.completed + o.failed), count_text(o.offered) + " offered", ""},
      {"errors", percent_text(o.error_ratio()), count_text(o.errors) + " requests",
       o.errors ? "bad" : "ok"},
      {"offered rate", rate_text(doc.offered_per_s()), "over the load", ""},
      {"achieved rate", rate_text(achieved), "completed during the load", ""},
      {"p50 corrected", percentile_text(o.corrected, 50),
       o.lower_bounds ? "incl. " + count_text(o.lower_bounds) + " failed (lower bounds)" : "", ""},
      {"p99 corrected", percentile_text(o.corrected, 99),
       "p99.9 " + percentile_text(o.corrected, 99.9), ""},
      verdict_card(doc.saturation),
  };
  if (!doc.thresholds.empty()) {
    items.push_back({"thresholds", thresholds_failed ? "crossed" : "passed",
                     std::to_string(doc.thresholds.size()) + " checked",
                     thresholds_failed ? "bad" : "ok"});
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

std::string latency_table(const Scope& o) {
  HtmlTable t({"measure", "count", "p50", "p90", "p99", "p99.9", "max", "mean"},
              {false, true, true, true, true, true, true, true});
  add_histogram_row(t, "corrected (completion or failure − intended)", o.corrected);
  if (o.lower_bounds) add_histogram_row(t, "corrected, completed only", o.corrected_completed);
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
                                      rate_text(scope_rate(doc, s)),
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

uint64_t count_named(const std::vector<std::pair<std::string, uint64_t>>& list,
                     const std::string& key) {
  for (const auto& [name, n] : list) {
    if (name == key) return n;
  }
  return 0;
}

bool has_cause(const Scope& s, const std::string& name) {
  for (const auto& entry : s.failures) {
    if (entry.first == name) return true;
  }
  return false;
}

std::string errors_table(const ResultDoc& doc) {
  struct Cause {
    std::string name;
    uint64_t (*count)(const Scope&, const std::string&);
    std::string key;
  };
  std::vector<Cause> causes = {
      {"HTTP 4xx responses", [](const Scope& s, const std::string&) { return s.status[4]; }, ""},
      {"HTTP 5xx responses", [](const Scope& s, const std::string&) { return s.status[5]; }, ""},
  };
  for (const auto& [name, n] : doc.overall.failures) {
    causes.push_back(
        {name, [](const Scope& s, const std::string& k) { return count_named(s.failures, k); },
         name});
  }
  for (const auto& [name, n] : doc.overall.extra_counts) {
    if (has_cause(doc.overall, name)) continue;  // listed with the failures
    causes.push_back(
        {name, [](const Scope& s, const std::string& k) { return count_named(s.extra_counts, k); },
         name});
  }
  HtmlTable t({"cause", "requests", "share", "endpoints"}, {false, true, true, false});
  const uint64_t total = doc.overall.completed + doc.overall.failed;
  for (const auto& c : causes) {
    const uint64_t n = c.count(doc.overall, c.key);
    if (n == 0) continue;
    std::vector<std::pair<uint64_t, std::string>> where;
    for (const auto& [name, s] : doc.by_endpoint) {
      if (const uint64_t k = c.count(s, c.key)) where.emplace_back(k, name);
    }
    std::sort(where.rbegin(), where.rend());
    std::string list;
    for (size_t i = 0; i < where.size() && i < 4; ++i) {
      list += (i ? ", " : "") + where[i].second + " (" + count_text(where[i].first) + ")";
    }
    if (where.size() > 4) list += ", …";
    t.add_row({c.name, count_text(n),
               percent_text(total ? static_cast<double>(n) / static_cast<double>(total) : 0),
               list});
  }
  if (t.empty())
    return "<p>" + badge("no errors", "ok") + " every request completed with 1xx–3xx.</p>\n";
  std::string note;
  if (doc.overall.failure_count(kCaptureFailedCause)) {
    note += "capture_failed: a completed response lacked a value to capture. ";
  }
  if (doc.overall.failure_count(kSessionAbortedCause)) {
    note += "session_aborted: a session step not sent because an earlier step failed. ";
  }
  if (doc.overall.failure_count(kAbandonedCause)) {
    note +=
        "abandoned: given up as the run ended (not sent by its end, still in flight after "
        "the " +
        format_duration_us(doc.drain_us) +
        " drain, or at Ctrl-C/SIGTERM), in the corrected latency as lower bounds. ";
  }
  if (!note.empty())
    note = "<p class=\"note\">" + html_escape(note.substr(0, note.size() - 1)) + "</p>\n";
  return t.html() + note;
}

std::string thresholds_table(const std::vector<ThresholdResult>& thresholds) {
  HtmlTable t({"threshold", "result", "observed"}, {});
  for (const auto& th : thresholds) {
    t.add_html_row({html_escape(th.expression),
                    badge(th.passed ? "pass" : "FAIL", th.passed ? "ok" : "bad"),
                    html_escape(th.observed)});
  }
  return t.html();
}

std::string config_table(const ResultDoc& doc) {
  HtmlTable t({"setting", "value"}, {});
  for (const auto& e : doc.config) t.add_row({e.key, e.text.empty() ? "—" : e.text});
  t.add_row({"replay version", doc.replay_version});
  t.add_row({"connections opened", count_text(doc.connections_opened)});
  if (doc.drain_us > 0) t.add_row({"drain after the load", format_duration_us(doc.drain_us)});
  if (doc.trace_ended_at_us >= 0) {
    t.add_row({"trace ran out at", format_duration_us(doc.trace_ended_at_us)});
  }
  if (doc.records_skipped) t.add_row({"records skipped", count_text(doc.records_skipped)});
  return t.html();
}

}  // namespace

std::string render_html_report(const ResultDoc& doc) {
  const std::vector<RunView> views = {{"", kBeforeColour, &doc, 1}};
  std::string out = page_start("replay report: " + doc.config_text("trace"));
  out += header_html(doc) + run_notices_html(doc) + cards_html(doc);
  out += section("Saturation and limits", saturation_html(doc));
  LineChart latency = latency_chart(views);
  out += chart_section("latency", "Latency over time", latency,
                       "Per second of completion or failure. Corrected = completion (or "
                       "failure) − intended send time (includes any wait); service = completion "
                       "− actual send.");
  LineChart rate = rate_chart(views);
  out += chart_section("rate", "Offered vs achieved rate", rate,
                       "Offered counts requests by intended second; achieved counts completions.");
  LineChart concurrency = concurrency_chart(views);
  out += chart_section("concurrency", "In flight and backlog", concurrency,
                       "Backlog = requests waiting for a connection (--max-connections reached).");
  LineChart probes = probe_chart(views);
  if (!probes.empty()) out += chart_section("probes", "Probes", probes, "Sampled once a second.");
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
    out += chart_section("spectrum-endpoints", "Percentile spectrum by endpoint (corrected)",
                         by_endpoint, doc.by_endpoint.size() > 10 ? "The first 10 endpoints." : "");
  }
  out += section("Latency", latency_table(doc.overall), latency_note(doc.overall));
  if (!doc.by_endpoint.empty()) {
    out +=
        section("Endpoints", scopes_table(doc, doc.by_endpoint, "endpoint"),
                scopes_note(doc.by_endpoint,
                            "Corrected latency; rate = completions during the load per second."));
  }
  if (!doc.by_tag.empty()) {
    out += section("Tags", scopes_table(doc, doc.by_tag, "tag"), scopes_note(doc.by_tag, ""));
  }
  out += section("Errors by cause", errors_table(doc));
  if (!doc.thresholds.empty()) out += section("Thresholds", thresholds_table(doc.thresholds));
  out += section("Configuration", config_table(doc));
  return out + page_end("Generated by replay" +
                        (doc.source.empty() ? std::string() : " from " + doc.source) +
                        ". All latencies are corrected for coordinated omission unless marked "
                        "service.");
}

}  // namespace replay::results
