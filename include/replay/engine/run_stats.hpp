#pragma once
// What a replay measures: per-scope statistics (overall, per tag, per endpoint) and the
// per-second timeline. Filled by one worker thread each; merged exactly afterwards.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "replay/client/response_observer.hpp"
#include "replay/histogram/histogram.hpp"

namespace replay::engine {

using histogram::Histogram;

inline constexpr size_t kFailureCauseCount =
    static_cast<size_t>(client::FailureCause::closed_early) + 1;

// Histograms that only streaming (text/event-stream) responses fill; allocated on first use.
struct SseStats {
  Histogram first_event;          // first event - sent (us)
  Histogram inter_event;          // gap between consecutive events (us)
  Histogram events_per_response;  // count per response, recorded as a plain integer
  void merge(const SseStats& other);
};

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
  uint64_t offered = 0;  // requests whose intended time came
  uint64_t sent = 0;
  uint64_t completed = 0;                    // responses received, whatever their status
  std::array<uint64_t, 6> status_classes{};  // index = status / 100 for 1..5, 0 for others
  std::array<uint64_t, kFailureCauseCount> failures{};
  uint64_t capture_failed = 0;   // completed, but a value to capture was not in the response
  uint64_t session_aborted = 0;  // session steps not sent because an earlier step failed
  uint64_t lower_bounds = 0;     // failures recorded in `corrected` at their failure time
  uint64_t response_bytes = 0;

  ScopeStats() = default;
  ScopeStats(const ScopeStats& other);
  ScopeStats& operator=(const ScopeStats& other);
  ScopeStats(ScopeStats&&) noexcept = default;
  ScopeStats& operator=(ScopeStats&&) noexcept = default;

  SseStats& sse_stats();
  void merge(const ScopeStats& other);
  uint64_t failed() const;     // transport failures of every cause, and aborted session steps
  uint64_t errors() const;     // failed() + 4xx + 5xx responses + failed captures
  double error_ratio() const;  // errors / (completed + failed)
};

// One second of the run (second = floor((t - run start) / 1 s), t the event's time).
struct TimelineRow {
  int64_t second = 0;
  uint64_t offered = 0;    // by intended time
  uint64_t sent = 0;       // by actual send time
  uint64_t completed = 0;  // responses, by completion time
  uint64_t failed = 0;     // transport failures, by failure time (aborted steps excluded)
  uint64_t errors = 0;     // failures and 4xx/5xx by completion time
  uint64_t in_flight = 0;  // the most requests on the wire at once during the second
  uint64_t backlog = 0;    // the most requests waiting for a connection during the second
  // Serialised Histogram of this second's corrected latency, completions and failures
  // ("" if none): its count is completed + failed.
  std::string corrected;
  std::string service;  // the same for service time, completions only
  // Adds other's counts; histograms are merged exactly (deserialised, merged, serialised).
  void merge(const TimelineRow& other);
};

}  // namespace replay::engine
