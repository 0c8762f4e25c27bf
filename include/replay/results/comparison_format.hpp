#pragma once
// `replay compare`'s outputs: a terminal report, GitHub-flavoured markdown (a PR comment or a
// job summary) and JSON for scripts.

#include <string>

#include "replay/results/comparison.hpp"

namespace replay::results {

// Plain text: sources, verdict, overall table, endpoint and tag tables, --fail-on checks, notes.
std::string format_comparison_text(const Comparison& c);

// Markdown: a verdict line, the overall table, one row per endpoint and a collapsible table per
// endpoint, the checks and notes on significance. Names are escaped for tables and HTML.
std::string format_comparison_markdown(const Comparison& c);

// JSON (one object): verdict, regressed, alpha, sources, overall, tags, endpoints (every metric
// with before, after, delta, relative, interval, p-value, direction), rules and notes.
// Latencies in microseconds, error ratios as fractions, rates per second.
std::string format_comparison_json(const Comparison& c);

}  // namespace replay::results
