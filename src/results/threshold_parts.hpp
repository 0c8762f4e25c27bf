#pragma once
// What threshold.cpp and metric_threshold.cpp share: the error text, the comparison, numbers.

#include <string>
#include <string_view>

#include "replay/core/result.hpp"
#include "replay/histogram/metric_tally.hpp"
#include "replay/results/threshold.hpp"

namespace replay::results {

// Errc::invalid_argument: "threshold 'TEXT': WHY (e.g. ...)".
Error bad(std::string_view text, const std::string& why);
// observed OP limit.
bool compare(double observed, ThresholdOp op, double limit);
// A plain finite number: "0", "1000", "-2.5", "1e6".
bool parse_number(std::string_view text, double& value);
// A value for people: integers as such, else up to 3 decimals ("402.5"), small values in 6
// significant digits.
std::string number_text(double v);

// "metric.NAME.STAT" without its "metric." (`rest`), and the limit (a plain number): STAT is
// sum, count, mean, min, max, non_numeric, missing or, for histogram metrics, pNN.
Result<Threshold> parse_metric_threshold(Threshold t, std::string_view rest,
                                         std::string_view limit);
// Judges a custom-metric threshold on the scope's metric (nullptr: the scope has none, which
// fails, as does a statistic of values when no numeric value was captured).
void evaluate_metric_threshold(const Threshold& t, const histogram::MetricTally* metric,
                               ThresholdResult& out);

}  // namespace replay::results
