#pragma once
// Fixed results::ResultDoc values the report views' golden files are rendered from: built in
// memory, field by field, so a golden file changes only when a view does.

#include "replay/results/result_doc.hpp"

namespace replay::testing {

// 10 s at 100/s against a healthy target: 1000 requests, all 200, one endpoint.
results::ResultDoc plain_run_doc();
// 10 s at 100/s with 429s and 503s, resets, timeouts and abandoned requests (lower bounds),
// their samples, a warning and two thresholds, one crossed.
results::ResultDoc errors_run_doc();
// Ctrl-C at 3.9 s after 3.0 s of load at 10/s: partial, with abandoned requests.
results::ResultDoc interrupted_run_doc();
// Two requests 1 ms apart: 0.002 s of load, 0.004 s of run.
results::ResultDoc short_run_doc();
// 5 s at 40/s over three tags and four endpoints, over TLS with failed connection attempts.
results::ResultDoc tagged_run_doc();

}  // namespace replay::testing
