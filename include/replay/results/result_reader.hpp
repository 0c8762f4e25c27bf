#pragma once
// Reads result.json (format "replay-result", version 1) into a ResultDoc.

#include <string>
#include <string_view>

#include "replay/core/result.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// Parses a result document; `source` names it in errors and becomes ResultDoc::source.
// Errors, all prefixed by `source`: Errc::unsupported for another format or a newer version,
// Errc::corrupt naming the field ("by_endpoint.GET /x.latency_us.corrected.hdr: ...") for
// malformed JSON, a missing or mistyped field or a histogram that does not deserialise.
Result<ResultDoc> parse_result_json(std::string_view json, std::string_view source);

// Reads and parses the file at `path`. Errc::not_found / Errc::io naming the file when it
// cannot be read, then parse_result_json's errors.
Result<ResultDoc> read_result_file(const std::string& path);

}  // namespace replay::results
