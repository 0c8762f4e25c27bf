#include <algorithm>

#include "replay/results/result_doc.hpp"

namespace replay::results {

void add_status_codes(StatusCodeCounts& into, const StatusCodeCounts& from) {
  for (const auto& [code, n] : from) {
    auto at = std::lower_bound(into.begin(), into.end(), code,
                               [](const auto& entry, int c) { return entry.first < c; });
    if (at != into.end() && at->first == code) {
      at->second += n;
    } else {
      into.emplace(at, code, n);
    }
  }
}

void add_failure_samples(std::vector<FailureSample>& into, const std::vector<FailureSample>& from) {
  for (const FailureSample& sample : from) {
    size_t of_key = 0;
    std::vector<std::string_view> keys;
    for (const FailureSample& kept : into) {
      if (kept.key == sample.key) ++of_key;
      if (std::find(keys.begin(), keys.end(), kept.key) == keys.end()) keys.push_back(kept.key);
    }
    const bool wanted = of_key > 0 ? of_key < kSamplesPerKey : keys.size() < kMaxSampleKeys;
    if (wanted) into.push_back(sample);
  }
}

}  // namespace replay::results
