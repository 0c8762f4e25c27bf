#pragma once
// What a replay measures: per-scope statistics (overall, per tag, per endpoint) and the
// per-second timeline. Filled by one worker thread each; merged exactly afterwards.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "replay/client/response_observer.hpp"
#include "replay/core/check_tally.hpp"
#include "replay/histogram/histogram.hpp"
#include "replay/histogram/metric_tally.hpp"

namespace replay::engine {

using histogram::Histogram;

inline constexpr size_t kFailureCauseCount =
    static_cast<size_t>(client::FailureCause::closed_early) + 1;

// Completed responses by exact status code, for codes 100..599 (others count only in the
// "other" class). A sorted flat vector: a run sees a handful of codes, so a linear scan per
// response costs less than any map, and an empty one costs 24 bytes.
struct StatusCodes {
  std::vector<std::pair<uint16_t, uint64_t>> counts;  // (code, count), increasing codes

  // One more (or `n` more) of `code`; ignored outside 100..599.
  void add(int code, uint64_t n = 1);
  void merge(const StatusCodes& other);
  uint64_t count(int code) const;  // 0 when absent
};

// Bounds of a scope's failure samples: this many samples per distinct key (an HTTP status
// >= 400 or a transport cause), this many distinct keys, this many bytes of text each.
inline constexpr size_t kSamplesPerKey = 3;
inline constexpr size_t kMaxSampleKeys = 20;
inline constexpr size_t kSampleTextBytes = 200;

// One failure as it happened: an error response (status >= 400, text = the start of its body,
// printable and escaped) or a transport failure (status 0, text = the connection's reason).
struct FailureSample {
  int status = 0;
  client::FailureCause cause = client::FailureCause::closed_early;  // when status == 0
  int64_t at_us = 0;                                                // time into the run
  std::string text;  // the first kSampleTextBytes bytes of the original, escaped
};

// The first kSamplesPerKey samples of each of at most kMaxSampleKeys keys, in arrival order
// (later samples of a full key, and keys beyond the cap, are dropped).
struct FailureSamples {
  std::vector<FailureSample> samples;
  size_t keys = 0;  // distinct keys in `samples`

  // Whether a sample with this key would be kept (status >= 400, or 0 with `cause`).
  bool wants(int status, client::FailureCause cause) const;
  // Keeps `sample` if wanted.
  void add(FailureSample sample);
  // Adds other's samples while their keys want them.
  void merge(const FailureSamples& other);
};

// Histograms that only streaming (text/event-stream) responses fill; allocated on first use.
struct SseStats {
  Histogram first_event;          // first event - sent (us)
  Histogram inter_event;          // gap between consecutive events (us)
  Histogram events_per_response;  // count per response, recorded as a plain integer
  void merge(const SseStats& other);
};

// What LLM streams delivered (text/event-stream responses whose content was read, status
// below 400, at least one content event); allocated on first use. Latencies in microseconds:
// ttft = first content event - intended, ttft_sent = the same from the actual send, e2e = last
// content event - intended, itl = gaps between content events (of every stream, as they came),
// tpot = (e2e - ttft) / (output tokens - 1) for streams of two tokens or more.
struct LlmStats {
  Histogram ttft;
  Histogram ttft_sent;
  Histogram itl;
  Histogram tpot;
  Histogram e2e;
  Histogram tokens_per_s;  // per stream: output tokens / e2e in seconds (a plain number)
  uint64_t streams = 0;
  uint64_t output_tokens = 0;
  uint64_t content_events = 0;
  uint64_t single_token_streams = 0;    // no TPOT recorded
  uint64_t empty_streams = 0;           // event streams that completed without content
  uint64_t malformed_events = 0;        // events the format expected JSON in, and that was not
  uint64_t multi_event_streams = 0;     // streams with two content events or more
  uint64_t buffered_streams = 0;        // of those, all content within kBufferedSpan*
  std::array<uint64_t, 3> by_source{};  // streams whose tokens came from usage, pointer, events
  uint64_t goodput_met = 0;  // streams meeting every --goodput SLO (every stream without SLOs)
  void merge(const LlmStats& other);
};

// client::WsFailure's values.
inline constexpr size_t kWsFailureCount = 11;

// What WebSocket sessions (trace format v2 records with "ws") did; allocated on first use.
// Latencies in microseconds from the intended time: connect = the upgrade's 101 complete - the
// upgrade's intended time; first_frame / last_frame = a reply's first / last frame - its
// message's intended time, for every sent message (an incomplete reply at its end, a lower
// bound: docs/result-format.md "WebSocket sessions").
struct WsStats {
  Histogram connect;
  Histogram first_frame;
  Histogram last_frame;
  uint64_t sessions = 0;            // upgrades attempted
  uint64_t upgraded = 0;            // answered with a valid 101
  uint64_t messages_sent = 0;       // client messages written
  uint64_t messages_unsent = 0;     // never sent: the session ended first
  uint64_t messages_received = 0;   // server messages, replies or not
  uint64_t replies = 0;             // sent messages whose reply had a frame
  uint64_t replies_incomplete = 0;  // their reply did not end as the message said (or had none)
  uint64_t pings = 0;               // pings received and answered
  std::vector<std::pair<uint16_t, uint64_t>> close_codes;  // received, by code, sorted
  // Sessions that failed, by client::WsFailure (index), the upgrade's failures included.
  std::array<uint64_t, kWsFailureCount> errors{};
  void count_close(uint16_t code, uint64_t n = 1);
  uint64_t error_count() const;
  void merge(const WsStats& other);
};

// A stream counts as buffered when its content events span less than this, or less than
// kBufferedSpanShare of its time from the send to its last content event.
inline constexpr int64_t kBufferedSpanNs = 5'000'000;
inline constexpr double kBufferedSpanShare = 0.05;

// Statistics of one scope. Latencies are in microseconds:
// corrected = end - intended for every request that was sent or due to be sent and then
// ended: a completed response (any status) at its completion, and a transport failure at the
// time it failed (a lower bound of the latency it would have had, counted in lower_bounds);
// corrected_completed = the same for completed responses only; service = completed - sent,
// send_lag = sent - intended, ttfb = first response byte - sent (completed responses only).
// send_lag is the sum of three parts: scheduler_lag = handed to the connections - intended
// (replay late), connection_wait = a connection took it - handed over (the pool was full),
// connect = sent - a connection took it (TCP connect and TLS handshake on a new connection).
// Session steps never sent (session_aborted) have no latency.
struct ScopeStats {
  Histogram corrected;
  Histogram corrected_completed;
  Histogram service;
  Histogram send_lag;
  Histogram scheduler_lag;
  Histogram connection_wait;
  Histogram connect;
  Histogram ttfb;
  std::unique_ptr<SseStats> sse;
  std::unique_ptr<LlmStats> llm;
  std::unique_ptr<WsStats> ws;
  // Sessions whose last step succeeded: from the first step's intended time to the last
  // step's completion (us); allocated on first use.
  std::unique_ptr<Histogram> session;
  uint64_t offered = 0;  // requests whose intended time came
  uint64_t sent = 0;
  uint64_t completed = 0;                    // responses received, whatever their status
  std::array<uint64_t, 6> status_classes{};  // index = status / 100 for 1..5, 0 for others
  StatusCodes status_codes;                  // the same responses by exact code (100..599)
  FailureSamples samples;                    // a few of each error status and failure cause
  std::array<uint64_t, kFailureCauseCount> failures{};
  uint64_t capture_failed = 0;   // completed, but a value to capture was not in the response
  uint64_t session_aborted = 0;  // session steps not sent because an earlier step failed
  uint64_t poll_exhausted = 0;   // poll steps whose last allowed response still did not hold
  uint64_t lower_bounds = 0;     // failures recorded in `corrected` at their failure time
  uint64_t response_bytes = 0;
  CheckTally checks;  // of requests whose record has checks ("expect"); not errors
  // Custom metrics: values of captures declared metrics, from responses with status < 400.
  histogram::MetricTallies metrics;

  ScopeStats() = default;
  ScopeStats(const ScopeStats& other);
  ScopeStats& operator=(const ScopeStats& other);
  ScopeStats(ScopeStats&&) noexcept = default;
  ScopeStats& operator=(ScopeStats&&) noexcept = default;

  SseStats& sse_stats();
  LlmStats& llm_stats();
  WsStats& ws_stats();
  void merge(const ScopeStats& other);
  uint64_t failed() const;     // transport failures of every cause, and aborted session steps
  uint64_t errors() const;     // failed() + 4xx + 5xx responses + failed captures
  double error_ratio() const;  // errors / (completed + failed)
};

// One second of the run (second = floor((t - run start) / 1 s), t the event's time).
// RunConfig::endpoint_timeline keeps per-second rows for the endpoints whose ids are below
// this (the first to occur): each costs a histogram per open second in every worker.
inline constexpr uint32_t kMaxEndpointTimelines = 50;

struct TimelineRow {
  int64_t second = 0;
  uint64_t offered = 0;      // by intended time
  uint64_t sent = 0;         // by actual send time
  uint64_t completed = 0;    // responses, by completion time
  uint64_t failed = 0;       // transport failures, by failure time (aborted steps excluded)
  uint64_t errors = 0;       // failures and 4xx/5xx by completion time
  uint64_t in_flight = 0;    // the most requests on the wire at once during the second
  uint64_t backlog = 0;      // the most requests waiting for a connection during the second
  StatusCodes status_codes;  // responses by exact code, by completion time
  // Serialised Histogram of this second's corrected latency, completions and failures
  // ("" if none): its count is completed + failed.
  std::string corrected;
  std::string service;         // the same for service time, completions only
  std::string ttft;            // the same for LLM streams' TTFT (from intended), by completion time
  std::string itl;             // LLM streams' gaps between content events, by the later one's time
  uint64_t output_tokens = 0;  // LLM streams' output tokens, by completion time
  uint64_t goodput = 0;        // LLM streams meeting the --goodput SLOs, by completion time
  // Adds other's counts; histograms are merged exactly (deserialised, merged, serialised).
  void merge(const TimelineRow& other);
};

}  // namespace replay::engine
