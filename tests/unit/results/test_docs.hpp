#pragma once
// Builders of result documents for the results tests: runs written by the report component's
// own writer (what `replay run --out` produces) and small documents made in memory.

#include <cstdint>
#include <string>
#include <vector>

#include "replay/results/result_doc.hpp"

namespace replay::testing {

// One request of a synthetic run: completed unless `outcome` says otherwise.
struct Sample {
  int64_t second = 0;      // completion (or failure) second
  int64_t latency_us = 0;  // corrected; service is 90 % of it
  std::string endpoint = "GET /a";
  std::string tag = "t";
  int status = 200;
  // "": completed. A transport cause ("reset", "timeout", ...): failed after latency_us, in the
  // corrected latency as a lower bound. "capture_failed": completed without a value to capture.
  // "session_aborted": a session step never sent (no latency).
  std::string outcome;
  // Send lag's parts of a completed request (send lag is their sum); -1: latency_us / 40, / 20
  // and / 40.
  int64_t scheduler_lag_us = -1;
  int64_t connection_wait_us = -1;
  int64_t connect_us = -1;
};

// How a synthetic run ended: RunResult's fields of the same names (and whether it was run with
// --endpoint-timeline).
struct RunEnding {
  bool endpoint_timeline = false;
  bool interrupted = false;
  int64_t drain_us = 30'000'000;
  int64_t trace_ended_at_us = -1;
  std::vector<std::string> warnings;
};

// result.json text for `samples` as report::format_result_json writes it, with config
// rate "100/s", the given started time, threads and shard (none when empty) and thresholds; the
// saturation verdict analysed with the evidence of the overall scheduler lag and connection wait.
std::string write_run_json(const std::vector<Sample>& samples, int64_t started_unix_ms,
                           unsigned threads = 2, const std::vector<std::string>& thresholds = {},
                           const RunEnding& ending = {});

// The same run parsed by results::parse_result_json (REQUIRE-d to succeed).
results::ResultDoc make_run(const std::vector<Sample>& samples,
                            int64_t started_unix_ms = 1'700'000'000'000, unsigned threads = 2,
                            const std::vector<std::string>& thresholds = {},
                            const RunEnding& ending = {});

// `count` samples over `seconds` seconds on one endpoint and tag, latencies spread
// deterministically around `center_us` (+-20 %).
std::vector<Sample> spread_samples(int count, int seconds, int64_t center_us,
                                   const std::string& endpoint = "GET /a", uint64_t seed = 1,
                                   const std::string& tag = "t");

// The first difference between two JSON texts ("" when equal), numbers compared to a relative
// 1e-12, object keys in any order.
std::string json_difference(const std::string& a, const std::string& b);

}  // namespace replay::testing
