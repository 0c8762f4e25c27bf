#pragma once
// A whole capacity search as `replay capacity` saves and shows it: the settings, every step
// with its figures, and the verdict with why. The views (the terminal lines, capacity.json,
// format "replay-capacity" version 1 in docs/capacity.md, and the HTML curve) render from it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replay/capacity/search.hpp"
#include "replay/capacity/step.hpp"
#include "replay/core/result.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::capacity {

inline constexpr std::string_view kCapacityFormatName = "replay-capacity";
inline constexpr int kCapacityFormatVersion = 1;

struct CapacitySettings {
  std::string trace;
  std::string target;
  std::vector<std::string> slos;  // as typed
  double start_per_s = 0;
  bool start_from_trace = false;  // --start was not given: the trace's own rate
  StepWindow window;
  double precision = 0.05;
  double growth = 2;
  size_t max_steps = 20;
  uint64_t max_connections = 0;
  int64_t drain_ms = 0;  // the drain allowed after each step's load
  // --ladder (as typed): fixed rungs instead of the search; "" for a search.
  std::string ladder;
  unsigned shard_index = 0;  // --shard i/N of a ladder (0 of 1: not sharded)
  unsigned shard_count = 1;
  int64_t start_at_unix_ms = 0;  // a ladder's rung 1 starts here; rung k at + (k-1) * slot_s
  int64_t slot_s = 0;            // a ladder's rung length (ladder_slot_s)
};

struct CapacityReport {
  std::string replay_version;
  int64_t started_unix_ms = 0;
  CapacitySettings settings;
  std::vector<StepReport> steps;  // in the order run
  SearchEnd end = SearchEnd::running;
  // The highest passing step (index into steps): the capacity when the verdict claims one.
  std::optional<size_t> highest_pass;
  std::optional<size_t> lowest_fail;  // the lowest failing step
  std::string why;                    // the verdict in one line
  bool interrupted = false;
  // A ladder's: each rung's result (index as steps), kept in capacity.json so that `replay
  // merge` can merge the shards' rungs exactly; empty for a search.
  std::vector<results::ResultDoc> step_results;
  // One line each: what went wrong without stopping (a rung that started late, out of
  // lockstep with the other shards).
  std::vector<std::string> warnings;
  std::string source;  // the file it was read from ("" when built in memory)

  // The capacity claimed: the highest passing step's achieved rate, when the search bracketed
  // it (capacity_found, or imprecise); nullopt otherwise.
  std::optional<double> capacity_per_s() const;
};

// Sets end, highest_pass, lowest_fail and why from `search` and the steps recorded.
void finish_report(CapacityReport& report, const CapacitySearch& search);

// One terminal line per step: "  step 3    200.0/s  achieved 199.9/s  p50 ... pass".
std::string format_step_line(const StepReport& step);
// The header printed above the step lines.
std::string format_step_header();
// The final lines: the capacity with its figures, or why none is claimed.
std::string format_verdict(const CapacityReport& report);

// capacity.json (format "replay-capacity", version 1), ending with a newline.
std::string format_capacity_json(const CapacityReport& report);

// Whether `text` is a capacity.json (its "format" is "replay-capacity"), not a result.json.
bool is_capacity_json(std::string_view text);

// Reads a ladder's capacity.json back (`source` names it in errors): the settings, the rungs'
// rates and results; each step is judged again from its result (the figures are not read).
// Errors: Errc::corrupt naming the file and field, Errc::unsupported for another format or a
// newer version, Errc::invalid_argument for a search's file (its steps are not a ladder's).
Result<CapacityReport> parse_capacity_json(std::string_view text, const std::string& source);

// A self-contained HTML page: the steps' p99 and p50 against the achieved rate, the SLO line and
// the capacity marked, and the table of steps.
std::string render_capacity_html(const CapacityReport& report);

}  // namespace replay::capacity
