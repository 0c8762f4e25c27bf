// The live counts a recorder hands to its outbox: each event once, in the right scope and
// bucket, handed over once a second (as a second begins), kept (not dropped) while the ring is
// full, and the last piece handed over by finish(), so that the pieces add up to the recorder's own
// results.

#include <doctest/doctest.h>

#include <cstdint>

#include "clock.hpp"
#include "interval_outbox.hpp"
#include "recorder.hpp"

namespace replay::engine {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000 * kMs;
constexpr int64_t kStart = 5 * kSecond;

Completion done(int64_t intended_ns, int64_t sent_ns, int64_t completed_ns, ScopeIds ids,
                int status) {
  return Completion{.ids = ids,
                    .intended_ns = intended_ns,
                    .sent_ns = sent_ns,
                    .completed_ns = completed_ns,
                    .status = status};
}

// Takes every piece from `outbox` and adds them up into `into`; the number of pieces.
int drain(IntervalOutbox& outbox, LiveCounts& into) {
  int pieces = 0;
  while (auto piece = outbox.take_counts()) {
    into.merge(*piece);
    ++pieces;
  }
  return pieces;
}

}  // namespace

TEST_CASE("LiveHistogram: each value in the first bucket whose bound it does not pass") {
  LiveHistogram h;
  h.record(500);         // == the first bound: inclusive, as Prometheus' le
  h.record(501);         // the second bucket (<= 1 ms)
  h.record(45'000);      // (40 ms, 50 ms]
  h.record(61'000'000);  // above every bound
  h.record(-3);          // clamped to 0
  CHECK(h.buckets[0] == 2);
  CHECK(h.buckets[1] == 1);
  CHECK(h.buckets[11] == 1);
  CHECK(kLiveBucketBoundsUs[11] == 50'000);
  CHECK(h.buckets.back() == 1);
  CHECK(h.count == 5);
  CHECK(h.sum_us == 500 + 501 + 45'000 + 61'000'000);
}

TEST_CASE("Recorder: live counts go out once a second and add up to the results") {
  ManualClock clock(kStart);
  IntervalOutbox outbox;
  Recorder recorder(kStart, &outbox, /*endpoint_timelines=*/false, /*live_counts=*/true);
  const ScopeIds chat{1, 2};
  const ScopeIds hook{0, 0};
  recorder.record_offered(chat, kStart + 100 * kMs);
  recorder.record_sent(chat, kStart + 101 * kMs);
  recorder.record_completion(
      done(kStart + 100 * kMs, kStart + 101 * kMs, kStart + 145 * kMs, chat, 200));
  recorder.record_offered(hook, kStart + 200 * kMs);
  recorder.record_sent(hook, kStart + 200 * kMs);
  recorder.record_completion(
      done(kStart + 200 * kMs, kStart + 200 * kMs, kStart + 203 * kMs, hook, 503));
  recorder.record_offered(hook, kStart + 300 * kMs);
  recorder.record_failure(Failure{.ids = hook,
                                  .intended_ns = kStart + 300 * kMs,
                                  .failed_ns = kStart + 310 * kMs,
                                  .cause = client::FailureCause::reset});
  recorder.record_session_aborted(chat, kStart + 400 * kMs);
  recorder.record_capture_failed(chat, kStart + 450 * kMs);

  LiveCounts total;
  recorder.close_seconds_before(kStart + 900 * kMs);  // the first look in second 0: they go
  CHECK(drain(outbox, total) == 1);
  recorder.record_offered(chat, kStart + 950 * kMs);
  recorder.close_seconds_before(kStart + 990 * kMs);  // the same second: not again
  CHECK(drain(outbox, total) == 0);
  recorder.close_seconds_before(kStart + 1010 * kMs);  // second 1 begins
  CHECK(drain(outbox, total) == 1);
  CHECK(total.offered == 4);
  CHECK(total.sent == 2);
  CHECK(total.requests_of(1, 2).status_classes[2] == 1);
  CHECK(total.requests_of(1, 2).failed == 1);  // the aborted step
  CHECK(total.requests_of(0, 0).status_classes[5] == 1);
  CHECK(total.requests_of(0, 0).failed == 1);  // the reset
  CHECK(total.failures[static_cast<size_t>(client::FailureCause::reset)] == 1);
  CHECK(total.session_aborted == 1);
  CHECK(total.capture_failed == 1);
  CHECK(total.status_codes.count(503) == 1);
  CHECK(total.ended() == 4);
  CHECK(total.completed_in_class(5) == 1);
  CHECK(total.failed() == 2);  // the reset and the aborted step
  CHECK(total.errors() == 4);  // and the 503 and the failed capture
  // Corrected: 45 ms (chat), 3 ms and 10 ms (hook, the failure at its failure time).
  CHECK(total.corrected(1).count == 1);
  CHECK(total.corrected(1).buckets[11] == 1);  // (40, 50] ms
  CHECK(total.corrected(0).count == 2);
  CHECK(total.corrected(0).sum_us == 13'000);
  CHECK(total.service(0).count == 1);  // the failure has no service time
  CHECK(total.service(1).sum_us == 44'000);

  // Nothing new: nothing goes out. A later event goes in the next piece, and finish() hands
  // over the last piece within the same second.
  recorder.close_seconds_before(kStart + 3100 * kMs);
  CHECK(drain(outbox, total) == 0);
  recorder.record_completion(
      done(kStart + 3000 * kMs, kStart + 3000 * kMs, kStart + 3200 * kMs, hook, 200));
  WorkerResults& r = recorder.finish();
  CHECK(drain(outbox, total) == 1);
  CHECK(total.ended() == r.overall.completed + r.overall.failed());
  CHECK(total.errors() == r.overall.errors());
  CHECK(total.offered == r.overall.offered);
  CHECK(total.sent == r.overall.sent);
  CHECK(total.completed_in_class(2) == r.overall.status_classes[2]);
}

TEST_CASE("Recorder: a full ring drops no live counts: the worker keeps them for later") {
  IntervalOutbox outbox;
  Recorder recorder(kStart, &outbox, /*endpoint_timelines=*/false, /*live_counts=*/true);
  const ScopeIds ids{0, 0};
  uint64_t completed = 0;
  // More closed seconds than the ring holds, none taken meanwhile.
  for (int64_t s = 0; s < static_cast<int64_t>(IntervalOutbox::kCapacity) + 5; ++s) {
    const int64_t at = kStart + s * kSecond + 100 * kMs;
    recorder.record_offered(ids, at);
    recorder.record_completion(done(at, at, at + 5 * kMs, ids, 200));
    ++completed;
    recorder.close_seconds_before(at + 2 * kSecond);
  }
  LiveCounts total;
  const int pieces = drain(outbox, total);
  CHECK(pieces == static_cast<int>(IntervalOutbox::kCapacity));
  recorder.finish();
  drain(outbox, total);
  CHECK(total.ended() == completed);
  CHECK(total.offered == completed);
  CHECK(total.corrected(0).count == completed);
}

TEST_CASE("Recorder: without live counts asked for, events leave the outbox's counts empty") {
  IntervalOutbox outbox;
  Recorder recorder(kStart, &outbox);
  const ScopeIds ids{0, 0};
  for (int64_t s = 0; s < 3; ++s) {
    const int64_t at = kStart + s * kSecond + 100 * kMs;
    recorder.record_offered(ids, at);
    recorder.record_sent(ids, at);
    recorder.record_completion(done(at, at, at + 5 * kMs, ids, 200));
    recorder.close_seconds_before(at + 2 * kSecond);
  }
  recorder.finish();
  LiveCounts total;
  CHECK(drain(outbox, total) == 0);
  CHECK(total.ended() == 0);
  // The results themselves are whole.
  CHECK(recorder.results().overall.completed == 3);
}

}  // namespace replay::engine
