#include <doctest/doctest.h>

#include <string>

#include "replay/trace/record_codec.hpp"
#include "trace_test_support.hpp"

using namespace replay;
using namespace replay::trace;
using replay::trace::testing::Padded;
using replay::trace::testing::parse_after;

namespace {

Record chat_session() {
  Record r;
  r.offset_us = 2'000'000;
  r.session = "ws-chat-000001";
  r.tag = "ws-chat";
  r.method = "GET";
  r.target = "/ws/chat";
  r.headers = {{"Authorization", "Bearer abc"}};
  WsScript script;
  WsMessage hello;
  hello.offset_us = 0;
  hello.payload = R"({"message":"hello \"agent\""})";
  hello.reply_until = R"("type":"done")";
  WsMessage chunk;
  chunk.offset_us = 310'000;
  chunk.direction = WsDirection::receive;
  chunk.payload = R"({"type":"chunk","index":0})";
  WsMessage blob;
  blob.offset_us = 1'500'000;
  blob.binary = true;
  blob.payload = std::string("\x00\x01\xff\n", 4);
  blob.reply_frames = 2;
  WsMessage latin;
  latin.offset_us = 1'500'000;
  latin.payload = "caf\xe9";  // not UTF-8: written as text_b64
  script.messages = {hello, chunk, blob, latin};
  script.reply_quiet_us = 250'000;
  script.close_us = 5'000'000;
  r.ws = std::move(script);
  return r;
}

std::string error_in_v2(std::string_view ws_json) {
  Record r;
  const std::string line =
      R"({"offset_us":0,"method":"GET","target":"/ws/chat","ws":)" + std::string(ws_json) + "}";
  auto parsed = parse_after(2, line, r);
  if (parsed) return "no error";
  CHECK(parsed.error().code == Errc::corrupt);
  return parsed.error().context;
}

}  // namespace

TEST_CASE("a WebSocket session round-trips through its record line") {
  const Record r = chat_session();
  std::string line;
  append_record_line(r, line);
  CHECK(line.find(R"("ws":{"messages":[{"offset_us":0,"dir":"send","text":)") != std::string::npos);
  CHECK(line.find(R"("dir":"send","data_b64":"AAH/Cg==","reply":{"frames":2}})") !=
        std::string::npos);
  CHECK(line.find(R"("text_b64":"Y2Fm6Q==")") != std::string::npos);
  CHECK(line.find(R"("reply_quiet_us":250000,"close_us":5000000})") != std::string::npos);
  line.pop_back();  // '\n'
  Record back;
  auto parsed = parse_after(2, line, back);
  REQUIRE_MESSAGE(parsed, parsed.error().context);
  CHECK(back == r);

  SUBCASE("defaults are left out and read back as defaults") {
    Record plain = r;
    plain.ws->reply_quiet_us = kDefaultReplyQuietUs;
    plain.ws->close_us = 0;
    std::string text;
    append_record_line(plain, text);
    CHECK(text.find("reply_quiet_us") == std::string::npos);
    CHECK(text.find("close_us") == std::string::npos);
    text.pop_back();
    Record again;
    REQUIRE(parse_after(2, text, again));
    CHECK(again == plain);
  }
  SUBCASE("the parser clears a previous record's session") {
    LineParser parser;
    REQUIRE(parser.parse_header(Padded(R"({"format":"replay-trace","version":2})").view()));
    Record reused = r;
    REQUIRE(parser.parse_record(Padded(R"({"offset_us":1,"method":"GET","target":"/"})").view(),
                                reused));
    CHECK_FALSE(reused.ws.has_value());
  }
}

TEST_CASE("the header's version is 2 only when asked for, and both versions are read") {
  TraceHeader h;
  std::string line;
  append_header_line(h, line);
  CHECK(line == "{\"format\":\"replay-trace\",\"version\":1}\n");
  h.version = 2;
  line.clear();
  append_header_line(h, line);
  CHECK(line == "{\"format\":\"replay-trace\",\"version\":2}\n");

  LineParser parser;
  for (int version : {1, 2}) {
    const std::string text =
        R"({"format":"replay-trace","version":)" + std::to_string(version) + "}";
    auto parsed = parser.parse_header(Padded(text).view());
    REQUIRE(parsed);
    CHECK(parsed->version == version);
  }
  auto newer = parser.parse_header(Padded(R"({"format":"replay-trace","version":3})").view());
  REQUIRE_FALSE(newer);
  CHECK(newer.error().code == Errc::unsupported);
  CHECK(newer.error().context ==
        "trace format version 3 is newer than this build reads (versions 1 to 2)");
}

TEST_CASE("a version 1 trace cannot hold a WebSocket session") {
  Record r;
  auto parsed = parse_after(
      1, R"({"offset_us":0,"method":"GET","target":"/ws/chat","ws":{"messages":[]}})", r);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().context ==
        "field \"ws\": a WebSocket session needs trace format version 2 (the header says 1)");
}

TEST_CASE("bad WebSocket scripts are errors naming the element") {
  CHECK(error_in_v2(R"({"messages":[]})") == "no error");
  CHECK(error_in_v2(R"({})") == "field \"ws\": messages: missing");
  CHECK(error_in_v2(R"([1])") == "field \"ws\": wrong type");
  CHECK(error_in_v2(R"({"messages":[{"dir":"send"}]})") ==
        "field \"ws\": messages[0].offset_us: missing");
  CHECK(error_in_v2(R"({"messages":[{"offset_us":1}]})") ==
        "field \"ws\": messages[0].dir: missing");
  CHECK(error_in_v2(R"({"messages":[{"offset_us":-1,"dir":"send"}]})") ==
        "field \"ws\": messages[0].offset_us: negative");
  CHECK(error_in_v2(R"({"messages":[{"offset_us":1,"dir":"up"}]})") ==
        "field \"ws\": messages[0].dir: must be \"send\" or \"recv\"");
  CHECK(error_in_v2(R"({"messages":[{"offset_us":9,"dir":"send"},{"offset_us":3,"dir":"recv"},)"
                    R"({"offset_us":5,"dir":"send"}]})") ==
        "field \"ws\": messages[2].offset_us: before the previous sent message's (9)");
  CHECK(
      error_in_v2(R"({"messages":[{"offset_us":1,"dir":"send","text":"a","data_b64":"AA=="}]})") ==
      "field \"ws\": messages[0]: more than one of \"text\", \"text_b64\", \"data_b64\"");
  CHECK(error_in_v2(R"({"messages":[{"offset_us":1,"dir":"send","data_b64":"!!"}]})") ==
        "field \"ws\": messages[0].data_b64: invalid base64");
  CHECK(error_in_v2(R"({"messages":[{"offset_us":1,"dir":"recv","reply":{"frames":1}}]})") ==
        "field \"ws\": messages[0].reply: only a sent message has a reply");
  CHECK(error_in_v2(R"({"messages":[{"offset_us":1,"dir":"send","reply":{"frames":0}}]})") ==
        "field \"ws\": messages[0].reply.frames: must be a count of frames, 1 or more");
  CHECK(error_in_v2(R"({"messages":[{"offset_us":1,"dir":"send","reply":{"until":"("}}]})")
            .find("field \"ws\": messages[0].reply.until: \"(\" is not a regex") == 0);
  CHECK(error_in_v2(R"({"messages":[{"offset_us":1,"dir":"send","offset_us":2}]})") ==
        "field \"ws\": messages[0]: duplicate key \"offset_us\"");
  CHECK(error_in_v2(R"({"messages":[],"close":1})") ==
        "field \"ws\": unknown key \"close\" (messages, reply_quiet_us, close_us)");
  CHECK(error_in_v2(R"({"messages":[],"reply_quiet_us":0})") ==
        "field \"ws\": reply_quiet_us: must be positive");

  Record r;
  auto post =
      parse_after(2, R"({"offset_us":0,"method":"POST","target":"/","ws":{"messages":[]}})", r);
  REQUIRE_FALSE(post);
  CHECK(post.error().context == "field \"method\": a WebSocket session's upgrade request is a GET");
}

TEST_CASE("trace files: the writer needs version 2 for a session, the reader names a bad one") {
  trace::testing::TempDir dir;
  const std::string v1_path = dir.path() + "/v1.zst";
  {
    auto writer = TraceWriter::create(v1_path, TraceHeader{});
    REQUIRE(writer);
    auto refused = (*writer)->write(chat_session());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::invalid_argument);
    CHECK(refused.error().context.find("needs a version 2 trace") != std::string::npos);
    REQUIRE((*writer)->write(trace::testing::sample_record(1)));  // still usable
    REQUIRE((*writer)->close());
  }
  auto v1 = TraceReader::open(v1_path);
  REQUIRE(v1);
  CHECK((*v1)->header().version == 1);

  const std::string v2_path = dir.path() + "/v2.zst";
  TraceHeader header;
  header.version = 2;
  {
    auto writer = TraceWriter::create(v2_path, header);
    REQUIRE(writer);
    REQUIRE((*writer)->write(trace::testing::sample_record(3)));
    REQUIRE((*writer)->write(chat_session()));
    REQUIRE((*writer)->close());
  }
  auto reader = TraceReader::open(v2_path);
  REQUIRE(reader);
  CHECK((*reader)->header().version == 2);
  Record out;
  REQUIRE((*reader)->next(out).value());
  CHECK(out == trace::testing::sample_record(3));
  REQUIRE((*reader)->next(out).value());
  CHECK(out == chat_session());
  CHECK_FALSE((*reader)->next(out).value());

  const std::string header_line = "{\"format\":\"replay-trace\",\"version\":2}\n";
  const std::string good = R"({"offset_us":0,"method":"GET","target":"/"})"
                           "\n";
  const std::string bad =
      R"({"offset_us":5,"method":"GET","target":"/ws","ws":{"messages":[{"offset_us":1,"dir":"sent"}]}})"
      "\n";
  const std::string bad_path = dir.path() + "/bad.zst";
  trace::testing::write_file(bad_path, trace::testing::zstd_frame(header_line + good + bad));
  auto bad_reader = TraceReader::open(bad_path);
  REQUIRE(bad_reader);
  REQUIRE((*bad_reader)->next(out).value());
  auto failed = (*bad_reader)->next(out);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().context ==
        "record 2 at byte " + std::to_string(header_line.size() + good.size()) +
            ": field \"ws\": messages[0].dir: must be \"send\" or \"recv\"");
}
