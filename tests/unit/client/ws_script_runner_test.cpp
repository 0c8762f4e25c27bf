// WsScriptRunner on a fake clock: times are plain numbers the test advances by hand.

#include <doctest/doctest.h>

#include "replay/client/ws_script_runner.hpp"

using namespace replay;
using namespace replay::client;

namespace {

constexpr int64_t kMs = 1'000'000;  // ns
constexpr int64_t kUpgrade = 5'000 * kMs;

trace::WsMessage send_at(int64_t offset_ms, std::string text, std::string until = {},
                         uint32_t frames = 0) {
  trace::WsMessage m;
  m.offset_us = offset_ms * 1000;
  m.payload = std::move(text);
  m.reply_until = std::move(until);
  m.reply_frames = frames;
  return m;
}

trace::WsMessage recv_at(int64_t offset_ms) {
  trace::WsMessage m;
  m.offset_us = offset_ms * 1000;
  m.direction = trace::WsDirection::receive;
  return m;
}

}  // namespace

TEST_CASE("messages are due at the upgrade's intended time plus their offsets, replies or not") {
  trace::WsScript script;
  script.messages = {send_at(0, "a"), recv_at(50), send_at(100, "b"), send_at(100, "c"),
                     send_at(400, "d")};
  WsScriptRunner runner(script, kUpgrade);
  CHECK(runner.unsent() == 4);
  CHECK(runner.next_due_ns() == kUpgrade);
  CHECK(runner.take_due_message(kUpgrade - 1) == nullptr);
  // The upgrade finished 30 ms late: the first message goes at once, still intended at +0.
  const trace::WsMessage* a = runner.take_due_message(kUpgrade + 30 * kMs);
  REQUIRE(a != nullptr);
  CHECK(a->payload == "a");
  CHECK(runner.take_due_message(kUpgrade + 30 * kMs) == nullptr);
  // The recv message is never sent; the next send is due at +100 ms, before a's quiet end.
  CHECK(runner.next_due_ns() == kUpgrade + 100 * kMs);
  // No reply came: b and c go out at their own times anyway (open loop).
  const trace::WsMessage* b = runner.take_due_message(kUpgrade + 100 * kMs);
  REQUIRE(b != nullptr);
  CHECK(b->payload == "b");
  const trace::WsMessage* c = runner.take_due_message(kUpgrade + 100 * kMs);
  REQUIRE(c != nullptr);
  CHECK(c->payload == "c");
  auto& ended = runner.ended();
  REQUIRE(ended.size() == 2);
  CHECK(ended[0].index == 0);
  CHECK(ended[0].intended_ns == kUpgrade);
  CHECK(ended[0].sent_ns == kUpgrade + 30 * kMs);
  CHECK(ended[0].end == WsReplyEnd::next_message);
  CHECK(ended[0].frames == 0);
  CHECK_FALSE(ended[0].complete());
  // Unanswered: its latency is a lower bound, up to when the next message ended its reply.
  CHECK(ended[0].ended_ns == kUpgrade + 100 * kMs);
  CHECK(ended[0].first_frame_or_end_ns() == kUpgrade + 100 * kMs);
  CHECK(ended[0].last_frame_or_end_ns() == kUpgrade + 100 * kMs);
  CHECK(ended[1].index == 2);
  ended.clear();
  CHECK(runner.sent() == 3);
  CHECK(runner.unsent() == 1);
  runner.finish(kUpgrade + 200 * kMs);
  REQUIRE(runner.ended().size() == 1);
  CHECK(runner.ended()[0].index == 3);
  CHECK(runner.ended()[0].end == WsReplyEnd::closed);
  CHECK(runner.unsent() == 1);
  CHECK(runner.take_due_message(kUpgrade + 500 * kMs) == nullptr);
  CHECK(runner.next_due_ns() == kNeverNs);
}

TEST_CASE("a reply runs from the message's intended time to its first and last frames") {
  trace::WsScript script;
  script.messages = {send_at(0, "q", R"("type":"done")"), send_at(2000, "f", {}, 2)};
  WsScriptRunner runner(script, kUpgrade);
  REQUIRE(runner.take_due_message(kUpgrade + 1 * kMs) != nullptr);
  runner.on_frame_begin(kUpgrade + 300 * kMs);
  runner.on_message(kUpgrade + 301 * kMs, R"({"type":"chunk","index":0})", true);
  runner.on_frame_begin(kUpgrade + 330 * kMs);
  runner.on_message(kUpgrade + 330 * kMs, R"({"type":"chunk","index":1})", true);
  CHECK(runner.ended().empty());
  runner.on_frame_begin(kUpgrade + 360 * kMs);
  runner.on_message(kUpgrade + 360 * kMs, R"({"type":"done","chunks":2})", true);
  REQUIRE(runner.ended().size() == 1);
  const WsMessageOutcome first = runner.ended()[0];
  CHECK(first.end == WsReplyEnd::rule);
  CHECK(first.complete());
  CHECK(first.frames == 3);
  CHECK(first.first_frame_ns - first.intended_ns == 300 * kMs);
  CHECK(first.last_frame_ns - first.intended_ns == 360 * kMs);
  runner.ended().clear();
  // Between replies a frame is unsolicited.
  runner.on_message(kUpgrade + 900 * kMs, "ping-ish", true);
  CHECK(runner.unsolicited() == 1);
  CHECK_FALSE(runner.close_due(kUpgrade + 900 * kMs));  // f not sent yet

  REQUIRE(runner.take_due_message(kUpgrade + 2000 * kMs) != nullptr);
  runner.on_message(kUpgrade + 2100 * kMs, std::string("\x01", 1), false);
  runner.on_message(kUpgrade + 2150 * kMs, "x", true);
  REQUIRE(runner.ended().size() == 1);
  CHECK(runner.ended()[0].end == WsReplyEnd::rule);
  CHECK(runner.ended()[0].frames == 2);
  CHECK(runner.ended()[0].last_frame_ns - runner.ended()[0].intended_ns == 150 * kMs);
  // close_us 0: the close is due once the last reply ended.
  CHECK(runner.close_due(kUpgrade + 2150 * kMs));
  CHECK(runner.next_due_ns() == kNeverNs);
}

TEST_CASE("a quiet reply ends after reply_quiet_us; close_us sets the close") {
  trace::WsScript script;
  script.messages = {send_at(0, "hello")};
  script.reply_quiet_us = 200'000;
  script.close_us = 3'000'000;
  WsScriptRunner runner(script, kUpgrade);
  REQUIRE(runner.take_due_message(kUpgrade) != nullptr);
  CHECK(runner.next_due_ns() == kUpgrade + 200 * kMs);
  runner.on_message(kUpgrade + 150 * kMs, "echo", true);
  // Quiet counts from the last frame.
  CHECK(runner.next_due_ns() == kUpgrade + 350 * kMs);
  runner.advance(kUpgrade + 349 * kMs);
  CHECK(runner.ended().empty());
  runner.advance(kUpgrade + 357 * kMs);  // a late look: the end is when quiet began to count
  REQUIRE(runner.ended().size() == 1);
  CHECK(runner.ended()[0].end == WsReplyEnd::quiet);
  CHECK(runner.ended()[0].ended_ns == kUpgrade + 350 * kMs);
  CHECK(runner.ended()[0].last_frame_or_end_ns() == kUpgrade + 150 * kMs);
  CHECK(runner.ended()[0].complete());  // no rule: one frame is a reply
  CHECK(runner.ended()[0].last_frame_ns - kUpgrade == 150 * kMs);
  CHECK(runner.next_due_ns() == kUpgrade + 3000 * kMs);
  CHECK_FALSE(runner.close_due(kUpgrade + 2999 * kMs));
  CHECK(runner.close_due(kUpgrade + 3000 * kMs));
}

TEST_CASE("a reply with a rule that ended otherwise is incomplete") {
  trace::WsScript script;
  script.messages = {send_at(0, "q", "done")};
  WsScriptRunner runner(script, kUpgrade);
  REQUIRE(runner.take_due_message(kUpgrade) != nullptr);
  runner.on_message(kUpgrade + 10 * kMs, "not yet", true);
  runner.finish(kUpgrade + 20 * kMs);
  REQUIRE(runner.ended().size() == 1);
  CHECK(runner.ended()[0].end == WsReplyEnd::closed);
  CHECK(runner.ended()[0].frames == 1);
  CHECK_FALSE(runner.ended()[0].complete());
  // Its first frame is real; its last is a lower bound, the moment it was cut.
  CHECK(runner.ended()[0].first_frame_or_end_ns() == kUpgrade + 10 * kMs);
  CHECK(runner.ended()[0].last_frame_or_end_ns() == kUpgrade + 20 * kMs);
}
