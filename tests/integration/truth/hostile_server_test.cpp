// replay against hostile_server.py: responses framed by the close, resets mid-body, heads
// trickled a byte at a time, non-HTTP answers and plain delays, each timed against what the
// server is known to do.

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "foreign_server.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

namespace {

const std::string kHostileServer = HOSTILE_SERVER_PATH;

// hostile_server.py in one mode, on the port it prints.
class HostileServer {
 public:
  HostileServer(const std::string& mode, std::vector<std::string> args)
      : server_(argv(mode, std::move(args)), 0) {
    auto line = server_.process().wait_stdout_line("listening on", 10000);
    REQUIRE_MESSAGE(line.has_value(), "hostile_server.py --mode "
                                          << mode << " did not start: " << server_.process().err());
    line_ = *line;
    server_.set_port(port_in_line(line_));
    REQUIRE(server_.port() != 0);
  }
  uint16_t port() const { return server_.port(); }
  // The server's own description of what it will do, from its first line.
  const std::string& line() const { return line_; }

 private:
  static std::vector<std::string> argv(const std::string& mode, std::vector<std::string> args) {
    require_program(kPython, "python3");
    std::vector<std::string> v = {kPython, kHostileServer, "--mode", mode, "--lifetime", "60"};
    v.insert(v.end(), args.begin(), args.end());
    return v;
  }
  ForeignServer server_;
  std::string line_;
};

}  // namespace

TEST_CASE(
    "hostile close-delimited: a body ended by the close completes at once, not at the "
    "timeout") {
  HostileServer server("close-delimited", {"--body-bytes", "2000"});
  TempDir dir("replay-truth-close");
  const auto trace = write_trace(dir, "close.zst", spaced("close", "/close", 20, 0, 50'000));
  const auto run = run_replay(dir, trace, server.port(), "result.json", {"--timeout", "3s"});
  MESSAGE(run.describe("/overall") << " | elapsed_us " << run.u64("/elapsed_us") << " connections "
                                   << run.u64("/connections_opened"));

  CHECK(run.u64("/overall/offered") == 20);
  CHECK(run.u64("/overall/completed") == 20);
  CHECK(run.u64("/overall/status/2xx") == 20);
  CHECK(run.u64("/overall/failed") == 0);
  CHECK(run.u64("/overall/failures/timeout") == 0);
  CHECK(run.u64("/overall/failures/closed_early") == 0);
  CHECK(run.u64("/overall/latency_us/lower_bounds") == 0);
  // Answered at once on loopback: a response taken for the 3 s timeout is 30 times this.
  CHECK(run.ms("/overall", "corrected", "p99") < 100);
  CHECK(run.ms("/overall", "service", "p99") < 100);
  CHECK(run.u64("/overall/response_bytes") >= 20 * 2000);
  CHECK(run.u64("/overall/response_bytes") <= 20 * (2000 + 200));
  // The last request is due at 0.95 s.
  CHECK(run.u64("/elapsed_us") < 2'000'000);
  // The server closes every connection: one per request.
  CHECK(run.u64("/connections_opened") >= 20);
  CHECK(run.u64("/connections_opened") <= 25);
}

TEST_CASE("hostile close-delimited: a close 300 ms after the body ends the response then") {
  HostileServer server("close-delimited", {"--body-bytes", "2000", "--close-after-ms", "300"});
  TempDir dir("replay-truth-close-late");
  const auto trace = write_trace(dir, "close.zst", spaced("close", "/close", 10, 0, 100'000));
  const auto run = run_replay(dir, trace, server.port(), "result.json", {"--timeout", "3s"});
  MESSAGE(run.describe("/overall"));

  CHECK(run.u64("/overall/completed") == 10);
  CHECK(run.u64("/overall/status/2xx") == 10);
  CHECK(run.u64("/overall/failed") == 0);
  CHECK(run.ms("/overall", "corrected", "p50") >= 299);
  CHECK(run.ms("/overall", "corrected", "p50") <= 450);
  CHECK(run.ms("/overall", "corrected", "max") < 600);
  CHECK(run.ms("/overall", "service", "p50") >= 299);
  CHECK(run.ms("/overall", "service", "p50") <= 450);
  // The head and the whole body came at once; only the end waited for the close.
  CHECK(run.ms("/overall", "ttfb", "p50") < 100);
}

TEST_CASE(
    "hostile reset-mid-body: every request fails as a reset when the RST comes, counted in "
    "the corrected latency as a lower bound") {
  HostileServer server("reset-mid-body", {"--reset-after-ms", "50"});
  TempDir dir("replay-truth-reset");
  const auto trace = write_trace(dir, "reset.zst", spaced("reset", "/reset", 20, 0, 50'000));
  // Nothing is answered: exit 2, no request got a response.
  const auto run =
      run_replay(dir, trace, server.port(), "result.json", {"--timeout", "5s"}, 30000, 2);
  CHECK(run.err.find("no request got a response") != std::string::npos);
  MESSAGE(run.describe("/overall") << " | elapsed_us " << run.u64("/elapsed_us"));

  CHECK(run.u64("/overall/offered") == 20);
  CHECK(run.u64("/overall/completed") == 0);
  CHECK(run.u64("/overall/failed") == 20);
  CHECK(run.u64("/overall/failures/reset") == 20);
  CHECK(run.u64("/overall/failures/timeout") == 0);
  CHECK(run.u64("/overall/errors") == 20);
  // Failures enter the corrected latency at their failure time, as lower bounds.
  CHECK(run.u64("/overall/latency_us/lower_bounds") == 20);
  CHECK(run.u64("/overall/latency_us/corrected/count") == 20);
  CHECK(run.u64("/overall/latency_us/corrected_completed/count") == 0);
  // The RST follows the first 100 bytes by 50 ms: far from the 5 s timeout.
  CHECK(run.ms("/overall", "corrected", "p50") >= 45);
  CHECK(run.ms("/overall", "corrected", "p99") < 1000);
  CHECK(run.timeline_sum("failed") == 20);
  CHECK(run.timeline_sum("completed") == 0);
  CHECK(run.u64("/elapsed_us") < 3'000'000);
}

TEST_CASE(
    "hostile trickle-headers: a head sent one byte every 10 ms completes with its last "
    "byte") {
  HostileServer server("trickle-headers", {"--byte-interval-ms", "10"});
  // "... the last at 630 ms)"
  const size_t at = server.line().find("the last at ");
  REQUIRE(at != std::string::npos);
  const double total_ms = std::atof(server.line().c_str() + at + 12);
  REQUIRE(total_ms > 300);
  TempDir dir("replay-truth-trickle");
  const auto trace = write_trace(dir, "trickle.zst", spaced("trickle", "/t", 5, 0, 200'000));
  const auto run = run_replay(dir, trace, server.port(), "result.json", {"--timeout", "5s"});
  MESSAGE(run.describe("/overall") << " | head trickled over " << total_ms << " ms");

  CHECK(run.u64("/overall/completed") == 5);
  CHECK(run.u64("/overall/status/2xx") == 5);
  CHECK(run.u64("/overall/failed") == 0);
  CHECK(run.ms("/overall", "corrected", "p50") >= total_ms * 0.99);
  CHECK(run.ms("/overall", "corrected", "p50") <= total_ms + 150);
  CHECK(run.ms("/overall", "corrected", "max") <= total_ms + 300);
  CHECK(run.ms("/overall", "service", "p50") >= total_ms * 0.99);
  // TTFB is the first byte (docs/result-format.md), which the server sends at once.
  CHECK(run.ms("/overall", "ttfb", "p50") < 100);
}

TEST_CASE(
    "hostile garbage: non-HTTP bytes fail as http_parse at once, without waiting for the "
    "timeout") {
  HostileServer server("garbage", {});
  TempDir dir("replay-truth-garbage");
  const auto trace = write_trace(dir, "garbage.zst", spaced("garbage", "/g", 10, 0, 100'000));
  // Nothing is answered: exit 2, no request got a response.
  const auto run =
      run_replay(dir, trace, server.port(), "result.json", {"--timeout", "3s"}, 30000, 2);
  CHECK(run.err.find("no request got a response") != std::string::npos);
  MESSAGE(run.describe("/overall") << " | elapsed_us " << run.u64("/elapsed_us"));

  CHECK(run.u64("/overall/completed") == 0);
  CHECK(run.u64("/overall/failed") == 10);
  CHECK(run.u64("/overall/failures/http_parse") == 10);
  CHECK(run.u64("/overall/failures/timeout") == 0);
  CHECK(run.u64("/overall/latency_us/lower_bounds") == 10);
  CHECK(run.u64("/overall/latency_us/corrected/count") == 10);
  CHECK(run.ms("/overall", "corrected", "p99") < 500);
  CHECK(run.timeline_sum("failed") == 10);
  CHECK(run.u64("/elapsed_us") < 2'500'000);
}

TEST_CASE("hostile delay: an answer 200 ms after the request measures 200 ms") {
  HostileServer server("delay", {"--delay-ms", "200"});
  TempDir dir("replay-truth-delay");
  const auto trace = write_trace(dir, "delay.zst", spaced("delay", "/d", 20, 0, 50'000));
  const auto run = run_replay(dir, trace, server.port(), "result.json", {"--timeout", "3s"});
  MESSAGE(run.describe("/overall") << " | connections " << run.u64("/connections_opened"));

  CHECK(run.u64("/overall/completed") == 20);
  CHECK(run.u64("/overall/status/2xx") == 20);
  CHECK(run.u64("/overall/failed") == 0);
  CHECK(run.ms("/overall", "corrected", "p50") >= 199);
  CHECK(run.ms("/overall", "corrected", "p50") <= 260);
  CHECK(run.ms("/overall", "corrected", "p99") < 350);
  CHECK(run.ms("/overall", "service", "p50") >= 199);
  CHECK(run.ms("/overall", "service", "p50") <= 260);
  CHECK(run.ms("/overall", "ttfb", "p50") >= 199);
  CHECK(run.ms("/overall", "send_lag", "p99") < 50);
  // About four requests are in flight at once, on keep-alive connections.
  CHECK(run.u64("/connections_opened") <= 10);
}
