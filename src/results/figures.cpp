#include "figures.hpp"

#include <cmath>
#include <cstdio>

namespace replay::results {

std::string percentile_name(double percentile) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "p%g", percentile);
  return buf;
}

std::string latency_text(double us) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2fms", us / 1000.0);
  return buf;
}

std::string percentile_text(const Histogram& h, double percentile) {
  return h.count() ? latency_text(static_cast<double>(h.value_at_percentile(percentile))) : "—";
}

std::string percent_text(double ratio) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f%%", ratio * 100);
  return buf;
}

std::string rate_text(double per_s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f/s", per_s);
  return buf;
}

std::string p_value_text(double p) {
  if (p < 0.0001) return "p < 0.0001";
  char buf[48];
  std::snprintf(buf, sizeof buf, "p = %.2g", p);
  return buf;
}

std::string metric_value_text(const MetricChange& m, double value) {
  switch (m.kind) {
    case MetricKind::percentile:
      return latency_text(value);
    case MetricKind::errors:
      return percent_text(value);
    case MetricKind::rate:
      return rate_text(value);
  }
  return "";
}

std::string metric_delta_text(const MetricChange& m) {
  char buf[48];
  switch (m.kind) {
    case MetricKind::percentile:
      std::snprintf(buf, sizeof buf, "%+.2fms", m.delta / 1000.0);
      break;
    case MetricKind::errors:
      std::snprintf(buf, sizeof buf, "%+.2fpp", m.delta * 100);
      break;
    case MetricKind::rate:
      std::snprintf(buf, sizeof buf, "%+.1f/s", m.delta);
      break;
  }
  return buf;
}

std::string relative_text(const MetricChange& m) {
  if (m.before == 0 && m.after == 0) return "";
  if (std::isnan(m.relative)) return "new";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%+.1f%%", m.relative * 100);
  return buf;
}

const char* direction_text(const MetricChange& m) {
  return m.direction > 0 ? "worse" : m.direction < 0 ? "better" : "";
}

std::string scope_label(const ScopeChange& s) {
  return s.name.empty() ? "overall" : s.name;
}

}  // namespace replay::results
