#pragma once
// A saved run (result.json, format "replay-result" version 1, docs/result-format.md) as the
// results commands use it: configuration, totals, per-scope statistics with their histograms,
// the per-second timeline, the saturation verdict and the threshold outcomes.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replay/core/check_tally.hpp"
#include "replay/histogram/histogram.hpp"
#include "replay/histogram/metric_tally.hpp"

namespace replay::results {

using histogram::Histogram;

inline constexpr std::string_view kFormatName = "replay-result";
inline constexpr int kFormatVersion = 1;

// Names of the status classes in a scope's "status" object, in file order.
inline constexpr std::array<std::string_view, 6> kStatusClassNames = {"other", "1xx", "2xx",
                                                                      "3xx",   "4xx", "5xx"};

// Names in a scope's "failures" object beside the transport causes: a completed response that
// lacked a value to capture (an error, not a failure: it is in `errors`, not in `failed`), and
// session steps never sent because an earlier step failed (in both).
inline constexpr std::string_view kCaptureFailedCause = "capture_failed";
inline constexpr std::string_view kSessionAbortedCause = "session_aborted";
// A poll step that sent its last allowed request and still did not see its condition (an
// error, not a failure, as capture_failed); in "failures" only when it happened.
inline constexpr std::string_view kPollExhaustedCause = "poll_exhausted";
// The transport cause of requests the run gave up when it ended (unsent at a set end, still in
// flight after the drain, or at Ctrl-C/SIGTERM), in `corrected` as lower bounds.
inline constexpr std::string_view kAbandonedCause = "abandoned";

// Completed responses by exact status code (100..599): (code, count), increasing codes. The
// file's "status": {"codes": {"200": n, ...}} in a scope, "status_codes" in a timeline row.
using StatusCodeCounts = std::vector<std::pair<int, uint64_t>>;
// Adds `from` into `into` code by code, keeping the order.
void add_status_codes(StatusCodeCounts& into, const StatusCodeCounts& from);

// Bounds of a scope's samples: per key (an HTTP status >= 400 or a transport cause), and keys.
inline constexpr size_t kSamplesPerKey = 3;
inline constexpr size_t kMaxSampleKeys = 20;

// One error kept as an example: `key` is the HTTP status ("429") or the transport cause
// ("reset"), `text` the start of the response body (200 bytes, non-printable bytes escaped)
// or the connection's one-line reason.
struct FailureSample {
  std::string key;
  int64_t at_us = 0;  // time into the run (second 0 of the timeline)
  std::string text;
};
// Appends the samples of `from` whose key still wants one (fewer than kSamplesPerKey, and at
// most kMaxSampleKeys keys), in order.
void add_failure_samples(std::vector<FailureSample>& into, const std::vector<FailureSample>& from);

// Histograms that only streaming (text/event-stream) responses fill.
struct SseScope {
  Histogram first_event_us;
  Histogram inter_event_us;
  Histogram events_per_response;  // plain counts, not microseconds
};

// What WebSocket sessions did (the file's "ws" object, docs/result-format.md "WebSocket
// sessions"): latencies in microseconds from the intended time.
struct WsScope {
  Histogram connect_us;      // the upgrade's 101 complete - its intended time
  Histogram first_frame_us;  // a reply's first frame - its message's intended time
  Histogram last_frame_us;   // a reply's last frame - its message's intended time
  uint64_t sessions = 0;
  uint64_t upgraded = 0;
  uint64_t messages_sent = 0;
  uint64_t messages_unsent = 0;
  uint64_t messages_received = 0;
  uint64_t replies = 0;
  uint64_t replies_incomplete = 0;
  uint64_t pings = 0;
  std::vector<std::pair<uint16_t, uint64_t>> close_codes;  // received (1006: none), sorted
  std::vector<std::pair<std::string, uint64_t>> errors;    // failed sessions by cause
  uint64_t error_count() const noexcept;
  void merge(const WsScope& other);
};

// Where LLM streams' output token counts came from, in the file's "tokens_from" order.
inline constexpr std::array<std::string_view, 3> kTokenSourceNames = {"usage", "pointer", "events"};

// What LLM streams delivered (the file's "llm" object, docs/result-format.md "LLM streams"):
// streams are text/event-stream responses below 400 with at least one content event.
struct LlmScope {
  Histogram ttft_us;              // first content event - intended
  Histogram ttft_sent_us;         // first content event - actual send (as vLLM reports TTFT)
  Histogram itl_us;               // gaps between content events
  Histogram tpot_us;              // (e2e - ttft) / (output tokens - 1), streams of 2+ tokens
  Histogram e2e_us;               // last content event - intended
  Histogram stream_tokens_per_s;  // per stream: output tokens / e2e (plain numbers)
  uint64_t streams = 0;
  uint64_t output_tokens = 0;
  uint64_t content_events = 0;
  uint64_t single_token_streams = 0;
  uint64_t empty_streams = 0;
  uint64_t malformed_events = 0;
  uint64_t multi_event_streams = 0;
  uint64_t buffered_streams = 0;
  std::array<uint64_t, 3> tokens_from{};  // streams by token source, as kTokenSourceNames
  uint64_t goodput_met = 0;

  // "usage", "pointer" or "events" when every stream's count came from one; "mixed"; "none".
  std::string token_source() const;
  // Output tokens per content event (0 without content events).
  double tokens_per_event() const noexcept;
  void merge(const LlmScope& other);
};

// One scope (overall, a tag or an endpoint). The histograms are the file's "hdr" fields; the
// summary fields beside them (count, min, p50, ...) are derived from them. `failed` and
// `errors` are read as written (the engine decides what counts as an error), and integer fields
// this build does not know are kept in `extra_counts`, so all of them add up when runs merge.
// `corrected` holds every request that ended: completed responses at their completion and
// transport failures at the time they failed, the latter `lower_bounds` of the latency they
// would have had; `corrected_completed` holds the completed responses only. Results written
// before failures entered the latency read with corrected_completed = corrected and no lower
// bounds (their `corrected` was completions only). send_lag is the sum of scheduler_lag,
// connection_wait and connect (each of completed responses); results written before that split
// read with the three empty.
struct Scope {
  uint64_t offered = 0;
  uint64_t sent = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;  // transport failures and aborted session steps (as the writer counts)
  uint64_t errors = 0;  // failed plus 4xx/5xx responses and failed captures (likewise)
  uint64_t response_bytes = 0;
  std::vector<std::pair<std::string, uint64_t>> extra_counts;  // unknown integer fields
  std::array<uint64_t, 6> status{};                            // indexed like kStatusClassNames
  StatusCodeCounts status_codes;       // the same responses by exact code (empty in older results)
  std::vector<FailureSample> samples;  // a few of each error status and cause (likewise)
  // Cause name -> count, file order: the transport causes, then kCaptureFailedCause and
  // kSessionAbortedCause (absent in older results).
  std::vector<std::pair<std::string, uint64_t>> failures;
  Histogram corrected;
  Histogram corrected_completed;
  uint64_t lower_bounds = 0;  // failures in `corrected`, recorded at their failure time
  Histogram service;
  Histogram send_lag;
  Histogram scheduler_lag;    // handed to the connections - intended: replay was late
  Histogram connection_wait;  // a connection took it - handed over: the pool was full
  Histogram connect;          // sent - a connection took it: TCP connect and TLS, ~0 when reused
  Histogram ttfb;
  std::optional<SseScope> sse;
  std::optional<LlmScope> llm;
  std::optional<WsScope> ws;
  CheckTally checks;  // of responses whose record has checks; written only when any ran
  // Sessions whose last step succeeded, from the first step's intended time (us); absent
  // without sessions marked session_end (synth's).
  std::optional<Histogram> session_us;
  // Custom metrics (captures declared metrics), in the order first seen; empty when none.
  histogram::MetricTallies metrics;

  // errors / (completed + failed); 0 when nothing ended.
  double error_ratio() const noexcept;
  // LLM streams meeting every --goodput SLO / (completed + failed): failed and abandoned
  // requests, error responses and non-stream responses all count as misses; 0 without llm.
  double goodput_ratio() const noexcept;
  // The count of the cause named `name` in `failures`; 0 when absent.
  uint64_t failure_count(std::string_view name) const noexcept;
  // Adds `other` exactly: counts summed (failure causes and extra counts matched by name),
  // histograms merged.
  void merge(const Scope& other);
};

struct NamedScope {
  std::string name;
  Scope scope;
};

// One probe sample: a gauge read during the second; NaN when the probe failed that second.
struct ProbeSample {
  std::string name;
  double value = 0;
};

// One second of the run. The histograms stay serialised ("" when nothing ended): a long run has
// thousands of rows and a deserialised histogram takes ~180 KiB. The corrected histogram (and
// p50_us, p99_us) holds the second's completions and transport failures, completed + failed
// values; the service histogram completions only.
struct TimelineRow {
  int64_t second = 0;
  uint64_t offered = 0;
  uint64_t sent = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;  // transport failures by failure time (0 in older results)
  uint64_t errors = 0;
  uint64_t in_flight = 0;
  uint64_t backlog = 0;
  int64_t p50_us = 0;
  int64_t p99_us = 0;
  int64_t service_p50_us = 0;
  int64_t service_p99_us = 0;
  std::string corrected_hdr;
  std::string service_hdr;
  // LLM streams completed in the second: their output tokens, how many met --goodput, and
  // their TTFT (from intended; "" and 0 when none).
  uint64_t output_tokens = 0;
  uint64_t goodput = 0;
  int64_t ttft_p50_us = 0;
  int64_t ttft_p99_us = 0;
  std::string ttft_hdr;
  // Their gaps between content events (ITL) by the time of the later event ("" and 0: none).
  int64_t itl_p50_us = 0;
  int64_t itl_p99_us = 0;
  std::string itl_hdr;
  std::vector<ProbeSample> probes;  // empty when the run had no probes
  StatusCodeCounts status_codes;    // the second's completions by code (empty in older results)
};

// One second of one tag or endpoint: the row's counts and corrected latency (in-flight and
// backlog are kept for the whole run only).
struct ScopeTimelineRow {
  int64_t second = 0;
  uint64_t offered = 0;
  uint64_t sent = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;
  uint64_t errors = 0;
  int64_t p50_us = 0;
  int64_t p99_us = 0;
  std::string corrected_hdr;      // "" when nothing ended
  StatusCodeCounts status_codes;  // the second's completions by code (empty in older results)
};

// The per-second rows of one tag or endpoint.
struct ScopeTimeline {
  std::string name;                    // the tag or the endpoint ("GET /plans/{id}")
  std::vector<ScopeTimelineRow> rows;  // increasing seconds
};

// A --probe of the run: the column name and the Prometheus metric it samples.
struct ProbeInfo {
  std::string name;
  std::string metric;
};

// Which limit the run hit (results::analyse_saturation): replay itself could not send
// on time (generator_limited), requests waited for a connection at --max-connections
// (client_limited), or the service could not keep up (saturated). Results written before the
// first two read with them false.
struct Saturation {
  bool saturated = false;
  bool generator_limited = false;
  bool client_limited = false;
  double growth_ms_per_s = 0;
  double offered_per_s = 0;
  double achieved_per_s = 0;
  int64_t from_second = 0;
  int64_t to_second = 0;
  // Every verdict that holds, in the order generator-limited, client-limited, saturated, or why
  // none does; written as both "headline" and "summary" (its older name).
  std::string summary;

  // True when replay or its configuration, not the service, limited the run.
  bool replay_limited() const noexcept { return generator_limited || client_limited; }
  // True when the run had enough seconds of offered load for the service to be judged
  // (from_second..to_second); false for a run too short, whose `saturated` says nothing.
  bool judged() const noexcept { return to_second > from_second; }
};

struct ThresholdResult {
  std::string expression;
  bool passed = false;
  std::string observed;
  // A --warn band: crossing it warns (exit 3) instead of failing the run (false in older
  // results).
  bool warn = false;
};

// One "config" field: its JSON value as written (kept verbatim so fields this build does not
// know survive a merge) and a text for people (strings unquoted, arrays comma-separated).
struct ConfigEntry {
  std::string key;
  std::string json;
  std::string text;
};

struct ResultDoc {
  std::string source;  // the file it was read from, for messages ("" when built in memory)
  std::string replay_version;
  std::vector<ConfigEntry> config;  // file order
  int64_t started_unix_ms = 0;
  int64_t load_us = 0;
  int64_t elapsed_us = 0;
  int64_t drain_us = 0;  // the drain allowed after the load (0 in older results)
  // When the trace (without --loop) ran out, before the run's scheduled end; -1: it did not.
  int64_t trace_ended_at_us = -1;
  bool interrupted = false;
  std::vector<std::string> warnings;  // one line each, as the summary prints them
  uint64_t connections_opened = 0;    // established (attempts that never were: connections_failed)
  uint64_t connections_failed = 0;
  // https: connections whose TLS handshake finished (0 in older results)
  uint64_t tls_handshakes = 0;
  uint64_t tls_resumed = 0;  // of those, the ones that resumed an earlier TLS session
  // Requests handed to a connection per protocol, and HTTP/2's streams: connections that
  // carried one, streams over them, the most on one connection and the most open at once.
  // (0 in older results)
  uint64_t requests_http1 = 0;
  uint64_t requests_h2 = 0;
  uint64_t h2_connections = 0;
  uint64_t h2_streams = 0;
  uint64_t h2_max_streams_per_connection = 0;
  uint64_t h2_max_concurrent_streams = 0;
  // A resource limit that stopped the run short of its configuration (exit 2).
  struct ResourceLimit {
    std::string what;              // "open files"
    uint64_t limit = 0;            // the soft limit (0: the system's table)
    uint64_t connections = 0;      // connections held when it was reached
    uint64_t requests_waited = 0;  // requests that waited for a connection because of it
  };
  std::optional<ResourceLimit> resource_limit;
  uint64_t records_skipped = 0;
  // Closed-loop users (run --users; absent in open-loop runs): the file's "users" object,
  // docs/result-format.md "Users".
  struct Users {
    uint64_t most = 0;         // users running at once, at most (summed over merged shards)
    double user_seconds = 0;   // users running, integrated over the load
    double think_mean_us = 0;  // mean think time before a step
    // A step's expected interval (its think time + its endpoint's median service time), the
    // mean over the steps.
    double interval_mean_us = 0;
    // Each step's latency corrected with its expected interval:
    // what a schedule at the users' pace would have measured.
    Histogram open_loop;
    double open_loop_offered_per_s = 0;  // the rate the users would have offered at it
    uint64_t sessions_cut = 0;
  };
  std::optional<Users> users;
  Scope overall;
  std::vector<NamedScope> by_tag;              // file order
  std::vector<NamedScope> by_endpoint;         // file order
  std::vector<TimelineRow> timeline;           // increasing seconds, from 0 in what replay writes
  std::vector<ScopeTimeline> timeline_by_tag;  // file order; empty in results of older builds
  // File order; only with run --endpoint-timeline (its first 50 endpoints).
  std::vector<ScopeTimeline> timeline_by_endpoint;
  std::vector<ProbeInfo> probes;  // empty without --probe
  Saturation saturation;
  std::vector<ThresholdResult> thresholds;

  // The config entry named `key`, or nullptr.
  const ConfigEntry* find_config(std::string_view key) const noexcept;
  // Its text for people; "" when absent.
  std::string config_text(std::string_view key) const;
  // The scope named `name`: "" is overall, then tags, then endpoints (as --threshold looks
  // them up); nullptr when there is none.
  const Scope* find_scope(std::string_view name) const noexcept;
  // The run's figures (docs/result-format.md "Figures"), the one definition of each that every
  // view prints; src/results/figures.cpp. Rates are printed only when has_rate_window().
  // Offered requests per second of load_us.
  double offered_per_s() const noexcept;
  // Completions during the load (completed_during_load) per second of load_seconds().
  double achieved_per_s() const noexcept;
  // The scope's achieved rate: its share of the completions, of achieved_per_s() (as
  // --threshold 'rate>..' measures a tag or an endpoint).
  double achieved_per_s(const Scope& scope) const noexcept;
  // Completed requests per second of elapsed_us: the drain after the load included.
  double throughput_per_s() const noexcept;
  // The scope's LLM output tokens, and its streams meeting --goodput, per second of
  // elapsed_us (0 without llm figures or elapsed time).
  double output_tokens_per_s(const Scope& scope) const noexcept;
  double goodput_per_s(const Scope& scope) const noexcept;
  // Whole seconds of offered load (load_us rounded down), at least 1.
  int64_t load_seconds() const noexcept;
  // Completions in the timeline's first load_seconds() rows: the drain after the load neither
  // adds to nor dilutes the achieved rate (the rate --threshold 'rate>..' checks).
  uint64_t completed_during_load() const noexcept;
  // The load lasted at least kMinRateWindowUs: below it a view prints counts, not rates.
  bool has_rate_window() const noexcept;
  // "100.0/s"; under kMinRateWindowUs the count and the window: "2 in 0.001s".
  std::string offered_text() const;
  // "99.5/s"; "" under kMinRateWindowUs (no whole second of load to count completions in).
  std::string achieved_text() const;
  // "90.4/s" over elapsed_us; under kMinRateWindowUs of it "2 in 0.004s".
  std::string throughput_text() const;
};

// Rates are printed only over a window of at least this long (one timeline second).
inline constexpr int64_t kMinRateWindowUs = 1'000'000;
// A window's length for people: "12.3s", "0.004s" under a second.
std::string window_text(int64_t us);

}  // namespace replay::results
