#pragma once
// One trace line <-> one TraceHeader or Record: the JSON Lines encoding of docs/trace-format.md.
// TraceWriter and TraceReader use it; it is public for tools that handle lines themselves.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"
#include "replay/trace/record.hpp"

namespace replay::trace {

// Readable bytes a LineParser needs after the end of each line it parses (their content is
// irrelevant): at least simdjson's SIMDJSON_PADDING.
inline constexpr size_t kLinePadding = 64;

// Appends the header line, '\n' included, with kTraceFormatName and version 2 when
// header.version >= 2, else 1.
void append_header_line(const TraceHeader& header, std::string& out);

// Appends one record line, '\n' included. Empty and default fields are left out.
void append_record_line(const Record& record, std::string& out);

// Parses lines; keeps buffers between calls so that steady-state parsing does not allocate.
// Not thread-safe. Error contexts name neither record nor offset: the caller adds those.
class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  // Parses a header line (no '\n'); `line` must be followed by kLinePadding readable bytes.
  // Errc::corrupt when it is not a replay trace header, Errc::unsupported for a version newer
  // than kTraceFormatVersion. Later parse_record calls hold records to its version.
  Result<TraceHeader> parse_header(std::string_view line);

  // Parses a record line (no '\n') into `out`, reusing its capacity; `line` must be followed
  // by kLinePadding readable bytes. Errc::corrupt on bad JSON or fields; `out` is then
  // unspecified. Unknown fields are ignored. A "ws" field (a WebSocket session) is corrupt
  // after a version 1 header: such a record must not be replayed as a plain GET.
  Result<void> parse_record(std::string_view line, Record& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace replay::trace
