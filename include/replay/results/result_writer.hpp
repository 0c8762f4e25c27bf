#pragma once
// Writes a ResultDoc back as result.json, in the layout `replay run --out` writes.

#include <string>

#include "replay/core/result.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// The document as result.json (docs/result-format.md), ending in a newline. Summary fields
// (per-histogram count, min, mean, percentiles; failed, errors, error_ratio; rates) are
// derived from the histograms and counts, so reading the output gives back `doc`.
std::string format_result_doc(const ResultDoc& doc);

// Writes `text` to `path` (created or truncated). Errc::io naming `what` and the path.
Result<void> write_text_file(const std::string& path, const std::string& text,
                             const std::string& what);

}  // namespace replay::results
