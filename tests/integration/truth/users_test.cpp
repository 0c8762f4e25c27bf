// Closed-loop users (run --users) against agent-sim's known latency and stall, and against
// hostile_server.py's plain delay: the rate users reach, what they measure, and the open-loop
// equivalent beside it.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "child_process.hpp"
#include "foreign_server.hpp"
#include "h2_support.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

namespace {

// GETs of /health/live, which `--latency /health/live=fixed:50ms` delays by 50 ms.
std::string live_trace(const TempDir& dir, int count) {
  return write_trace(dir, "live.zst", spaced("live", "/health/live", count, 0, 10'000));
}

double open_loop_ms(const RunOutcome& run, const std::string& figure) {
  return run.number("/users/open_loop_us/" + figure) / 1000.0;
}

// Completed responses per second of offered load.
double achieved_per_s(const RunOutcome& run) {
  return static_cast<double>(run.u64("/overall/completed")) / (run.number("/load_us") / 1e6);
}

// `replay run` with flags it must refuse: exit 1, no result, the error on stderr.
std::string refused(const std::string& trace, const std::string& target,
                    std::vector<std::string> flags) {
  std::vector<std::string> argv = {REPLAY_PATH, "run", trace, "--target", target};
  argv.insert(argv.end(), flags.begin(), flags.end());
  const auto finished = replay::testing::run_to_exit(argv, 10000);
  CHECK(finished.exit_code == 1);
  return finished.err;
}

}  // namespace

TEST_CASE("users: 10 users, no think time, 50 ms responses: about 200 requests per second") {
  TempDir dir("replay-users-rate");
  AgentSim sim({"--latency", "/health/live=fixed:50ms"});
  const auto trace = live_trace(dir, 20);
  const auto run = run_replay_at(dir, trace, sim.url("http"), "result.json",
                                 {"--users", "10", "--duration", "4s"});
  MESSAGE(run.describe("/overall") << " | achieved " << achieved_per_s(run) << "/s");

  // Each user waits for each response: 10 / 0.05 s = 200 requests per second.
  CHECK(achieved_per_s(run) == doctest::Approx(200).epsilon(0.15));
  CHECK(run.u64("/overall/failed") == 0);
  CHECK(run.u64("/overall/offered") == run.u64("/overall/completed"));
  CHECK(run.u64("/connections_opened") <= 12);
  CHECK(run.ms("/overall", "corrected", "p50") >= 50);
  CHECK(run.ms("/overall", "corrected", "p50") <= 56);
  CHECK(run.u64("/users/most") == 10);
  CHECK(run.number("/users/user_seconds") == doctest::Approx(40).epsilon(0.05));
  CHECK(run.number("/users/think_mean_us") == 0);
  CHECK(run.number("/users/interval_mean_us") >= 50'000);
  CHECK(run.number("/users/interval_mean_us") <= 56'000);
  // Nothing stalled: a schedule at the users' pace offers what they achieved, and measures the
  // same latencies.
  CHECK(run.number("/users/open_loop_offered_per_s") ==
        doctest::Approx(achieved_per_s(run)).epsilon(0.15));
  CHECK(open_loop_ms(run, "p99") <= run.ms("/overall", "corrected", "p99") + 5);
  CHECK(run.out.find("closed loop") != std::string::npos);
  CHECK(run.out.find("open loop") != std::string::npos);
}

TEST_CASE("users: a 1 s stall shows in the open-loop equivalent, hidden in the closed loop") {
  TempDir dir("replay-users-stall");
  AgentSim sim({"--latency", "/health/live=fixed:50ms", "--stall", "1s@2s"});
  const auto trace = live_trace(dir, 20);
  const auto run = run_replay_at(dir, trace, sim.url("http"), "result.json",
                                 {"--users", "10", "--duration", "5s", "--timeout", "5s"});
  MESSAGE(run.describe("/overall") << " | open loop p99 " << open_loop_ms(run, "p99") << " ms");

  // Each user sent one request into the stall and waited: 10 of about 800 requests measure
  // ~1 s, so the closed loop's p99 is barely touched...
  CHECK(run.u64("/overall/failed") == 0);
  CHECK(run.ms("/overall", "corrected", "max") >= 950);
  CHECK(run.ms("/overall", "corrected", "p95") < 100);
  // ...while a schedule at the users' pace would have sent 20 requests per user into it, one
  // every 50 ms, the first waiting ~1 s, the last ~50 ms: about 200 of 1000, p99 far up.
  CHECK(open_loop_ms(run, "p99") >= 700);
  CHECK(run.number("/users/open_loop_us/count") >= run.u64("/overall/completed") + 150);
  CHECK(run.number("/users/open_loop_offered_per_s") > 1.15 * achieved_per_s(run));
}

TEST_CASE("users: --spawn-rate and stages start users on time; bad users flags are refused") {
  TempDir dir("replay-users-spawn");
  AgentSim sim({"--latency", "/health/live=fixed:50ms"});
  const auto trace = live_trace(dir, 20);
  const auto spawned = run_replay_at(dir, trace, sim.url("http"), "spawn.json",
                                     {"--users", "4", "--spawn-rate", "2", "--duration", "3s"});
  // 0.5 s of 1 user, 0.5 of 2, 0.5 of 3, then 1.5 s of 4.
  CHECK(spawned.number("/users/user_seconds") == doctest::Approx(9).epsilon(0.05));
  CHECK(achieved_per_s(spawned) == doctest::Approx(9.0 / 3 * 20).epsilon(0.15));
  const auto staged =
      run_replay_at(dir, trace, sim.url("http"), "stages.json", {"--users", "2:1s, 2->6:2s"});
  CHECK(staged.u64("/users/most") == 6);
  CHECK(staged.number("/load_us") == doctest::Approx(3e6).epsilon(0.01));
  CHECK(staged.number("/users/user_seconds") == doctest::Approx(2 + 7.5).epsilon(0.1));

  // --think pauses each user 200 ms before its next session: a cycle of 250 ms.
  const auto thinking = run_replay_at(dir, trace, sim.url("http"), "think.json",
                                      {"--users", "2", "--think", "200ms", "--duration", "3s"});
  CHECK(thinking.u64("/overall/completed") >= 22);
  CHECK(thinking.u64("/overall/completed") <= 25);
  CHECK(thinking.number("/users/think_mean_us") >= 180'000);  // the first sessions pause not
  CHECK(thinking.number("/users/interval_mean_us") >= 230'000);

  const std::string url = sim.url("http");
  CHECK(refused(trace, url, {"--think", "1s"}).find("--think is the pause of --users") !=
        std::string::npos);
  const auto with_rate = refused(trace, url, {"--users", "5", "--rate", "10/s"});
  CHECK(with_rate.find("--users runs closed-loop users") != std::string::npos);
  CHECK(with_rate.find("drop --rate") != std::string::npos);
  CHECK(refused(trace, url, {"--users", "2:1s, x:1s"}).find("--users: stage 2 of '2:1s, x:1s'") !=
        std::string::npos);
  CHECK(refused(trace, url, {"--spawn-rate", "2"}).find("--spawn-rate starts --users") !=
        std::string::npos);
  CHECK(refused(trace, url, {"--users", "0->5:1s, 5:1s", "--spawn-rate", "2"})
            .find("stages ramp their users themselves") != std::string::npos);
}

TEST_CASE("users: each user signs up and logs in once, then reuses its token and cookie") {
  // Guide 002's habit: log in once per user (Locust's on_start), then run the tasks. The first
  // two steps are "once" with user-scoped captures; the cookie jar is the user's.
  TempDir dir("replay-users-login");
  AgentSim sim({});
  dir.write("login-once.json", R"({"name": "login-once",
    "defaults": {"rate": "10/s", "duration": "600ms"},
    "sessions": [{"name": "work", "steps": [
      {"tag": "signup", "method": "POST", "path": "/api/auth/signup", "once": true,
       "body": {"email": "u-{{uuid}}@example.com", "password": "pw-for-tests"},
       "captures": {"email": {"from": "json:/email", "scope": "user"}}},
      {"tag": "login", "method": "POST", "path": "/api/auth/login", "once": true,
       "body": {"email": "{{email}}", "password": "pw-for-tests"},
       "captures": {"token": {"from": "json:/access_token", "scope": "user"}}},
      {"tag": "me", "method": "GET", "path": "/api/auth/me",
       "expect": {"status": 200}},
      {"tag": "chat", "method": "POST", "path": "/api/v1/chat",
       "headers": {"Authorization": "Bearer {{token}}"}, "body": {"message": "hello"},
       "expect": {"status": 200}}]}]})");
  const std::string trace = dir.file("login-once.zst");
  const auto synth = replay::testing::run_to_exit(
      {REPLAY_PATH, "synth", dir.file("login-once.json"), "-o", trace}, 20000);
  REQUIRE_MESSAGE(synth.exit_code == 0, synth.err);
  const auto run = run_replay_at(dir, trace, sim.url("http"), "result.json",
                                 {"--users", "2", "--timeout", "10s"});
  MESSAGE(run.describe("/overall"));

  // Six sessions over two users: two sign-ups and log-ins, six of everything else.
  CHECK(run.u64("/by_tag/signup/completed") == 2);
  CHECK(run.u64("/by_tag/login/completed") == 2);
  CHECK(run.u64("/by_tag/me/completed") == 6);
  CHECK(run.u64("/by_tag/chat/completed") == 6);
  CHECK(run.u64("/overall/errors") == 0);
  CHECK(run.u64("/overall/checks/passed") == 12);

  // Open loop, each session is its own user: six of each (against a fresh agent-sim: the
  // trace's e-mail addresses are taken on the first).
  AgentSim fresh({});
  const auto open = run_replay_at(dir, trace, fresh.url("http"), "open.json", {"--timeout", "10s"});
  CHECK(open.u64("/by_tag/login/completed") == 6);
  CHECK(open.u64("/by_tag/chat/completed") == 6);
  CHECK(open.u64("/overall/errors") == 0);
}
