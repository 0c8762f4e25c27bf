#pragma once
// The correction a closed-loop measurement needs (HdrHistogram's recordValueWithExpectedInterval
// and copyCorrectedForCoordinatedOmission): a client that waits for each response before it
// sends the next misses the requests a steady schedule would have sent meanwhile.

#include <cstdint>

#include "replay/histogram/histogram.hpp"

namespace replay::histogram {

// Adds to `into` each value of `measured` and, for a value v above `interval_us`, the values
// v - interval, v - 2 * interval, ... while they are at least `interval_us` (each as often as
// v was recorded): what requests due every interval would have measured while v stalled its
// client. A bucket's values are taken at its highest equivalent value (as HdrHistogram's
// recorded-values iteration does), at most the histogram's max. interval_us <= 0 adds
// `measured` as it is.
void add_with_expected_interval(Histogram& into, const Histogram& measured, int64_t interval_us);

}  // namespace replay::histogram
