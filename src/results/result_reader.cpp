#include "replay/results/result_reader.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "json_fields.hpp"
#include "llm_json.hpp"
#include "metric_json.hpp"
#include "status_json.hpp"
#include "ws_json.hpp"

namespace replay::results {

Histogram read_histogram(ObjectReader& parent, std::string_view key, ErrorSink& sink) {
  ObjectReader h = parent.child(key);
  const uint64_t count = h.u64("count");
  const std::string text = h.str("hdr");
  if (sink.failed()) return Histogram();
  auto hist = Histogram::deserialise(text);
  if (!hist) {
    sink.fail(h.path_of("hdr"), hist.error().context);
    return Histogram();
  }
  if (hist->count() != count) {
    sink.fail(h.path_of("count"), std::to_string(count) + " but the histogram holds " +
                                      std::to_string(hist->count()) + " values");
  }
  return std::move(hist).value();
}

namespace {

bool is_known_scope_field(std::string_view key) {
  static constexpr std::string_view kKnown[] = {
      "offered",        "sent",       "completed", "failed",     "errors", "error_ratio",
      "response_bytes", "status",     "failures",  "latency_us", "sse",    "llm",
      "checks",         "session_us", "ws",        "metrics"};
  for (auto k : kKnown) {
    if (k == key) return true;
  }
  return false;
}

void read_extra_counts(ObjectReader& r, Scope& s, const ErrorSink& sink) {
  if (!r.valid() || sink.failed()) return;
  for (auto [key, value] : r.object()) {
    uint64_t n = 0;
    if (!is_known_scope_field(key) && value.get_uint64().get(n) == simdjson::SUCCESS) {
      s.extra_counts.emplace_back(std::string(key), n);
    }
  }
}

Scope read_scope(dom::element element, const std::string& path, ErrorSink& sink) {
  Scope s;
  ObjectReader r(element, path, sink);
  s.offered = r.u64("offered");
  s.sent = r.u64("sent");
  s.completed = r.u64("completed");
  s.failed = r.u64("failed");
  s.errors = r.u64("errors");
  s.response_bytes = r.u64("response_bytes");
  read_extra_counts(r, s, sink);
  ObjectReader status = r.child("status");
  for (size_t i = 0; i < kStatusClassNames.size(); ++i)
    s.status[i] = status.u64(kStatusClassNames[i]);
  s.status_codes = read_status_codes(status, "codes", sink);
  ObjectReader failures = r.child("failures");
  if (failures.valid() && !sink.failed()) {
    for (auto [key, value] : failures.object()) {
      uint64_t n = 0;
      if (value.get_uint64().get(n) != simdjson::SUCCESS) {
        sink.fail(failures.path_of(key), "expected a non-negative integer");
        break;
      }
      s.failures.emplace_back(std::string(key), n);
    }
  }
  s.samples = read_failure_samples(r, "samples", sink);
  if (r.find("checks")) s.checks = read_checks(r, "checks", sink);
  ObjectReader latency = r.child("latency_us");
  s.corrected = read_histogram(latency, "corrected", sink);
  // Older results had no failures in the latency: their corrected was completions only.
  if (latency.find("corrected_completed")) {
    s.corrected_completed = read_histogram(latency, "corrected_completed", sink);
  } else {
    s.corrected_completed = s.corrected;
  }
  if (latency.find("lower_bounds")) s.lower_bounds = latency.u64("lower_bounds");
  s.service = read_histogram(latency, "service", sink);
  s.send_lag = read_histogram(latency, "send_lag", sink);
  // Absent in results written before send lag was split: empty.
  for (auto [key, into] :
       {std::pair{"scheduler_lag", &s.scheduler_lag},
        std::pair{"connection_wait", &s.connection_wait}, std::pair{"connect", &s.connect}}) {
    if (latency.find(key)) *into = read_histogram(latency, key, sink);
  }
  s.ttfb = read_histogram(latency, "ttfb", sink);
  if (r.find("sse")) {
    ObjectReader sse = r.child("sse");
    SseScope x;
    x.first_event_us = read_histogram(sse, "first_event_us", sink);
    x.inter_event_us = read_histogram(sse, "inter_event_us", sink);
    x.events_per_response = read_histogram(sse, "events_per_response", sink);
    s.sse = std::move(x);
  }
  if (r.find("session_us")) s.session_us = read_histogram(r, "session_us", sink);
  if (r.find("metrics")) s.metrics = read_metrics(r, "metrics", sink);
  read_llm_scope(r, s, sink);
  read_ws_scope(r, s, sink);
  return s;
}

std::vector<NamedScope> read_named_scopes(ObjectReader& top, std::string_view key,
                                          ErrorSink& sink) {
  std::vector<NamedScope> out;
  ObjectReader scopes = top.child(key);
  if (!scopes.valid() || sink.failed()) return out;
  for (auto [name, value] : scopes.object()) {
    out.push_back({std::string(name), read_scope(value, scopes.path_of(name), sink)});
    if (sink.failed()) break;
  }
  return out;
}

// A timeline histogram must deserialise; its percentiles are re-derived when rows merge.
void check_row_histogram(ObjectReader& row, std::string_view key, const std::string& text,
                         ErrorSink& sink) {
  if (text.empty() || sink.failed()) return;
  auto h = Histogram::deserialise(text);
  if (!h) sink.fail(row.path_of(key), h.error().context);
}

void read_probes(ObjectReader& row, TimelineRow& out, ErrorSink& sink) {
  if (!row.find("probes")) return;
  ObjectReader probes = row.child("probes");
  if (!probes.valid() || sink.failed()) return;
  for (auto [name, value] : probes.object()) {
    double v = std::numeric_limits<double>::quiet_NaN();
    if (!value.is_null() && value.get_double().get(v) != simdjson::SUCCESS) {
      sink.fail(probes.path_of(name), "expected a number or null");
      return;
    }
    out.probes.push_back({std::string(name), v});
  }
}

// The counts both kinds of timeline row start with.
template <class Row>
void read_row_counts(ObjectReader& r, Row& row) {
  row.second = r.i64("second");
  row.offered = r.u64("offered");
  row.sent = r.u64("sent");
  row.completed = r.u64("completed");
  if (r.find("failed")) row.failed = r.u64("failed");  // absent in older results
  row.errors = r.u64("errors");
}

// Appends `row` read by `r` unless reading failed; its second must follow the last row's.
template <class Row>
bool append_row(std::vector<Row>& rows, Row row, const ObjectReader& r, ErrorSink& sink) {
  if (!sink.failed() && !rows.empty() && row.second <= rows.back().second) {
    sink.fail(r.path_of("second"), "seconds must increase from row to row");
  }
  if (sink.failed()) return false;
  rows.push_back(std::move(row));
  return true;
}

std::vector<TimelineRow> read_timeline(ObjectReader& top, ErrorSink& sink) {
  std::vector<TimelineRow> rows;
  top.each_object("timeline", [&](ObjectReader& r) {
    TimelineRow row;
    read_row_counts(r, row);
    row.in_flight = r.u64("in_flight");
    row.backlog = r.u64("backlog");
    row.p50_us = r.i64("p50_us");
    row.p99_us = r.i64("p99_us");
    row.service_p50_us = r.i64("service_p50_us");
    row.service_p99_us = r.i64("service_p99_us");
    row.corrected_hdr = r.str("corrected_hdr");
    row.service_hdr = r.str("service_hdr");
    check_row_histogram(r, "corrected_hdr", row.corrected_hdr, sink);
    check_row_histogram(r, "service_hdr", row.service_hdr, sink);
    if (r.find("output_tokens")) {  // rows with LLM streams only
      row.output_tokens = r.u64("output_tokens");
      row.goodput = r.u64("goodput");
      row.ttft_p50_us = r.i64("ttft_p50_us");
      row.ttft_p99_us = r.i64("ttft_p99_us");
      row.ttft_hdr = r.str("ttft_hdr");
      check_row_histogram(r, "ttft_hdr", row.ttft_hdr, sink);
      row.itl_p50_us = r.i64("itl_p50_us");
      row.itl_p99_us = r.i64("itl_p99_us");
      row.itl_hdr = r.str("itl_hdr");
      check_row_histogram(r, "itl_hdr", row.itl_hdr, sink);
    }
    read_probes(r, row, sink);
    row.status_codes = read_status_codes(r, "status_codes", sink);
    return append_row(rows, std::move(row), r, sink);
  });
  return rows;
}

// The object `key` ("timeline_by_tag", "timeline_by_endpoint") of per-scope rows; empty when
// absent.
std::vector<ScopeTimeline> read_scope_timelines(ObjectReader& top, const char* key,
                                                ErrorSink& sink) {
  std::vector<ScopeTimeline> out;
  if (!top.find(key)) return out;
  ObjectReader scopes = top.child(key);
  if (!scopes.valid() || sink.failed()) return out;
  for (auto [name, value] : scopes.object()) {
    ScopeTimeline timeline{std::string(name), {}};
    dom::array rows;
    if (value.get_array().get(rows) != simdjson::SUCCESS) {
      sink.fail(scopes.path_of(name), "expected an array");
      return out;
    }
    size_t index = 0;
    for (dom::element e : rows) {
      ObjectReader r(e, scopes.path_of(name) + "[" + std::to_string(index++) + "]", sink);
      ScopeTimelineRow row;
      read_row_counts(r, row);
      row.p50_us = r.i64("p50_us");
      row.p99_us = r.i64("p99_us");
      row.corrected_hdr = r.str("corrected_hdr");
      check_row_histogram(r, "corrected_hdr", row.corrected_hdr, sink);
      row.status_codes = read_status_codes(r, "status_codes", sink);
      if (!append_row(timeline.rows, std::move(row), r, sink)) return out;
    }
    out.push_back(std::move(timeline));
  }
  return out;
}

std::vector<ProbeInfo> read_probe_list(ObjectReader& top) {
  std::vector<ProbeInfo> out;
  if (!top.find("probes")) return out;
  top.each_object("probes", [&](ObjectReader& r) {
    out.push_back({r.str("name"), r.str("metric")});
    return true;
  });
  return out;
}

std::vector<ConfigEntry> read_config(ObjectReader& top, ErrorSink& sink) {
  std::vector<ConfigEntry> out;
  ObjectReader config = top.child("config");
  if (!config.valid() || sink.failed()) return out;
  for (auto [key, value] : config.object()) {
    ConfigEntry entry{std::string(key), simdjson::minify(value), ""};
    std::string_view s;
    dom::array items;
    if (value.get_string().get(s) == simdjson::SUCCESS) {
      entry.text = std::string(s);
    } else if (value.get_array().get(items) == simdjson::SUCCESS) {
      for (dom::element item : items) {
        if (!entry.text.empty()) entry.text += ",";
        entry.text +=
            item.get_string().get(s) == simdjson::SUCCESS ? std::string(s) : simdjson::minify(item);
      }
    } else {
      entry.text = entry.json;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Saturation read_saturation(ObjectReader& top) {
  ObjectReader r = top.child("saturation");
  Saturation s;
  s.saturated = r.boolean("saturated");
  // Absent in results written before the limits were named.
  if (r.find("generator_limited")) s.generator_limited = r.boolean("generator_limited");
  if (r.find("client_limited")) s.client_limited = r.boolean("client_limited");
  s.growth_ms_per_s = r.f64("growth_ms_per_s");
  s.offered_per_s = r.f64("offered_per_s");
  s.achieved_per_s = r.f64("achieved_per_s");
  s.from_second = r.i64("from_second");
  s.to_second = r.i64("to_second");
  s.summary = r.find("headline") ? r.str("headline") : r.str("summary");
  return s;
}

std::vector<std::string> read_warnings(ObjectReader& top, ErrorSink& sink) {
  std::vector<std::string> out;
  if (!top.find("warnings")) return out;
  auto items = top.array("warnings");
  if (!items) return out;
  size_t index = 0;
  for (dom::element e : *items) {
    std::string_view line;
    if (e.get_string().get(line) != simdjson::SUCCESS) {
      sink.fail(top.path_of("warnings") + "[" + std::to_string(index) + "]", "expected a string");
      return out;
    }
    out.emplace_back(line);
    ++index;
  }
  return out;
}

std::vector<ThresholdResult> read_thresholds(ObjectReader& top) {
  std::vector<ThresholdResult> out;
  top.each_object("thresholds", [&](ObjectReader& r) {
    ThresholdResult t;
    t.expression = r.str("expression");
    t.passed = r.boolean("passed");
    t.observed = r.str("observed");
    if (r.find("warn")) t.warn = r.boolean("warn");  // absent in older results
    out.push_back(std::move(t));
    return true;
  });
  return out;
}

Result<void> check_format(ObjectReader& top) {
  auto format = top.find("format");
  std::string_view name;
  if (!format || format->get_string().get(name) != simdjson::SUCCESS || name != kFormatName) {
    return make_error(Errc::unsupported,
                      std::string("not a replay result (expected \"format\": \"") +
                          std::string(kFormatName) + "\", as 'replay run --out' writes)");
  }
  auto version = top.find("version");
  uint64_t v = 0;
  if (!version || version->get_uint64().get(v) != simdjson::SUCCESS || v == 0) {
    return make_error(Errc::corrupt, "field 'version': expected a positive integer");
  }
  if (v > static_cast<uint64_t>(kFormatVersion)) {
    return make_error(Errc::unsupported, "format version " + std::to_string(v) +
                                             " is newer than this build of replay reads (" +
                                             std::to_string(kFormatVersion) + ")");
  }
  return {};
}

}  // namespace

Result<ResultDoc> parse_result_json(std::string_view json, std::string_view source) {
  const std::string where = source.empty() ? std::string("result") : std::string(source);
  dom::parser parser;
  simdjson::padded_string padded(json);
  dom::element root;
  if (auto code = parser.parse(padded).get(root); code != simdjson::SUCCESS) {
    return make_error(Errc::corrupt, where + ": " + describe_json_error(code));
  }
  ErrorSink sink;
  ObjectReader top(root, "", sink);
  if (!top.valid()) {
    return make_error(Errc::unsupported, where + ": not a replay result (not a JSON object)");
  }
  if (auto ok = check_format(top); !ok) return ok.error().within(where);

  ResultDoc doc;
  doc.source = std::string(source);
  doc.replay_version = top.str("replay_version");
  doc.config = read_config(top, sink);
  doc.started_unix_ms = top.i64("started_unix_ms");
  doc.load_us = top.i64("load_us");
  doc.elapsed_us = top.i64("elapsed_us");
  // Absent in results written before runs said how they ended.
  if (top.find("drain_us")) doc.drain_us = top.i64("drain_us");
  if (top.find("trace_ended_at_us")) doc.trace_ended_at_us = top.i64("trace_ended_at_us");
  doc.interrupted = top.boolean("interrupted");
  doc.warnings = read_warnings(top, sink);
  doc.connections_opened = top.u64("connections_opened");
  // Absent in results written before failed connection attempts were counted apart.
  if (top.find("connections_failed")) doc.connections_failed = top.u64("connections_failed");
  if (top.find("tls_handshakes")) doc.tls_handshakes = top.u64("tls_handshakes");
  if (top.find("tls_resumed")) doc.tls_resumed = top.u64("tls_resumed");
  // Absent in results written before HTTP/2.
  if (top.find("protocols")) {
    ObjectReader protocols = top.child("protocols");
    doc.requests_http1 = protocols.u64("http1");
    doc.requests_h2 = protocols.u64("h2");
  }
  if (top.find("h2_streams")) {
    ObjectReader streams = top.child("h2_streams");
    doc.h2_connections = streams.u64("connections");
    doc.h2_streams = streams.u64("streams");
    doc.h2_max_streams_per_connection = streams.u64("max_per_connection");
    doc.h2_max_concurrent_streams = streams.u64("max_concurrent");
  }
  if (top.find("resource_limit")) {
    ObjectReader limit = top.child("resource_limit");
    doc.resource_limit =
        ResultDoc::ResourceLimit{limit.str("what"), limit.u64("limit"), limit.u64("connections"),
                                 limit.u64("requests_waited")};
  }
  if (top.find("users")) {
    ObjectReader users = top.child("users");
    ResultDoc::Users& u = doc.users.emplace();
    u.most = users.u64("most");
    u.user_seconds = users.f64("user_seconds");
    u.think_mean_us = users.f64("think_mean_us");
    u.interval_mean_us = users.f64("interval_mean_us");
    u.open_loop_offered_per_s = users.f64("open_loop_offered_per_s");
    u.sessions_cut = users.u64("sessions_cut");
    u.open_loop = read_histogram(users, "open_loop_us", sink);
  }
  doc.records_skipped = top.u64("records_skipped");
  if (auto overall = top.need("overall")) doc.overall = read_scope(*overall, "overall", sink);
  doc.by_tag = read_named_scopes(top, "by_tag", sink);
  doc.by_endpoint = read_named_scopes(top, "by_endpoint", sink);
  doc.timeline = read_timeline(top, sink);
  doc.timeline_by_tag = read_scope_timelines(top, "timeline_by_tag", sink);
  doc.timeline_by_endpoint = read_scope_timelines(top, "timeline_by_endpoint", sink);
  doc.probes = read_probe_list(top);
  doc.saturation = read_saturation(top);
  doc.thresholds = read_thresholds(top);
  if (sink.failed()) return sink.error().within(where);
  return doc;
}

Result<ResultDoc> read_result_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    return make_error(errno == ENOENT ? Errc::not_found : Errc::io,
                      "'" + path + "': " + std::strerror(errno));
  }
  std::string text;
  char buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  const int read_errno = errno;
  std::fclose(f);
  if (failed) return make_error(Errc::io, "'" + path + "': " + std::strerror(read_errno));
  return parse_result_json(text, path);
}

}  // namespace replay::results
