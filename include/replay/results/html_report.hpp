#pragma once
// Self-contained HTML pages (inline CSS and SVG, no script, nothing fetched): the report of one
// run and the comparison of two sides. Every string taken from a result is HTML-escaped.

#include <string>

#include "replay/results/comparison.hpp"
#include "replay/results/merge.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// The report of one run: notice boxes for an interrupted run and the run's warnings, summary
// figures, every verdict that holds (generator-limited, client-limited, saturated) with what it
// means, latency over time (corrected vs service, p50/p99), offered vs achieved rate, in-flight
// and backlog, probe series when the timeline has them, the percentile spectrum (overall and
// per endpoint), the latency table (send lag with its parts), endpoint and tag tables, errors
// by cause (abandoned explained), thresholds and the configuration (drain, trace end).
std::string render_html_report(const ResultDoc& doc);

// The comparison page: verdict, overall changes, replay's side (send lag and its parts, apart
// and informational), before/after overlays of the percentile spectrum, latency over time,
// achieved rate and in-flight, endpoint table with per-endpoint spectra, --fail-on checks and
// notes.
std::string render_html_compare(const PooledRuns& before, const PooledRuns& after,
                                const Comparison& comparison);

}  // namespace replay::results

namespace replay::results {

// --dashboard's live view of a run going on, from a partial document (its timeline so far and
// its overall counts): summary figures and the report's latency, rate and in-flight charts, as
// an HTML fragment whose first element carries data-seconds (the timeline's rows).
std::string render_live_charts(const ResultDoc& doc);

// The live page: the report's stylesheet, `charts_html` (render_live_charts) in <div id="live">,
// and a
// small inline script that follows /events (SSE): on each "second" event it counts it
// (body's data-events), shows its figures and reloads /charts; on "end" it reloads the page,
// which is then the run's HTML report.
std::string render_live_page(const std::string& charts_html, const std::string& title);

}  // namespace replay::results
