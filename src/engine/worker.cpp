#include "worker.hpp"

#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cassert>

namespace replay::engine {
namespace {

constexpr uint64_t kTickMs = 100;
// A request handed over due sooner than this wakes the worker; later ones wait for a tick.
constexpr int64_t kUrgentNs = 2 * static_cast<int64_t>(kTickMs) * 1'000'000;
constexpr int64_t kSessionIdleNs = 600'000'000'000;  // a session's values are kept this long
constexpr size_t kMaxSessionsBeforePrune = 100'000;
constexpr int kMaxPullPerWake = 8192;  // a full ring cannot starve the loop

}  // namespace

Worker::Worker(WorkerConfig config, const client::Target& target, tls::TlsContext* tls,
               const Clock& clock)
    : config_(std::move(config)),
      target_(target),
      tls_(tls),
      clock_(clock),
      input_(config_.input_capacity),
      wakes_(WakeLimits{config_.wake_gap_min_ns, config_.wake_gap_max_ns, request_capacity()}) {}

size_t Worker::request_capacity() const {
  // Over HTTP/2 a connection takes max_streams requests at once.
  return target_.http2 ? config_.max_connections * std::max<size_t>(1, config_.max_streams)
                       : config_.max_connections;
}

Worker::~Worker() {
  join();
  while (RequestPtr r{input_.try_pop()}) {
  }
  if (input_ready_fd_ >= 0) ::close(input_ready_fd_);
}

void Worker::start(int64_t run_start_ns, int64_t load_end_ns, int64_t drain_ns) {
  run_start_ns_ = run_start_ns;
  load_end_ns_ = load_end_ns;
  drain_ns_ = drain_ns;
  // Before the thread: the feeder may hand over (and write it) at once.
  input_ready_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  thread_ = start_thread_without_stop_signals([this] { run_loop(); });
}

bool Worker::try_push(RequestPtr& request) {
  const int64_t intended_ns = request->intended_ns;
  if (!input_.try_push(request.get())) return false;
  static_cast<void>(request.release());
  if (intended_ns < clock_.now_ns() + kUrgentNs) wake_for_input();
  return true;
}

void Worker::wake_for_input() {
  if (input_ready_fd_ < 0 || input_ready_pending_.exchange(true, std::memory_order_acq_rel)) {
    return;
  }
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(input_ready_fd_, &one, sizeof one);
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::run_loop() {
  uv_loop_init(&loop_);
  reads_ = std::make_unique<client::ReadPoller>(&loop_);
  if (!reads_->ok()) reads_.reset();  // connections then read the usual libuv way
  if (reads_) reads_->set_eager(true);
  pool_ = std::make_unique<ConnectionPool>(
      &loop_, target_, tls_, reads_.get(),
      PoolOptions{config_.max_connections, config_.connect_timeout_ms, config_.timeout_ms,
                  config_.max_streams},
      clock_, static_cast<PoolListener&>(*this));
  recorder_.emplace(run_start_ns_, &closed_seconds_, config_.endpoint_timelines,
                    config_.live_counts);
  if (config_.goodput.any()) recorder_->set_goodput(&config_.goodput);
  ws_ = std::make_unique<WsSessions>(
      &loop_, target_, tls_, *recorder_, live_,
      client::WsConnectionOptions{.connect_timeout_ms = config_.connect_timeout_ms,
                                  .timeout_ms = config_.timeout_ms,
                                  .header_overrides = &config_.header_overrides});
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  wakeup_ = uv::make_handle<uv_poll_t>();
  uv_poll_init(&loop_, wakeup_.get(), timer_fd_);
  wakeup_->data = this;
  uv_poll_start(wakeup_.get(), UV_READABLE,
                [](uv_poll_t* h, int, int) { static_cast<Worker*>(h->data)->on_wakeup(); });
  if (input_ready_fd_ >= 0) {
    input_ready_ = uv::make_handle<uv_poll_t>();
    uv_poll_init(&loop_, input_ready_.get(), input_ready_fd_);
    input_ready_->data = this;
    uv_poll_start(input_ready_.get(), UV_READABLE,
                  [](uv_poll_t* h, int, int) { static_cast<Worker*>(h->data)->on_input_ready(); });
  }
  // After every round of I/O the loop is awake anyway: send what has come due without
  // waiting for the timer.
  check_ = uv::make_handle<uv_check_t>();
  uv_check_init(&loop_, check_.get());
  check_->data = this;
  uv_check_start(check_.get(), [](uv_check_t* h) { static_cast<Worker*>(h->data)->on_check(); });
  tick_ = uv::make_handle<uv_timer_t>();
  uv_timer_init(&loop_, tick_.get());
  tick_->data = this;
  uv_timer_start(
      tick_.get(), [](uv_timer_t* h) { static_cast<Worker*>(h->data)->on_tick(); }, kTickMs,
      kTickMs);
  arm_wakeup(clock_.now_ns());

  uv_run(&loop_, UV_RUN_DEFAULT);
  results_ = std::move(recorder_->finish());
  results_.user_latency = std::move(user_latency_);
  results_.connections_opened = pool_->connections_established();
  results_.connections_failed = pool_->connections_failed();
  results_.descriptor_limited = pool_->descriptor_limited();
  results_.descriptor_cap = pool_->descriptor_limited() ? pool_->descriptor_cap() : 0;
  results_.waited_for_descriptors = pool_->waited_for_descriptors();
  results_.tls_handshakes = pool_->tls_handshakes();
  results_.tls_resumed = pool_->tls_resumed();
  const StreamStats streams = pool_->stream_stats();
  (target_.http2 ? results_.requests_h2 : results_.requests_http1) = pool_->requests_assigned();
  results_.h2_connections = streams.connections;
  results_.h2_streams = streams.streams;
  results_.h2_max_streams_per_connection = streams.most_on_connection;
  results_.h2_max_concurrent_streams = streams.peak_concurrent;
  // Connections are destroyed once their handles have closed; run again for their callbacks.
  pool_.reset();
  reads_.reset();
  ws_.reset();
  uv_run(&loop_, UV_RUN_DEFAULT);
  [[maybe_unused]] int rc = uv_loop_close(&loop_);
  assert(rc == 0);
  if (timer_fd_ >= 0) ::close(timer_fd_);
  done_.store(true, std::memory_order_release);
}

void Worker::arm_wakeup(int64_t now_ns) {
  if (pending_.empty()) return;  // input is looked at on each tick, or when the feeder wakes it
  const int64_t at = wakes_.next_wake_ns(now_ns, pending_.top().intended_ns);
  if (!WakeSchedule::should_rearm(armed_at_ns_, at)) return;
  itimerspec spec{};
  spec.it_value.tv_sec = at / 1'000'000'000;
  spec.it_value.tv_nsec = at % 1'000'000'000;
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
  armed_at_ns_ = at;
}

void Worker::disarm_wakeup() {
  const itimerspec none{};
  timerfd_settime(timer_fd_, 0, &none, nullptr);
}

void Worker::update_read_mode(int64_t now_ns) {
  if (!reads_) return;
  reads_->set_eager(read_eagerly(ReadState{
      .event_streams_open = eager_read_holders_ > 0,
      .stamps_exact = reads_->can_defer_reads(),
      .shared_sockets = target_.http2,
      .until_next_send_ns =
          pending_.empty() ? std::nullopt : std::optional(pending_.top().intended_ns - now_ns),
      .in_flight = pool_->in_flight(),
      .backlog = pool_->backlog(),
      .max_connections = request_capacity(),
  }));
}

void Worker::note_eager_reads(int change) {
  eager_read_holders_ += static_cast<size_t>(change);
  if (change > 0 && reads_) reads_->set_eager(true);
}

void Worker::harvest_if_lazy() {
  if (reads_ && !reads_->eager()) pool_->harvest();
}

void Worker::on_wakeup() {
  // The timer fired. Setting it again (re-armed or disarmed) empties it as a read would, so
  // a wake-up that re-arms makes one system call for the timer, not two.
  armed_at_ns_ = 0;
  struct DisarmUnlessArmed {
    Worker& worker;
    ~DisarmUnlessArmed() {
      if (worker.armed_at_ns_ == 0) worker.disarm_wakeup();
    }
  } disarm_unless_armed{*this};
  if (shutting_down_) return;
  harvest_if_lazy();
  if (shutting_down_) return;
  const int64_t now = clock_.now_ns();
  pull_input();
  dispatch_due(now);
  if (shutting_down_) return;
  arm_wakeup(now);
  update_read_mode(now);
  maybe_finish();
}

void Worker::on_input_ready() {
  uint64_t count;
  [[maybe_unused]] const ssize_t n = ::read(input_ready_fd_, &count, sizeof count);
  // Taken before pulling: a request handed over from now on writes the eventfd again.
  input_ready_pending_.exchange(false, std::memory_order_acq_rel);
  if (shutting_down_) return;
  const int64_t now = clock_.now_ns();
  if (stop_.load(std::memory_order_acquire)) {
    check_end(now);
    return;
  }
  pull_input();
  dispatch_due(now);
  if (shutting_down_) return;
  arm_wakeup(now);
  update_read_mode(now);
  maybe_finish();
}

void Worker::on_check() {
  if (shutting_down_ || pending_.empty()) return;
  const int64_t now = clock_.now_ns();
  if (pending_.top().intended_ns > now) return;
  // HTTP/2 writes a round's requests in one go: a round within a gap of the last would add a
  // write per wake-up (the timer is armed for these requests, at most a gap away).
  if (target_.http2 && now - last_dispatch_ns_ < wakes_.gap_ns()) return;
  dispatch_due(now);
  if (shutting_down_) return;
  arm_wakeup(now);
  update_read_mode(now);
  maybe_finish();
}

void Worker::pull_input() {
  const int64_t now = config_.users ? clock_.now_ns() : 0;
  for (int i = 0; i < kMaxPullPerWake; ++i) {
    if (!unsent_abandoned_ &&
        pending_.size() + sessions_.waiting() + pool_->backlog() >= config_.max_waiting) {
      break;
    }
    RequestPtr r{input_.try_pop()};
    if (!r) break;
    if (unsent_abandoned_) {
      abandon_request(std::move(r), clock_.now_ns(), /*offered_counted=*/false);
      continue;
    }
    if (r->user != 0) {
      admit_user_step(std::move(r), now);
      continue;
    }
    pending_.push(std::move(r));
  }
}

int64_t Worker::load_end_ns() const {
  if (load_end_ns_ != 0) return load_end_ns_;
  if (!input_done_.load(std::memory_order_acquire)) return 0;
  return last_intended_ns_.load(std::memory_order_relaxed);
}

void Worker::dispatch_due(int64_t now_ns) {
  // Responses read here may free connections; the run must not end before this round does.
  dispatching_ = true;
  last_dispatch_ns_ = now_ns;
  pool_->begin_batch();
  bool harvested = false;
  while (!pending_.empty() && pending_.top().intended_ns <= now_ns && !shutting_down_) {
    if (!pool_->has_idle() && !harvested && reads_ && !reads_->eager()) {
      // No idle connection: responses waiting unread may free one (once per round).
      harvested = true;
      pool_->harvest();
      continue;
    }
    RequestPtr r = pending_.pop();
    if (r->session_id != 0 && !r->released) {
      admit_session_step(std::move(r), now_ns);
    } else {
      start_request(std::move(r), now_ns);
    }
  }
  pool_->end_batch();
  dispatching_ = false;
}

void Worker::count_offered(const PreparedRequest& r) {
  recorder_->record_offered({r.tag_id, r.endpoint_id}, r.intended_ns);
  live_.offered.fetch_add(1, std::memory_order_relaxed);
}

void Worker::start_request(RequestPtr request, int64_t now_ns) {
  if (request->once && sessions_.already_holds(*request)) {
    // A log-in its user did already: not sent, not counted; the next step follows now.
    queue_released(std::move(sessions_.skipped(*request, now_ns).next), now_ns);
    return;
  }
  count_offered(*request);
  if (request->ws_record) {
    ws_->start(std::move(request));
    return;
  }
  client::WireBytes wire = request->wire;
  if (!wire && request->templ) {
    auto built =
        build_from_template(*request->templ, sessions_.values(request->session_id), target_,
                            config_.header_overrides, sessions_.cookies(request->session_id));
    if (!built) {
      // A value this step needs was never captured, or one would inject bytes onto the wire
      // (a failure of this request, never sent): the session cannot go on.
      if (built.error().code == Errc::invalid_argument) {
        recorder_->record_failure(Failure{.ids = {request->tag_id, request->endpoint_id},
                                          .intended_ns = request->intended_ns,
                                          .failed_ns = now_ns,
                                          .cause = client::FailureCause::unsafe_value});
        live_.errors.fetch_add(1, std::memory_order_relaxed);
      } else {
        count_aborted(*request, /*offered_counted=*/true);
      }
      if (request->session_id) {
        auto rest = sessions_.abort(request->session_id, now_ns);
        if (request->user == 0) count_aborted(rest.aborted);
        queue_released(std::move(rest.next), now_ns);
      }
      return;
    }
    wire = std::move(built).value();
  }
  if (request->session_id) sessions_.started(request->session_id, now_ns);
  InFlight* f;
  if (free_requests_.empty()) {
    requests_.push_back(std::make_unique<InFlight>(static_cast<InFlightSink&>(*this)));
    f = requests_.back().get();
  } else {
    f = free_requests_.back();
    free_requests_.pop_back();
  }
  f->reset(std::move(request), std::move(wire), now_ns);
  pool_->submit(*f, now_ns);
}

void Worker::on_sent(InFlight& request, int64_t sent_ns) {
  if (shutting_down_) return;
  recorder_->record_sent({request.request().tag_id, request.request().endpoint_id}, sent_ns);
  live_.sent.fetch_add(1, std::memory_order_relaxed);
}

void Worker::on_event(InFlight& request, bool first, int64_t elapsed_ns) {
  if (shutting_down_) return;
  const ScopeIds ids{request.request().tag_id, request.request().endpoint_id};
  if (first) {
    recorder_->record_first_event(ids, elapsed_ns);
  } else {
    recorder_->record_inter_event(ids, elapsed_ns);
  }
}

void Worker::on_content_gap(InFlight& request, int64_t now_ns, int64_t gap_ns) {
  if (shutting_down_) return;
  recorder_->record_content_gap({request.request().tag_id, request.request().endpoint_id}, now_ns,
                                gap_ns);
}

void Worker::on_load_changed(size_t in_flight, size_t backlog) {
  live_.in_flight.store(in_flight, std::memory_order_relaxed);
  live_.backlog.store(backlog, std::memory_order_relaxed);
  // Only this thread raises the peaks; the main thread's reset may lose one raise, which the
  // next change or the gauge itself makes good.
  if (in_flight > live_.in_flight_peak.load(std::memory_order_relaxed)) {
    live_.in_flight_peak.store(in_flight, std::memory_order_relaxed);
  }
  if (backlog > live_.backlog_peak.load(std::memory_order_relaxed)) {
    live_.backlog_peak.store(backlog, std::memory_order_relaxed);
  }
  if (shutting_down_) return;
  // The gauges keep a maximum per second: the loop's cached time is close enough (no clock
  // read per request).
  const auto now = static_cast<int64_t>(uv_now(&loop_)) * 1'000'000;
  recorder_->note_load(now, in_flight, backlog);
}

void Worker::on_ended(InFlight& f, int64_t now_ns, int status, uint64_t bytes,
                      const client::FailureCause* cause) {
  pool_->note_request_ended();
  const PreparedRequest& r = f.request();
  if (!shutting_down_) {
    if (r.user != 0) user_latency_.record(r.endpoint_id, r.think_ns, now_ns - r.intended_ns);
    bool succeeded = false;
    if (cause) {
      const client::FailureCause why = abandoning_ ? client::FailureCause::abandoned : *cause;
      recorder_->record_failure(f.failure(now_ns, why));
      live_.errors.fetch_add(1, std::memory_order_relaxed);
      if (r.expect) {
        const CheckFailure failed = no_response(client::failure_cause_name(why));
        recorder_->record_check({r.tag_id, r.endpoint_id}, &failed);
      }
    } else {
      recorder_->record_completion(f.completion(now_ns, status, bytes));
      if (status >= 400) live_.errors.fetch_add(1, std::memory_order_relaxed);
      live_.completed.fetch_add(1, std::memory_order_relaxed);
      succeeded = status < 400;
      if (r.poll && succeeded && check_response(r.poll->until, status, f.body(), f.headers())) {
        // Not done yet: the same request again, poll->every_us after this response.
        if (r.attempt + 1 < r.poll->max_attempts && !unsent_abandoned_) {
          poll_again(f, now_ns);
          release(f);
          maybe_finish();
          return;
        }
        recorder_->record_poll_exhausted({r.tag_id, r.endpoint_id}, now_ns);
        live_.errors.fetch_add(1, std::memory_order_relaxed);
        succeeded = false;
      }
      if (r.captures && succeeded) {
        record_capture_metrics(*recorder_, {r.tag_id, r.endpoint_id}, *r.captures, f.body(),
                               f.headers());
      }
      if (r.expect) {
        const auto failed = check_response(*r.expect, status, f.body(), f.headers());
        recorder_->record_check({r.tag_id, r.endpoint_id}, failed ? &*failed : nullptr);
      }
    }
    if (r.session_id) {
      auto next = sessions_.ended(r, succeeded, f.body(), f.headers(), now_ns);
      if (next.capture_failed) {
        recorder_->record_capture_failed({r.tag_id, r.endpoint_id}, now_ns);
        live_.errors.fetch_add(1, std::memory_order_relaxed);
      }
      // A user's session that failed ends there: its later steps are never offered.
      if (r.user == 0) count_aborted(next.aborted);
      if (next.session_ns) recorder_->record_session({r.tag_id, r.endpoint_id}, *next.session_ns);
      // Past the load's end a released step is never sent: its time comes after the end.
      if (!unsent_abandoned_) queue_released(std::move(next.next), now_ns);
    }
  }
  release(f);
  maybe_finish();
}

bool Worker::wants_body_sample(const InFlight& request, int status) {
  const PreparedRequest& r = request.request();
  return !shutting_down_ && recorder_->wants_sample({r.tag_id, r.endpoint_id}, status);
}

void Worker::release(InFlight& request) {
  static_cast<void>(request.take_request());
  free_requests_.push_back(&request);
}

void Worker::on_tick() {
  pool_->maintain();
  ws_->collect();
  if (shutting_down_) return;
  const int64_t now = clock_.now_ns();
  recorder_->close_seconds_before(now);
  const uint64_t offered = recorder_->overall().offered;
  wakes_.update_gap(static_cast<int64_t>((offered - offered_at_last_tick_) * 1000 / kTickMs));
  offered_at_last_tick_ = offered;
  recorder_->note_load(now, pool_->in_flight(), pool_->backlog());
  check_end(now);
  if (shutting_down_) return;
  // The input's regular look (the feeder hands requests over a second ahead); past the load's
  // end, the feeder may still be handing over its last.
  pull_input();
  if (!unsent_abandoned_) {
    dispatch_due(now);
    if (shutting_down_) return;
    arm_wakeup(now);
    update_read_mode(now);
  }
  if (sessions_.sessions() > kMaxSessionsBeforePrune) sessions_.forget_idle(now, kSessionIdleNs);
  maybe_finish();
}

void Worker::maybe_finish() {
  if (shutting_down_ || dispatching_ || pool_->in_flight() != 0 || pool_->backlog() != 0 ||
      !pending_.empty() || sessions_.waiting() != 0 || ws_->active() != 0) {
    return;
  }
  if (!input_done_.load(std::memory_order_acquire) || !input_.empty()) return;
  shut_down();
}

void Worker::shut_down() {
  if (shutting_down_) return;
  shutting_down_ = true;
  pending_.clear();
  sessions_.clear();
  for (InFlight* f : pool_->take_backlog()) release(*f);
  pool_->close_all();  // requests in flight fail (closed_early) and are released, uncounted
  ws_->abandon_all();
  if (reads_) reads_->set_eager(false);  // an active watch would keep the loop running
  wakeup_.reset();
  input_ready_.reset();
  check_.reset();
  tick_.reset();
}

}  // namespace replay::engine
