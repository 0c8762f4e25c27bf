// `replay inspect TRACE`: what a trace holds — records, duration, offered and peak rate,
// counts per tag and per endpoint, body sizes, sessions — as a table or JSON.

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "command.hpp"
#include "exit_codes.hpp"
#include "not_a_trace.hpp"
#include "replay/core/json_writer.hpp"
#include "replay/core/units.hpp"
#include "replay/trace/endpoint.hpp"
#include "replay/trace/trace_reader.hpp"

namespace replay::cli {
namespace {

struct InspectOptions {
  std::string path;
  bool json = false;
  bool skip_bad = false;
};

struct TraceSummary {
  uint64_t records = 0;
  int64_t first_offset_us = 0;
  int64_t last_offset_us = 0;
  std::vector<uint64_t> per_second;  // records whose offset falls in each second
  std::map<std::string, uint64_t> by_tag;
  std::map<std::string, uint64_t> by_endpoint;
  std::unordered_set<uint64_t> session_hashes;
  uint64_t with_body = 0;
  uint64_t body_bytes = 0;
  uint64_t body_min = UINT64_MAX;
  uint64_t body_max = 0;
  uint64_t with_response = 0;
  uint64_t with_captures = 0;

  void add(const trace::Record& r) {
    if (records == 0) first_offset_us = r.offset_us;
    first_offset_us = std::min(first_offset_us, r.offset_us);
    last_offset_us = std::max(last_offset_us, r.offset_us);
    ++records;
    auto second = static_cast<size_t>(std::max<int64_t>(0, r.offset_us) / 1'000'000);
    if (second >= per_second.size()) per_second.resize(second + 1, 0);
    ++per_second[second];
    ++by_tag[r.tag.empty() ? "(untagged)" : r.tag];
    ++by_endpoint[trace::endpoint_template(r.method, r.target)];
    if (!r.session.empty()) session_hashes.insert(std::hash<std::string>{}(r.session));
    if (!r.body.empty()) {
      ++with_body;
      body_bytes += r.body.size();
      body_min = std::min<uint64_t>(body_min, r.body.size());
      body_max = std::max<uint64_t>(body_max, r.body.size());
    }
    if (r.response) ++with_response;
    if (!r.captures.empty()) ++with_captures;
  }

  int64_t duration_us() const { return records ? last_offset_us - first_offset_us : 0; }
  double mean_rate_per_s() const {
    return duration_us() > 0 ? static_cast<double>(records - 1) * 1e6 / duration_us() : 0;
  }
  uint64_t peak_per_s(size_t* at_second) const {
    auto it = std::max_element(per_second.begin(), per_second.end());
    if (it == per_second.end()) return 0;
    *at_second = static_cast<size_t>(it - per_second.begin());
    return *it;
  }
};

// Rows sorted by count, largest first; equal counts keep name order.
std::vector<std::pair<std::string, uint64_t>> by_count(const std::map<std::string, uint64_t>& m) {
  std::vector<std::pair<std::string, uint64_t>> rows(m.begin(), m.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return rows;
}

void print_table(const char* title, const char* column,
                 const std::map<std::string, uint64_t>& counts, uint64_t total) {
  size_t width = std::strlen(column);
  for (const auto& [name, n] : counts) width = std::max(width, name.size());
  std::printf("\n%s\n  %-*s  %9s  %6s\n", title, static_cast<int>(width), column, "requests",
              "share");
  for (const auto& [name, n] : by_count(counts)) {
    std::printf("  %-*s  %9llu  %5.1f%%\n", static_cast<int>(width), name.c_str(),
                static_cast<unsigned long long>(n), total ? 100.0 * n / total : 0.0);
  }
}

void print_text(const InspectOptions& options, const trace::TraceHeader& header,
                const TraceSummary& s, const trace::TraceReader& reader) {
  std::printf("trace      %s (%s v%d, created %s)\n", options.path.c_str(), header.format.c_str(),
              header.version, header.created.empty() ? "?" : header.created.c_str());
  if (!header.source.empty()) std::printf("source     %s\n", header.source.c_str());
  if (!header.base_url.empty()) std::printf("base url   %s\n", header.base_url.c_str());
  std::printf("records    %llu   sessions %zu   duration %s\n",
              static_cast<unsigned long long>(s.records), s.session_hashes.size(),
              format_duration_us(s.duration_us()).c_str());
  size_t peak_at = 0;
  uint64_t peak = s.peak_per_s(&peak_at);
  std::printf("rate       mean %.1f/s   peak %llu/s (1 s windows, second %zu)\n",
              s.mean_rate_per_s(), static_cast<unsigned long long>(peak), peak_at);
  if (s.with_body) {
    std::printf("bodies     %llu with a body   min %s   mean %s   max %s   total %s\n",
                static_cast<unsigned long long>(s.with_body), format_bytes(s.body_min).c_str(),
                format_bytes(s.body_bytes / s.with_body).c_str(), format_bytes(s.body_max).c_str(),
                format_bytes(s.body_bytes).c_str());
  } else {
    std::printf("bodies     none\n");
  }
  std::printf("captures   %llu records capture values   responses recorded for %llu\n",
              static_cast<unsigned long long>(s.with_captures),
              static_cast<unsigned long long>(s.with_response));
  if (reader.skipped()) {
    std::printf("skipped    %llu bad records (first: %s)\n",
                static_cast<unsigned long long>(reader.skipped()),
                reader.first_skipped_error()->context.c_str());
  }
  print_table("by tag", "tag", s.by_tag, s.records);
  print_table("by endpoint", "endpoint", s.by_endpoint, s.records);
}

void print_json(const InspectOptions& options, const trace::TraceHeader& header,
                const TraceSummary& s, const trace::TraceReader& reader) {
  std::string out;
  JsonWriter w(out);
  size_t peak_at = 0;
  uint64_t peak = s.peak_per_s(&peak_at);
  w.begin_object()
      .key("path")
      .value(options.path)
      .key("format")
      .value(header.format)
      .key("version")
      .value(header.version)
      .key("created")
      .value(header.created)
      .key("source")
      .value(header.source)
      .key("base_url")
      .value(header.base_url)
      .key("records")
      .value(s.records)
      .key("skipped")
      .value(reader.skipped())
      .key("sessions")
      .value(static_cast<uint64_t>(s.session_hashes.size()))
      .key("duration_us")
      .value(s.duration_us())
      .key("mean_rate_per_s")
      .value(s.mean_rate_per_s())
      .key("peak_rate_per_s")
      .value(peak)
      .key("peak_second")
      .value(static_cast<uint64_t>(peak_at))
      .key("bodies")
      .begin_object()
      .key("count")
      .value(s.with_body)
      .key("total_bytes")
      .value(s.body_bytes)
      .key("min_bytes")
      .value(s.with_body ? s.body_min : 0)
      .key("max_bytes")
      .value(s.body_max)
      .end_object()
      .key("with_captures")
      .value(s.with_captures)
      .key("with_response")
      .value(s.with_response);
  w.key("by_tag").begin_object();
  for (const auto& [name, n] : s.by_tag) w.key(name).value(n);
  w.end_object().key("by_endpoint").begin_object();
  for (const auto& [name, n] : s.by_endpoint) w.key(name).value(n);
  w.end_object().end_object();
  std::printf("%s\n", out.c_str());
}

int run_inspect(const InspectOptions& options) {
  auto reader = trace::TraceReader::open(options.path, {.skip_bad = options.skip_bad});
  if (!reader) {
    if (auto not_trace = not_a_trace_error(options.path)) {
      return report_error(not_trace->within("inspect"), kExitUsage);
    }
    return report_error(reader.error().within("inspect: opening trace '" + options.path + "'"),
                        kExitUsage);
  }
  TraceSummary summary;
  trace::Record record;
  while (true) {
    auto more = reader.value()->next(record);
    if (!more) {
      auto where = "inspect: trace '" + options.path + "' (" + std::to_string(summary.records) +
                   " complete records before it; --skip-bad to go on past bad records)";
      return report_error(more.error().within(where), kExitUsage);
    }
    if (!more.value()) break;
    summary.add(record);
  }
  if (options.json) {
    print_json(options, reader.value()->header(), summary, *reader.value());
  } else {
    print_text(options, reader.value()->header(), summary, *reader.value());
  }
  return kExitOk;
}

}  // namespace

Command add_inspect_command(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  auto* sub = app.add_subcommand("inspect", "Summarise a trace: records, rates, tags, endpoints");
  sub->add_option("trace", options->path, "Trace file (.zst)")->required();
  sub->add_flag("--json", options->json, "Print the summary as JSON");
  sub->add_flag("--skip-bad", options->skip_bad,
                "Skip corrupt records (counted) instead of stopping at the first");
  return {sub, [options] { return run_inspect(*options); }};
}

}  // namespace replay::cli
