#pragma once
// Puts recorded requests into the trace in the order they arrived, although their responses
// finish in any order, without holding a record back for long.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "replay/trace/record.hpp"

namespace replay::record {

// A request's record while its response is observed. The proxy fills `record.response` as
// bytes arrive and sets `finished` at the end; ArrivalOrder decides when it is written.
struct PendingRecord {
  trace::Record record;     // request fields set on arrival; offset_us set by ArrivalOrder
  uint64_t arrived_ns = 0;  // first byte of the request (uv_hrtime clock)
  uint64_t sent_ns = 0;     // forwarded upstream; 0 while not yet
  bool finished = false;    // the response completed, failed or was abandoned
  bool released = false;    // handed to the sink (set by ArrivalOrder)
};

// Not thread-safe: the loop thread owns it. Records leave in admission order. A finished
// record leaves as soon as every earlier one has left; an unfinished one at the front leaves
// once it has been in flight for `window_ns`, with its response as observed so far (status,
// TTFB, bytes and events so far, duration up to that moment): it is counted as partial.
// So no record waits behind a long stream for more than the window.
class ArrivalOrder {
 public:
  // Receives each record as it leaves; `partial` as described above.
  using Emit = std::function<void(trace::Record&& record, bool partial)>;

  ArrivalOrder(uint64_t window_ns, Emit emit) : window_ns_(window_ns), emit_(std::move(emit)) {}

  // Appends a request (in dispatch order) and sets its offset: arrived_ns relative to the
  // first request admitted, in µs, never less than the previous record's offset.
  void admit(std::shared_ptr<PendingRecord> pending);
  // Emits every record that is due at `now_ns`.
  void release(uint64_t now_ns);
  // Emits every record, finished or not (at shutdown).
  void release_all(uint64_t now_ns);

  size_t waiting() const { return queue_.size(); }
  uint64_t partial_count() const { return partial_; }

 private:
  void emit_front(uint64_t now_ns);

  uint64_t window_ns_;
  Emit emit_;
  std::deque<std::shared_ptr<PendingRecord>> queue_;
  bool have_first_ = false;
  uint64_t first_arrived_ns_ = 0;
  int64_t last_offset_us_ = 0;
  uint64_t partial_ = 0;
};

}  // namespace replay::record
