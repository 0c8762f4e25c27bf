#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "replay/core/units.hpp"
#include "replay/report/result_views.hpp"
#include "replay/results/metric_text.hpp"

namespace replay::report {
namespace {

using histogram::Histogram;
using results::ResultDoc;
using results::Scope;

constexpr double kPercentiles[] = {50, 90, 95, 99, 99.9};
// Width of the latency table's name column: send lag's parts are indented under it.
constexpr int kNameWidth = 11;
// The load time is printed beside the offered rate only when it differs from the run's elapsed
// time by at least this share of it (the drain after the load is usually a response's length).
constexpr double kLoadDiffersRatio = 0.05;

void appendf(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string& out, const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  if (n > 0) out.append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

std::string ms(int64_t us) {
  return format_ms(us);
}

// The histogram's value at `percentile` in ms, "-" when it holds no value.
std::string percentile_ms(const Histogram& h, double percentile) {
  return h.count() ? ms(h.value_at_percentile(percentile)) : "-";
}

std::string max_ms(const Histogram& h) {
  return h.count() ? ms(h.max()) : "-";
}

void latency_row(std::string& out, const char* name, const Histogram& h) {
  appendf(out, "  %-*s", kNameWidth, name);
  for (double p : kPercentiles) appendf(out, " %10s", percentile_ms(h, p).c_str());
  const std::string mean = h.count() ? ms(static_cast<int64_t>(h.mean())) : "-";
  appendf(out, " %10s %10s\n", max_ms(h).c_str(), mean.c_str());
}

// One line when the scope's corrected latency includes failures at their failure time.
void lower_bound_line(std::string& out, const Scope& s) {
  if (s.lower_bounds == 0) return;
  const Histogram& completed = s.corrected_completed;
  const std::string completed_only = completed.count()
                                         ? "completed only: p50 " + percentile_ms(completed, 50) +
                                               ", p99 " + percentile_ms(completed, 99)
                                         : std::string("none completed");
  appendf(out,
          "  corrected latency includes %llu failed request%s at %s failure time (lower "
          "bounds); %s\n",
          static_cast<unsigned long long>(s.lower_bounds), s.lower_bounds == 1 ? "" : "s",
          s.lower_bounds == 1 ? "its" : "their", completed_only.c_str());
}

// The per-endpoint or per-tag table; its rate is each scope's achieved rate ("-" when the load
// lasted under a second).
void scope_table(std::string& out, const char* title, const std::vector<results::NamedScope>& rows,
                 const ResultDoc& r) {
  if (rows.empty()) return;
  size_t width = std::strlen(title);
  for (const auto& row : rows) width = std::max(width, row.name.size());
  std::vector<const results::NamedScope*> sorted;
  for (const auto& row : rows) sorted.push_back(&row);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](auto* a, auto* b) { return a->scope.offered > b->scope.offered; });
  appendf(out, "\n  %-*s %9s %8s %7s %10s %10s %10s %10s\n", static_cast<int>(width), title,
          "requests", "rate/s", "errors", "p50", "p95", "p99", "max");
  for (const auto* row : sorted) {
    const Scope& s = row->scope;
    char rate[32] = "-";
    if (r.has_rate_window()) std::snprintf(rate, sizeof rate, "%.1f", r.achieved_per_s(s));
    appendf(out, "  %-*s %9llu %8s %6.2f%% %10s %10s %10s %10s", static_cast<int>(width),
            row->name.c_str(), static_cast<unsigned long long>(s.offered), rate,
            s.error_ratio() * 100, percentile_ms(s.corrected, 50).c_str(),
            percentile_ms(s.corrected, 95).c_str(), percentile_ms(s.corrected, 99).c_str(),
            max_ms(s.corrected).c_str());
    if (s.lower_bounds) {
      appendf(out, "  (%llu lower bound%s)", static_cast<unsigned long long>(s.lower_bounds),
              s.lower_bounds == 1 ? "" : "s");
    }
    out += '\n';
  }
}

void count_line(std::string& out, const char* cause, uint64_t n) {
  if (n) appendf(out, "    %-16s %llu\n", cause, static_cast<unsigned long long>(n));
}

// The requests line states the run's length; the rate line gives the figures of
// docs/result-format.md: offered over the offered load, whose length it names only when that
// differs (an interrupted run, a long drain), and then as the load's, so that the two never read
// as two lengths of the run; achieved, the completions during the load; throughput over the run.
// A window under a second gives its count and length instead of a rate.
void rate_lines(std::string& out, const ResultDoc& r) {
  const auto& o = r.overall;
  const std::string run_text = results::window_text(r.elapsed_us);
  appendf(out,
          "\n  requests   offered %llu   sent %llu   completed %llu   failed %llu   "
          "in %s\n",
          static_cast<unsigned long long>(o.offered), static_cast<unsigned long long>(o.sent),
          static_cast<unsigned long long>(o.completed), static_cast<unsigned long long>(o.failed),
          run_text.c_str());
  appendf(out, "  rate       offered %s", r.offered_text().c_str());
  const std::string load_text = results::window_text(r.load_us);
  if (r.has_rate_window() &&
      static_cast<double>(r.elapsed_us - r.load_us) >=
          kLoadDiffersRatio * static_cast<double>(r.elapsed_us) &&
      load_text != run_text) {
    appendf(out, " over %s of offered load", load_text.c_str());
  }
  if (r.has_rate_window()) appendf(out, "   achieved %s", r.achieved_text().c_str());
  appendf(out, "   throughput %s   connections opened %llu", r.throughput_text().c_str(),
          static_cast<unsigned long long>(r.connections_opened));
  if (r.connections_failed > 0) {
    appendf(out, " (%llu attempts failed)", static_cast<unsigned long long>(r.connections_failed));
  }
  if (r.tls_handshakes > 0) {
    appendf(out, " (TLS: %llu of %llu handshakes resumed)",
            static_cast<unsigned long long>(r.tls_resumed),
            static_cast<unsigned long long>(r.tls_handshakes));
  }
  if (r.h2_connections > 0) {
    appendf(out, " (HTTP/2: %llu requests, %.1f streams per connection, at most %llu at once)",
            static_cast<unsigned long long>(r.requests_h2),
            static_cast<double>(r.h2_streams) / static_cast<double>(r.h2_connections),
            static_cast<unsigned long long>(r.h2_max_concurrent_streams));
  }
  out += '\n';
}

// Percentiles of every latency; send lag's three parts indented under it.
void latency_table(std::string& out, const Scope& o, const ResultDoc& r) {
  appendf(out, "\n  %-*s", kNameWidth, "latency");
  for (double p : kPercentiles) {
    char label[16];
    std::snprintf(label, sizeof label, "p%g", p);
    appendf(out, " %10s", label);
  }
  appendf(out, " %10s %10s\n", "max", "mean");
  latency_row(out, "corrected", o.corrected);
  if (r.users) latency_row(out, "open loop", r.users->open_loop);
  latency_row(out, "service", o.service);
  latency_row(out, "send lag", o.send_lag);
  latency_row(out, "  scheduler", o.scheduler_lag);
  latency_row(out, "  conn wait", o.connection_wait);
  latency_row(out, "  connect", o.connect);
  latency_row(out, "ttfb", o.ttfb);
  if (o.sse) {
    latency_row(out, "1st event", o.sse->first_event_us);
    latency_row(out, "event gap", o.sse->inter_event_us);
    appendf(out, "  %-*s mean %.1f   max %lld events per stream\n", kNameWidth, "events",
            o.sse->events_per_response.mean(),
            static_cast<long long>(o.sse->events_per_response.max()));
  }
  if (o.ws) {
    latency_row(out, "ws connect", o.ws->connect_us);
    latency_row(out, "ws message", o.ws->first_frame_us);
    latency_row(out, "ws reply", o.ws->last_frame_us);
  }
  appendf(out,
          "  (corrected = completion or failure - intended send time; service = completion - "
          "actual send;\n   send lag = scheduler: replay late + conn wait: no free connection + "
          "connect: TCP/TLS)\n");
  lower_bound_line(out, o);
  if (const auto& u = r.users) {
    const double load_s = static_cast<double>(std::max<int64_t>(1, r.load_us)) / 1e6;
    appendf(out,
            "  users      %llu at most, %.1f on average, a step every %s (think %s + median "
            "service)\n             at that pace a schedule offers %.1f/s, against %s "
            "achieved: \"open loop\" is what\n             it would measure (HdrHistogram's "
            "expected-interval correction), hidden by closed loop\n",
            static_cast<unsigned long long>(u->most), u->user_seconds / load_s,
            ms(static_cast<int64_t>(u->interval_mean_us)).c_str(),
            ms(static_cast<int64_t>(u->think_mean_us)).c_str(), u->open_loop_offered_per_s,
            r.achieved_text().c_str());
  }
}

// LLM streams: TTFT (from intended and from send), ITL, TPOT, E2E, tokens and goodput.
void llm_table(std::string& out, const results::ResultDoc& r, const Scope& o) {
  if (!o.llm) return;
  const results::LlmScope& l = *o.llm;
  appendf(out, "\n  %-*s", kNameWidth, "llm streams");
  for (double p : kPercentiles) {
    char label[16];
    std::snprintf(label, sizeof label, "p%g", p);
    appendf(out, " %10s", label);
  }
  appendf(out, " %10s %10s\n", "max", "mean");
  latency_row(out, "TTFT", l.ttft_us);
  latency_row(out, "TTFT sent", l.ttft_sent_us);
  latency_row(out, "ITL", l.itl_us);
  latency_row(out, "TPOT", l.tpot_us);
  latency_row(out, "E2E", l.e2e_us);
  appendf(out,
          "  tokens     %llu streams   %llu output tokens (%s, %.2f per event)   %.1f tokens/s"
          "   per stream p50 %lld/s\n",
          static_cast<unsigned long long>(l.streams),
          static_cast<unsigned long long>(l.output_tokens), l.token_source().c_str(),
          l.tokens_per_event(), r.output_tokens_per_s(o),
          static_cast<long long>(l.stream_tokens_per_s.value_at_percentile(50)));
  appendf(out, "  goodput    %.2f%% of requests (%llu good)   %.2f/s%s\n", o.goodput_ratio() * 100,
          static_cast<unsigned long long>(l.goodput_met), r.goodput_per_s(o),
          r.config_text("goodput").empty() ? "   (no --goodput SLOs)"
                                           : ("   SLOs " + r.config_text("goodput")).c_str());
  appendf(out,
          "  (TTFT, E2E = first, last content event - intended send time; TTFT sent = from the "
          "actual send;\n   failed requests count against goodput)\n");
}

// The first kept sample of `key` (an HTTP status or a transport cause), as one short line.
void sample_line(std::string& out, const results::Scope& o, const std::string& key) {
  constexpr size_t kShown = 64;
  for (const auto& sample : o.samples) {
    if (sample.key != key || sample.text.empty()) continue;
    std::string text = sample.text.substr(0, kShown);
    if (sample.text.size() > kShown) text += "...";
    appendf(out, "      e.g. at %s: %s\n", format_duration_us(sample.at_us).c_str(), text.c_str());
    return;
  }
}

void errors_by_cause(std::string& out, const ResultDoc& r) {
  const auto& o = r.overall;
  const bool any_error = o.failed || o.failure_count(results::kCaptureFailedCause) ||
                         o.failure_count(results::kPollExhaustedCause) || o.status[4] ||
                         o.status[5] || o.status[0];
  if (!any_error) return;
  appendf(out, "\n  errors by cause\n");
  // The transport causes, then capture_failed and session_aborted: the file's order.
  for (const auto& [cause, count] : o.failures) {
    count_line(out, cause.c_str(), count);
    if (count) sample_line(out, o, cause);
  }
  if (o.status_codes.empty()) {  // older results: classes only
    count_line(out, "status 4xx", o.status[4]);
    count_line(out, "status 5xx", o.status[5]);
  } else {
    for (const auto& [code, count] : o.status_codes) {
      if (code < 400) continue;
      count_line(out, ("status " + std::to_string(code)).c_str(), count);
      sample_line(out, o, std::to_string(code));
    }
  }
  count_line(out, "status other", o.status[0]);
  if (o.failure_count(results::kAbandonedCause) > 0) {
    appendf(out,
            "    (abandoned: given up as the run ended, unsent at its end, in flight after the %s\n"
            "     drain or at Ctrl-C/SIGTERM; in the corrected latency as lower bounds)\n",
            format_duration_us(r.drain_us).c_str());
  }
}

// The checks (records' "expect"), as k6 shows them: the share passed, each failed condition
// with a sample of what a response held instead, and the share per tag when tags differ.
void checks_lines(std::string& out, const ResultDoc& r) {
  const replay::CheckTally& c = r.overall.checks;
  if (c.empty()) return;
  appendf(out, "  checks     %.2f%% passed (%llu of %llu)\n", c.pass_ratio() * 100,
          static_cast<unsigned long long>(c.passed),
          static_cast<unsigned long long>(c.passed + c.failed));
  uint64_t listed = 0;
  for (const CheckFailureCount& f : c.failures) {
    appendf(out, "    failed   %s  x%llu  (e.g. %s)\n", f.condition.c_str(),
            static_cast<unsigned long long>(f.count), f.observed.c_str());
    listed += f.count;
  }
  if (listed < c.failed) {
    appendf(out, "    failed   other conditions  x%llu\n",
            static_cast<unsigned long long>(c.failed - listed));
  }
  if (r.by_tag.size() < 2) return;
  for (const auto& tag : r.by_tag) {
    const CheckTally& t = tag.scope.checks;
    if (t.empty()) continue;
    appendf(out, "    tag %-12s %.2f%% (%llu of %llu)\n", tag.name.c_str(), t.pass_ratio() * 100,
            static_cast<unsigned long long>(t.passed),
            static_cast<unsigned long long>(t.passed + t.failed));
  }
}

// Sessions whose last step succeeded, timed from their first step's intended time.
void sessions_line(std::string& out, const ResultDoc& r) {
  if (!r.overall.session_us || r.overall.session_us->count() == 0) return;
  const Histogram& h = *r.overall.session_us;
  appendf(out, "  sessions   %llu completed   p50 %s   p95 %s   p99 %s   max %s\n",
          static_cast<unsigned long long>(h.count()), percentile_ms(h, 50).c_str(),
          percentile_ms(h, 95).c_str(), percentile_ms(h, 99).c_str(), max_ms(h).c_str());
}

// WebSocket sessions: what flowed, how they closed, why some failed.
void websocket_lines(std::string& out, const ResultDoc& r) {
  if (!r.overall.ws) return;
  const results::WsScope& ws = *r.overall.ws;
  appendf(out,
          "  websocket  sessions %llu   upgraded %llu   messages sent %llu (unsent %llu)   "
          "received %llu   replies %llu (incomplete %llu)   pings %llu\n",
          static_cast<unsigned long long>(ws.sessions),
          static_cast<unsigned long long>(ws.upgraded),
          static_cast<unsigned long long>(ws.messages_sent),
          static_cast<unsigned long long>(ws.messages_unsent),
          static_cast<unsigned long long>(ws.messages_received),
          static_cast<unsigned long long>(ws.replies),
          static_cast<unsigned long long>(ws.replies_incomplete),
          static_cast<unsigned long long>(ws.pings));
  std::string closes;
  for (const auto& [code, n] : ws.close_codes) {
    appendf(closes, "   %u x%llu", static_cast<unsigned>(code), static_cast<unsigned long long>(n));
  }
  std::string errors;
  for (const auto& [cause, n] : ws.errors) {
    appendf(errors, "   %s %llu", cause.c_str(), static_cast<unsigned long long>(n));
  }
  appendf(out, "  ws closes%s   ws errors%s\n", closes.empty() ? "   none" : closes.c_str(),
          errors.empty() ? "   none" : errors.c_str());
}

// Custom metrics (captures declared metrics) overall, then per tag when tags differ.
void metric_lines(std::string& out, const ResultDoc& r) {
  for (const histogram::MetricTally& m : r.overall.metrics.items) {
    appendf(out, "  metric     %s (%s)   %s\n", m.name.c_str(), histogram::metric_kind_name(m.kind),
            results::metric_figures_text(m).c_str());
  }
  if (r.overall.metrics.empty() || r.by_tag.size() < 2) return;
  for (const auto& tag : r.by_tag) {
    for (const histogram::MetricTally& m : tag.scope.metrics.items) {
      appendf(out, "    tag %-12s %s   %s\n", tag.name.c_str(), m.name.c_str(),
              results::metric_figures_text(m).c_str());
    }
  }
}

// A probe's samples are in the timeline rows, NaN (null) for a second it could not be read.
void probe_lines(std::string& out, const ResultDoc& r) {
  for (const auto& probe : r.probes) {
    double lo = 0, hi = 0, last_value = 0;
    size_t samples = 0;
    for (const auto& row : r.timeline) {
      for (const auto& sample : row.probes) {
        if (sample.name != probe.name || std::isnan(sample.value)) continue;
        const double v = sample.value;
        lo = samples ? std::min(lo, v) : v;
        hi = samples ? std::max(hi, v) : v;
        last_value = v;
        ++samples;
      }
    }
    if (samples) {
      appendf(out, "\n  probe      %s (%s): min %g  max %g  last %g  (%zu samples)\n",
              probe.name.c_str(), probe.metric.c_str(), lo, hi, last_value, samples);
    } else {
      appendf(out, "\n  probe      %s (%s): no sample could be taken\n", probe.name.c_str(),
              probe.metric.c_str());
    }
  }
}

// The shard line: one shard of a run, or the shards a merged result holds.
void shard_line(std::string& out, const ResultDoc& r) {
  const std::string count = r.config_text("shard_count");
  if (count.empty() || count == "1" || count == "0") return;
  const std::string index = r.config_text("shard_index");
  if (index.find(',') == std::string::npos) {
    appendf(out, "\n  shard      %s of %s (0-based): merge the shards with replay merge\n",
            index.c_str(), count.c_str());
  } else {
    appendf(out, "\n  shards     %s of %s (0-based), merged\n", index.c_str(), count.c_str());
  }
}

}  // namespace

std::string format_summary_header(const ResultDoc& r) {
  std::string out;
  appendf(out, "replay run %s -> %s\n", r.config_text("trace").c_str(),
          r.config_text("target").c_str());
  const std::string rate = r.config_text("rate");
  const std::string users = r.config_text("users");
  const std::string spawn = r.config_text("spawn_per_s");
  if (!users.empty()) {
    std::string think;
    if (const std::string most = r.config_text("think_max_us"); !most.empty()) {
      const std::string least = r.config_text("think_min_us");
      think = ", think " + format_duration_us(std::atoll(least.c_str()));
      if (least != most) think += ".." + format_duration_us(std::atoll(most.c_str()));
    }
    appendf(out, "  schedule   users %s%s%s, closed loop%s   threads %s   max connections %s\n",
            users.c_str(), spawn.empty() ? "" : " spawned at ",
            spawn.empty() ? "" : (spawn + "/s").c_str(), think.c_str(),
            r.config_text("threads").c_str(), r.config_text("max_connections").c_str());
    return out;
  }
  appendf(out, "  schedule   %s, %s arrivals%s   threads %s   max connections %s\n",
          rate.empty() ? "recorded timing" : rate.c_str(), r.config_text("arrival").c_str(),
          r.config_text("loop") == "true" ? ", looped" : "", r.config_text("threads").c_str(),
          r.config_text("max_connections").c_str());
  return out;
}

std::string format_summary(const ResultDoc& r) {
  std::string out = format_summary_header(r);
  if (r.interrupted) appendf(out, "  INTERRUPTED: partial results\n");
  for (const auto& w : r.warnings) appendf(out, "  warning: %s\n", w.c_str());
  rate_lines(out, r);
  const auto& o = r.overall;
  appendf(out, "  status     2xx %llu   3xx %llu   4xx %llu   5xx %llu   errors %.2f%%\n",
          static_cast<unsigned long long>(o.status[2]),
          static_cast<unsigned long long>(o.status[3]),
          static_cast<unsigned long long>(o.status[4]),
          static_cast<unsigned long long>(o.status[5]), o.error_ratio() * 100);
  if (!o.status_codes.empty()) {
    std::string codes;
    for (const auto& [code, count] : o.status_codes) {
      appendf(codes, "%s%d %llu", codes.empty() ? "" : "   ", code,
              static_cast<unsigned long long>(count));
    }
    appendf(out, "  codes      %s\n", codes.c_str());
  }
  checks_lines(out, r);
  sessions_line(out, r);
  websocket_lines(out, r);
  metric_lines(out, r);
  latency_table(out, o, r);
  llm_table(out, r, o);

  scope_table(out, "endpoint", r.by_endpoint, r);
  if (r.by_tag.size() > 1) scope_table(out, "tag", r.by_tag, r);
  errors_by_cause(out, r);
  probe_lines(out, r);
  shard_line(out, r);
  appendf(out, "\n  saturation %s\n", r.saturation.summary.c_str());
  if (!r.thresholds.empty()) {
    appendf(out, "\n  thresholds\n");
    for (const auto& t : r.thresholds) {
      appendf(out, "    %s  %-28s %s\n", t.passed ? "PASS" : (t.warn ? "WARN" : "FAIL"),
              (t.warn ? "warn " + t.expression : t.expression).c_str(), t.observed.c_str());
    }
  }
  return out;
}

}  // namespace replay::report
