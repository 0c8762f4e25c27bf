// The significance tests: no change is not significant, a real shift with thousands of samples
// is (in the right direction), a handful of samples is not, and the numbers match hand-worked
// cases.

#include "replay/results/significance.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "replay/core/random.hpp"

using namespace replay;
using namespace replay::results;
using replay::histogram::Histogram;

namespace {

// `count` values log-normally spread around `median_us` (sigma 0.3), from `seed`.
Histogram latencies(int count, double median_us, uint64_t seed) {
  Random random(seed);
  Histogram h;
  for (int i = 0; i < count; ++i) {
    // Sum of 12 uniforms - 6: close enough to a standard normal for these tests.
    double z = -6;
    for (int k = 0; k < 12; ++k) z += random.uniform();
    h.record(static_cast<int64_t>(median_us * std::exp(0.3 * z)));
  }
  return h;
}

Histogram values(std::initializer_list<int64_t> v) {
  Histogram h;
  for (auto x : v) h.record(x);
  return h;
}

}  // namespace

TEST_CASE("Mann-Whitney: identical distributions give p = 1 and superiority 0.5") {
  const Histogram h = latencies(5000, 20'000, 1);
  const MannWhitney m = mann_whitney(h, h);
  CHECK(m.n_before == 5000);
  CHECK(m.n_after == 5000);
  CHECK(m.p_value == doctest::Approx(1.0));
  CHECK(m.superiority == doctest::Approx(0.5));
}

TEST_CASE("Mann-Whitney: two samples of one distribution are not significant") {
  const MannWhitney m = mann_whitney(latencies(5000, 20'000, 1), latencies(5000, 20'000, 2));
  CHECK(m.p_value > 0.01);
  CHECK(m.superiority == doctest::Approx(0.5).epsilon(0.03));
}

TEST_CASE("Mann-Whitney: a 10 % shift with thousands of samples is significant, in its direction") {
  const Histogram before = latencies(5000, 20'000, 1);
  const Histogram slower = latencies(5000, 22'000, 2);
  const MannWhitney up = mann_whitney(before, slower);
  CHECK(up.p_value < 1e-6);
  CHECK(up.z > 0);
  CHECK(up.superiority > 0.55);
  const MannWhitney down = mann_whitney(slower, before);
  CHECK(down.p_value < 1e-6);
  CHECK(down.z < 0);
  CHECK(down.superiority < 0.45);
}

TEST_CASE("Mann-Whitney: a handful of samples is not significant even when fully separated") {
  const MannWhitney m = mann_whitney(values({10, 11, 12}), values({20, 21, 22}));
  CHECK(m.superiority == 1.0);
  CHECK(m.u == 9);
  // n1 = n2 = 3: sigma^2 = 9 * 7 / 12, z = (9 - 4.5 - 0.5) / sigma = 1.746.
  CHECK(m.z == doctest::Approx(4.0 / std::sqrt(9.0 * 7 / 12)));
  CHECK(m.p_value == doctest::Approx(0.0808).epsilon(0.01));
  CHECK(m.p_value > 0.01);
}

TEST_CASE("Mann-Whitney counts ties within a bucket as half and corrects the variance") {
  // before: 1, 2, 2; after: 2, 3. Pairs after > before: 2>1, 3>1, 3>2, 3>2 = 4; ties 2=2 twice.
  const MannWhitney m = mann_whitney(values({1, 2, 2}), values({2, 3}));
  CHECK(m.u == doctest::Approx(5.0));
  CHECK(m.superiority == doctest::Approx(5.0 / 6));
  // Tie group of 3 (the value 2): sigma^2 = 6/12 * (6 - 24 / 20) = 2.4.
  CHECK(m.z == doctest::Approx((5 - 3 - 0.5) / std::sqrt(2.4)));
  const MannWhitney empty = mann_whitney(Histogram(), values({1}));
  CHECK(empty.p_value == 1);
  CHECK(empty.superiority == 0.5);
  const MannWhitney all_tied = mann_whitney(values({5, 5}), values({5, 5, 5}));
  CHECK(all_tied.p_value == 1);
}

TEST_CASE("bootstrap: a percentile of one distribution does not move significantly") {
  const Histogram a = latencies(4000, 20'000, 1);
  const Histogram b = latencies(4000, 20'000, 2);
  for (double p : {50.0, 99.0}) {
    const PercentileShift s = bootstrap_percentile_shift(a, b, p, 0.99, 1);
    CHECK(s.p_value > 0.01);
    CHECK(s.delta_low_us <= 0);
    CHECK(s.delta_high_us >= 0);
  }
  const PercentileShift same = bootstrap_percentile_shift(a, a, 99, 0.99, 1);
  CHECK(same.p_value > 0.5);
}

TEST_CASE("bootstrap: a 10 % shift of p50 and p99 with thousands of samples is significant") {
  const Histogram before = latencies(5000, 20'000, 1);
  const Histogram after = latencies(5000, 22'000, 2);
  const PercentileShift p50 = bootstrap_percentile_shift(before, after, 50, 0.99, 1);
  CHECK(p50.before_us == before.value_at_percentile(50));
  CHECK(p50.after_us == after.value_at_percentile(50));
  CHECK(p50.p_value < 0.001);
  CHECK(p50.delta_low_us > 0);
  CHECK(p50.delta_high_us > p50.delta_low_us);
  // The interval holds the observed change.
  CHECK(p50.delta_low_us <= static_cast<double>(p50.after_us - p50.before_us));
  CHECK(p50.delta_high_us >= static_cast<double>(p50.after_us - p50.before_us));
  const PercentileShift p99 = bootstrap_percentile_shift(before, after, 99, 0.99, 1);
  CHECK(p99.p_value < 0.01);
  const PercentileShift down = bootstrap_percentile_shift(after, before, 50, 0.99, 1);
  CHECK(down.p_value < 0.001);
  CHECK(down.delta_high_us < 0);
}

TEST_CASE("bootstrap: small samples are not significant, and the result repeats with its seed") {
  const Histogram before = latencies(8, 20'000, 1);
  const Histogram after = latencies(8, 22'000, 2);
  const PercentileShift s = bootstrap_percentile_shift(before, after, 99, 0.99, 7);
  CHECK(s.p_value > 0.01);
  const PercentileShift again = bootstrap_percentile_shift(before, after, 99, 0.99, 7);
  CHECK(again.p_value == s.p_value);
  CHECK(again.delta_low_us == s.delta_low_us);
  const PercentileShift empty = bootstrap_percentile_shift(Histogram(), after, 50, 0.99, 1);
  CHECK(empty.p_value == 1);
}

TEST_CASE("error ratios: equal ratios are not significant, 1 % -> 3 % of 5000 is") {
  const ProportionTest same = compare_proportions(50, 5000, 52, 5000);
  CHECK(same.p_value > 0.5);
  const ProportionTest worse = compare_proportions(50, 5000, 150, 5000);
  CHECK(worse.before == doctest::Approx(0.01));
  CHECK(worse.after == doctest::Approx(0.03));
  CHECK(worse.p_value < 1e-6);
  CHECK(compare_proportions(0, 100, 0, 100).p_value == 1);
  CHECK(compare_proportions(1, 10, 2, 10).p_value > 0.01);
}

TEST_CASE("rates: equal rates are not significant, 100/s -> 90/s over a minute is") {
  const RateTest same = compare_rates(6000, 60, 6010, 60);
  CHECK(same.before_per_s == doctest::Approx(100));
  CHECK(same.p_value > 0.5);
  const RateTest slower = compare_rates(6000, 60, 5400, 60);
  CHECK(slower.after_per_s == doctest::Approx(90));
  CHECK(slower.p_value < 1e-6);
  CHECK(compare_rates(10, 1, 9, 1).p_value > 0.01);
}
