#pragma once
// When a worker wakes up to send, and whether it reads responses as they arrive or at its
// next wake-up. Pure decisions on given times and counts, so they are tested without a loop.
//
// A wake-up costs tens of microseconds of CPU (most of it the context switch and waking the
// server's thread on another core), so a wake-up sends everything due by then and the next
// comes no sooner than a gap later: requests spaced wider than the gap go out each on its own
// wake-up, closer ones share one. The gap bounds replay's own send lag: at
// 300 us, send lag p99 stays near 0.3 ms and the median near 0.15 ms at 20k requests/s. It is
// shorter where one wake-up would otherwise send more than a quarter of the connections.

#include <cstdint>
#include <optional>

namespace replay::engine {

struct WakeLimits {
  int64_t gap_min_ns = 100'000;
  int64_t gap_max_ns = 300'000;
  // Requests that can be on the wire at once: the connections, times the streams each takes
  // over HTTP/2.
  size_t max_connections = 1000;
};

class WakeSchedule {
 public:
  explicit WakeSchedule(WakeLimits limits) : limits_(limits), gap_ns_(limits.gap_min_ns) {}

  // The gap for `sent_per_s`, the send rate of the last interval: the longest, unless that
  // would send more than a quarter of the connections at once.
  void update_gap(int64_t sent_per_s);
  int64_t gap_ns() const { return gap_ns_; }

  // When to wake next for sending: the earliest pending request's intended time, but never
  // sooner than one gap from now. With nothing pending a worker sets no wake-up: its input
  // comes a second ahead (Feeder::kLookaheadNs), so its tick looks at it often enough, and the
  // feeder wakes it for anything due sooner.
  int64_t next_wake_ns(int64_t now_ns, int64_t earliest_due_ns) const;
  // The timer is armed for `armed_ns` (0: not armed): whether to re-arm it for `wanted_ns`.
  // Re-arming costs a system call, so a later target than the one armed waits for that
  // wake-up, which re-arms for it.
  static bool should_rearm(int64_t armed_ns, int64_t wanted_ns) {
    return armed_ns == 0 || wanted_ns < armed_ns;
  }

 private:
  WakeLimits limits_;
  int64_t gap_ns_;
};

// What the read-mode decision looks at.
struct ReadState {
  bool event_streams_open = false;  // a response is (or will likely be) an event stream
  bool stamps_exact = true;         // the kernel stamps receives, so a late read is exact
  // Responses share a socket (HTTP/2 streams): one late read would stamp every response it
  // takes with the arrival of the last, not each with its own.
  bool shared_sockets = false;
  std::optional<int64_t> until_next_send_ns;  // none: nothing pending
  size_t in_flight = 0;
  size_t backlog = 0;
  size_t max_connections = 1;
};

// Reads at once unless a wake-up for sending is due within 2 ms anyway (it reads them then,
// with their kernel stamps). Always at once for event streams (timed event by event), without
// receive stamps, over shared sockets (HTTP/2), and when half the connections are taken (a
// connection is free again only once its response is read).
bool read_eagerly(const ReadState& state);

}  // namespace replay::engine
