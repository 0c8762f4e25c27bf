#include "replay/results/metric_text.hpp"

#include <cmath>
#include <cstdio>

namespace replay::results {

std::string metric_number_text(double v) {
  char buf[48];
  if (std::fabs(v) < 1e15 && v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  if (std::fabs(v) < 1) {
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string out = buf;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::string metric_figures_text(const histogram::MetricTally& m) {
  std::string out = "sum " + metric_number_text(m.sum) + "   count " + std::to_string(m.count);
  if (m.count > 0) {
    out += "   mean " + metric_number_text(m.mean()) + "   min " + metric_number_text(m.min) +
           "   max " + metric_number_text(m.max);
  }
  if (m.values && m.values->count() > 0) {
    for (double p : {50.0, 95.0, 99.0}) {
      out +=
          "   p" + metric_number_text(p) + " " + std::to_string(m.values->value_at_percentile(p));
    }
  }
  if (m.non_numeric > 0) out += "   non-numeric " + std::to_string(m.non_numeric);
  if (m.missing > 0) out += "   missing " + std::to_string(m.missing);
  return out;
}

}  // namespace replay::results
