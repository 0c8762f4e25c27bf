#include "replay/llm/content_parser.hpp"

#include <doctest/doctest.h>

namespace replay::llm {
namespace {

EventReading read(StreamOptions options, std::string_view data, std::string_view name = "") {
  ContentParser parser(options);
  return parser.read(name, data, false);
}

StreamOptions format(StreamFormat f) {
  StreamOptions o;
  o.format = f;
  return o;
}

TEST_CASE("ContentParser: OpenAI chunks: content, reasoning, empty deltas, usage, [DONE]") {
  for (auto f : {StreamFormat::openai, StreamFormat::auto_detect}) {
    CAPTURE(stream_format_name(f));
    const StreamOptions o = format(f);
    CHECK(read(o, R"({"choices":[{"index":0,"delta":{"content":"Hi"}}]})").content);
    CHECK(read(o, R"({"choices":[{"delta":{"reasoning_content":"think"}}]})").content);
    CHECK_FALSE(read(o, R"({"choices":[{"delta":{"role":"assistant","content":""}}]})").content);
    CHECK_FALSE(read(o, R"({"choices":[{"delta":{}, "finish_reason":"stop"}]})").content);
    CHECK(read(o, R"({"choices":[{"text":"legacy"}]})").content);
    const EventReading usage =
        read(o, R"({"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":42}})");
    CHECK_FALSE(usage.content);
    CHECK(usage.usage_tokens == 42);
    const EventReading done = read(o, "[DONE]");
    CHECK(done.done);
    CHECK_FALSE(done.content);
  }
}

TEST_CASE("ContentParser: Anthropic events by event name or data type") {
  for (auto f : {StreamFormat::anthropic, StreamFormat::auto_detect}) {
    CAPTURE(stream_format_name(f));
    const StreamOptions o = format(f);
    CHECK(read(o, R"({"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi"}})",
               "content_block_delta")
              .content);
    CHECK(read(o, R"({"type":"content_block_delta","delta":{"text":"Hi"}})").content);
    CHECK_FALSE(read(o, R"({"type":"content_block_delta","delta":{"text":""}})").content);
    CHECK_FALSE(read(o, R"({"type":"ping"})", "ping").content);
    CHECK_FALSE(read(o, R"({"type":"message_start","message":{}})", "message_start").content);
    const EventReading end =
        read(o, R"({"type":"message_delta","usage":{"output_tokens":17}})", "message_delta");
    CHECK_FALSE(end.content);
    CHECK(end.usage_tokens == 17);
  }
}

TEST_CASE("ContentParser: generic mode: any non-empty data, or the string at the pointer") {
  CHECK(read(format(StreamFormat::generic), "plain text").content);
  CHECK_FALSE(read(format(StreamFormat::generic), "").content);
  CHECK(read(format(StreamFormat::auto_detect), "plain text").content);
  CHECK(read(format(StreamFormat::auto_detect), R"({"token":"x"})").content);
  StreamOptions o = format(StreamFormat::generic);
  o.content_pointer = "/out/text";
  CHECK(read(o, R"({"out":{"text":"hello"}})").content);
  CHECK_FALSE(read(o, R"({"out":{"text":""}})").content);
  CHECK_FALSE(read(o, R"({"other":1})").content);
  o.tokens_pointer = "/meta/n";
  CHECK(read(o, R"({"meta":{"n":12}})").pointer_tokens == 12);
  CHECK(read(o, R"({"meta":{"n":"x"}})").pointer_tokens == -1);
}

TEST_CASE("ContentParser: malformed JSON is counted, never content, never a crash") {
  for (auto f : {StreamFormat::openai, StreamFormat::anthropic}) {
    const StreamOptions o = format(f);
    for (std::string_view bad : {"{", "{\"choices\":[", "\xff\xfe", "nul\0l", "[1,2,"}) {
      const EventReading r = read(o, bad);
      CHECK(r.malformed);
      CHECK_FALSE(r.content);
    }
  }
  StreamOptions o = format(StreamFormat::generic);
  o.content_pointer = "/t";
  CHECK(read(o, "{oops").malformed);
  ContentParser parser(format(StreamFormat::openai));
  CHECK(parser.read("", R"({"choices":[{"delta":{"content":"x"}}]})", true).malformed);
}

TEST_CASE("stream format and pointer flags: bad values name the flag") {
  CHECK(parse_stream_format("openai").value() == StreamFormat::openai);
  CHECK(parse_stream_format("auto").value() == StreamFormat::auto_detect);
  auto bad = parse_stream_format("gpt");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().context ==
        "--stream-format 'gpt': expected auto, openai, anthropic or generic");
  auto pointer = parse_json_pointer("--stream-tokens", "usage/x");
  REQUIRE_FALSE(pointer.ok());
  CHECK(pointer.error().context.rfind("--stream-tokens 'usage/x': ", 0) == 0);
  CHECK(parse_json_pointer("--stream-content", "/a/0").value() == "/a/0");
}

}  // namespace
}  // namespace replay::llm
