#include "figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace replay::results {

namespace {

double seconds_of(int64_t us) {
  return static_cast<double>(std::max<int64_t>(1, us)) / 1e6;
}

// "97.0/s" over a window of at least kMinRateWindowUs, else "n in 0.004s".
std::string rate_or_count_text(uint64_t count, int64_t window_us) {
  if (window_us >= kMinRateWindowUs)
    return rate_text(static_cast<double>(count) / seconds_of(window_us));
  return std::to_string(count) + " in " + window_text(window_us);
}

}  // namespace

std::string window_text(int64_t us) {
  char buf[48];
  std::snprintf(buf, sizeof buf, us >= kMinRateWindowUs ? "%.1fs" : "%.3fs",
                static_cast<double>(us) / 1e6);
  return buf;
}

double ResultDoc::offered_per_s() const noexcept {
  return static_cast<double>(overall.offered) / seconds_of(load_us);
}

double ResultDoc::achieved_per_s() const noexcept {
  return static_cast<double>(completed_during_load()) / static_cast<double>(load_seconds());
}

double ResultDoc::achieved_per_s(const Scope& scope) const noexcept {
  if (overall.completed == 0) return 0;
  return achieved_per_s() * static_cast<double>(scope.completed) /
         static_cast<double>(overall.completed);
}

double ResultDoc::throughput_per_s() const noexcept {
  return static_cast<double>(overall.completed) / seconds_of(elapsed_us);
}

int64_t ResultDoc::load_seconds() const noexcept {
  return std::max<int64_t>(1, load_us / 1'000'000);
}

uint64_t ResultDoc::completed_during_load() const noexcept {
  const int64_t window = load_seconds();
  uint64_t n = 0;
  for (const auto& row : timeline) {
    if (row.second < window) n += row.completed;
  }
  return n;
}

bool ResultDoc::has_rate_window() const noexcept {
  return load_us >= kMinRateWindowUs;
}

std::string ResultDoc::offered_text() const {
  return rate_or_count_text(overall.offered, load_us);
}

std::string ResultDoc::achieved_text() const {
  return has_rate_window() ? rate_text(achieved_per_s()) : std::string();
}

std::string ResultDoc::throughput_text() const {
  return rate_or_count_text(overall.completed, elapsed_us);
}

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
