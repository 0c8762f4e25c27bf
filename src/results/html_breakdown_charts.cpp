#include "html_breakdown_charts.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "figures.hpp"
#include "html_page.hpp"
#include "html_stages.hpp"

namespace replay::results {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Axis time_axis() {
  return Axis{"time since start (s)", AxisScale::linear, true, {}, 0, 0};
}

// The views' whole timeline, so that small charts side by side share their time axis.
Axis shared_time_axis(const std::vector<RunView>& views) {
  Axis axis = time_axis();
  for (const auto& v : views) {
    if (!v.doc->timeline.empty()) {
      axis.max = std::max(axis.max, static_cast<double>(v.doc->timeline.back().second));
    }
  }
  return axis;
}

std::vector<const ResultDoc*> docs_of(const std::vector<RunView>& views) {
  std::vector<const ResultDoc*> docs;
  for (const auto& v : views) docs.push_back(v.doc);
  return docs;
}

// The timeline named `name` among `doc.*which` (by tag or by endpoint); nullptr when none.
const ScopeTimeline* find_timeline(const ResultDoc& doc, ScopeTimelines which,
                                   const std::string& name) {
  for (const auto& t : doc.*which) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// Long runs: one hover column every `step` seconds keeps the page small (at most ~600).
int64_t hover_step(int64_t seconds) {
  return std::max<int64_t>(1, (seconds + 599) / 600);
}

double latency_or_nan(int64_t us, double divisor) {
  return us > 0 ? static_cast<double>(us) / divisor : kNaN;
}

uint64_t count_of_code(const StatusCodeCounts& codes, int code) {
  for (const auto& [c, n] : codes) {
    if (c == code) return n;
  }
  return 0;
}

// Every code in the timeline's rows, increasing (`from`: the lowest code kept).
std::vector<int> codes_in(const ResultDoc& doc, int from) {
  std::vector<int> codes;
  for (const auto& row : doc.timeline) {
    for (const auto& [code, n] : row.status_codes) {
      if (code >= from && n && std::find(codes.begin(), codes.end(), code) == codes.end()) {
        codes.push_back(code);
      }
    }
  }
  std::sort(codes.begin(), codes.end());
  return codes;
}

// Codes in a class get shades in increasing order: the class's first code is its main colour.
std::vector<size_t> shades_of(const std::vector<int>& codes) {
  std::vector<size_t> shades;
  for (size_t i = 0; i < codes.size(); ++i) {
    shades.push_back(i > 0 && codes[i - 1] / 100 == codes[i] / 100 ? shades.back() + 1 : 0);
  }
  return shades;
}

std::string scope_hover(const RunView& v, const ScopeTimelineRow& row) {
  std::string text = v.label.empty() ? "" : v.label + ": ";
  return text + "p50 " + latency_text(static_cast<double>(row.p50_us)) + ", p99 " +
         latency_text(static_cast<double>(row.p99_us)) + " (" +
         compact_number(static_cast<double>(row.completed + row.failed) / v.runs) + " ended, " +
         compact_number(static_cast<double>(row.errors) / v.runs) + " errors)";
}

LineChart scope_chart(const std::vector<RunView>& views, ScopeTimelines which,
                      const std::string& name, size_t index) {
  double lo = INFINITY, hi = 0;
  int64_t last = -1;
  for (const auto& v : views) {
    const ScopeTimeline* t = find_timeline(*v.doc, which, name);
    if (!t) continue;
    for (const auto& row : t->rows) {
      last = std::max(last, row.second);
      for (int64_t us : {row.p50_us, row.p99_us}) {
        if (us <= 0) continue;
        lo = std::min(lo, static_cast<double>(us));
        hi = std::max(hi, static_cast<double>(us));
      }
    }
  }
  const LatencyUnit unit = latency_unit_for(hi);
  const bool log = hi > 0 && hi / lo > 30;
  LineChart chart(shared_time_axis(views),
                  Axis{std::string("latency (") + unit.name + (log ? ", log)" : ")"),
                       log ? AxisScale::log10 : AxisScale::linear,
                       true,
                       {},
                       0,
                       0},
                  540, 220);
  const double d = unit.divisor_us;
  const bool one = views.size() == 1;
  std::vector<std::string> hover(static_cast<size_t>(last + 1));
  for (const auto& v : views) {
    const ScopeTimeline* t = find_timeline(*v.doc, which, name);
    if (!t) continue;
    std::vector<std::pair<double, double>> p50, p99;
    Band band{"p50–p99", palette_colour(index), {}, {}, {}, 0.18};
    for (const auto& row : t->rows) {
      const auto x = static_cast<double>(row.second);
      p50.emplace_back(x, latency_or_nan(row.p50_us, d));
      p99.emplace_back(x, latency_or_nan(row.p99_us, d));
      band.x.push_back(x);
      band.low.push_back(p50.back().second);
      band.high.push_back(p99.back().second);
      if (row.second >= 0)
        hover[static_cast<size_t>(row.second)].append("\n").append(scope_hover(v, row));
    }
    const std::string prefix = v.label.empty() ? "" : v.label + " ";
    const std::string colour = one ? palette_colour(index) : v.colour;
    if (one) chart.add_band(std::move(band));
    chart.add_series({prefix + "p99", colour, std::move(p99), false, 2});
    chart.add_series({prefix + "p50", colour, std::move(p50), true, 1.6});
  }
  std::vector<double> xs;
  std::vector<std::string> texts;
  const auto step = static_cast<size_t>(hover_step(last + 1));
  for (size_t s = 0; s < hover.size(); s += step) {
    xs.push_back(static_cast<double>(s));
    texts.push_back(name + ", second " + std::to_string(s) + hover[s]);
  }
  chart.set_hover(std::move(xs), std::move(texts));
  add_stage_markers(chart, docs_of(views));
  return chart;
}

void set_row_hover(LineChart& chart, const RunView& v, const std::vector<int>& codes,
                   bool errors_only) {
  const ResultDoc& doc = *v.doc;
  auto count = [&](uint64_t n) { return compact_number(static_cast<double>(n) / v.runs); };
  std::vector<double> xs;
  std::vector<std::string> texts;
  const int64_t step = hover_step(doc.timeline.empty() ? 0 : doc.timeline.back().second + 1);
  for (const auto& row : doc.timeline) {
    if (row.second % step != 0) continue;
    std::string text = "second " + std::to_string(row.second);
    if (errors_only) text += ": " + count(row.errors) + " errors";
    for (int code : codes) {
      if (const uint64_t n = count_of_code(row.status_codes, code)) {
        text.append("\n").append(std::to_string(code)).append(": ").append(count(n));
      }
    }
    if (row.failed) text += "\nfailed (no response): " + count(row.failed);
    xs.push_back(static_cast<double>(row.second));
    texts.push_back(text);
  }
  chart.set_hover(std::move(xs), std::move(texts));
}

}  // namespace

const char* status_colour(int code, size_t shade) {
  static constexpr const char* k2xx[] = {"#2e9e50", "#8fd19e", "#1b6b35", "#5cb874"};
  static constexpr const char* k3xx[] = {"#4e79a7", "#9ab8d8", "#2c4f75"};
  static constexpr const char* k4xx[] = {"#e6a100", "#f5c85c", "#a66c00", "#ffe09a"};
  static constexpr const char* k5xx[] = {"#c62828", "#ef8a8a", "#7f1616", "#e05353"};
  switch (code / 100) {
    case 2:
      return k2xx[shade % std::size(k2xx)];
    case 3:
      return k3xx[shade % std::size(k3xx)];
    case 4:
      return k4xx[shade % std::size(k4xx)];
    case 5:
      return k5xx[shade % std::size(k5xx)];
    default:
      return "#9aa0aa";
  }
}

std::vector<NamedChart> scope_latency_charts(const std::vector<RunView>& views,
                                             ScopeTimelines which, size_t max_scopes) {
  std::vector<std::string> names;
  for (const auto& v : views) {
    for (const auto& t : v.doc->*which) {
      if (std::find(names.begin(), names.end(), t.name) == names.end()) names.push_back(t.name);
    }
  }
  std::vector<NamedChart> out;
  for (size_t i = 0; i < names.size() && i < max_scopes; ++i) {
    out.push_back({names[i], scope_chart(views, which, names[i], i)});
  }
  return out;
}

LineChart status_code_chart(const RunView& v, const std::vector<RunView>& shared) {
  const ResultDoc& doc = *v.doc;
  LineChart chart(shared.empty() ? time_axis() : shared_time_axis(shared),
                  Axis{"requests per second", AxisScale::linear, true, {}, 0, 0}, 1040, 260);
  const std::vector<int> codes = codes_in(doc, 0);
  if (codes.empty() && doc.overall.completed > 0) return chart;  // an older result: no codes
  const std::vector<size_t> shades = shades_of(codes);
  std::vector<double> xs, below(doc.timeline.size(), 0);
  for (const auto& row : doc.timeline) xs.push_back(static_cast<double>(row.second));
  auto add_layer = [&](const std::string& name, const char* colour, auto count) {
    Band band{name, colour, xs, below, below, 0.85};
    for (size_t i = 0; i < doc.timeline.size(); ++i) {
      band.high[i] += static_cast<double>(count(doc.timeline[i])) / v.runs;
      below[i] = band.high[i];
    }
    chart.add_band(std::move(band));
  };
  for (size_t k = 0; k < codes.size(); ++k) {
    add_layer(std::to_string(codes[k]), status_colour(codes[k], shades[k]),
              [&](const TimelineRow& r) { return count_of_code(r.status_codes, codes[k]); });
  }
  bool any_failed = false;
  for (const auto& row : doc.timeline) any_failed = any_failed || row.failed > 0;
  if (any_failed) {
    add_layer("failed (no response)", "#6a4c93", [](const TimelineRow& r) { return r.failed; });
  }
  set_row_hover(chart, v, codes, false);
  add_stage_markers(chart, {&doc});
  return chart;
}

LineChart error_cause_chart(const RunView& v, const std::vector<RunView>& shared) {
  const ResultDoc& doc = *v.doc;
  LineChart chart(shared.empty() ? time_axis() : shared_time_axis(shared),
                  Axis{"errors per second", AxisScale::linear, true, {}, 0, 0}, 1040, 240);
  if (doc.overall.errors == 0) return chart;
  const std::vector<int> codes = codes_in(doc, 400);
  const std::vector<size_t> shades = shades_of(codes);
  auto add_line = [&](const std::string& name, const char* colour, bool dashed, auto count) {
    Series s{name, colour, {}, dashed, 2};
    bool any = false;
    for (const auto& row : doc.timeline) {
      const auto n = static_cast<double>(count(row)) / v.runs;
      any = any || n > 0;
      s.points.emplace_back(static_cast<double>(row.second), n);
    }
    if (any) chart.add_series(std::move(s));
  };
  for (size_t k = 0; k < codes.size(); ++k) {
    add_line("HTTP " + std::to_string(codes[k]), status_colour(codes[k], shades[k]), false,
             [&](const TimelineRow& r) { return count_of_code(r.status_codes, codes[k]); });
  }
  add_line("failed (no response)", "#6a4c93", false, [](const TimelineRow& r) { return r.failed; });
  // What the row's errors hold beyond the codes and the failures: failed captures, and 4xx/5xx
  // of results written before rows kept codes.
  add_line("other errors", "#5b6475", true, [&](const TimelineRow& r) {
    uint64_t known = r.failed;
    for (const auto& [code, n] : r.status_codes) known += code >= 400 ? n : 0;
    return r.errors > known ? r.errors - known : 0;
  });
  set_row_hover(chart, v, codes, true);
  add_stage_markers(chart, {&doc});
  return chart;
}

}  // namespace replay::results
