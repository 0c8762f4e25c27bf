#include "feeder.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "clock.hpp"
#include "replay/trace/trace_writer.hpp"
#include "temp_dir.hpp"

namespace replay::engine {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000 * kMs;
constexpr int64_t kStart = 10 * kSecond;  // second 0 of the run, on the simulated clock

std::string write_trace(const std::string& name, const std::vector<trace::Record>& records) {
  const std::string path = testing::temp_path(name + ".zst");
  auto writer = trace::TraceWriter::create(path, trace::TraceHeader{});
  REQUIRE(writer.ok());
  for (const auto& r : records) REQUIRE(writer.value()->write(r).ok());
  REQUIRE(writer.value()->close().ok());
  return path;
}

trace::Record record(int64_t offset_ms, std::string session = {}, std::string target = "/") {
  trace::Record r;
  r.method = "GET";
  r.target = std::move(target);
  r.offset_us = offset_ms * 1000;
  r.session = std::move(session);
  return r;
}

// Takes what the feeder hands over (when open), noting the simulated time of each push.
struct Sink final : RequestSink {
  explicit Sink(const Clock& clock, size_t workers = 2) : clock_(clock), workers_(workers) {}
  size_t workers() const override { return workers_; }
  bool try_push(size_t worker, RequestPtr& request) override {
    if (clock_.now_ns() < closed_until_ns) return false;
    pushes.push_back(
        {clock_.now_ns(), request->intended_ns, worker, request->session_id, request->endpoint_id});
    request.reset();
    return true;
  }
  struct Push {
    int64_t at_ns;
    int64_t intended_ns;
    size_t worker;
    uint64_t session_id;
    uint32_t endpoint_id;
  };
  std::vector<Push> pushes;
  int64_t closed_until_ns = 0;

 private:
  const Clock& clock_;
  size_t workers_;
};

struct Run {
  explicit Run(RunConfig c) : config(std::move(c)) {
    target = client::parse_target("http://127.0.0.1:9").value();
  }
  std::vector<Sink::Push> feed(size_t workers = 2, int64_t closed_until_ns = 0,
                               size_t* most_staged = nullptr) {
    RequestSource source(config, target);
    REQUIRE(source.open().ok());
    Placer placer(config);
    Sink sink(clock, workers);
    sink.closed_until_ns = closed_until_ns;
    std::atomic<bool> interrupt{false};
    Feeder feeder(config, source, placer, sink, clock, kStart, interrupt, nullptr);
    REQUIRE(feeder.run().ok());
    if (most_staged) *most_staged = feeder.most_staged();
    return sink.pushes;
  }
  RunConfig config;
  client::Target target;
  ManualClock clock{kStart - 100 * kMs};
};

RunConfig at_rate(const std::string& path, const char* rate, int64_t duration_us) {
  RunConfig c;
  c.trace_path = path;
  c.rate = schedule::parse_rate_schedule(rate).value();
  c.duration_us = duration_us;
  c.loop = true;
  return c;
}

}  // namespace

TEST_CASE("Feeder: each request goes to its worker a lookahead before it is due, no earlier") {
  Run run(at_rate(write_trace("paced", {record(0)}), "100/s", 2'000'000));
  auto pushes = run.feed();
  REQUIRE(pushes.size() == 200);
  for (size_t i = 0; i < pushes.size(); ++i) {
    const auto& p = pushes[i];
    CAPTURE(i);
    CHECK(p.intended_ns == kStart + static_cast<int64_t>(i) * 10 * kMs);
    CHECK(p.at_ns >= p.intended_ns - Feeder::kLookaheadNs - Feeder::kBatchNs);
    CHECK(p.at_ns <= std::max(kStart - 100 * kMs, p.intended_ns - Feeder::kLookaheadNs));
  }
  // Sessionless requests alternate over the workers.
  CHECK(pushes[0].worker != pushes[1].worker);
}

TEST_CASE("Feeder: it wakes about once a batch, whatever the rate, and ticks on the tick's times") {
  for (const std::string rate : {"200/s", "5000/s"}) {
    CAPTURE(rate);
    Run run(at_rate(write_trace("batches", {record(0)}), rate.c_str(), 10'000'000));
    RequestSource source(run.config, run.target);
    REQUIRE(source.open().ok());
    Placer placer(run.config);
    Sink sink(run.clock);
    std::atomic<bool> interrupt{false};
    std::vector<int64_t> ticks;
    int64_t next_tick = kStart + kSecond;
    auto tick = [&](int64_t now) {
      if (now >= next_tick) {
        ticks.push_back(now);
        next_tick += kSecond;
      }
      return next_tick;
    };
    Feeder feeder(run.config, source, placer, sink, run.clock, kStart, interrupt, tick);
    REQUIRE(feeder.run().ok());
    // 10 s of load handed over a second ahead: about 9 s of waiting, one wake-up per batch
    // and one per tick (the old feeder woke every 10 ms: 900 times).
    CHECK(run.clock.sleeps() <= 9 * (kSecond / Feeder::kBatchNs) + 9 + 2);
    CHECK(run.clock.sleeps() >= 8 * (kSecond / Feeder::kBatchNs));
    // Feeding ends when the last request is handed over, a lookahead before the end.
    REQUIRE(ticks.size() == 8);
    for (size_t i = 0; i < ticks.size(); ++i) {
      CHECK(ticks[i] == kStart + static_cast<int64_t>(i + 1) * kSecond);
    }
  }
}

TEST_CASE("Feeder: an idle stretch of the trace is slept through, waking for the ticks only") {
  // Two records 30 s apart, replayed at their recorded times.
  RunConfig c;
  c.trace_path = write_trace("idle", {record(0), record(30'000)});
  Run run(c);
  auto pushes = run.feed();
  REQUIRE(pushes.size() == 2);
  CHECK(pushes[1].at_ns == kStart + 29 * kSecond);
  // Without a tick, the sleeps are only capped by kMaxSleepNs.
  CHECK(run.clock.sleeps() <= 29 * kSecond / Feeder::kMaxSleepNs + 2);
}

TEST_CASE("Feeder: a session's later step goes out on its own time, not behind later starts") {
  // At 0.1/s the second session starts 10 s in; the first session's step 200 ms after its
  // start comes after that start in the file, yet is due at 0.2 s.
  Run run(at_rate(write_trace("order", {record(0, "a"), record(100, "b"), record(200, "a")}),
                  "0.1/s", 20'000'000));
  auto pushes = run.feed();
  REQUIRE(pushes.size() >= 3);
  CHECK(pushes[0].intended_ns == kStart);
  CHECK(pushes[1].intended_ns == kStart + 200 * kMs);
  CHECK(pushes[1].session_id == pushes[0].session_id);
  CHECK(pushes[1].worker == pushes[0].worker);   // a session stays on one worker
  CHECK(pushes[1].at_ns == kStart - 100 * kMs);  // at once, not 9 s later after session b
  CHECK(pushes[2].intended_ns == kStart + 10 * kSecond);
  CHECK(pushes[2].at_ns >= kStart + 9 * kSecond - Feeder::kBatchNs);
}

TEST_CASE("Feeder: while the workers take nothing, at most kMaxStaged requests wait placed") {
  Run run(at_rate(write_trace("bound", {record(0)}), "100000/s", 2'000'000));
  size_t most_staged = 0;
  auto pushes = run.feed(2, kStart + 1 * kSecond, &most_staged);
  CHECK(most_staged <= Feeder::kMaxStaged);
  CHECK(most_staged > Feeder::kMaxStaged / 2);
  REQUIRE(pushes.size() == 200'000);  // nothing lost: every intended time kept
  for (size_t i = 1; i < pushes.size(); ++i) {
    CHECK(pushes[i].at_ns >= kStart + 1 * kSecond);
    if (pushes[i].intended_ns < pushes[i - 1].intended_ns) FAIL("pushed out of order at " << i);
  }
}

TEST_CASE("Feeder: sessions spread over every worker") {
  std::vector<trace::Record> records;
  for (int i = 0; i < 400; ++i) records.push_back(record(i, "user-" + std::to_string(i)));
  const std::string path = write_trace("spread", records);
  for (size_t workers : {2, 3, 4}) {
    RunConfig c;
    c.trace_path = path;
    c.speed = 1000;
    Run run(c);
    auto pushes = run.feed(workers);
    REQUIRE(pushes.size() == 400);
    std::map<size_t, int> per_worker;
    for (const auto& p : pushes) ++per_worker[p.worker];
    CAPTURE(workers);
    REQUIRE(per_worker.size() == workers);
    for (const auto& [w, n] : per_worker) CHECK(n > static_cast<int>(400 / workers * 7 / 10));
  }
}

TEST_CASE("Feeder: shards share the unsharded run's time origin and add up to its schedule") {
  SUBCASE("recorded timing") {
    std::vector<trace::Record> records;
    for (int i = 0; i < 40; ++i) records.push_back(record(1000 + i * 50));
    const std::string path = write_trace("shard-recorded", records);
    RunConfig whole;
    whole.trace_path = path;
    auto unsharded = Run(whole).feed();
    std::vector<int64_t> expected, got;
    for (const auto& p : unsharded) expected.push_back(p.intended_ns);
    for (unsigned i = 0; i < 3; ++i) {
      RunConfig c = whole;
      c.shard_index = i;
      c.shard_count = 3;
      auto pushes = Run(c).feed();
      REQUIRE_FALSE(pushes.empty());
      CHECK(pushes[0].intended_ns == kStart + static_cast<int64_t>(i) * 50 * kMs);
      for (const auto& p : pushes) got.push_back(p.intended_ns);
    }
    std::sort(got.begin(), got.end());
    CHECK(got == expected);
  }
  for (const char* arrival : {"constant", "poisson"}) {
    SUBCASE(arrival) {
      const std::string path = write_trace(std::string("shard-") + arrival, {record(0)});
      RunConfig whole = at_rate(path, "1000/s", 3'000'000);
      whole.arrival = std::string(arrival) == "constant" ? schedule::Arrival::constant
                                                         : schedule::Arrival::poisson;
      auto unsharded = Run(whole).feed();
      std::vector<int64_t> expected, got;
      for (const auto& p : unsharded) expected.push_back(p.intended_ns);
      for (unsigned i = 0; i < 4; ++i) {
        RunConfig c = whole;
        c.shard_index = i;
        c.shard_count = 4;
        auto pushes = Run(c).feed();
        CHECK(pushes.size() == doctest::Approx(750).epsilon(0.01));
        if (whole.arrival == schedule::Arrival::constant) {
          // Phased by i / rate: shard i's first request is due i ms in.
          CHECK(pushes[0].intended_ns == expected[i]);
        }
        for (const auto& p : pushes) got.push_back(p.intended_ns);
      }
      std::sort(got.begin(), got.end());
      CHECK(got == expected);
    }
  }
}

TEST_CASE("worker_for_session: keys of one pass and of the next land on every worker") {
  for (size_t workers : {2, 3, 8}) {
    std::vector<int> counts(workers);
    for (uint64_t k = 1; k < 20'000; k += 2) ++counts[worker_for_session(k, workers)];
    for (int n : counts) CHECK(n > static_cast<int>(10'000 / workers * 9 / 10));
  }
}

}  // namespace replay::engine
