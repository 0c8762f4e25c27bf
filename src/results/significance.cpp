#include "replay/results/significance.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "replay/core/random.hpp"

namespace replay::results {
namespace {

using histogram::Histogram;

double two_sided_p(double z) {
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

struct Bucket {
  int64_t lowest_us;
  int64_t value_us;  // as percentiles report it: the bucket's highest value, clamped to min..max
  uint64_t count;
};

std::vector<Bucket> buckets_of(const Histogram& h) {
  std::vector<Bucket> out;
  h.for_each_bucket([&](int64_t lo, int64_t hi, uint64_t count) {
    out.push_back({lo, std::clamp(hi, h.min(), h.max()), count});
  });
  return out;
}

// The histogram's values by rank, for drawing resampled order statistics.
class RankedValues {
 public:
  explicit RankedValues(const Histogram& h) {
    uint64_t cumulative = 0;
    for (const auto& b : buckets_of(h)) {
      cumulative += b.count;
      cumulative_.push_back(cumulative);
      values_.push_back(b.value_us);
    }
  }
  uint64_t count() const { return cumulative_.empty() ? 0 : cumulative_.back(); }
  // Value of the smallest rank r with r >= fraction * count (r at least 1).
  int64_t at_fraction(double fraction) const {
    const auto n = static_cast<double>(count());
    auto rank = static_cast<uint64_t>(std::ceil(fraction * n));
    rank = std::clamp<uint64_t>(rank, 1, count());
    auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), rank);
    return values_[static_cast<size_t>(it - cumulative_.begin())];
  }

 private:
  std::vector<uint64_t> cumulative_;
  std::vector<int64_t> values_;
};

// Draws for the bootstrap: standard normal (Box-Muller), gamma (Marsaglia-Tsang, shape >= 1)
// and beta, all from one seeded generator so results repeat exactly.
class Draws {
 public:
  explicit Draws(uint64_t seed) : random_(seed) {}

  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 0;
    while (u1 <= 0) u1 = random_.uniform();
    const double u2 = random_.uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2 * std::numbers::pi * u2);
    has_spare_ = true;
    return r * std::cos(2 * std::numbers::pi * u2);
  }

  double gamma(double shape) {
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x = 0, v = 0;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = random_.uniform();
      if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
      if (u > 0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
  }

  double beta(double a, double b) {
    const double x = gamma(a);
    const double y = gamma(b);
    return x / (x + y);
  }

 private:
  Random random_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// Rank of the percentile as Histogram::value_at_percentile takes it.
uint64_t rank_of(double percentile, uint64_t n) {
  const auto rank = static_cast<uint64_t>(std::ceil(percentile / 100.0 * static_cast<double>(n)));
  return std::clamp<uint64_t>(rank, 1, n);
}

}  // namespace

MannWhitney mann_whitney(const Histogram& before, const Histogram& after) {
  MannWhitney m;
  m.n_before = before.count();
  m.n_after = after.count();
  if (m.n_before == 0 || m.n_after == 0) return m;
  const auto b = buckets_of(before);
  const auto a = buckets_of(after);
  // Walk both bucket lists in value order (same layout, so equal lowest_us = same bucket).
  long double u = 0, ties = 0, before_below = 0;
  size_t i = 0, j = 0;
  while (i < b.size() || j < a.size()) {
    int64_t lowest = INT64_MAX;
    if (i < b.size()) lowest = b[i].lowest_us;
    if (j < a.size()) lowest = std::min(lowest, a[j].lowest_us);
    const long double nb = i < b.size() && b[i].lowest_us == lowest ? b[i++].count : 0;
    const long double na = j < a.size() && a[j].lowest_us == lowest ? a[j++].count : 0;
    u += na * (before_below + nb / 2);
    const long double t = na + nb;
    ties += t * t * t - t;
    before_below += nb;
  }
  const auto n1 = static_cast<long double>(m.n_before);
  const auto n2 = static_cast<long double>(m.n_after);
  const long double n = n1 + n2;
  const long double variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
  m.u = static_cast<double>(u);
  m.superiority = static_cast<double>(u / (n1 * n2));
  if (variance <= 0) return m;
  const long double distance = std::max<long double>(0, std::fabs(u - n1 * n2 / 2) - 0.5);
  m.z = static_cast<double>((u >= n1 * n2 / 2 ? distance : -distance) / std::sqrt(variance));
  m.p_value = two_sided_p(m.z);
  return m;
}

PercentileShift bootstrap_percentile_shift(const Histogram& before, const Histogram& after,
                                           double percentile, double confidence, uint64_t seed,
                                           int resamples) {
  PercentileShift s;
  s.percentile = percentile;
  s.before_us = before.value_at_percentile(percentile);
  s.after_us = after.value_at_percentile(percentile);
  if (before.count() == 0 || after.count() == 0 || resamples < 1) return s;
  const RankedValues b(before), a(after);
  const uint64_t rb = rank_of(percentile, b.count());
  const uint64_t ra = rank_of(percentile, a.count());
  Draws draws(seed);
  std::vector<double> deltas(static_cast<size_t>(resamples));
  size_t above = 0, below = 0;
  for (auto& d : deltas) {
    const double fb = draws.beta(static_cast<double>(rb), static_cast<double>(b.count() - rb + 1));
    const double fa = draws.beta(static_cast<double>(ra), static_cast<double>(a.count() - ra + 1));
    d = static_cast<double>(a.at_fraction(fa) - b.at_fraction(fb));
    above += d > 0;
    below += d < 0;
  }
  const double ties = static_cast<double>(deltas.size() - above - below);
  const double far_side = static_cast<double>(std::min(above, below)) + ties / 2;
  s.p_value = std::min(1.0, 2 * (far_side + 1) / (resamples + 1));
  std::sort(deltas.begin(), deltas.end());
  const double tail = std::clamp((1 - confidence) / 2, 0.0, 0.5);
  auto at = [&](double q) {
    const auto k = static_cast<size_t>(std::floor(q * static_cast<double>(deltas.size() - 1)));
    return deltas[std::min(k, deltas.size() - 1)];
  };
  s.delta_low_us = at(tail);
  s.delta_high_us = at(1 - tail);
  return s;
}

ProportionTest compare_proportions(uint64_t events_before, uint64_t trials_before,
                                   uint64_t events_after, uint64_t trials_after) {
  ProportionTest t;
  const auto eb = static_cast<double>(events_before), nb = static_cast<double>(trials_before);
  const auto ea = static_cast<double>(events_after), na = static_cast<double>(trials_after);
  if (nb > 0) t.before = eb / nb;
  if (na > 0) t.after = ea / na;
  if (nb == 0 || na == 0) return t;
  const double pooled = (eb + ea) / (nb + na);
  const double variance = pooled * (1 - pooled) * (1 / nb + 1 / na);
  if (variance <= 0) return t;
  t.p_value = two_sided_p((t.after - t.before) / std::sqrt(variance));
  return t;
}

RateTest compare_rates(double count_before, double seconds_before, double count_after,
                       double seconds_after) {
  RateTest t;
  if (seconds_before > 0) t.before_per_s = count_before / seconds_before;
  if (seconds_after > 0) t.after_per_s = count_after / seconds_after;
  const double total = count_before + count_after;
  if (seconds_before <= 0 || seconds_after <= 0 || total <= 0) return t;
  // Given the total, the after count is Binomial(total, share of time) when rates are equal.
  const double share = seconds_after / (seconds_before + seconds_after);
  const double variance = total * share * (1 - share);
  if (variance <= 0) return t;
  t.p_value = two_sided_p((count_after - total * share) / std::sqrt(variance));
  return t;
}

}  // namespace replay::results
