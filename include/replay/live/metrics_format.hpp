#pragma once
// The Prometheus text exposition (format 0.0.4) of a run's live counts, for --metrics-listen:
// every metric is listed in docs/metrics.md. A pure function of its input, tested alone.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replay/engine/live_counts.hpp"

namespace replay::live {

struct MetricsInput {
  const engine::LiveCounts* counts = nullptr;                // null: nothing counted yet
  const std::vector<std::string>* tag_names = nullptr;       // by tag id
  const std::vector<std::string>* endpoint_names = nullptr;  // by endpoint id
  uint64_t in_flight = 0;    // the most on the wire during the last second
  uint64_t backlog = 0;      // the most waiting for a connection during the last second
  double offered_rate = 0;   // per second, over the last second
  double achieved_rate = 0;  // completions per second, over the last second
  bool running = true;       // false once every worker has ended (the totals are final)
  std::vector<std::pair<std::string, double>> probes;  // name, latest sample (NaN: none)
  std::string shard;  // "i/N" when sharded: a shard label on every sample; "" otherwise
};

// The exposition: HELP and TYPE lines, then the samples, one metric family after another.
std::string format_metrics(const MetricsInput& in);

// A label value with backslash, double quote and newline escaped, as the format wants.
std::string escape_label_value(std::string_view value);

// A bucket bound or a sum in seconds from microseconds, shortest exact text ("0.0075", "60").
std::string seconds_text(uint64_t us);

}  // namespace replay::live
