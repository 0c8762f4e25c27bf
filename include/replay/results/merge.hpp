#pragma once
// Combining saved runs: the shards of one sharded run into one result (exactly, on wall-clock),
// and repeated runs of one side of a comparison into a pool.

#include <cstdint>
#include <string>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// Merges the shards of one run (`replay run --shard i/N`) as if one process had run them all:
// scopes merged exactly (histograms, counts, failure causes); timelines aligned on wall-clock
// (each shard's second 0 is its started_unix_ms, rounded to the nearest whole second from the
// earliest start) with counts, in-flight and backlog summed, per-second histograms merged and
// probe samples of a second combined by max (every shard probes the same target); threads,
// connections and skipped records summed; warnings listed once each, the longest drain, and
// trace_ended_at_us the latest of the shards' whose trace ran out (on the merged seconds); the
// saturation verdict re-analysed on the merged timeline and merged send-lag parts, and the
// shards' thresholds re-evaluated on the merged result.
// Configurations must match except for the shard (`config.shard`, "i/N", whose indices must
// be distinct and whose N must agree; merged as "i,j,.../N") and the thread count; otherwise
// Errc::invalid_argument naming both files and the field. One shard gives back its own result.
// Errc::invalid_argument for an empty list.
Result<ResultDoc> merge_shards(const std::vector<ResultDoc>& shards);

// Several runs of the same test pooled into one side of a comparison.
struct PooledRuns {
  // Scopes merged exactly; timelines aligned on each run's second 0 (run-relative, not
  // wall-clock) and summed; started_unix_ms of the first run; load_us, elapsed_us, drain_us
  // and trace_ended_at_us the longest run's; warnings of every run, once each; saturation and
  // thresholds of the first run.
  ResultDoc doc;
  std::vector<std::string> sources;     // each run's file
  std::vector<Saturation> saturations;  // each run's verdict
  uint64_t completed_during_load = 0;   // summed over runs
  int64_t load_seconds = 0;             // summed over runs
  size_t runs = 0;
};

// Pools `runs` (at least one; Errc::invalid_argument otherwise). Configurations may differ.
Result<PooledRuns> pool_runs(std::vector<ResultDoc> runs);

}  // namespace replay::results
