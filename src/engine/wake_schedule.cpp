#include "wake_schedule.hpp"

#include <algorithm>

namespace replay::engine {
namespace {

// Responses wait for the next wake-up when it is due within this long: their kernel stamps
// keep the times exact, and a wake-up of its own per response costs as much as a send. Not
// longer: a response larger than the socket's buffer stalls the server until it is read (a
// 50 ms horizon added 8 ms to the p50 of 4 MiB bodies from nginx), and a session step's answer
// releases the next step.
constexpr int64_t kLazyReadHorizonNs = 2'000'000;

}  // namespace

void WakeSchedule::update_gap(int64_t sent_per_s) {
  int64_t gap_ns = limits_.gap_max_ns;
  if (sent_per_s > 0) {
    const auto quarter_pool =
        static_cast<int64_t>(std::max<size_t>(1, limits_.max_connections / 4));
    gap_ns = std::min(gap_ns, quarter_pool * 1'000'000'000 / sent_per_s);
  }
  gap_ns_ = std::clamp(gap_ns, limits_.gap_min_ns, limits_.gap_max_ns);
}

int64_t WakeSchedule::next_wake_ns(int64_t now_ns, int64_t earliest_due_ns) const {
  return std::max(earliest_due_ns, now_ns + gap_ns_);
}

bool read_eagerly(const ReadState& s) {
  if (s.event_streams_open || !s.stamps_exact || s.shared_sockets) return true;
  if (!s.until_next_send_ns || *s.until_next_send_ns > kLazyReadHorizonNs) return true;
  return (s.in_flight + s.backlog) * 2 > s.max_connections;
}

}  // namespace replay::engine
