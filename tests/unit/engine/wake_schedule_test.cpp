#include "wake_schedule.hpp"

#include <doctest/doctest.h>

namespace replay::engine {
namespace {

constexpr int64_t kUs = 1'000;
constexpr int64_t kMs = 1'000'000;

}  // namespace

TEST_CASE("WakeSchedule: the gap is the longest unless a quarter of the connections is less") {
  WakeSchedule wakes(WakeLimits{100 * kUs, 300 * kUs, 1000});
  CHECK(wakes.gap_ns() == 100 * kUs);  // before any rate is known
  struct Case {
    int64_t per_s;
    int64_t gap_ns;
  };
  // 250 connections a wake-up: 300 us up to about 830k/s.
  for (const Case c :
       {Case{0, 300 * kUs}, Case{200, 300 * kUs}, Case{5'000, 300 * kUs}, Case{20'000, 300 * kUs},
        Case{1'000'000, 250 * kUs}, Case{10'000'000, 100 * kUs}}) {
    CAPTURE(c.per_s);
    wakes.update_gap(c.per_s);
    CHECK(wakes.gap_ns() == c.gap_ns);
  }
}

TEST_CASE("WakeSchedule: one wake-up sends at most a quarter of the connections") {
  WakeSchedule wakes(WakeLimits{100 * kUs, 300 * kUs, 8});
  wakes.update_gap(20'000);  // 2 connections per wake-up: 100 us at 20k/s
  CHECK(wakes.gap_ns() == 100 * kUs);
  WakeSchedule wider(WakeLimits{10 * kUs, 300 * kUs, 8});
  wider.update_gap(20'000);
  CHECK(wider.gap_ns() == 100 * kUs);
  wider.update_gap(10'000);
  CHECK(wider.gap_ns() == 200 * kUs);
}

TEST_CASE("WakeSchedule: the next wake-up is the earliest due request, a gap from now at least") {
  WakeSchedule wakes(WakeLimits{100 * kUs, 300 * kUs, 1000});
  const int64_t now = 10 * kMs;
  CHECK(wakes.next_wake_ns(now, now + 5 * kMs) == now + 5 * kMs);
  CHECK(wakes.next_wake_ns(now, now + 50 * kUs) == now + 100 * kUs);
  CHECK(wakes.next_wake_ns(now, now - 1 * kMs) == now + 100 * kUs);  // overdue
  CHECK(WakeSchedule::should_rearm(0, now));
  CHECK(WakeSchedule::should_rearm(now + 2 * kMs, now + 1 * kMs));
  CHECK_FALSE(WakeSchedule::should_rearm(now + 1 * kMs, now + 2 * kMs));
  CHECK_FALSE(WakeSchedule::should_rearm(now + 1 * kMs, now + 1 * kMs));
}

TEST_CASE("read_eagerly: responses wait for a wake-up due soon, unless they cannot") {
  ReadState lazy{.until_next_send_ns = 1 * kMs, .in_flight = 10, .max_connections = 100};
  CHECK_FALSE(read_eagerly(lazy));
  ReadState s = lazy;
  s.until_next_send_ns = 2 * kMs;  // a send within 2 ms reads them
  CHECK_FALSE(read_eagerly(s));
  s.until_next_send_ns = 3 * kMs;  // no send soon: read now
  CHECK(read_eagerly(s));
  s = lazy;
  s.until_next_send_ns = std::nullopt;  // nothing pending
  CHECK(read_eagerly(s));
  s = lazy;
  s.event_streams_open = true;
  CHECK(read_eagerly(s));
  s = lazy;
  s.shared_sockets = true;  // HTTP/2: a late read would time many responses by the last
  CHECK(read_eagerly(s));
  s = lazy;
  s.stamps_exact = false;
  CHECK(read_eagerly(s));
  s = lazy;
  s.in_flight = 40;
  s.backlog = 11;  // more than half the connections taken
  CHECK(read_eagerly(s));
  s.backlog = 10;
  CHECK_FALSE(read_eagerly(s));
}

}  // namespace replay::engine
