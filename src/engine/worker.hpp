#pragma once
// One replay worker: a thread running its own libuv loop, which sends each request it is given
// at the request's intended time and measures it. It composes the parts that do the work: the
// wake schedule (when to wake up to send, how to read), the connection pool, the session
// runner (steps in order, with captured values) and the recorder (every measurement). Nothing
// on its hot path is shared with other threads except the input ring and relaxed counters.

#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "clock.hpp"
#include "connection_pool.hpp"
#include "in_flight.hpp"
#include "interval_outbox.hpp"
#include "pending_queue.hpp"
#include "prepared_request.hpp"
#include "recorder.hpp"
#include "replay/client/read_poller.hpp"
#include "replay/uv/handle.hpp"
#include "session_runner.hpp"
#include "spsc_ring.hpp"
#include "user_board.hpp"
#include "wake_schedule.hpp"
#include "ws_sessions.hpp"

namespace replay::engine {

struct WorkerConfig {
  size_t max_connections = 1000;
  uint32_t max_streams = 100;  // HTTP/2: per connection
  int64_t timeout_ms = 30000;
  int64_t connect_timeout_ms = 10000;
  size_t input_capacity = 1 << 16;
  // Requests taken from the input and not yet sent (pending, waiting in sessions or for a
  // connection), at most: input is pulled only below it, so memory stays bounded whatever the
  // rate. Intended times are fixed when a request is made, so waiting in the input loses
  // nothing: it shows as scheduler lag.
  size_t max_waiting = 1 << 16;
  // The range of the gap between two wake-ups for sending (see WakeSchedule).
  int64_t wake_gap_min_ns = 100'000;
  int64_t wake_gap_max_ns = 300'000;
  client::HeaderList header_overrides;  // -H, for requests built at send time
  bool endpoint_timelines = false;      // keep per-second rows per endpoint (Recorder)
  bool live_counts = false;             // count events for the live outputs (Recorder)
  llm::StreamOptions stream;            // how event streams' content is read (LLM metrics)
  llm::GoodputSlo goodput;              // --goodput; none: every LLM stream is good
  UserBoard* users = nullptr;           // --users: shared with the feeder; null: open loop
};

// Counters the main thread reads for the live view (relaxed; approximate while running).
struct LiveCounters {
  std::atomic<uint64_t> offered{0};
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> completed{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> in_flight{0};
  std::atomic<uint64_t> backlog{0};
  // The most of each since the main thread last took them (take_peak): a gauge read once a
  // second at a fixed phase would miss requests that never span the reading (20/s of 40 ms
  // requests, read just before each second's first send, always shows 0).
  mutable std::atomic<uint64_t> in_flight_peak{0};
  mutable std::atomic<uint64_t> backlog_peak{0};
};

// The peak since the last call (at least the gauge's value now), starting the next interval.
inline uint64_t take_peak(std::atomic<uint64_t>& peak, const std::atomic<uint64_t>& gauge) {
  const uint64_t now = gauge.load(std::memory_order_relaxed);
  return std::max(peak.exchange(0, std::memory_order_relaxed), now);
}

class Worker final : private InFlightSink, private PoolListener {
 public:
  // `target`, `tls` (null for http) and `clock` must outlive the worker. The clock must be
  // the one connections stamp events with (uv_hrtime()'s): SteadyClock in a run.
  Worker(WorkerConfig config, const client::Target& target, tls::TlsContext* tls,
         const Clock& clock);
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the thread. `run_start_ns` is second 0 of the timeline, on the clock; `load_end_ns`
  // the end of the offered load when set (--duration, a rate schedule's end): requests due
  // before it and not sent a moment after it are abandoned. 0: the end is the last request's
  // intended time (finish_input tells it). After the end, requests may still complete (and
  // session steps go out) for `drain_ns`; then what is left is abandoned.
  void start(int64_t run_start_ns, int64_t load_end_ns, int64_t drain_ns);
  // Feeder thread: hands over a request (ownership passes on success, and `request` is then
  // null); false when the ring is full. Any order of intended times is accepted; earlier ones
  // go out first. The worker looks at its input at each wake-up and tick; one due sooner than
  // two ticks from now wakes it.
  bool try_push(RequestPtr& request);
  // Feeder thread: no more requests will come (the last one intended at `last_intended_ns`);
  // the worker ends when all are finished or abandoned.
  void finish_input(int64_t last_intended_ns) {
    last_intended_ns_.store(last_intended_ns, std::memory_order_relaxed);
    input_done_.store(true, std::memory_order_release);
    wake_for_input();
  }
  // Any thread: stop now (Ctrl-C, SIGTERM): every request due and not yet answered is counted
  // as abandoned, at the time it was given up, as a lower bound of its latency.
  void request_stop() {
    stop_.store(true, std::memory_order_release);
    wake_for_input();
  }
  // Any thread: stop now without counting anything more (the run failed).
  void request_abort() {
    silent_stop_.store(true, std::memory_order_release);
    stop_.store(true, std::memory_order_release);
    wake_for_input();
  }
  // Waits for the thread to end.
  void join();
  // Any thread: the worker has finished (its loop has ended).
  bool done() const { return done_.load(std::memory_order_acquire); }

  const LiveCounters& live() const { return live_; }
  // Main thread (the only consumer): the seconds the worker closed, for the live latency.
  IntervalOutbox& closed_seconds() { return closed_seconds_; }
  // After join(): the worker's measurements (moved out).
  WorkerResults take_results() { return std::move(results_); }

 private:
  void run_loop();
  // Any thread: makes the loop look at its input and flags soon (once until it has).
  void wake_for_input();
  void on_wakeup();
  void on_input_ready();
  void on_check();
  void on_tick();
  void pull_input();
  void dispatch_due(int64_t now_ns);
  void arm_wakeup(int64_t now_ns);
  // Requests that can be on the wire at once: the connections, times their streams (HTTP/2).
  size_t request_capacity() const;
  // Stops the timer (and empties it, so a fired timer stops waking the loop).
  void disarm_wakeup();
  void update_read_mode(int64_t now_ns);
  void harvest_if_lazy();
  void admit_session_step(RequestPtr request, int64_t now_ns);
  // --users: a user's step, as it comes from the input, joins its user's line (or, the user
  // free, goes to pending_ for its time).
  void admit_user_step(RequestPtr request, int64_t now_ns);
  // --users: a step the session runner released (or null): to pending_, unless it starts a
  // session of a retired user (then the user's line is dropped) or comes past the load's end.
  void queue_released(RequestPtr next, int64_t now_ns);
  // --users: the step starts one of its user's sessions: the board hears of it; false (and the
  // user's line dropped) when the user is retired.
  bool begin_user_session(const PreparedRequest& step);
  // A poll step whose response did not meet its condition: the same request again, released
  // poll->every_us from now (its session stays busy with it).
  void poll_again(const InFlight& f, int64_t now_ns);
  void start_request(RequestPtr request, int64_t now_ns);
  // Counts a step that will not be sent (its session was aborted).
  void count_aborted(const PreparedRequest& step, bool offered_counted);
  // The same for steps handed back by the session runner, none of them offered yet.
  void count_aborted(const std::vector<RequestPtr>& steps);
  void count_offered(const PreparedRequest& request);
  void maybe_finish();
  void shut_down();
  // The end of the offered load, once known (0 before).
  int64_t load_end_ns() const;
  // At each tick: past the load's end, gives up what was not sent; past the drain, or when
  // stopped, gives up everything.
  void check_end(int64_t now_ns);
  // Counts every request due by `due_by_ns` and not yet sent as abandoned (the rest is not
  // offered: it is dropped), and from now on does the same with what arrives.
  void abandon_unsent(int64_t now_ns, int64_t due_by_ns);
  void abandon_request(RequestPtr request, int64_t now_ns, bool offered_counted);
  // abandon_unsent, then every request in flight, then shuts down.
  void abandon_everything(int64_t now_ns, int64_t due_by_ns);
  void release(InFlight& request);

  // InFlightSink
  void on_sent(InFlight& request, int64_t sent_ns) override;
  void on_event(InFlight& request, bool first, int64_t elapsed_ns) override;
  void on_ended(InFlight& request, int64_t now_ns, int status, uint64_t bytes,
                const client::FailureCause* cause) override;
  void note_eager_reads(int change) override;
  bool wants_body_sample(const InFlight& request, int status) override;
  llm::ContentParser* content_parser() override { return &content_parser_; }
  void on_content_gap(InFlight& request, int64_t now_ns, int64_t gap_ns) override;
  // PoolListener
  void on_load_changed(size_t in_flight, size_t backlog) override;

  WorkerConfig config_;
  llm::ContentParser content_parser_{config_.stream};
  const client::Target& target_;
  tls::TlsContext* tls_;
  const Clock& clock_;
  SpscRing<PreparedRequest> input_;
  std::atomic<bool> input_done_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> silent_stop_{false};
  std::atomic<int64_t> last_intended_ns_{0};
  std::atomic<bool> done_{false};
  // The feeder's wake-up call: an eventfd the loop watches, written once until the worker
  // has taken it (open from start() to the destructor, so a late write is harmless).
  int input_ready_fd_ = -1;
  std::atomic<bool> input_ready_pending_{false};
  LiveCounters live_;
  IntervalOutbox closed_seconds_;
  std::thread thread_;
  int64_t run_start_ns_ = 0;
  int64_t load_end_ns_ = 0;
  int64_t drain_ns_ = 0;

  // Loop-thread state.
  uv_loop_t loop_{};
  int timer_fd_ = -1;
  int64_t armed_at_ns_ = 0;  // when the timerfd fires next; 0: not armed
  uint64_t offered_at_last_tick_ = 0;
  WakeSchedule wakes_;
  uv::UvHandle<uv_poll_t> wakeup_;
  uv::UvHandle<uv_poll_t> input_ready_;
  uv::UvHandle<uv_check_t> check_;
  uv::UvHandle<uv_timer_t> tick_;
  std::unique_ptr<client::ReadPoller> reads_;
  std::unique_ptr<ConnectionPool> pool_;
  std::optional<Recorder> recorder_;
  UserLatency user_latency_;        // --users
  std::unique_ptr<WsSessions> ws_;  // WebSocket sessions (records with "ws")
  SessionRunner sessions_;
  size_t eager_read_holders_ = 0;  // see note_eager_reads
  int64_t last_dispatch_ns_ = 0;   // the last dispatch_due round
  PendingQueue<PreparedRequest> pending_;
  std::vector<std::unique_ptr<InFlight>> requests_;  // every InFlight made, reused
  std::vector<InFlight*> free_requests_;
  bool shutting_down_ = false;
  bool unsent_abandoned_ = false;  // past the load's end: arrivals are abandoned, not sent
  int64_t abandon_due_by_ns_ = 0;  // with unsent_abandoned_: what is due by then is counted
  bool abandoning_ = false;        // requests failing now are counted as abandoned
  bool dispatching_ = false;       // inside dispatch_due
  WorkerResults results_;
};

}  // namespace replay::engine
