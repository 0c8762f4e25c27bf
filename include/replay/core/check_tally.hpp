#pragma once
// What the checks of a scope's responses gave (trace::Expect, k6's checks): how many passed
// and failed, and the failed conditions counted by their text with the first response's value
// as a sample. The engine fills one per scope; result files carry it as "checks".

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace replay {

struct CheckFailureCount {
  std::string condition;  // "status 201", "json /id exists"
  std::string observed;   // what the first failing response held: "503", "missing"
  uint64_t count = 0;
  friend bool operator==(const CheckFailureCount&, const CheckFailureCount&) = default;
};

struct CheckTally {
  // Distinct conditions listed; failures of further conditions count in `failed` only.
  static constexpr size_t kMaxConditions = 16;

  uint64_t passed = 0;
  uint64_t failed = 0;
  std::vector<CheckFailureCount> failures;  // first seen first

  bool empty() const { return passed == 0 && failed == 0; }
  // passed / (passed + failed); 0 when no check ran.
  double pass_ratio() const;
  // One more failed check, counted under `condition`.
  void add_failure(std::string_view condition, std::string_view observed);
  // Adds `other`: counts summed, conditions matched by text (other's sample kept for new ones).
  void merge(const CheckTally& other);
  friend bool operator==(const CheckTally&, const CheckTally&) = default;
};

}  // namespace replay
