#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "replay/core/json_writer.hpp"
#include "replay/report/run_report.hpp"

namespace replay::report {
namespace {

using engine::ScopeStats;
using histogram::Histogram;

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

void write_scope(JsonWriter& w, const ScopeStats& s) {
  w.begin_object()
      .key("offered")
      .value(s.offered)
      .key("sent")
      .value(s.sent)
      .key("completed")
      .value(s.completed)
      .key("failed")
      .value(s.failed())
      .key("errors")
      .value(s.errors())
      .key("error_ratio")
      .value(s.error_ratio())
      .key("response_bytes")
      .value(s.response_bytes);
  w.key("status").begin_object();
  const char* classes[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (size_t i = 0; i < s.status_classes.size(); ++i) w.key(classes[i]).value(s.status_classes[i]);
  w.end_object();
  w.key("failures").begin_object();
  for (size_t i = 0; i < s.failures.size(); ++i) {
    w.key(client::failure_cause_name(static_cast<client::FailureCause>(i))).value(s.failures[i]);
  }
  w.end_object();
  w.key("latency_us").begin_object();
  w.key("corrected");
  write_histogram(w, s.corrected);
  w.key("service");
  write_histogram(w, s.service);
  w.key("send_lag");
  write_histogram(w, s.send_lag);
  w.key("ttfb");
  write_histogram(w, s.ttfb);
  w.end_object();
  if (s.sse) {
    w.key("sse").begin_object();
    w.key("first_event_us");
    write_histogram(w, s.sse->first_event);
    w.key("inter_event_us");
    write_histogram(w, s.sse->inter_event);
    w.key("events_per_response");
    write_histogram(w, s.sse->events_per_response);
    w.end_object();
  }
  w.end_object();
}

// The counts every timeline row starts with, overall or per tag.
void write_row_counts(JsonWriter& w, const engine::TimelineRow& row) {
  w.key("second")
      .value(row.second)
      .key("offered")
      .value(row.offered)
      .key("sent")
      .value(row.sent)
      .key("completed")
      .value(row.completed)
      .key("errors")
      .value(row.errors);
}

}  // namespace

std::string format_result_json(const RunReport& report) {
  const auto& c = report.config;
  const auto& r = report.result;
  std::string out;
  out.reserve(1 << 16);
  JsonWriter w(out);
  w.begin_object()
      .key("format")
      .value("replay-result")
      .key("version")
      .value(1)
      .key("replay_version")
      .value(REPLAY_VERSION);
  w.key("config")
      .begin_object()
      .key("trace")
      .value(c.trace_path)
      .key("target")
      .value(c.target_url)
      .key("rate")
      .value(report.rate_text)
      .key("arrival")
      .value(schedule::arrival_name(c.arrival))
      .key("speed")
      .value(c.speed)
      .key("duration_us")
      .value(c.duration_us)
      .key("loop")
      .value(c.loop)
      .key("threads")
      .value(r.threads)
      .key("max_connections")
      .value(static_cast<uint64_t>(c.max_connections))
      .key("timeout_ms")
      .value(c.timeout_ms)
      .key("seed")
      .value(c.seed)
      .key("shard_index")
      .value(c.shard_index)
      .key("shard_count")
      .value(c.shard_count);
  w.key("only").begin_array();
  for (const auto& t : c.only_tags) w.value(t);
  w.end_array().key("skip").begin_array();
  for (const auto& t : c.skip_tags) w.value(t);
  w.end_array().end_object();
  const double seconds = std::max(1e-6, static_cast<double>(r.elapsed_us) / 1e6);
  w.key("started_unix_ms")
      .value(r.started_unix_ms)
      .key("load_us")
      .value(r.load_us)
      .key("elapsed_us")
      .value(r.elapsed_us)
      .key("interrupted")
      .value(r.interrupted)
      .key("connections_opened")
      .value(r.connections_opened)
      .key("records_skipped")
      .value(r.records_skipped)
      .key("offered_per_s")
      .value(static_cast<double>(r.overall.offered) /
             std::max(1e-6, static_cast<double>(r.load_us) / 1e6))
      .key("throughput_per_s")
      .value(static_cast<double>(r.overall.completed) / seconds);
  w.key("overall");
  write_scope(w, r.overall);
  w.key("by_tag").begin_object();
  for (const auto& t : r.by_tag) {
    w.key(t.name);
    write_scope(w, t.stats);
  }
  w.end_object().key("by_endpoint").begin_object();
  for (const auto& e : r.by_endpoint) {
    w.key(e.name);
    write_scope(w, e.stats);
  }
  w.end_object();
  w.key("timeline").begin_array();
  for (const auto& row : r.timeline) {
    w.begin_object();
    write_row_counts(w, row);
    w.key("in_flight")
        .value(row.in_flight)
        .key("backlog")
        .value(row.backlog)
        .key("p50_us")
        .value(histogram::percentile_of_serialised(row.corrected, 50))
        .key("p99_us")
        .value(histogram::percentile_of_serialised(row.corrected, 99))
        .key("service_p50_us")
        .value(histogram::percentile_of_serialised(row.service, 50))
        .key("service_p99_us")
        .value(histogram::percentile_of_serialised(row.service, 99))
        .key("corrected_hdr")
        .value(row.corrected)
        .key("service_hdr")
        .value(row.service);
    if (!r.probes.empty()) {
      w.key("probes").begin_object();
      for (const auto& probe : r.probes) {
        w.key(probe.name);
        const auto i = static_cast<size_t>(row.second);
        if (i < probe.by_second.size()) {
          w.value(probe.by_second[i]);  // NaN (no sample) is written as null
        } else {
          w.null();
        }
      }
      w.end_object();
    }
    w.end_object();
  }
  w.end_array();
  w.key("timeline_by_tag").begin_object();
  for (size_t tag = 0; tag < r.timeline_by_tag.size() && tag < r.by_tag.size(); ++tag) {
    w.key(r.by_tag[tag].name).begin_array();
    for (const auto& row : r.timeline_by_tag[tag]) {
      w.begin_object();
      write_row_counts(w, row);
      w.key("p50_us")
          .value(histogram::percentile_of_serialised(row.corrected, 50))
          .key("p99_us")
          .value(histogram::percentile_of_serialised(row.corrected, 99))
          .key("corrected_hdr")
          .value(row.corrected)
          .end_object();
    }
    w.end_array();
  }
  w.end_object();
  w.key("probes").begin_array();
  for (const auto& probe : r.probes) {
    w.begin_object().key("name").value(probe.name).key("metric").value(probe.metric).end_object();
  }
  w.end_array();
  const auto& s = report.saturation;
  w.key("saturation")
      .begin_object()
      .key("saturated")
      .value(s.saturated)
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
      .key("summary")
      .value(s.summary)
      .end_object();
  w.key("thresholds").begin_array();
  for (const auto& t : report.thresholds) {
    w.begin_object()
        .key("expression")
        .value(t.text)
        .key("passed")
        .value(t.passed)
        .key("observed")
        .value(t.observed)
        .end_object();
  }
  w.end_array().end_object();
  out += '\n';
  return out;
}

Result<std::vector<std::string>> write_hgrm_files(const RunReport& report, const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return make_error(Errc::io, "--hgrm '" + dir + "': " + std::strerror(errno));
  }
  std::vector<std::pair<std::string, const Histogram*>> files = {
      {"corrected.hgrm", &report.result.overall.corrected},
      {"service.hgrm", &report.result.overall.service},
  };
  for (const auto& t : report.result.by_tag) {
    std::string name = "corrected-";
    for (char ch : t.name) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    files.emplace_back(name + ".hgrm", &t.stats.corrected);
  }
  std::vector<std::string> written;
  for (const auto& [name, h] : files) {
    std::string text;
    h->write_hgrm(text, 1000.0);
    const std::string path = dir + "/" + name;
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return make_error(Errc::io, "--hgrm '" + path + "': " + std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) {
      return make_error(Errc::io, "--hgrm '" + path + "': write failed");
    }
    written.push_back(path);
  }
  return written;
}

}  // namespace replay::report
