#pragma once
// `replay import har`: HAR 1.2 files (browser devtools, mitmproxy, Charles exports) to records.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/policy/record_policy.hpp"
#include "replay/trace/record.hpp"

namespace replay::importers {

struct HarOptions {
  policy::RecordPolicy policy;  // sessions, tags, redaction, body cut, as when recording
  bool skip_bad = false;        // bad entries are skipped and counted instead of failing
};

struct HarImport {
  std::string base_url;                // scheme://host[:port] of the earliest entry
  std::vector<trace::Record> records;  // sorted by offset, the earliest at 0
  uint64_t skipped = 0;                // bad entries left out (skip_bad)
  std::optional<Error> first_skipped;  // the error of the first of them
  size_t hosts = 0;                    // distinct hosts among the entries kept
};

// Reads a whole HAR document: one record per log.entries element, timed by startedDateTime,
// with the request's method, path and query, headers (minus Host, Content-Length, HTTP/2
// pseudo-headers and other per-connection ones) and postData body (base64 when its encoding
// says so), and the response summary (status, body size, send+wait as TTFB, time as
// duration, events of a text/event-stream body). Errors: Errc::corrupt naming the entry
// (1-based) and the line it starts on: "entry 3 (line 57): request.url: missing", or the
// document: "line 1: not a HAR file: no log.entries array".
Result<HarImport> import_har(std::string_view json, const HarOptions& options);

// One element of log.entries as found by the structural scan: byte range and first line.
struct HarEntrySpan {
  size_t begin = 0;
  size_t end = 0;   // one past the closing '}'
  size_t line = 0;  // 1-based line of `begin`
};

// Finds the elements of log.entries without parsing them, so that one malformed entry can
// be reported (and skipped) on its own. Errors: Errc::corrupt with a line number when there
// is no log.entries array or the document ends inside it.
Result<std::vector<HarEntrySpan>> find_har_entries(std::string_view json);

// Parses an ISO 8601 / RFC 3339 date-time with optional fraction and a Z or ±hh:mm offset
// ("2024-03-01T12:00:00.123+01:00") to microseconds since the Unix epoch; nullopt if malformed.
std::optional<int64_t> parse_iso8601_us(std::string_view text);

}  // namespace replay::importers
