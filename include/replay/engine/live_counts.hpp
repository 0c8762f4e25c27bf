#pragma once
// The run's counts for --metrics-listen and --dashboard, as Prometheus wants them: counters that
// only grow. Each worker's recorder adds every event to a LiveCounts of its own (no lock, no
// atomic) and hands it over about once a second (IntervalOutbox::publish_counts); the main
// thread adds the pieces into the run's cumulative LiveCounts. Addition commutes, so pieces
// may arrive in any order, and a piece that cannot be handed over yet is kept and added to:
// nothing is dropped, so the totals end equal to result.json's. Memory is per scope (tag x
// endpoint pairs, tags), never per request or per second.

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "replay/engine/run_stats.hpp"

namespace replay::engine {

// Upper bounds (microseconds, inclusive: Prometheus "le") of the live latency buckets: 1-2-3-5
// steps with extra ones between 5 ms and 1 s where request latencies mostly fall (there each
// upper bound is at most 1.5 times the lower one). Fixed: a dashboard's queries stay valid
// across runs. docs/metrics.md lists them.
inline constexpr std::array<int64_t, 28> kLiveBucketBoundsUs = {
    500,     1000,    2000,    3000,    5000,     7500,     10000,    15000,   20000,  30000,
    40000,   50000,   75000,   100000,  150000,   200000,   300000,   400000,  500000, 750000,
    1000000, 2000000, 3000000, 5000000, 10000000, 20000000, 30000000, 60000000};

// A latency histogram with the fixed buckets: per-bucket counts (not cumulative), the last one
// above every bound.
struct LiveHistogram {
  std::array<uint64_t, kLiveBucketBoundsUs.size() + 1> buckets{};
  uint64_t count = 0;
  uint64_t sum_us = 0;

  void record(int64_t us);
  void merge(const LiveHistogram& other);
};

// Ended requests of one (tag, endpoint) pair: completions by status class (index as
// ScopeStats::status_classes) and requests that got no response (ScopeStats::failed(): transport
// failures and aborted session steps). Each ended request is in exactly one of them.
struct LiveRequestCounts {
  std::array<uint64_t, 6> status_classes{};
  uint64_t failed = 0;

  void merge(const LiveRequestCounts& other);
  uint64_t total() const;
};

struct LiveCounts {
  uint64_t offered = 0;
  uint64_t sent = 0;
  std::array<uint64_t, kFailureCauseCount> failures{};  // transport failures by cause
  uint64_t capture_failed = 0;
  uint64_t poll_exhausted = 0;
  uint64_t session_aborted = 0;
  StatusCodes status_codes;  // completions by exact code
  // Key: tag_id << 32 | endpoint_id (pair_key).
  std::map<uint64_t, LiveRequestCounts> requests;
  std::vector<LiveHistogram> corrected_by_tag;  // index tag_id: completions and failures
  std::vector<LiveHistogram> service_by_tag;    // index tag_id: completions

  static uint64_t pair_key(uint32_t tag_id, uint32_t endpoint_id) {
    return (static_cast<uint64_t>(tag_id) << 32) | endpoint_id;
  }
  LiveRequestCounts& requests_of(uint32_t tag_id, uint32_t endpoint_id) {
    return requests[pair_key(tag_id, endpoint_id)];
  }
  LiveHistogram& corrected(uint32_t tag_id);
  LiveHistogram& service(uint32_t tag_id);

  void merge(const LiveCounts& other);
  // Nothing counted since it was made (or cleared).
  bool empty() const;
  // Every ended request: the sum of `requests` (completed + failed of result.json).
  uint64_t ended() const;
  // Of those, completions with this status class (index as ScopeStats::status_classes).
  uint64_t completed_in_class(size_t status_class) const;
  // Of those, requests that got no response (ScopeStats::failed()).
  uint64_t failed() const;
  // Errors as ScopeStats::errors() counts them: failed, 4xx, 5xx and failed captures.
  uint64_t errors() const;
};

}  // namespace replay::engine
