#pragma once
// A worker's connections to the target: a request goes out on an idle keep-alive connection,
// on a new one while the pool is under its cap, or else waits in a FIFO backlog for the next
// connection to free up (or close, making room for a new one).

#include <uv.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "clock.hpp"
#include "in_flight.hpp"
#include "replay/client/connection.hpp"
#include "replay/client/h2_connection.hpp"
#include "replay/client/read_poller.hpp"

namespace replay::engine {

struct PoolOptions {
  size_t max_connections = 1000;
  int64_t connect_timeout_ms = 10000;
  int64_t timeout_ms = 30000;
  // HTTP/2 (target.http2): requests share connections, up to this many streams on each (and
  // no more than the server's SETTINGS_MAX_CONCURRENT_STREAMS).
  uint32_t max_streams = 100;
};

// HTTP/2 connections of a pool: how many, the streams they carried, and the most at once.
struct StreamStats {
  uint64_t connections = 0;         // HTTP/2 connections that opened a stream
  uint64_t streams = 0;             // streams opened on them
  uint64_t most_on_connection = 0;  // the most streams one connection carried
  uint64_t peak_concurrent = 0;     // the most streams open at once on one connection
};

// What the pool tells its owner; calls come on the loop thread.
class PoolListener {
 public:
  virtual ~PoolListener() = default;
  // Requests on the wire or waiting for a connection changed (gauges for the timeline).
  virtual void on_load_changed(size_t in_flight, size_t backlog) = 0;
};

// Loop thread only; non-movable. `loop`, `target`, `tls` (null for http), `reads` (may be
// null: libuv reads), `clock` (uv_hrtime()'s) and `listener` must outlive the pool. Requests handed
// to submit() are not owned: they must live until their on_ended (or, after close_all,
// take_backlog()).
class ConnectionPool {
 public:
  ConnectionPool(uv_loop_t* loop, const client::Target& target, tls::TlsContext* tls,
                 client::ReadPoller* reads, PoolOptions options, const Clock& clock,
                 PoolListener& listener);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Sends `request` now (`now_ns`) on a connection, or keeps it in the backlog until one is
  // free.
  void submit(InFlight& request, int64_t now_ns);
  // Batching a wake-up's sends: between begin_batch() and end_batch() an HTTP/2 connection
  // writes the requests it takes in one go at end_batch() (HTTP/1.1 sends one per
  // connection: nothing to batch).
  void begin_batch() { batching_ = true; }
  void end_batch();
  // A request sent through the pool ended (its connection frees up by itself).
  void note_request_ended();
  // Lazy reads: reads every response that has arrived. A small pool reads the connections
  // awaiting an answer directly (no epoll bookkeeping per response); a large one asks epoll.
  void harvest();
  // Lets epoll report what direct harvests do not read (an idle connection the server
  // closed); destroys connections that closed since the last call. Once in a while.
  void maintain();
  // Closes every connection; requests in flight get on_failed(closed_early). The backlog is
  // left for take_backlog().
  void close_all();
  std::deque<InFlight*> take_backlog();

  size_t in_flight() const { return in_flight_; }
  size_t backlog() const { return backlog_.size(); }
  size_t open_connections() const { return slots_.size(); }
  size_t max_connections() const { return options_.max_connections; }
  bool has_idle() const { return !idle_.empty(); }
  // Connections whose TCP connection was established (open or since closed), and attempts
  // that never were (refused, timed out, no file descriptor).
  uint64_t connections_established() const;
  uint64_t connections_failed() const { return attempts_ - connections_established(); }
  // The open-file limit stopped the pool from opening connections: how many it held then,
  // and how many requests have had to wait for a connection because of it since.
  bool descriptor_limited() const { return descriptor_cap_ < options_.max_connections; }
  size_t descriptor_cap() const { return descriptor_cap_; }
  uint64_t waited_for_descriptors() const { return waited_for_descriptors_; }
  uint64_t tls_handshakes() const { return tls_handshakes_; }
  uint64_t tls_resumed() const { return tls_resumed_; }
  // Requests handed to a connection, and (HTTP/2) what the streams were, open ones included.
  uint64_t requests_assigned() const { return requests_assigned_; }
  StreamStats stream_stats() const;

 private:
  class Slot;
  friend class Slot;

  // `now_ns`: the clock's time, 0 to read it.
  void send_on(Slot& slot, InFlight& request, int64_t now_ns = 0);
  // A new connection, unless the pool is at its cap (or at the open-file limit: the cap
  // drops to what is open and stays there, so a full descriptor table is not retried in a
  // loop).
  Slot* open_slot();
  size_t cap() const { return std::min(options_.max_connections, descriptor_cap_); }
  void on_slot_idle(Slot& slot);
  void on_slot_closed(Slot& slot);
  void list_if_free(Slot& slot);
  void add_stream_stats(const Slot& slot, StreamStats& stats) const;
  void notify();

  uv_loop_t* loop_;
  const client::Target& target_;
  tls::TlsContext* tls_;
  client::ReadPoller* reads_;
  PoolOptions options_;
  const Clock& clock_;
  PoolListener& listener_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> idle_;
  std::vector<std::unique_ptr<Slot>> closed_slots_;  // destroyed by maintain()
  std::vector<Slot*> harvest_list_;                  // reused by harvest()
  std::vector<Slot*> corked_;                        // HTTP/2 slots holding a batch's writes
  bool batching_ = false;
  std::deque<InFlight*> backlog_;
  size_t in_flight_ = 0;
  uint64_t attempts_ = 0;
  uint64_t established_closed_ = 0;  // established connections that have since closed
  size_t descriptor_cap_ = SIZE_MAX;
  // Descriptors held back (/dev/null) and given back at the open-file limit, so the process
  // keeps a few for its outputs (and for sanitizers, which need a pipe to check memory).
  std::array<int, 4> reserved_descriptors_{-1, -1, -1, -1};
  uint64_t waited_for_descriptors_ = 0;
  uint64_t tls_handshakes_ = 0;
  uint64_t tls_resumed_ = 0;
  uint64_t requests_assigned_ = 0;
  StreamStats closed_streams_;  // of connections that have closed
  bool closing_ = false;
};

}  // namespace replay::engine
