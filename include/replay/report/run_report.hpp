#pragma once
// Everything one run produced, as the reports need it: the configuration as the user gave it,
// the measurements, the saturation verdict and the threshold outcomes.

#include <string>
#include <vector>

#include "replay/engine/engine.hpp"
#include "replay/engine/saturation.hpp"
#include "replay/engine/threshold.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::report {

struct RunReport {
  engine::RunConfig config;
  std::string rate_text;  // --rate as typed, "" for recorded timing
  engine::RunResult result;
  engine::SaturationVerdict saturation;
  std::vector<engine::ThresholdOutcome> thresholds;
};

// The terminal summary: whether the run was interrupted and its warnings; totals, with the
// run's elapsed time once and the offered rate over the offered load (whose length is named only
// when it differs from the elapsed time); percentile table (corrected, service, send lag and its
// parts scheduler lag, connection wait and connect, TTFB) with a line on the failures the
// corrected latency includes as lower bounds; per-endpoint and per-tag tables ("-" for a scope
// without latency); errors by cause (transport causes, abandoned requests explained, failed
// captures, aborted session steps, 4xx/5xx); the saturation line naming every limit that holds;
// thresholds.
std::string format_summary(const RunReport& report);

// The run as a saved result (what `replay report`, `compare` and `merge` read back): the
// configuration as typed, every scope with its histograms (copied), the timeline with its
// per-second percentiles, probes, the saturation verdict and the threshold outcomes.
results::ResultDoc to_result_doc(const RunReport& report);

// result.json as docs/result-format.md describes it (format "replay-result", version 1):
// results::format_result_doc of to_result_doc(report).
std::string format_result_json(const RunReport& report);

// The per-second timeline as CSV: one row per second for "all" and one per tag, with counts
// (offered, sent, completed, failed, errors; in-flight and backlog for "all"), corrected p50/p99
// (ms, completions and failures), service p50/p99 for "all", and one column per probe.
std::string format_timeline_csv(const RunReport& report);

// HdrHistogram percentile-distribution files for --hgrm: corrected.hgrm, service.hgrm and
// corrected-<tag>.hgrm per tag, in `dir` (created if missing). Errc::io naming the file.
Result<std::vector<std::string>> write_hgrm_files(const RunReport& report, const std::string& dir);

}  // namespace replay::report
