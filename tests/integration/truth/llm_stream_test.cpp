// replay's LLM stream figures against a server it did not write: a Python http.server handler
// that streams OpenAI-style chunks with known timing (first chunk after 60 ms, then one every
// 40 ms, 2 tokens each, a usage chunk, [DONE]) and closes the connection; the same timing as
// Anthropic Messages events, and as plain JSON events read with --stream-content.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "foreign_server.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

namespace {

constexpr const char* kServer = R"PY(
import http.server, json, sys, time

CHUNKS = 6          # content chunks
TOKENS = 2          # tokens per chunk (usage says CHUNKS * TOKENS)
FIRST_S = 0.060
GAP_S = 0.040
MODE = sys.argv[1]

def event(obj):
    return ("data: " + json.dumps(obj) + "\n\n").encode()

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(b": keep-alive\n\n")
        if MODE == "openai":
            self.wfile.write(event({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}))
        elif MODE == "anthropic":
            self.wfile.write(b"event: message_start\n" + event({"type": "message_start", "message": {"usage": {"output_tokens": 1}}}))
            self.wfile.write(b"event: content_block_start\n" + event({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}))
        self.wfile.flush()
        time.sleep(FIRST_S)
        for i in range(CHUNKS):
            if i:
                time.sleep(GAP_S)
                if MODE == "anthropic":
                    self.wfile.write(b"event: ping\n" + event({"type": "ping"}))
            if MODE == "openai":
                self.wfile.write(event({"choices": [{"index": 0, "delta": {"content": "ab cd "}}]}))
            elif MODE == "anthropic":
                self.wfile.write(b"event: content_block_delta\n" + event({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ab cd "}}))
            else:
                self.wfile.write(event({"out": {"text": "ab cd "}, "meta": {"n": (i + 1) * TOKENS}}))
            self.wfile.flush()
        if MODE == "openai":
            self.wfile.write(event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
            self.wfile.write(event({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": CHUNKS * TOKENS}}))
            self.wfile.write(b"data: [DONE]\n\n")
        elif MODE == "anthropic":
            self.wfile.write(b"event: content_block_stop\n" + event({"type": "content_block_stop", "index": 0}))
            self.wfile.write(b"event: message_delta\n" + event({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": CHUNKS * TOKENS}}))
            self.wfile.write(b"event: message_stop\n" + event({"type": "message_stop"}))
        else:
            self.wfile.write(event({"out": {"text": ""}, "meta": {"n": CHUNKS * TOKENS}}))
        self.wfile.flush()

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("Serving HTTP on 127.0.0.1 port %d" % server.server_address[1], flush=True)
server.serve_forever()
)PY";

// Runs `replay run` against the server in `mode` with `flags`; checks the figures every mode
// must give (10 streams of 6 content events, 12 tokens each, 60 ms to the first, 40 ms gaps).
void check_stream_figures(const std::string& mode, std::vector<std::string> flags,
                          const std::string& token_source) {
  require_program(kPython, "python3");
  TempDir dir("replay-truth-llm");
  const std::string script = dir.write("llm_server.py", kServer);
  ForeignServer server({kPython, "-u", script, mode}, 0);
  const auto line = server.process().wait_stdout_line("Serving HTTP on", 10000);
  REQUIRE_MESSAGE(line.has_value(), "the server did not start: " << server.process().err());
  const size_t at = line->find(" port ");
  REQUIRE(at != std::string::npos);
  server.set_port(static_cast<uint16_t>(std::atoi(line->c_str() + at + 6)));

  const auto trace = write_trace(dir, "llm.zst", spaced("chat", "/v1/chat", 10, 0, 400'000));
  flags.insert(flags.begin(), {"--timeout", "5s"});
  const auto run = run_replay(dir, trace, server.port(), "result.json", flags);
  const std::string llm = "/overall/llm";
  const double ttft_sent_ms = run.number(llm + "/ttft_sent_us/p50") / 1000;
  const double itl_ms = run.number(llm + "/itl_us/p50") / 1000;
  const double tpot_ms = run.number(llm + "/tpot_us/p50") / 1000;
  MESSAGE(mode << ": ttft (sent) p50 " << ttft_sent_ms << " ms, itl p50 " << itl_ms
               << " ms, tpot p50 " << tpot_ms << " ms, e2e p50 "
               << run.number(llm + "/e2e_us/p50") / 1000 << " ms");
  CHECK(run.u64("/overall/completed") == 10);
  CHECK(run.u64(llm + "/streams") == 10);
  CHECK(run.u64(llm + "/output_tokens") == 10 * 12);
  CHECK(run.u64(llm + "/content_events") == 10 * 6);
  CHECK(run.u64(llm + "/tokens_from/" + token_source) == 10);
  CHECK(run.u64(llm + "/malformed_events") == 0);
  CHECK(ttft_sent_ms >= 60);
  CHECK(ttft_sent_ms < 75);
  CHECK(itl_ms >= 40);
  CHECK(itl_ms < 50);
  // 5 gaps of 40 ms over 11 tokens after the first.
  CHECK(tpot_ms == doctest::Approx(200.0 / 11).epsilon(0.15));
  CHECK(run.u64(llm + "/buffered_streams") == 0);
}

}  // namespace

TEST_CASE("python http.server streaming OpenAI chunks: TTFT, ITL, TPOT and tokens") {
  check_stream_figures("openai", {"--stream-format", "openai"}, "usage");
}

TEST_CASE("the same as Anthropic Messages events: pings skipped, message_delta usage counts") {
  check_stream_figures("anthropic", {}, "usage");  // auto detects the format per event
  check_stream_figures("anthropic", {"--stream-format", "anthropic"}, "usage");
}

TEST_CASE("the same as plain JSON events: --stream-content and --stream-tokens pointers") {
  // The last event carries an empty text: not content, though its count is read.
  check_stream_figures(
      "generic",
      {"--stream-format", "generic", "--stream-content", "/out/text", "--stream-tokens", "/meta/n"},
      "pointer");
}
