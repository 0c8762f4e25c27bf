#include "replay/engine/engine.hpp"

#include <uv.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <unordered_map>

#include "replay/engine/worker.hpp"
#include "replay/tls/tls_context.hpp"
#include "replay/trace/endpoint.hpp"
#include "replay/trace/trace_reader.hpp"

namespace replay::engine {
namespace {

constexpr int64_t kLookaheadNs = 1'000'000'000;  // how far ahead of time requests are queued
constexpr int64_t kStartDelayNs = 100'000'000;   // lets the workers' loops start before second 0

// Names to small ids, so workers index their statistics by number.
class Interner {
 public:
  uint32_t id_of(const std::string& name) {
    auto [it, inserted] = ids_.try_emplace(name, static_cast<uint32_t>(names_.size()));
    if (inserted) names_.push_back(name);
    return it->second;
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> names_;
};

bool contains(const std::vector<std::string>& list, const std::string& s) {
  for (const auto& x : list) {
    if (x == s) return true;
  }
  return false;
}

// Decides each record's intended offset (ns from second 0) and when the run's input ends.
class Timing {
 public:
  explicit Timing(const RunConfig& config) : config_(config) {
    if (config.rate) {
      auto schedule = *config.rate;
      if (config.duration_us > 0) schedule = schedule.limited_to(config.duration_us);
      generator_.emplace(schedule, config.arrival, config.seed);
    }
  }

  // The offset for the next record (whose recorded offset is `recorded_us`), or nullopt when
  // the run's time is over.
  std::optional<int64_t> next_offset_ns(int64_t recorded_us) {
    if (generator_) return generator_->next_offset_ns();
    if (!first_recorded_us_) first_recorded_us_ = recorded_us;
    last_recorded_us_ = recorded_us;
    const double relative_us = static_cast<double>(recorded_us - *first_recorded_us_);
    const auto offset =
        loop_base_ns_ + static_cast<int64_t>(std::llround(relative_us * 1000.0 / config_.speed));
    if (config_.duration_us > 0 && offset >= config_.duration_us * 1000) return std::nullopt;
    last_offset_ns_ = offset;
    ++records_in_pass_;
    return offset;
  }

  // The trace ended; with recorded timing the next pass starts one mean gap after this one.
  void start_next_pass() {
    if (generator_ || !first_recorded_us_) return;
    const int64_t span_ns = last_offset_ns_ - loop_base_ns_;
    const int64_t gap_ns = records_in_pass_ > 1 ? span_ns / (records_in_pass_ - 1) : 1'000'000;
    loop_base_ns_ = last_offset_ns_ + std::max<int64_t>(gap_ns, 1);
    first_recorded_us_.reset();
    records_in_pass_ = 0;
  }

  bool open_ended() const {
    if (config_.duration_us > 0) return false;
    return !generator_ || config_.rate->total_us() == schedule::kOpenEnded;
  }

 private:
  const RunConfig& config_;
  std::optional<schedule::ArrivalGenerator> generator_;
  std::optional<int64_t> first_recorded_us_;
  int64_t last_recorded_us_ = 0;
  int64_t loop_base_ns_ = 0;
  int64_t last_offset_ns_ = 0;
  int64_t records_in_pass_ = 0;
};

}  // namespace

Result<RunResult> run_replay(const RunConfig& config,
                             const std::function<void(const Progress&)>& on_progress,
                             const std::atomic<bool>& interrupt) {
  auto target = client::parse_target(config.target_url);
  if (!target) return target.error().within("--target");
  std::unique_ptr<tls::TlsContext> tls;
  if (target->scheme == "https") {
    auto ctx = tls::TlsContext::create_client(config.insecure, config.cacert);
    if (!ctx) return ctx.error().within("--target");
    tls = std::move(ctx).value();
  }
  Timing timing(config);
  if (config.loop && timing.open_ended()) {
    return make_error(Errc::invalid_argument,
                      "--loop: the run needs an end: give --duration or a rate schedule that ends");
  }
  auto opened = trace::TraceReader::open(config.trace_path, {.skip_bad = config.skip_bad});
  if (!opened) return opened.error().within("opening trace '" + config.trace_path + "'");
  std::unique_ptr<trace::TraceReader> reader = std::move(opened).value();

  const unsigned threads =
      config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  WorkerConfig worker_config{
      .max_connections = std::max<size_t>(1, config.max_connections / threads),
      .timeout_ms = config.timeout_ms,
      .connect_timeout_ms = config.connect_timeout_ms,
  };
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers.push_back(std::make_unique<Worker>(worker_config, *target, tls.get()));
  }

  RunResult result;
  result.threads = threads;
  result.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const auto run_start_ns = static_cast<int64_t>(uv_hrtime()) + kStartDelayNs;
  for (auto& w : workers) w->start(run_start_ns);

  Interner tags, endpoints;
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
  // Sleeps until `until_ns` in small steps, reporting progress; false if interrupted.
  auto wait_until = [&](int64_t until_ns) {
    while (true) {
      if (interrupt.load(std::memory_order_relaxed)) return false;
      const auto now = static_cast<int64_t>(uv_hrtime());
      report_progress(now);
      if (now >= until_ns) return true;
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<int64_t>(until_ns - now, 10'000'000)));
    }
  };

  trace::Record record;
  client::HeaderList headers;  // reused: the trace's headers in the builder's form
  uint64_t eligible_in_pass = 0;
  uint64_t pushed = 0;
  int64_t last_offset_ns = 0;
  size_t round_robin = 0;
  std::optional<Error> failure;
  bool more = true;
  while (more && !interrupt.load(std::memory_order_relaxed)) {
    auto next = reader->next(record);
    if (!next) {
      failure = next.error().within("trace '" + config.trace_path + "'");
      break;
    }
    if (!next.value()) {
      result.records_skipped += reader->skipped();
      if (!config.loop || eligible_in_pass == 0) break;
      auto again = trace::TraceReader::open(config.trace_path, {.skip_bad = config.skip_bad});
      if (!again) {
        failure = again.error().within("opening trace '" + config.trace_path + "'");
        break;
      }
      reader = std::move(again).value();
      timing.start_next_pass();
      eligible_in_pass = 0;
      continue;
    }
    if (!config.only_tags.empty() && !contains(config.only_tags, record.tag)) continue;
    if (contains(config.skip_tags, record.tag)) continue;
    auto offset = timing.next_offset_ns(record.offset_us);
    if (!offset) break;
    ++eligible_in_pass;
    ++pushed;
    last_offset_ns = std::max(last_offset_ns, *offset);
    auto* request = new PreparedRequest;
    request->intended_ns = run_start_ns + *offset;
    request->tag_id = tags.id_of(record.tag.empty() ? "(untagged)" : record.tag);
    request->endpoint_id = endpoints.id_of(trace::endpoint_template(record.method, record.target));
    headers.resize(record.headers.size());
    for (size_t i = 0; i < record.headers.size(); ++i) {
      headers[i].first.assign(record.headers[i].name);
      headers[i].second.assign(record.headers[i].value);
    }
    request->wire = client::build_request(record.method, record.target, headers, record.body,
                                          *target, config.headers);
    Worker& worker =
        record.session.empty()
            ? *workers[round_robin++ % threads]
            : *workers[std::hash<std::string>{}(record.session) % threads];
    if (!wait_until(request->intended_ns - kLookaheadNs)) {
      delete request;
      break;
    }
    while (!worker.try_push(request)) {
      if (!wait_until(static_cast<int64_t>(uv_hrtime()) + 1'000'000)) {
        delete request;
        more = false;
        break;
      }
    }
  }
  if (!failure && endpoints.names().empty() &&
      !interrupt.load(std::memory_order_relaxed)) {
    failure = make_error(Errc::invalid_argument,
                         "'" + config.trace_path + "': no records to replay" +
                             (config.only_tags.empty() && config.skip_tags.empty()
                                  ? ""
                                  : " after --only/--skip"));
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
  if (failure) return *failure;
  result.interrupted = interrupt.load(std::memory_order_relaxed);

  result.by_tag.resize(tags.names().size());
  for (size_t i = 0; i < tags.names().size(); ++i) result.by_tag[i].name = tags.names()[i];
  result.by_endpoint.resize(endpoints.names().size());
  for (size_t i = 0; i < endpoints.names().size(); ++i) {
    result.by_endpoint[i].name = endpoints.names()[i];
  }
  result.elapsed_us = (static_cast<int64_t>(uv_hrtime()) - run_start_ns) / 1000;
  // The load lasted until the last intended send plus one mean gap (the slot it occupies).
  const int64_t gap_ns = pushed > 1 ? last_offset_ns / static_cast<int64_t>(pushed - 1) : 0;
  result.load_us = (last_offset_ns + gap_ns) / 1000;
  if (config.duration_us > 0 && !result.interrupted) {
    result.load_us = std::min(std::max(result.load_us, int64_t{1}), config.duration_us);
  }
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
    result.connections_opened += r.connections_opened;
  }
  return result;
}

}  // namespace replay::engine
