#include "live_latency.hpp"

#include <doctest/doctest.h>

#include <cstdint>

#include "clock.hpp"
#include "recorder.hpp"

namespace replay::engine {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000 * kMs;
constexpr int64_t kStart = 7 * kSecond;  // second 0 of the run, on the simulated clock

// One worker's side: its recorder and the outbox it closes seconds into.
struct FakeWorker {
  IntervalOutbox outbox;
  Recorder recorder{kStart, &outbox};

  // A request that ended at `clock`'s time after `latency_ms` (corrected), answered or failed.
  void end_request(const ManualClock& clock, int64_t latency_ms, bool failed = false) {
    const int64_t now = clock.now_ns();
    if (failed) {
      recorder.record_failure(Failure{.intended_ns = now - latency_ms * kMs, .failed_ns = now});
    } else {
      recorder.record_completion(Completion{.intended_ns = now - latency_ms * kMs,
                                            .sent_ns = now - latency_ms * kMs,
                                            .completed_ns = now,
                                            .status = 200});
    }
  }
};

int64_t p99_of(const std::string& serialised) {
  return Histogram::deserialise(serialised).value().value_at_percentile(99);
}

}  // namespace

TEST_CASE("LiveLatency: a second's p99 is merged over the workers, not their largest p99") {
  ManualClock clock(kStart);
  FakeWorker a, b;
  // Second 3 holds 1..100 ms: 1..50 on worker a, 51..100 on b (100 ms as a failure).
  for (int64_t ms = 1; ms <= 100; ++ms) {
    clock.set_ns(kStart + 3 * kSecond + ms * kMs);
    (ms <= 50 ? a : b).end_request(clock, ms, ms == 100);
  }
  clock.set_ns(kStart + 5 * kSecond + 50 * kMs);  // second 3 ended more than a second ago
  a.recorder.close_seconds_before(clock.now_ns());
  b.recorder.close_seconds_before(clock.now_ns());

  // What the live view showed before: the largest of the workers' own p99s.
  auto a_second = a.outbox.take();
  auto b_second = b.outbox.take();
  REQUIRE(a_second);
  REQUIRE(b_second);
  const int64_t max_of_p99s = std::max(p99_of(a_second->corrected), p99_of(b_second->corrected));
  CHECK(max_of_p99s == 100'000);  // b's p99 is its maximum

  // Handed over again (the rings were just emptied): the merged figure.
  a.outbox.publish(a_second->second, a_second->corrected, a_second->service);
  b.outbox.publish(b_second->second, b_second->corrected, b_second->service);
  LiveLatency live;
  live.collect(a.outbox, false);
  live.collect(b.outbox, false);
  const LiveLatency::Figure f = live.settle();
  CHECK(f.second == 3);
  CHECK(f.count == 100);
  CHECK(f.p99_us == Histogram::highest_equivalent_value(99'000));  // 99.0 ms
  CHECK(f.p50_us == Histogram::highest_equivalent_value(50'000));
  CHECK(f.p99_us < max_of_p99s);
  CHECK(live.dropped() == 0);
  // Service time, merged the same way: the 99 completions' 1..99 ms (the failure has none).
  CHECK(f.service_p99_us >= 98'000);
  CHECK(f.service_p99_us <= Histogram::highest_equivalent_value(99'000));
  CHECK(f.service_p50_us >= 49'000);
  CHECK(f.service_p50_us <= Histogram::highest_equivalent_value(50'000));
}

TEST_CASE("LiveLatency: the figure waits for every running worker; a finished one holds nothing") {
  ManualClock clock(kStart);
  FakeWorker a, b;
  clock.set_ns(kStart + 500 * kMs);
  a.end_request(clock, 10);
  b.end_request(clock, 30);
  clock.set_ns(kStart + 2100 * kMs);
  a.recorder.close_seconds_before(clock.now_ns());  // a closed second 0; b has not yet
  LiveLatency live;
  live.collect(a.outbox, false);
  live.collect(b.outbox, false);
  CHECK(live.settle().second == -1);
  b.recorder.close_seconds_before(clock.now_ns());
  live.collect(a.outbox, false);
  live.collect(b.outbox, false);
  LiveLatency::Figure f = live.settle();
  CHECK(f.second == 0);
  CHECK(f.count == 2);
  CHECK(f.p99_us == 30'000);

  // Seconds 1 and 2 hold nothing: they still close, with no latency. b has ended, so a alone
  // moves the figure.
  clock.set_ns(kStart + 3100 * kMs);
  a.end_request(clock, 5);
  clock.set_ns(kStart + 4200 * kMs);
  a.recorder.close_seconds_before(clock.now_ns());
  live.collect(a.outbox, false);
  live.collect(b.outbox, true);
  f = live.settle();
  CHECK(f.second == 2);
  CHECK(f.count == 0);
  CHECK(f.p99_us == 0);
  clock.set_ns(kStart + 5200 * kMs);
  a.recorder.close_seconds_before(clock.now_ns());
  live.collect(a.outbox, false);
  live.collect(b.outbox, true);
  f = live.settle();
  CHECK(f.second == 3);
  CHECK(f.count == 1);
  CHECK(f.p99_us == 5'000);
}

TEST_CASE("LiveLatency: a worker never waits; what the main thread did not take is counted") {
  ManualClock clock(kStart);
  FakeWorker a;
  // 12 seconds closed while nobody takes them: the ring keeps 8, the other 4 are dropped.
  for (int64_t second = 0; second < 12; ++second) {
    clock.set_ns(kStart + second * kSecond + 100 * kMs);
    a.end_request(clock, second + 1);
  }
  clock.set_ns(kStart + 13 * kSecond + 100 * kMs);
  a.recorder.close_seconds_before(clock.now_ns());
  CHECK(a.outbox.dropped() == 4);
  LiveLatency live;
  live.collect(a.outbox, false);
  const LiveLatency::Figure f = live.settle();
  CHECK(f.second == 11);
  CHECK(f.count == 0);  // second 11 was dropped: no figure rather than a wrong one
  // The 8 taken seconds were more than the merger holds: 4 of them pushed out, counted too.
  CHECK(live.dropped() == 4 + (IntervalOutbox::kCapacity - LiveLatency::kMaxPending));
  CHECK(a.outbox.take() == nullptr);
}

}  // namespace replay::engine

namespace replay::engine {

TEST_CASE("LiveLatency: so_far holds every settled second once, merged over the workers") {
  ManualClock clock(kStart);
  FakeWorker a, b;
  // Seconds 0 and 1: a has 10 ms requests, b 1 s ones (as failures in second 1).
  for (int64_t second = 0; second < 2; ++second) {
    for (int i = 0; i < 10; ++i) {
      clock.set_ns(kStart + second * kSecond + (i + 1) * 50 * kMs);
      a.end_request(clock, 10);
      b.end_request(clock, 1000, second == 1);
    }
  }
  LiveLatency live;
  clock.set_ns(kStart + 2 * kSecond + 100 * kMs);  // second 0 ended more than a second ago
  for (FakeWorker* w : {&a, &b}) {
    w->recorder.close_seconds_before(clock.now_ns());
    live.collect(w->outbox, false);
  }
  live.settle();
  CHECK(live.so_far().count() == 20);
  live.settle();  // nothing new: nothing counted twice
  CHECK(live.so_far().count() == 20);
  clock.set_ns(kStart + 3 * kSecond + 100 * kMs);
  for (FakeWorker* w : {&a, &b}) {
    w->recorder.close_seconds_before(clock.now_ns());
    live.collect(w->outbox, false);
  }
  live.settle();
  CHECK(live.so_far().count() == 40);
  CHECK(live.so_far().value_at_percentile(50) == Histogram::highest_equivalent_value(10'000));
  CHECK(live.so_far().max() == 1'000'000);
}

}  // namespace replay::engine
