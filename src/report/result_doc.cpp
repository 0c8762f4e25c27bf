#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "replay/client/ws_connection.hpp"
#include "replay/core/json_writer.hpp"
#include "replay/report/run_report.hpp"
#include "replay/results/result_writer.hpp"
#include "replay/results/saturation.hpp"
#include "replay/results/threshold.hpp"

namespace replay::report {
namespace {

using engine::ScopeStats;

// One "config" entry: `write` puts the value in JSON; `text` is the same for people, as
// results::parse_result_json makes it (strings unquoted, lists comma-separated, "" if empty).
template <class WriteValue>
void add_config(std::vector<results::ConfigEntry>& config, std::string key, std::string text,
                WriteValue write) {
  std::string json;
  JsonWriter w(json);
  write(w);
  config.push_back({std::move(key), std::move(json), std::move(text)});
}

// A number or boolean: its text is its JSON.
void add_config_value(std::vector<results::ConfigEntry>& config, std::string key,
                      const auto& value) {
  std::string json;
  JsonWriter(json).value(value);
  config.push_back({std::move(key), json, json});
}

void add_config_string(std::vector<results::ConfigEntry>& config, std::string key,
                       const std::string& value) {
  add_config(config, std::move(key), value, [&](JsonWriter& w) { w.value(value); });
}

void add_config_list(std::vector<results::ConfigEntry>& config, std::string key,
                     const std::vector<std::string>& values) {
  std::string text;
  for (const auto& v : values) text += (text.empty() ? "" : ",") + v;
  add_config(config, std::move(key), text, [&](JsonWriter& w) {
    w.begin_array();
    for (const auto& v : values) w.value(v);
    w.end_array();
  });
}

std::vector<results::ConfigEntry> config_entries(const RunReport& report) {
  const auto& c = report.config;
  std::vector<results::ConfigEntry> config;
  add_config_string(config, "trace", c.trace_path);
  add_config_string(config, "target", c.target_url);
  add_config_string(config, "rate", report.rate_text);
  if (!report.users_text.empty()) add_config_string(config, "users", report.users_text);
  if (c.users && c.users->spawn_per_s > 0) {
    add_config_value(config, "spawn_per_s", c.users->spawn_per_s);
  }
  if (c.users && c.think_max_us > 0) {
    add_config_value(config, "think_min_us", c.think_min_us);
    add_config_value(config, "think_max_us", c.think_max_us);
  }
  add_config_string(config, "arrival", std::string(schedule::arrival_name(c.arrival)));
  add_config_value(config, "speed", c.speed);
  add_config_value(config, "duration_us", c.duration_us);
  add_config_value(config, "loop", c.loop);
  add_config_value(config, "threads", report.result.threads);
  add_config_value(config, "max_connections", static_cast<uint64_t>(c.max_connections));
  add_config_value(config, "timeout_ms", c.timeout_ms);
  add_config_value(config, "seed", c.seed);
  add_config_value(config, "shard_index", c.shard_index);
  add_config_value(config, "shard_count", c.shard_count);
  add_config_list(config, "only", c.only_tags);
  add_config_list(config, "skip", c.skip_tags);
  add_config_value(config, "endpoint_timeline", c.endpoint_timeline);
  // LLM stream options: only when given, so results of other runs keep their config.
  if (c.stream.format != llm::StreamFormat::auto_detect) {
    add_config_string(config, "stream_format", llm::stream_format_name(c.stream.format));
  }
  if (!c.stream.content_pointer.empty()) {
    add_config_string(config, "stream_content", c.stream.content_pointer);
  }
  if (!c.stream.tokens_pointer.empty()) {
    add_config_string(config, "stream_tokens", c.stream.tokens_pointer);
  }
  if (c.goodput.any()) add_config_string(config, "goodput", c.goodput.text);
  return config;
}

results::StatusCodeCounts status_codes(const engine::StatusCodes& codes) {
  results::StatusCodeCounts out;
  out.reserve(codes.counts.size());
  for (const auto& [code, n] : codes.counts) out.emplace_back(code, n);
  return out;
}

// "429" for an HTTP status, the cause's name ("reset") for a transport failure.
std::string sample_key(const engine::FailureSample& sample) {
  return sample.status != 0 ? std::to_string(sample.status)
                            : std::string(client::failure_cause_name(sample.cause));
}

results::LlmScope to_llm_scope(const engine::LlmStats& l) {
  results::LlmScope out;
  out.ttft_us = l.ttft;
  out.ttft_sent_us = l.ttft_sent;
  out.itl_us = l.itl;
  out.tpot_us = l.tpot;
  out.e2e_us = l.e2e;
  out.stream_tokens_per_s = l.tokens_per_s;
  out.streams = l.streams;
  out.output_tokens = l.output_tokens;
  out.content_events = l.content_events;
  out.single_token_streams = l.single_token_streams;
  out.empty_streams = l.empty_streams;
  out.malformed_events = l.malformed_events;
  out.multi_event_streams = l.multi_event_streams;
  out.buffered_streams = l.buffered_streams;
  out.tokens_from = l.by_source;
  out.goodput_met = l.goodput_met;
  return out;
}

results::WsScope to_ws_scope(const engine::WsStats& ws) {
  results::WsScope out;
  out.connect_us = ws.connect;
  out.first_frame_us = ws.first_frame;
  out.last_frame_us = ws.last_frame;
  out.sessions = ws.sessions;
  out.upgraded = ws.upgraded;
  out.messages_sent = ws.messages_sent;
  out.messages_unsent = ws.messages_unsent;
  out.messages_received = ws.messages_received;
  out.replies = ws.replies;
  out.replies_incomplete = ws.replies_incomplete;
  out.pings = ws.pings;
  out.close_codes = ws.close_codes;
  for (size_t i = 0; i < ws.errors.size(); ++i) {
    if (ws.errors[i] == 0) continue;
    out.errors.emplace_back(client::ws_failure_name(static_cast<client::WsFailure>(i)),
                            ws.errors[i]);
  }
  return out;
}

results::Scope to_scope(const ScopeStats& s) {
  results::Scope out;
  out.offered = s.offered;
  out.sent = s.sent;
  out.completed = s.completed;
  out.failed = s.failed();
  out.errors = s.errors();
  out.response_bytes = s.response_bytes;
  out.status = s.status_classes;
  out.status_codes = status_codes(s.status_codes);
  for (const engine::FailureSample& sample : s.samples.samples) {
    out.samples.push_back({sample_key(sample), sample.at_us, sample.text});
  }
  for (size_t i = 0; i < s.failures.size(); ++i) {
    out.failures.emplace_back(client::failure_cause_name(static_cast<client::FailureCause>(i)),
                              s.failures[i]);
  }
  out.failures.emplace_back(results::kCaptureFailedCause, s.capture_failed);
  out.failures.emplace_back(results::kSessionAbortedCause, s.session_aborted);
  if (s.poll_exhausted > 0)
    out.failures.emplace_back(results::kPollExhaustedCause, s.poll_exhausted);
  out.corrected = s.corrected;
  out.corrected_completed = s.corrected_completed;
  out.lower_bounds = s.lower_bounds;
  out.checks = s.checks;
  out.metrics = s.metrics;
  if (s.session) out.session_us = *s.session;
  out.service = s.service;
  out.send_lag = s.send_lag;
  out.scheduler_lag = s.scheduler_lag;
  out.connection_wait = s.connection_wait;
  out.connect = s.connect;
  out.ttfb = s.ttfb;
  if (s.sse) {
    out.sse = results::SseScope{s.sse->first_event, s.sse->inter_event, s.sse->events_per_response};
  }
  if (s.llm) out.llm = to_llm_scope(*s.llm);
  if (s.ws) out.ws = to_ws_scope(*s.ws);
  return out;
}

std::vector<results::NamedScope> to_scopes(const std::vector<engine::NamedStats>& named) {
  std::vector<results::NamedScope> out;
  out.reserve(named.size());
  for (const auto& n : named) out.push_back({n.name, to_scope(n.stats)});
  return out;
}

template <class Row>
void copy_row_counts(const engine::TimelineRow& from, Row& to) {
  to.second = from.second;
  to.offered = from.offered;
  to.sent = from.sent;
  to.completed = from.completed;
  to.failed = from.failed;
  to.errors = from.errors;
  to.p50_us = histogram::percentile_of_serialised(from.corrected, 50);
  to.p99_us = histogram::percentile_of_serialised(from.corrected, 99);
  to.corrected_hdr = from.corrected;
  to.status_codes = status_codes(from.status_codes);
}

std::vector<results::TimelineRow> timeline_rows(const engine::RunResult& r) {
  std::vector<results::TimelineRow> out;
  out.reserve(r.timeline.size());
  for (const auto& row : r.timeline) {
    results::TimelineRow t;
    copy_row_counts(row, t);
    t.in_flight = row.in_flight;
    t.backlog = row.backlog;
    t.service_p50_us = histogram::percentile_of_serialised(row.service, 50);
    t.service_p99_us = histogram::percentile_of_serialised(row.service, 99);
    t.service_hdr = row.service;
    t.output_tokens = row.output_tokens;
    t.goodput = row.goodput;
    t.ttft_hdr = row.ttft;
    t.ttft_p50_us = histogram::percentile_of_serialised(row.ttft, 50);
    t.ttft_p99_us = histogram::percentile_of_serialised(row.ttft, 99);
    t.itl_hdr = row.itl;
    t.itl_p50_us = histogram::percentile_of_serialised(row.itl, 50);
    t.itl_p99_us = histogram::percentile_of_serialised(row.itl, 99);
    for (const auto& probe : r.probes) {
      const auto i = static_cast<size_t>(row.second);
      // NaN (no sample that second) is written as null.
      t.probes.push_back({probe.name, i < probe.by_second.size()
                                          ? probe.by_second[i]
                                          : std::numeric_limits<double>::quiet_NaN()});
    }
    out.push_back(std::move(t));
  }
  return out;
}

// The timelines of `scopes` (tags or endpoints, by id), named; `skip_empty`: without the
// scopes that have no rows.
std::vector<results::ScopeTimeline> scope_timelines(
    const std::vector<engine::NamedStats>& scopes,
    const std::vector<std::vector<engine::TimelineRow>>& by_id, bool skip_empty) {
  std::vector<results::ScopeTimeline> out;
  for (size_t id = 0; id < by_id.size() && id < scopes.size(); ++id) {
    if (skip_empty && by_id[id].empty()) continue;
    results::ScopeTimeline timeline{scopes[id].name, {}};
    for (const auto& row : by_id[id]) {
      results::ScopeTimelineRow t;
      copy_row_counts(row, t);
      timeline.rows.push_back(std::move(t));
    }
    out.push_back(std::move(timeline));
  }
  return out;
}

// A scope whose streams mostly arrived all at once (a proxy buffering them), when it has enough
// streams of two content events or more to tell.
void add_buffered_warning(std::vector<std::string>& warnings, const std::string& name,
                          const results::Scope& s) {
  constexpr uint64_t kMinStreams = 10;
  constexpr double kMinShare = 0.8;
  if (!s.llm || s.llm->multi_event_streams < kMinStreams) return;
  const double share = static_cast<double>(s.llm->buffered_streams) /
                       static_cast<double>(s.llm->multi_event_streams);
  if (share < kMinShare) return;
  char line[512];
  std::snprintf(line, sizeof line,
                "%s: %llu of %llu streams delivered all their content within 5 ms (or 5%% of "
                "their time): the stream looks buffered (a proxy or gateway holding it), so "
                "TTFT is close to E2E",
                name.c_str(), static_cast<unsigned long long>(s.llm->buffered_streams),
                static_cast<unsigned long long>(s.llm->multi_event_streams));
  warnings.emplace_back(line);
}

void add_buffered_warnings(results::ResultDoc& doc) {
  const size_t before = doc.warnings.size();
  // One warning per buffered endpoint; tags only when no endpoint tells (streams of several
  // endpoints under one tag), the overall scope only when neither does.
  for (const auto& e : doc.by_endpoint) add_buffered_warning(doc.warnings, e.name, e.scope);
  if (doc.warnings.size() == before) {
    for (const auto& t : doc.by_tag) add_buffered_warning(doc.warnings, "tag " + t.name, t.scope);
  }
  if (doc.warnings.size() == before) add_buffered_warning(doc.warnings, "overall", doc.overall);
}

}  // namespace

results::ResultDoc to_result_doc(const RunReport& report) {
  const auto& r = report.result;
  results::ResultDoc doc;
  doc.replay_version = REPLAY_VERSION;
  doc.config = config_entries(report);
  doc.started_unix_ms = r.started_unix_ms;
  doc.load_us = r.load_us;
  doc.elapsed_us = r.elapsed_us;
  doc.drain_us = r.drain_us;
  doc.trace_ended_at_us = r.trace_ended_at_us;
  doc.interrupted = r.interrupted;
  doc.warnings = r.warnings;
  doc.connections_opened = r.connections_opened;
  doc.connections_failed = r.connections_failed;
  doc.tls_handshakes = r.tls_handshakes;
  doc.tls_resumed = r.tls_resumed;
  doc.requests_http1 = r.requests_http1;
  doc.requests_h2 = r.requests_h2;
  doc.h2_connections = r.h2_connections;
  doc.h2_streams = r.h2_streams;
  doc.h2_max_streams_per_connection = r.h2_max_streams_per_connection;
  doc.h2_max_concurrent_streams = r.h2_max_concurrent_streams;
  if (const auto& limit = r.resource_limit) {
    doc.resource_limit = results::ResultDoc::ResourceLimit{
        limit->what, limit->limit, limit->connections, limit->requests_waited};
  }
  if (const auto& u = r.users) {
    doc.users = results::ResultDoc::Users{.most = u->most,
                                          .user_seconds = u->user_seconds,
                                          .think_mean_us = u->think_mean_us,
                                          .interval_mean_us = u->interval_mean_us,
                                          .open_loop = u->open_loop,
                                          .open_loop_offered_per_s = u->open_loop_offered_per_s,
                                          .sessions_cut = u->sessions_cut};
  }
  doc.records_skipped = r.records_skipped;
  doc.overall = to_scope(r.overall);
  doc.by_tag = to_scopes(r.by_tag);
  doc.by_endpoint = to_scopes(r.by_endpoint);
  doc.timeline = timeline_rows(r);
  doc.timeline_by_tag = scope_timelines(r.by_tag, r.timeline_by_tag, false);
  doc.timeline_by_endpoint = scope_timelines(r.by_endpoint, r.timeline_by_endpoint, true);
  for (const auto& probe : r.probes) doc.probes.push_back({probe.name, probe.metric});
  add_buffered_warnings(doc);
  doc.saturation = results::analyse_saturation(doc);
  for (const auto& t : report.thresholds)
    doc.thresholds.push_back(results::check_threshold(t, doc));
  return doc;
}

std::string format_result_json(const RunReport& report) {
  return results::format_result_doc(to_result_doc(report));
}

}  // namespace replay::report
