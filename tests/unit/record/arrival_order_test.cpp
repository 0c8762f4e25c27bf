#include "replay/record/arrival_order.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace replay::record {
namespace {

constexpr uint64_t kMs = 1'000'000;

struct Collected {
  std::vector<trace::Record> records;
  std::vector<bool> partial;
};

std::shared_ptr<PendingRecord> pending(const char* target, uint64_t arrived_ns) {
  auto p = std::make_shared<PendingRecord>();
  p->record.method = "GET";
  p->record.target = target;
  p->arrived_ns = arrived_ns;
  p->sent_ns = arrived_ns;
  return p;
}

TEST_CASE("ArrivalOrder: records leave in arrival order, with offsets from the first") {
  Collected out;
  ArrivalOrder order(1000 * kMs, [&](trace::Record&& r, bool partial) {
    out.records.push_back(std::move(r));
    out.partial.push_back(partial);
  });
  auto a = pending("/a", 5000 * kMs);
  auto b = pending("/b", 5000 * kMs + 1500'000);
  auto c = pending("/c", 5000 * kMs + 1200'000);  // dispatched after b, arrived before it
  order.admit(a);
  order.admit(b);
  order.admit(c);
  CHECK(a->record.offset_us == 0);
  CHECK(b->record.offset_us == 1500);
  CHECK(c->record.offset_us == 1500);  // never before the previous record

  // b finishes first: it waits for a.
  b->finished = true;
  order.release(5000 * kMs + 10 * kMs);
  CHECK(out.records.empty());
  a->finished = true;
  order.release(5000 * kMs + 20 * kMs);
  REQUIRE(out.records.size() == 2);
  CHECK(out.records[0].target == "/a");
  CHECK(out.records[1].target == "/b");
  CHECK(order.waiting() == 1);
  c->finished = true;
  order.release(5000 * kMs + 21 * kMs);
  REQUIRE(out.records.size() == 3);
  CHECK(out.records[2].target == "/c");
  CHECK(out.partial == std::vector<bool>{false, false, false});
  CHECK(order.partial_count() == 0);
}

TEST_CASE("ArrivalOrder: a long stream is written partial after the window, not waited for") {
  Collected out;
  ArrivalOrder order(1000 * kMs, [&](trace::Record&& r, bool partial) {
    out.records.push_back(std::move(r));
    out.partial.push_back(partial);
  });
  auto stream = pending("/stream", 1 * kMs);
  auto quick = pending("/quick", 100 * kMs);
  order.admit(stream);
  order.admit(quick);
  stream->record.response = trace::ObservedResponse{200, 900, 0, 120, 3};
  quick->finished = true;
  order.release(1000 * kMs);
  CHECK(out.records.empty());
  order.release(1001 * kMs);
  REQUIRE(out.records.size() == 2);
  CHECK(out.records[0].target == "/stream");
  CHECK(out.partial[0]);
  REQUIRE(out.records[0].response.has_value());
  CHECK(out.records[0].response->duration_us == 1'000'000);  // so far
  CHECK(out.records[0].response->sse_events == 3);
  CHECK(out.records[1].target == "/quick");
  CHECK_FALSE(out.partial[1]);
  CHECK(order.partial_count() == 1);
  CHECK(stream->released);

  // At shutdown everything leaves, finished or not.
  auto last = pending("/last", 2000 * kMs);
  order.admit(last);
  order.release_all(2001 * kMs);
  CHECK(out.records.size() == 3);
  CHECK(order.waiting() == 0);
}

}  // namespace
}  // namespace replay::record
