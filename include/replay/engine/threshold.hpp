#pragma once
// --threshold expressions: "p95<500ms", "chat:p99<2s", "errors<1%", "rate>190/s",
// "GET /api/v1/plans/{id}:max<=3s". The scope before the last ':' names a tag or an endpoint.

#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/engine/engine.hpp"

namespace replay::engine {

enum class ThresholdMetric { percentile, max, mean, errors, rate };
enum class ThresholdOp { less, less_equal, greater, greater_equal };

struct Threshold {
  std::string text;
  std::string scope;  // "" = overall
  ThresholdMetric metric = ThresholdMetric::percentile;
  double percentile = 0;  // for ThresholdMetric::percentile
  ThresholdOp op = ThresholdOp::less;
  double limit = 0;  // us for latencies, a ratio 0..1 for errors, per second for rate
};

struct ThresholdOutcome {
  std::string text;
  bool passed = false;
  std::string observed;  // "p95 = 512.30ms"
};

// Parses one expression; Errc::invalid_argument naming the expression and the problem.
Result<Threshold> parse_threshold(std::string_view text);

// What a threshold is checked against: one scope's figures, whoever holds them (a finished
// run or a saved result). `corrected` must outlive the call.
struct ThresholdFigures {
  const histogram::Histogram& corrected;
  double error_ratio = 0;
  uint64_t completed = 0;
  double rate_per_s = 0;  // the scope's completions per second of the offered load
};

// Checks `t` against one scope's figures. No data is not a pass: a latency threshold on a
// scope that completed nothing fails.
ThresholdOutcome evaluate_threshold(const Threshold& t, const ThresholdFigures& figures);

// Checks `t` against a run; an unknown scope fails the threshold (it names the scope).
ThresholdOutcome evaluate_threshold(const Threshold& t, const RunResult& run);

}  // namespace replay::engine
