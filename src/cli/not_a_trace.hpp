#pragma once
// Recognises the JSON files users mistake for traces, a scenario or a HAR file, so that `run`
// and `inspect` can name the command that makes a trace from them.

#include <optional>
#include <string>

#include "replay/core/result.hpp"

namespace replay::cli {

// When `path` holds a JSON object whose top-level keys are a scenario's (requests, sessions,
// include, lists, defaults) or a HAR file's (log), the error to report instead of the trace
// reader's, naming the command to run; none for anything else, an unreadable file included.
// Reads at most the first 1 MiB.
std::optional<Error> not_a_trace_error(const std::string& path);

}  // namespace replay::cli
