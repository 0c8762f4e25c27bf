#include "placement.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace replay::engine {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kUsPerMs = 1'000;

RunConfig recorded(double speed = 1.0, int64_t duration_us = 0) {
  RunConfig c;
  c.speed = speed;
  c.duration_us = duration_us;
  return c;
}

RunConfig constant_rate(const char* rate, int64_t duration_us) {
  RunConfig c;
  c.rate = schedule::parse_rate_schedule(rate).value();
  c.duration_us = duration_us;
  return c;
}

}  // namespace

TEST_CASE("Placer: recorded timing keeps the trace's offsets from its first record, over --speed") {
  const RunConfig config = recorded(2.0);
  Placer placer(config);
  std::vector<int64_t> offsets;
  for (int64_t at_ms : {1000, 1000, 1500, 3000}) {
    auto p = placer.place(at_ms * kUsPerMs, 0);
    REQUIRE(p);
    CHECK_FALSE(p->continues_session);
    offsets.push_back(p->offset_ns);
  }
  CHECK(offsets == std::vector<int64_t>{0, 0, 250 * kMs, 1000 * kMs});
  CHECK(placer.open_ended());
}

TEST_CASE("Placer: --duration ends recorded timing; later passes of --loop follow by a mean gap") {
  const RunConfig config = recorded(1.0, 1'000'000);
  Placer placer(config);
  CHECK(placer.place(0, 0)->offset_ns == 0);
  CHECK(placer.place(400 * kUsPerMs, 0)->offset_ns == 400 * kMs);
  placer.start_next_pass();  // two starts 400 ms apart: the next pass starts 400 ms later
  CHECK(placer.place(0, 0)->offset_ns == 800 * kMs);
  CHECK_FALSE(placer.place(400 * kUsPerMs, 0));  // at 1.2 s, past the 1 s duration
}

TEST_CASE("Placer: a constant rate spaces starts evenly; session steps keep their recorded gaps") {
  const RunConfig config = constant_rate("10/s", 1'000'000);
  Placer placer(config);
  auto first = placer.place(0, 11);
  auto other = placer.place(0, 0);
  auto step = placer.place(250 * kUsPerMs, 11);  // 250 ms after its session's start
  REQUIRE(first);
  REQUIRE(other);
  REQUIRE(step);
  CHECK(other->offset_ns - first->offset_ns == 100 * kMs);
  CHECK(step->continues_session);
  CHECK(step->offset_ns == first->offset_ns + 250 * kMs);
  CHECK(step->think_ns == 250 * kMs);
  CHECK_FALSE(placer.open_ended());
  int starts = 2;
  while (placer.place(0, 0)) ++starts;
  CHECK(starts == 10);
  // A step whose session started in time but that falls past the end is marked, not placed.
  auto late = placer.place(5'000 * kUsPerMs, 11);
  REQUIRE(late);
  CHECK(late->past_end);
}

TEST_CASE("Placer: a record a little before the pass's first goes out at the pass's start") {
  const RunConfig config = recorded();
  Placer placer(config);
  std::vector<int64_t> offsets;
  for (int64_t at_ms : {1000, 900, 1200, 1100}) {
    offsets.push_back(placer.place(at_ms * kUsPerMs, 0)->offset_ns);
  }
  // Never before second 0 (it would be due before the run began); the rest keep their gaps.
  CHECK(offsets == std::vector<int64_t>{0, 0, 200 * kMs, 100 * kMs});
}

}  // namespace replay::engine
