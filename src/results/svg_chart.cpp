#include "svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace replay::results {
namespace {

constexpr double kLeft = 72, kRight = 40, kTop = 14, kBottom = 48;

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

double nice_step(double span, int target_ticks) {
  const double raw = span / target_ticks;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * magnitude) return m * magnitude;
  }
  return 10 * magnitude;
}

bool usable(double v, AxisScale scale) {
  return std::isfinite(v) && (scale == AxisScale::linear || v > 0);
}

double scaled(double v, AxisScale scale) {
  return scale == AxisScale::log10 ? std::log10(v) : v;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string compact_number(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e6) {
    std::snprintf(buf, sizeof buf, "%gM", std::round(v / 1e5) / 10);
  } else if (a >= 1e5) {
    std::snprintf(buf, sizeof buf, "%gk", std::round(v / 1e2) / 10);
  } else if (a >= 100 || a == 0) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  }
  return buf;
}

LineChart::LineChart(Axis x, Axis y, int width, int height)
    : x_(std::move(x)), y_(std::move(y)), width_(width), height_(height) {}

void LineChart::add_series(Series series) {
  series_.push_back(std::move(series));
}

void LineChart::add_band(Band band) {
  bands_.push_back(std::move(band));
}

void LineChart::add_marker(Marker marker) {
  markers_.push_back(std::move(marker));
}

void LineChart::style_overlay(std::string_view name_prefix, const OverlayStyle& style) {
  for (auto& s : series_) {
    if (s.name.compare(0, name_prefix.size(), name_prefix) != 0) continue;
    const std::string& dash = s.dashed || !s.dash.empty() ? style.dashed_dash : style.solid_dash;
    if (!dash.empty()) s.dash = dash;
    s.width += style.extra_width;
    s.opacity = style.opacity;
    s.layer = style.layer;
  }
}

void LineChart::set_hover(std::vector<double> xs, std::vector<std::string> texts) {
  hover_x_ = std::move(xs);
  hover_text_ = std::move(texts);
  hover_text_.resize(hover_x_.size());
}

bool LineChart::empty() const noexcept {
  for (const auto& s : series_) {
    for (const auto& [x, y] : s.points) {
      if (usable(x, x_.scale) && usable(y, y_.scale)) return false;
    }
  }
  for (const auto& b : bands_) {
    for (size_t i = 0; i < b.x.size(); ++i) {
      if (usable(b.low[i], y_.scale) && usable(b.high[i], y_.scale)) return false;
    }
  }
  return true;
}

LineChart::Range LineChart::data_range(bool x_axis) const {
  const Axis& axis = x_axis ? x_ : y_;
  if (axis.min < axis.max && axis.scale == AxisScale::log10 && axis.min > 0) {
    return {std::floor(std::log10(axis.min)), std::ceil(std::log10(axis.max))};
  }
  if (axis.min < axis.max) return {axis.min, axis.max};
  double lo = INFINITY, hi = -INFINITY;
  auto take = [&](double v) {
    if (!usable(v, axis.scale)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  };
  for (const auto& s : series_) {
    for (const auto& [x, y] : s.points) take(x_axis ? x : y);
  }
  for (const auto& b : bands_) {
    for (size_t i = 0; i < b.x.size(); ++i) {
      if (x_axis) {
        take(b.x[i]);
      } else {
        take(b.low[i]);
        take(b.high[i]);
      }
    }
  }
  if (lo > hi) return {0, 1};
  if (axis.scale == AxisScale::log10) {
    Range r{std::floor(std::log10(lo)), std::ceil(std::log10(hi))};
    if (r.hi <= r.lo) r.hi = r.lo + 1;
    return r;
  }
  if (axis.zero_based) lo = std::min(lo, 0.0);
  if (x_axis) return {lo, hi > lo ? hi : lo + 1};
  if (!axis.zero_based) {
    // Scaled to the data: a little room above and below, and a constant in the middle.
    const double pad = hi > lo ? (hi - lo) * 0.05 : std::max(std::fabs(lo) * 0.1, 0.5);
    lo -= pad;
    hi += pad;
  }
  if (hi <= lo) hi = lo + 1;
  const double step = nice_step(hi - lo, 5);
  return {std::floor(lo / step) * step, std::ceil(hi / step) * step};
}

double LineChart::to_px_x(double x) const {
  const double v = scaled(x, x_.scale);
  return kLeft + (v - x_range_.lo) / (x_range_.hi - x_range_.lo) * (width_ - kLeft - kRight);
}

double LineChart::to_px_y(double y) const {
  const double v = scaled(y, y_.scale);
  const double plot = height_ - kTop - kBottom;
  return kTop + plot - (v - y_range_.lo) / (y_range_.hi - y_range_.lo) * plot;
}

std::string LineChart::path_of(const std::vector<std::pair<double, double>>& points) const {
  std::string d;
  bool pen_down = false;
  for (const auto& [x, y] : points) {
    if (!usable(x, x_.scale) || !usable(y, y_.scale)) {
      pen_down = false;
      continue;
    }
    d += pen_down ? "L" : "M";
    d += fixed(to_px_x(x)) + " " + fixed(to_px_y(y));
    pen_down = true;
  }
  return d;
}

std::string LineChart::svg(const std::string& id, const std::string& title) {
  x_range_ = data_range(true);
  y_range_ = data_range(false);
  const double right = width_ - kRight, bottom = height_ - kBottom;
  std::string out = "<svg id=\"" + html_escape(id) + "\" class=\"chart\" viewBox=\"0 0 " +
                    std::to_string(width_) + " " + std::to_string(height_) +
                    "\" role=\"img\" aria-label=\"" + html_escape(title) +
                    "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  out += "<title>" + html_escape(title) + "</title>\n";
  // Ticks and grid.
  auto ticks_of = [&](const Axis& axis, Range r) {
    std::vector<std::pair<double, std::string>> ticks = axis.ticks;
    if (!ticks.empty()) return ticks;
    if (axis.scale == AxisScale::log10) {
      const bool fine = r.hi - r.lo <= 2;
      for (double e = r.lo; e <= r.hi + 1e-9; ++e) {
        for (double m : {1.0, 2.0, 5.0}) {
          if ((m != 1 && !fine) || e + std::log10(m) > r.hi + 1e-9) continue;
          const double v = m * std::pow(10, e);
          ticks.emplace_back(v, compact_number(v));
        }
      }
      return ticks;
    }
    const double step = nice_step(r.hi - r.lo, 6);
    for (double v = std::ceil(r.lo / step) * step; v <= r.hi + step * 1e-9; v += step) {
      ticks.emplace_back(v, compact_number(std::fabs(v) < step * 1e-9 ? 0 : v));
    }
    return ticks;
  };
  out += "<g class=\"grid\">\n";
  for (const auto& [v, label] : ticks_of(y_, y_range_)) {
    const std::string y = fixed(to_px_y(v));
    out += "<line x1=\"" + fixed(kLeft) + "\" x2=\"" + fixed(right) + "\" y1=\"" + y + "\" y2=\"" +
           y + "\"/><text class=\"tick\" x=\"" + fixed(kLeft - 6) + "\" y=\"" + y +
           "\" dy=\"4\" text-anchor=\"end\">" + html_escape(label) + "</text>\n";
  }
  for (const auto& [v, label] : ticks_of(x_, x_range_)) {
    const std::string x = fixed(to_px_x(v));
    out += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + fixed(kTop) + "\" y2=\"" +
           fixed(bottom) + "\"/><text class=\"tick\" x=\"" + x + "\" y=\"" + fixed(bottom + 16) +
           "\" text-anchor=\"middle\">" + html_escape(label) + "</text>\n";
  }
  out += "</g>\n";
  out += "<rect class=\"frame\" x=\"" + fixed(kLeft) + "\" y=\"" + fixed(kTop) + "\" width=\"" +
         fixed(right - kLeft) + "\" height=\"" + fixed(bottom - kTop) + "\"/>\n";
  out += "<text class=\"axis\" x=\"" + fixed((kLeft + right) / 2) + "\" y=\"" +
         fixed(height_ - 8.0) + "\" text-anchor=\"middle\">" + html_escape(x_.label) + "</text>\n";
  out += "<text class=\"axis\" transform=\"translate(16 " + fixed((kTop + bottom) / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + html_escape(y_.label) + "</text>\n";
  // Data, clipped to the plot area.
  const std::string clip = html_escape(id) + "-clip";
  out += "<clipPath id=\"" + clip + "\"><rect x=\"" + fixed(kLeft) + "\" y=\"" + fixed(kTop - 2) +
         "\" width=\"" + fixed(right - kLeft) + "\" height=\"" + fixed(bottom - kTop + 4) +
         "\"/></clipPath>\n<g clip-path=\"url(#" + clip + ")\">\n";
  for (const auto& b : bands_) {
    std::string d;
    size_t i = 0;
    while (i < b.x.size()) {
      auto ok = [&](size_t k) { return usable(b.low[k], y_.scale) && usable(b.high[k], y_.scale); };
      while (i < b.x.size() && !ok(i)) ++i;
      size_t end = i;
      while (end < b.x.size() && ok(end)) ++end;
      if (end > i) {
        auto point = [&](const char* command, size_t k, double y) {
          d.append(command).append(fixed(to_px_x(b.x[k]))).append(" ").append(fixed(to_px_y(y)));
        };
        for (size_t k = i; k < end; ++k) point(k == i ? "M" : "L", k, b.high[k]);
        for (size_t k = end; k-- > i;) point("L", k, b.low[k]);
        d += "Z";
      }
      i = end;
    }
    if (!d.empty()) {
      out += "<path class=\"band\" d=\"" + d + "\" fill=\"" + html_escape(b.colour) +
             "\" fill-opacity=\"" + compact_number(b.opacity) + "\" stroke=\"none\"/>\n";
    }
  }
  std::vector<const Series*> drawn;
  for (const auto& s : series_) drawn.push_back(&s);
  std::stable_sort(drawn.begin(), drawn.end(),
                   [](const Series* a, const Series* b) { return a->layer < b->layer; });
  for (const Series* series : drawn) {
    const Series& s = *series;
    const std::string d = path_of(s.points);
    if (d.empty()) continue;
    out += "<path class=\"line\" d=\"" + d + "\" fill=\"none\" stroke=\"" + html_escape(s.colour) +
           "\" stroke-width=\"" + fixed(s.width) + "\" stroke-linejoin=\"round\"" +
           (!s.dash.empty() ? " stroke-dasharray=\"" + html_escape(s.dash) + "\""
            : s.dashed      ? std::string(" stroke-dasharray=\"6 4\"")
                            : std::string()) +
           (s.opacity < 1 ? " stroke-opacity=\"" + compact_number(s.opacity) + "\"" : "") +
           "><title>" + html_escape(s.name) + "</title></path>\n";
  }
  out += "</g>\n";
  for (const auto& m : markers_) {
    if (!usable(m.x, x_.scale)) continue;
    const double v = scaled(m.x, x_.scale);
    if (v < x_range_.lo || v > x_range_.hi) continue;
    const double px = to_px_x(m.x);
    const bool near_right = px > right - 90;  // the label goes left of the line there
    const std::string x = fixed(px);
    out += "<g class=\"stage\" data-x=\"" + compact_number(m.x) + "\"><line x1=\"" + x +
           "\" x2=\"" + x + "\" y1=\"" + fixed(kTop) + "\" y2=\"" + fixed(bottom) +
           "\" stroke=\"#6b7385\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/><text x=\"" +
           fixed(near_right ? px - 4 : px + 4) + "\" y=\"" + fixed(kTop + 12) +
           (near_right ? "\" text-anchor=\"end" : "") + "\">" + html_escape(m.label) +
           "</text></g>\n";
  }
  // Hover columns: each spans halfway to its neighbours.
  for (size_t i = 0; i < hover_x_.size(); ++i) {
    const double x = to_px_x(hover_x_[i]);
    const double lo = i == 0 ? kLeft : (to_px_x(hover_x_[i - 1]) + x) / 2;
    const double hi = i + 1 == hover_x_.size() ? right : (to_px_x(hover_x_[i + 1]) + x) / 2;
    if (hi <= lo) continue;
    out += "<rect class=\"hover\" x=\"" + fixed(lo) + "\" y=\"" + fixed(kTop) + "\" width=\"" +
           fixed(hi - lo) + "\" height=\"" + fixed(bottom - kTop) + "\"><title>" +
           html_escape(hover_text_[i]) + "</title></rect>\n";
  }
  out += "</svg>\n";
  return out;
}

std::string LineChart::legend_html() const {
  std::string out = "<div class=\"legend\">";
  for (const auto& b : bands_) {
    out += "<span><i class=\"swatch band\" style=\"background:" + html_escape(b.colour) +
           ";opacity:" + compact_number(std::max(0.3, b.opacity)) + "\"></i>" +
           html_escape(b.name) + "</span>";
  }
  for (const auto& s : series_) {
    // A CSS border can only be solid, dashed or dotted: short dashes show as dotted.
    const char* border = !s.dash.empty() ? (std::atof(s.dash.c_str()) <= 3 ? "dotted " : "dashed ")
                         : s.dashed      ? "dashed "
                                         : "solid ";
    out += "<span><i class=\"swatch\" style=\"border-top:3px " + std::string(border) +
           html_escape(s.colour) +
           (s.opacity < 1 ? ";opacity:" + compact_number(s.opacity) : std::string()) + "\"></i>" +
           html_escape(s.name) + "</span>";
  }
  out += "</div>\n";
  return out;
}

}  // namespace replay::results
