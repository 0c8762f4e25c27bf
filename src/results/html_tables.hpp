#pragma once
// The report's tables about what came back and how: errors by cause (exact status codes, one
// example each), responses by status code, connection set-up (connect time, TLS handshakes) and
// the configuration in units people read. Every text from the result is escaped.

#include <string>

#include "replay/results/result_doc.hpp"

namespace replay::results {

// Errors by cause: each status code >= 400 (or the 4xx/5xx classes of older results), the
// transport causes, capture_failed and session_aborted, with the endpoints that had them and
// the first kept example of each; any errors no cause accounts for on a row of their own. The
// "no errors" line only when the run had none.
std::string errors_html(const ResultDoc& doc);

// Completed responses by exact status code with their share and endpoints; "" when the result
// has no codes (older results).
std::string status_codes_html(const ResultDoc& doc);

// The checks (records' "expect"): passed and failed overall and per tag and endpoint, then
// each failed condition with its count and a sample; "" when no check ran.
std::string checks_html(const ResultDoc& doc);
// The custom metrics (captures declared metrics) overall, per tag and per endpoint; "" when
// the run had none.
std::string metrics_html(const ResultDoc& doc);

// Connections opened and failed, TLS handshakes and resumptions, and the connect time
// percentiles overall and of each tag (of each endpoint when there are no tags).
std::string connections_html(const ResultDoc& doc);

// The run's configuration, keys as words and values in their units ("duration 20 s",
// "timeout 30 s", "loop yes"), then the run's ending (drain, trace end, records skipped).
std::string config_html(const ResultDoc& doc);

// "20 s", "2.5 ms", "850 µs", "1 m 30 s", "2 h 5 m": a duration for people, no trailing zeros.
std::string human_duration(int64_t us);

}  // namespace replay::results
