#pragma once
// The flags of `replay run` as typed, the checks that look at several of them at once or at a
// range (out-of-range values, pairs of flags where one would silently undo the other), and
// their resolution into the engine's configuration (also `replay capacity`'s).

#include <optional>
#include <string>
#include <vector>

#include "live_outputs.hpp"
#include "replay/core/result.hpp"
#include "replay/engine/engine.hpp"

namespace replay::cli {

struct RunFlags {
  engine::RunConfig config;
  std::string rate;
  std::string users;       // --users: a count or user stages (closed loop)
  std::string spawn_rate;  // --spawn-rate: users started per second, with a plain count
  std::string think;       // --think: a pause before each of a user's sessions ("1s..3s")
  std::string arrival;
  std::string speed = "1x";
  std::string duration;
  std::string timeout = "30s";
  std::string connect_timeout = "10s";
  std::string drain;
  std::string start_at;
  std::vector<std::string> only, skip, headers, thresholds, warnings, probes, abort_on;
  std::string out_path, hgrm_dir, csv_path, html_path, hlog_path;
  std::string shard;
  unsigned shards = 0;
  // LLM streams: --goodput SLOs, --stream-format, --stream-content and --stream-tokens pointers.
  std::string goodput, stream_format = "auto", stream_content, stream_tokens;
  LiveFlags live;                  // --metrics-listen, --dashboard, --metrics-linger
  std::optional<int64_t> threads;  // none: one per core
  int64_t max_connections = 1000;
  int64_t max_streams = 100;
  bool http2 = false;  // --http2: --http 2
  bool quiet = false;
  bool no_tls_resume = false;
  // Whether these were typed, which their defaults cannot tell.
  bool speed_given = false;
  bool seed_given = false;
};

// The most --threads a run may ask for: 4 per hardware thread, and at least 4. Past it, threads
// only cost start-up time and memory (1000 took 17 s and 1.7 GB before sending anything).
unsigned max_threads();

// Checks the ranges of --threads (1..max_threads()), --max-connections (1 or more), --timeout
// and --connect-timeout (1ms or more), and refuses --speed with --rate, --shard with --shards,
// --insecure with --cacert, --seed without --arrival poisson, and with --users: --rate,
// --arrival, --shard(s) and --spawn-rate without a plain count. On success sets
// config.threads and config.max_connections. Errors: Errc::invalid_argument naming the flags.
Result<void> check_run_flags(RunFlags& f);

// Turns the flags' text into the engine's configuration (rate schedule, arrival, durations, tags,
// -H headers checked for CR/LF/NUL, probes, LLM stream options and --goodput, shards, the dev JWT
// secret, the trace's base URL when --target is not given); run it after check_run_flags. Errors:
// Errc::invalid_argument naming the flag, or the trace reader's when the trace must be opened for
// its base URL.
Result<void> resolve_run_flags(RunFlags& f);

// Whether the run keeps anything but its exit code: a summary, an output file or a threshold.
bool keeps_results(const RunFlags& f);

}  // namespace replay::cli
