#pragma once
// Stage boundaries of a run's rate schedule (config "rate", e.g. "10/s:1m, 10/s->200/s:30s"),
// drawn as vertical markers on every over-time chart of the HTML pages.

#include <vector>

#include "replay/results/result_doc.hpp"
#include "svg_chart.hpp"

namespace replay::results {

// The label of the marker at the end of the load.
inline constexpr const char* kEndOfLoadLabel = "end of load";

// A marker at the end of each stage but the last, in seconds since the start, labelled with the
// stage that follows ("200/s", "10/s→200/s"), and one at the end of the load ("end of load") when
// the timeline goes on after it (the drain). None for recorded timing or a single open stage, or
// when the rate does not parse (the end of the load is marked all the same).
std::vector<Marker> stage_markers(const ResultDoc& doc);

// Adds the stage markers of every doc in `docs` to `chart`, once per position.
void add_stage_markers(LineChart& chart, const std::vector<const ResultDoc*>& docs);

}  // namespace replay::results
