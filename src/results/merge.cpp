#include "replay/results/merge.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "replay/core/json_writer.hpp"
#include "replay/results/saturation.hpp"
#include "replay/results/threshold.hpp"

namespace replay::results {
namespace {

constexpr std::string_view kShardIndexKey = "shard_index";
constexpr std::string_view kShardCountKey = "shard_count";
constexpr std::string_view kThreadsKey = "threads";

std::string name_of(const ResultDoc& doc, size_t index) {
  return doc.source.empty() ? "result #" + std::to_string(index + 1) : "'" + doc.source + "'";
}

// The shard indices of config.shard_index: a number, or the array a merge writes.
std::optional<std::vector<int64_t>> parse_shard_indices(std::string_view json) {
  std::vector<int64_t> out;
  if (!json.empty() && json.front() == '[') json = json.substr(1, json.size() - 2);
  while (!json.empty()) {
    const auto comma = json.find(',');
    const std::string_view item = json.substr(0, comma);
    int64_t index = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), index);
    if (ec != std::errc() || p != item.data() + item.size()) return std::nullopt;
    out.push_back(index);
    json = comma == std::string_view::npos ? std::string_view() : json.substr(comma + 1);
  }
  return out;
}

Error config_mismatch(const std::vector<ResultDoc>& shards, size_t a, size_t b,
                      const std::string& key, const std::string& why) {
  return make_error(Errc::invalid_argument,
                    name_of(shards[b], b) + " and " + name_of(shards[a], a) +
                        " are not shards of " + "one run: config." + key + " " + why +
                        " (shards share their configuration except the shard index)");
}

// shard_index of the merge: the union of the shards' indices, which must not overlap.
Result<std::string> merge_shard_indices(const std::vector<ResultDoc>& shards) {
  std::map<int64_t, size_t> owner;
  for (size_t i = 0; i < shards.size(); ++i) {
    const ConfigEntry* entry = shards[i].find_config(kShardIndexKey);
    auto indices = parse_shard_indices(entry->json);
    if (!indices) {
      return make_error(Errc::invalid_argument, name_of(shards[i], i) + ": config.shard_index " +
                                                    entry->json + " is not a shard index");
    }
    for (int64_t index : *indices) {
      if (auto [it, fresh] = owner.emplace(index, i); !fresh) {
        return make_error(Errc::invalid_argument, "shard " + std::to_string(index) +
                                                      " is in both " +
                                                      name_of(shards[it->second], it->second) +
                                                      " and " + name_of(shards[i], i));
      }
    }
  }
  std::string json = "[";
  for (const auto& [index, who] : owner) {
    if (json.size() > 1) json += ',';
    json += std::to_string(index);
  }
  json += ']';
  return json;
}

// Checks that the configurations agree, and builds the merged one.
Result<std::vector<ConfigEntry>> merge_config(const std::vector<ResultDoc>& shards) {
  std::vector<ConfigEntry> merged = shards[0].config;
  for (size_t i = 1; i < shards.size(); ++i) {
    for (const auto& entry : shards[i].config) {
      if (!shards[0].find_config(entry.key)) {
        return config_mismatch(shards, 0, i, entry.key, "is set in one and not the other");
      }
    }
    for (const auto& entry : shards[0].config) {
      if (entry.key == kShardIndexKey || entry.key == kThreadsKey) continue;
      const ConfigEntry* other = shards[i].find_config(entry.key);
      if (!other)
        return config_mismatch(shards, 0, i, entry.key, "is set in one and not the other");
      if (other->json != entry.json) {
        return config_mismatch(shards, 0, i, entry.key,
                               "differs: " + other->json + " vs " + entry.json);
      }
    }
  }
  const ConfigEntry* count = shards[0].find_config(kShardCountKey);
  const bool sharded = count && count->json != "1" && count->json != "0";
  for (auto& entry : merged) {
    if (entry.key == kThreadsKey) {
      uint64_t total = 0;
      for (const auto& shard : shards) {
        const ConfigEntry* t = shard.find_config(kThreadsKey);
        uint64_t n = 0;
        if (t) std::from_chars(t->json.data(), t->json.data() + t->json.size(), n);
        total += n;
      }
      entry.json = entry.text = std::to_string(total);
    } else if (entry.key == kShardIndexKey && sharded && shards.size() > 1) {
      auto indices = merge_shard_indices(shards);
      if (!indices) return indices.error();
      entry.json = indices.value();
      entry.text = entry.json.substr(1, entry.json.size() - 2);
    }
  }
  return merged;
}

void merge_scopes(std::vector<NamedScope>& into, const std::vector<NamedScope>& from) {
  for (const auto& named : from) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const NamedScope& s) { return s.name == named.name; });
    if (it == into.end()) {
      into.push_back(named);
    } else {
      it->scope.merge(named.scope);
    }
  }
}

// Adds `row` into `into` (same second).
void merge_row(TimelineRow& into, const TimelineRow& row) {
  into.offered += row.offered;
  into.sent += row.sent;
  into.completed += row.completed;
  into.failed += row.failed;
  into.errors += row.errors;
  into.in_flight += row.in_flight;
  into.backlog += row.backlog;
  add_status_codes(into.status_codes, row.status_codes);
  histogram::merge_serialised(into.corrected_hdr, row.corrected_hdr);
  histogram::merge_serialised(into.service_hdr, row.service_hdr);
  histogram::merge_serialised(into.ttft_hdr, row.ttft_hdr);
  histogram::merge_serialised(into.itl_hdr, row.itl_hdr);
  into.output_tokens += row.output_tokens;
  into.goodput += row.goodput;
  for (const auto& probe : row.probes) {
    auto it = std::find_if(into.probes.begin(), into.probes.end(),
                           [&](const ProbeSample& p) { return p.name == probe.name; });
    if (it == into.probes.end()) {
      into.probes.push_back(probe);
    } else if (std::isnan(it->value) || probe.value > it->value) {
      it->value = probe.value;
    }
  }
}

// Rows of every run shifted by `shift_s[i]` seconds and summed into one contiguous timeline.
std::vector<TimelineRow> merge_timelines(const std::vector<ResultDoc>& runs,
                                         const std::vector<int64_t>& shift_s) {
  std::map<int64_t, TimelineRow> by_second;
  for (size_t i = 0; i < runs.size(); ++i) {
    for (const auto& row : runs[i].timeline) {
      const int64_t second = row.second + shift_s[i];
      auto [it, fresh] = by_second.try_emplace(second);
      it->second.second = second;
      merge_row(it->second, row);
    }
  }
  std::vector<TimelineRow> out;
  if (by_second.empty()) return out;
  const int64_t first = std::min<int64_t>(0, by_second.begin()->first);
  const int64_t last = by_second.rbegin()->first;
  // The saturation analysis indexes rows by second: fill gaps with empty rows.
  for (int64_t s = first; s <= last; ++s) {
    auto it = by_second.find(s);
    TimelineRow row = it == by_second.end() ? TimelineRow{} : std::move(it->second);
    row.second = s;
    row.p50_us = histogram::percentile_of_serialised(row.corrected_hdr, 50);
    row.p99_us = histogram::percentile_of_serialised(row.corrected_hdr, 99);
    row.service_p50_us = histogram::percentile_of_serialised(row.service_hdr, 50);
    row.service_p99_us = histogram::percentile_of_serialised(row.service_hdr, 99);
    row.ttft_p50_us = histogram::percentile_of_serialised(row.ttft_hdr, 50);
    row.ttft_p99_us = histogram::percentile_of_serialised(row.ttft_hdr, 99);
    row.itl_p50_us = histogram::percentile_of_serialised(row.itl_hdr, 50);
    row.itl_p99_us = histogram::percentile_of_serialised(row.itl_hdr, 99);
    out.push_back(std::move(row));
  }
  return out;
}

// Every run's timelines of one kind (`which`: by tag or by endpoint) shifted by `shift_s[i]`
// seconds and summed per scope and second.
std::vector<ScopeTimeline> merge_scope_timelines(const std::vector<ResultDoc>& runs,
                                                 const std::vector<int64_t>& shift_s,
                                                 std::vector<ScopeTimeline> ResultDoc::*which) {
  std::vector<std::pair<std::string, std::map<int64_t, ScopeTimelineRow>>> by_scope;
  for (size_t i = 0; i < runs.size(); ++i) {
    for (const auto& timeline : runs[i].*which) {
      auto it = std::find_if(by_scope.begin(), by_scope.end(),
                             [&](const auto& t) { return t.first == timeline.name; });
      if (it == by_scope.end()) it = by_scope.insert(by_scope.end(), {timeline.name, {}});
      for (const auto& row : timeline.rows) {
        const int64_t second = row.second + shift_s[i];
        ScopeTimelineRow& into = it->second[second];
        into.second = second;
        into.offered += row.offered;
        into.sent += row.sent;
        into.completed += row.completed;
        into.failed += row.failed;
        into.errors += row.errors;
        add_status_codes(into.status_codes, row.status_codes);
        histogram::merge_serialised(into.corrected_hdr, row.corrected_hdr);
      }
    }
  }
  std::vector<ScopeTimeline> out;
  for (auto& [name, rows] : by_scope) {
    ScopeTimeline timeline{name, {}};
    for (auto& [second, row] : rows) {
      row.p50_us = histogram::percentile_of_serialised(row.corrected_hdr, 50);
      row.p99_us = histogram::percentile_of_serialised(row.corrected_hdr, 99);
      timeline.rows.push_back(std::move(row));
    }
    out.push_back(std::move(timeline));
  }
  return out;
}

void merge_probe_lists(std::vector<ProbeInfo>& into, const std::vector<ResultDoc>& runs) {
  for (const auto& run : runs) {
    for (const auto& probe : run.probes) {
      if (std::none_of(into.begin(), into.end(),
                       [&](const ProbeInfo& p) { return p.name == probe.name; })) {
        into.push_back(probe);
      }
    }
  }
}

// Runs' totals and scopes summed into `into` (which holds a copy of runs[0]'s); their warnings
// listed once each, in order.
void add_totals(ResultDoc& into, const std::vector<ResultDoc>& runs) {
  for (size_t i = 1; i < runs.size(); ++i) {
    const ResultDoc& r = runs[i];
    into.interrupted = into.interrupted || r.interrupted;
    into.drain_us = std::max(into.drain_us, r.drain_us);
    for (const auto& line : r.warnings) {
      if (std::find(into.warnings.begin(), into.warnings.end(), line) == into.warnings.end()) {
        into.warnings.push_back(line);
      }
    }
    into.connections_opened += r.connections_opened;
    into.connections_failed += r.connections_failed;
    into.tls_handshakes += r.tls_handshakes;
    into.tls_resumed += r.tls_resumed;
    into.requests_http1 += r.requests_http1;
    into.requests_h2 += r.requests_h2;
    into.h2_connections += r.h2_connections;
    into.h2_streams += r.h2_streams;
    into.h2_max_streams_per_connection =
        std::max(into.h2_max_streams_per_connection, r.h2_max_streams_per_connection);
    into.h2_max_concurrent_streams =
        std::max(into.h2_max_concurrent_streams, r.h2_max_concurrent_streams);
    if (r.resource_limit) {
      if (!into.resource_limit) {
        into.resource_limit = r.resource_limit;
      } else {
        into.resource_limit->connections += r.resource_limit->connections;
        into.resource_limit->requests_waited += r.resource_limit->requests_waited;
      }
    }
    if (r.users) {
      if (!into.users) into.users.emplace();
      ResultDoc::Users& u = *into.users;
      // Shards' users run side by side: their counts and rates add up; the think time and
      // the expected interval are weighted by the steps each shard's users took.
      const double have = static_cast<double>(u.open_loop.count());
      const double more = static_cast<double>(r.users->open_loop.count());
      const double all = have + more;
      if (all > 0) {
        u.think_mean_us = (u.think_mean_us * have + r.users->think_mean_us * more) / all;
        u.interval_mean_us = (u.interval_mean_us * have + r.users->interval_mean_us * more) / all;
      }
      u.most += r.users->most;
      u.user_seconds += r.users->user_seconds;
      u.open_loop_offered_per_s += r.users->open_loop_offered_per_s;
      u.sessions_cut += r.users->sessions_cut;
      u.open_loop.merge(r.users->open_loop);
    }
    into.records_skipped += r.records_skipped;
    into.overall.merge(r.overall);
    merge_scopes(into.by_tag, r.by_tag);
    merge_scopes(into.by_endpoint, r.by_endpoint);
  }
}

ResultDoc copy_without_timeline(const ResultDoc& doc) {
  ResultDoc out;
  out.source = doc.source;
  out.replay_version = doc.replay_version;
  out.config = doc.config;
  out.started_unix_ms = doc.started_unix_ms;
  out.load_us = doc.load_us;
  out.elapsed_us = doc.elapsed_us;
  out.drain_us = doc.drain_us;
  out.trace_ended_at_us = doc.trace_ended_at_us;
  out.interrupted = doc.interrupted;
  out.warnings = doc.warnings;
  out.connections_opened = doc.connections_opened;
  out.connections_failed = doc.connections_failed;
  out.tls_handshakes = doc.tls_handshakes;
  out.tls_resumed = doc.tls_resumed;
  out.requests_http1 = doc.requests_http1;
  out.requests_h2 = doc.requests_h2;
  out.h2_connections = doc.h2_connections;
  out.h2_streams = doc.h2_streams;
  out.h2_max_streams_per_connection = doc.h2_max_streams_per_connection;
  out.h2_max_concurrent_streams = doc.h2_max_concurrent_streams;
  out.resource_limit = doc.resource_limit;
  out.users = doc.users;
  out.records_skipped = doc.records_skipped;
  out.overall = doc.overall;
  out.by_tag = doc.by_tag;
  out.by_endpoint = doc.by_endpoint;
  out.probes = doc.probes;
  out.saturation = doc.saturation;
  out.thresholds = doc.thresholds;
  return out;
}

}  // namespace

Result<ResultDoc> merge_shards(const std::vector<ResultDoc>& shards) {
  if (shards.empty()) return make_error(Errc::invalid_argument, "merge: no results given");
  auto config = merge_config(shards);
  if (!config) return config.error();

  ResultDoc out = copy_without_timeline(shards[0]);
  out.source.clear();
  out.config = std::move(config).value();
  int64_t base_ms = shards[0].started_unix_ms;
  for (const auto& s : shards) base_ms = std::min(base_ms, s.started_unix_ms);
  std::vector<int64_t> shift_s;
  out.started_unix_ms = base_ms;
  out.load_us = out.elapsed_us = 0;
  out.trace_ended_at_us = -1;
  for (const auto& s : shards) {
    const int64_t offset_ms = s.started_unix_ms - base_ms;
    shift_s.push_back((offset_ms + 500) / 1000);
    out.load_us = std::max(out.load_us, offset_ms * 1000 + s.load_us);
    out.elapsed_us = std::max(out.elapsed_us, offset_ms * 1000 + s.elapsed_us);
    // The merged load ran out of trace when the last shard whose trace ran out did.
    if (s.trace_ended_at_us >= 0) {
      out.trace_ended_at_us =
          std::max(out.trace_ended_at_us, offset_ms * 1000 + s.trace_ended_at_us);
    }
  }
  add_totals(out, shards);
  out.timeline = merge_timelines(shards, shift_s);
  out.timeline_by_tag = merge_scope_timelines(shards, shift_s, &ResultDoc::timeline_by_tag);
  out.timeline_by_endpoint =
      merge_scope_timelines(shards, shift_s, &ResultDoc::timeline_by_endpoint);
  merge_probe_lists(out.probes, shards);
  out.saturation = analyse_saturation(out);
  // (expression, is a --warn band), each once, thresholds and bands apart.
  std::vector<std::pair<std::string, bool>> expressions;
  for (const auto& s : shards) {
    for (const auto& t : s.thresholds) {
      const std::pair<std::string, bool> e{t.expression, t.warn};
      if (std::find(expressions.begin(), expressions.end(), e) == expressions.end()) {
        expressions.push_back(e);
      }
    }
  }
  out.thresholds.clear();
  for (const auto& [e, warn] : expressions) out.thresholds.push_back(check_threshold(e, out, warn));
  return out;
}

Result<PooledRuns> pool_runs(std::vector<ResultDoc> runs) {
  if (runs.empty()) return make_error(Errc::invalid_argument, "no results to pool");
  PooledRuns pool;
  pool.runs = runs.size();
  for (const auto& r : runs) {
    pool.sources.push_back(r.source);
    pool.saturations.push_back(r.saturation);
    pool.completed_during_load += r.completed_during_load();
    pool.load_seconds += r.load_seconds();
  }
  if (runs.size() == 1) {
    pool.doc = std::move(runs[0]);
    return pool;
  }
  pool.doc = copy_without_timeline(runs[0]);
  for (const auto& r : runs) {
    pool.doc.load_us = std::max(pool.doc.load_us, r.load_us);
    pool.doc.elapsed_us = std::max(pool.doc.elapsed_us, r.elapsed_us);
    pool.doc.trace_ended_at_us = std::max(pool.doc.trace_ended_at_us, r.trace_ended_at_us);
  }
  add_totals(pool.doc, runs);
  const std::vector<int64_t> no_shift(runs.size(), 0);
  pool.doc.timeline = merge_timelines(runs, no_shift);
  pool.doc.timeline_by_tag = merge_scope_timelines(runs, no_shift, &ResultDoc::timeline_by_tag);
  pool.doc.timeline_by_endpoint =
      merge_scope_timelines(runs, no_shift, &ResultDoc::timeline_by_endpoint);
  merge_probe_lists(pool.doc.probes, runs);
  return pool;
}

}  // namespace replay::results
