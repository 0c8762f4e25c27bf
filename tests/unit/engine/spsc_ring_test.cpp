#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "spsc_ring.hpp"

using replay::engine::SpscRing;

TEST_CASE("ring is bounded and FIFO") {
  SpscRing<int> ring(3);  // rounds up to 4
  int values[5] = {0, 1, 2, 3, 4};
  for (int i = 0; i < 4; ++i) CHECK(ring.try_push(&values[i]));
  CHECK_FALSE(ring.try_push(&values[4]));
  for (int i = 0; i < 4; ++i) CHECK(ring.try_pop() == &values[i]);
  CHECK(ring.try_pop() == nullptr);
  CHECK(ring.empty());
}

TEST_CASE("ring hands over every item across threads in order") {
  constexpr int kItems = 200000;
  std::vector<int> items(kItems);
  for (int i = 0; i < kItems; ++i) items[i] = i;
  SpscRing<int> ring(64);
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) {
      while (!ring.try_push(&items[i])) std::this_thread::yield();
    }
  });
  int expected = 0;
  bool in_order = true;
  while (expected < kItems) {
    if (int* v = ring.try_pop()) {
      in_order = in_order && *v == expected;
      ++expected;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
  CHECK(in_order);
  CHECK(expected == kItems);
}
