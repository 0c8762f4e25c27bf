#include "golden_docs.hpp"

#include <string>

namespace replay::testing {
namespace {

using results::ResultDoc;
using results::Scope;

void add_config(ResultDoc& doc, const std::string& key, const std::string& text, bool quoted) {
  doc.config.push_back({key, quoted ? "\"" + text + "\"" : text, text});
}

ResultDoc base_doc(const std::string& rate, int64_t load_us, int64_t elapsed_us) {
  ResultDoc doc;
  doc.replay_version = "0.1.0";
  add_config(doc, "trace", "traffic.zst", true);
  add_config(doc, "target", "http://127.0.0.1:8080", true);
  add_config(doc, "rate", rate, true);
  add_config(doc, "arrival", rate.empty() ? "recorded" : "constant", true);
  add_config(doc, "loop", "false", false);
  add_config(doc, "threads", "1", false);
  add_config(doc, "max_connections", "64", false);
  add_config(doc, "shard_index", "0", false);
  add_config(doc, "shard_count", "1", false);
  doc.started_unix_ms = 1'700'000'000'000;
  doc.load_us = load_us;
  doc.elapsed_us = elapsed_us;
  doc.drain_us = 5'000'000;
  doc.connections_opened = 4;
  return doc;
}

// `n` completed 200s: corrected latency spread over 2..12 ms, service 1 ms below it, each
// request's send lag 1 ms split 0.2 / 0.3 / 0.5 ms.
void add_completed(Scope& s, uint64_t n, int status = 200) {
  s.offered += n;
  s.sent += n;
  s.completed += n;
  s.status[static_cast<size_t>(status / 100)] += n;
  results::add_status_codes(s.status_codes, {{status, n}});
  if (status >= 400) s.errors += n;
  for (uint64_t i = 0; i < n; ++i) {
    const int64_t corrected = 2'000 + static_cast<int64_t>((i * 7919) % 10'000);
    s.corrected.record(corrected);
    s.corrected_completed.record(corrected);
    s.service.record(corrected - 1'000);
    s.send_lag.record(1'000);
    s.scheduler_lag.record(200);
    s.connection_wait.record(300);
    s.connect.record(500);
    s.ttfb.record(corrected - 1'500);
  }
  s.response_bytes += n * 512;
}

// `n` transport failures of `cause` at `latency_us` each, lower bounds in the corrected latency.
void add_failed(Scope& s, const std::string& cause, uint64_t n, int64_t latency_us) {
  s.offered += n;
  s.sent += n;
  s.failed += n;
  s.errors += n;
  s.lower_bounds += n;
  s.corrected.record_n(latency_us, n);
  for (auto& [name, count] : s.failures) {
    if (name == cause) {
      count += n;
      return;
    }
  }
  s.failures.emplace_back(cause, n);
}

void set_failure_causes(Scope& s) {
  for (const char* cause :
       {"connect_refused", "connect_timeout", "connect_error", "reset", "timeout", "tls",
        "http_parse", "abandoned", "closed_early", "capture_failed", "session_aborted"}) {
    s.failures.emplace_back(cause, 0);
  }
}

// `seconds` timeline rows of `per_s` offered and completed, then one drain row.
void add_timeline(ResultDoc& doc, int64_t seconds, uint64_t per_s) {
  for (int64_t second = 0; second <= seconds; ++second) {
    results::TimelineRow row;
    row.second = second;
    if (second < seconds) {
      row.offered = row.sent = row.completed = per_s;
      row.p50_us = 7'000;
      row.p99_us = 11'900;
      row.service_p50_us = 6'000;
      row.service_p99_us = 10'900;
      row.in_flight = 2;
      row.status_codes = {{200, per_s}};
    }
    doc.timeline.push_back(row);
  }
}

}  // namespace

ResultDoc plain_run_doc() {
  ResultDoc doc = base_doc("100/s", 10'000'000, 10'030'000);
  set_failure_causes(doc.overall);
  add_completed(doc.overall, 1000);
  doc.by_tag = {{"(untagged)", doc.overall}};
  doc.by_endpoint = {{"GET /items/{id}", doc.overall}};
  add_timeline(doc, 10, 100);
  doc.saturation.summary =
      "not saturated: achieved 100.0/s of 100.0/s offered, latency trend "
      "+0.01 ms/s";
  doc.saturation.offered_per_s = doc.saturation.achieved_per_s = 100;
  doc.saturation.from_second = 1;
  doc.saturation.to_second = 8;
  return doc;
}

ResultDoc errors_run_doc() {
  ResultDoc doc = base_doc("100/s", 10'000'000, 12'500'000);
  doc.warnings = {"the target answered 95 requests with 4xx/5xx"};
  Scope& o = doc.overall;
  set_failure_causes(o);
  add_completed(o, 880);
  add_completed(o, 40, 429);
  add_completed(o, 55, 503);
  add_failed(o, "reset", 15, 3'000);
  add_failed(o, "timeout", 8, 2'000'000);
  add_failed(o, "abandoned", 2, 5'000'000);
  o.samples = {{"429", 1'204'000, R"({"error":"rate limited","retry_after":1})"},
               {"503", 80'100,
                R"({"detail":"Webhook queue is full, try again in a few seconds, )"
                R"(or raise the queue's capacity"})"},
               {"503", 90'000, R"({"detail":"second sample, not printed"})"},
               {"reset", 4'500'000, "connection reset by peer"},
               {"timeout", 7'000'000, "no response within 2000 ms"}};
  doc.by_tag = {{"(untagged)", o}};
  Scope a, b;
  set_failure_causes(a);
  set_failure_causes(b);
  add_completed(a, 700);
  add_completed(a, 40, 429);
  add_failed(a, "reset", 15, 3'000);
  add_completed(b, 180);
  add_completed(b, 55, 503);
  add_failed(b, "timeout", 8, 2'000'000);
  add_failed(b, "abandoned", 2, 5'000'000);
  doc.by_endpoint = {{"GET /a", a}, {"POST /webhook", b}};
  add_timeline(doc, 10, 97);
  doc.saturation.summary =
      "not saturated: achieved 97.0/s of 100.0/s offered, latency trend "
      "+0.20 ms/s";
  doc.thresholds = {{"p99<500ms", true, "p99 11.90ms"}, {"errors<1%", false, "errors 12.00%"}};
  return doc;
}

ResultDoc interrupted_run_doc() {
  ResultDoc doc = base_doc("10/s", 3'000'000, 3'900'000);
  doc.interrupted = true;
  set_failure_causes(doc.overall);
  add_completed(doc.overall, 29);
  add_failed(doc.overall, "abandoned", 1, 900'000);
  doc.by_tag = {{"(untagged)", doc.overall}};
  doc.by_endpoint = {{"GET /", doc.overall}};
  add_timeline(doc, 3, 10);
  doc.timeline[2].completed = 9;
  doc.saturation.summary = "run too short to judge saturation (needs 5 s of offered load)";
  return doc;
}

ResultDoc short_run_doc() {
  ResultDoc doc = base_doc("", 2'000, 4'000);
  doc.connections_opened = 1;
  set_failure_causes(doc.overall);
  add_completed(doc.overall, 2);
  doc.by_tag = {{"(untagged)", doc.overall}};
  doc.by_endpoint = {{"GET /", doc.overall}};
  add_timeline(doc, 1, 2);
  doc.timeline.pop_back();
  doc.saturation.summary = "run too short to judge saturation (needs 5 s of offered load)";
  return doc;
}

ResultDoc tagged_run_doc() {
  ResultDoc doc = base_doc("40/s", 5'000'000, 5'020'000);
  doc.connections_opened = 6;
  doc.connections_failed = 2;
  doc.tls_handshakes = 6;
  doc.tls_resumed = 5;
  add_config(doc, "target", "https://127.0.0.1:8443", true);
  doc.config.erase(doc.config.begin() + 1);
  set_failure_causes(doc.overall);
  struct Part {
    const char* tag;
    const char* endpoint;
    uint64_t n;
  };
  for (const Part& p :
       {Part{"browse", "GET /items", 100}, Part{"browse", "GET /items/{id}", 60},
        Part{"checkout", "POST /orders", 30}, Part{"admin", "DELETE /items/{id}", 10}}) {
    Scope s;
    set_failure_causes(s);
    add_completed(s, p.n);
    doc.overall.merge(s);
    doc.by_endpoint.push_back({p.endpoint, s});
    bool found = false;
    for (auto& t : doc.by_tag) {
      if (t.name == p.tag) {
        t.scope.merge(s);
        found = true;
      }
    }
    if (!found) doc.by_tag.push_back({p.tag, s});
  }
  add_timeline(doc, 5, 40);
  doc.saturation.summary =
      "not saturated: achieved 40.0/s of 40.0/s offered, latency trend "
      "-0.02 ms/s";
  return doc;
}

}  // namespace replay::testing
