#include "replay/histogram/metric_tally.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace replay::histogram {

std::optional<MetricKind> parse_metric_kind(std::string_view text) {
  if (text == "sum") return MetricKind::sum;
  if (text == "histogram") return MetricKind::histogram;
  return std::nullopt;
}

const char* metric_kind_name(MetricKind kind) {
  return kind == MetricKind::histogram ? "histogram" : "sum";
}

double MetricTally::mean() const {
  return count == 0 ? 0.0 : sum / static_cast<double>(count);
}

void MetricTally::add_text(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  const auto last = text.find_last_not_of(" \t");
  if (first == std::string_view::npos) {
    ++non_numeric;
    return;
  }
  text = text.substr(first, last - first + 1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    ++non_numeric;
    return;
  }
  add_value(value);
}

void MetricTally::add_value(double value) {
  min = count == 0 ? value : std::min(min, value);
  max = count == 0 ? value : std::max(max, value);
  sum += value;
  ++count;
  if (kind == MetricKind::histogram) {
    if (!values) values.emplace();
    const double clamped = std::clamp(value, 0.0, static_cast<double>(Histogram::kMaxValueUs));
    values->record(std::llround(clamped));
  }
}

void MetricTally::merge(const MetricTally& other) {
  if (other.count > 0) {
    min = count == 0 ? other.min : std::min(min, other.min);
    max = count == 0 ? other.max : std::max(max, other.max);
  }
  count += other.count;
  sum += other.sum;
  non_numeric += other.non_numeric;
  missing += other.missing;
  if (other.kind == MetricKind::histogram) kind = MetricKind::histogram;
  if (other.values) {
    if (!values) values.emplace();
    values->merge(*other.values);
  }
}

MetricTally& MetricTallies::get(std::string_view name, MetricKind kind) {
  for (MetricTally& m : items) {
    if (m.name == name) return m;
  }
  MetricTally& added = items.emplace_back();
  added.name = std::string(name);
  added.kind = kind;
  return added;
}

const MetricTally* MetricTallies::find(std::string_view name) const {
  for (const MetricTally& m : items) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

void MetricTallies::merge(const MetricTallies& other) {
  for (const MetricTally& m : other.items) get(m.name, m.kind).merge(m);
}

}  // namespace replay::histogram
