#pragma once
// Everything one run produced, as the saved result is built from it: the configuration as the
// user gave it, the measurements and the thresholds to check. Every view
// of the run renders from that result (replay/report/result_views.hpp), never from this.

#include <string>
#include <vector>

#include "replay/engine/engine.hpp"
#include "replay/results/result_doc.hpp"
#include "replay/results/threshold.hpp"

namespace replay::report {

struct RunReport {
  engine::RunConfig config;
  std::string rate_text;  // --rate as typed, "" for recorded timing
  engine::RunResult result;
  std::vector<results::Threshold> thresholds;  // checked on the saved result
  std::string users_text;                      // --users as typed, "" for an open-loop run
};

// The run as a saved result (what `replay report`, `compare` and `merge` read back): the
// configuration as typed, every scope with its histograms (copied), the timeline with its
// per-second percentiles, probes, and the saturation verdict and threshold outcomes, both
// analysed on that result (results::analyse_saturation, results::check_threshold).
results::ResultDoc to_result_doc(const RunReport& report);

// result.json as docs/result-format.md describes it (format "replay-result", version 1):
// results::format_result_doc of to_result_doc(report).
std::string format_result_json(const RunReport& report);

}  // namespace replay::report
