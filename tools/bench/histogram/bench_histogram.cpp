// Times Histogram::record on realistic latencies, and merge, serialise, deserialise, percentiles
// and .hgrm output. Usage: bench_histogram [values, default 100000000]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "replay/histogram/histogram.hpp"

using replay::histogram::Histogram;

namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ns(Clock::time_point since) {
  return std::chrono::duration<double, std::nano>(Clock::now() - since).count();
}

// Lognormal latencies (median ~1.8 ms, long tail) plus a 1 % slow mode and rare overflows.
std::vector<int64_t> make_latencies(size_t n) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> fast(7.5, 1.0);
  std::lognormal_distribution<double> slow(13.5, 0.5);
  std::uniform_real_distribution<double> pick(0.0, 1.0);
  std::vector<int64_t> values(n);
  for (auto& v : values) {
    const double p = pick(rng);
    v = static_cast<int64_t>(p < 0.01 ? slow(rng) : fast(rng));
  }
  return values;
}

// Keeps `value` alive without a side effect the optimiser could drop.
template <class T>
void keep(const T& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t total_values = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000'000;
  // A pre-generated array small enough to stay cheap, replayed until total_values are recorded.
  const std::vector<int64_t> values = make_latencies(1 << 20);

  Histogram h;
  for (int64_t v : values) h.record(v);  // warm the counts array
  h.reset();
  uint64_t recorded = 0;
  const auto record_start = Clock::now();
  while (recorded < total_values) {
    const size_t n = std::min<uint64_t>(values.size(), total_values - recorded);
    for (size_t i = 0; i < n; ++i) h.record(values[i]);
    recorded += n;
  }
  const double record_ns = elapsed_ns(record_start);
  keep(h);
  std::printf("histogram.record: %.2f ns/value (%llu values)\n", record_ns / recorded,
              static_cast<unsigned long long>(recorded));
  std::printf("  check: count %llu, p50 %lld us, p99 %lld us, p99.9 %lld us, max %lld us\n",
              static_cast<unsigned long long>(h.count()),
              static_cast<long long>(h.value_at_percentile(50)),
              static_cast<long long>(h.value_at_percentile(99)),
              static_cast<long long>(h.value_at_percentile(99.9)), static_cast<long long>(h.max()));

  constexpr int kMerges = 2'000;
  Histogram merged;
  const auto merge_start = Clock::now();
  for (int i = 0; i < kMerges; ++i) merged.merge(h);
  keep(merged);
  std::printf("histogram.merge: %.2f us/merge (%d merges of a %llu-value histogram)\n",
              elapsed_ns(merge_start) / kMerges / 1000.0, kMerges,
              static_cast<unsigned long long>(h.count()));

  constexpr int kSerialises = 2'000;
  std::string text;
  const auto serialise_start = Clock::now();
  for (int i = 0; i < kSerialises; ++i) {
    text = h.serialise();
    keep(text);
  }
  std::printf("histogram.serialise: %.2f us/histogram (%zu bytes of text)\n",
              elapsed_ns(serialise_start) / kSerialises / 1000.0, text.size());

  const auto deserialise_start = Clock::now();
  for (int i = 0; i < kSerialises; ++i) {
    auto back = Histogram::deserialise(text);
    if (!back.ok() || !(*back == h)) {
      std::fprintf(stderr, "deserialise did not round-trip\n");
      return 1;
    }
    keep(back);
  }
  std::printf("histogram.deserialise: %.2f us/histogram\n",
              elapsed_ns(deserialise_start) / kSerialises / 1000.0);

  constexpr int kPercentiles = 100'000;
  int64_t sum = 0;
  const auto percentile_start = Clock::now();
  for (int i = 0; i < kPercentiles; ++i) sum += h.value_at_percentile(90.0 + (i % 100) * 0.0999);
  keep(sum);
  std::printf("histogram.value_at_percentile: %.1f ns/call (p90..p99.9)\n",
              elapsed_ns(percentile_start) / kPercentiles);

  constexpr int kHgrms = 1'000;
  std::string hgrm;
  const auto hgrm_start = Clock::now();
  for (int i = 0; i < kHgrms; ++i) {
    hgrm.clear();
    h.write_hgrm(hgrm);
    keep(hgrm);
  }
  std::printf("histogram.write_hgrm: %.2f us/histogram (%zu bytes)\n",
              elapsed_ns(hgrm_start) / kHgrms / 1000.0, hgrm.size());
  return 0;
}
