#pragma once
// HDR-style log-linear latency histogram (1 us .. 1 h, 3 significant digits): O(1) record, exact
// merge, exact min/max/mean/stddev, percentiles, compact serialisation and HdrHistogram .hgrm text.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"

namespace replay::histogram {

// Counts integer microsecond values in HdrHistogram's layout for a lowest discernible value of 1,
// a highest trackable value of 1 h and 3 significant digits: 22 buckets of 2048 sub-buckets, so
// values 0..2047 are counted exactly and any larger value to within 1/1024 of itself (< 0.1 %).
// Sums of values and of their squares are kept exactly, so mean() and stddev() are those of the
// recorded values, not of bucket midpoints. Counts wrap at 2^64 (never reached in practice).
// Not thread-safe: one thread records; other threads get copies or merge. Copyable and movable;
// a moved-from Histogram may only be assigned to or destroyed.
class Histogram {
 public:
  static constexpr int64_t kMaxValueUs = 3'600'000'000;  // 1 h; larger values are clamped to it
  static constexpr int kBucketCount = 22;                // as HdrHistogram reports it in .hgrm
  static constexpr int kSubBucketCount = 2048;

  // An empty histogram; allocates its ~180 KiB counts array.
  Histogram();

  // Records one value in O(1). Negative values count as 0 (0 itself is kept as 0, the value of a
  // sub-microsecond latency); values above kMaxValueUs count as kMaxValueUs and in saturated().
  void record(int64_t value_us) noexcept { record_n(value_us, 1); }
  // Records `n` occurrences of `value_us`, clamped as record() does; n == 0 changes nothing.
  void record_n(int64_t value_us, uint64_t n) noexcept;
  // Adds every value of `other` to this one: the result equals recording the union (exactly).
  void merge(const Histogram& other) noexcept;
  // Forgets every value; keeps the counts array.
  void reset() noexcept;

  // Number of recorded values.
  uint64_t count() const noexcept { return count_; }
  // Number of recorded values that were above kMaxValueUs and clamped to it.
  uint64_t saturated() const noexcept { return saturated_; }
  // Smallest and largest recorded values after clamping, exactly; 0 when empty.
  int64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  int64_t max() const noexcept { return count_ == 0 ? 0 : max_; }
  // Exact arithmetic mean of the recorded values; 0 when empty.
  double mean() const noexcept;
  // Population standard deviation of the recorded values (exact up to the final rounding while
  // count * sum of squares fits 128 bits, e.g. 5e9 values of an hour; long double beyond); 0 when
  // empty.
  double stddev() const noexcept;

  // HdrHistogram's value at `percentile` (0..100, clamped; NaN counts as 0): the highest value
  // equivalent to the bucket holding the ceil(percentile/100 * count())-th smallest value,
  // clamped to [min(), max()]. So 0 gives min(), 100 gives max(); 0 when empty.
  int64_t value_at_percentile(double percentile) const noexcept;

  // Calls fn(lowest_us, highest_us, count) (int64_t, int64_t, uint64_t) for each non-empty
  // bucket in increasing value order; lowest_us..highest_us are the bucket's bounds, inclusive.
  template <class F>
  void for_each_bucket(F&& fn) const {
    if (count_ == 0) return;
    const size_t last = index_of(static_cast<uint64_t>(max_));
    for (size_t i = index_of(static_cast<uint64_t>(min_)); i <= last; ++i) {
      if (counts_[i] != 0) fn(lowest_at(i), highest_at(i), counts_[i]);
    }
  }

  // Bounds of the bucket that record(value_us) would count into (after clamping).
  static int64_t lowest_equivalent_value(int64_t value_us) noexcept;
  static int64_t highest_equivalent_value(int64_t value_us) noexcept;

  // Compact JSON-safe text: "hdr1:" + padded base64 of varints (count, saturated, min, max, sums)
  // and the counts from min's bucket to max's, zero runs collapsed. deserialise() inverts it.
  std::string serialise() const;
  // Parses serialise()'s text; Errc::corrupt naming the problem (bad prefix, base64, truncated
  // or inconsistent data) on any other input, never a crash.
  static Result<Histogram> deserialise(std::string_view text);

  // Appends HdrHistogram's percentile distribution text (.hgrm, as outputPercentileDistribution
  // writes it: header, Value/Percentile/TotalCount/1/(1-Percentile) lines, final 100 % line, then
  // Mean/StdDeviation, Max/Total count and Buckets/SubBuckets footers) to `out`. Values are
  // divided by `value_unit_scale` (1000.0 prints milliseconds; a non-positive or non-finite
  // scale counts as 1.0) and, like value_at_percentile(), clamped to [min(), max()].
  // `ticks_per_half_distance` (at least 1) lines are written per halving of the distance to 100 %.
  void write_hgrm(std::string& out, double value_unit_scale = 1000.0,
                  int ticks_per_half_distance = 5) const;

  // Same values recorded: equal counts, saturated, min, max and sums.
  friend bool operator==(const Histogram& a, const Histogram& b);

 private:
  __extension__ using Uint128 = unsigned __int128;

  static constexpr int kSubBucketHalfMagnitude = 10;  // 1024 sub-buckets in each upper half
  static constexpr uint64_t kSubBucketMask = kSubBucketCount - 1;

  // Index in counts_ of the bucket holding `value_us` (0 <= value_us <= kMaxValueUs).
  static constexpr size_t index_of(uint64_t value_us) noexcept {
    const int bucket = 63 - kSubBucketHalfMagnitude - std::countl_zero(value_us | kSubBucketMask);
    return (static_cast<size_t>(bucket) << kSubBucketHalfMagnitude) +
           static_cast<size_t>(value_us >> bucket);
  }
  static constexpr int shift_at(size_t index) noexcept {
    return index < kSubBucketCount ? 0 : static_cast<int>(index >> kSubBucketHalfMagnitude) - 1;
  }
  static constexpr int64_t lowest_at(size_t index) noexcept {
    if (index < kSubBucketCount) return static_cast<int64_t>(index);
    const size_t sub_bucket = (index & (kSubBucketMask >> 1)) + (kSubBucketCount >> 1);
    return static_cast<int64_t>(sub_bucket) << shift_at(index);
  }
  static constexpr int64_t highest_at(size_t index) noexcept {
    return lowest_at(index) + (int64_t{1} << shift_at(index)) - 1;
  }

  // Smallest count c with c >= percentile/100 * count_, between 1 and count_.
  uint64_t rank_at_percentile(double percentile) const noexcept;
  // Bucket value at `index` as percentiles report it: highest_at() clamped to [min_, max_].
  int64_t reported_value_at(size_t index) const noexcept {
    return std::clamp(highest_at(index), min_, max_);
  }

  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t saturated_ = 0;
  int64_t min_ = INT64_MAX;  // sentinels while empty
  int64_t max_ = 0;
  Uint128 sum_ = 0;          // < 2^96
  Uint128 sum_squares_ = 0;  // < 2^128
};

// Merges the serialised histogram `from` into the serialised `into` ("" stands for an empty
// histogram). Texts that do not deserialise leave `into` as it was.
void merge_serialised(std::string& into, std::string_view from);

// value_at_percentile() of a serialised histogram; 0 for "" or text that does not deserialise.
int64_t percentile_of_serialised(std::string_view serialised, double percentile);

inline void Histogram::record_n(int64_t value_us, uint64_t n) noexcept {
  if (n == 0) return;
  int64_t value = value_us < 0 ? 0 : value_us;
  if (value > kMaxValueUs) {
    value = kMaxValueUs;
    saturated_ += n;
  }
  const auto u = static_cast<uint64_t>(value);
  counts_[index_of(u)] += n;
  count_ += n;
  sum_ += static_cast<Uint128>(u) * n;
  sum_squares_ += static_cast<Uint128>(u * u) * n;  // u * u < 2^64 since u <= kMaxValueUs
  if (value < min_) min_ = value;
  if (value > max_) max_ = value;
}

}  // namespace replay::histogram
