// `replay run` replaying WebSocket sessions open-loop: a `replay synth ws-chat` trace against
// agent-sim's /ws/chat (its first-token and per-token pacing are the injected latency), and a
// hand-made version 2 trace against python3-websockets replying after a known delay. The
// figures come from result.json's ws object.

#include <doctest/doctest.h>

#include <string>

#include "replay/results/result_reader.hpp"
#include "replay/trace/trace_writer.hpp"
#include "temp_dir.hpp"
#include "ws_support.hpp"

using namespace replay;
using namespace replay::testing;

namespace {

double ms(const histogram::Histogram& h, double percentile) {
  return static_cast<double>(h.value_at_percentile(percentile)) / 1000.0;
}

results::ResultDoc read_result(const std::string& path) {
  auto doc = results::read_result_file(path);
  REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error().context));
  return std::move(doc).value();
}

}  // namespace

TEST_CASE("replay run: synth ws-chat against agent-sim /ws/chat, latency from intended time") {
  TempDir dir;
  // Each reply: first chunk 150 ms after its message, 4 more 25 ms apart, done with the last.
  ListeningChild sim({AGENT_SIM_PATH, "--listen", "127.0.0.1:0", "--stream-first-token", "150ms",
                      "--stream-tokens", "5", "--stream-token-interval", "25ms",
                      "--ws-ping-interval", "500ms"});
  const std::string trace = dir.file("ws.zst");
  Finished synth = run_to_exit({REPLAY_PATH, "synth", "ws-chat", "--rate", "3/s", "--duration",
                                "3s", "--seed", "5", "-o", trace},
                               20000);
  REQUIRE_MESSAGE(synth.exit_code == 0, synth.err);
  const std::string out = dir.file("result.json");
  const std::string target = "http://127.0.0.1:" + std::to_string(sim.port);
  Finished run =
      run_to_exit({REPLAY_PATH, "run", trace, "--target", target, "--out", out, "--threshold",
                   "ws_message.p95<400ms", "--threshold", "ws.last_frame.p99<600ms"},
                  60000);
  MESSAGE(run.out);
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  CHECK(run.out.find("  websocket  sessions ") != std::string::npos);
  const results::ResultDoc doc = read_result(out);
  REQUIRE(doc.overall.ws.has_value());
  const results::WsScope& ws = *doc.overall.ws;
  CHECK(ws.sessions >= 5);
  CHECK(ws.sessions == doc.overall.offered);
  CHECK(ws.upgraded == ws.sessions);
  uint64_t upgrades = 0;
  for (const auto& [code, n] : doc.overall.status_codes) upgrades += code == 101 ? n : 0;
  CHECK(upgrades == ws.sessions);
  CHECK(ws.messages_sent == 2 * ws.sessions);  // ws-chat: a question and a follow-up
  CHECK(ws.messages_unsent == 0);
  CHECK(ws.messages_received == 6 * ws.messages_sent);
  CHECK(ws.replies == ws.messages_sent);
  CHECK(ws.replies_incomplete == 0);
  CHECK(ws.pings > 0);  // every session is open > 4 s: pings came and were answered
  CHECK(ws.error_count() == 0);
  REQUIRE(ws.close_codes.size() == 1);
  CHECK(ws.close_codes[0].first == 1000);
  CHECK(ws.close_codes[0].second == ws.sessions);
  MESSAGE("first frame p50 ", ms(ws.first_frame_us, 50), " ms, max ", ms(ws.first_frame_us, 100),
          " ms; last frame p50 ", ms(ws.last_frame_us, 50), " ms, max ", ms(ws.last_frame_us, 100),
          " ms");
  CHECK(ws.first_frame_us.count() == ws.replies);
  CHECK(ms(ws.first_frame_us, 0) >= 150);
  CHECK(ms(ws.first_frame_us, 100) < 150 + 60);
  CHECK(ms(ws.last_frame_us, 0) >= 150 + 4 * 25);
  CHECK(ms(ws.last_frame_us, 100) < 250 + 60);
  // The tag's scope holds the same sessions.
  const results::Scope* tag = doc.find_scope("ws-chat");
  REQUIRE(tag != nullptr);
  REQUIRE(tag->ws.has_value());
  CHECK(tag->ws->sessions == ws.sessions);

  // A threshold below the injected latency is crossed: exit 99.
  Finished strict = run_to_exit(
      {REPLAY_PATH, "run", trace, "--target", target, "--threshold", "ws_message.p95<100ms"},
      60000);
  CHECK(strict.exit_code == 99);
  CHECK(strict.out.find("FAIL  ws_message.p95<100ms") != std::string::npos);
}

TEST_CASE("replay run against python3-websockets replying after a known delay") {
  truth::require_python_module("websockets", "python3-websockets");
  constexpr int kDelayMs = 120;
  ListeningChild server({truth::kPython, WS_DELAY_SERVER_PATH, std::to_string(kDelayMs)});
  TempDir dir;
  const std::string trace = dir.file("echo.zst");
  {
    trace::TraceHeader header;
    header.version = 2;
    auto writer = trace::TraceWriter::create(trace, header);
    REQUIRE(writer.ok());
    for (int i = 0; i < 4; ++i) {
      trace::Record r;
      r.offset_us = i * 200'000;
      r.tag = "echo";
      r.method = "GET";
      r.target = "/delay";
      r.ws.emplace();
      for (int k = 0; k < 2; ++k) {
        trace::WsMessage m;
        m.offset_us = k * 500'000;
        m.payload = "message " + std::to_string(k);
        m.reply_until = "^done:";
        r.ws->messages.push_back(m);
      }
      REQUIRE((*writer)->write(r).ok());
    }
    REQUIRE((*writer)->close().ok());
  }
  const std::string out = dir.file("result.json");
  Finished run = run_to_exit({REPLAY_PATH, "run", trace, "--target",
                              "http://127.0.0.1:" + std::to_string(server.port), "--out", out},
                             60000);
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  const results::ResultDoc doc = read_result(out);
  REQUIRE(doc.overall.ws.has_value());
  const results::WsScope& ws = *doc.overall.ws;
  CHECK(ws.sessions == 4);
  CHECK(ws.messages_sent == 8);
  CHECK(ws.replies == 8);
  CHECK(ws.replies_incomplete == 0);
  CHECK(ws.error_count() == 0);
  MESSAGE("first frame min ", ms(ws.first_frame_us, 0), " max ", ms(ws.first_frame_us, 100),
          " ms; last frame min ", ms(ws.last_frame_us, 0), " max ", ms(ws.last_frame_us, 100),
          " ms (server delay ", kDelayMs, " ms per frame)");
  CHECK(ms(ws.first_frame_us, 0) >= kDelayMs);
  CHECK(ms(ws.first_frame_us, 100) < kDelayMs + 50);
  CHECK(ms(ws.last_frame_us, 0) >= 2 * kDelayMs);
  CHECK(ms(ws.last_frame_us, 100) < 2 * kDelayMs + 50);
}

TEST_CASE("replay run counts failed sessions by cause: closed early, refused upgrade") {
  truth::require_python_module("websockets", "python3-websockets");
  ListeningChild echo({truth::kPython, WS_ECHO_SERVER_PATH});
  ListeningChild sim({AGENT_SIM_PATH, "--listen", "127.0.0.1:0"});
  TempDir dir;
  auto write_trace = [&](const std::string& path, const std::vector<std::string>& texts) {
    trace::TraceHeader header;
    header.version = 2;
    auto writer = trace::TraceWriter::create(path, header);
    REQUIRE(writer.ok());
    trace::Record r;
    r.method = "GET";
    r.target = "/ws/chat";  // the echo server takes any path
    r.ws.emplace();
    for (size_t k = 0; k < texts.size(); ++k) {
      trace::WsMessage m;
      m.offset_us = static_cast<int64_t>(k) * 300'000;
      m.payload = texts[k];
      r.ws->messages.push_back(m);
    }
    r.ws->reply_quiet_us = 200'000;
    REQUIRE((*writer)->write(r).ok());
    r.offset_us = 100'000;
    REQUIRE((*writer)->write(r).ok());
    REQUIRE((*writer)->close().ok());
  };
  // The echo server closes (1000) when asked: the session's third message is never sent.
  const std::string early = dir.file("early.zst");
  write_trace(early, {"hello", "close please", "too late"});
  const std::string out = dir.file("early.json");
  Finished run = run_to_exit({REPLAY_PATH, "run", early, "--target",
                              "http://127.0.0.1:" + std::to_string(echo.port), "--out", out},
                             60000);
  CHECK_MESSAGE(run.exit_code == 0, run.err);
  const results::ResultDoc doc = read_result(out);
  REQUIRE(doc.overall.ws.has_value());
  const results::WsScope& ws = *doc.overall.ws;
  CHECK(ws.sessions == 2);
  CHECK(ws.upgraded == 2);
  CHECK(ws.messages_sent == 4);
  CHECK(ws.messages_unsent == 2);
  CHECK(ws.errors == std::vector<std::pair<std::string, uint64_t>>{{"closed_early", 2}});
  CHECK(ws.close_codes == std::vector<std::pair<uint16_t, uint64_t>>{{1000, 2}});
  CHECK(run.out.find("ws errors   closed_early 2") != std::string::npos);

  // agent-sim without a token: the upgrade is answered 401, an HTTP error of the request.
  const std::string refused = dir.file("refused.zst");
  write_trace(refused, {"hi"});
  const std::string out2 = dir.file("refused.json");
  Finished denied = run_to_exit({REPLAY_PATH, "run", refused, "--target",
                                 "http://127.0.0.1:" + std::to_string(sim.port), "--out", out2},
                                60000);
  // As for HTTP: a request answered 401 is an error response, not a failed run.
  CHECK_MESSAGE(denied.exit_code == 0, denied.err);
  CHECK(denied.out.find("4xx 2") != std::string::npos);
  const results::ResultDoc doc2 = read_result(out2);
  REQUIRE(doc2.overall.ws.has_value());
  CHECK(doc2.overall.status[4] == 2);  // 4xx
  CHECK(doc2.overall.ws->upgraded == 0);
  CHECK(doc2.overall.ws->messages_unsent == 2);
  CHECK(doc2.overall.ws->errors ==
        std::vector<std::pair<std::string, uint64_t>>{{"handshake_refused", 2}});

  // -H goes onto the upgrade: with the token there, both sessions are let in.
  const std::string out3 = dir.file("allowed.json");
  Finished allowed = run_to_exit(
      {REPLAY_PATH, "run", refused, "--target", "http://127.0.0.1:" + std::to_string(sim.port),
       "-H", "Authorization: Bearer " + operator_token(), "--out", out3},
      60000);
  CHECK_MESSAGE(allowed.exit_code == 0, allowed.err);
  const results::ResultDoc doc3 = read_result(out3);
  REQUIRE(doc3.overall.ws.has_value());
  CHECK(doc3.overall.ws->upgraded == 2);
  CHECK(doc3.overall.ws->error_count() == 0);
  // agent-sim's first token takes 300 ms, the trace's replies end 200 ms quiet: each is cut,
  // in the histogram as a lower bound of 200 ms.
  CHECK(doc3.overall.ws->messages_sent == 2);
  CHECK(doc3.overall.ws->replies_incomplete == 2);
  CHECK(doc3.overall.ws->first_frame_us.count() == 2);
  CHECK(ms(doc3.overall.ws->first_frame_us, 0) >= 200);
}
