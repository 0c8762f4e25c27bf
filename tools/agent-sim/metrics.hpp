#pragma once
// The sim's Prometheus metrics: request counts and durations per endpoint, plus gauges the
// caller supplies when rendering.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "endpoint.hpp"

namespace replay::agent_sim {

class Metrics {
 public:
  // Counts one answered request and its duration (first byte read to response start).
  void record(std::string_view method, Endpoint endpoint, int status, uint64_t duration_ns);
  void count_rate_limit_hit() { ++rate_limit_hits_; }
  void count_reset() { ++resets_; }
  uint64_t rate_limit_hits() const { return rate_limit_hits_; }
  // Requests and mean duration for one endpoint, for the analytics endpoint.
  uint64_t requests(Endpoint endpoint) const;
  double mean_duration_ms(Endpoint endpoint) const;

  // Appends the Prometheus text exposition; `gauges` are extra name/value lines.
  void render(std::string& out,
              const std::vector<std::pair<std::string_view, double>>& gauges) const;

 private:
  static constexpr std::array<double, 14> kBucketsS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                       0.25,  0.5,    1,     2.5,  5,     10,   30};
  struct Histogram {
    std::array<uint64_t, kBucketsS.size()> buckets{};  // non-cumulative
    uint64_t count = 0;
    double sum_s = 0;
  };
  std::unordered_map<uint32_t, uint64_t> counts_;  // (method, endpoint, status) packed
  std::array<Histogram, kEndpointCount> durations_{};
  uint64_t rate_limit_hits_ = 0;
  uint64_t resets_ = 0;
};

}  // namespace replay::agent_sim
