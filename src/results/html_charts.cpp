#include "html_charts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "figures.hpp"
#include "html_page.hpp"
#include "html_stages.hpp"

namespace replay::results {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
                                    "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#6b6b6b"};

Axis time_axis() {
  return Axis{"time since start (s)", AxisScale::linear, true, {}, 0, 0};
}

std::vector<const ResultDoc*> docs_of(const std::vector<RunView>& views) {
  std::vector<const ResultDoc*> docs;
  for (const auto& v : views) docs.push_back(v.doc);
  return docs;
}

std::string prefixed(const RunView& v, const std::string& name) {
  return v.label.empty() ? name : v.label + " " + name;
}

// A per-second value of `view`'s rows; NaN where `missing` says there is none.
template <class F>
std::vector<std::pair<double, double>> per_second(const RunView& view, F value) {
  std::vector<std::pair<double, double>> points;
  for (const auto& row : view.doc->timeline) {
    points.emplace_back(static_cast<double>(row.second), value(row));
  }
  return points;
}

double latency_or_nan(int64_t us, double divisor) {
  return us > 0 ? static_cast<double>(us) / divisor : kNaN;
}

// Hover texts, one per second present in any view.
void set_timeline_hover(LineChart& chart, const std::vector<RunView>& views,
                        std::string (*describe)(const RunView&, const TimelineRow&)) {
  int64_t last = -1;
  for (const auto& v : views) {
    if (!v.doc->timeline.empty()) last = std::max(last, v.doc->timeline.back().second);
  }
  // Long runs: one hover column per group of seconds keeps the page small.
  const int64_t step = std::max<int64_t>(1, (last + 1) / 600 + ((last + 1) % 600 != 0));
  std::vector<double> xs;
  std::vector<std::string> texts;
  for (int64_t s = 0; s <= last; s += step) {
    std::string text = "second " + std::to_string(s);
    for (const auto& v : views) {
      const auto& rows = v.doc->timeline;
      auto row =
          std::lower_bound(rows.begin(), rows.end(), s,
                           [](const TimelineRow& r, int64_t second) { return r.second < second; });
      if (row == rows.end() || row->second != s) continue;
      text += "\n";
      if (!v.label.empty()) text.append(v.label).append(": ");
      text += describe(v, *row);
    }
    xs.push_back(static_cast<double>(s));
    texts.push_back(text);
  }
  chart.set_hover(std::move(xs), std::move(texts));
}

std::string describe_latency(const RunView&, const TimelineRow& row) {
  return "p50 " + latency_text(static_cast<double>(row.p50_us)) + ", p99 " +
         latency_text(static_cast<double>(row.p99_us)) + " (service p50 " +
         latency_text(static_cast<double>(row.service_p50_us)) + ", p99 " +
         latency_text(static_cast<double>(row.service_p99_us)) + ")";
}

std::string describe_rate(const RunView& v, const TimelineRow& row) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "offered %s, sent %s, completed %s, failed %s, errors %s",
                compact_number(static_cast<double>(row.offered) / v.runs).c_str(),
                compact_number(static_cast<double>(row.sent) / v.runs).c_str(),
                compact_number(static_cast<double>(row.completed) / v.runs).c_str(),
                compact_number(static_cast<double>(row.failed) / v.runs).c_str(),
                compact_number(static_cast<double>(row.errors) / v.runs).c_str());
  return buf;
}

std::string describe_concurrency(const RunView& v, const TimelineRow& row) {
  return "in flight " + compact_number(static_cast<double>(row.in_flight) / v.runs) + ", backlog " +
         compact_number(static_cast<double>(row.backlog) / v.runs);
}

}  // namespace

const char* palette_colour(size_t index) {
  return kPalette[index % std::size(kPalette)];
}

LineChart latency_chart(const std::vector<RunView>& views) {
  double lo = INFINITY, hi = 0;
  for (const auto& v : views) {
    for (const auto& row : v.doc->timeline) {
      for (int64_t us : {row.p50_us, row.p99_us, row.service_p50_us, row.service_p99_us}) {
        if (us <= 0) continue;
        lo = std::min(lo, static_cast<double>(us));
        hi = std::max(hi, static_cast<double>(us));
      }
    }
  }
  const LatencyUnit unit = latency_unit_for(hi);
  const bool log = hi > 0 && hi / lo > 30;
  LineChart chart(time_axis(),
                  Axis{std::string("latency (") + unit.name + (log ? ", log scale)" : ")"),
                       log ? AxisScale::log10 : AxisScale::linear,
                       true,
                       {},
                       0,
                       0});
  const double d = unit.divisor_us;
  if (views.size() == 1) {
    const RunView& v = views[0];
    Band band{"corrected p50–p99", "#1f6fb4", {}, {}, {}};
    for (const auto& row : v.doc->timeline) {
      band.x.push_back(static_cast<double>(row.second));
      band.low.push_back(latency_or_nan(row.p50_us, d));
      band.high.push_back(latency_or_nan(row.p99_us, d));
    }
    chart.add_band(std::move(band));
    chart.add_series(
        {"corrected p99", "#0b3d70",
         per_second(v, [&](const TimelineRow& r) { return latency_or_nan(r.p99_us, d); }), false,
         2.2});
    chart.add_series(
        {"corrected p50", "#1f6fb4",
         per_second(v, [&](const TimelineRow& r) { return latency_or_nan(r.p50_us, d); }), false,
         2});
    chart.add_series(
        {"service p99", "#1e7b43",
         per_second(v, [&](const TimelineRow& r) { return latency_or_nan(r.service_p99_us, d); }),
         true, 1.6});
    chart.add_series(
        {"service p50", "#3fb068",
         per_second(v, [&](const TimelineRow& r) { return latency_or_nan(r.service_p50_us, d); }),
         true, 1.6});
  } else {
    for (const auto& v : views) {
      chart.add_series(
          {prefixed(v, "p99"), v.colour,
           per_second(v, [&](const TimelineRow& r) { return latency_or_nan(r.p99_us, d); }), false,
           2.2});
      chart.add_series(
          {prefixed(v, "p50"), v.colour,
           per_second(v, [&](const TimelineRow& r) { return latency_or_nan(r.p50_us, d); }), true,
           1.8});
    }
  }
  set_timeline_hover(chart, views, describe_latency);
  add_stage_markers(chart, docs_of(views));
  return chart;
}

LineChart rate_chart(const std::vector<RunView>& views) {
  LineChart chart(time_axis(), Axis{"requests per second", AxisScale::linear, true, {}, 0, 0}, 1040,
                  260);
  for (const auto& v : views) {
    auto rate = [&](uint64_t TimelineRow::*field) {
      return per_second(
          v, [&](const TimelineRow& r) { return static_cast<double>(r.*field) / v.runs; });
    };
    const bool one = views.size() == 1;
    chart.add_series({prefixed(v, "offered"), one ? "#8a8f99" : v.colour,
                      rate(&TimelineRow::offered), true, 1.8});
    chart.add_series({prefixed(v, "achieved (completed)"), one ? "#1f6fb4" : v.colour,
                      rate(&TimelineRow::completed), false, 2.2});
    if (one) chart.add_series({"errors", "#c62828", rate(&TimelineRow::errors), false, 1.6});
  }
  set_timeline_hover(chart, views, describe_rate);
  add_stage_markers(chart, docs_of(views));
  return chart;
}

LineChart concurrency_chart(const std::vector<RunView>& views) {
  LineChart chart(time_axis(), Axis{"requests", AxisScale::linear, true, {}, 0, 0}, 1040, 240);
  for (const auto& v : views) {
    const bool one = views.size() == 1;
    chart.add_series(
        {prefixed(v, "in flight (max)"), one ? "#7b4fb0" : v.colour,
         per_second(
             v, [&](const TimelineRow& r) { return static_cast<double>(r.in_flight) / v.runs; }),
         false, 2});
    chart.add_series(
        {prefixed(v, "backlog (max)"), one ? "#c62828" : v.colour,
         per_second(v,
                    [&](const TimelineRow& r) { return static_cast<double>(r.backlog) / v.runs; }),
         true, 1.8});
  }
  set_timeline_hover(chart, views, describe_concurrency);
  add_stage_markers(chart, docs_of(views));
  return chart;
}

std::vector<NamedChart> probe_charts(const std::vector<RunView>& views) {
  std::vector<std::string> names;
  for (const auto& v : views) {
    for (const auto& row : v.doc->timeline) {
      for (const auto& p : row.probes) {
        if (std::find(names.begin(), names.end(), p.name) == names.end()) names.push_back(p.name);
      }
    }
  }
  std::vector<NamedChart> out;
  for (size_t i = 0; i < names.size(); ++i) {
    // Scaled to the probe's own values: a gauge near 1000 or a constant is not a flat line at 0.
    Axis x = time_axis();
    for (const auto& v : views) {
      if (!v.doc->timeline.empty()) {
        x.max = std::max(x.max, static_cast<double>(v.doc->timeline.back().second));
      }
    }
    LineChart chart(std::move(x), Axis{names[i], AxisScale::linear, false, {}, 0, 0}, 540, 220);
    for (const auto& v : views) {
      auto points = per_second(v, [&](const TimelineRow& r) {
        for (const auto& p : r.probes) {
          if (p.name == names[i]) return p.value;
        }
        return kNaN;
      });
      chart.add_series({prefixed(v, names[i]), views.size() == 1 ? palette_colour(i) : v.colour,
                        std::move(points), false, 2});
    }
    add_stage_markers(chart, docs_of(views));
    out.push_back({names[i], std::move(chart)});
  }
  return out;
}

LineChart spectrum_chart(const std::vector<SpectrumLine>& lines, int width, int height) {
  constexpr double kMaxNines = 5;  // 99.999 %
  double p1 = INFINITY, p50 = INFINITY, top = 0;
  for (const auto& l : lines) {
    if (l.histogram->count() == 0) continue;
    p1 = std::min(p1,
                  static_cast<double>(std::max<int64_t>(1, l.histogram->value_at_percentile(1))));
    p50 = std::min(p50,
                   static_cast<double>(std::max<int64_t>(1, l.histogram->value_at_percentile(50))));
    top = std::max(top, static_cast<double>(l.histogram->max()));
  }
  const LatencyUnit unit = latency_unit_for(top);
  const bool log = top > 0 && top / p50 > 50;
  Axis y{std::string("latency (") + unit.name + (log ? ", log scale)" : ")"),
         log ? AxisScale::log10 : AxisScale::linear,
         true,
         {},
         0,
         0};
  if (log) {
    // The lowest percent is left out of the range: a few tiny values would add empty decades.
    y.min = p1 / unit.divisor_us;
    y.max = top / unit.divisor_us;
  }
  Axis x{"percentile (log scale of 1/(1-p))",
         AxisScale::linear,
         true,
         {{0, "0%"}, {1, "90%"}, {2, "99%"}, {3, "99.9%"}, {4, "99.99%"}, {5, "99.999%"}},
         0,
         kMaxNines};
  LineChart chart(std::move(x), std::move(y), width, height);
  constexpr int kSteps = 250;
  std::vector<double> hover_x;
  std::vector<std::string> hover_text;
  for (int i = 0; i <= 50; ++i) {
    const double nines = kMaxNines * i / 50;
    const double p = 100 * (1 - std::pow(10, -nines));
    hover_x.push_back(nines);
    char head[48];
    std::snprintf(head, sizeof head, "p%.4g", p);
    std::string text = head;
    for (const auto& l : lines) {
      if (l.histogram->count() == 0) continue;
      text += "\n" + l.name + ": " +
              latency_text(static_cast<double>(l.histogram->value_at_percentile(p)));
    }
    hover_text.push_back(text);
  }
  for (const auto& l : lines) {
    std::vector<std::pair<double, double>> points;
    if (l.histogram->count() > 0) {
      for (int i = 0; i <= kSteps; ++i) {
        const double nines = kMaxNines * i / kSteps;
        const double p = 100 * (1 - std::pow(10, -nines));
        const auto us = static_cast<double>(l.histogram->value_at_percentile(p));
        points.emplace_back(nines, log && us <= 0 ? kNaN : us / unit.divisor_us);
      }
    }
    chart.add_series({l.name, l.colour, std::move(points), l.dashed, 2});
  }
  chart.set_hover(std::move(hover_x), std::move(hover_text));
  return chart;
}

std::string chart_grid_html(const std::string& id_prefix, std::vector<NamedChart>& charts) {
  std::string out = "<div class=\"grid2\">\n";
  for (size_t i = 0; i < charts.size(); ++i) {
    auto& [name, chart] = charts[i];
    out += "<div><h3>" + html_escape(name) + "</h3>\n" + chart.legend_html() +
           chart.svg(id_prefix + "-" + std::to_string(i), name) + "</div>\n";
  }
  return out + "</div>\n";
}

std::string with_stage_note(const LineChart& chart, const std::string& note) {
  size_t stages = 0, ends = 0;
  for (const auto& m : chart.markers()) (m.label == kEndOfLoadLabel ? ends : stages) += 1;
  if (stages + ends == 0) return note;
  std::string sentence = stages ? "Dashed verticals: the rate schedule's stage boundaries"
                                : "Dashed vertical: the end of the load";
  if (stages && ends) sentence += " and the end of the load";
  return note + (note.empty() ? "" : " ") + sentence + ".";
}

}  // namespace replay::results
