#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "replay/histogram/histogram.hpp"

using replay::histogram::Histogram;

namespace {

constexpr int64_t kMax = Histogram::kMaxValueUs;

// Realistic latencies: lognormal around ~2 ms with a long tail, some zeros.
std::vector<int64_t> lognormal_values(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(7.5, 1.3);
  std::vector<int64_t> values(n);
  for (auto& v : values) v = static_cast<int64_t>(dist(rng));
  return values;
}

Histogram histogram_of(const std::vector<int64_t>& values) {
  Histogram h;
  for (int64_t v : values) h.record(v);
  return h;
}

// Rank of the value at `tenths` tenths of a percent of `n` values, in integer arithmetic.
uint64_t rank_at_tenths(uint64_t tenths, uint64_t n) {
  return std::max<uint64_t>(1, (tenths * n + 999) / 1000);
}

// What value_at_percentile must return for the `rank`-th smallest of `sorted`.
int64_t expected_percentile_value(const std::vector<int64_t>& sorted, uint64_t rank) {
  return std::clamp(Histogram::highest_equivalent_value(sorted[rank - 1]), sorted.front(),
                    sorted.back());
}

void check_within_tenth_of_percent(int64_t got, int64_t exact) {
  CHECK(got >= exact);
  CHECK(static_cast<double>(got - exact) <= 0.001 * static_cast<double>(exact));
}

}  // namespace

TEST_CASE("values below 2048 have their own bucket, larger ones share within 1/1024") {
  for (int64_t v = 0; v < 2048; ++v) {
    REQUIRE(Histogram::lowest_equivalent_value(v) == v);
    REQUIRE(Histogram::highest_equivalent_value(v) == v);
  }
  std::vector<int64_t> probes;
  for (int shift = 11; shift < 32; ++shift) {
    const int64_t p = int64_t{1} << shift;
    probes.insert(probes.end(), {p - 1, p, p + 1, p + p / 3});
  }
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int64_t> any(2048, kMax);
  for (int i = 0; i < 10000; ++i) probes.push_back(any(rng));
  for (int64_t v : probes) {
    if (v > kMax) continue;
    const int64_t low = Histogram::lowest_equivalent_value(v);
    const int64_t high = Histogram::highest_equivalent_value(v);
    REQUIRE(low <= v);
    REQUIRE(v <= high);
    REQUIRE((high - low + 1) * 1024 <= low);
    if (high < kMax)
      REQUIRE(Histogram::lowest_equivalent_value(high + 1) == high + 1);  // contiguous
    REQUIRE(static_cast<double>(high - v) < 0.001 * static_cast<double>(v));
  }
  CHECK(Histogram::highest_equivalent_value(kMax + 1000) ==
        Histogram::highest_equivalent_value(kMax));
}

TEST_CASE("an empty histogram reports zeros") {
  const Histogram h;
  CHECK(h.count() == 0);
  CHECK(h.saturated() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0.0);
  CHECK(h.stddev() == 0.0);
  for (double p : {0.0, 50.0, 99.9, 100.0}) CHECK(h.value_at_percentile(p) == 0);
  int calls = 0;
  h.for_each_bucket([&](int64_t, int64_t, uint64_t) { ++calls; });
  CHECK(calls == 0);
}

TEST_CASE("a single value is every percentile exactly") {
  Histogram h;
  h.record(123'456);  // its bucket spans 123456..123519
  CHECK(h.count() == 1);
  CHECK(h.min() == 123'456);
  CHECK(h.max() == 123'456);
  CHECK(h.mean() == 123'456.0);
  CHECK(h.stddev() == 0.0);
  for (double p : {0.0, 0.001, 50.0, 99.999, 100.0}) CHECK(h.value_at_percentile(p) == 123'456);
}

TEST_CASE("percentile 0 is min and 100 is max, out-of-range percentiles clamp") {
  Histogram h;
  for (int64_t v : {5'000'001, 7'000'003, 9'000'007}) h.record(v);
  CHECK(h.value_at_percentile(0) == 5'000'001);
  CHECK(h.value_at_percentile(-3) == 5'000'001);
  CHECK(h.value_at_percentile(std::nan("")) == 5'000'001);
  CHECK(h.value_at_percentile(100) == 9'000'007);
  CHECK(h.value_at_percentile(250) == 9'000'007);
  CHECK(h.value_at_percentile(34) == Histogram::highest_equivalent_value(7'000'003));
  CHECK(h.value_at_percentile(33.3) == Histogram::highest_equivalent_value(5'000'001));
}

TEST_CASE("ranks are not pushed up by decimal percentiles") {
  Histogram h;
  for (int64_t v = 1; v <= 1000; ++v) h.record(v);
  for (uint64_t tenths = 1; tenths <= 1000; ++tenths) {  // 16.1 % of 1000 is 161.00000000000003
    CAPTURE(tenths);
    CHECK(h.value_at_percentile(static_cast<double>(tenths) / 10.0) ==
          static_cast<int64_t>(rank_at_tenths(tenths, 1000)));
  }
  CHECK(h.value_at_percentile(99.9) == 999);
  CHECK(h.value_at_percentile(99.95) == 1000);
  CHECK(h.value_at_percentile(0.1) == 1);
  CHECK(h.value_at_percentile(0.15) == 2);
  CHECK(h.value_at_percentile(50) == 500);
  CHECK(h.value_at_percentile(90) == 900);
  CHECK(h.value_at_percentile(99) == 990);
}

TEST_CASE("uniform 1..100000 us: percentiles within 0.1 %") {
  Histogram h;
  std::vector<int64_t> sorted;
  for (int64_t v = 1; v <= 100'000; ++v) {
    h.record(v);
    sorted.push_back(v);
  }
  CHECK(h.count() == 100'000);
  const std::pair<double, uint64_t> cases[] = {{50, 500}, {90, 900}, {99, 990}, {99.9, 999}};
  for (const auto& c : cases) {
    const double percentile = c.first;
    const uint64_t tenths = c.second;
    CAPTURE(percentile);
    const uint64_t rank = rank_at_tenths(tenths, sorted.size());
    const int64_t got = h.value_at_percentile(percentile);
    CHECK(got == expected_percentile_value(sorted, rank));
    check_within_tenth_of_percent(got, sorted[rank - 1]);
  }
  CHECK(h.value_at_percentile(50) == 50'015);  // 50000's bucket is 49984..50015
}

TEST_CASE("bimodal with a 1 % tail: p98.9 and p99.1 land on their modes") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> fast(1'000.0, 50.0);
  std::normal_distribution<double> slow(1'000'000.0, 20'000.0);
  std::vector<int64_t> values;
  for (int i = 0; i < 99'000; ++i) values.push_back(std::llround(fast(rng)));
  for (int i = 0; i < 1'000; ++i) values.push_back(std::llround(slow(rng)));
  std::shuffle(values.begin(), values.end(), rng);
  const Histogram h = histogram_of(values);
  std::sort(values.begin(), values.end());

  const int64_t p989 = h.value_at_percentile(98.9);
  const int64_t p991 = h.value_at_percentile(99.1);
  CHECK(p989 > 500);
  CHECK(p989 < 2'000);
  CHECK(p991 > 500'000);
  CHECK(p991 < 2'000'000);
  check_within_tenth_of_percent(p989, values[rank_at_tenths(989, values.size()) - 1]);
  check_within_tenth_of_percent(p991, values[rank_at_tenths(991, values.size()) - 1]);
  CHECK(h.value_at_percentile(99.0) < 2'000);  // the 99000th value is still fast
  CHECK(h.value_at_percentile(99.001) > 500'000);
}

TEST_CASE("every tenth of a percent matches the sorted values") {
  std::vector<int64_t> values = lognormal_values(100'003, 11);
  const Histogram h = histogram_of(values);
  std::sort(values.begin(), values.end());
  CHECK(h.value_at_percentile(0) == values.front());
  for (uint64_t tenths = 1; tenths < 1000; ++tenths) {
    CAPTURE(tenths);
    const uint64_t rank = rank_at_tenths(tenths, values.size());
    const int64_t got = h.value_at_percentile(static_cast<double>(tenths) / 10.0);
    REQUIRE(got == expected_percentile_value(values, rank));
    check_within_tenth_of_percent(got, values[rank - 1]);
  }
  CHECK(h.value_at_percentile(100) == values.back());
}

TEST_CASE("min, max, mean and stddev are those of the recorded values") {
  std::vector<int64_t> values = lognormal_values(200'000, 3);
  values.push_back(0);
  values.push_back(2'000'000'000);
  const Histogram h = histogram_of(values);

  long double sum = 0;
  for (int64_t v : values) sum += v;
  const long double mean = sum / values.size();
  long double squares = 0;
  for (int64_t v : values) squares += (v - mean) * (v - mean);
  const double stddev = static_cast<double>(std::sqrt(squares / values.size()));

  CHECK(h.count() == values.size());
  CHECK(h.min() == 0);
  CHECK(h.max() == 2'000'000'000);
  CHECK(h.mean() == doctest::Approx(static_cast<double>(mean)).epsilon(1e-12));
  CHECK(h.stddev() == doctest::Approx(stddev).epsilon(1e-12));
  CHECK(h.saturated() == 0);
}

TEST_CASE("out-of-range values are clamped: below to 0, above to 1 h and counted") {
  Histogram h;
  h.record(-5);
  CHECK(h.min() == 0);
  CHECK(h.value_at_percentile(50) == 0);
  h.record(0);
  h.record(kMax);
  CHECK(h.saturated() == 0);
  h.record(kMax + 1);
  h.record(INT64_MAX);
  h.record(INT64_MIN);
  CHECK(h.count() == 6);
  CHECK(h.saturated() == 2);
  CHECK(h.min() == 0);
  CHECK(h.max() == kMax);
  CHECK(h.mean() == doctest::Approx(3.0 * kMax / 6));
  CHECK(h.value_at_percentile(100) == kMax);
  CHECK(h.value_at_percentile(60) == kMax);
  CHECK(h.value_at_percentile(50) == 0);
}

TEST_CASE("record_n(v, n) equals n records of v, and n == 0 records nothing") {
  Histogram once;
  Histogram many;
  for (int i = 0; i < 7; ++i) once.record(4'321);
  once.record(kMax + 5);
  once.record(kMax + 5);
  many.record_n(4'321, 7);
  many.record_n(kMax + 5, 2);
  CHECK(once == many);
  CHECK(many.saturated() == 2);
  many.record_n(99, 0);
  CHECK(once == many);
  Histogram empty;
  empty.record_n(99, 0);
  CHECK(empty == Histogram());
  CHECK(empty.min() == 0);
}

TEST_CASE("huge counts keep exact totals and sums") {
  Histogram h;
  h.record_n(1'000, uint64_t{1} << 62);
  h.record_n(kMax + 1, uint64_t{1} << 61);
  CHECK(h.count() == (uint64_t{1} << 62) + (uint64_t{1} << 61));
  CHECK(h.saturated() == uint64_t{1} << 61);
  CHECK(h.mean() == doctest::Approx((2.0 * 1'000 + kMax) / 3.0).epsilon(1e-12));
  const double stddev = std::sqrt(2.0) / 3.0 * (kMax - 1'000);  // two-point distribution 2:1
  CHECK(h.stddev() == doctest::Approx(stddev).epsilon(1e-9));
  CHECK(h.value_at_percentile(66) == 1'000);
  CHECK(h.value_at_percentile(67) == kMax);
}

TEST_CASE("merging two histograms equals recording their union") {
  const std::vector<int64_t> a = lognormal_values(50'000, 21);
  std::vector<int64_t> b = lognormal_values(30'000, 22);
  for (auto& v : b) v *= 40;  // another range
  b.push_back(kMax * 2);      // saturated
  std::vector<int64_t> both = a;
  both.insert(both.end(), b.begin(), b.end());

  const Histogram union_h = histogram_of(both);
  Histogram ab = histogram_of(a);
  ab.merge(histogram_of(b));
  Histogram ba = histogram_of(b);
  ba.merge(histogram_of(a));

  CHECK(ab == union_h);
  CHECK(ba == union_h);
  CHECK(ab.saturated() == union_h.saturated());
  CHECK(ab.saturated() >= 1);
  CHECK(ab.mean() == union_h.mean());
  CHECK(ab.stddev() == union_h.stddev());
  for (int tenths = 0; tenths <= 1000; ++tenths) {
    CAPTURE(tenths);
    REQUIRE(ab.value_at_percentile(tenths / 10.0) == union_h.value_at_percentile(tenths / 10.0));
  }
  CHECK_FALSE(ab == histogram_of(a));

  Histogram into_empty;
  into_empty.merge(union_h);
  CHECK(into_empty == union_h);
  Histogram with_empty = union_h;
  with_empty.merge(Histogram());
  CHECK(with_empty == union_h);
}

TEST_CASE("reset empties, copies are independent, moves keep the values") {
  const Histogram original = histogram_of(lognormal_values(1'000, 5));
  Histogram copy = original;
  CHECK(copy == original);
  copy.record(17);
  CHECK_FALSE(copy == original);
  CHECK(original.count() == 1'000);

  Histogram moved = std::move(copy);
  CHECK(moved.count() == 1'001);
  moved.reset();
  CHECK(moved == Histogram());
  CHECK(moved.min() == 0);
  moved.record(42);
  CHECK(moved.min() == 42);
  CHECK(moved.max() == 42);

  Histogram assigned;
  assigned = original;
  CHECK(assigned == original);
}

TEST_CASE("for_each_bucket visits non-empty buckets in order with their bounds") {
  const std::vector<int64_t> values = lognormal_values(20'000, 9);
  const Histogram h = histogram_of(values);
  struct Bucket {
    int64_t lowest_us;
    int64_t highest_us;
    uint64_t count;
  };
  std::vector<Bucket> buckets;
  h.for_each_bucket([&](int64_t lowest_us, int64_t highest_us, uint64_t count) {
    buckets.push_back({lowest_us, highest_us, count});
  });
  REQUIRE_FALSE(buckets.empty());
  uint64_t total = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    CHECK(buckets[i].count > 0);
    CHECK(buckets[i].lowest_us <= buckets[i].highest_us);
    if (i > 0) CHECK(buckets[i - 1].highest_us < buckets[i].lowest_us);
    total += buckets[i].count;
  }
  CHECK(total == h.count());
  CHECK(buckets.front().lowest_us <= h.min());
  CHECK(buckets.front().highest_us >= h.min());
  CHECK(buckets.back().highest_us >= h.max());
  for (int64_t v : values) {
    const auto it = std::lower_bound(
        buckets.begin(), buckets.end(), v,
        [](const Bucket& bucket, int64_t value) { return bucket.highest_us < value; });
    REQUIRE(it != buckets.end());
    REQUIRE(it->lowest_us <= v);
  }
}
