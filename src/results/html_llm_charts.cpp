#include "html_llm_charts.hpp"

#include <cmath>

#include "html_stages.hpp"

namespace replay::results {
namespace {

Axis seconds_axis() {
  return Axis{"time since start (s)", AxisScale::linear, true, {}, 0, 0};
}

bool has_llm_rows(const ResultDoc& doc) {
  for (const auto& row : doc.timeline) {
    if (row.output_tokens > 0 || !row.ttft_hdr.empty() || !row.itl_hdr.empty()) return true;
  }
  return false;
}

}  // namespace

LineChart ttft_chart(const ResultDoc& doc) {
  LineChart chart(seconds_axis(), Axis{"TTFT and ITL (ms)", AxisScale::linear, true, {}, 0, 0},
                  1040, 240);
  if (!has_llm_rows(doc)) return chart;
  Series p99{"TTFT p99", "#0b3d70", {}, false, 2.2};
  Series p50{"TTFT p50", "#5b9bd5", {}, false, 2};
  Series itl99{"ITL p99", "#b35900", {}, true, 1.8};
  Series itl50{"ITL p50", "#e69138", {}, true, 1.6};
  for (const auto& row : doc.timeline) {
    const auto x = static_cast<double>(row.second);
    const bool any = !row.ttft_hdr.empty();
    p99.points.emplace_back(x, any ? static_cast<double>(row.ttft_p99_us) / 1000 : NAN);
    p50.points.emplace_back(x, any ? static_cast<double>(row.ttft_p50_us) / 1000 : NAN);
    const bool gaps = !row.itl_hdr.empty();
    itl99.points.emplace_back(x, gaps ? static_cast<double>(row.itl_p99_us) / 1000 : NAN);
    itl50.points.emplace_back(x, gaps ? static_cast<double>(row.itl_p50_us) / 1000 : NAN);
  }
  chart.add_series(std::move(p99));
  chart.add_series(std::move(p50));
  chart.add_series(std::move(itl99));
  chart.add_series(std::move(itl50));
  add_stage_markers(chart, {&doc});
  return chart;
}

LineChart tokens_chart(const ResultDoc& doc) {
  LineChart chart(seconds_axis(),
                  Axis{"output tokens per second", AxisScale::linear, true, {}, 0, 0}, 1040, 240);
  if (!has_llm_rows(doc)) return chart;
  Series tokens{"output tokens", "#1e7b43", {}, false, 2.2};
  for (const auto& row : doc.timeline) {
    tokens.points.emplace_back(static_cast<double>(row.second),
                               static_cast<double>(row.output_tokens));
  }
  chart.add_series(std::move(tokens));
  add_stage_markers(chart, {&doc});
  return chart;
}

}  // namespace replay::results
