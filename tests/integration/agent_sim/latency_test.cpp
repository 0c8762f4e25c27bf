// agent-sim's durations, latency distributions and seeded generator, checked in-process.

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "latency.hpp"

using namespace replay::agent_sim;

TEST_CASE("durations need a unit and convert to microseconds") {
  CHECK(parse_duration_us("250us").value() == 250);
  CHECK(parse_duration_us("20ms").value() == 20'000);
  CHECK(parse_duration_us("1.5s").value() == 1'500'000);
  CHECK(parse_duration_us("2m").value() == 120'000'000);
  CHECK(parse_duration_us("1h").value() == 3'600'000'000);  // the same units as replay's flags
  CHECK(parse_duration_us("0").value() == 0);
  for (const char* bad : {"", "20", "ms", "-1ms", "1.5 s", "abc", "25h"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration_us(bad).ok());
  }
}

TEST_CASE("fixed and uniform distributions stay in their bounds") {
  Rng rng(1);
  auto fixed = parse_latency_distribution("20ms").value();
  CHECK(fixed.sample_us(rng) == 20'000);
  CHECK(fixed.sample_ms(rng) == 20);
  CHECK(parse_latency_distribution("fixed:1500us").value().sample_ms(rng) == 2);  // rounded up
  CHECK(parse_latency_distribution("0").value().is_zero());

  auto uniform = parse_latency_distribution("uniform:10ms..50ms").value();
  double sum = 0;
  uint64_t low = UINT64_MAX;
  uint64_t high = 0;
  constexpr int kSamples = 100'000;
  for (int i = 0; i < kSamples; ++i) {
    uint64_t us = uniform.sample_us(rng);
    low = std::min(low, us);
    high = std::max(high, us);
    sum += static_cast<double>(us);
  }
  CHECK(low >= 10'000);
  CHECK(high <= 50'000);
  CHECK(low < 11'000);
  CHECK(high > 49'000);
  CHECK(sum / kSamples == doctest::Approx(30'000).epsilon(0.01));
  CHECK_FALSE(parse_latency_distribution("uniform:50ms..10ms").ok());
  CHECK_FALSE(parse_latency_distribution("uniform:10ms").ok());
}

TEST_CASE("lognormal:mean=M,p99=P has that mean and 99th percentile") {
  auto d = parse_latency_distribution("lognormal:mean=800ms,p99=3s").value();
  Rng rng(42);
  std::vector<uint64_t> samples(400'000);
  double sum = 0;
  for (auto& s : samples) {
    s = d.sample_us(rng);
    sum += static_cast<double>(s);
  }
  std::sort(samples.begin(), samples.end());
  CHECK(sum / static_cast<double>(samples.size()) == doctest::Approx(800'000).epsilon(0.02));
  CHECK(static_cast<double>(samples[samples.size() * 99 / 100]) ==
        doctest::Approx(3'000'000).epsilon(0.03));
  CHECK(d.describe() == "lognormal:mean=800000us,p99=3000000us");
  CHECK_FALSE(parse_latency_distribution("lognormal:mean=3s,p99=1s").ok());
  CHECK_FALSE(parse_latency_distribution("lognormal:mean=1ms,p99=1s").ok());  // ratio too large
  CHECK_FALSE(parse_latency_distribution("lognormal:mean=1s").ok());
  CHECK_FALSE(parse_latency_distribution("gamma:1s").ok());
}

TEST_CASE("the generator is reproducible per seed") {
  Rng a(7);
  Rng b(7);
  Rng c(8);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.next_u64();
    CHECK(x == b.next_u64());
    differs = differs || x != c.next_u64();
  }
  CHECK(differs);
  double u = Rng(3).uniform();
  CHECK(u >= 0.0);
  CHECK(u < 1.0);
}
