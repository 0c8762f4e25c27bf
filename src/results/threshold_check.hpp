#pragma once
// Re-checks --threshold expressions against a saved (merged) result, with the engine's parser
// and evaluation so that they mean what they mean in `replay run`.

#include "replay/results/result_doc.hpp"

namespace replay::results {

// Evaluates `expression` (as `replay run --threshold` takes it) on `doc`, spelling `observed`
// as the run does. An expression this build cannot parse fails, its observed text saying why.
ThresholdResult check_threshold(const std::string& expression, const ResultDoc& doc);

}  // namespace replay::results
