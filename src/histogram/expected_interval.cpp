#include "replay/histogram/expected_interval.hpp"

#include <algorithm>

namespace replay::histogram {

void add_with_expected_interval(Histogram& into, const Histogram& measured, int64_t interval_us) {
  if (interval_us <= 0) {
    into.merge(measured);
    return;
  }
  const int64_t max = measured.max();
  measured.for_each_bucket([&](int64_t, int64_t highest, uint64_t count) {
    const int64_t value = std::min(highest, max);
    into.record_n(value, count);
    // The missed values value - k * interval, k = 1..last, each at least the interval. Those
    // that share a bucket are recorded at once, so a 60 s stall at a 10 us interval costs a
    // step per bucket, not six million.
    const int64_t last = value / interval_us - 1;
    for (int64_t k = 1; k <= last;) {
      const int64_t missing = value - k * interval_us;
      const int64_t floor = std::max(Histogram::lowest_equivalent_value(missing), interval_us);
      const int64_t k_in_bucket = (value - floor) / interval_us;  // the last k above the floor
      const int64_t n = std::min(k_in_bucket, last) - k + 1;
      into.record_n(missing, static_cast<uint64_t>(n) * count);
      k += n;
    }
  });
}

}  // namespace replay::histogram
