#include "replay/core/check_tally.hpp"

#include <algorithm>

namespace replay {
namespace {

void count(std::vector<CheckFailureCount>& failures, std::string_view condition,
           std::string_view observed, uint64_t n) {
  auto it = std::find_if(failures.begin(), failures.end(),
                         [&](const CheckFailureCount& f) { return f.condition == condition; });
  if (it != failures.end()) {
    it->count += n;
  } else if (failures.size() < CheckTally::kMaxConditions) {
    failures.push_back({std::string(condition), std::string(observed), n});
  }
}

}  // namespace

double CheckTally::pass_ratio() const {
  const uint64_t total = passed + failed;
  return total == 0 ? 0.0 : static_cast<double>(passed) / static_cast<double>(total);
}

void CheckTally::add_failure(std::string_view condition, std::string_view observed) {
  ++failed;
  count(failures, condition, observed, 1);
}

void CheckTally::merge(const CheckTally& other) {
  passed += other.passed;
  failed += other.failed;
  for (const CheckFailureCount& f : other.failures)
    count(failures, f.condition, f.observed, f.count);
}

}  // namespace replay
