#include "user_latency.hpp"

#include <algorithm>
#include <cmath>

#include "replay/histogram/expected_interval.hpp"

namespace replay::engine {
namespace {

// Think times below 1 ms (0 among them) share bucket 0; from 1 ms up, buckets are 25 % wide.
int think_index_of(int64_t think_us) {
  if (think_us < 1000) return 0;
  return 1 + static_cast<int>(std::log(static_cast<double>(think_us) / 1000.0) / std::log(1.25));
}

}  // namespace

UserLatency::Bucket& UserLatency::bucket_for(uint32_t endpoint_id, int think_index) {
  auto it = std::find_if(buckets_.begin(), buckets_.end(), [&](const Bucket& b) {
    return b.endpoint_id == endpoint_id && b.think_index == think_index;
  });
  if (it != buckets_.end()) return *it;
  buckets_.push_back(Bucket{.endpoint_id = endpoint_id, .think_index = think_index});
  return buckets_.back();
}

void UserLatency::record(uint32_t endpoint_id, int64_t think_ns, int64_t latency_ns) {
  const int64_t think_us = std::max<int64_t>(0, think_ns / 1000);
  Bucket& b = bucket_for(endpoint_id, think_index_of(think_us));
  b.think_sum_us += static_cast<double>(think_us);
  b.latency_us.record(std::max<int64_t>(0, latency_ns / 1000));
  think_sum_us_ += static_cast<double>(think_us);
  ++count_;
}

void UserLatency::merge(const UserLatency& other) {
  for (const Bucket& from : other.buckets_) {
    Bucket& b = bucket_for(from.endpoint_id, from.think_index);
    b.think_sum_us += from.think_sum_us;
    b.latency_us.merge(from.latency_us);
  }
  think_sum_us_ += other.think_sum_us_;
  count_ += other.count_;
}

double UserLatency::mean_think_us() const noexcept {
  return count_ == 0 ? 0 : think_sum_us_ / static_cast<double>(count_);
}

int64_t UserLatency::interval_us(const Bucket& b, const std::vector<int64_t>& median_service_us) {
  const auto n = static_cast<double>(b.latency_us.count());
  const int64_t think_us = n > 0 ? std::llround(b.think_sum_us / n) : 0;
  const int64_t service_us =
      b.endpoint_id < median_service_us.size() ? median_service_us[b.endpoint_id] : 0;
  return think_us + service_us;
}

double UserLatency::mean_interval_us(const std::vector<int64_t>& median_service_us) const {
  if (count_ == 0) return 0;
  double sum = 0;
  for (const Bucket& b : buckets_) {
    sum += static_cast<double>(interval_us(b, median_service_us)) *
           static_cast<double>(b.latency_us.count());
  }
  return sum / static_cast<double>(count_);
}

histogram::Histogram UserLatency::open_loop_equivalent(
    const std::vector<int64_t>& median_service_us) const {
  histogram::Histogram out;
  for (const Bucket& b : buckets_) {
    histogram::add_with_expected_interval(out, b.latency_us, interval_us(b, median_service_us));
  }
  return out;
}

}  // namespace replay::engine
