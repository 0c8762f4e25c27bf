#pragma once
// Pooled sides for the comparison tests: a release where two of three endpoints got 30 %
// slower while the overall figures, dominated by a slow unchanged endpoint, did not move.

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "replay/results/comparison.hpp"
#include "test_docs.hpp"

namespace replay::testing {

// One side read from `samples` as `source`, with `threads` in its configuration.
inline results::PooledRuns pool_side(const std::vector<Sample>& samples, const std::string& source,
                                     unsigned threads = 2) {
  results::ResultDoc doc = make_run(samples, 1'700'000'000'000, threads);
  doc.source = source;
  auto pool = results::pool_runs({std::move(doc)});
  REQUIRE(pool.ok());
  return std::move(pool).value();
}

// A chat endpoint at ~500 ms (three in five requests, the overall percentiles' share), and the
// plans and webhook endpoints at `fast_us` each, on tags of their own.
inline std::vector<Sample> release_samples(int64_t fast_us, uint64_t seed) {
  auto samples = spread_samples(3000, 10, 500'000, "POST /api/v1/chat", seed, "chat");
  auto plans = spread_samples(1000, 10, fast_us, "GET /plans/{id}", seed + 10, "plans");
  auto hooks = spread_samples(1000, 10, fast_us, "POST /webhooks", seed + 20, "webhook");
  samples.insert(samples.end(), plans.begin(), plans.end());
  samples.insert(samples.end(), hooks.begin(), hooks.end());
  return samples;
}

}  // namespace replay::testing
