#include "replay/engine/engine.hpp"

#include <malloc.h>
#include <uv.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <unordered_map>

#include "placement.hpp"
#include "replay/client/read_poller.hpp"
#include "replay/tls/tls_context.hpp"
#include "request_source.hpp"
#include "worker.hpp"

namespace replay::engine {
namespace {

constexpr int64_t kLookaheadNs = 1'000'000'000;  // how far ahead of time requests are queued
constexpr int64_t kStartDelayNs = 100'000'000;   // lets the workers' loops start before second 0
constexpr int64_t kFeederSlackNs = 20'000'000;   // the feeder's batching of its wake-ups
constexpr int kMallocTrimThresholdBytes = 256 << 20;  // freed heap kept for reuse, not trimmed

}  // namespace

Result<RunResult> run_replay(const RunConfig& config,
                             const std::function<void(const Progress&)>& on_progress,
                             const std::atomic<bool>& interrupt) {
  auto target = client::parse_target(config.target_url);
  if (!target) return target.error().within("--target");
  std::unique_ptr<tls::TlsContext> tls;
  if (target->is_tls()) {
    auto ctx = tls::TlsContext::create_client(config.insecure, config.cacert, config.tls_resume);
    if (!ctx) return ctx.error().within("--target");
    tls = std::move(ctx).value();
  }
  // Requests are allocated by the feeder and freed by the workers, so the feeder's malloc arena
  // keeps growing and shrinking its top: each trim and regrow is an mprotect system call
  // (~900 per 60k requests). Keep freed memory for reuse instead of trimming it.
  mallopt(M_TRIM_THRESHOLD, kMallocTrimThresholdBytes);
  Placer timing(config);
  if (config.loop && timing.open_ended()) {
    return make_error(Errc::invalid_argument,
                      "--loop: the run needs an end: give --duration or a rate schedule that ends");
  }
  RequestSource source(config, *target);
  if (auto opened = source.open(); !opened) return opened.error();

  const unsigned threads =
      config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  WorkerConfig worker_config;
  worker_config.max_connections = std::max<size_t>(1, config.max_connections / threads);
  worker_config.timeout_ms = config.timeout_ms;
  worker_config.connect_timeout_ms = config.connect_timeout_ms;
  worker_config.header_overrides = config.headers;
  const SteadyClock clock;
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers.push_back(std::make_unique<Worker>(worker_config, *target, tls.get(), clock));
  }

  // Before the clock starts: the kernel may take a while to begin stamping receives, and
  // the workers' first lazy reads depend on those stamps.
  client::ReadPoller::enable_receive_stamps();

  RunResult result;
  result.threads = threads;
  result.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const auto run_start_ns = static_cast<int64_t>(uv_hrtime()) + kStartDelayNs;
  for (auto& w : workers) w->start(run_start_ns);

  Prober prober(config.probes);
  prober.start(run_start_ns);

  Progress last{};
  int64_t next_progress_ns = run_start_ns + 1'000'000'000;
  auto report_progress = [&](int64_t now_ns) {
    if (now_ns < next_progress_ns) return;
    next_progress_ns += 1'000'000'000;
    Progress p;
    p.elapsed_s = static_cast<double>(now_ns - run_start_ns) / 1e9;
    for (auto& w : workers) {
      const auto& c = w->live();
      p.offered += c.offered.load(std::memory_order_relaxed);
      p.sent += c.sent.load(std::memory_order_relaxed);
      p.completed += c.completed.load(std::memory_order_relaxed);
      p.errors += c.errors.load(std::memory_order_relaxed);
      p.in_flight += c.in_flight.load(std::memory_order_relaxed);
      p.backlog += c.backlog.load(std::memory_order_relaxed);
      p.p99_us = std::max(p.p99_us, c.last_second_p99_us.load(std::memory_order_relaxed));
    }
    p.offered_per_s = static_cast<double>(p.offered - last.offered);
    p.completed_per_s = static_cast<double>(p.completed - last.completed);
    last = p;
    if (on_progress) on_progress(p);
  };
  // Sleeps until `until_ns`, reporting progress; false if interrupted. Anything due within
  // kFeederSlackNs counts as due, so the feeder wakes about 50 times a second, not once per
  // request (a wake-up costs tens of microseconds of CPU).
  auto wait_until = [&](int64_t until_ns) {
    while (true) {
      if (interrupt.load(std::memory_order_relaxed)) return false;
      const auto now = static_cast<int64_t>(uv_hrtime());
      report_progress(now);
      if (now + kFeederSlackNs >= until_ns) return true;
      std::this_thread::sleep_for(std::chrono::nanoseconds(
          std::min<int64_t>(until_ns - now - kFeederSlackNs / 2, 10'000'000)));
    }
  };

  uint64_t pass = 0;
  uint64_t pushed = 0;
  uint64_t sessionless_seen = 0;  // in the current pass: picks this shard's share of them
  int64_t last_offset_ns = 0;
  size_t round_robin = 0;
  std::optional<Error> failure;
  bool running = true;
  while (running && !interrupt.load(std::memory_order_relaxed)) {
    auto next = source.next();
    if (!next) {
      failure = next.error();
      break;
    }
    const SourceItem* item = next.value();
    if (!item) {
      if (!config.loop) break;
      auto again = source.start_next_pass();
      if (!again) {
        failure = again.error();
        break;
      }
      if (!again.value()) break;
      ++pass;
      sessionless_seen = 0;
      timing.start_next_pass();
      continue;
    }
    if (config.shard_count > 1) {
      const uint64_t pick = item->session_hash ? item->session_hash / 2 : sessionless_seen++;
      if (pick % config.shard_count != config.shard_index) continue;
    }
    // Each pass of a looped trace replays its sessions as new ones.
    const uint64_t session_key =
        item->session_hash ? (item->session_hash ^ (pass * 0x9e3779b97f4a7c15ULL)) | 1 : 0;
    auto placement = timing.place(item->offset_us, session_key);
    if (!placement) break;
    if (placement->past_end) continue;  // later sessions may still start within the run
    auto request = std::make_unique<PreparedRequest>();
    request->wire = item->wire;
    request->templ = item->templ;
    request->captures = item->captures;
    request->intended_ns = run_start_ns + placement->offset_ns;
    request->think_ns = placement->think_ns;
    request->session_id = session_key;
    request->tag_id = item->tag_id;
    request->endpoint_id = item->endpoint_id;
    request->expects_event_stream = item->expects_event_stream;
    ++pushed;
    last_offset_ns = std::max(last_offset_ns, placement->offset_ns);
    Worker& worker =
        session_key ? *workers[session_key % threads] : *workers[round_robin++ % threads];
    if (!placement->continues_session && !wait_until(request->intended_ns - kLookaheadNs)) {
      break;
    }
    while (!worker.try_push(request)) {
      if (!wait_until(static_cast<int64_t>(uv_hrtime()) + kFeederSlackNs + 1'000'000)) {
        running = false;
        break;
      }
    }
  }
  if (!failure && pushed == 0 && !interrupt.load(std::memory_order_relaxed)) {
    failure = make_error(
        Errc::invalid_argument,
        "'" + config.trace_path + "': no records to replay" +
            (config.only_tags.empty() && config.skip_tags.empty() ? "" : " after --only/--skip"));
  }
  for (auto& w : workers) w->finish_input();
  if (failure) {
    for (auto& w : workers) w->request_stop();
  }
  // Wait for the workers, keeping the live view going; Ctrl-C stops them.
  bool stopped = false;
  for (auto& w : workers) {
    while (!w->done()) {
      if (interrupt.load(std::memory_order_relaxed) && !stopped) {
        for (auto& each : workers) each->request_stop();
        stopped = true;
      }
      report_progress(static_cast<int64_t>(uv_hrtime()));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    w->join();
  }
  prober.stop();
  if (failure) return *failure;
  result.probes = prober.take_series();
  result.interrupted = interrupt.load(std::memory_order_relaxed);
  result.records_skipped = source.records_skipped();
  result.warnings = source.warnings();

  const auto& tag_names = source.tags().names();
  const auto& endpoint_names = source.endpoints().names();
  result.by_tag.resize(tag_names.size());
  for (size_t i = 0; i < tag_names.size(); ++i) result.by_tag[i].name = tag_names[i];
  result.by_endpoint.resize(endpoint_names.size());
  for (size_t i = 0; i < endpoint_names.size(); ++i) result.by_endpoint[i].name = endpoint_names[i];
  for (auto& w : workers) {
    WorkerResults r = w->take_results();
    result.overall.merge(r.overall);
    for (size_t i = 0; i < r.by_tag.size(); ++i) result.by_tag[i].stats.merge(r.by_tag[i]);
    for (size_t i = 0; i < r.by_endpoint.size(); ++i) {
      result.by_endpoint[i].stats.merge(r.by_endpoint[i]);
    }
    if (result.timeline.size() < r.timeline.size()) {
      const size_t old = result.timeline.size();
      result.timeline.resize(r.timeline.size());
      for (size_t i = old; i < result.timeline.size(); ++i) {
        result.timeline[i].second = static_cast<int64_t>(i);
      }
    }
    for (size_t i = 0; i < r.timeline.size(); ++i) result.timeline[i].merge(r.timeline[i]);
    result.timeline_by_tag.resize(tag_names.size());
    for (size_t tag = 0; tag < r.timeline_by_tag.size(); ++tag) {
      auto& into = result.timeline_by_tag[tag];
      const auto& from = r.timeline_by_tag[tag];
      for (size_t i = into.size(); i < from.size(); ++i) {
        into.emplace_back();
        into.back().second = static_cast<int64_t>(i);
      }
      for (size_t i = 0; i < from.size(); ++i) into[i].merge(from[i]);
    }
    result.connections_opened += r.connections_opened;
    result.tls_handshakes += r.tls_handshakes;
    result.tls_resumed += r.tls_resumed;
  }
  result.elapsed_us = (static_cast<int64_t>(uv_hrtime()) - run_start_ns) / 1000;
  // The load lasted until the last intended send plus one mean gap (the slot it occupies).
  const int64_t gap_ns = pushed > 1 ? last_offset_ns / static_cast<int64_t>(pushed - 1) : 0;
  result.load_us = (last_offset_ns + gap_ns) / 1000;
  if (config.duration_us > 0 && !result.interrupted) {
    result.load_us = std::min(std::max(result.load_us, int64_t{1}), config.duration_us);
  }
  return result;
}

}  // namespace replay::engine
