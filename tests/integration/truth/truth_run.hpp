#pragma once
// One truth measurement: a hand-written trace, `replay run` of it against a server, and the
// figures of its result.json.

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace replay::testing::truth {

// One request of the trace (a GET unless `method` says otherwise), due `offset_us` after the
// trace starts; `headers` are "Name: value" pairs.
struct TraceRequest {
  int64_t offset_us = 0;
  std::string tag;
  std::string target;
  std::string method = "GET";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string session;   // "": not in a session
  std::string expect;    // the record's "expect" object as JSON text; "": no checks
  std::string captures;  // the record's "captures" array as JSON text; "": none
  // More of the record's members as JSON text (`"captures":[...],"poll":{...}`); a "poll"
  // among them makes the trace format version 2.
  std::string more;
};

// `count` requests for `target` tagged `tag`, the first at first_us and then every gap_us.
std::vector<TraceRequest> spaced(const std::string& tag, const std::string& target, int count,
                                 int64_t first_us, int64_t gap_us);

// Writes `requests` (in any order; sorted by offset here) as a trace file `name` in `dir`:
// JSON Lines composed here, not by replay's writer, compressed as one zstd frame with a
// checksum. Returns its path; fails the running test when it cannot be written.
std::string write_trace(const TempDir& dir, const std::string& name,
                        std::vector<TraceRequest> requests);

// What `replay run` left: its exit, output, wall time and parsed result.json. Accessors take
// a JSON pointer into result.json ("/overall/completed"); a missing or mistyped field fails
// the running test (CHECK) and reads as 0.
class RunOutcome {
 public:
  int exit_code = -1;
  std::string out;
  std::string err;
  double wall_ms = 0;
  bool parsed = false;

  uint64_t u64(const std::string& pointer) const;
  double number(const std::string& pointer) const;
  bool has(const std::string& pointer) const;
  // A latency figure of `scope` ("/overall", "/by_tag/small") in ms: `histogram` is
  // corrected, service, send_lag, ttfb or corrected_completed; `figure` p50, p99, max, ...
  double ms(const std::string& scope, const std::string& histogram,
            const std::string& figure) const;
  // The sum of `field` over the timeline's rows.
  uint64_t timeline_sum(const std::string& field) const;
  // One line of a scope's figures, for the test log.
  std::string describe(const std::string& scope) const;

  std::unique_ptr<simdjson::dom::parser> parser;
  simdjson::dom::element root;
};

// Runs `replay run TRACE --target http://127.0.0.1:PORT --out DIR/<result_name>` plus `extra`,
// killing it after timeout_ms. Fails the running test (REQUIRE) when replay did not exit with
// `expected_exit` (2: no request got a response) or left no readable result.
RunOutcome run_replay(const TempDir& dir, const std::string& trace, uint16_t port,
                      const std::string& result_name, std::vector<std::string> extra,
                      int timeout_ms = 30000, int expected_exit = 0);
// The same against any target URL ("h2c://127.0.0.1:8080", "https://127.0.0.1:8443").
RunOutcome run_replay_at(const TempDir& dir, const std::string& trace, const std::string& target,
                         const std::string& result_name, std::vector<std::string> extra,
                         int timeout_ms = 30000, int expected_exit = 0);

}  // namespace replay::testing::truth
