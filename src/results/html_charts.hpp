#pragma once
// The charts of the HTML pages, for one run or overlaying several (before and after): latency
// over time, offered vs achieved rate, in-flight and backlog, probe series, percentile spectrum;
// every over-time chart marks the rate schedule's stage boundaries.

#include <string>
#include <vector>

#include "replay/results/result_doc.hpp"
#include "svg_chart.hpp"

namespace replay::results {

// One run on a chart. With a single view, charts show every series of the run; with several,
// each view's main series in its colour.
struct RunView {
  std::string label;  // "before", "after"; "" for a lone run
  std::string colour;
  const ResultDoc* doc = nullptr;
  double runs = 1;  // per-second counts are divided by it (pooled runs: the mean run)
};

// Corrected (and for one run, service-time) p50 and p99 per second, with a p50..p99 band.
LineChart latency_chart(const std::vector<RunView>& views);
// Offered and achieved (completed) requests per second, and errors for one run.
LineChart rate_chart(const std::vector<RunView>& views);
// Most requests in flight and waiting for a connection, per second.
LineChart concurrency_chart(const std::vector<RunView>& views);
// A chart with its name (a tag's, a probe's).
struct NamedChart {
  std::string name;
  LineChart chart;
};
// One small chart per probe in the timelines (none without probes), its y axis scaled to the
// probe's values; each view's series of it in the view's colour.
std::vector<NamedChart> probe_charts(const std::vector<RunView>& views);

struct SpectrumLine {
  std::string name;
  std::string colour;
  const Histogram* histogram = nullptr;
  bool dashed = false;
};
// Latency by percentile, HdrHistogram style: x is log10(1 / (1 - p)) from 0 % to 99.999 %.
LineChart spectrum_chart(const std::vector<SpectrumLine>& lines, int width = 1040,
                         int height = 300);

// The charts two to a row, each under its name as a heading; SVG ids `id_prefix`-0, -1, ...
std::string chart_grid_html(const std::string& id_prefix, std::vector<NamedChart>& charts);
// `note` with a sentence on the dashed stage markers when `chart` has any.
std::string with_stage_note(const LineChart& chart, const std::string& note);

// A categorical palette for endpoints (10 colours, cycling).
const char* palette_colour(size_t index);

inline constexpr const char* kBeforeColour = "#1f6fb4";
inline constexpr const char* kAfterColour = "#e8731a";

}  // namespace replay::results
