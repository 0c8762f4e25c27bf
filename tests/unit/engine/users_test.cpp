// Closed-loop users' parts on given times: the session runner's user lines, the bundler's
// whole sessions, the latencies' open-loop equivalent and the feeder on a simulated clock.

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "replay/trace/trace_writer.hpp"
#include "session_bundler.hpp"
#include "session_runner.hpp"
#include "temp_dir.hpp"
#include "user_feeder.hpp"
#include "user_latency.hpp"

namespace replay::engine {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000 * kMs;
constexpr uint64_t kUser = 0x51;

RequestPtr user_step(int64_t intended_ns, int64_t think_ns, bool session_start,
                     uint32_t endpoint = 0) {
  auto r = std::make_unique<PreparedRequest>();
  r->session_id = kUser;
  r->user = 1;
  r->intended_ns = intended_ns;
  r->think_ns = think_ns;
  r->session_start = session_start;
  r->endpoint_id = endpoint;
  return r;
}

SourceItem item(int64_t offset_us, uint64_t session, uint32_t endpoint, bool end = false) {
  SourceItem i;
  i.offset_us = offset_us;
  i.session_hash = session;
  i.endpoint_id = endpoint;
  i.session_end = end;
  return i;
}

}  // namespace

TEST_CASE("users: a user's step goes out one think time after the last response, not before") {
  SessionRunner runner;
  RequestPtr first = user_step(0, 0, true);
  REQUIRE(runner.admit(first, 0) == SessionRunner::Admit::start);
  runner.started(kUser, 0);
  // Handed over at once (intended 0), the next step waits for the user.
  RequestPtr second = user_step(0, 500 * kMs, false);
  REQUIRE(runner.admit(second, 0) == SessionRunner::Admit::wait);
  auto release = runner.ended(*first, true, "", {}, 80 * kMs);  // the response took 80 ms
  REQUIRE(release.next);
  CHECK(release.next->intended_ns == 580 * kMs);
  // Free again, a step that comes later still waits its think time after the last end.
  runner.started(kUser, 580 * kMs);
  auto after = runner.ended(*release.next, true, "", {}, 600 * kMs);
  CHECK_FALSE(after.next);
  RequestPtr third = user_step(0, 100 * kMs, false);
  REQUIRE(runner.admit(third, 610 * kMs) == SessionRunner::Admit::start);
  CHECK(third->intended_ns == 700 * kMs);
}

TEST_CASE("users: a failed step aborts the rest of its session only; the next starts afresh") {
  SessionRunner runner;
  RequestPtr a1 = user_step(0, 0, true);
  REQUIRE(runner.admit(a1, 0) == SessionRunner::Admit::start);
  runner.started(kUser, 0);
  for (bool start : {false, false, true, false}) {
    RequestPtr r = user_step(0, 0, start);
    REQUIRE(runner.admit(r, 0) == SessionRunner::Admit::wait);
  }
  auto release = runner.ended(*a1, false, "", {}, 10 * kMs);
  CHECK(release.aborted.size() == 2);  // the failed session's two later steps
  REQUIRE(release.next);
  CHECK(release.next->session_start);  // the next session's first step, released
  CHECK(release.next->intended_ns == 10 * kMs);
  CHECK(runner.waiting() == 1);
  runner.started(kUser, 10 * kMs);
  auto next = runner.ended(*release.next, true, "", {}, 20 * kMs);
  REQUIRE(next.next);  // its session goes on: not aborted
  CHECK_FALSE(next.next->session_start);
}

TEST_CASE("users: a retired user ends with its session; its later steps are dropped") {
  SessionRunner runner;
  RequestPtr first = user_step(0, 0, true);
  REQUIRE(runner.admit(first, 0) == SessionRunner::Admit::start);
  runner.started(kUser, 0);
  RequestPtr queued = user_step(0, 0, true);
  REQUIRE(runner.admit(queued, 0) == SessionRunner::Admit::wait);
  auto held = runner.retire(kUser);
  CHECK(held.size() == 1);
  CHECK(runner.waiting() == 0);
  CHECK_FALSE(runner.busy(kUser));
  RequestPtr rest = user_step(0, 0, false);
  CHECK(runner.admit(rest, 0) == SessionRunner::Admit::drop);
  // Back in the schedule, the user starts with a new session.
  RequestPtr again = user_step(0, 0, true);
  CHECK(runner.admit(again, 0) == SessionRunner::Admit::start);
}

TEST_CASE("users: the bundler gathers interleaved sessions whole, with their think times") {
  SessionBundler bundler(1.0);
  bundler.add(item(0, 1, 10));
  bundler.add(item(100'000, 2, 20));
  bundler.add(item(500, 0, 30));  // outside a session: a bundle of its own, at once
  REQUIRE(bundler.has_ready());
  auto alone = bundler.take();
  REQUIRE(alone.size() == 1);
  CHECK(alone[0]->session_start);
  CHECK(alone[0]->endpoint_id == 30);
  bundler.add(item(2'000'000, 1, 11, /*end=*/true));
  REQUIRE(bundler.has_ready());
  auto one = bundler.take();
  REQUIRE(one.size() == 2);
  CHECK(one[0]->session_start);
  CHECK(one[0]->think_ns == 0);
  CHECK_FALSE(one[1]->session_start);
  CHECK(one[1]->think_ns == 2000 * kMs);
  CHECK_FALSE(bundler.has_ready());  // session 2 is still open
  bundler.add(item(2'500'000, 2, 21));
  bundler.end_pass();
  REQUIRE(bundler.has_ready());
  auto two = bundler.take();
  REQUIRE(two.size() == 2);
  CHECK(two[1]->think_ns == 2400 * kMs);
  CHECK(bundler.held_steps() == 0);
}

TEST_CASE("users: a session idle for a minute of the trace is complete; the bound cuts") {
  SessionBundler bundler(2.0);  // --speed 2x halves think times
  bundler.add(item(0, 1, 0));
  bundler.add(item(1'000'000, 1, 0));
  for (int i = 0; i < 300; ++i) bundler.add(item(70'000'000 + i, 0, 0));
  std::vector<size_t> sizes;
  while (bundler.has_ready()) sizes.push_back(bundler.take().size());
  CHECK(std::count(sizes.begin(), sizes.end(), 2) == 1);
  SessionBundler bounded(1.0);
  for (size_t i = 0; i <= SessionBundler::kMaxHeldSteps; ++i) bounded.add(item(0, 1 + i % 2, 0));
  CHECK(bounded.sessions_cut() == 1);
  CHECK(bounded.has_ready());
  CHECK(bounded.take().size() == SessionBundler::kMaxHeldSteps / 2 + 1);
}

TEST_CASE("users: latencies corrected per endpoint, each with think + its median service") {
  UserLatency latency;
  // A fast endpoint (1 ms) with one 100 ms stall, and a slow one that always takes 50 ms.
  for (int i = 0; i < 99; ++i) latency.record(0, 0, 1 * kMs);
  latency.record(0, 0, 100 * kMs);
  for (int i = 0; i < 100; ++i) latency.record(1, 0, 50 * kMs);
  const std::vector<int64_t> medians{1'000, 50'000};
  const auto open_loop = latency.open_loop_equivalent(medians);
  // The stall hides 99 requests at 99, 98, ... 1 ms; the slow endpoint's 50 ms are its pace.
  CHECK(open_loop.count() == 200 + 99);
  CHECK(latency.mean_interval_us(medians) == doctest::Approx(25'500));
  CHECK(latency.mean_think_us() == 0);
  UserLatency other;
  other.record(1, 2 * kSecond, 50 * kMs);
  latency.merge(other);
  CHECK(latency.count() == 201);
  CHECK(latency.mean_think_us() == doctest::Approx(2e6 / 201));
}

namespace {

std::string write_trace(const std::string& name, int sessions, int steps) {
  const std::string path = testing::temp_path(name + ".zst");
  auto writer = trace::TraceWriter::create(path, trace::TraceHeader{});
  REQUIRE(writer.ok());
  for (int s = 0; s < sessions; ++s) {
    for (int k = 0; k < steps; ++k) {
      trace::Record r;
      r.method = "GET";
      r.target = "/s" + std::to_string(s);
      r.offset_us = s * 1000 + k * 100'000;
      r.session = steps > 1 ? "session-" + std::to_string(s) : "";
      REQUIRE(writer.value()->write(r).ok());
    }
  }
  REQUIRE(writer.value()->close().ok());
  return path;
}

// Takes the feeder's steps, noting each one's worker and user; with `board`, each session
// begins as soon as it is handed over (a user that runs through them at once).
struct UserSink final : RequestSink {
  size_t workers() const override { return 2; }
  bool try_push(size_t worker, RequestPtr& request) override {
    pushes.push_back({worker, request->user, request->session_start, request->intended_ns});
    if (board && request->session_start) board->session_begun(request->user - 1);
    request.reset();
    return true;
  }
  UserBoard* board = nullptr;
  struct Push {
    size_t worker;
    uint32_t user;
    bool session_start;
    int64_t intended_ns;
  };
  std::vector<Push> pushes;
};

// A UserFeeder over `sessions` sessions of `steps` steps, fed to a UserSink on a simulated
// clock that starts at second 0 of the run, `start_ns`.
struct FeederRun {
  FeederRun(const std::string& name, int sessions, int steps, const std::string& users_text,
            int64_t start_ns = 0)
      : users(schedule::parse_user_schedule(users_text).value()),
        board(users.most()),
        clock(start_ns),
        start_ns(start_ns) {
    config.trace_path = write_trace(name, sessions, steps);
  }
  // Runs the feeder to its end (`end_us` from second 0; 0: none); with `begin_at_once`, every
  // session begins as it is handed over.
  UserFeeder& run(int64_t end_us, bool begin_at_once) {
    if (begin_at_once) sink.board = &board;
    source.emplace(config, target);
    REQUIRE(source->open().ok());
    feeder.emplace(config, users, end_us, *source, sink, board, clock, start_ns, interrupt,
                   nullptr);
    REQUIRE(feeder->run().ok());
    return *feeder;
  }

  RunConfig config;
  client::Target target = client::parse_target("http://127.0.0.1:9").value();
  schedule::UserSchedule users;
  UserBoard board;
  UserSink sink;
  ManualClock clock;
  int64_t start_ns;
  std::atomic<bool> interrupt{false};
  std::optional<RequestSource> source;
  std::optional<UserFeeder> feeder;
};

}  // namespace

TEST_CASE("users: the feeder keeps each running user a few sessions ahead, no more") {
  FeederRun f("users-feed", 500, 2, "4", 10 * kSecond);
  f.users.spawn_per_s = 2;  // users start at 0, 0.5, 1 and 1.5 s
  // Nobody begins a session (no worker runs).
  UserFeeder& feeder = f.run(3'000'000, false);
  const auto& sink = f.sink;
  const auto& board = f.board;
  const uint32_t ahead = 2;  // each user's start; it grows only when the user begins them all
  std::map<uint32_t, int> sessions_of;
  std::map<uint32_t, int64_t> first_at;
  for (const auto& p : sink.pushes) {
    if (!p.session_start) continue;
    ++sessions_of[p.user];
    if (!first_at.count(p.user)) first_at[p.user] = p.intended_ns - 10 * kSecond;
  }
  // Nobody began a session (no worker ran), so each user got exactly `ahead` of them.
  REQUIRE(sessions_of.size() == 4);
  for (const auto& [user, n] : sessions_of) CHECK(n == static_cast<int>(ahead));
  CHECK(sink.pushes.size() == 4 * ahead * 2);
  CHECK(first_at[1] == 0);
  CHECK(first_at[2] >= 500 * kMs);
  CHECK(first_at[2] <= 500 * kMs + UserFeeder::kMaxPollNs);
  CHECK(first_at[4] >= 1500 * kMs);
  // 0.5 s of 1 user, 0.5 of 2, 0.5 of 3, then 1.5 s of 4: 9 user-seconds, give or take a poll.
  CHECK(feeder.user_seconds() == doctest::Approx(9.0).epsilon(0.02));
  CHECK(board.active() == 4);
  for (uint32_t u = 0; u < 4; ++u) CHECK(board.queued(u) == ahead);
}

TEST_CASE("users: sessions are shared out one per user in turn; quick users get more ahead") {
  FeederRun f("users-share", 20, 2, "3");
  f.run(0, true);  // every session begins at once: the users never hold one
  std::map<uint32_t, int> sessions_of;
  for (const auto& p : f.sink.pushes) sessions_of[p.user] += p.session_start ? 1 : 0;
  REQUIRE(sessions_of.size() == 3);
  for (const auto& [user, n] : sessions_of) CHECK((n == 6 || n == 7));
  // Never holding a session, the users doubled what they may hold ahead at each look: the
  // twenty sessions went in a few looks, not twenty.
  CHECK(f.clock.sleeps() <= 4);
}

TEST_CASE("users: without a set end the trace's sessions are handed over once") {
  FeederRun f("users-once", 6, 1, "2");
  CHECK(f.run(0, true).trace_ran_out());
  CHECK(f.sink.pushes.size() == 6);
  for (const auto& p : f.sink.pushes) CHECK(p.session_start);
}

TEST_CASE("users: user-scoped values outlive the session; a once step is skipped when held") {
  SessionRunner runner;
  auto login = user_step(0, 0, true);
  login->once = true;
  login->captures = std::make_shared<const std::vector<trace::Capture>>(
      std::vector<trace::Capture>{{.name = "token", .source = "json:/token", .user_scope = true},
                                  {.name = "order", .source = "json:/order"}});
  const PreparedRequest login_step = *login;
  REQUIRE(runner.admit(login, 0) == SessionRunner::Admit::start);
  CHECK_FALSE(runner.already_holds(*login));  // the user's first session: it logs in
  runner.started(kUser, 0);
  auto done = runner.ended(login_step, true, R"({"token":"t1","order":"o1"})", {}, 10 * kMs);
  CHECK(runner.values(kUser).at("token") == "t1");
  CHECK(runner.values(kUser).at("order") == "o1");
  // The next session keeps the user's token, not the session's order...
  auto again = std::make_unique<PreparedRequest>(login_step);
  REQUIRE(runner.admit(again, 20 * kMs) == SessionRunner::Admit::start);
  CHECK(runner.values(kUser).at("token") == "t1");
  CHECK_FALSE(runner.values(kUser).count("order"));
  // ...so a once step capturing only the token is skipped; one that also wants the session's
  // order is not.
  auto token_only = std::make_unique<PreparedRequest>(login_step);
  token_only->captures = std::make_shared<const std::vector<trace::Capture>>(
      std::vector<trace::Capture>{{.name = "token", .source = "json:/token", .user_scope = true}});
  CHECK(runner.already_holds(*token_only));
  CHECK_FALSE(runner.already_holds(*again));
  RequestPtr next = user_step(0, 300 * kMs, false);
  REQUIRE(runner.admit(next, 20 * kMs) == SessionRunner::Admit::start);
  runner.started(kUser, 20 * kMs);
  RequestPtr after = user_step(0, 0, false);
  REQUIRE(runner.admit(after, 20 * kMs) == SessionRunner::Admit::wait);
  auto skipped = runner.skipped(*token_only, 25 * kMs);
  REQUIRE(skipped.next);
  CHECK(skipped.next->intended_ns == 25 * kMs);
}

}  // namespace replay::engine
