#pragma once
// --abort-on: thresholds checked on the live figures while the run goes, as k6's abortOnFail
// does: the first one crossed stops the run (gracefully, as Ctrl-C does: what was measured is
// written), and the run exits 99 with the rule among its thresholds.

#include <optional>
#include <string>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/engine/engine.hpp"
#include "replay/results/result_doc.hpp"
#include "replay/results/threshold.hpp"

namespace replay::cli {

class AbortRules {
 public:
  // Each text a threshold the live figures can judge: run-wide corrected latency (pNN, max,
  // mean) or errors (errors<N%, errors<N); anything else is an error naming the flag.
  static Result<AbortRules> parse(const std::vector<std::string>& texts);

  bool empty() const { return rules_.empty(); }
  // Checks the rules on the run's figures so far; true the first time one is crossed. Not
  // before a second has closed with something ended in it (a first request's latency is
  // not yet the run's), nor in the call after the run ended.
  bool check(const engine::Progress& p);
  // The rule crossed, with what was seen when ("aborted the run at 3.0s: p99 = 812.00ms").
  const std::optional<results::ThresholdResult>& crossed() const { return crossed_; }

 private:
  std::vector<results::Threshold> rules_;
  std::optional<results::ThresholdResult> crossed_;
};

}  // namespace replay::cli
