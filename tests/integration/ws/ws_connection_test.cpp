// client::WsConnection (the replayed WebSocket session) on a real loop over loopback: against
// agent-sim's /ws/chat (its first-token and per-token pacing are the injected latency) and
// against python3-websockets (a server we did not write) answering after a known delay.
// Message latency is measured from each message's intended time.

#include <doctest/doctest.h>
#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "replay/client/ws_connection.hpp"
#include "replay/tls/tls_context.hpp"
#include "test_certificate.hpp"
#include "ws_support.hpp"

using namespace replay;
using namespace replay::client;
using namespace replay::testing;

namespace {

constexpr int64_t kMs = 1'000'000;

struct Outcome final : WsSessionListener {
  std::vector<WsMessageOutcome> replies;
  std::optional<WsSessionResult> result;
  void on_reply(const WsMessageOutcome& reply) override { replies.push_back(reply); }
  void on_ended(const WsSessionResult& r) override { result = r; }
};

trace::WsMessage send_at(int64_t offset_ms, std::string text, std::string until = {}) {
  trace::WsMessage m;
  m.offset_us = offset_ms * 1000;
  m.payload = std::move(text);
  m.reply_until = std::move(until);
  return m;
}

// Runs one session on a fresh loop, its upgrade intended `lead_ms` from now (it connects at
// once, as the engine does at the intended time); at most 20 s.
Outcome run_session(uint16_t port, const trace::Record& record, int64_t lead_ms = 0) {
  auto target = parse_target("http://127.0.0.1:" + std::to_string(port));
  REQUIRE(target.ok());
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  Outcome outcome;
  {
    const int64_t intended = static_cast<int64_t>(uv_hrtime()) + lead_ms * kMs;
    WsConnection connection(&loop, *target, nullptr, record, intended, outcome);
    connection.start();
    const uint64_t give_up = uv_hrtime() + 20'000 * static_cast<uint64_t>(kMs);
    while (!connection.ended() && uv_hrtime() < give_up) uv_run(&loop, UV_RUN_ONCE);
    REQUIRE(connection.ended());
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // the closed handles' callbacks
  CHECK(uv_loop_close(&loop) == 0);
  REQUIRE(outcome.result.has_value());
  return outcome;
}

double first_ms(const WsMessageOutcome& r) {
  return static_cast<double>(r.first_frame_ns - r.intended_ns) / kMs;
}
double last_ms(const WsMessageOutcome& r) {
  return static_cast<double>(r.last_frame_ns - r.intended_ns) / kMs;
}

}  // namespace

TEST_CASE("a replayed session against agent-sim /ws/chat: latency from intended time") {
  // Reply: first chunk 150 ms after the message, 4 more every 25 ms, then done with the last.
  ListeningChild sim({AGENT_SIM_PATH, "--listen", "127.0.0.1:0", "--stream-first-token", "150ms",
                      "--stream-tokens", "5", "--stream-token-interval", "25ms",
                      "--ws-ping-interval", "100ms"});
  trace::Record record;
  record.method = "GET";
  record.target = "/ws/chat";
  record.headers = {{"Authorization", "Bearer " + operator_token()}};
  record.ws.emplace();
  record.ws->messages = {send_at(0, R"({"message":"hi"})", R"("type":"done")"),
                         send_at(600, R"({"message":"more"})", R"("type":"done")")};
  record.ws->close_us = 1'200'000;  // holds the connection 1.2 s: pings come meanwhile

  Outcome o = run_session(sim.port, record);
  const WsSessionResult& r = *o.result;
  CHECK_MESSAGE(!r.failure, r.error);
  CHECK(r.status == 101);
  CHECK(r.messages_sent == 2);
  CHECK(r.messages_unsent == 0);
  CHECK(r.messages_received == 12);  // 2 x (5 chunks + done)
  CHECK(r.pings >= 8);               // every 100 ms for 1.2 s, each answered by the session
  CHECK(r.close_code_sent == 1000);
  CHECK(r.close_code_received == 1000);
  CHECK(r.ended_ns - r.intended_ns >= 1200 * kMs);
  REQUIRE(o.replies.size() == 2);
  for (const WsMessageOutcome& reply : o.replies) {
    MESSAGE("message ", reply.index, ": first frame ", first_ms(reply), " ms, last frame ",
            last_ms(reply), " ms, ", reply.frames, " frames, sent ",
            static_cast<double>(reply.sent_ns - reply.intended_ns) / kMs, " ms late");
    CHECK(reply.end == WsReplyEnd::rule);
    CHECK(reply.complete());
    CHECK(reply.frames == 6);
    CHECK(first_ms(reply) >= 150);
    CHECK(first_ms(reply) < 150 + 60);
    CHECK(last_ms(reply) >= 150 + 4 * 25);
    CHECK(last_ms(reply) < 150 + 4 * 25 + 60);
  }
}

TEST_CASE("open loop: a message goes at its time though the upgrade answered late") {
  // --latency delays the 101 by 300 ms; the first message is intended at +0, the second at
  // +100 ms: both are due before the session is open and go out at once when it is, and
  // their latency counts the wait.
  ListeningChild sim({AGENT_SIM_PATH, "--listen", "127.0.0.1:0", "--latency", "/ws/chat=300ms",
                      "--stream-first-token", "50ms", "--stream-tokens", "1", "--ws-ping-interval",
                      "0"});
  trace::Record record;
  record.method = "GET";
  record.target = "/ws/chat";
  record.headers = {{"Authorization", "Bearer " + operator_token()}};
  record.ws.emplace();
  record.ws->messages = {send_at(0, R"({"message":"a"})", R"("type":"done")")};
  Outcome o = run_session(sim.port, record);
  CHECK_MESSAGE(!o.result->failure, o.result->error);
  REQUIRE(o.replies.size() == 1);
  const WsMessageOutcome& reply = o.replies[0];
  MESSAGE("upgrade answered after ",
          static_cast<double>(o.result->upgraded_ns - o.result->intended_ns) / kMs,
          " ms; first frame ", first_ms(reply), " ms from the intended time");
  CHECK(o.result->upgraded_ns - o.result->intended_ns >= 300 * kMs);
  CHECK(reply.sent_ns - reply.intended_ns >= 300 * kMs);
  CHECK(first_ms(reply) >= 350);
  CHECK(first_ms(reply) < 350 + 100);
}

TEST_CASE("failures are counted by cause: refused upgrade, refused connection") {
  ListeningChild sim({AGENT_SIM_PATH, "--listen", "127.0.0.1:0"});
  trace::Record record;
  record.method = "GET";
  record.target = "/ws/chat";  // no token: 401
  record.ws.emplace();
  record.ws->messages = {send_at(0, "x")};
  Outcome refused = run_session(sim.port, record);
  REQUIRE(refused.result->failure.has_value());
  CHECK(*refused.result->failure == WsFailure::handshake_refused);
  CHECK(refused.result->status == 401);
  CHECK(refused.result->messages_unsent == 1);
  CHECK(refused.replies.empty());

  // A port nobody listens on: the agent-sim's, once it is gone.
  const uint16_t port = sim.port;
  sim.process.reset();
  Outcome nobody = run_session(port, record);
  REQUIRE(nobody.result->failure.has_value());
  CHECK(*nobody.result->failure == WsFailure::connect_refused);
}

TEST_CASE("a replayed session against python3-websockets answering after a known delay") {
  truth::require_python_module("websockets", "python3-websockets");
  constexpr int kDelayMs = 120;
  ListeningChild server({truth::kPython, WS_DELAY_SERVER_PATH, std::to_string(kDelayMs)});
  trace::Record record;
  record.method = "GET";
  record.target = "/delay";
  record.ws.emplace();
  record.ws->messages = {send_at(0, "one", "^done:"), send_at(400, "two", "^done:"),
                         send_at(800, "three")};
  record.ws->reply_quiet_us = 500'000;  // "three" has no rule: its reply ends 500 ms quiet
  Outcome o = run_session(server.port, record);
  const WsSessionResult& r = *o.result;
  CHECK_MESSAGE(!r.failure, r.error);
  CHECK(r.messages_sent == 3);
  CHECK(r.messages_received == 6);
  CHECK(r.close_code_sent == 1000);
  CHECK(r.close_code_received == 1000);
  REQUIRE(o.replies.size() == 3);
  for (const WsMessageOutcome& reply : o.replies) {
    MESSAGE("message ", reply.index, ": first frame ", first_ms(reply), " ms, last frame ",
            last_ms(reply), " ms (server delay ", kDelayMs, " ms per frame)");
    CHECK(reply.frames == 2);
    CHECK(first_ms(reply) >= kDelayMs);
    CHECK(first_ms(reply) < kDelayMs + 50);
    CHECK(last_ms(reply) >= 2 * kDelayMs);
    CHECK(last_ms(reply) < 2 * kDelayMs + 50);
  }
  CHECK(o.replies[0].end == WsReplyEnd::rule);
  CHECK(o.replies[1].end == WsReplyEnd::rule);
  CHECK(o.replies[2].end == WsReplyEnd::quiet);
}

TEST_CASE("a stall shows in message latency from the intended time; sends stay on time") {
  // agent-sim answers nothing from 2 s to 4 s after it started. The session starts at once:
  // the first message is answered in 50 ms; the second, intended at 2.5 s (inside the stall),
  // waits for the stall's end; the third goes out on time at 3 s although the second has had
  // no reply (open loop), and its reply too waits for the stall.
  ListeningChild sim({AGENT_SIM_PATH, "--listen", "127.0.0.1:0", "--no-auth", "--stall", "2s@2s",
                      "--stream-first-token", "50ms", "--stream-tokens", "1", "--ws-ping-interval",
                      "0"});
  trace::Record record;
  record.method = "GET";
  record.target = "/ws/chat";
  record.ws.emplace();
  record.ws->messages = {send_at(0, R"({"message":"a"})", R"("type":"done")"),
                         send_at(2500, R"({"message":"b"})", R"("type":"done")"),
                         send_at(3000, R"({"message":"c"})", R"("type":"done")")};
  record.ws->reply_quiet_us = 3'000'000;
  record.ws->close_us = 6'000'000;
  Outcome o = run_session(sim.port, record);
  CHECK_MESSAGE(!o.result->failure, o.result->error);
  REQUIRE(o.replies.size() == 3);
  for (const WsMessageOutcome& reply : o.replies) {
    MESSAGE("message ", reply.index, ": sent ",
            static_cast<double>(reply.sent_ns - reply.intended_ns) / kMs, " ms late, first frame ",
            static_cast<double>(reply.first_frame_or_end_ns() - reply.intended_ns) / kMs,
            " ms, frames ", reply.frames, ", complete ", reply.complete());
    CHECK(reply.sent_ns - reply.intended_ns < 20 * kMs);
  }
  CHECK(first_ms(o.replies[0]) < 150);
  // The second message's reply is cut by the third message, unanswered: a lower bound of
  // 500 ms (its intended time to the third's).
  CHECK(o.replies[1].frames == 0);
  CHECK_FALSE(o.replies[1].complete());
  CHECK(o.replies[1].first_frame_or_end_ns() - o.replies[1].intended_ns >= 500 * kMs);
  // The stall ends about 1 s after the third message: its reply comes after that.
  CHECK(o.replies[2].frames > 0);
  CHECK(first_ms(o.replies[2]) >= 500);
  CHECK(first_ms(o.replies[2]) < 1500);
}

TEST_CASE("wss: the same session over TLS against agent-sim --cert --key") {
  const tls::testing::TestCertificate cert = tls::testing::make_test_certificate();
  tls::testing::TempFile cert_file(cert.cert_pem);
  tls::testing::TempFile key_file(cert.key_pem);
  ListeningChild sim({AGENT_SIM_PATH, "--listen", "127.0.0.1:0", "--no-auth", "--cert",
                      cert_file.path(), "--key", key_file.path(), "--stream-first-token", "100ms",
                      "--stream-tokens", "3", "--stream-token-interval", "20ms",
                      "--ws-ping-interval", "0"});
  auto target = parse_target("https://127.0.0.1:" + std::to_string(sim.port));
  REQUIRE(target.ok());
  auto tls_context = tls::TlsContext::create_client(/*insecure=*/true, "");
  REQUIRE(tls_context.ok());
  trace::Record record;
  record.method = "GET";
  record.target = "/ws/chat";
  record.ws.emplace();
  record.ws->messages = {send_at(0, R"({"message":"over tls"})", R"("type":"done")")};
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  Outcome o;
  {
    WsConnection connection(&loop, *target, tls_context->get(), record,
                            static_cast<int64_t>(uv_hrtime()), o);
    connection.start();
    const uint64_t give_up = uv_hrtime() + 20'000 * static_cast<uint64_t>(kMs);
    while (!connection.ended() && uv_hrtime() < give_up) uv_run(&loop, UV_RUN_ONCE);
    REQUIRE(connection.ended());
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  REQUIRE(o.result.has_value());
  CHECK_MESSAGE(!o.result->failure, o.result->error);
  CHECK(o.result->status == 101);
  CHECK(o.result->close_code_received == 1000);
  REQUIRE(o.replies.size() == 1);
  MESSAGE("wss: first frame ", first_ms(o.replies[0]), " ms, last frame ", last_ms(o.replies[0]),
          " ms");
  CHECK(o.replies[0].frames == 4);  // 3 chunks and done
  CHECK(first_ms(o.replies[0]) >= 100);
  CHECK(first_ms(o.replies[0]) < 100 + 60);
  CHECK(last_ms(o.replies[0]) >= 100 + 2 * 20);
  CHECK(last_ms(o.replies[0]) < 140 + 60);
}
