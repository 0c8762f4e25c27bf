#pragma once
// Significance tests computed from histograms and counts, so that `replay compare` does not
// call noise a regression. Histogram buckets are the resolution: values within one bucket
// (0.1 %) count as ties. All functions are pure and deterministic (bootstrap with a fixed seed).

#include <cstdint>

#include "replay/histogram/histogram.hpp"

namespace replay::results {

struct MannWhitney {
  uint64_t n_before = 0;
  uint64_t n_after = 0;
  double u = 0;              // pairs (before, after) with after > before, ties counted half
  double z = 0;              // standardised U (0 when undefined)
  double p_value = 1;        // two-sided; normal approximation, tie and continuity corrected
  double superiority = 0.5;  // effect size: P(after > before) + P(tie) / 2 = U / (n_before n_after)
};

// Mann-Whitney U test of `after` against `before` on the bucketed distributions. With an empty
// side or all values tied, p_value is 1 and superiority 0.5.
MannWhitney mann_whitney(const histogram::Histogram& before, const histogram::Histogram& after);

struct PercentileShift {
  double percentile = 50;
  int64_t before_us = 0;  // value_at_percentile of each histogram
  int64_t after_us = 0;
  double delta_low_us = 0;  // bootstrap confidence interval of after - before
  double delta_high_us = 0;
  double p_value = 1;  // two-sided: twice the bootstrap mass on the far side of 0
};

// Bootstrap of the change of one percentile (0 < percentile <= 100): each resample's percentile
// is drawn exactly from the histogram (the r-th of n resampled values is the histogram's value
// at a Beta(r, n - r + 1) quantile), `resamples` times per side with a generator seeded by
// `seed`. `confidence` (e.g. 0.99) sets the interval. An empty side gives p_value 1 and a zero
// interval.
PercentileShift bootstrap_percentile_shift(const histogram::Histogram& before,
                                           const histogram::Histogram& after, double percentile,
                                           double confidence, uint64_t seed, int resamples = 10000);

struct ProportionTest {
  double before = 0;  // events / trials of each side (0 when no trials)
  double after = 0;
  double p_value = 1;  // two-sided two-proportion z-test, pooled variance
};

// Compares error ratios: `events` of `trials` on each side.
ProportionTest compare_proportions(uint64_t events_before, uint64_t trials_before,
                                   uint64_t events_after, uint64_t trials_after);

struct RateTest {
  double before_per_s = 0;
  double after_per_s = 0;
  double p_value = 1;  // two-sided; counts taken as Poisson, tested conditionally on their sum
};

// Compares rates: `count` events over `seconds` on each side (seconds > 0).
RateTest compare_rates(double count_before, double seconds_before, double count_after,
                       double seconds_after);

}  // namespace replay::results
