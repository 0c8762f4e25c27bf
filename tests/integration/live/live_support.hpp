#pragma once
// Helpers for the --metrics-listen and --dashboard tests: HTTP GETs over loopback with curl
// (bounded in time), the sum of a metric's samples in an exposition, and result.json's counts.

#include <cstdint>
#include <string>
#include <vector>

namespace replay::testing {

struct Fetched {
  int exit_code = -1;  // curl's: 0 when an HTTP answer came (any status)
  int status = 0;      // the HTTP status (0: none)
  std::string body;
};

// GET `url` with curl, at most `timeout_ms`; `args` go before the URL (e.g. --data-urlencode).
Fetched http_get(const std::string& url, int timeout_ms = 5000, std::vector<std::string> args = {});

// The sum of every sample of metric `name` (exact name, any labels) in `exposition`; -1 when
// it has none.
double metric_sum(const std::string& exposition, const std::string& name);

// result.json's overall counts.
struct ResultCounts {
  uint64_t offered = 0, completed = 0, failed = 0, errors = 0;
  int64_t p99_us = 0;  // overall corrected
};
ResultCounts read_result_counts(const std::string& path);
// The same once `path` holds a whole result: replay writes it after its last progress call (so
// after replay_running turned 0), not atomically. Throws after `timeout_ms`.
ResultCounts wait_result_counts(const std::string& path, int timeout_ms);

}  // namespace replay::testing
