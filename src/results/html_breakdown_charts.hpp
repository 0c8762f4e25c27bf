#pragma once
// The over-time charts that break a run's timeline down: latency per tag or endpoint (one small
// chart each, so 0.2 ms health checks and 1 s chat calls never share an axis), responses per
// second by exact status code, and errors per second by cause. Each marks the stage boundaries.

#include <string>
#include <vector>

#include "html_charts.hpp"

namespace replay::results {

// Which per-scope timelines of a run: &ResultDoc::timeline_by_tag or timeline_by_endpoint.
using ScopeTimelines = std::vector<ScopeTimeline> ResultDoc::*;

// One chart per scope of the views' timelines `which` (file order, at most `max_scopes`):
// corrected p50 and p99 per second, with a p50..p99 band for a lone run; each view's p99
// (solid) and p50 (dashed) in its colour when there are several. Empty when no view has rows.
std::vector<NamedChart> scope_latency_charts(const std::vector<RunView>& views,
                                             ScopeTimelines which, size_t max_scopes);

// Requests ended per second, stacked: completions by exact status code (2xx greens, 3xx blues,
// 4xx ambers, 5xx reds, increasing codes from the bottom), then failures without a response.
// empty() for results written before timelines kept status codes. Counts are divided by the
// view's runs (pooled runs: the mean run). The time axis spans `shared`'s timelines when given
// (compare: both sides' charts on one axis).
LineChart status_code_chart(const RunView& v, const std::vector<RunView>& shared = {});

// Errors per second by cause: one line per status code >= 400, failures without a response, and
// other errors (failed captures) when there are any. empty() when the run had no errors.
// Counts are divided by the view's runs; the time axis as status_code_chart's.
LineChart error_cause_chart(const RunView& v, const std::vector<RunView>& shared = {});

// The colour of an exact status code, `shade` telling codes of one class apart.
const char* status_colour(int code, size_t shade);

}  // namespace replay::results
