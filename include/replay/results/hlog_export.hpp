#pragma once
// A saved run's timeline as HdrHistogram's interval log (.hlog, docs/result-format.md): one
// interval a second, corrected latency untagged and service time tagged "service".

#include <string>

#include "replay/core/result.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// The tag of the service-time lines.
inline constexpr std::string_view kHlogServiceTag = "service";

// The .hlog text of `doc`: header at started_unix_ms, then for each timeline row (second s,
// 1 s long) an untagged line of its corrected histogram and a "Tag=service" line of its service
// histogram, values in microseconds; empty seconds are written as empty histograms.
// Errc::corrupt naming the second when a row's histogram does not deserialise.
Result<std::string> format_hlog(const ResultDoc& doc);

// format_hlog(doc) written to `path`; its errors, or Errc::io naming the path.
Result<void> write_hlog_file(const ResultDoc& doc, const std::string& path);

}  // namespace replay::results
