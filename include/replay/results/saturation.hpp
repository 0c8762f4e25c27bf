#pragma once
// The saturation verdict of a saved result: the engine's verdict as result.json keeps it, and
// the analysis run again on a saved (merged) result, so that it means what it means in
// `replay run`.

#include <vector>

#include "replay/engine/saturation.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// The engine's verdict as a result holds it (its evidence stays in the scopes' histograms).
Saturation to_saturation(const engine::SaturationVerdict& verdict);

// The verdict of a saved result, as `replay run` states it: service saturation from `timeline`,
// generator- and client-limited from the scheduler lag and connection wait of `overall` (empty
// in results written before send lag was split, which then name neither).
Saturation analyse_saturation(const std::vector<TimelineRow>& timeline, const Scope& overall);

}  // namespace replay::results
