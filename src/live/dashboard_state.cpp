#include "replay/live/dashboard_state.hpp"

#include <algorithm>
#include <cmath>

#include "replay/core/json_writer.hpp"
#include "replay/results/html_report.hpp"

namespace replay::live {

std::string DashboardState::add(const engine::Progress& p) {
  // A call at elapsed ~N s covers second N-1.
  const auto second = std::max<int64_t>(0, std::llround(p.elapsed_s) - 1);
  auto& rows = doc_.timeline;
  if (rows.empty() || rows.back().second < second) {
    rows.emplace_back();
    rows.back().second = second;
  }
  results::TimelineRow& row = rows.back();
  row.offered += p.offered - previous_.offered;
  row.sent += p.sent - previous_.sent;
  row.completed += p.completed - previous_.completed;
  row.errors += p.errors - previous_.errors;
  row.in_flight = std::max(row.in_flight, p.in_flight);
  row.backlog = std::max(row.backlog, p.backlog);
  // The latency figure is of an older second (the newest every worker has closed).
  if (p.latency_second >= 0 && p.latency_count > 0) {
    auto at =
        std::lower_bound(rows.begin(), rows.end(), p.latency_second,
                         [](const results::TimelineRow& r, int64_t s) { return r.second < s; });
    if (at != rows.end() && at->second == p.latency_second) {
      at->p50_us = p.p50_us;
      at->p99_us = p.p99_us;
      at->service_p50_us = p.service_p50_us;
      at->service_p99_us = p.service_p99_us;
    }
  }
  if (rows.size() > kMaxSeconds) rows.erase(rows.begin());
  auto& o = doc_.overall;
  o.offered = p.offered;
  o.sent = p.sent;
  o.completed = p.completed;
  o.errors = p.errors;
  o.failed = p.counts ? p.counts->ended() - std::min(p.counts->ended(), p.completed) : 0;
  previous_ = p;
  previous_.counts = nullptr;
  previous_.tag_names = nullptr;
  previous_.endpoint_names = nullptr;

  std::string out;
  JsonWriter json(out);
  json.begin_object()
      .key("second")
      .value(second)
      .key("offered")
      .value(row.offered)
      .key("completed")
      .value(row.completed)
      .key("errors")
      .value(row.errors)
      .key("offered_per_s")
      .value(p.offered_per_s)
      .key("completed_per_s")
      .value(p.completed_per_s)
      .key("in_flight")
      .value(p.in_flight)
      .key("backlog")
      .value(p.backlog)
      .key("latency_second")
      .value(p.latency_second)
      .key("p50_us")
      .value(p.p50_us)
      .key("p99_us")
      .value(p.p99_us)
      .key("service_p50_us")
      .value(p.service_p50_us)
      .key("service_p99_us")
      .value(p.service_p99_us)
      .key("offered_total")
      .value(p.offered)
      .key("completed_total")
      .value(p.completed)
      .key("errors_total")
      .value(p.errors)
      .end_object();
  return out;
}

std::string DashboardState::charts_html() const {
  return results::render_live_charts(doc_);
}

std::string DashboardState::page_html(const std::string& charts_html) const {
  return results::render_live_page(charts_html, title_);
}

}  // namespace replay::live
