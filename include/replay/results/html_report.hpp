#pragma once
// Self-contained HTML pages (inline CSS and SVG, no script, nothing fetched): the report of one
// run and the comparison of two sides. Every string taken from a result is HTML-escaped.

#include <string>

#include "replay/results/comparison.hpp"
#include "replay/results/merge.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// The report of one run: summary figures, latency over time (corrected vs service, p50/p99),
// offered vs achieved rate, in-flight and backlog, probe series when the timeline has them,
// the percentile spectrum (overall and per endpoint), latency, endpoint and tag tables, errors
// by cause, the saturation verdict, thresholds and the configuration.
std::string render_html_report(const ResultDoc& doc);

// The comparison page: verdict, overall changes, before/after overlays of the percentile
// spectrum, latency over time, achieved rate and in-flight, endpoint table with per-endpoint
// spectra, --fail-on checks and notes.
std::string render_html_compare(const PooledRuns& before, const PooledRuns& after,
                                const Comparison& comparison);

}  // namespace replay::results
