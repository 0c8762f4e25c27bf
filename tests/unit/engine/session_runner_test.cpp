#include "session_runner.hpp"

#include <doctest/doctest.h>

#include <memory>

namespace replay::engine {
namespace {

constexpr int64_t kMs = 1'000'000;

RequestPtr step(uint64_t session, int64_t intended_ns, int64_t think_ns = 0,
                std::vector<trace::Capture> captures = {}) {
  auto r = std::make_unique<PreparedRequest>();
  r->session_id = session;
  r->intended_ns = intended_ns;
  r->think_ns = think_ns;
  if (!captures.empty()) {
    r->captures = std::make_shared<const std::vector<trace::Capture>>(std::move(captures));
  }
  return r;
}

}  // namespace

TEST_CASE(
    "SessionRunner: a step due while its predecessor is on its way waits, then is released "
    "one think time after the predecessor ends") {
  SessionRunner runner;
  RequestPtr first = step(7, 0);
  REQUIRE(runner.admit(first, 0) == SessionRunner::Admit::start);
  runner.started(7, 0);
  RequestPtr second = step(7, 1000 * kMs, 1000 * kMs);
  REQUIRE(runner.admit(second, 1000 * kMs) == SessionRunner::Admit::wait);
  CHECK(second == nullptr);
  CHECK(runner.waiting() == 1);
  const PreparedRequest done = *first;
  auto release = runner.ended(done, true, "", {}, 3000 * kMs);  // the first step took 3 s
  REQUIRE(release.next);
  CHECK(release.next->intended_ns == 4000 * kMs);
  CHECK(release.next->released);
  CHECK(release.aborted.empty());
  CHECK(runner.waiting() == 0);
}

TEST_CASE("SessionRunner: a released step is not overtaken by a later step of its session") {
  SessionRunner runner;
  RequestPtr first = step(3, 0);
  REQUIRE(runner.admit(first, 0) == SessionRunner::Admit::start);
  runner.started(3, 0);
  RequestPtr second = step(3, 1000 * kMs, 1000 * kMs);
  REQUIRE(runner.admit(second, 1000 * kMs) == SessionRunner::Admit::wait);
  auto release = runner.ended(*first, true, "", {}, 3000 * kMs);
  REQUIRE(release.next);  // due at 4 s
  // The third step comes due at 3.5 s, before the released second one was sent.
  RequestPtr third = step(3, 3500 * kMs, 2500 * kMs);
  CHECK(runner.admit(third, 3500 * kMs) == SessionRunner::Admit::wait);
  runner.started(3, 4000 * kMs);
  auto after_second = runner.ended(*release.next, true, "", {}, 4100 * kMs);
  REQUIRE(after_second.next);
  CHECK(after_second.next->intended_ns == 6600 * kMs);
}

TEST_CASE("SessionRunner: a failed step aborts the session: waiting and later steps are not sent") {
  SessionRunner runner;
  RequestPtr first = step(5, 0);
  REQUIRE(runner.admit(first, 0) == SessionRunner::Admit::start);
  runner.started(5, 0);
  RequestPtr second = step(5, 10 * kMs);
  RequestPtr third = step(5, 20 * kMs);
  REQUIRE(runner.admit(second, 10 * kMs) == SessionRunner::Admit::wait);
  REQUIRE(runner.admit(third, 20 * kMs) == SessionRunner::Admit::wait);
  auto release = runner.ended(*first, false, "", {}, 30 * kMs);
  CHECK_FALSE(release.next);
  CHECK(release.aborted.size() == 2);
  CHECK_FALSE(release.capture_failed);
  CHECK(runner.waiting() == 0);
  RequestPtr fourth = step(5, 40 * kMs);
  CHECK(runner.admit(fourth, 40 * kMs) == SessionRunner::Admit::abort);
  CHECK(fourth != nullptr);  // the caller keeps it, to count it
  // Other sessions are not affected.
  RequestPtr other = step(6, 40 * kMs);
  CHECK(runner.admit(other, 40 * kMs) == SessionRunner::Admit::start);
}

TEST_CASE("SessionRunner: header, json and regex captures feed later steps") {
  SessionRunner runner;
  RequestPtr create =
      step(9, 0, 0, {{"loc", "header:Location"}, {"id", "json:/id"}, {"v", "regex:v=(\\d)"}});
  REQUIRE(runner.admit(create, 0) == SessionRunner::Admit::start);
  runner.started(9, 0);
  const client::HeaderList headers{{"content-type", "application/json"}, {"location", "/plans/41"}};
  auto release = runner.ended(*create, true, R"({"id":"p-41","note":"v=3"})", headers, 5 * kMs);
  CHECK_FALSE(release.capture_failed);
  const CaptureValues& values = runner.values(9);
  CHECK(values.at("loc") == "/plans/41");
  CHECK(values.at("id") == "p-41");
  CHECK(values.at("v") == "3");
  CHECK(runner.values(10).empty());
}

TEST_CASE("SessionRunner: a response without a value to capture aborts the session") {
  SessionRunner runner;
  RequestPtr create = step(4, 0, 0, {{"loc", "header:Location"}});
  REQUIRE(runner.admit(create, 0) == SessionRunner::Admit::start);
  runner.started(4, 0);
  RequestPtr next = step(4, 1 * kMs);
  REQUIRE(runner.admit(next, 1 * kMs) == SessionRunner::Admit::wait);
  auto release = runner.ended(*create, true, "{}", {{"content-type", "text/plain"}}, 2 * kMs);
  CHECK(release.capture_failed);
  CHECK(release.aborted.size() == 1);
  CHECK_FALSE(release.next);
}

TEST_CASE("SessionRunner: a metric absent from the response does not abort the session") {
  SessionRunner runner;
  RequestPtr ask = step(5, 0, 0, {{"tokens", "json:/usage/total_tokens", "sum"}});
  REQUIRE(runner.admit(ask, 0) == SessionRunner::Admit::start);
  runner.started(5, 0);
  RequestPtr next = step(5, 1 * kMs);
  REQUIRE(runner.admit(next, 1 * kMs) == SessionRunner::Admit::wait);
  auto release = runner.ended(*ask, true, "{}", {}, 2 * kMs);
  CHECK_FALSE(release.capture_failed);
  CHECK(release.aborted.empty());
  CHECK(release.next);
}

TEST_CASE("SessionRunner: idle sessions are forgotten, busy ones kept") {
  SessionRunner runner;
  RequestPtr a = step(1, 0);
  RequestPtr b = step(2, 0);
  REQUIRE(runner.admit(a, 0) == SessionRunner::Admit::start);
  REQUIRE(runner.admit(b, 0) == SessionRunner::Admit::start);
  runner.started(2, 0);
  runner.forget_idle(100 * kMs, 50 * kMs);
  CHECK(runner.sessions() == 1);
}

}  // namespace replay::engine

namespace replay::engine {

TEST_CASE(
    "SessionRunner: a session's last step that succeeds times it from its first step's "
    "intended time; a failed one does not") {
  SessionRunner runner;
  RequestPtr first = step(5, 100 * kMs);
  REQUIRE(runner.admit(first, 150 * kMs) == SessionRunner::Admit::start);  // sent 50 ms late
  runner.started(5, 150 * kMs);
  RequestPtr last = step(5, 1100 * kMs, 1000 * kMs);
  last->session_end = true;
  REQUIRE(runner.admit(last, 1100 * kMs) == SessionRunner::Admit::wait);
  auto release = runner.ended(*first, true, "", {}, 1300 * kMs);
  CHECK_FALSE(release.session_ns);  // not the last step
  REQUIRE(release.next);
  runner.started(5, release.next->intended_ns);
  const PreparedRequest done = *release.next;
  auto finished = runner.ended(done, true, "", {}, 2600 * kMs);
  REQUIRE(finished.session_ns);
  CHECK(*finished.session_ns == 2500 * kMs);  // 2.6 s - the first step's intended 0.1 s

  RequestPtr alone = step(6, 0);
  alone->session_end = true;
  REQUIRE(runner.admit(alone, 0) == SessionRunner::Admit::start);
  runner.started(6, 0);
  CHECK_FALSE(runner.ended(*alone, false, "", {}, 10 * kMs).session_ns);  // failed: no time
}

}  // namespace replay::engine
