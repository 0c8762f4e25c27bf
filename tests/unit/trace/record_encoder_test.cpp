#include <doctest/doctest.h>

#include <string>

#include "replay/core/json_writer.hpp"
#include "replay/trace/record_codec.hpp"

using namespace replay;
using namespace replay::trace;

namespace {

Record example_record() {
  Record r;
  r.offset_us = 1500;
  r.session = "s-1";
  r.tag = "chat";
  r.method = "POST";
  r.target = "/api/v1/chat";
  r.headers = {{"Content-Type", "application/json"}, {"X-A", "1"}, {"X-A", "2"}};
  r.body = R"({"message":"hi"})";
  r.captures = {{"plan_id", "json:/id"}};
  r.response = ObservedResponse{200, 800, 1200, 345, 0};
  return r;
}

Record request(std::string method, std::string target) {
  Record r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

std::string line_of(const Record& r) {
  std::string out;
  append_record_line(r, out);
  return out;
}

}  // namespace

TEST_CASE("a record line matches the documented wire form") {
  CHECK(line_of(example_record()) ==
        R"({"offset_us":1500,"session":"s-1","tag":"chat","method":"POST","target":"/api/v1/chat",)"
        R"("headers":[["Content-Type","application/json"],["X-A","1"],["X-A","2"]],)"
        R"("body":"{\"message\":\"hi\"}","captures":[{"name":"plan_id","source":"json:/id"}],)"
        R"("response":{"status":200,"ttfb_us":800,"duration_us":1200,"bytes":345,"sse_events":0}})"
        "\n");
}

TEST_CASE("the header line matches the documented wire form") {
  TraceHeader h;
  h.created = "2026-11-22T12:00:00Z";
  h.source = "synth chat";
  h.base_url = "http://127.0.0.1:8000";
  std::string out;
  append_header_line(h, out);
  CHECK(out == R"({"format":"replay-trace","version":1,"created":"2026-11-22T12:00:00Z",)"
               R"("source":"synth chat","base_url":"http://127.0.0.1:8000"})"
               "\n");

  SUBCASE("the format is always this build's, the version 1 or 2") {
    h.format = "other";
    h.version = 7;
    h.source.clear();
    h.base_url.clear();
    out.clear();
    append_header_line(h, out);
    CHECK(out == R"({"format":"replay-trace","version":2,"created":"2026-11-22T12:00:00Z"})"
                 "\n");
  }
}

TEST_CASE("the header's tokens object holds only the fields that are known") {
  TraceHeader h;
  h.created = "2026-11-22T12:00:00Z";
  h.tokens = {"synth", "3c9f46e9aab08dd7", 1795435200};
  std::string out;
  append_header_line(h, out);
  CHECK(out == R"({"format":"replay-trace","version":1,"created":"2026-11-22T12:00:00Z",)"
               R"("tokens":{"minted_by":"synth","secret_fingerprint":"3c9f46e9aab08dd7",)"
               R"("exp":1795435200}})"
               "\n");
  h.tokens = {"", "", 0};
  out.clear();
  append_header_line(h, out);
  CHECK(out == R"({"format":"replay-trace","version":1,"created":"2026-11-22T12:00:00Z",)"
               R"("tokens":{"exp":0}})"
               "\n");
}

TEST_CASE("empty and default fields are left out") {
  Record r = request("GET", "/health/live");
  CHECK(line_of(r) == R"({"offset_us":0,"method":"GET","target":"/health/live"})"
                      "\n");
}

TEST_CASE("a body that is not UTF-8 is written as body_b64") {
  Record r = request("POST", "/");
  r.body = std::string("\x00\xff\x80", 3);
  r.body_truncated = true;
  CHECK(line_of(r) ==
        R"({"offset_us":0,"method":"POST","target":"/","body_b64":"AP+A","body_truncated":true})"
        "\n");
}

TEST_CASE("a UTF-8 body with control characters stays plain, escaped") {
  Record r = request("POST", "/");
  r.body = std::string("a\0b\n\xc3\xa9", 6);
  CHECK(
      line_of(r) ==
      "{\"offset_us\":0,\"method\":\"POST\",\"target\":\"/\",\"body\":\"a\\u0000b\\n\xc3\xa9\"}\n");
}

TEST_CASE("invalid UTF-8 outside the body is made representable") {
  Record r = request("GET", "/caf\xe9?q=\xc3\xa9");
  r.tag = "t\xff";
  r.headers = {{"X-Latin1", "caf\xe9"}};
  std::string line = line_of(r);
  CHECK(is_valid_utf8(line));
  CHECK(line.find(R"("tag":"t)"
                  "\xef\xbf\xbd\"") != std::string::npos);  // U+FFFD
  CHECK(line.find(R"("target":"/caf%E9?q=)"
                  "\xc3\xa9\"") != std::string::npos);
  CHECK(line.find(R"(["X-Latin1","Y2Fm6Q==","b64"])") != std::string::npos);
}

TEST_CASE("every line ends with exactly one newline and contains no other") {
  Record r = example_record();
  r.body = "line1\nline2\r\n";
  r.headers.push_back({"X-Multi", "a\nb"});
  std::string line = line_of(r);
  REQUIRE(!line.empty());
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
}

TEST_CASE("a metric capture is written with its kind, a plain one without") {
  Record r = request("POST", "/v1/chat/completions");
  r.captures = {{"tokens", "json:/usage/total_tokens", "sum"}, {"id", "json:/id", ""}};
  CHECK(line_of(r) ==
        R"({"offset_us":0,"method":"POST","target":"/v1/chat/completions","captures":[)"
        R"({"name":"tokens","source":"json:/usage/total_tokens","metric":"sum"},)"
        R"({"name":"id","source":"json:/id"}]})"
        "\n");
  LineParser parser;
  std::string line = line_of(r);
  line.pop_back();
  const std::string padded = line + std::string(kLinePadding, 'x');
  Record back;
  REQUIRE(parser.parse_record(std::string_view(padded.data(), line.size()), back));
  CHECK(back == r);
}
