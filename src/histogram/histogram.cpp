#include "replay/histogram/histogram.hpp"

#include <cmath>

namespace replay::histogram {

Histogram::Histogram() : counts_(index_of(kMaxValueUs) + 1, 0) {}

void Histogram::merge(const Histogram& other) noexcept {
  if (other.count_ == 0) return;
  const size_t last = index_of(static_cast<uint64_t>(other.max_));
  for (size_t i = index_of(static_cast<uint64_t>(other.min_)); i <= last; ++i) {
    counts_[i] += other.counts_[i];
  }
  count_ += other.count_;
  saturated_ += other.saturated_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  sum_squares_ += other.sum_squares_;
}

void Histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  saturated_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
  sum_ = 0;
  sum_squares_ = 0;
}

double Histogram::mean() const noexcept {
  if (count_ == 0) return 0.0;
  return static_cast<double>(static_cast<long double>(sum_) / count_);
}

double Histogram::stddev() const noexcept {
  if (count_ == 0) return 0.0;
  // n^2 * variance = n * sum_squares - sum^2, computed exactly whenever it fits in 128 bits.
  const Uint128 n = count_;
  Uint128 n_sum_squares = 0;
  Uint128 sum_squared = 0;
  if (!__builtin_mul_overflow(n, sum_squares_, &n_sum_squares) &&
      !__builtin_mul_overflow(sum_, sum_, &sum_squared)) {
    if (sum_squared >= n_sum_squares) return 0.0;
    return static_cast<double>(std::sqrt(static_cast<long double>(n_sum_squares - sum_squared)) /
                               static_cast<long double>(count_));
  }
  const long double mean_us = static_cast<long double>(sum_) / count_;
  const long double variance = static_cast<long double>(sum_squares_) / count_ - mean_us * mean_us;
  return variance > 0 ? static_cast<double>(std::sqrt(variance)) : 0.0;
}

uint64_t Histogram::rank_at_percentile(double percentile) const noexcept {
  const double exact = percentile * static_cast<double>(count_) / 100.0;
  double rank = std::ceil(exact);
  // A rank that is an integer in decimal (99.9 % of 1000) can come out a hair above it in binary;
  // without this it would move one value up.
  const double below = rank - 1.0;
  if (below >= 1.0 && exact - below <= below * 1e-12) rank = below;
  if (rank < 1.0) return 1;
  if (rank >= static_cast<double>(count_)) return count_;
  return static_cast<uint64_t>(rank);
}

int64_t Histogram::value_at_percentile(double percentile) const noexcept {
  if (count_ == 0) return 0;
  if (!(percentile > 0.0)) return min_;
  if (percentile >= 100.0) return max_;
  const uint64_t rank = rank_at_percentile(percentile);
  const size_t last = index_of(static_cast<uint64_t>(max_));
  uint64_t seen = 0;
  for (size_t i = index_of(static_cast<uint64_t>(min_)); i <= last; ++i) {
    seen += counts_[i];
    if (seen >= rank) return reported_value_at(i);
  }
  return max_;
}

int64_t Histogram::lowest_equivalent_value(int64_t value_us) noexcept {
  return lowest_at(index_of(static_cast<uint64_t>(std::clamp<int64_t>(value_us, 0, kMaxValueUs))));
}

int64_t Histogram::highest_equivalent_value(int64_t value_us) noexcept {
  return highest_at(index_of(static_cast<uint64_t>(std::clamp<int64_t>(value_us, 0, kMaxValueUs))));
}

bool operator==(const Histogram& a, const Histogram& b) {
  return a.count_ == b.count_ && a.saturated_ == b.saturated_ && a.min() == b.min() &&
         a.max() == b.max() && a.sum_ == b.sum_ && a.sum_squares_ == b.sum_squares_ &&
         a.counts_ == b.counts_;
}

}  // namespace replay::histogram
