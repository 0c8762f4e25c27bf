#include "replay/results/result_writer.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "llm_json.hpp"
#include "metric_json.hpp"
#include "replay/core/json_writer.hpp"
#include "status_json.hpp"
#include "ws_json.hpp"

namespace replay::results {

void write_histogram(JsonWriter& w, const Histogram& h) {
  w.begin_object()
      .key("count")
      .value(h.count())
      .key("min")
      .value(h.min())
      .key("mean")
      .value(h.mean())
      .key("stddev")
      .value(h.stddev())
      .key("p50")
      .value(h.value_at_percentile(50))
      .key("p90")
      .value(h.value_at_percentile(90))
      .key("p95")
      .value(h.value_at_percentile(95))
      .key("p99")
      .value(h.value_at_percentile(99))
      .key("p99.9")
      .value(h.value_at_percentile(99.9))
      .key("max")
      .value(h.max())
      .key("hdr")
      .value(h.serialise())
      .end_object();
}

namespace {

void write_scope(JsonWriter& w, const ResultDoc& doc, const Scope& s) {
  w.begin_object()
      .key("offered")
      .value(s.offered)
      .key("sent")
      .value(s.sent)
      .key("completed")
      .value(s.completed)
      .key("failed")
      .value(s.failed)
      .key("errors")
      .value(s.errors)
      .key("error_ratio")
      .value(s.error_ratio())
      .key("response_bytes")
      .value(s.response_bytes);
  for (const auto& [name, count] : s.extra_counts) w.key(name).value(count);
  w.key("status").begin_object();
  for (size_t i = 0; i < s.status.size(); ++i) w.key(kStatusClassNames[i]).value(s.status[i]);
  w.key("codes");
  write_status_codes(w, s.status_codes);
  w.end_object();
  w.key("failures").begin_object();
  for (const auto& [cause, count] : s.failures) w.key(cause).value(count);
  w.end_object();
  w.key("samples");
  write_failure_samples(w, s.samples);
  if (!s.checks.empty()) {
    w.key("checks");
    write_checks(w, s.checks);
  }
  w.key("latency_us").begin_object();
  w.key("corrected");
  write_histogram(w, s.corrected);
  w.key("corrected_completed");
  write_histogram(w, s.corrected_completed);
  w.key("lower_bounds").value(s.lower_bounds);
  w.key("service");
  write_histogram(w, s.service);
  w.key("send_lag");
  write_histogram(w, s.send_lag);
  w.key("scheduler_lag");
  write_histogram(w, s.scheduler_lag);
  w.key("connection_wait");
  write_histogram(w, s.connection_wait);
  w.key("connect");
  write_histogram(w, s.connect);
  w.key("ttfb");
  write_histogram(w, s.ttfb);
  w.end_object();
  if (s.sse) {
    w.key("sse").begin_object();
    w.key("first_event_us");
    write_histogram(w, s.sse->first_event_us);
    w.key("inter_event_us");
    write_histogram(w, s.sse->inter_event_us);
    w.key("events_per_response");
    write_histogram(w, s.sse->events_per_response);
    w.end_object();
  }
  if (s.session_us) {
    w.key("session_us");
    write_histogram(w, *s.session_us);
  }
  if (!s.metrics.empty()) {
    w.key("metrics");
    write_metrics(w, s.metrics);
  }
  write_llm_scope(w, doc, s);
  write_ws_scope(w, s);
  w.end_object();
}

// Opens a timeline row with the counts both kinds of row start with.
template <class Row>
JsonWriter& write_row_counts(JsonWriter& w, const Row& row) {
  return w.begin_object()
      .key("second")
      .value(row.second)
      .key("offered")
      .value(row.offered)
      .key("sent")
      .value(row.sent)
      .key("completed")
      .value(row.completed)
      .key("failed")
      .value(row.failed)
      .key("errors")
      .value(row.errors);
}

void write_row(JsonWriter& w, const TimelineRow& row) {
  write_row_counts(w, row)
      .key("in_flight")
      .value(row.in_flight)
      .key("backlog")
      .value(row.backlog)
      .key("p50_us")
      .value(row.p50_us)
      .key("p99_us")
      .value(row.p99_us)
      .key("service_p50_us")
      .value(row.service_p50_us)
      .key("service_p99_us")
      .value(row.service_p99_us)
      .key("corrected_hdr")
      .value(row.corrected_hdr)
      .key("service_hdr")
      .value(row.service_hdr)
      .key("status_codes");
  write_status_codes(w, row.status_codes);
  if (row.output_tokens > 0 || !row.ttft_hdr.empty() || !row.itl_hdr.empty()) {
    w.key("output_tokens")
        .value(row.output_tokens)
        .key("goodput")
        .value(row.goodput)
        .key("ttft_p50_us")
        .value(row.ttft_p50_us)
        .key("ttft_p99_us")
        .value(row.ttft_p99_us)
        .key("ttft_hdr")
        .value(row.ttft_hdr)
        .key("itl_p50_us")
        .value(row.itl_p50_us)
        .key("itl_p99_us")
        .value(row.itl_p99_us)
        .key("itl_hdr")
        .value(row.itl_hdr);
  }
  if (!row.probes.empty()) {
    w.key("probes").begin_object();
    for (const auto& p : row.probes) w.key(p.name).value(p.value);  // NaN is written as null
    w.end_object();
  }
  w.end_object();
}

// {"name": [row, ...], ...}: the per-second rows of each tag or endpoint.
void write_scope_timelines(JsonWriter& w, const std::vector<ScopeTimeline>& timelines) {
  w.begin_object();
  for (const auto& t : timelines) {
    w.key(t.name).begin_array();
    for (const auto& row : t.rows) {
      write_row_counts(w, row)
          .key("p50_us")
          .value(row.p50_us)
          .key("p99_us")
          .value(row.p99_us)
          .key("corrected_hdr")
          .value(row.corrected_hdr)
          .key("status_codes");
      write_status_codes(w, row.status_codes);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
}

}  // namespace

std::string format_result_doc(const ResultDoc& doc) {
  std::string out;
  out.reserve(1 << 16);
  JsonWriter w(out);
  w.begin_object()
      .key("format")
      .value(kFormatName)
      .key("version")
      .value(kFormatVersion)
      .key("replay_version")
      .value(doc.replay_version);
  w.key("config").begin_object();
  for (const auto& entry : doc.config) w.key(entry.key).raw(entry.json);
  w.end_object();
  w.key("started_unix_ms")
      .value(doc.started_unix_ms)
      .key("load_us")
      .value(doc.load_us)
      .key("elapsed_us")
      .value(doc.elapsed_us)
      .key("drain_us")
      .value(doc.drain_us)
      .key("trace_ended_at_us")
      .value(doc.trace_ended_at_us)
      .key("interrupted")
      .value(doc.interrupted);
  w.key("warnings").begin_array();
  for (const auto& line : doc.warnings) w.value(line);
  w.end_array();
  w.key("connections_opened")
      .value(doc.connections_opened)
      .key("connections_failed")
      .value(doc.connections_failed)
      .key("tls_handshakes")
      .value(doc.tls_handshakes)
      .key("tls_resumed")
      .value(doc.tls_resumed);
  w.key("protocols")
      .begin_object()
      .key("http1")
      .value(doc.requests_http1)
      .key("h2")
      .value(doc.requests_h2)
      .end_object();
  if (doc.h2_connections > 0) {
    w.key("h2_streams")
        .begin_object()
        .key("connections")
        .value(doc.h2_connections)
        .key("streams")
        .value(doc.h2_streams)
        .key("mean_per_connection")
        .value(static_cast<double>(doc.h2_streams) / static_cast<double>(doc.h2_connections))
        .key("max_per_connection")
        .value(doc.h2_max_streams_per_connection)
        .key("max_concurrent")
        .value(doc.h2_max_concurrent_streams)
        .end_object();
  }
  if (const auto& limit = doc.resource_limit) {
    w.key("resource_limit")
        .begin_object()
        .key("what")
        .value(limit->what)
        .key("limit")
        .value(limit->limit)
        .key("connections")
        .value(limit->connections)
        .key("requests_waited")
        .value(limit->requests_waited)
        .end_object();
  }
  if (const auto& u = doc.users) {
    w.key("users")
        .begin_object()
        .key("most")
        .value(u->most)
        .key("user_seconds")
        .value(u->user_seconds)
        .key("think_mean_us")
        .value(u->think_mean_us)
        .key("interval_mean_us")
        .value(u->interval_mean_us)
        .key("open_loop_offered_per_s")
        .value(u->open_loop_offered_per_s)
        .key("sessions_cut")
        .value(u->sessions_cut)
        .key("open_loop_us");
    write_histogram(w, u->open_loop);
    w.end_object();
  }
  w.key("records_skipped")
      .value(doc.records_skipped)
      .key("offered_per_s")
      .value(doc.offered_per_s())
      .key("throughput_per_s")
      .value(doc.throughput_per_s());
  w.key("overall");
  write_scope(w, doc, doc.overall);
  w.key("by_tag").begin_object();
  for (const auto& t : doc.by_tag) {
    w.key(t.name);
    write_scope(w, doc, t.scope);
  }
  w.end_object().key("by_endpoint").begin_object();
  for (const auto& e : doc.by_endpoint) {
    w.key(e.name);
    write_scope(w, doc, e.scope);
  }
  w.end_object();
  w.key("timeline").begin_array();
  for (const auto& row : doc.timeline) write_row(w, row);
  w.end_array();
  w.key("timeline_by_tag");
  write_scope_timelines(w, doc.timeline_by_tag);
  if (!doc.timeline_by_endpoint.empty()) {
    w.key("timeline_by_endpoint");
    write_scope_timelines(w, doc.timeline_by_endpoint);
  }
  w.key("probes").begin_array();
  for (const auto& p : doc.probes) {
    w.begin_object().key("name").value(p.name).key("metric").value(p.metric).end_object();
  }
  w.end_array();
  const auto& s = doc.saturation;
  w.key("saturation")
      .begin_object()
      .key("saturated")
      .value(s.saturated)
      .key("generator_limited")
      .value(s.generator_limited)
      .key("client_limited")
      .value(s.client_limited)
      .key("growth_ms_per_s")
      .value(s.growth_ms_per_s)
      .key("offered_per_s")
      .value(s.offered_per_s)
      .key("achieved_per_s")
      .value(s.achieved_per_s)
      .key("from_second")
      .value(s.from_second)
      .key("to_second")
      .value(s.to_second)
      .key("headline")
      .value(s.summary)
      .key("summary")
      .value(s.summary)
      .end_object();
  w.key("thresholds").begin_array();
  for (const auto& t : doc.thresholds) {
    w.begin_object()
        .key("expression")
        .value(t.expression)
        .key("passed")
        .value(t.passed)
        .key("observed")
        .value(t.observed)
        .key("warn")
        .value(t.warn)
        .end_object();
  }
  w.end_array().end_object();
  out += '\n';
  return out;
}

Result<void> write_text_file(const std::string& path, const std::string& text,
                             const std::string& what) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return make_error(Errc::io, what + " '" + path + "': " + std::strerror(errno));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok)
    return make_error(Errc::io, what + " '" + path + "': write failed");
  return {};
}

}  // namespace replay::results
