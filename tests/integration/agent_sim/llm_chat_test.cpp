// agent-sim's OpenAI-compatible POST /v1/chat/completions as a client sees it: the chunks, their
// timing, the usage chunk, [DONE], the non-stream answer and --buffer-stream.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

using namespace replay;
using namespace replay::testing;

namespace {

constexpr const char* kStreamBody =
    R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"max_tokens":7,)"
    R"("messages":[{"role":"user","content":"hello there"}]})";

}  // namespace

TEST_CASE("/v1/chat/completions streams role, content chunks of N tokens, finish, usage, [DONE]") {
  // 200 ms to the first token, 50 tokens/s, 3 per chunk: chunks 60 ms apart (the last, of one
  // token, 20 ms after the one before it).
  SimProcess sim(
      {"--llm-first-token", "200ms", "--llm-tokens-per-s", "50", "--llm-tokens-per-chunk", "3"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  const auto start = Clock::now();
  auto r = c.request(
      make_request("POST", "/v1/chat/completions", kStreamBody, bearer(token("operator"))), 10000);
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->header("Content-Type") == "text/event-stream");
  auto events = sse_events(*r);
  REQUIRE(events.size() == 7);  // role, 3 content (3+3+1 tokens), finish, usage, [DONE]
  Json role(events[0].data);
  CHECK(role.str("/choices/0/delta/role") == "assistant");
  CHECK(role.str("/choices/0/delta/content").empty());
  CHECK(Json(events[1].data).str("/choices/0/delta/content") == "tok0 tok1 tok2 ");
  CHECK(Json(events[2].data).str("/choices/0/delta/content") == "tok3 tok4 tok5 ");
  CHECK(Json(events[3].data).str("/choices/0/delta/content") == "tok6 ");
  CHECK(Json(events[4].data).str("/choices/0/finish_reason") == "stop");
  Json usage(events[5].data);
  CHECK(usage.num("/usage/completion_tokens") == 7);
  CHECK(usage.has("/choices/0") == false);
  CHECK(events[6].data == "[DONE]");
  CHECK(elapsed_ms(start, events[0].received_at) < 150);  // the role chunk at once
  const double first_ms = elapsed_ms(start, events[1].received_at);
  CHECK(first_ms >= 195);
  CHECK(first_ms < 600);
  const double gap_ms = elapsed_ms(events[1].received_at, events[2].received_at);
  CHECK(gap_ms >= 55);
  CHECK(gap_ms < 300);
  const double last_gap_ms = elapsed_ms(events[2].received_at, events[3].received_at);
  CHECK(last_gap_ms >= 15);
  CHECK(last_gap_ms < gap_ms);
  // Without stream_options.include_usage: no usage chunk.
  auto plain = c.request(make_request("POST", "/v1/chat/completions",
                                      R"({"stream":true,"max_tokens":2,"messages":[{"role":"user",)"
                                      R"("content":"x"}]})",
                                      bearer(token("operator"))),
                         10000);
  REQUIRE(plain.has_value());
  auto plain_events = sse_events(*plain);
  REQUIRE(plain_events.size() == 4);  // role, 1 content chunk (2 tokens < 3), finish, [DONE]
  CHECK(plain_events.back().data == "[DONE]");
  for (const auto& e : plain_events) CHECK(e.data.find("usage") == std::string::npos);
}

TEST_CASE("/v1/chat/completions: one JSON without stream; 422 without messages; --buffer-stream") {
  SimProcess sim(
      {"--no-auth", "--llm-first-token", "100ms", "--llm-tokens-per-s", "100", "--buffer-stream"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  auto whole =
      c.request(make_request("POST", "/v1/chat/completions",
                             R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})"),
                10000);
  REQUIRE(whole.has_value());
  CHECK(whole->status == 200);
  Json j(whole->body);
  REQUIRE(j.ok);
  CHECK(j.str("/object") == "chat.completion");
  CHECK(j.num("/usage/completion_tokens") == 5);
  CHECK(j.str("/choices/0/message/content") == "tok0 tok1 tok2 tok3 tok4 ");
  auto bad = c.request(make_request("POST", "/v1/chat/completions", R"({"stream":true})"), 10000);
  REQUIRE(bad.has_value());
  CHECK(bad->status == 422);
  // Buffered: every event arrives together when the last token is due (100 ms + 6 x 10 ms).
  const auto start = Clock::now();
  auto buffered = c.request(make_request("POST", "/v1/chat/completions", kStreamBody), 10000);
  REQUIRE(buffered.has_value());
  auto events = sse_events(*buffered);
  REQUIRE(events.size() == 11);  // role, 7 content, finish, usage, [DONE]
  CHECK(elapsed_ms(start, events[0].received_at) >= 150);
  CHECK(elapsed_ms(events[0].received_at, events.back().received_at) < 5);
}
