#pragma once
// One replay worker: a thread running its own libuv loop, which sends each request it is given
// at the request's intended time (on an idle keep-alive connection, a new one up to its cap, or
// else from a FIFO backlog), and measures it. Owns its connections and statistics: nothing on
// its hot path is shared with other threads except the input ring and relaxed counters.

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "replay/client/connection.hpp"
#include "replay/engine/run_stats.hpp"
#include "replay/engine/spsc_ring.hpp"
#include "replay/uv/handle.hpp"

namespace replay::engine {

// A request ready to send. Created by the feeder, owned by the worker once pushed.
struct PreparedRequest {
  client::WireBytes wire;
  int64_t intended_ns = 0;  // absolute, on uv_hrtime()'s clock
  uint32_t tag_id = 0;
  uint32_t endpoint_id = 0;
};

struct WorkerConfig {
  size_t max_connections = 1000;
  int64_t timeout_ms = 30000;
  int64_t connect_timeout_ms = 10000;
  size_t input_capacity = 1 << 16;
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
  std::vector<ScopeStats> by_tag;       // index = tag_id
  std::vector<ScopeStats> by_endpoint;  // index = endpoint_id
  std::vector<TimelineRow> timeline;    // index = second since run start
  uint64_t connections_opened = 0;
};

class Worker {
 public:
  // `target` and `tls` (null for http) must outlive the worker.
  Worker(const WorkerConfig& config, const client::Target& target, tls::TlsContext* tls);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the thread; `run_start_ns` is the uv_hrtime() of second 0 of the timeline.
  void start(int64_t run_start_ns);
  // Feeder thread: hands over a request (ownership passes on success); false when the ring is
  // full. Requests must come in nondecreasing intended time (late ones are sent at once).
  bool try_push(PreparedRequest* request) { return input_.try_push(request); }
  // Feeder thread: no more requests will come; the worker ends when all are finished.
  void finish_input() { input_done_.store(true, std::memory_order_release); }
  // Any thread: stop now (Ctrl-C); requests in flight are abandoned and not counted.
  void request_stop() { stop_.store(true, std::memory_order_release); }
  // Waits for the thread to end.
  void join();
  // Any thread: the worker has finished (its loop has ended or is closing).
  bool done() const { return done_.load(std::memory_order_acquire); }

  const LiveCounters& live() const { return live_; }
  // After join(): the worker's measurements (moved out).
  WorkerResults take_results() { return std::move(results_); }

 private:
  class Slot;
  class InFlight;
  friend class Slot;
  friend class InFlight;

  void run_loop();
  void on_wakeup();
  void on_tick();
  void pull_input();
  void dispatch_due(int64_t now_ns);
  void start_request(PreparedRequest* request);
  void send_on(Slot& slot, InFlight* request);
  void on_slot_idle(Slot& slot);
  void on_slot_closed(Slot& slot);
  void on_request_done(InFlight* request, int64_t now_ns, int status, uint64_t bytes,
                       const client::FailureCause* cause);
  void arm_wakeup(int64_t at_ns);
  void maybe_finish();
  void shut_down();
  TimelineRow& row_at(int64_t now_ns);
  void roll_second(int64_t second);
  ScopeStats& tag_stats(uint32_t id);
  ScopeStats& endpoint_stats(uint32_t id);
  void note_in_flight_change(int64_t now_ns);
  void count_sent(InFlight& request, int64_t now_ns);

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
  uv::UvHandle<uv_poll_t> wakeup_;
  uv::UvHandle<uv_timer_t> tick_;
  std::deque<PreparedRequest*> pending_;  // not yet due, in intended order
  std::deque<InFlight*> backlog_;         // due, waiting for a connection
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> idle_;
  std::vector<std::unique_ptr<Slot>> closed_slots_;  // destroyed on the next tick
  std::vector<InFlight*> free_requests_;
  size_t in_flight_ = 0;
  bool shutting_down_ = false;
  int64_t current_second_ = -1;
  Histogram second_corrected_;
  Histogram second_service_;
  WorkerResults results_;
};

}  // namespace replay::engine
