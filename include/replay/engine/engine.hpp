#pragma once
// `replay run` without its front end: replays a trace open-loop against a target and returns
// the merged measurements. The calling thread reads the trace and feeds the workers.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/engine/live_counts.hpp"
#include "replay/engine/probe.hpp"
#include "replay/engine/run_stats.hpp"
#include "replay/llm/goodput.hpp"
#include "replay/llm/stream_format.hpp"
#include "replay/schedule/arrivals.hpp"
#include "replay/schedule/users.hpp"

namespace replay::engine {

struct RunConfig {
  std::string trace_path;
  std::string target_url;                      // "http://127.0.0.1:8000"
  std::optional<schedule::RateSchedule> rate;  // none: the trace's recorded timing
  // Closed-loop users instead of a schedule of requests (not with `rate` or shards): each user
  // runs the trace's sessions one after another, a step one think time after the previous
  // ended. Without --duration or stages that end, the trace's sessions run once.
  std::optional<schedule::UserSchedule> users;
  // --users: a pause before each of a user's sessions after its first, drawn evenly from
  // [think_min_us, think_max_us] (Locust's wait_time between tasks); 0: none.
  int64_t think_min_us = 0;
  int64_t think_max_us = 0;
  schedule::Arrival arrival = schedule::Arrival::constant;
  double speed = 1.0;             // recorded timing is divided by it
  int64_t duration_us = 0;        // 0: until the trace or the schedule ends
  bool loop = false;              // start the trace again when it ends
  unsigned threads = 0;           // 0: one per core
  size_t max_connections = 1000;  // over all threads
  std::string http = "auto";      // --http: "auto", "1.1" or "2" (see choose_protocol)
  uint32_t max_streams = 100;     // HTTP/2: streams open at once per connection, at most
  int64_t timeout_ms = 30000;     // from send to complete response
  // After the offered load ends, how long requests in flight may still complete before they
  // are counted as abandoned; -1: timeout_ms.
  int64_t drain_ms = -1;
  // When second 0 of the run is, on the wall clock (Unix ms), so that shards start together;
  // 0: now.
  int64_t start_at_unix_ms = 0;
  int64_t connect_timeout_ms = 10000;
  std::vector<std::string> only_tags;
  std::vector<std::string> skip_tags;
  std::vector<std::pair<std::string, std::string>> headers;  // -H overrides
  bool insecure = false;
  std::string cacert;
  bool tls_resume = true;  // offer new connections the TLS session an earlier one got
  uint64_t seed = 1;
  bool skip_bad = false;
  std::string jwt_secret;  // re-mint HS256 bearer tokens with this secret and a fresh exp
  // Shard shard_index of shard_count: a deterministic share of the sessions (by FNV-1a 64 of
  // the session name) and of the records outside sessions, on the unsharded run's time origin:
  // with --rate every shard walks the whole arrival process and takes every shard_count-th
  // arrival from its index on, so the shards' union is exactly the unsharded schedule.
  unsigned shard_index = 0;
  unsigned shard_count = 1;
  std::vector<ProbeSpec> probes;  // sampled once a second into the timeline
  // Also keep the per-second timeline per endpoint (of the first kMaxEndpointTimelines).
  bool endpoint_timeline = false;
  // Count each event by tag, endpoint and status for Progress::counts (live metrics and the
  // dashboard ask for them); without it counts stays empty and no event pays for them.
  bool live_counts = false;
  llm::StreamOptions stream;  // --stream-format, --stream-content, --stream-tokens
  llm::GoodputSlo goodput;    // --goodput (none: no SLOs)
};

// Live view, on the calling thread: once when the run has started (before second 0, nothing
// counted yet: elapsed_s 0, first true), then once a second, and once more (last true) when
// every worker has ended, with the live counts then equal to the result's.
struct Progress {
  bool first = false;
  bool last = false;
  double elapsed_s = 0;
  // How long the offered load is planned to last (--duration, a rate schedule that ends, or
  // where the trace ran out); 0 while not known.
  double planned_s = 0;
  unsigned threads = 0;
  uint64_t offered = 0, sent = 0, completed = 0, errors = 0;
  // The most requests on the wire, and waiting for a connection, since the previous call (each
  // worker's peak, summed over the workers).
  uint64_t in_flight = 0, backlog = 0;
  double offered_per_s = 0, completed_per_s = 0;  // since the previous call
  // Corrected latency (completions and failures) of one second, merged over the workers: the
  // newest second all of them have closed (a second or two ago). latency_second -1: none yet;
  // latency_count 0: nothing ended in it.
  int64_t latency_second = -1;
  uint64_t latency_count = 0;
  int64_t p50_us = 0, p99_us = 0;
  int64_t service_p50_us = 0, service_p99_us = 0;  // the same second's completions (0: none)
  // The corrected latency of every second settled so far, merged over the workers (valid
  // during the call only; null in the first call).
  const histogram::Histogram* corrected_so_far = nullptr;
  uint64_t seconds_dropped = 0;  // closed seconds the live view lost (it fell behind)
  // The run's cumulative live counts so far, and the names of their tag and endpoint ids;
  // valid during the call only (null in the first call).
  const LiveCounts* counts = nullptr;
  const std::vector<std::string>* tag_names = nullptr;
  const std::vector<std::string>* endpoint_names = nullptr;
  // Each probe's latest sample (NaN: none yet, or it failed), in --probe order.
  std::vector<std::pair<std::string, double>> probes;
};

struct NamedStats {
  std::string name;
  ScopeStats stats;
};

struct RunResult {
  int64_t started_unix_ms = 0;
  int64_t load_us = 0;     // from second 0 to the end of the offered load (last send + 1 gap)
  int64_t elapsed_us = 0;  // from second 0 to the end of the run (last completion)
  unsigned threads = 0;
  ScopeStats overall;
  std::vector<NamedStats> by_tag;
  std::vector<NamedStats> by_endpoint;
  std::vector<TimelineRow> timeline;
  std::vector<std::vector<TimelineRow>> timeline_by_tag;  // index as by_tag; no in_flight/backlog
  // Index as by_endpoint; empty unless RunConfig::endpoint_timeline (then at most
  // kMaxEndpointTimelines).
  std::vector<std::vector<TimelineRow>> timeline_by_endpoint;
  std::vector<ProbeSeries> probes;
  uint64_t connections_opened = 0;  // TCP connections established
  uint64_t connections_failed = 0;  // attempted and never established (refused, timed out, ...)
  // What stopped the run short of its configuration; unset when nothing did.
  struct ResourceLimit {
    std::string what;    // "open files": the process's RLIMIT_NOFILE (ulimit -n), or the system's
    uint64_t limit = 0;  // the soft limit the run had (0: the system's table)
    uint64_t connections = 0;      // connections the workers held when it was reached
    uint64_t requests_waited = 0;  // requests that had to wait for a connection because of it
  };
  std::optional<ResourceLimit> resource_limit;
  uint64_t tls_handshakes = 0;  // https: connections whose TLS handshake finished
  uint64_t tls_resumed = 0;     // of those, the ones that resumed an earlier TLS session
  // Requests handed to a connection per protocol, and HTTP/2's streams: connections that
  // carried one, streams over them, the most on one connection and the most open at once.
  uint64_t requests_http1 = 0;
  uint64_t requests_h2 = 0;
  uint64_t h2_connections = 0;
  uint64_t h2_streams = 0;
  uint64_t h2_max_streams_per_connection = 0;
  uint64_t h2_max_concurrent_streams = 0;
  uint64_t records_skipped = 0;  // corrupt trace records passed over (--skip-bad)
  // The trace (without --loop) ran out this long after second 0, before --duration or the
  // rate schedule ended; -1 when it did not.
  int64_t trace_ended_at_us = -1;
  int64_t drain_us = 0;  // the drain allowed after the offered load
  bool interrupted = false;
  // Closed-loop users (RunConfig::users): their figures, and beside them what a schedule at
  // their pace would have measured (the coordinated-omission gap closed-loop tools hide).
  struct Users {
    uint32_t most = 0;         // users running at once, at most
    double user_seconds = 0;   // users running, integrated over the load
    double think_mean_us = 0;  // mean think time before a step
    // A step's expected interval: its think time plus the median service time of its
    // endpoint, the interval at which its user would send if nothing stalled it; the mean
    // over the steps.
    double interval_mean_us = 0;
    // Every step's latency corrected with its expected interval (HdrHistogram's
    // recordValueWithExpectedInterval): what a schedule at the users' pace would have measured.
    histogram::Histogram open_loop;
    // The requests per second the users would have offered at their expected interval.
    double open_loop_offered_per_s = 0;
    uint64_t sessions_cut = 0;  // trace sessions split because too many were open at once
  };
  std::optional<Users> users;
  // One line each, for the summary and result.json (e.g. the trace's tokens have expired).
  std::vector<std::string> warnings;
};

// Replays `config.trace_path` against `config.target_url`. Errors: Errc::invalid_argument for a
// bad target or option, the trace reader's errors for the trace (naming record and byte), and
// Errc::network/io for set-up failures. A target's bad behaviour is never an error: it is
// counted by cause. `interrupt` may be set from a signal handler to end the run early.
Result<RunResult> run_replay(const RunConfig& config,
                             const std::function<void(const Progress&)>& on_progress,
                             const std::atomic<bool>& interrupt);

}  // namespace replay::engine
