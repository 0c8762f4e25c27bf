#pragma once
// One replay worker: a thread running its own libuv loop, which sends each request it is given
// at the request's intended time (on an idle keep-alive connection, a new one up to its cap, or
// else from a FIFO backlog), and measures it. Steps of one session go out in order, each after
// its predecessor completed, with the values it captured. Owns its connections, sessions and
// statistics: nothing on its hot path is shared with other threads except the input ring and
// relaxed counters.

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "replay/client/connection.hpp"
#include "replay/client/read_poller.hpp"
#include "replay/engine/pending_queue.hpp"
#include "replay/engine/run_stats.hpp"
#include "replay/engine/session.hpp"
#include "replay/engine/spsc_ring.hpp"
#include "replay/uv/handle.hpp"

namespace replay::engine {

// A request ready to send. Created by the feeder, owned by the worker once pushed.
struct PreparedRequest {
  client::WireBytes wire;                        // null when `templ` must be built first
  std::shared_ptr<const RequestTemplate> templ;  // has {{capture}} placeholders
  std::shared_ptr<const std::vector<trace::Capture>> captures;  // to take from the response
  int64_t intended_ns = 0;                                      // absolute, on uv_hrtime()'s clock
  int64_t think_ns = 0;     // scheduled gap after the previous step of its session
  uint64_t session_id = 0;  // 0: not in a session
  uint32_t tag_id = 0;
  uint32_t endpoint_id = 0;
  bool released = false;  // a session step whose predecessor is done: start when due
  // Its response will likely be an event stream: responses are read as they arrive while it
  // is on its way, so its events (and head) are timed one by one from the start.
  bool expects_event_stream = false;
};

struct WorkerConfig {
  size_t max_connections = 1000;
  int64_t timeout_ms = 30000;
  int64_t connect_timeout_ms = 10000;
  size_t input_capacity = 1 << 16;
  // The shortest time between two wake-ups for sending, as a range: requests due within the
  // gap of each other go out in one wake-up. A wake-up costs tens of microseconds of CPU, and
  // the gap is time a request may wait past its intended send time, so the worker picks the
  // gap from its recent send rate: the shortest at low rates (little timer slop where CPU is
  // plentiful), the longest from about 20k requests/s on (tens of requests per wake-up), and
  // short enough that one wake-up sends at most a quarter of max_connections.
  int64_t wake_gap_min_ns = 100'000;
  int64_t wake_gap_max_ns = 500'000;
  client::HeaderList header_overrides;  // -H, for requests built at send time
};

// Counters the main thread reads for the live view (relaxed; approximate while running).
struct LiveCounters {
  std::atomic<uint64_t> offered{0};
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> completed{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> in_flight{0};
  std::atomic<uint64_t> backlog{0};
  std::atomic<int64_t> last_second_p99_us{0};
};

// Everything a worker measured; read after join().
struct WorkerResults {
  ScopeStats overall;
  std::vector<ScopeStats> by_tag;                         // index = tag_id
  std::vector<ScopeStats> by_endpoint;                    // index = endpoint_id
  std::vector<TimelineRow> timeline;                      // index = second since run start
  std::vector<std::vector<TimelineRow>> timeline_by_tag;  // [tag_id][second]
  uint64_t connections_opened = 0;
  uint64_t tls_handshakes = 0;  // connections whose TLS handshake finished
  uint64_t tls_resumed = 0;     // of those, the ones that resumed an earlier session
};

class Worker {
 public:
  // `target` and `tls` (null for http) must outlive the worker.
  Worker(WorkerConfig config, const client::Target& target, tls::TlsContext* tls);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the thread; `run_start_ns` is the uv_hrtime() of second 0 of the timeline.
  void start(int64_t run_start_ns);
  // Feeder thread: hands over a request (ownership passes on success); false when the ring is
  // full. Any order of intended times is accepted; earlier ones go out first.
  bool try_push(PreparedRequest* request) { return input_.try_push(request); }
  // Feeder thread: no more requests will come; the worker ends when all are finished.
  void finish_input() { input_done_.store(true, std::memory_order_release); }
  // Any thread: stop now (Ctrl-C); requests in flight are abandoned and not counted.
  void request_stop() { stop_.store(true, std::memory_order_release); }
  // Waits for the thread to end.
  void join();
  // Any thread: the worker has finished (its loop has ended).
  bool done() const { return done_.load(std::memory_order_acquire); }

  const LiveCounters& live() const { return live_; }
  // After join(): the worker's measurements (moved out).
  WorkerResults take_results() { return std::move(results_); }

 private:
  class Slot;
  class InFlight;
  friend class Slot;
  friend class InFlight;

  struct Session {
    bool busy = false;     // a step is on its way
    bool aborted = false;  // a step failed: later steps are not sent
    CaptureValues values;
    std::deque<PreparedRequest*> waiting;  // due while the previous step was busy
    int64_t last_active_ns = 0;
  };

  void run_loop();
  void on_wakeup();
  void on_check();
  void on_tick();
  void pull_input();
  void dispatch_due(int64_t now_ns);
  void arm_wakeup(int64_t now_ns);
  // Reads responses at once only when no wake-up for sending is due soon (or an event stream
  // is open, whose events are timed one by one); otherwise that wake-up reads them.
  void update_read_mode(int64_t now_ns);
  // Each tick: the wake-up gap for the send rate of the last tick.
  void update_wake_gap();
  // Lazy reads: reads every response that has arrived. A small pool reads the connections
  // awaiting an answer directly (no epoll bookkeeping per response); a large one asks epoll.
  void harvest_responses();
  void start_session_step(PreparedRequest* request, int64_t now_ns);
  void start_request(PreparedRequest* request, int64_t now_ns);
  void send_on(Slot& slot, InFlight* request);
  void on_slot_idle(Slot& slot);
  void on_slot_closed(Slot& slot);
  void count_offered(const PreparedRequest& request);
  void count_sent(InFlight& request, int64_t now_ns);
  void on_request_done(InFlight* request, int64_t now_ns, int status, uint64_t bytes,
                       const client::FailureCause* cause);
  void finish_session_step(PreparedRequest& request, bool succeeded, InFlight* response,
                           int64_t now_ns);
  // Counts a session step that will not be sent (an earlier step failed) and frees it.
  void abort_session_step(PreparedRequest* request, bool offered_counted);
  void prune_sessions(int64_t now_ns);
  void maybe_finish();
  void shut_down();
  TimelineRow& row_at(int64_t now_ns);
  TimelineRow& tag_row_at(uint32_t tag_id, int64_t now_ns);
  void roll_second(int64_t second);
  ScopeStats& tag_stats(uint32_t id);
  ScopeStats& endpoint_stats(uint32_t id);
  void note_in_flight_change(int64_t now_ns);
  // +1 / -1: a request whose response is or may be an event stream starts / ends; while any
  // is on its way responses are read as they arrive.
  void note_eager_reads(int change);

  WorkerConfig config_;
  const client::Target& target_;
  tls::TlsContext* tls_;
  SpscRing<PreparedRequest> input_;
  std::atomic<bool> input_done_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  LiveCounters live_;
  std::thread thread_;
  int64_t run_start_ns_ = 0;

  // Loop-thread state.
  uv_loop_t loop_{};
  int timer_fd_ = -1;
  int64_t armed_at_ns_ = 0;  // when the timerfd fires next; 0: not armed
  int64_t wake_gap_ns_ = 0;  // within config_'s range, from the recent send rate
  uint64_t offered_at_last_tick_ = 0;
  uv::UvHandle<uv_poll_t> wakeup_;
  uv::UvHandle<uv_check_t> check_;
  uv::UvHandle<uv_timer_t> tick_;
  std::unique_ptr<client::ReadPoller> reads_;
  std::vector<Slot*> harvest_list_;  // reused by harvest_responses
  size_t eager_read_holders_ = 0;    // see note_eager_reads
  PendingQueue<PreparedRequest> pending_;
  std::deque<InFlight*> backlog_;  // due, waiting for a connection
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> idle_;
  std::vector<std::unique_ptr<Slot>> closed_slots_;  // destroyed on the next tick
  std::vector<InFlight*> free_requests_;
  std::unordered_map<uint64_t, Session> sessions_;
  size_t in_flight_ = 0;
  size_t waiting_steps_ = 0;  // session steps held in Session::waiting
  bool shutting_down_ = false;
  bool dispatching_ = false;  // inside dispatch_due
  int64_t current_second_ = -1;
  Histogram second_corrected_;
  Histogram second_service_;
  std::vector<Histogram> second_corrected_by_tag_;
  WorkerResults results_;
};

}  // namespace replay::engine
