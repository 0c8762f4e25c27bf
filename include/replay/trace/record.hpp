#pragma once
// The in-memory form of trace format v1 and v2: one TraceHeader, then Records
// (docs/trace-format.md).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replay/trace/expect.hpp"
#include "replay/trace/poll.hpp"
#include "replay/trace/ws_script.hpp"

namespace replay::trace {

// The newest format version this build reads and writes; it reads every version from 1.
inline constexpr int kTraceFormatVersion = kTraceFormatVersionWs;
inline constexpr const char* kTraceFormatName = "replay-trace";

// One request header; a Record keeps them in wire order, duplicates included.
struct HeaderField {
  std::string name;
  std::string value;
  friend bool operator==(const HeaderField&, const HeaderField&) = default;
};

// A value taken from this request's response for later requests of the same session.
struct Capture {
  std::string name;
  std::string source;  // "json:/id", "header:Location", "regex:id=(\\d+)"
  // "sum" or "histogram": the value is also a custom metric of that kind, recorded per scope
  // (replay/histogram/metric_tally.hpp); "" for a plain capture.
  std::string metric;
  // With run --users the value stays with the user over its later sessions (a token a user
  // logged in for once), not only its session; without users, a user is its session.
  bool user_scope = false;
  friend bool operator==(const Capture&, const Capture&) = default;
};

// What the recorder saw come back; absent in synthesised traces.
struct ObservedResponse {
  int status = 0;
  int64_t ttfb_us = 0;
  int64_t duration_us = 0;
  uint64_t bytes = 0;
  uint32_t sse_events = 0;
  friend bool operator==(const ObservedResponse&, const ObservedResponse&) = default;
};

// One request of a trace. Text fields other than `body` are UTF-8 on the wire: the writer
// replaces invalid bytes (percent-encodes them in `target`), see docs/trace-format.md.
struct Record {
  int64_t offset_us = 0;  // intended send time relative to trace start, >= 0
  std::string session;    // empty: no session
  // The last step of its session: the session's latency runs from its first step's intended
  // time to this step's completion (written by synth, which knows a session's steps).
  bool session_end = false;
  // Sent only when its session (with run --users: its user) does not hold every value it
  // captures yet: a log-in step of each session, taken once per user.
  bool once = false;
  std::string tag;     // empty: untagged
  std::string method;  // "GET"
  std::string target;  // path + query, e.g. "/api/v1/plans/42?x=1"
  // The HTTP version the client spoke, where the trace's writer saw it (the recorder, HAR):
  // "HTTP/1.0", "HTTP/1.1" or "HTTP/2"; empty: unknown.
  std::string protocol;
  std::vector<HeaderField> headers;
  std::string body;             // raw bytes, binary-safe
  bool body_truncated = false;  // recorder stored only a prefix of the body
  std::vector<Capture> captures;
  std::optional<Expect> expect;  // the checks of its response (replay/trace/expect.hpp)
  // Sent again until its response meets a condition (format version 2; replay/trace/poll.hpp).
  std::optional<Poll> poll;
  std::optional<ObservedResponse> response;
  // A WebSocket session (format version 2): the record is its upgrade request, sent at
  // offset_us; the script's messages follow on that connection.
  std::optional<WsScript> ws;
  friend bool operator==(const Record&, const Record&) = default;
};

// Where the trace's bearer tokens come from, when its writer knows (synth does); an empty
// field is unknown, and so is everything in traces written before these fields existed.
struct TokenProvenance {
  std::string minted_by;           // "synth": every bearer token was minted by replay synth
  std::string secret_fingerprint;  // auth::secret_fingerprint of the signing secret, 16 hex
  std::optional<int64_t> exp_s;    // their exp claim, seconds since the Unix epoch
  bool empty() const { return minted_by.empty() && secret_fingerprint.empty() && !exp_s; }
  friend bool operator==(const TokenProvenance&, const TokenProvenance&) = default;
};

// The first line of a trace. The writer always writes kTraceFormatName, whatever `format`
// holds, and version 2 when `version` is 2 or more (the trace may hold WebSocket sessions),
// else version 1: a trace without version 2 records stays readable by older builds.
struct TraceHeader {
  std::string format = kTraceFormatName;
  int version = 1;
  std::string created;   // RFC 3339 UTC, "2026-11-22T12:00:00Z"; the writer fills it in when empty
  std::string source;    // what produced the trace: "record", "synth chat", "import har"
  std::string base_url;  // where it was recorded, "http://127.0.0.1:8000"; may be empty
  TokenProvenance tokens;  // written as "tokens" unless empty
  friend bool operator==(const TraceHeader&, const TraceHeader&) = default;
};

}  // namespace replay::trace
