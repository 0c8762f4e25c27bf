#include "replay/engine/engine.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <uv.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <unordered_map>

#include "feeder.hpp"
#include "live_latency.hpp"
#include "placement.hpp"
#include "replay/client/protocol_choice.hpp"
#include "replay/client/read_poller.hpp"
#include "replay/core/units.hpp"
#include "replay/tls/tls_context.hpp"
#include "request_source.hpp"
#include "user_feeder.hpp"
#include "worker.hpp"

namespace replay::engine {
namespace {

constexpr int64_t kStartDelayNs = 100'000'000;  // lets the workers' loops start before second 0
// The input end given to workers that must not cut the run off (users without a set end).
constexpr int64_t kNoInputEnd = INT64_MAX / 4;
// How often the calling thread looks whether the workers are done (a signal cuts it short).
constexpr int64_t kDoneCheckNs = 25'000'000;
constexpr int kMallocTrimThresholdBytes = 256 << 20;  // freed heap kept for reuse, not trimmed

// The workers' input rings, as the feeder sees them.
class WorkerSink final : public RequestSink {
 public:
  explicit WorkerSink(std::vector<std::unique_ptr<Worker>>& workers) : workers_(workers) {}
  size_t workers() const override { return workers_.size(); }
  bool try_push(size_t worker, RequestPtr& request) override {
    return workers_[worker]->try_push(request);
  }

 private:
  std::vector<std::unique_ptr<Worker>>& workers_;
};

// File descriptors a run needs besides its connections: each worker's loop, timer and wake-up
// handles, the trace, probes and outputs.
constexpr uint64_t kSpareDescriptors = 64;

// Open-loop replay may need a socket per request in flight: raises the soft open-file limit to
// the hard one (as Go's runtime does) and returns the soft limit the run has (0: unlimited).
uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? 0 : limit.rlim_cur;
}

// Adds one worker's per-scope timelines (`from`, by scope id) into the run's (`into`, `scopes`
// of them), second by second.
void merge_scope_timelines(std::vector<std::vector<TimelineRow>>& into,
                           const std::vector<std::vector<TimelineRow>>& from, size_t scopes) {
  into.resize(std::max(into.size(), scopes));
  for (size_t id = 0; id < from.size() && id < into.size(); ++id) {
    auto& rows = into[id];
    for (size_t i = rows.size(); i < from[id].size(); ++i) {
      rows.emplace_back();
      rows.back().second = static_cast<int64_t>(i);
    }
    for (size_t i = 0; i < from[id].size(); ++i) rows[i].merge(from[id][i]);
  }
}

}  // namespace

Result<RunResult> run_replay(const RunConfig& config,
                             const std::function<void(const Progress&)>& on_progress,
                             const std::atomic<bool>& interrupt) {
  auto target = client::parse_target(config.target_url);
  if (!target) return target.error().within("--target");
  auto chosen = client::choose_protocol({.http = config.http,
                                         .insecure = config.insecure,
                                         .cacert = config.cacert,
                                         .tls_resume = config.tls_resume,
                                         .connect_timeout_ms = config.connect_timeout_ms},
                                        *target);
  if (!chosen) return chosen.error();
  std::unique_ptr<tls::TlsContext> tls = std::move(chosen).value();
  // Requests are allocated by the feeder and freed by the workers, so the feeder's malloc arena
  // keeps growing and shrinking its top: each trim and regrow is an mprotect system call
  // (~900 per 60k requests). Keep freed memory for reuse instead of trimming it.
  mallopt(M_TRIM_THRESHOLD, kMallocTrimThresholdBytes);
  Placer timing(config);
  if (config.users && (config.rate || config.shard_count > 1)) {
    return make_error(Errc::invalid_argument,
                      "--users: closed-loop users take neither --rate nor --shard: users pace "
                      "themselves, by the service's responses");
  }
  // --users: the end the run is set to (--duration, else stages that end); 0: none.
  int64_t users_end_us = 0;
  if (config.users) {
    const int64_t stages_us = config.users->total_us();
    users_end_us = stages_us == schedule::kOpenEnded ? 0 : stages_us;
    if (config.duration_us > 0) {
      users_end_us = users_end_us ? std::min(users_end_us, config.duration_us) : config.duration_us;
    }
  }
  if (config.loop && timing.open_ended() && !(config.users && users_end_us > 0)) {
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
  worker_config.max_streams = config.max_streams;
  worker_config.header_overrides = config.headers;
  worker_config.endpoint_timelines = config.endpoint_timeline;
  worker_config.live_counts = config.live_counts;
  worker_config.stream = config.stream;
  worker_config.goodput = config.goodput;
  std::unique_ptr<UserBoard> users;
  if (config.users) {
    users = std::make_unique<UserBoard>(config.users->most());
    worker_config.users = users.get();
  }
  const SteadyClock clock;
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers.push_back(std::make_unique<Worker>(worker_config, *target, tls.get(), clock));
  }

  const uint64_t open_file_limit = raise_open_file_limit();
  std::vector<std::string> early_warnings;
  if (open_file_limit != 0 && open_file_limit < config.max_connections + kSpareDescriptors) {
    early_warnings.push_back("--max-connections " + std::to_string(config.max_connections) +
                             " needs about " +
                             std::to_string(config.max_connections + kSpareDescriptors) +
                             " open files, but the limit is " + std::to_string(open_file_limit) +
                             " (ulimit -n, hard limit too): raise it, or lower --max-connections");
  }

  // Before the clock starts: the kernel may take a while to begin stamping receives, and
  // the workers' first lazy reads depend on those stamps.
  client::ReadPoller::enable_receive_stamps();

  RunResult result;
  result.threads = threads;
  const int64_t now_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  // Second 0: shortly from now (the workers' loops start first), or at --start-at.
  int64_t start_delay_ns = kStartDelayNs;
  if (config.start_at_unix_ms != 0) {
    start_delay_ns = std::max(start_delay_ns, (config.start_at_unix_ms - now_unix_ms) * 1'000'000);
  }
  result.started_unix_ms = now_unix_ms + start_delay_ns / 1'000'000;
  const auto run_start_ns = static_cast<int64_t>(uv_hrtime()) + start_delay_ns;
  const int64_t drain_ns = (config.drain_ms >= 0 ? config.drain_ms : config.timeout_ms) * 1'000'000;
  result.drain_us = drain_ns / 1000;
  const int64_t scheduled_us = config.users ? users_end_us : timing.scheduled_us();
  // Known up front with --duration or a finite rate schedule; else the last request tells.
  const int64_t load_end_ns = scheduled_us > 0 ? run_start_ns + scheduled_us * 1000 : 0;
  for (auto& w : workers) w->start(run_start_ns, load_end_ns, drain_ns);

  Prober prober(config.probes);
  prober.start(run_start_ns);

  Progress last{.first = true, .threads = threads};
  if (on_progress) on_progress(last);
  LiveLatency latency;
  LiveCounts live_counts;  // the workers' pieces added up
  auto collect_counts = [&] {
    for (auto& w : workers) {
      while (auto piece = w->closed_seconds().take_counts()) live_counts.merge(*piece);
    }
  };
  const Feeder* feeding = nullptr;  // set once the feeder exists (same thread)
  // The offered load's planned length: the schedule's, or where the trace ran out before it.
  auto planned_s = [&]() -> double {
    int64_t planned_ns = scheduled_us * 1000;
    if (feeding && !config.users && feeding->trace_ran_out()) {
      const int64_t ran_out_ns = feeding->last_offset_ns();
      planned_ns = planned_ns > 0 ? std::min(planned_ns, ran_out_ns) : ran_out_ns;
    }
    return static_cast<double>(planned_ns) / 1e9;
  };
  int64_t next_progress_ns = run_start_ns + 1'000'000'000;
  // Returns when it wants to be called next.
  auto report_progress = [&](int64_t now_ns, bool last_call = false) -> int64_t {
    if (now_ns < next_progress_ns && !last_call) return next_progress_ns;
    next_progress_ns += 1'000'000'000;
    Progress p;
    p.last = last_call;
    p.elapsed_s = static_cast<double>(now_ns - run_start_ns) / 1e9;
    p.planned_s = planned_s();
    p.threads = threads;
    for (auto& w : workers) {
      const auto& c = w->live();
      p.offered += c.offered.load(std::memory_order_relaxed);
      p.sent += c.sent.load(std::memory_order_relaxed);
      p.completed += c.completed.load(std::memory_order_relaxed);
      p.errors += c.errors.load(std::memory_order_relaxed);
      p.in_flight += take_peak(c.in_flight_peak, c.in_flight);
      p.backlog += take_peak(c.backlog_peak, c.backlog);
      latency.collect(w->closed_seconds(), w->done());
    }
    const LiveLatency::Figure second = latency.settle();
    p.latency_second = second.second;
    p.latency_count = second.count;
    p.p50_us = second.p50_us;
    p.p99_us = second.p99_us;
    p.service_p50_us = second.service_p50_us;
    p.service_p99_us = second.service_p99_us;
    p.seconds_dropped = latency.dropped();
    p.corrected_so_far = &latency.so_far();
    collect_counts();
    p.counts = &live_counts;
    p.tag_names = &source.tags().names();
    p.endpoint_names = &source.endpoints().names();
    p.probes = prober.latest();
    // A late call covers more than a second: rates are per second of what it covers.
    const double covered_s = p.elapsed_s - last.elapsed_s;
    const double per_s = covered_s > 0.5 ? 1.0 / covered_s : 1.0;
    p.offered_per_s = static_cast<double>(p.offered - last.offered) * per_s;
    p.completed_per_s = static_cast<double>(p.completed - last.completed) * per_s;
    if (last_call && covered_s <= 0.5) {  // a moment after the last call: its rates still hold
      p.offered_per_s = last.offered_per_s;
      p.completed_per_s = last.completed_per_s;
    }
    last = p;
    if (on_progress) on_progress(p);
    return next_progress_ns;
  };

  WorkerSink sink(workers);
  Feeder feeder(config, source, timing, sink, clock, run_start_ns, interrupt,
                [&](int64_t now_ns) { return report_progress(now_ns); });
  std::optional<UserFeeder> user_feeder;
  if (config.users) {
    user_feeder.emplace(config, *config.users, users_end_us, source, sink, *users, clock,
                        run_start_ns, interrupt,
                        [&](int64_t now_ns) { return report_progress(now_ns); });
  } else {
    feeding = &feeder;
  }
  std::optional<Error> failure;
  if (auto fed = user_feeder ? user_feeder->run() : feeder.run(); !fed) failure = fed.error();
  const uint64_t pushed = user_feeder ? user_feeder->pushed() : feeder.pushed();
  const int64_t last_offset_ns =
      user_feeder ? user_feeder->last_offset_ns() : feeder.last_offset_ns();
  if (!failure && pushed == 0 && !interrupt.load(std::memory_order_relaxed)) {
    failure = make_error(
        Errc::invalid_argument,
        "'" + config.trace_path + "': no records to replay" +
            (config.only_tags.empty() && config.skip_tags.empty() ? "" : " after --only/--skip"));
  }
  // Users without a set end run their last sessions to the end, each request bounded by
  // --timeout: no drain cuts them off.
  const int64_t input_end_ns =
      config.users && users_end_us == 0 ? kNoInputEnd : run_start_ns + last_offset_ns;
  for (auto& w : workers) w->finish_input(input_end_ns);
  if (failure) {
    for (auto& w : workers) w->request_abort();
  }
  // Wait for the workers, keeping the live view going; Ctrl-C stops them (each counts what it
  // gives up as abandoned).
  bool stopped = false;
  for (auto& w : workers) {
    while (!w->done()) {
      if (interrupt.load(std::memory_order_relaxed) && !stopped) {
        for (auto& each : workers) each->request_stop();
        stopped = true;
      }
      const int64_t now = clock.now_ns();
      clock.sleep_until_ns(std::min(report_progress(now), now + kDoneCheckNs));
    }
    w->join();
  }
  if (failure) return *failure;
  // Every worker has handed over its last counts: one more call, with the final totals.
  report_progress(clock.now_ns(), true);
  prober.stop();
  result.probes = prober.take_series();
  result.interrupted = interrupt.load(std::memory_order_relaxed);
  result.records_skipped = source.records_skipped();
  result.warnings = std::move(early_warnings);
  result.warnings.insert(result.warnings.end(), source.warnings().begin(), source.warnings().end());

  const auto& tag_names = source.tags().names();
  const auto& endpoint_names = source.endpoints().names();
  result.by_tag.resize(tag_names.size());
  for (size_t i = 0; i < tag_names.size(); ++i) result.by_tag[i].name = tag_names[i];
  result.by_endpoint.resize(endpoint_names.size());
  for (size_t i = 0; i < endpoint_names.size(); ++i) result.by_endpoint[i].name = endpoint_names[i];
  UserLatency user_latency;
  for (auto& w : workers) {
    WorkerResults r = w->take_results();
    user_latency.merge(r.user_latency);
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
    merge_scope_timelines(result.timeline_by_tag, r.timeline_by_tag, tag_names.size());
    if (config.endpoint_timeline) {
      merge_scope_timelines(result.timeline_by_endpoint, r.timeline_by_endpoint,
                            std::min<size_t>(endpoint_names.size(), kMaxEndpointTimelines));
    }
    result.connections_opened += r.connections_opened;
    result.connections_failed += r.connections_failed;
    if (r.descriptor_limited) {
      if (!result.resource_limit) {
        result.resource_limit =
            RunResult::ResourceLimit{.what = "open files", .limit = open_file_limit};
      }
      result.resource_limit->connections += r.descriptor_cap;
      result.resource_limit->requests_waited += r.waited_for_descriptors;
    }
    result.tls_handshakes += r.tls_handshakes;
    result.tls_resumed += r.tls_resumed;
    result.requests_http1 += r.requests_http1;
    result.requests_h2 += r.requests_h2;
    result.h2_connections += r.h2_connections;
    result.h2_streams += r.h2_streams;
    result.h2_max_streams_per_connection =
        std::max(result.h2_max_streams_per_connection, r.h2_max_streams_per_connection);
    result.h2_max_concurrent_streams =
        std::max(result.h2_max_concurrent_streams, r.h2_max_concurrent_streams);
  }
  if (const auto& limit = result.resource_limit) {
    result.warnings.push_back(
        "the open-file limit (" +
        (limit->limit ? "ulimit -n " + std::to_string(limit->limit) : std::string("the system's")) +
        ") stopped replay at " + std::to_string(limit->connections) +
        " connections of --max-connections " + std::to_string(config.max_connections) + "; " +
        std::to_string(limit->requests_waited) +
        " requests waited for a connection because of it: raise the limit (ulimit -n " +
        std::to_string(config.max_connections + kSpareDescriptors) +
        ") or lower --max-connections");
  }
  result.elapsed_us = (static_cast<int64_t>(uv_hrtime()) - run_start_ns) / 1000;
  // The load lasted until the last intended send plus one mean gap (the slot it occupies).
  const int64_t gap_ns = pushed > 1 ? last_offset_ns / static_cast<int64_t>(pushed - 1) : 0;
  result.load_us = (last_offset_ns + gap_ns) / 1000;
  if (scheduled_us > 0 && !result.interrupted) {
    if (feeder.trace_ran_out() && result.load_us < scheduled_us) {
      result.trace_ended_at_us = result.load_us;
      result.warnings.push_back("the trace ran out " + format_duration_us(result.load_us) +
                                " into a run scheduled for " + format_duration_us(scheduled_us) +
                                ": nothing was offered after that (add --loop to "
                                "replay the trace again until the end)");
    } else {
      result.load_us = scheduled_us;
    }
  }
  // Users without a set end offer load until their last session ends.
  if (config.users && users_end_us == 0) result.load_us = result.elapsed_us;
  // An interrupted run offered load until it was stopped, not beyond.
  result.load_us = std::max<int64_t>(1, std::min(result.load_us, result.elapsed_us));
  if (user_feeder) {
    RunResult::Users& u = result.users.emplace();
    u.most = config.users->most();
    u.user_seconds = user_feeder->user_seconds();
    if (users_end_us == 0) {
      // The feeder stopped when the trace's sessions were all handed over; the users ran on
      // with the last of them (taken as all running to the end: an upper bound).
      const int64_t fed_to_us = user_feeder->last_offset_ns() / 1000;
      const uint32_t running = config.users->users_at(fed_to_us);
      u.user_seconds +=
          static_cast<double>(running) * static_cast<double>(result.load_us - fed_to_us) / 1e6;
    }
    std::vector<int64_t> median_service_us;
    for (const auto& e : result.by_endpoint) {
      median_service_us.push_back(e.stats.service.value_at_percentile(50));
    }
    u.think_mean_us = user_latency.mean_think_us();
    u.interval_mean_us = user_latency.mean_interval_us(median_service_us);
    u.open_loop = user_latency.open_loop_equivalent(median_service_us);
    const double interval_s = u.interval_mean_us / 1e6;
    const double load_s = static_cast<double>(result.load_us) / 1e6;
    if (interval_s > 0) u.open_loop_offered_per_s = u.user_seconds / load_s / interval_s;
    u.sessions_cut = user_feeder->sessions_cut();
    if (u.sessions_cut > 0) {
      result.warnings.push_back(std::to_string(u.sessions_cut) +
                                " trace sessions were split: more than " +
                                std::to_string(SessionBundler::kMaxHeldSteps) +
                                " steps of open sessions were read at once");
    }
  }
  return result;
}

}  // namespace replay::engine
