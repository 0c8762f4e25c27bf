#pragma once
// Custom metrics: numbers captured from responses (a trace capture with a "metric"), per scope.
// Each metric sums its values; a histogram metric also counts them in a Histogram. Not
// thread-safe: one thread adds; merge() combines tallies exactly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replay/histogram/histogram.hpp"

namespace replay::histogram {

// sum: count, sum, min, max, mean; histogram: the same and percentiles.
enum class MetricKind { sum, histogram };

// "sum" or "histogram"; nullopt for any other text.
std::optional<MetricKind> parse_metric_kind(std::string_view text);
const char* metric_kind_name(MetricKind kind);

// One metric of one scope. A histogram metric counts each value rounded to an integer and
// clamped to 0..Histogram::kMaxValueUs (sum, min and max stay exact).
struct MetricTally {
  std::string name;
  MetricKind kind = MetricKind::sum;
  uint64_t count = 0;  // numeric values
  double sum = 0;
  double min = 0;  // of the numeric values; 0 when none
  double max = 0;
  uint64_t non_numeric = 0;         // values present that were not finite numbers
  uint64_t missing = 0;             // responses that did not hold the value
  std::optional<Histogram> values;  // histogram metrics only, allocated on the first value

  // sum / count; 0 without values.
  double mean() const;
  // The captured text: a finite number (spaces around it allowed) is counted, anything else
  // counts in non_numeric.
  void add_text(std::string_view text);
  void add_value(double value);
  // Adds `other`'s counts; a histogram in either makes this one a histogram metric.
  void merge(const MetricTally& other);
  friend bool operator==(const MetricTally&, const MetricTally&) = default;
};

// A scope's metrics, in the order first seen; a handful per run, so found by a linear scan.
struct MetricTallies {
  std::vector<MetricTally> items;

  bool empty() const { return items.empty(); }
  // The metric named `name`, added (of `kind`) when absent.
  MetricTally& get(std::string_view name, MetricKind kind);
  const MetricTally* find(std::string_view name) const;
  // Merges each of `other`'s metrics into the one of the same name (added when absent).
  void merge(const MetricTallies& other);
  friend bool operator==(const MetricTallies&, const MetricTallies&) = default;
};

}  // namespace replay::histogram
