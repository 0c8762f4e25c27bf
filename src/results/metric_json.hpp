#pragma once
// A scope's "metrics" in result.json: custom metrics captured from responses.

#include "json_fields.hpp"
#include "replay/core/json_writer.hpp"
#include "replay/histogram/metric_tally.hpp"

namespace replay::results {

// [{"name", "kind", "count", "sum", "min", "max", "mean", "non_numeric", "missing"}, ...];
// a histogram metric adds "values": a histogram object as latencies write them.
void write_metrics(JsonWriter& w, const histogram::MetricTallies& metrics);
// The array at `key`; an unknown kind or a bad histogram is an error recorded in `sink`.
histogram::MetricTallies read_metrics(ObjectReader& r, std::string_view key, ErrorSink& sink);

}  // namespace replay::results
