#pragma once
// Closed-loop users' latencies kept by endpoint and by the think time before each step, so that
// at the end of the run each can be corrected for coordinated omission with its own expected
// interval: the step's think time plus the median service time of its endpoint (a user that
// waits for a slow response sends nothing meanwhile; a steady schedule at the users' pace would
// have). Think times are grouped in buckets 25 % wide (below 1 ms in one), each taken at its
// mean.

#include <cstdint>
#include <vector>

#include "replay/histogram/histogram.hpp"

namespace replay::engine {

class UserLatency {
 public:
  // A step of a user, to `endpoint_id`, ended `latency_ns` after its intended time, which came
  // `think_ns` after the previous step ended.
  void record(uint32_t endpoint_id, int64_t think_ns, int64_t latency_ns);
  void merge(const UserLatency& other);
  uint64_t count() const noexcept { return count_; }
  // The mean think time before a step (us); 0 with none.
  double mean_think_us() const noexcept;
  // The mean expected interval of a step (us): think time plus its endpoint's median service
  // time (`median_service_us` by endpoint id; an id past its end counts 0).
  double mean_interval_us(const std::vector<int64_t>& median_service_us) const;
  // What the latencies would have been on a schedule at the users' pace: each bucket's
  // latencies with its expected interval added in (histogram::add_with_expected_interval).
  histogram::Histogram open_loop_equivalent(const std::vector<int64_t>& median_service_us) const;

 private:
  struct Bucket {
    uint32_t endpoint_id = 0;
    int think_index = 0;
    double think_sum_us = 0;
    histogram::Histogram latency_us;
  };
  Bucket& bucket_for(uint32_t endpoint_id, int think_index);
  static int64_t interval_us(const Bucket& b, const std::vector<int64_t>& median_service_us);

  // Made as steps come: the endpoints times the think buckets in use (0 to hours: ~60).
  std::vector<Bucket> buckets_;
  double think_sum_us_ = 0;
  uint64_t count_ = 0;
};

}  // namespace replay::engine
