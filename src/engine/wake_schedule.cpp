#include "wake_schedule.hpp"

#include <algorithm>

namespace replay::engine {
namespace {

constexpr int64_t kIdlePollNs = 1'000'000;  // how often an idle worker looks at its input
// The wake-up gap per request per second of recent send rate: 25 ns gives 125 us at 5k/s
// and 500 us at 20k/s.
constexpr int64_t kGapPerRateNs = 25;
// Responses wait for the next wake-up when it is due within this long.
constexpr int64_t kLazyReadHorizonNs = 2'000'000;

}  // namespace

void WakeSchedule::update_gap(int64_t sent_per_s) {
  int64_t gap_ns = sent_per_s * kGapPerRateNs;
  if (sent_per_s > 0) {
    const auto quarter_pool =
        static_cast<int64_t>(std::max<size_t>(1, limits_.max_connections / 4));
    gap_ns = std::min(gap_ns, quarter_pool * 1'000'000'000 / sent_per_s);
  }
  gap_ns_ = std::clamp(gap_ns, limits_.gap_min_ns, limits_.gap_max_ns);
}

int64_t WakeSchedule::next_wake_ns(int64_t now_ns, std::optional<int64_t> earliest_due_ns) const {
  const int64_t at = earliest_due_ns ? *earliest_due_ns : now_ns + kIdlePollNs;
  return std::max(at, now_ns + gap_ns_);
}

bool read_eagerly(const ReadState& s) {
  if (s.event_streams_open || !s.stamps_exact) return true;
  if (!s.until_next_send_ns || *s.until_next_send_ns > kLazyReadHorizonNs) return true;
  return (s.in_flight + s.backlog) * 2 > s.max_connections;
}

}  // namespace replay::engine
