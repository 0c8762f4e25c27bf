#pragma once
// Every view of a run, rendered from its saved result (results::ResultDoc): `replay run` builds
// the document once and renders these from it, `replay report` from the document read back,
// so the two print the same bytes.

#include <string>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::report {

// The terminal summary: whether the run was interrupted and its warnings; totals, with the
// run's elapsed time once and the offered rate over the offered load (whose length is named only
// when it differs from the elapsed time); percentile table (corrected, service, send lag and its
// parts scheduler lag, connection wait and connect, TTFB) with a line on the failures the
// corrected latency includes as lower bounds; per-endpoint and per-tag tables ("-" for a scope
// without latency); errors by cause (transport causes, abandoned requests explained, failed
// captures, aborted session steps, 4xx/5xx); probes; the shard; the saturation line naming every
// limit that holds; thresholds.
std::string format_summary(const results::ResultDoc& doc);
// The summary's first lines, the run's plan (trace, target, schedule, threads, connections):
// format_summary starts with them, and they need only the doc's config.
std::string format_summary_header(const results::ResultDoc& doc);

// A markdown summary for a CI job summary or a pull-request comment: a headline with the
// verdict (thresholds passed or crossed, or the saturation verdict without thresholds), the
// run in one line, a table of overall and per-endpoint requests, rate, errors and corrected
// p50/p95/p99, and the thresholds with a check mark or a cross.
std::string format_summary_markdown(const results::ResultDoc& doc);

// The per-second timeline as CSV: one row per second for "all", one per tag and, when the run
// kept endpoint timelines, one per endpoint (its scope column "endpoint:GET /x"), with counts
// (offered, sent, completed, failed, errors; in-flight and backlog for "all"), corrected p50/p99
// (ms, completions and failures), service p50/p99 for "all", and one column per probe.
std::string format_timeline_csv(const results::ResultDoc& doc);

// HdrHistogram percentile-distribution files for --hgrm: corrected.hgrm, service.hgrm and
// corrected-<tag>.hgrm per tag, in `dir` (created if missing); returns the paths written.
// Errc::io naming the file.
Result<std::vector<std::string>> write_hgrm_files(const results::ResultDoc& doc,
                                                  const std::string& dir);

}  // namespace replay::report
