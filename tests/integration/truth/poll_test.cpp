// Poll steps (trace format version 2) against poll_server.py, a job API on Python's standard
// library: a session creates a job, polls it until it is done, and is timed whole; a poll that
// runs out of attempts is an error that ends its session.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "foreign_server.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

namespace {

// poll_server.py with its jobs done `done_after_ms` after they are made.
class PollServer {
 public:
  explicit PollServer(int done_after_ms)
      : server_({kPython, POLL_SERVER_PATH, "--done-after-ms", std::to_string(done_after_ms),
                 "--lifetime", "60"},
                0) {
    require_program(kPython, "python3");
    auto line = server_.process().wait_stdout_line("listening on", 10000);
    REQUIRE_MESSAGE(line.has_value(), "poll_server.py did not start: " << server_.process().err());
    server_.set_port(port_in_line(*line));
  }
  uint16_t port() const { return server_.port(); }

 private:
  ForeignServer server_;
};

// `sessions` sessions, 1 s apart: POST /jobs (capturing the id), then GET /jobs/{{id}} polled
// every 100 ms, at most `max` times, until its status is done; the poll ends the session.
std::string job_trace(const TempDir& dir, int sessions, int max) {
  std::vector<TraceRequest> requests;
  for (int s = 0; s < sessions; ++s) {
    const std::string session = "job-" + std::to_string(s);
    TraceRequest create{s * 1'000'000, "create", "/jobs", "POST", "{}"};
    create.session = session;
    create.more = R"("captures":[{"name":"id","source":"json:/id"}])";
    TraceRequest poll{s * 1'000'000 + 10'000, "poll", "/jobs/{{id}}"};
    poll.session = session;
    poll.more = R"("session_end":true,"poll":{"every_us":100000,"max":)" + std::to_string(max) +
                R"(,"until":{"json":{"/status":{"equals":"done"}}}})";
    requests.push_back(create);
    requests.push_back(poll);
  }
  return write_trace(dir, "jobs.zst", std::move(requests));
}

}  // namespace

TEST_CASE("poll: a job polled every 100 ms until done after 600 ms: the session takes ~0.6 s") {
  PollServer server(600);
  TempDir dir("replay-truth-poll");
  const auto run = run_replay(dir, job_trace(dir, 3, 30), server.port(), "result.json", {});
  MESSAGE(run.describe("/by_tag/poll"));

  CHECK(run.u64("/by_tag/create/completed") == 3);
  CHECK(run.u64("/by_tag/create/status/2xx") == 3);
  // 600 ms at one poll every ~100 ms plus its response: six or seven polls per job.
  CHECK(run.u64("/by_tag/poll/completed") >= 3 * 6);
  CHECK(run.u64("/by_tag/poll/completed") <= 3 * 8);
  CHECK(run.u64("/overall/errors") == 0);
  CHECK(run.u64("/overall/session_us/count") == 3);
  CHECK(run.number("/overall/session_us/min") / 1000 >= 600);
  CHECK(run.number("/overall/session_us/max") / 1000 <= 800);
}

TEST_CASE("poll: a job that is never done in 3 attempts is poll_exhausted, an error") {
  PollServer server(60'000);
  TempDir dir("replay-truth-poll-exhausted");
  const auto run = run_replay(dir, job_trace(dir, 2, 3), server.port(), "result.json", {});
  MESSAGE(run.describe("/overall"));

  CHECK(run.u64("/by_tag/poll/completed") == 2 * 3);
  CHECK(run.u64("/by_tag/poll/failures/poll_exhausted") == 2);
  CHECK(run.u64("/overall/errors") == 2);
  CHECK(run.u64("/overall/failed") == 0);  // every request got its answer
  CHECK_FALSE(run.has("/overall/session_us"));
  CHECK(run.out.find("poll_exhausted") != std::string::npos);
}
