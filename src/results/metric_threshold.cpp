// Thresholds on custom metrics: "metric.tokens.sum<1e6", "chat:metric.tokens.p95<500".

#include <charconv>
#include <cstdio>

#include "threshold_parts.hpp"

namespace replay::results {
namespace {

constexpr std::string_view kStats[] = {"sum", "count",       "mean",   "min",
                                       "max", "non_numeric", "missing"};

}  // namespace

Result<Threshold> parse_metric_threshold(Threshold t, std::string_view rest,
                                         std::string_view limit) {
  const std::string text = t.text;
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) {
    return bad(text,
               "a custom-metric threshold is metric.NAME.STAT, STAT one of sum, count, "
               "mean, min, max, non_numeric, missing, pNN");
  }
  t.metric = ThresholdMetric::custom;
  t.metric_name = std::string(rest.substr(0, dot));
  t.metric_stat = std::string(rest.substr(dot + 1));
  bool known = false;
  for (std::string_view s : kStats) known = known || s == t.metric_stat;
  if (!known) {
    const std::string_view number = std::string_view(t.metric_stat).substr(1);
    const auto [p, ec] =
        std::from_chars(number.data(), number.data() + number.size(), t.percentile);
    if (t.metric_stat.front() != 'p' || ec != std::errc() || p != number.data() + number.size() ||
        t.percentile <= 0 || t.percentile > 100) {
      return bad(text, "unknown metric statistic '" + t.metric_stat +
                           "' (sum, count, mean, min, max, non_numeric, missing, pNN)");
    }
  }
  if (!parse_number(limit, t.limit)) {
    return bad(text, "a custom metric is compared with a plain number, like 1000 or 2.5");
  }
  return t;
}

void evaluate_metric_threshold(const Threshold& t, const histogram::MetricTally* metric,
                               ThresholdResult& out) {
  const std::string label = "metric." + t.metric_name + "." + t.metric_stat;
  if (!metric) {
    out.passed = false;
    out.observed = "metric." + t.metric_name + ": no values (no capture of that name ran)";
    return;
  }
  const std::string_view stat = t.metric_stat;
  double observed = 0;
  bool needs_values = true;
  if (stat == "sum") {
    observed = metric->sum;
  } else if (stat == "count") {
    observed = static_cast<double>(metric->count);
    needs_values = false;
  } else if (stat == "mean") {
    observed = metric->mean();
  } else if (stat == "min") {
    observed = metric->min;
  } else if (stat == "max") {
    observed = metric->max;
  } else if (stat == "non_numeric") {
    observed = static_cast<double>(metric->non_numeric);
    needs_values = false;
  } else if (stat == "missing") {
    observed = static_cast<double>(metric->missing);
    needs_values = false;
  } else {
    if (!metric->values) {
      out.passed = false;
      out.observed = metric->kind == histogram::MetricKind::histogram
                         ? label + ": no numeric values"
                         : label + ": metric." + t.metric_name +
                               " is a sum metric (declare it \"histogram\" for percentiles)";
      return;
    }
    observed = static_cast<double>(metric->values->value_at_percentile(t.percentile));
  }
  if (needs_values && metric->count == 0) {
    out.passed = false;
    out.observed = label + ": no numeric values";
    return;
  }
  out.observed = label + " = " + number_text(observed);
  out.passed = compare(observed, t.op, t.limit);
}

}  // namespace replay::results
