#include "test_docs.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <cmath>
#include <map>

#include "replay/core/random.hpp"
#include "replay/report/run_report.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/threshold.hpp"
#include "replay/schedule/rate.hpp"

namespace replay::testing {
namespace {

engine::ScopeStats& named(std::vector<engine::NamedStats>& list, const std::string& name) {
  for (auto& n : list) {
    if (n.name == name) return n.stats;
  }
  list.push_back({name, {}});
  return list.back().stats;
}

bool is_transport_failure(const Sample& x) {
  return !x.outcome.empty() && x.outcome != results::kCaptureFailedCause &&
         x.outcome != results::kSessionAbortedCause;
}

size_t failure_cause_index(const std::string& name) {
  for (size_t i = 0; i < engine::kFailureCauseCount; ++i) {
    if (name == client::failure_cause_name(static_cast<client::FailureCause>(i))) return i;
  }
  FAIL("no failure cause named " << name);
  return 0;
}

// The histogram serialised, "" when it is empty (as the engine writes timeline rows).
std::string serialise_row_histogram(const histogram::Histogram& h) {
  return h.count() ? h.serialise() : std::string();
}

void count_sample(engine::ScopeStats& s, const Sample& x) {
  ++s.offered;
  if (x.outcome == results::kSessionAbortedCause) {
    ++s.session_aborted;
    return;
  }
  ++s.sent;
  if (is_transport_failure(x)) {
    ++s.failures[failure_cause_index(x.outcome)];
    s.corrected.record(x.latency_us);
    ++s.lower_bounds;
    return;
  }
  ++s.completed;
  if (x.outcome == results::kCaptureFailedCause) ++s.capture_failed;
  ++s.status_classes[static_cast<size_t>(x.status / 100)];
  s.corrected.record(x.latency_us);
  s.corrected_completed.record(x.latency_us);
  s.service.record(x.latency_us * 9 / 10);
  const int64_t scheduler = x.scheduler_lag_us >= 0 ? x.scheduler_lag_us : x.latency_us / 40;
  const int64_t wait = x.connection_wait_us >= 0 ? x.connection_wait_us : x.latency_us / 20;
  const int64_t connect = x.connect_us >= 0 ? x.connect_us : x.latency_us / 40;
  s.send_lag.record(scheduler + wait + connect);
  s.scheduler_lag.record(scheduler);
  s.connection_wait.record(wait);
  s.connect.record(connect);
  s.ttfb.record(x.latency_us / 2);
  s.response_bytes += 100;
}

// The sample's counts in its timeline row (an aborted step is offered and an error only).
void count_row(engine::TimelineRow& row, const Sample& x) {
  ++row.offered;
  if (x.outcome == results::kSessionAbortedCause) {
    ++row.errors;
    return;
  }
  ++row.sent;
  if (is_transport_failure(x)) {
    ++row.failed;
    ++row.errors;
    return;
  }
  ++row.completed;
  row.status_codes.add(x.status);
  if (x.status >= 400 || !x.outcome.empty()) ++row.errors;
}

std::string difference(simdjson::dom::element a, simdjson::dom::element b,
                       const std::string& path) {
  using simdjson::dom::element_type;
  const bool a_number = a.is_number(), b_number = b.is_number();
  if (a_number && b_number) {
    const double x = a.get_double().value(), y = b.get_double().value();
    if (x == y || std::fabs(x - y) <= 1e-12 * std::max(std::fabs(x), std::fabs(y))) return "";
    return path + ": " + simdjson::minify(a) + " vs " + simdjson::minify(b);
  }
  if (a.type() != b.type()) return path + ": different types";
  switch (a.type()) {
    case element_type::OBJECT: {
      auto oa = a.get_object().value(), ob = b.get_object().value();
      if (oa.size() != ob.size()) return path + ": different key counts";
      for (auto [key, value] : oa) {
        simdjson::dom::element other;
        if (ob.at_key(key).get(other) != simdjson::SUCCESS) {
          return path + "." + std::string(key) + ": missing";
        }
        auto d = difference(value, other, path + "." + std::string(key));
        if (!d.empty()) return d;
      }
      return "";
    }
    case element_type::ARRAY: {
      auto xa = a.get_array().value(), xb = b.get_array().value();
      if (xa.size() != xb.size()) return path + ": different lengths";
      size_t i = 0;
      auto ib = xb.begin();
      for (auto value : xa) {
        auto d = difference(value, *ib, path + "[" + std::to_string(i++) + "]");
        if (!d.empty()) return d;
        ++ib;
      }
      return "";
    }
    default:
      return simdjson::minify(a) == simdjson::minify(b)
                 ? ""
                 : path + ": " + simdjson::minify(a) + " vs " + simdjson::minify(b);
  }
}

}  // namespace

std::string write_run_json(const std::vector<Sample>& samples, int64_t started_unix_ms,
                           unsigned threads, const std::vector<std::string>& thresholds,
                           const RunEnding& ending) {
  report::RunReport report;
  report.config.trace_path = "traces/demo.zst";
  report.config.target_url = "http://127.0.0.1:8000";
  report.config.rate = schedule::parse_rate_schedule("100/s").value();
  report.rate_text = "100/s";
  report.config.loop = true;
  auto& r = report.result;
  r.started_unix_ms = started_unix_ms;
  r.threads = threads;
  std::map<int64_t, std::pair<histogram::Histogram, histogram::Histogram>> per_second;
  std::map<int64_t, engine::TimelineRow> rows;
  int64_t last = 0;
  for (const auto& x : samples) {
    count_sample(r.overall, x);
    count_sample(named(r.by_tag, x.tag), x);
    count_sample(named(r.by_endpoint, x.endpoint), x);
    auto& row = rows[x.second];
    last = std::max(last, x.second);
    count_row(row, x);
    row.in_flight = std::max<uint64_t>(row.in_flight, 3);
    if (x.outcome == results::kSessionAbortedCause) continue;
    per_second[x.second].first.record(x.latency_us);
    if (!is_transport_failure(x)) per_second[x.second].second.record(x.latency_us * 9 / 10);
  }
  for (int64_t s = 0; s <= last; ++s) {
    engine::TimelineRow row = rows[s];
    row.second = s;
    if (per_second.count(s)) {
      row.corrected = serialise_row_histogram(per_second[s].first);
      row.service = serialise_row_histogram(per_second[s].second);
    }
    r.timeline.push_back(row);
  }
  // Per tag (and per endpoint with endpoint_timeline): the same rows, counted and measured per
  // scope.
  auto scope_rows = [&](const std::vector<engine::NamedStats>& scopes,
                        std::string Sample::*name_of) {
    std::vector<std::vector<engine::TimelineRow>> out(scopes.size());
    for (size_t t = 0; t < scopes.size(); ++t) {
      std::map<int64_t, histogram::Histogram> hist;
      std::map<int64_t, engine::TimelineRow> scope_rows;
      for (const auto& x : samples) {
        if (x.*name_of != scopes[t].name) continue;
        auto& row = scope_rows[x.second];
        row.second = x.second;
        count_row(row, x);
        if (x.outcome != results::kSessionAbortedCause) hist[x.second].record(x.latency_us);
      }
      for (auto& [second, row] : scope_rows) {
        row.corrected = serialise_row_histogram(hist[second]);
        out[t].push_back(row);
      }
    }
    return out;
  };
  r.timeline_by_tag = scope_rows(r.by_tag, &Sample::tag);
  report.config.endpoint_timeline = ending.endpoint_timeline;
  if (ending.endpoint_timeline)
    r.timeline_by_endpoint = scope_rows(r.by_endpoint, &Sample::endpoint);
  r.load_us = (last + 1) * 1'000'000;
  r.elapsed_us = r.load_us + 250'000;
  r.connections_opened = 4;
  r.interrupted = ending.interrupted;
  r.drain_us = ending.drain_us;
  r.trace_ended_at_us = ending.trace_ended_at_us;
  r.warnings = ending.warnings;
  for (const auto& text : thresholds) {
    report.thresholds.push_back(results::parse_threshold(text).value());
  }
  return report::format_result_json(report);
}

results::ResultDoc make_run(const std::vector<Sample>& samples, int64_t started_unix_ms,
                            unsigned threads, const std::vector<std::string>& thresholds,
                            const RunEnding& ending) {
  auto doc = results::parse_result_json(
      write_run_json(samples, started_unix_ms, threads, thresholds, ending), "made.json");
  REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error().context));
  return std::move(doc).value();
}

std::vector<Sample> spread_samples(int count, int seconds, int64_t center_us,
                                   const std::string& endpoint, uint64_t seed,
                                   const std::string& tag) {
  Random random(seed);
  std::vector<Sample> out;
  for (int i = 0; i < count; ++i) {
    Sample x;
    x.second = static_cast<int64_t>(i) * seconds / count;
    x.latency_us =
        static_cast<int64_t>(static_cast<double>(center_us) * (0.8 + 0.4 * random.uniform()));
    x.endpoint = endpoint;
    x.tag = tag;
    out.push_back(x);
  }
  return out;
}

std::string json_difference(const std::string& a, const std::string& b) {
  simdjson::dom::parser pa, pb;
  simdjson::dom::element ea, eb;
  if (pa.parse(a).get(ea) != simdjson::SUCCESS) return "first text does not parse";
  if (pb.parse(b).get(eb) != simdjson::SUCCESS) return "second text does not parse";
  return difference(ea, eb, "$");
}

}  // namespace replay::testing
