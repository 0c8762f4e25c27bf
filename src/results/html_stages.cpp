#include "html_stages.hpp"

#include <cmath>
#include <string>

#include "replay/schedule/rate.hpp"

namespace replay::results {
namespace {

std::string per_second_text(double per_s) {
  return compact_number(per_s) + "/s";
}

std::string stage_text(const schedule::Stage& stage) {
  if (stage.from_per_s == stage.to_per_s) return per_second_text(stage.from_per_s);
  return per_second_text(stage.from_per_s) + "→" + per_second_text(stage.to_per_s);
}

}  // namespace

std::vector<Marker> stage_markers(const ResultDoc& doc) {
  std::vector<Marker> out;
  if (doc.load_us <= 0) return out;
  const std::string rate = doc.config_text("rate");
  auto parsed = schedule::parse_rate_schedule(rate);
  if (!rate.empty() && parsed.ok()) {
    const auto& stages = parsed.value().stages;
    int64_t end_us = 0;
    for (size_t i = 0; i + 1 < stages.size(); ++i) {
      if (stages[i].duration_us == schedule::kOpenEnded) break;
      end_us += stages[i].duration_us;
      if (end_us >= doc.load_us) break;  // the end of the load, marked below
      out.push_back({static_cast<double>(end_us) / 1e6, stage_text(stages[i + 1])});
    }
  }
  const double load_s = static_cast<double>(doc.load_us) / 1e6;
  if (!doc.timeline.empty() && static_cast<double>(doc.timeline.back().second) >= load_s) {
    out.push_back({load_s, kEndOfLoadLabel});
  }
  return out;
}

void add_stage_markers(LineChart& chart, const std::vector<const ResultDoc*>& docs) {
  std::vector<double> added;
  for (const ResultDoc* doc : docs) {
    for (auto& m : stage_markers(*doc)) {
      bool seen = false;
      for (double x : added) seen = seen || std::fabs(x - m.x) < 1e-3;
      if (seen) continue;
      added.push_back(m.x);
      chart.add_marker(std::move(m));
    }
  }
}

}  // namespace replay::results
