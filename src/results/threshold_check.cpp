#include "threshold_check.hpp"

#include "replay/engine/threshold.hpp"

namespace replay::results {

ThresholdResult check_threshold(const std::string& expression, const ResultDoc& doc) {
  ThresholdResult out;
  out.expression = expression;
  auto parsed = engine::parse_threshold(expression);
  if (!parsed) {
    out.observed = "not re-evaluated: " + parsed.error().context;
    return out;
  }
  const engine::Threshold& t = parsed.value();
  const Scope* s = doc.find_scope(t.scope);
  if (!s) {
    out.observed = "no tag or endpoint named '" + t.scope + "' in this run";
    return out;
  }
  // A scope gets its share of the completions during the offered load.
  const double share = doc.overall.completed ? static_cast<double>(s->completed) /
                                                   static_cast<double>(doc.overall.completed)
                                             : 0.0;
  const auto outcome = engine::evaluate_threshold(
      t, engine::ThresholdFigures{s->corrected, s->error_ratio(), s->completed,
                                  static_cast<double>(doc.completed_during_load()) * share /
                                      static_cast<double>(doc.load_seconds())});
  out.passed = outcome.passed;
  out.observed = outcome.observed;
  return out;
}

}  // namespace replay::results
