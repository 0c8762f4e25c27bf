#include <doctest/doctest.h>

#include "replay/synth/synthesizer.hpp"
#include "synth_test_support.hpp"

using namespace replay;
using namespace replay::synth;
using replay::synth::testing::load_bundled;

namespace {

std::vector<trace::Record> generate(const Scenario& s, int64_t epoch_s) {
  SynthOptions o;
  o.rate = schedule::parse_rate_schedule("5/s").value().limited_to(4'000'000);
  o.seed = 3;
  o.epoch_s = epoch_s;
  auto synth = Synthesizer::create(s, std::move(o));
  if (!synth) FAIL(synth.error().context);
  std::vector<trace::Record> out;
  trace::Record r;
  while ((*synth)->next(r)) out.push_back(r);
  return out;
}

std::string error_of(std::string_view ws_json, std::string_view method = "GET") {
  const std::string text = R"({"name":"w","requests":[{"method":")" + std::string(method) +
                           R"(","path":"/ws","ws":)" + std::string(ws_json) + "}]}";
  auto s = parse_scenario(text, "w.json");
  if (s) return "no error";
  return s.error().context;
}

}  // namespace

TEST_CASE("ws-chat: each record is a WebSocket session with its two messages and its hold") {
  Scenario s = load_bundled("ws-chat");
  CHECK(s.has_websockets());
  CHECK_FALSE(load_bundled("chat-stream").has_websockets());
  const int64_t epoch_s = 2'000'000'000;
  const auto records = generate(s, epoch_s);
  REQUIRE(records.size() == 20);
  for (const trace::Record& r : records) {
    CAPTURE(r.offset_us);
    CHECK(r.method == "GET");
    CHECK(r.target == "/ws/chat");
    REQUIRE(r.headers.size() == 1);
    CHECK(r.headers[0].name == "Authorization");
    CHECK(r.headers[0].value.rfind("Bearer ey", 0) == 0);
    REQUIRE(r.ws.has_value());
    REQUIRE(r.ws->messages.size() == 2);
    const trace::WsMessage& first = r.ws->messages[0];
    const trace::WsMessage& second = r.ws->messages[1];
    CHECK(first.offset_us == 0);
    CHECK(second.offset_us >= 2'000'000);
    CHECK(second.offset_us <= 4'000'000);
    CHECK(first.direction == trace::WsDirection::send);
    CHECK(first.payload.rfind("{\"message\":\"", 0) == 0);
    CHECK(first.payload.find("\"conversation_id\":\"") != std::string::npos);
    CHECK(first.reply_until == "\"type\":\"done\"");
    CHECK(r.ws->close_us == second.offset_us + 2'000'000);
    CHECK(r.ws->reply_quiet_us == trace::kDefaultReplyQuietUs);
  }
}

TEST_CASE("a request's ws object is checked where it is written") {
  CHECK(error_of(R"({"messages":[{"text":"hi"}]})") == "no error");
  CHECK(error_of(R"({"messages":[{"text":"hi"}]})", "POST") ==
        "w.json: line 1: requests[0].ws: a WebSocket upgrade is a GET, not POST");
  CHECK(error_of(R"({"messages":[{"think":"1s"}]})") ==
        "w.json: line 1: requests[0].ws.messages[0]: missing field 'text'");
  CHECK(error_of(R"({"messages":[{"text":"a","reply":{"until":"("}}]})")
            .find("requests[0].ws.messages[0].reply.until: '(' is not a regex") !=
        std::string::npos);
  CHECK(error_of(R"({"messages":[{"text":"a","reply":{"frames":0}}]})")
            .find("reply.frames: expected a count of frames, 1 or more") != std::string::npos);
  CHECK(error_of(R"({"messages":[],"hold":"-1s"})").find("hold:") != std::string::npos);
  CHECK(error_of(R"({"messages":[],"linger":"1s"})").find("linger") != std::string::npos);
}
