#pragma once
// The rate a trace was recorded (or synthesised) at: `replay capacity`'s default start.

#include <string>

#include "replay/core/result.hpp"

namespace replay::capacity {

// Reads the whole trace at `path` once (streaming) and returns its records per second:
// (records - 1) / (last offset - first offset). Errors: the trace reader's (naming record and
// byte), and Errc::invalid_argument when fewer than two records or no time between them leave
// no rate to take.
Result<double> trace_rate_per_s(const std::string& path);

}  // namespace replay::capacity
