#pragma once
// The calling thread's side of a run: reads the trace, places every record in time, and hands
// each request to its worker about a second before it is due. At most kMaxStaged placed
// requests wait here, so memory stays bounded whatever the rate; a session's later step read
// ahead of earlier-placed starts still goes out on its own time.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "clock.hpp"
#include "placement.hpp"
#include "prepared_request.hpp"
#include "request_source.hpp"

namespace replay::engine {

// Which worker a session runs on: every session on one worker, sessions spread over all.
size_t worker_for_session(uint64_t session_key, size_t workers) noexcept;

// Where the feeder hands requests: the workers' input rings (feeder thread only).
class RequestSink {
 public:
  virtual ~RequestSink() = default;
  virtual size_t workers() const = 0;
  // Ownership passes (and `request` is null) on success; false when that worker is full.
  virtual bool try_push(size_t worker, RequestPtr& request) = 0;
};

// When a feeder's clock is next wanted by the live view, given the time now.
using FeederTick = std::function<int64_t(int64_t now_ns)>;

// Sleeps on `clock` until `until_ns`, calling `tick` (if any) on its times and waking at least
// every Feeder::kMaxSleepNs to see `interrupt`; false if interrupted. Both feeders wait so.
bool feeder_wait_until(const Clock& clock, const std::atomic<bool>& interrupt,
                       const FeederTick& tick, int64_t until_ns);

class Feeder {
 public:
  using Tick = FeederTick;
  // Everything passed must outlive the feeder. `tick(now_ns)` is called while it waits, and
  // returns when it wants to be called next; `interrupt` ends feeding early (a signal handled on
  // this thread cuts the feeder's sleep short).
  Feeder(const RunConfig& config, RequestSource& source, Placer& placer, RequestSink& sink,
         const Clock& clock, int64_t run_start_ns, const std::atomic<bool>& interrupt, Tick tick);

  // Feeds until the run's time is over, the trace ends (without --loop) or an interrupt.
  // Errors are the trace's (naming file, record and byte).
  Result<void> run();

  uint64_t pushed() const { return pushed_; }
  int64_t last_offset_ns() const { return last_offset_ns_; }
  // The trace ran out (no --loop) before the run's schedule did.
  bool trace_ran_out() const { return trace_ran_out_; }
  // Placed requests held here, at most, since the start (never above kMaxStaged).
  size_t most_staged() const { return most_staged_; }

  // Placed requests waiting in the feeder, at most: bounds its memory.
  static constexpr size_t kMaxStaged = 1 << 16;
  // How long before its intended time a request is handed to its worker, at least (when the
  // feeder keeps up): workers then need not look at their input more often than this.
  static constexpr int64_t kLookaheadNs = 1'000'000'000;
  // The feeder's batching of its wake-ups: each hands over what is due within the lookahead
  // and this much more, and the next comes when the earliest left is a lookahead away, so the
  // feeder wakes about 20 times a second whatever the rate (a wake-up costs tens of
  // microseconds of CPU).
  static constexpr int64_t kBatchNs = 50'000'000;
  // How often the feeder tries again to hand over to a worker whose input is full.
  static constexpr int64_t kFullRetryNs = 1'000'000;
  // The longest the feeder sleeps at once, so an interrupt that comes just before a sleep
  // is still seen soon.
  static constexpr int64_t kMaxSleepNs = 250'000'000;

 private:
  struct Staged {
    int64_t intended_ns;  // the request's, kept here so ordering touches no request
    size_t worker;
    RequestPtr request;
  };
  struct LaterFirst {
    bool operator()(const Staged& a, const Staged& b) const {
      return a.intended_ns > b.intended_ns;
    }
  };
  // Placed requests, earliest first. Starts are placed in time order, so nearly all go to a
  // FIFO; only session steps placed before later starts go through a heap.
  class StagedQueue {
   public:
    bool empty() const { return in_order_.empty() && out_of_order_.empty(); }
    size_t size() const { return in_order_.size() + out_of_order_.size(); }
    void push(Staged item);
    const Staged& top() const { return from_fifo() ? in_order_.front() : out_of_order_.front(); }
    Staged pop();

   private:
    bool from_fifo() const {
      return out_of_order_.empty() || (!in_order_.empty() && in_order_.front().intended_ns <=
                                                                 out_of_order_.front().intended_ns);
    }
    std::deque<Staged> in_order_;
    std::vector<Staged> out_of_order_;  // a min-heap on intended time
  };

  // Reads and places the next record of this shard; false when there is nothing more.
  Result<bool> stage_next();
  // Hands over every staged request due within the lookahead and a batch; false if
  // interrupted.
  bool push_due();
  // Sleeps until `until_ns`, calling the tick on its times; false if interrupted.
  bool wait_until(int64_t until_ns);

  const RunConfig& config_;
  RequestSource& source_;
  Placer& placer_;
  RequestSink& sink_;
  const Clock& clock_;
  int64_t run_start_ns_;
  const std::atomic<bool>& interrupt_;
  Tick tick_;
  StagedQueue staged_;
  uint64_t pass_ = 0;
  uint64_t pushed_ = 0;
  uint64_t sessionless_seen_ = 0;  // picks this shard's share of them, over all passes
  uint64_t mine_in_pass_ = 0;      // records of this shard in the current pass
  unsigned passes_without_mine_ = 0;
  size_t round_robin_ = 0;
  int64_t last_offset_ns_ = 0;
  bool trace_ran_out_ = false;
  size_t most_staged_ = 0;
  int64_t last_staged_ns_ = 0;  // the intended time of the request placed last
  bool sessions_seen_ = false;  // the trace has sessions: read ahead in full
};

}  // namespace replay::engine
