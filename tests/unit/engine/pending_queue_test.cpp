#include "pending_queue.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "replay/core/random.hpp"

namespace replay::engine {
namespace {

struct Item {
  int64_t intended_ns = 0;
  int id = 0;
};

std::vector<int> drain(PendingQueue<Item>& queue) {
  std::vector<int> ids;
  while (!queue.empty()) {
    ids.push_back(queue.top().id);
    queue.pop();
  }
  return ids;
}

}  // namespace

TEST_CASE("PendingQueue: in-order pushes come out first-in first-out, ties included") {
  std::vector<Item> items{{10, 0}, {20, 1}, {20, 2}, {30, 3}};
  PendingQueue<Item> queue;
  for (auto& item : items) queue.push(std::make_unique<Item>(item));
  CHECK(queue.size() == 4);
  CHECK(drain(queue) == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("PendingQueue: late arrivals earlier than the queue's tail come out in time order") {
  std::vector<Item> items{{10, 0}, {40, 1}, {25, 2}, {50, 3}, {5, 4}, {40, 5}};
  PendingQueue<Item> queue;
  for (auto& item : items) queue.push(std::make_unique<Item>(item));
  CHECK(drain(queue) == std::vector<int>{4, 0, 2, 1, 5, 3});
}

TEST_CASE("PendingQueue: any push order, interleaved with pops, always yields the earliest") {
  Random random(7);
  std::vector<Item> items(5000);
  PendingQueue<Item> queue;
  std::multiset<int64_t> reference;  // what is queued, sorted
  int64_t clock = 0;
  size_t pops = 0;
  auto pop_and_check = [&] {
    REQUIRE(queue.top().intended_ns == *reference.begin());
    reference.erase(reference.begin());
    queue.pop();
    ++pops;
  };
  for (auto& item : items) {
    // Mostly ascending, like the feeder; one in ten anywhere in the last 50 us.
    clock += static_cast<int64_t>(random.next_u64() % 1000);
    const bool late = random.next_u64() % 10 == 0;
    item.intended_ns = late ? clock - static_cast<int64_t>(random.next_u64() % 50'000) : clock;
    queue.push(std::make_unique<Item>(item));
    reference.insert(item.intended_ns);
    if (random.next_u64() % 3 == 0) pop_and_check();
  }
  while (!queue.empty()) pop_and_check();
  CHECK(pops == items.size());
  CHECK(reference.empty());
}

}  // namespace replay::engine
