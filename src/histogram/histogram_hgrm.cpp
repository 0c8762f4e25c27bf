#include <charconv>
#include <cmath>
#include <string>

#include "replay/histogram/histogram.hpp"

namespace replay::histogram {
namespace {

constexpr int kValueDecimals = 3;  // HdrHistogram prints numberOfSignificantValueDigits decimals

void append_padded(std::string& out, std::string_view text, size_t width) {
  if (text.size() < width) out.append(width - text.size(), ' ');
  out += text;
}

// printf("%<width>.<decimals>f") without the locale: the plotter expects '.' decimals.
void append_fixed(std::string& out, double value, int decimals, size_t width) {
  char buf[400];
  const auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
  append_padded(out, ec == std::errc() ? std::string_view(buf, end - buf) : "inf", width);
}

void append_count(std::string& out, uint64_t value, size_t width) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  append_padded(out, std::string_view(buf, ec == std::errc() ? end - buf : 0), width);
}

// HdrHistogram's PercentileIterator step: `ticks` levels per halving of the distance to 100 %.
double next_percentile_level(double level, int ticks) {
  const auto halvings = static_cast<int64_t>(std::log(100.0 / (100.0 - level)) / std::log(2.0));
  const double reporting_ticks = ticks * std::ldexp(1.0, static_cast<int>(halvings) + 1);
  return level + 100.0 / reporting_ticks;
}

}  // namespace

void Histogram::write_hgrm(std::string& out, double value_unit_scale,
                           int ticks_per_half_distance) const {
  const double scale =
      value_unit_scale > 0 && std::isfinite(value_unit_scale) ? value_unit_scale : 1.0;
  const int ticks = std::max(ticks_per_half_distance, 1);

  append_padded(out, "Value", 12);
  out += ' ';
  append_padded(out, "Percentile", 14);
  out += ' ';
  append_padded(out, "TotalCount", 10);
  out += ' ';
  append_padded(out, "1/(1-Percentile)", 14);
  out += "\n\n";

  const auto append_line = [&](int64_t value_us, double level, uint64_t total, bool last) {
    append_fixed(out, static_cast<double>(value_us) / scale, kValueDecimals, 12);
    out += ' ';
    append_fixed(out, level / 100.0, 12, 2);
    out += ' ';
    append_count(out, total, 10);
    if (!last) {
      out += ' ';
      append_fixed(out, 1.0 / (1.0 - level / 100.0), 2, 14);
    }
    out += '\n';
  };

  if (count_ != 0) {
    // As PercentileIterator: each bucket reports every level its cumulative share reaches, the
    // bucket that completes the count reports once, then a final line at 100 %.
    const size_t last = index_of(static_cast<uint64_t>(max_));
    const auto total = static_cast<double>(count_);
    double level = 0.0;
    uint64_t seen = 0;
    for (size_t i = index_of(static_cast<uint64_t>(min_)); i <= last && seen < count_; ++i) {
      if (counts_[i] == 0) continue;
      seen += counts_[i];
      const double reached = 100.0 * static_cast<double>(seen) / total;
      while (reached >= level && level < 100.0) {
        append_line(reported_value_at(i), level, seen, false);
        level = next_percentile_level(level, ticks);
        if (seen == count_) break;
      }
    }
    append_line(max_, 100.0, count_, true);
  }

  out += "#[Mean    = ";
  append_fixed(out, mean() / scale, kValueDecimals, 12);
  out += ", StdDeviation   = ";
  append_fixed(out, stddev() / scale, kValueDecimals, 12);
  out += "]\n#[Max     = ";
  append_fixed(out, static_cast<double>(max()) / scale, kValueDecimals, 12);
  out += ", Total count    = ";
  append_count(out, count_, 12);
  out += "]\n#[Buckets = ";
  append_count(out, kBucketCount, 12);
  out += ", SubBuckets     = ";
  append_count(out, kSubBucketCount, 12);
  out += "]\n";
}

}  // namespace replay::histogram
