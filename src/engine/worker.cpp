#include "replay/engine/worker.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <ctime>

namespace replay::engine {
namespace {

constexpr int64_t kIdlePollNs = 1'000'000;  // how often an idle worker looks at its input
// Responses wait for the next wake-up when it is due within this long (their completion
// times come from the kernel's receive stamps, so waiting does not change them).
constexpr int64_t kLazyReadHorizonNs = 2'000'000;
// Up to this many connections a lazy harvest reads those awaiting an answer directly: nearly
// all of them hold one by the next wake-up, and asking epoll costs more per response.
constexpr size_t kDirectReadConnections = 64;
constexpr uint64_t kTickMs = 100;
// The wake-up gap per request per second of recent send rate: 25 ns gives 125 us at 5k/s
// and 500 us at 20k/s (about ten requests per wake-up), within WorkerConfig's range.
constexpr int64_t kWakeGapPerRateNs = 25;
constexpr size_t kMaxCapturedBody = 1 << 20;         // bytes of a response kept for captures
constexpr int64_t kSessionIdleNs = 600'000'000'000;  // a session's values are kept this long

int64_t to_us(int64_t ns) {
  return ns / 1000;
}
int64_t hrtime() {
  return static_cast<int64_t>(uv_hrtime());
}

}  // namespace

// One connection and the worker's view of it.
class Worker::Slot final : public client::Connection::Events {
 public:
  Slot(Worker& worker, size_t index)
      : index_(index),
        worker_(worker),
        connection_(&worker.loop_, worker.target_, worker.tls_, *this,
                    client::ConnectionOptions{
                        .connect_timeout_ms = worker.config_.connect_timeout_ms,
                        .timeout_ms = worker.config_.timeout_ms,
                        .read_poller = worker.reads_.get(),
                    }) {}

  void on_idle(client::Connection&) override { worker_.on_slot_idle(*this); }
  void on_closed(client::Connection&) override {
    if (!closed_) {
      closed_ = true;
      worker_.on_slot_closed(*this);
    }
  }

  client::Connection& connection() { return connection_; }
  size_t index_ = 0;
  bool closed_ = false;
  bool in_idle_list_ = false;

 private:
  Worker& worker_;
  client::Connection connection_;
};

// A request on its way: observes the response and hands the measurements to the worker.
class Worker::InFlight final : public client::ResponseObserver {
 public:
  explicit InFlight(Worker& worker) : worker_(worker) {}

  void reset(PreparedRequest* request, client::WireBytes wire) {
    request_ = request;
    wire_ = std::move(wire);
    sent_ns_ = first_byte_ns_ = last_event_ns_ = 0;
    events_ = 0;
    event_stream_ = false;
    holds_eager_reads_ = false;
    body_.clear();
    if (request->expects_event_stream) hold_eager_reads();
  }

  void on_sent(uint64_t now_ns) override {
    sent_ns_ = static_cast<int64_t>(now_ns);
    worker_.count_sent(*this, sent_ns_);
  }
  void on_first_byte(uint64_t now_ns) override { first_byte_ns_ = static_cast<int64_t>(now_ns); }
  void on_headers(int, bool is_event_stream) override {
    event_stream_ = is_event_stream;
    if (is_event_stream) hold_eager_reads();
  }
  // While an event stream is (or will likely be) on its way the worker reads as data arrives.
  void hold_eager_reads() {
    if (holds_eager_reads_) return;
    holds_eager_reads_ = true;
    worker_.note_eager_reads(+1);
  }
  void release_eager_reads() {
    if (!holds_eager_reads_) return;
    holds_eager_reads_ = false;
    worker_.note_eager_reads(-1);
  }
  void on_sse_event(uint64_t now_ns) override {
    const auto now = static_cast<int64_t>(now_ns);
    if (!worker_.shutting_down_) {
      auto record = [&](auto member, int64_t value_us) {
        (worker_.results_.overall.sse_stats().*member).record(value_us);
        (worker_.tag_stats(request_->tag_id).sse_stats().*member).record(value_us);
        (worker_.endpoint_stats(request_->endpoint_id).sse_stats().*member).record(value_us);
      };
      if (events_ == 0) {
        record(&SseStats::first_event, to_us(now - effective_sent_ns()));
      } else {
        record(&SseStats::inter_event, to_us(now - last_event_ns_));
      }
    }
    last_event_ns_ = now;
    ++events_;
  }
  void on_body(std::string_view chunk) override {
    if (body_.size() < kMaxCapturedBody)
      body_.append(chunk.substr(0, kMaxCapturedBody - body_.size()));
  }
  void on_complete(uint64_t now_ns, int status, uint64_t bytes) override {
    release_eager_reads();
    worker_.on_request_done(this, static_cast<int64_t>(now_ns), status, bytes, nullptr);
  }
  void on_failed(uint64_t now_ns, client::FailureCause cause) override {
    release_eager_reads();
    worker_.on_request_done(this, static_cast<int64_t>(now_ns), 0, 0, &cause);
  }

  // The send time, or the intended time for a request that failed before it was sent.
  int64_t effective_sent_ns() const { return sent_ns_ ? sent_ns_ : request_->intended_ns; }

  PreparedRequest* request_ = nullptr;
  client::WireBytes wire_;
  std::string body_;  // kept only for requests that capture
  int64_t sent_ns_ = 0;
  int64_t first_byte_ns_ = 0;
  int64_t last_event_ns_ = 0;
  uint32_t events_ = 0;
  bool event_stream_ = false;
  bool holds_eager_reads_ = false;

 private:
  Worker& worker_;
};

Worker::Worker(WorkerConfig config, const client::Target& target, tls::TlsContext* tls)
    : config_(std::move(config)), target_(target), tls_(tls), input_(config_.input_capacity) {}

Worker::~Worker() {
  join();
  while (auto* r = input_.try_pop()) delete r;
  for (auto* r : free_requests_) delete r;
}

void Worker::start(int64_t run_start_ns) {
  run_start_ns_ = run_start_ns;
  thread_ = std::thread([this] { run_loop(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::run_loop() {
  uv_loop_init(&loop_);
  reads_ = std::make_unique<client::ReadPoller>(&loop_);
  if (!reads_->ok()) reads_.reset();  // connections then read the usual libuv way
  if (reads_) reads_->set_eager(true);
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  wakeup_ = uv::make_handle<uv_poll_t>();
  uv_poll_init(&loop_, wakeup_.get(), timer_fd_);
  wakeup_->data = this;
  uv_poll_start(wakeup_.get(), UV_READABLE,
                [](uv_poll_t* h, int, int) { static_cast<Worker*>(h->data)->on_wakeup(); });
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
  wake_gap_ns_ = config_.wake_gap_min_ns;
  arm_wakeup(hrtime());

  uv_run(&loop_, UV_RUN_DEFAULT);
  // Connections are destroyed once their handles have closed; run again for their callbacks.
  slots_.clear();
  closed_slots_.clear();
  reads_.reset();
  uv_run(&loop_, UV_RUN_DEFAULT);
  [[maybe_unused]] int rc = uv_loop_close(&loop_);
  assert(rc == 0);
  if (timer_fd_ >= 0) ::close(timer_fd_);
  done_.store(true, std::memory_order_release);
}

void Worker::arm_wakeup(int64_t now_ns) {
  int64_t at = pending_.empty() ? now_ns + kIdlePollNs : pending_.top()->intended_ns;
  at = std::max(at, now_ns + wake_gap_ns_);
  // One timerfd_settime per change: re-arming costs a system call, so a later target than the
  // one armed waits for that wake-up (which re-arms for it).
  if (armed_at_ns_ != 0 && armed_at_ns_ <= at) return;
  itimerspec spec{};
  spec.it_value.tv_sec = at / 1'000'000'000;
  spec.it_value.tv_nsec = at % 1'000'000'000;
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
  armed_at_ns_ = at;
}

void Worker::harvest_responses() {
  if (slots_.size() > kDirectReadConnections) {
    reads_->harvest();
    return;
  }
  // Reading runs callbacks that may close slots (they move to closed_slots_ and live until
  // the next tick) or open new ones: walk a snapshot.
  reads_->refresh_clock_offset();
  harvest_list_.clear();
  for (auto& slot : slots_) {
    if (slot->connection().awaiting_response()) harvest_list_.push_back(slot.get());
  }
  for (Slot* slot : harvest_list_) slot->connection().read_available();
}

void Worker::update_wake_gap() {
  const uint64_t offered = results_.overall.offered;
  const auto per_second = static_cast<int64_t>((offered - offered_at_last_tick_) * 1000 / kTickMs);
  offered_at_last_tick_ = offered;
  int64_t gap_ns = per_second * kWakeGapPerRateNs;
  // A wake-up's requests hold their connections until a later wake-up reads the answers: at
  // most a quarter of the pool goes out per wake-up.
  if (per_second > 0) {
    const auto quarter_pool =
        static_cast<int64_t>(std::max<size_t>(1, config_.max_connections / 4));
    gap_ns = std::min(gap_ns, quarter_pool * 1'000'000'000 / per_second);
  }
  wake_gap_ns_ = std::clamp(gap_ns, config_.wake_gap_min_ns, config_.wake_gap_max_ns);
}

void Worker::update_read_mode(int64_t now_ns) {
  if (!reads_) return;
  const bool send_due_soon =
      !pending_.empty() && pending_.top()->intended_ns - now_ns <= kLazyReadHorizonNs;
  // A connection is free again only once its response is read: when half the connections
  // are taken, read at once rather than let requests wait for a connection.
  const bool connections_scarce = (in_flight_ + backlog_.size()) * 2 > config_.max_connections;
  reads_->set_eager(eager_read_holders_ > 0 || !send_due_soon || connections_scarce ||
                    !reads_->can_defer_reads());
}

void Worker::note_eager_reads(int change) {
  eager_read_holders_ += static_cast<size_t>(change);
  if (change > 0 && reads_) reads_->set_eager(true);
}

void Worker::on_wakeup() {
  uint64_t expirations;  // one read empties the timerfd
  [[maybe_unused]] const ssize_t n = ::read(timer_fd_, &expirations, sizeof expirations);
  armed_at_ns_ = 0;
  if (shutting_down_) return;
  if (reads_ && !reads_->eager()) harvest_responses();
  if (shutting_down_) return;
  const int64_t now = hrtime();
  pull_input();
  dispatch_due(now);
  if (shutting_down_) return;
  arm_wakeup(now);
  update_read_mode(now);
  maybe_finish();
}

void Worker::on_check() {
  if (shutting_down_ || pending_.empty()) return;
  const int64_t now = hrtime();
  if (pending_.top()->intended_ns > now) return;
  dispatch_due(now);
  if (shutting_down_) return;
  arm_wakeup(now);
  update_read_mode(now);
  maybe_finish();
}

void Worker::pull_input() {
  // Bounded so a full ring cannot starve the loop; the feeder keeps about a second ahead.
  for (int i = 0; i < 8192; ++i) {
    PreparedRequest* r = input_.try_pop();
    if (!r) break;
    pending_.push(r);
  }
}

void Worker::dispatch_due(int64_t now_ns) {
  // Responses read here may free connections; the run must not end before this round does.
  dispatching_ = true;
  bool harvested = false;
  while (!pending_.empty() && pending_.top()->intended_ns <= now_ns && !shutting_down_) {
    if (idle_.empty() && !harvested && reads_ && !reads_->eager()) {
      // No idle connection: responses waiting unread may free one (once per round).
      harvested = true;
      harvest_responses();
      continue;
    }
    PreparedRequest* r = pending_.top();
    pending_.pop();
    if (r->session_id != 0 && !r->released) {
      start_session_step(r, now_ns);
    } else {
      start_request(r, now_ns);
    }
  }
  dispatching_ = false;
}

void Worker::start_session_step(PreparedRequest* r, int64_t now_ns) {
  Session& s = sessions_[r->session_id];
  s.last_active_ns = now_ns;
  if (s.aborted) {
    abort_session_step(r, /*offered_counted=*/false);
    return;
  }
  if (s.busy) {
    s.waiting.push_back(r);
    ++waiting_steps_;
    return;
  }
  start_request(r, now_ns);
}

void Worker::count_offered(const PreparedRequest& r) {
  ++results_.overall.offered;
  ++tag_stats(r.tag_id).offered;
  ++endpoint_stats(r.endpoint_id).offered;
  ++row_at(r.intended_ns).offered;
  ++tag_row_at(r.tag_id, r.intended_ns).offered;
  live_.offered.fetch_add(1, std::memory_order_relaxed);
}

void Worker::start_request(PreparedRequest* request, int64_t now_ns) {
  count_offered(*request);
  client::WireBytes wire = request->wire;
  if (!wire && request->templ) {
    const RequestTemplate& t = *request->templ;
    const CaptureValues empty;
    const CaptureValues& values =
        request->session_id ? sessions_[request->session_id].values : empty;
    auto target = substitute_captures(t.target, values);
    auto body = substitute_captures(t.body, values);
    client::HeaderList headers = t.headers;
    bool ok = target.ok() && body.ok();
    for (auto& h : headers) {
      if (!ok) break;
      auto v = substitute_captures(h.second, values);
      ok = v.ok();
      if (ok) h.second = std::move(v).value();
    }
    if (!ok) {
      // A value this step needs was never captured: the session cannot go on.
      abort_session_step(request, /*offered_counted=*/true);
      return;
    }
    wire = client::build_request(t.method, target.value(), headers, body.value(), target_,
                                 config_.header_overrides);
  }
  if (request->session_id) sessions_[request->session_id].busy = true;
  InFlight* f;
  if (free_requests_.empty()) {
    f = new InFlight(*this);
  } else {
    f = free_requests_.back();
    free_requests_.pop_back();
  }
  f->reset(request, std::move(wire));
  while (!idle_.empty()) {
    Slot* slot = idle_.back();
    idle_.pop_back();
    slot->in_idle_list_ = false;
    if (!slot->closed_) {
      send_on(*slot, f);
      return;
    }
  }
  if (slots_.size() < config_.max_connections) {
    auto slot = std::make_unique<Slot>(*this, slots_.size());
    Slot& s = *slot;
    slots_.push_back(std::move(slot));
    ++results_.connections_opened;
    s.connection().connect();
    send_on(s, f);
    return;
  }
  backlog_.push_back(f);
  live_.backlog.store(backlog_.size(), std::memory_order_relaxed);
  auto& row = row_at(now_ns);
  row.backlog = std::max<uint64_t>(row.backlog, backlog_.size());
}

void Worker::send_on(Slot& slot, InFlight* request) {
  const bool keep_body = request->request_->captures != nullptr;
  if (!slot.connection().send(request->wire_, *request, keep_body)) {
    backlog_.push_front(request);  // the connection went away under us; wait for another
    return;
  }
  ++in_flight_;
  note_in_flight_change(hrtime());
}

void Worker::count_sent(InFlight& request, int64_t now_ns) {
  if (shutting_down_) return;
  ++results_.overall.sent;
  ++tag_stats(request.request_->tag_id).sent;
  ++endpoint_stats(request.request_->endpoint_id).sent;
  ++row_at(now_ns).sent;
  ++tag_row_at(request.request_->tag_id, now_ns).sent;
  live_.sent.fetch_add(1, std::memory_order_relaxed);
}

void Worker::note_in_flight_change(int64_t now_ns) {
  live_.in_flight.store(in_flight_, std::memory_order_relaxed);
  auto& row = row_at(now_ns);
  row.in_flight = std::max<uint64_t>(row.in_flight, in_flight_);
}

void Worker::on_slot_idle(Slot& slot) {
  if (shutting_down_ || slot.closed_) return;
  if (!backlog_.empty()) {
    InFlight* f = backlog_.front();
    backlog_.pop_front();
    live_.backlog.store(backlog_.size(), std::memory_order_relaxed);
    send_on(slot, f);
    return;
  }
  if (!slot.in_idle_list_) {
    slot.in_idle_list_ = true;
    idle_.push_back(&slot);
  }
}

void Worker::on_slot_closed(Slot& slot) {
  if (slot.connection().tls_established()) {
    ++results_.tls_handshakes;
    if (slot.connection().tls_resumed()) ++results_.tls_resumed;
  }
  // Swap-remove from slots_; the object lives on in closed_slots_ until the next tick.
  const size_t i = slot.index_;
  std::unique_ptr<Slot> owned = std::move(slots_[i]);
  if (i + 1 != slots_.size()) {
    slots_[i] = std::move(slots_.back());
    slots_[i]->index_ = i;
  }
  slots_.pop_back();
  closed_slots_.push_back(std::move(owned));
  if (shutting_down_) return;
  if (!backlog_.empty() && slots_.size() < config_.max_connections) {
    InFlight* f = backlog_.front();
    backlog_.pop_front();
    live_.backlog.store(backlog_.size(), std::memory_order_relaxed);
    auto fresh = std::make_unique<Slot>(*this, slots_.size());
    Slot& s = *fresh;
    slots_.push_back(std::move(fresh));
    ++results_.connections_opened;
    s.connection().connect();
    send_on(s, f);
  }
}

void Worker::on_request_done(InFlight* f, int64_t now_ns, int status, uint64_t bytes,
                             const client::FailureCause* cause) {
  PreparedRequest* r = f->request_;
  if (in_flight_ > 0) --in_flight_;
  bool succeeded = false;
  if (!shutting_down_) {
    note_in_flight_change(now_ns);
    ScopeStats* scopes[] = {&results_.overall, &tag_stats(r->tag_id),
                            &endpoint_stats(r->endpoint_id)};
    const int64_t second = (now_ns - run_start_ns_) / 1'000'000'000;
    if (second != current_second_) roll_second(second);
    auto& row = row_at(now_ns);
    auto& tag_row = tag_row_at(r->tag_id, now_ns);
    if (cause) {
      for (auto* s : scopes) ++s->failures[static_cast<size_t>(*cause)];
      ++row.errors;
      ++tag_row.errors;
      live_.errors.fetch_add(1, std::memory_order_relaxed);
    } else {
      const int64_t corrected = to_us(now_ns - r->intended_ns);
      const int64_t sent = f->effective_sent_ns();
      const int64_t service = to_us(now_ns - sent);
      const int64_t lag = to_us(sent - r->intended_ns);
      const int64_t ttfb = f->first_byte_ns_ ? to_us(f->first_byte_ns_ - sent) : service;
      const size_t status_class = status >= 100 && status < 600 ? status / 100 : 0;
      for (auto* s : scopes) {
        s->corrected.record(corrected);
        s->service.record(service);
        s->send_lag.record(lag);
        s->ttfb.record(ttfb);
        ++s->completed;
        ++s->status_classes[status_class];
        s->response_bytes += bytes;
        if (f->event_stream_) s->sse_stats().events_per_response.record(f->events_);
      }
      second_corrected_.record(corrected);
      second_service_.record(service);
      if (second_corrected_by_tag_.size() <= r->tag_id)
        second_corrected_by_tag_.resize(r->tag_id + 1);
      second_corrected_by_tag_[r->tag_id].record(corrected);
      ++row.completed;
      ++tag_row.completed;
      if (status >= 400) {
        ++row.errors;
        ++tag_row.errors;
        live_.errors.fetch_add(1, std::memory_order_relaxed);
      }
      live_.completed.fetch_add(1, std::memory_order_relaxed);
      succeeded = status < 400;
    }
  }
  if (r->session_id) finish_session_step(*r, succeeded, f, now_ns);
  delete r;
  f->request_ = nullptr;
  f->wire_.reset();
  free_requests_.push_back(f);
  maybe_finish();
}

void Worker::finish_session_step(PreparedRequest& r, bool succeeded, InFlight* response,
                                 int64_t now_ns) {
  auto it = sessions_.find(r.session_id);
  if (it == sessions_.end()) return;
  Session& s = it->second;
  s.busy = false;
  s.last_active_ns = now_ns;
  if (shutting_down_) return;
  if (succeeded && r.captures) {
    for (const auto& capture : *r.captures) {
      auto value = extract_capture(capture.source, response->body_, {});
      if (!value) {
        succeeded = false;
        for (auto* scope :
             {&results_.overall, &tag_stats(r.tag_id), &endpoint_stats(r.endpoint_id)}) {
          ++scope->capture_failed;
        }
        ++row_at(now_ns).errors;
        ++tag_row_at(r.tag_id, now_ns).errors;
        break;
      }
      s.values[capture.name] = std::move(*value);
    }
  }
  if (!succeeded) s.aborted = true;
  if (s.waiting.empty()) return;
  PreparedRequest* next = s.waiting.front();
  s.waiting.pop_front();
  --waiting_steps_;
  if (s.aborted) {
    // Later steps of an aborted session are counted as they come due, not sent.
    abort_session_step(next, /*offered_counted=*/false);
    while (!s.waiting.empty()) {
      abort_session_step(s.waiting.front(), /*offered_counted=*/false);
      s.waiting.pop_front();
      --waiting_steps_;
    }
    return;
  }
  // Its predecessor finished after it was due: it is intended one think time after that.
  next->intended_ns = std::max(next->intended_ns, now_ns + next->think_ns);
  next->released = true;
  pending_.push(next);
  arm_wakeup(now_ns);
}

void Worker::abort_session_step(PreparedRequest* r, bool offered_counted) {
  if (!shutting_down_) {
    if (!offered_counted) count_offered(*r);
    for (auto* scope :
         {&results_.overall, &tag_stats(r->tag_id), &endpoint_stats(r->endpoint_id)}) {
      ++scope->session_aborted;
    }
    ++row_at(r->intended_ns).errors;
    ++tag_row_at(r->tag_id, r->intended_ns).errors;
    live_.errors.fetch_add(1, std::memory_order_relaxed);
  }
  if (r->session_id) sessions_[r->session_id].aborted = true;
  delete r;
}

void Worker::prune_sessions(int64_t now_ns) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const Session& s = it->second;
    if (!s.busy && s.waiting.empty() && now_ns - s.last_active_ns > kSessionIdleNs) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

void Worker::roll_second(int64_t second) {
  if (current_second_ >= 0 && second_corrected_.count() > 0) {
    auto& row = results_.timeline[static_cast<size_t>(current_second_)];
    row.corrected = second_corrected_.serialise();
    row.service = second_service_.serialise();
    live_.last_second_p99_us.store(second_corrected_.value_at_percentile(99),
                                   std::memory_order_relaxed);
    second_corrected_.reset();
    second_service_.reset();
    for (size_t tag = 0; tag < second_corrected_by_tag_.size(); ++tag) {
      Histogram& h = second_corrected_by_tag_[tag];
      if (h.count() == 0) continue;
      tag_row_at(static_cast<uint32_t>(tag), run_start_ns_ + current_second_ * 1'000'000'000)
          .corrected = h.serialise();
      h.reset();
    }
  }
  current_second_ = second;
}

TimelineRow& Worker::row_at(int64_t now_ns) {
  const int64_t second = std::max<int64_t>(0, (now_ns - run_start_ns_) / 1'000'000'000);
  auto& rows = results_.timeline;
  while (rows.size() <= static_cast<size_t>(second)) {
    rows.emplace_back();
    rows.back().second = static_cast<int64_t>(rows.size() - 1);
  }
  return rows[static_cast<size_t>(second)];
}

TimelineRow& Worker::tag_row_at(uint32_t tag_id, int64_t now_ns) {
  auto& by_tag = results_.timeline_by_tag;
  if (by_tag.size() <= tag_id) by_tag.resize(tag_id + 1);
  const int64_t second = std::max<int64_t>(0, (now_ns - run_start_ns_) / 1'000'000'000);
  auto& rows = by_tag[tag_id];
  while (rows.size() <= static_cast<size_t>(second)) {
    rows.emplace_back();
    rows.back().second = static_cast<int64_t>(rows.size() - 1);
  }
  return rows[static_cast<size_t>(second)];
}

ScopeStats& Worker::tag_stats(uint32_t id) {
  if (results_.by_tag.size() <= id) results_.by_tag.resize(id + 1);
  return results_.by_tag[id];
}

ScopeStats& Worker::endpoint_stats(uint32_t id) {
  if (results_.by_endpoint.size() <= id) results_.by_endpoint.resize(id + 1);
  return results_.by_endpoint[id];
}

void Worker::on_tick() {
  closed_slots_.clear();
  if (shutting_down_) return;
  // Direct harvests only read connections awaiting an answer: let epoll report the rest (an
  // idle keep-alive connection the server closed) at least once a tick.
  if (reads_ && !reads_->eager()) reads_->harvest();
  if (shutting_down_) return;
  const int64_t now = hrtime();
  const int64_t second = (now - run_start_ns_) / 1'000'000'000;
  if (second > current_second_ && second_corrected_.count() > 0) roll_second(second);
  update_wake_gap();
  auto& row = row_at(now);
  row.in_flight = std::max<uint64_t>(row.in_flight, in_flight_);
  row.backlog = std::max<uint64_t>(row.backlog, backlog_.size());
  if (stop_.load(std::memory_order_acquire)) {
    shut_down();
    return;
  }
  if (sessions_.size() > 100'000) prune_sessions(now);
  maybe_finish();
}

void Worker::maybe_finish() {
  if (shutting_down_ || dispatching_ || in_flight_ != 0 || !backlog_.empty() || !pending_.empty() ||
      waiting_steps_ != 0) {
    return;
  }
  if (!input_done_.load(std::memory_order_acquire) || !input_.empty()) return;
  shut_down();
}

void Worker::shut_down() {
  if (shutting_down_) return;
  shutting_down_ = true;
  roll_second(current_second_ + 1);
  while (!pending_.empty()) {
    delete pending_.top();
    pending_.pop();
  }
  for (auto& [id, s] : sessions_) {
    for (auto* r : s.waiting) delete r;
  }
  sessions_.clear();
  waiting_steps_ = 0;
  for (auto* f : backlog_) {
    delete f->request_;
    delete f;
  }
  backlog_.clear();
  idle_.clear();
  // close() calls back into on_slot_closed, which edits slots_: close from a snapshot.
  std::vector<Slot*> open;
  for (auto& s : slots_) open.push_back(s.get());
  for (auto* s : open) s->connection().close();
  if (reads_) reads_->set_eager(false);  // an active watch would keep the loop running
  wakeup_.reset();
  check_.reset();
  tick_.reset();
}

}  // namespace replay::engine
