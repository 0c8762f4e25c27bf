#pragma once
// Which limit a run hit, named so that replay or its configuration is never blamed on the
// service: generator-limited (replay could not send on time: its scheduler lag is large),
// client-limited (requests waited for a connection: --max-connections, or the open-file limit
// below it, was reached), and service saturated (corrected latency keeps growing while fewer
// requests complete than are offered, and the service's own time grows too whenever one of the
// other two holds). One analysis for `replay run` and for a saved or merged result.

#include <cstdint>
#include <optional>
#include <vector>

#include "replay/results/result_doc.hpp"

namespace replay::results {

// What the run measured of replay's own limits (completed requests).
struct LimitEvidence {
  int64_t scheduler_lag_p99_us = 0;
  int64_t connection_wait_p99_us = 0;
  // Set when the open-file limit, not --max-connections, capped the connections.
  std::optional<ResultDoc::ResourceLimit> open_files;
};

// The evidence in the scheduler lag and connection wait of `overall` (empty in results written
// before send lag was split, which then name neither limit) and in `resource_limit`.
LimitEvidence limit_evidence(const Scope& overall,
                             const std::optional<ResultDoc::ResourceLimit>& resource_limit = {});

// Generator- and client-limited come from `evidence` (any length of run). Service saturation
// analyses the rows (indexed by second) in which load was offered, leaving out the first
// (warm-up) and the last (partial): it needs at least 5 such seconds, else the summary says
// "too short to judge".
Saturation analyse_saturation(const std::vector<TimelineRow>& timeline,
                              const LimitEvidence& evidence = {});

// The verdict of `doc`: its timeline, with the evidence of its overall scope and resource limit.
Saturation analyse_saturation(const ResultDoc& doc);

}  // namespace replay::results
