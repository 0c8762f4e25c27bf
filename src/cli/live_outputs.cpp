#include "live_outputs.hpp"

#include <chrono>
#include <thread>

#include "replay/core/units.hpp"
#include "replay/live/metrics_format.hpp"

namespace replay::cli {

Result<std::unique_ptr<LiveOutputs>> LiveOutputs::start(const LiveFlags& flags,
                                                        const std::string& title,
                                                        const std::string& shard) {
  if (flags.metrics_listen.empty() && flags.dashboard.empty()) {
    return std::unique_ptr<LiveOutputs>();
  }
  std::unique_ptr<LiveOutputs> out(new LiveOutputs());
  auto linger = parse_duration_us(flags.linger);
  if (!linger) return linger.error().within("--metrics-linger");
  out->linger_us_ = linger.value();
  live::LiveServerOptions options;
  if (!flags.metrics_listen.empty()) {
    auto at = net::parse_address(flags.metrics_listen);
    if (!at) return at.error().within("--metrics-listen");
    options.metrics = at.value();
    out->metrics_ = true;
  }
  if (!flags.dashboard.empty()) {
    auto at = net::parse_address(flags.dashboard);
    if (!at) return at.error().within("--dashboard");
    options.dashboard = at.value();
    out->dashboard_.emplace(title);
  }
  auto server = live::LiveServer::start(options);
  if (!server) return server.error();
  out->server_ = std::move(server).value();
  out->shard_ = shard;
  if (out->metrics_) out->server_->set_metrics(live::format_metrics({.shard = shard}));
  if (out->dashboard_) {
    std::string charts = out->dashboard_->charts_html();
    out->server_->add_second("", out->dashboard_->page_html(charts), std::move(charts));
  }
  return out;
}

void LiveOutputs::on_progress(const engine::Progress& p) {
  if (p.first) return;
  if (metrics_) {
    server_->set_metrics(live::format_metrics({.counts = p.counts,
                                               .tag_names = p.tag_names,
                                               .endpoint_names = p.endpoint_names,
                                               .in_flight = p.in_flight,
                                               .backlog = p.backlog,
                                               .offered_rate = p.offered_per_s,
                                               .achieved_rate = p.completed_per_s,
                                               .running = !p.last,
                                               .probes = p.probes,
                                               .shard = shard_}));
  }
  if (dashboard_ && !p.last) {
    std::string event = dashboard_->add(p);
    std::string charts = dashboard_->charts_html();
    server_->add_second(std::move(event), dashboard_->page_html(charts), std::move(charts));
  }
}

void LiveOutputs::finish(std::string report_html, const std::atomic<bool>& interrupt) {
  server_->end(std::move(report_html));
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(linger_us_);
  while (std::chrono::steady_clock::now() < until && !interrupt.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  server_->stop();
}

}  // namespace replay::cli
