#pragma once
// When a worker wakes up to send, and whether it reads responses as they arrive or at its
// next wake-up. Pure decisions on given times and counts, so they are tested without a loop.
//
// A wake-up costs tens of microseconds of CPU, and the gap between wake-ups is time a request
// may wait past its intended send time, so the gap follows the recent send rate: the shortest
// at low rates (little timer slop where CPU is plentiful), the longest from about 20k
// requests/s on (about ten requests per wake-up), and short enough that one wake-up sends at
// most a quarter of the connections.

#include <cstdint>
#include <optional>

namespace replay::engine {

struct WakeLimits {
  int64_t gap_min_ns = 100'000;
  int64_t gap_max_ns = 500'000;
  size_t max_connections = 1000;
};

class WakeSchedule {
 public:
  explicit WakeSchedule(WakeLimits limits) : limits_(limits), gap_ns_(limits.gap_min_ns) {}

  // The gap for `sent_per_s`, the send rate of the last interval.
  void update_gap(int64_t sent_per_s);
  int64_t gap_ns() const { return gap_ns_; }

  // When to wake next: the earliest pending request's intended time (or an idle poll), but
  // never sooner than one gap from now.
  int64_t next_wake_ns(int64_t now_ns, std::optional<int64_t> earliest_due_ns) const;
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
  bool event_streams_open = false;            // a response is (or will likely be) an event stream
  bool stamps_exact = true;                   // the kernel stamps receives, so a late read is exact
  std::optional<int64_t> until_next_send_ns;  // none: nothing pending
  size_t in_flight = 0;
  size_t backlog = 0;
  size_t max_connections = 1;
};

// Reads at once unless a wake-up for sending is due soon anyway (it reads them then, with
// their kernel stamps): always for event streams (timed event by event), without receive
// stamps, and when half the connections are taken (a connection is free again only once its
// response is read).
bool read_eagerly(const ReadState& state);

}  // namespace replay::engine
