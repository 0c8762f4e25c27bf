#pragma once
// How the results commands spell numbers for people: latencies, ratios, rates, p-values and
// changes, the same in text, markdown and HTML.

#include <cstdint>
#include <string>

#include "replay/results/comparison.hpp"

namespace replay::results {

// "p99", "p99.9", "p50".
std::string percentile_name(double percentile);
// "12.35ms" (two decimals, as the run summary prints).
std::string latency_text(double us);
// latency_text of the histogram's value at `percentile`, "—" when it holds no value.
std::string percentile_text(const Histogram& h, double percentile);
// "0.35%" of a ratio.
std::string percent_text(double ratio);
// "97.0/s".
std::string rate_text(double per_s);
// "p < 0.0001", "p = 0.0123", "p = 1".
std::string p_value_text(double p);
// A metric's value as its kind is spelled (latency, error percentage, rate).
std::string metric_value_text(const MetricChange& m, double value);
// The change with its sign: "+2.51ms", "+0.50pp", "-3.2/s".
std::string metric_delta_text(const MetricChange& m);
// "+12.3%", or "new" when before was 0, "" when both are 0.
std::string relative_text(const MetricChange& m);
// "worse", "better" or "" (not significant).
const char* direction_text(const MetricChange& m);
// "overall", a tag's or an endpoint's name.
std::string scope_label(const ScopeChange& s);

}  // namespace replay::results
