#pragma once
// Custom metrics for people: the figures the summary and the HTML report print alike.

#include <string>

#include "replay/histogram/metric_tally.hpp"

namespace replay::results {

// Integers as such ("2620"), else up to 3 decimals ("131.5"), tiny values in 6 significant
// digits.
std::string metric_number_text(double v);

// "sum 2620   count 20   mean 131   min 42   max 200", then "   p50 .. p95 .. p99 .." for a
// histogram metric, then "   non-numeric N" and "   missing N" when not 0.
std::string metric_figures_text(const histogram::MetricTally& m);

}  // namespace replay::results
