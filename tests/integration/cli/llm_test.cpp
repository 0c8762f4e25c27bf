// LLM stream metrics over loopback against agent-sim's POST /v1/chat/completions, whose time to
// first token, tokens per second and tokens per chunk are set: TTFT, ITL, TPOT, tokens,
// goodput and the buffered-stream warning measured against the injected values.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::TempDir;

namespace {

const std::string kReplay = REPLAY_PATH;

// A scenario of streamed chat completions asking for `max_tokens` each (two entries when
// `long_tokens` > 0: tags "short" and "long", equal weights).
std::string scenario(int max_tokens, int long_tokens = 0) {
  auto entry = [](const char* tag, int tokens) {
    return std::string(R"({"name": ")") + tag + R"(", "tag": ")" + tag +
           R"(", "method": "POST", "path": "/v1/chat/completions",
       "headers": {"Accept": "text/event-stream"},
       "body": {"model": "m", "stream": true, "stream_options": {"include_usage": true},
                "max_tokens": )" +
           std::to_string(tokens) + R"(, "messages": [{"role": "user", "content": "hi"}]}})";
  };
  std::string requests = entry("short", max_tokens);
  if (long_tokens > 0) requests += ", " + entry("long", long_tokens);
  return R"({"name": "llm-test", "defaults": {"base_url": "http://127.0.0.1:9"},
             "requests": [)" +
         requests + "]}";
}

// Synthesises the scenario at `rate` for `duration`; the trace's path.
std::string make_trace(const TempDir& dir, const std::string& scenario_text,
                       const std::string& rate, const std::string& duration) {
  const std::string json = dir.file("llm.json");
  dir.write("llm.json", scenario_text);
  const std::string trace = dir.file("llm.zst");
  auto r = run_command({kReplay, "synth", json, "-o", trace, "--rate", rate, "--duration", duration,
                        "--arrival", "constant"},
                       30000);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return trace;
}

struct Run {
  replay::testing::CommandResult cli;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
};

void run_replay(Run& run, const TempDir& dir, const std::string& trace, uint16_t port,
                std::vector<std::string> extra, int expected_exit = 0) {
  const std::string out = dir.file("result.json");
  std::vector<std::string> args = {
      kReplay, "run", trace, "--target", "http://127.0.0.1:" + std::to_string(port), "--out", out};
  args.insert(args.end(), extra.begin(), extra.end());
  run.cli = run_command(args, 60000);
  INFO(run.cli.err);
  REQUIRE(run.cli.exit_code == expected_exit);
  REQUIRE(run.parser.load(out).get(run.doc) == simdjson::SUCCESS);
}

double num(simdjson::dom::element e, const char* pointer) {
  double v = 0;
  if (e.at_pointer(pointer).get_double().get(v) == simdjson::SUCCESS) return v;
  uint64_t u = 0;
  if (e.at_pointer(pointer).get_uint64().get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  int64_t i = 0;
  REQUIRE_MESSAGE(e.at_pointer(pointer).get_int64().get(i) == simdjson::SUCCESS, pointer);
  return static_cast<double>(i);
}

bool warned_buffered(simdjson::dom::element doc) {
  for (auto w : simdjson::dom::array(doc["warnings"])) {
    if (std::string_view(w).find("looks buffered") != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("llm: TTFT, ITL, TPOT and tokens against known timing, 3 tokens per chunk") {
  // 100 ms to the first token, 100 tokens/s, 3 per chunk: a chunk every 30 ms, TPOT 10 ms.
  SimProcess sim({"--no-auth", "--llm-first-token", "100ms", "--llm-tokens-per-s", "100",
                  "--llm-tokens-per-chunk", "3"});
  REQUIRE(sim.started());
  TempDir dir;
  const auto trace = make_trace(dir, scenario(30), "5/s", "3s");
  Run run;
  run_replay(run, dir, trace, sim.port(),
             {"--threshold", "ttft.p95<300ms", "--threshold", "tpot.p50<50ms"});
  simdjson::dom::element llm;
  REQUIRE(run.doc["overall"]["llm"].get(llm) == simdjson::SUCCESS);
  const double ttft_p50 = num(llm, "/ttft_us/p50");
  const double ttft_sent_p50 = num(llm, "/ttft_sent_us/p50");
  const double itl_p50 = num(llm, "/itl_us/p50");
  const double tpot_p50 = num(llm, "/tpot_us/p50");
  const double e2e_p50 = num(llm, "/e2e_us/p50");
  MESSAGE("ttft p50 " << ttft_p50 / 1000 << " ms (sent " << ttft_sent_p50 / 1000 << "), itl p50 "
                      << itl_p50 / 1000 << " ms, tpot p50 " << tpot_p50 / 1000 << " ms, e2e p50 "
                      << e2e_p50 / 1000 << " ms, tokens/s " << num(llm, "/output_tokens_per_s")
                      << ", per stream p50 " << num(llm, "/stream_tokens_per_s/p50"));
  CHECK(num(llm, "/streams") == 15);
  CHECK(num(llm, "/output_tokens") == 15 * 30);  // exact, from usage.completion_tokens
  CHECK(std::string_view(llm["token_source"]) == "usage");
  CHECK(num(llm, "/content_events") == 15 * 10);  // the role chunk and finish chunk skipped
  CHECK(num(llm, "/tokens_per_event") == doctest::Approx(3.0));
  CHECK(ttft_p50 >= 100'000);
  CHECK(ttft_p50 <= 105'000);  // within 5 ms of the injected 100 ms
  // One stream of the 15 may start late on a loaded 2-core CI machine (seen once: 186 ms):
  // the 90th percentile stays within 10 ms, the worst within 3x.
  CHECK(num(llm, "/ttft_us/p90") <= 110'000);
  CHECK(num(llm, "/ttft_us/max") <= 300'000);
  CHECK(itl_p50 == doctest::Approx(30'000).epsilon(0.1));
  CHECK(tpot_p50 == doctest::Approx(10'000).epsilon(0.1));
  CHECK(itl_p50 / tpot_p50 == doctest::Approx(3.0).epsilon(0.1));
  // E2E = TTFT + 9 chunk gaps of 30 ms.
  CHECK(e2e_p50 == doctest::Approx(100'000 + 9 * 30'000).epsilon(0.05));
  CHECK(num(llm, "/buffered_streams") == 0);
  CHECK_FALSE(warned_buffered(run.doc));
  CHECK(num(llm, "/goodput_ratio") == 1.0);
  uint64_t timeline_tokens = 0;
  for (auto row : simdjson::dom::array(run.doc["timeline"])) {
    uint64_t n = 0;
    if (row["output_tokens"].get(n) == simdjson::SUCCESS) timeline_tokens += n;
  }
  CHECK(timeline_tokens == 15 * 30);
  CHECK(run.cli.out.find("PASS  ttft.p95<300ms") != std::string::npos);
  CHECK(run.cli.out.find("TTFT") != std::string::npos);
}

TEST_CASE("llm: --buffer-stream makes every stream arrive at once, and the warning fires") {
  SimProcess sim({"--no-auth", "--llm-first-token", "50ms", "--llm-tokens-per-s", "200",
                  "--llm-tokens-per-chunk", "2", "--buffer-stream"});
  REQUIRE(sim.started());
  TempDir dir;
  const auto trace = make_trace(dir, scenario(20), "6/s", "2s");
  Run run;
  run_replay(run, dir, trace, sim.port(), {});
  simdjson::dom::element llm;
  REQUIRE(run.doc["overall"]["llm"].get(llm) == simdjson::SUCCESS);
  CHECK(num(llm, "/streams") == 12);
  CHECK(num(llm, "/buffered_streams") == 12);
  // TTFT is about E2E: the first token waited for the last (50 ms + 9 gaps of 10 ms).
  CHECK(num(llm, "/ttft_us/p50") >= 130'000);
  CHECK(num(llm, "/e2e_us/p50") - num(llm, "/ttft_us/p50") < 5'000);
  CHECK(warned_buffered(run.doc));
  CHECK(run.cli.out.find("looks buffered") != std::string::npos);
}

TEST_CASE("llm: queueing behind --max-connections 1 shows in TTFT from intended, not from send") {
  // Each stream takes ~100 ms (80 ms TTFT, 4 tokens in one more chunk at 200/s) on one
  // connection while requests arrive every 50 ms: they queue.
  SimProcess sim({"--no-auth", "--llm-first-token", "80ms", "--llm-tokens-per-s", "200",
                  "--llm-tokens-per-chunk", "2"});
  REQUIRE(sim.started());
  TempDir dir;
  const auto trace = make_trace(dir, scenario(4), "20/s", "2s");
  Run run;
  run_replay(run, dir, trace, sim.port(), {"--max-connections", "1", "--threads", "1"});
  simdjson::dom::element llm;
  REQUIRE(run.doc["overall"]["llm"].get(llm) == simdjson::SUCCESS);
  const double from_send_p99 = num(llm, "/ttft_sent_us/p99");
  const double from_intended_p99 = num(llm, "/ttft_us/p99");
  MESSAGE("ttft p99 from intended " << from_intended_p99 / 1000 << " ms, from send "
                                    << from_send_p99 / 1000 << " ms");
  CHECK(num(llm, "/streams") == 40);
  CHECK(from_send_p99 < 100'000);        // the server's 80 ms
  CHECK(from_intended_p99 > 1'000'000);  // 40 x ~90 ms of work in 2 s: seconds of queue
}

TEST_CASE("llm: goodput counts timeouts as misses") {
  // Short answers (5 tokens: ~60 ms) meet the SLO; long ones (200 tokens at 100/s: 2 s) time
  // out at 500 ms and must count against goodput, not vanish from it.
  SimProcess sim({"--no-auth", "--llm-first-token", "20ms", "--llm-tokens-per-s", "100"});
  REQUIRE(sim.started());
  TempDir dir;
  const auto trace = make_trace(dir, scenario(5, 200), "10/s", "2s");
  Run run;
  run_replay(run, dir, trace, sim.port(),
             {"--timeout", "500ms", "--goodput", "ttft<200ms,e2e<10s", "--threshold", "goodput>90%",
              "--threshold", "short:goodput>90%"},
             99);
  const simdjson::dom::element overall = run.doc["overall"];
  const double timeouts = num(overall, "/failures/timeout");
  const double completed = num(overall, "/completed");
  const double met = num(overall, "/llm/goodput_met");
  MESSAGE("completed " << completed << ", timeouts " << timeouts << ", good " << met
                       << ", goodput_ratio " << num(overall, "/llm/goodput_ratio"));
  // The scenario picks short or long at random: every long one timed out, every short one met.
  const double long_offered = num(run.doc, "/by_tag/long/offered");
  CHECK(long_offered >= 3);
  CHECK(timeouts == long_offered);
  CHECK(num(run.doc, "/by_tag/short/completed") == num(run.doc, "/by_tag/short/offered"));
  CHECK(completed + timeouts == 20);
  CHECK(met == completed);
  CHECK(num(overall, "/llm/goodput_ratio") == doctest::Approx(met / 20));
  CHECK(num(run.doc, "/by_tag/long/llm/goodput_met") == 0);
  CHECK(num(run.doc, "/by_tag/short/llm/goodput_ratio") == doctest::Approx(1.0));
  CHECK(run.cli.out.find("FAIL  goodput>90%") != std::string::npos);
  CHECK(run.cli.out.find("PASS  short:goodput>90%") != std::string::npos);
  CHECK(std::string_view(run.doc["config"]["goodput"]) == "ttft<200ms,e2e<10s");
}

TEST_CASE("llm flags: bad values are one line naming the flag, exit 1") {
  const std::string trace = std::string(REPLAY_SOURCE_DIR) + "/traces/chat-stream.zst";
  for (auto [flag, value, expected] :
       {std::tuple{"--goodput", "ttft<fast",
                   "replay: --goodput 'ttft<fast': 'ttft<fast': the "
                   "limit needs a unit, like 500ms"},
        std::tuple{"--goodput", "speed<1s", "replay: --goodput 'speed<1s': unknown figure"},
        std::tuple{"--stream-format", "gpt", "replay: --stream-format 'gpt': expected auto"},
        std::tuple{"--stream-tokens", "usage",
                   "replay: --stream-tokens 'usage': a JSON pointer"}}) {
    auto r =
        run_command({kReplay, "run", trace, "--target", "http://127.0.0.1:9", flag, value}, 30000);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind(expected, 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}
