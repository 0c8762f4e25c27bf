// HTTP/2 runs against agent-sim: h2c with prior knowledge and h2 by ALPN, a known delay
// measured over multiplexed streams, SSE event timing on DATA frames, and the server's
// RST_STREAM and GOAWAY faults counted by cause.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "h2_support.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

namespace {

constexpr int kRequests = 40;

// kRequests GETs of an endpoint agent-sim's --latency delays, one every `gap_us`.
std::string analytics_trace(const TempDir& dir, int64_t gap_us) {
  return write_trace(dir, "analytics.zst",
                     spaced("analytics", "/api/v1/analytics/agents", kRequests, 0, gap_us));
}

}  // namespace

TEST_CASE("h2c: a 50 ms delay measured over streams of one connection") {
  TempDir dir("replay-h2-h2c");
  AgentSim sim({"--latency", "50ms"});
  // One request every 20 ms, each 50 ms long: two or three streams open at once.
  const auto trace = analytics_trace(dir, 20'000);
  const auto run = run_replay_at(dir, trace, sim.url("h2c"), "result.json",
                                 {"--timeout", "5s", "--threads", "1"});
  MESSAGE(run.describe("/overall"));

  CHECK(run.u64("/overall/completed") == kRequests);
  CHECK(run.u64("/overall/failed") == 0);
  CHECK(run.u64("/overall/status/2xx") == kRequests);
  CHECK(run.u64("/protocols/h2") == kRequests);
  CHECK(run.u64("/protocols/http1") == 0);
  CHECK(run.u64("/connections_opened") == 1);
  CHECK(run.u64("/h2_streams/connections") == 1);
  CHECK(run.u64("/h2_streams/streams") == kRequests);
  CHECK(run.u64("/h2_streams/max_per_connection") == kRequests);
  CHECK(run.u64("/h2_streams/max_concurrent") >= 2);
  CHECK(run.ms("/overall", "service", "p50") >= 50);
  CHECK(run.ms("/overall", "corrected", "p50") >= 50);
  CHECK(run.ms("/overall", "corrected", "p50") <= 58);
  CHECK(run.ms("/overall", "ttfb", "p50") >= 50);
  CHECK(run.ms("/overall", "ttfb", "p50") <= run.ms("/overall", "corrected", "p50"));
}

TEST_CASE("--http2 makes an http:// target h2c; --http auto keeps it HTTP/1.1") {
  TempDir dir("replay-h2-flag");
  AgentSim sim({"--latency", "50ms"});
  const auto trace = analytics_trace(dir, 20'000);
  const auto h2 =
      run_replay_at(dir, trace, sim.url("http"), "h2.json", {"--http2", "--threads", "1"});
  const auto h1 =
      run_replay_at(dir, trace, sim.url("http"), "h1.json", {"--http", "auto", "--threads", "1"});

  CHECK(h2.u64("/protocols/h2") == kRequests);
  CHECK(h2.u64("/connections_opened") == 1);
  CHECK(h1.u64("/protocols/http1") == kRequests);
  CHECK(h1.u64("/protocols/h2") == 0);
  CHECK_FALSE(h1.has("/h2_streams"));
  // One request per connection at a time: overlapping requests need more than one.
  CHECK(h1.u64("/connections_opened") >= 2);
  CHECK(h1.u64("/overall/completed") == kRequests);
}

TEST_CASE("--max-streams 1 puts each overlapping request on a connection of its own") {
  TempDir dir("replay-h2-max-streams");
  AgentSim sim({"--latency", "50ms"});
  const auto trace = analytics_trace(dir, 20'000);
  const auto run = run_replay_at(dir, trace, sim.url("h2c"), "result.json",
                                 {"--max-streams", "1", "--threads", "1"});
  CHECK(run.u64("/overall/completed") == kRequests);
  CHECK(run.u64("/h2_streams/max_concurrent") == 1);
  CHECK(run.u64("/connections_opened") >= 2);
}

TEST_CASE("h2 over TLS: --http auto takes h2 when ALPN chooses it, HTTP/1.1 when not") {
  TempDir dir("replay-h2-tls");
  const auto [cert, key] = write_certificate(dir);
  AgentSim h2_sim({"--latency", "20ms", "--cert", cert, "--key", key});
  AgentSim h1_sim({"--latency", "20ms", "--cert", cert, "--key", key, "--no-http2"});
  const auto trace = analytics_trace(dir, 10'000);

  const auto h2 = run_replay_at(dir, trace, h2_sim.url("https"), "h2.json",
                                {"--cacert", cert, "--threads", "1"});
  CHECK(h2.u64("/overall/completed") == kRequests);
  CHECK(h2.u64("/protocols/h2") == kRequests);
  CHECK(h2.u64("/connections_opened") == 1);
  CHECK(h2.u64("/tls_handshakes") == 1);
  CHECK(h2.ms("/overall", "service", "p50") >= 20);

  const auto h1 = run_replay_at(dir, trace, h1_sim.url("https"), "h1.json",
                                {"--cacert", cert, "--threads", "1"});
  CHECK(h1.u64("/overall/completed") == kRequests);
  CHECK(h1.u64("/protocols/http1") == kRequests);

  // --http 2 insists: a server without h2 fails every request at the handshake.
  const auto refused = run_replay_at(dir, trace, h1_sim.url("https"), "refused.json",
                                     {"--cacert", cert, "--http", "2"}, 30000, 2);
  CHECK(refused.u64("/overall/failures/tls") == kRequests);
}

TEST_CASE("SSE over h2: first event and gaps timed on DATA frames") {
  TempDir dir("replay-h2-sse");
  AgentSim sim(
      {"--stream-first-token", "40ms", "--stream-tokens", "5", "--stream-token-interval", "20ms"});
  std::vector<TraceRequest> requests;
  for (int i = 0; i < 10; ++i) {
    requests.push_back({i * 30'000,
                        "stream",
                        "/api/v1/chat/stream",
                        "POST",
                        "{\"message\":\"hi\"}",
                        {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}}});
  }
  const auto trace = write_trace(dir, "sse.zst", requests);
  const auto run = run_replay_at(dir, trace, sim.url("h2c"), "result.json", {"--threads", "1"});
  MESSAGE(run.describe("/overall"));

  CHECK(run.u64("/overall/completed") == 10);
  CHECK(run.u64("/overall/status/2xx") == 10);
  CHECK(run.u64("/connections_opened") == 1);
  // 5 token events and the closing [DONE] event.
  CHECK(run.number("/overall/sse/events_per_response/p50") == 6);
  const double first_ms = run.number("/overall/sse/first_event_us/p50") / 1000.0;
  const double gap_ms = run.number("/overall/sse/inter_event_us/p50") / 1000.0;
  CHECK(first_ms >= 40);
  CHECK(first_ms <= 48);
  CHECK(gap_ms >= 19);
  CHECK(gap_ms <= 26);
  // The head comes at once, the body after the events.
  CHECK(run.ms("/overall", "ttfb", "p50") < 10);
  CHECK(run.ms("/overall", "service", "p50") >= 40 + 4 * 20);
}

TEST_CASE("RST_STREAM from the server is counted as h2_reset; the connection goes on") {
  TempDir dir("replay-h2-reset");
  AgentSim sim({"--h2-reset-every", "5"});
  const auto trace = analytics_trace(dir, 10'000);
  const auto run = run_replay_at(dir, trace, sim.url("h2c"), "result.json", {"--threads", "1"});

  CHECK(run.u64("/overall/failures/h2_reset") == kRequests / 5);
  CHECK(run.u64("/overall/completed") == kRequests - kRequests / 5);
  CHECK(run.u64("/overall/failed") == kRequests / 5);
  CHECK(run.u64("/connections_opened") == 1);
}

TEST_CASE("GOAWAY: refused streams are counted as h2_goaway and new connections take over") {
  TempDir dir("replay-h2-goaway");
  // GOAWAY once a connection's 5th response ended: the streams opened during its 50 ms are
  // refused.
  AgentSim sim({"--latency", "50ms", "--h2-goaway-after", "5"});
  const auto trace = analytics_trace(dir, 10'000);
  const auto run = run_replay_at(dir, trace, sim.url("h2c"), "result.json", {"--threads", "1"});
  MESSAGE("completed " << run.u64("/overall/completed") << ", h2_goaway "
                       << run.u64("/overall/failures/h2_goaway") << ", connections "
                       << run.u64("/connections_opened"));

  const uint64_t goaway = run.u64("/overall/failures/h2_goaway");
  const uint64_t completed = run.u64("/overall/completed");
  CHECK(goaway >= 1);
  CHECK(completed + goaway == kRequests);
  CHECK(run.u64("/overall/failed") == goaway);
  CHECK(run.u64("/connections_opened") >= 2);
  // No connection answers more than 5.
  CHECK(completed <= 5 * run.u64("/connections_opened"));
}
