// replay's LLM stream figures against a server it did not write: a Python http.server handler
// that streams OpenAI-style chunks with known timing (first chunk after 60 ms, then one every
// 40 ms, 2 tokens each, a usage chunk, [DONE]) and closes the connection.

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
        self.wfile.write(event({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}))
        self.wfile.flush()
        time.sleep(FIRST_S)
        for i in range(CHUNKS):
            if i:
                time.sleep(GAP_S)
            self.wfile.write(event({"choices": [{"index": 0, "delta": {"content": "ab cd "}}]}))
            self.wfile.flush()
        self.wfile.write(event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        self.wfile.write(event({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": CHUNKS * TOKENS}}))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("Serving HTTP on 127.0.0.1 port %d" % server.server_address[1], flush=True)
server.serve_forever()
)PY";

}  // namespace

TEST_CASE("python http.server streaming OpenAI chunks: TTFT, ITL, TPOT and tokens") {
  require_program(kPython, "python3");
  TempDir dir("replay-truth-llm");
  const std::string script = dir.write("llm_server.py", kServer);
  ForeignServer server({kPython, "-u", script}, 0);
  const auto line = server.process().wait_stdout_line("Serving HTTP on", 10000);
  REQUIRE_MESSAGE(line.has_value(), "the server did not start: " << server.process().err());
  const size_t at = line->find(" port ");
  REQUIRE(at != std::string::npos);
  server.set_port(static_cast<uint16_t>(std::atoi(line->c_str() + at + 6)));

  const auto trace = write_trace(dir, "llm.zst", spaced("chat", "/v1/chat", 10, 0, 400'000));
  const auto run = run_replay(dir, trace, server.port(), "result.json",
                              {"--timeout", "5s", "--stream-format", "openai"});
  const std::string llm = "/overall/llm";
  const double ttft_sent_ms = run.number(llm + "/ttft_sent_us/p50") / 1000;
  const double itl_ms = run.number(llm + "/itl_us/p50") / 1000;
  const double tpot_ms = run.number(llm + "/tpot_us/p50") / 1000;
  MESSAGE("ttft (sent) p50 " << ttft_sent_ms << " ms, itl p50 " << itl_ms << " ms, tpot p50 "
                             << tpot_ms << " ms, e2e p50 " << run.number(llm + "/e2e_us/p50") / 1000
                             << " ms");
  CHECK(run.u64("/overall/completed") == 10);
  CHECK(run.u64(llm + "/streams") == 10);
  CHECK(run.u64(llm + "/output_tokens") == 10 * 12);
  CHECK(run.u64(llm + "/content_events") == 10 * 6);
  CHECK(run.u64(llm + "/tokens_from/usage") == 10);
  CHECK(run.u64(llm + "/malformed_events") == 0);
  CHECK(ttft_sent_ms >= 60);
  CHECK(ttft_sent_ms < 75);
  CHECK(itl_ms >= 40);
  CHECK(itl_ms < 50);
  // 5 gaps of 40 ms over 11 tokens after the first.
  CHECK(tpot_ms == doctest::Approx(200.0 / 11).epsilon(0.15));
  CHECK(run.u64(llm + "/buffered_streams") == 0);
}
