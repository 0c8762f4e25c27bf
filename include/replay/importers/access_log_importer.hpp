#pragma once
// `replay import access-log`: nginx/Apache combined (or common) access logs to records.

#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/policy/record_policy.hpp"
#include "replay/trace/record.hpp"

namespace replay::importers {

struct AccessLogOptions {
  policy::RecordPolicy policy;  // a client-ip session rule uses the line's remote address
  bool skip_bad = false;        // malformed lines are skipped and counted instead of failing
  bool all_methods = false;     // also keep methods other than GET and HEAD (bodiless)
};

// One parsed line of `%h %l %u [%t] "%r" %>s %b ["%{Referer}i" "%{User-Agent}i"] [extra...]`.
struct AccessLogLine {
  std::string_view client;  // %h
  std::string_view user;    // %u, "-" for none
  int64_t time_s = 0;       // %t as seconds since the Unix epoch
  std::string_view method;
  std::string_view target;
  int status = 0;
  std::optional<uint64_t> bytes;           // %b; nullopt for "-"
  std::string_view referer;                // "" when absent or "-"
  std::string_view user_agent;             // "" when absent or "-"
  std::optional<int64_t> request_time_us;  // a trailing number such as nginx's $request_time
};

// Parses one line. Errors: Errc::corrupt saying what is wrong ("expected '[' before the
// time", "malformed request line \"\\x16\\x03\"").
Result<AccessLogLine> parse_access_log_line(std::string_view line);

// Turns lines into records in start-time order, streaming with bounded memory. Requests of
// one second (the log's resolution) are spread evenly over that second in log order; a
// trailing $request_time moves the start back by that much (the log is written at the end)
// and becomes the response duration. Not thread-safe.
class AccessLogImporter {
 public:
  explicit AccessLogImporter(AccessLogOptions options) : options_(std::move(options)) {}

  // Parses line `line_number` (1-based, without its '\n') and appends the records that can
  // no longer be preceded by later lines to `out`. Errors (without skip_bad): Errc::corrupt
  // "line 17: expected a 3-digit status".
  Result<void> add_line(std::string_view line, uint64_t line_number,
                        std::vector<trace::Record>& out);
  // Appends every record still held.
  void finish(std::vector<trace::Record>& out);

  uint64_t records() const { return records_; }
  uint64_t skipped() const { return skipped_; }
  const std::optional<Error>& first_skipped() const { return first_skipped_; }
  uint64_t ignored_methods() const { return ignored_methods_; }  // not GET/HEAD

 private:
  struct Held {
    int64_t start_us;
    uint64_t sequence;  // log order among equal starts
    trace::Record record;
    bool operator>(const Held& other) const {
      return start_us != other.start_us ? start_us > other.start_us : sequence > other.sequence;
    }
  };
  struct Pending {
    trace::Record record;
    int64_t request_time_us = 0;
  };

  void close_second(std::vector<trace::Record>& out);
  void emit_until(int64_t start_us, std::vector<trace::Record>& out);

  AccessLogOptions options_;
  std::vector<Pending> second_;  // lines of the current second, in log order
  int64_t current_s_ = 0;
  bool have_second_ = false;
  int64_t max_request_time_us_ = 0;
  std::priority_queue<Held, std::vector<Held>, std::greater<Held>> held_;
  uint64_t sequence_ = 0;
  bool have_base_ = false;
  int64_t base_us_ = 0;
  int64_t last_offset_us_ = 0;
  uint64_t records_ = 0;
  uint64_t skipped_ = 0;
  std::optional<Error> first_skipped_;
  uint64_t ignored_methods_ = 0;
};

}  // namespace replay::importers
