#include <doctest/doctest.h>

#include <string>

#include "replay/trace/record_codec.hpp"

using namespace replay;
using namespace replay::trace;

namespace {

// Copies `line` into a buffer with the padding LineParser needs.
struct Padded {
  explicit Padded(std::string_view line)
      : text(line), storage(std::string(line) + std::string(kLinePadding, 'x')) {}
  std::string_view view() const { return std::string_view(storage.data(), text.size()); }
  std::string text;
  std::string storage;
};

Result<void> parse(LineParser& parser, std::string_view line, Record& out) {
  Padded p(line);
  return parser.parse_record(p.view(), out);
}

Result<TraceHeader> parse_header(std::string_view line) {
  LineParser parser;
  Padded p(line);
  return parser.parse_header(p.view());
}

std::string error_of(std::string_view line) {
  LineParser parser;
  Record r;
  auto result = parse(parser, line, r);
  if (result) return "no error";
  CHECK(result.error().code == Errc::corrupt);
  return result.error().context;
}

}  // namespace

TEST_CASE("the documented record line parses into every field") {
  LineParser parser;
  Record r;
  REQUIRE(parse(
      parser,
      R"({"offset_us":1500,"session":"s-1","tag":"chat","method":"POST","target":"/api/v1/chat",)"
      R"("headers":[["Content-Type","application/json"],["X-A","1"],["X-A","2"]],)"
      R"("body":"{\"message\":\"hi\"}","captures":[{"name":"plan_id","source":"json:/id"}],)"
      R"("response":{"status":200,"ttfb_us":800,"duration_us":1200,"bytes":345,"sse_events":3}})",
      r));
  CHECK(r.offset_us == 1500);
  CHECK(r.session == "s-1");
  CHECK(r.tag == "chat");
  CHECK(r.method == "POST");
  CHECK(r.target == "/api/v1/chat");
  REQUIRE(r.headers.size() == 3);
  CHECK(r.headers[0] == HeaderField{"Content-Type", "application/json"});
  CHECK(r.headers[1] == HeaderField{"X-A", "1"});
  CHECK(r.headers[2] == HeaderField{"X-A", "2"});
  CHECK(r.body == R"({"message":"hi"})");
  CHECK_FALSE(r.body_truncated);
  REQUIRE(r.captures.size() == 1);
  CHECK(r.captures[0] == Capture{"plan_id", "json:/id"});
  REQUIRE(r.response.has_value());
  CHECK(*r.response == ObservedResponse{200, 800, 1200, 345, 3});
}

TEST_CASE("unknown fields are ignored, at any level and in any order") {
  LineParser parser;
  Record r;
  REQUIRE(parse(parser,
                R"({"future":{"a":[1,2,{"b":null}]},"target":"/x","method":"GET","offset_us":7,)"
                R"("captures":[{"source":"header:Location","name":"loc","kind":"new"}],)"
                R"("headers":[["A","1","future-flag"]],"response":{"status":204,"h2":true}})",
                r));
  CHECK(r.offset_us == 7);
  CHECK(r.method == "GET");
  CHECK(r.target == "/x");
  REQUIRE(r.captures.size() == 1);
  CHECK(r.captures[0] == Capture{"loc", "header:Location"});
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0].value == "1");
  CHECK(r.response->status == 204);
  CHECK(r.response->bytes == 0);
}

TEST_CASE("body_b64 and base64 header values are decoded") {
  LineParser parser;
  Record r;
  REQUIRE(parse(parser,
                R"({"offset_us":0,"method":"POST","target":"/","headers":[["X","Y2Fm6Q==","b64"]],)"
                R"("body_b64":"AP+A","body_truncated":true})",
                r));
  CHECK(r.body == std::string("\x00\xff\x80", 3));
  CHECK(r.body_truncated);
  CHECK(r.headers[0].value == "caf\xe9");
}

TEST_CASE("a reused Record loses the fields a later line does not have") {
  LineParser parser;
  Record r;
  REQUIRE(parse(parser,
                R"({"offset_us":1,"session":"s","tag":"t","method":"POST","target":"/a","headers":)"
                R"([["A","1"],["B","2"],["C","3"]],"body":"x","body_truncated":true,)"
                R"("captures":[{"name":"n","source":"json:/id"}],"response":{"status":200}})",
                r));
  REQUIRE(
      parse(parser, R"({"offset_us":2,"method":"GET","target":"/b","headers":[["D","4"]]})", r));
  Record expected;
  expected.offset_us = 2;
  expected.method = std::string("GET");
  expected.target = std::string("/b");
  expected.headers = {{"D", "4"}};
  CHECK(r == expected);
  REQUIRE(parse(parser,
                R"({"offset_us":3,"method":"GET","target":"/c","headers":[["E","5"],["F","6"]]})",
                r));
  CHECK(r.headers == std::vector<HeaderField>{{"E", "5"}, {"F", "6"}});
  REQUIRE(parse(parser, R"({"offset_us":4,"method":"GET","target":"/d"})", r));
  CHECK(r.headers.empty());
}

TEST_CASE("corrupt record lines give a precise reason") {
  CHECK(error_of(R"({"offset_us":1,"method":"GET","target":"/x)") == "unterminated string");
  CHECK(error_of(R"({"offset_us":1,"method":"GET"})") == "field \"target\": missing");
  CHECK(error_of(R"({"method":"GET","target":"/"})") == "field \"offset_us\": missing");
  CHECK(error_of(R"({"offset_us":-5,"method":"GET","target":"/"})") ==
        "field \"offset_us\": negative");
  CHECK(error_of(R"({"offset_us":"1","method":"GET","target":"/"})") ==
        "field \"offset_us\": wrong type");
  CHECK(error_of(R"({"offset_us":1,"method":"GET","target":"/","headers":{"A":"1"}})") ==
        "field \"headers\": wrong type");
  CHECK(error_of(R"({"offset_us":1,"method":"GET","target":"/","headers":[["A"]]})") ==
        "field \"headers\": each header must be [name, value]");
  CHECK(error_of(R"({"offset_us":1,"method":"GET","target":"/","body":"a","body_b64":"YQ=="})") ==
        "both \"body\" and \"body_b64\"");
  CHECK(error_of(R"({"offset_us":1,"method":"GET","target":"/","body_b64":"!!"})") ==
        "field \"body_b64\": invalid base64");
  CHECK(error_of(R"({"offset_us":1,"method":"GET","target":"/","response":{"status":1000}})") ==
        "field \"response\": status out of range");
  CHECK(error_of(
            R"({"offset_us":1,"method":"GET","target":"/","captures":[{"source":"json:/a"}]})") ==
        "field \"captures\": a capture has no name");
  CHECK(error_of(R"([1,2])") == "not a JSON object");
  CHECK(error_of("") == "empty line");
  CHECK(error_of(R"({"offset_us":1,"method":"GET","target":"/"} {)").find("malformed JSON") == 0);
  CHECK(error_of(R"({"offset_us":1,,"method":"GET","target":"/"})").find("malformed JSON") == 0);
  CHECK(error_of("{\"offset_us\":1,\"method\":\"G\xff\",\"target\":\"/\"}") == "invalid UTF-8");
  CHECK(error_of(R"({"offset_us":12x,"method":"GET","target":"/"})") ==
        "field \"offset_us\": malformed number");
}

TEST_CASE("a header line is checked for format and version") {
  auto ok = parse_header(
      R"({"format":"replay-trace","version":1,"created":"2026-11-22T12:00:00Z","source":"s",)"
      R"("base_url":"http://127.0.0.1:8000","extra":[1]})");
  REQUIRE(ok);
  CHECK(ok->format == "replay-trace");
  CHECK(ok->version == 1);
  CHECK(ok->created == "2026-11-22T12:00:00Z");
  CHECK(ok->source == "s");
  CHECK(ok->base_url == "http://127.0.0.1:8000");

  auto newer = parse_header(R"({"format":"replay-trace","version":3})");
  REQUIRE_FALSE(newer);
  CHECK(newer.error().code == Errc::unsupported);
  CHECK(newer.error().context ==
        "trace format version 3 is newer than this build reads (versions 1 to 2)");

  for (const char* bad : {R"({"format":"other","version":1})", R"({"version":1})", R"([1])",
                          "hello", R"({"offset_us":1,"method":"GET","target":"/"})"}) {
    CAPTURE(bad);
    auto r = parse_header(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::corrupt);
    CHECK(r.error().context.find("not a replay trace") == 0);
  }
  auto no_version = parse_header(R"({"format":"replay-trace"})");
  REQUIRE_FALSE(no_version);
  CHECK(no_version.error().context == "field \"version\": missing");
  auto zero = parse_header(R"({"format":"replay-trace","version":0})");
  REQUIRE_FALSE(zero);
  CHECK(zero.error().code == Errc::corrupt);
}

TEST_CASE("the header's tokens: absent is unknown, unknown fields are ignored, types checked") {
  auto old = parse_header(R"({"format":"replay-trace","version":1,"source":"synth mix"})");
  REQUIRE(old);
  CHECK(old->tokens.empty());

  auto synth = parse_header(
      R"({"format":"replay-trace","version":1,"tokens":{"minted_by":"synth","alg":"HS256",)"
      R"("secret_fingerprint":"3c9f46e9aab08dd7","exp":1795435200,"kid":{"a":[1]}}})");
  REQUIRE(synth);
  CHECK(synth->tokens == TokenProvenance{"synth", "3c9f46e9aab08dd7", 1795435200});

  auto partial = parse_header(R"({"format":"replay-trace","version":1,"tokens":{}})");
  REQUIRE(partial);
  CHECK(partial->tokens.empty());

  auto not_object = parse_header(R"({"format":"replay-trace","version":1,"tokens":"synth"})");
  REQUIRE_FALSE(not_object);
  CHECK(not_object.error().code == Errc::corrupt);
  CHECK(not_object.error().context == "field \"tokens\": wrong type");
  auto bad_exp =
      parse_header(R"({"format":"replay-trace","version":1,"tokens":{"exp":"tomorrow"}})");
  REQUIRE_FALSE(bad_exp);
  CHECK(bad_exp.error().context == "field \"tokens.exp\": wrong type");
  auto not_trace = parse_header(R"({"format":"other","version":1,"tokens":[]})");
  REQUIRE_FALSE(not_trace);
  CHECK(not_trace.error().context.find("not a replay trace") == 0);
}

TEST_CASE("keys and values written with escapes mean the same as plain ones") {
  LineParser parser;
  Record r;
  REQUIRE(parse(
      parser,
      R"({"offset\u005fus":9,"m\u0065thod":"G\u0045T","target":"/a\/b","headers":[["A","\"q\"\\"]]})",
      r));
  CHECK(r.offset_us == 9);
  CHECK(r.method == "GET");
  CHECK(r.target == "/a/b");
  CHECK(r.headers[0].value == "\"q\"\\");
}

TEST_CASE("CR, LF or NUL in a method, target or header is refused, naming the field") {
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/a\r\nX-Injected: 1"})") ==
        "field \"target\": contains CR (byte 2)");
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/a\nb"})") ==
        "field \"target\": contains LF (byte 2)");
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/a\u0000"})") ==
        "field \"target\": contains NUL (byte 2)");
  CHECK(error_of(R"({"offset_us":0,"method":"GET /x HTTP/1.1\r\n\r\nGET","target":"/"})") ==
        "field \"method\": contains a space (byte 3), not a token");
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/",)"
                 R"("headers":[["A","1"],["X-Forwarded-For","1.2.3.4\r\nX-Admin: yes"]]})") ==
        "field \"headers[1]\": value of \"X-Forwarded-For\" contains CR (byte 7)");
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/","headers":[["Bad Name","1"]]})") ==
        "field \"headers[0]\": name contains a space (byte 3), not a token");
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/","headers":[["X\nY","1"]]})") ==
        "field \"headers[0]\": name contains LF (byte 1)");
  // A base64 value is checked after decoding: "YQ1i" is "a\rb".
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/","headers":[["X","YQ1i","b64"]]})") ==
        "field \"headers[0]\": value of \"X\" contains CR (byte 1)");
  // The body is not a wire field of the request head: anything goes.
  LineParser parser;
  Record r;
  CHECK(parse(parser, R"({"offset_us":0,"method":"POST","target":"/","body":"a\r\n\u0000"})", r));
  CHECK(r.body == std::string("a\r\n\0", 4));
}

TEST_CASE("an empty target or method is refused") {
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":""})") == "field \"target\": is empty");
  CHECK(error_of(R"({"offset_us":0,"method":"","target":"/"})") == "field \"method\": is empty");
}

TEST_CASE("a key given twice is refused, naming it, in records and headers") {
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/a","target":"/admin"})") ==
        "duplicate key \"target\"");
  // Escaped spellings are the same key.
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/a","t\u0061rget":"/admin"})") ==
        "duplicate key \"target\"");
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/","x":1,"x":2})") ==
        "duplicate key \"x\"");
  CHECK(
      error_of(
          R"({"offset_us":0,"method":"GET","target":"/","response":{"status":200,"status":500}})") ==
      "field \"response\": duplicate key \"status\"");
  CHECK(
      error_of(
          R"({"offset_us":0,"method":"GET","target":"/","captures":[{"name":"a","name":"b"}]})") ==
      "field \"captures\": duplicate key \"name\"");
  // Many distinct keys are fine (past the linear scan), and a late duplicate is still found.
  std::string many = R"({"offset_us":0,"method":"GET","target":"/")";
  for (int i = 0; i < 100; ++i) many += ",\"k" + std::to_string(i) + "\":1";
  CHECK(error_of(many + "}") == "no error");
  CHECK(error_of(many + ",\"k7\":2}") == "duplicate key \"k7\"");

  auto header = parse_header(R"({"format":"replay-trace","version":1,"version":2})");
  REQUIRE_FALSE(header);
  CHECK(header.error().context == "duplicate key \"version\"");
  auto tokens = parse_header(
      R"({"format":"replay-trace","version":1,"tokens":{"minted_by":"synth","minted_by":"x"}})");
  REQUIRE_FALSE(tokens);
  CHECK(tokens.error().context == "field \"tokens\": duplicate key \"minted_by\"");
}

TEST_CASE("strings are unescaped exactly, and bad escapes are refused") {
  LineParser parser;
  Record r;
  REQUIRE(parse(parser,
                R"({"offset_us":0,"method":"POST","target":"/",)"
                R"("body":"\"\\\/\b\f\n\r\t\u00e9\u20ac\ud83d\ude00 end"})",
                r));
  CHECK(r.body == "\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 end");
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/","body":"\x"})") ==
        "field \"body\": bad escape in string");
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/","body":"\ud83d"})") ==
        "field \"body\": bad escape in string");
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/","body":"\ude00"})") ==
        "field \"body\": bad escape in string");
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/","body":"\u12G4"})") ==
        "field \"body\": bad escape in string");
  CHECK(error_of("{\"offset_us\":0,\"method\":\"GET\",\"target\":\"/\",\"body\":\"a\x01\"}")
            .find("control character") != std::string::npos);
}

TEST_CASE("a capture declared a metric keeps its kind; another kind is an error") {
  LineParser parser;
  Record r;
  REQUIRE(parse(parser,
                R"({"offset_us":0,"method":"POST","target":"/v1/chat/completions","captures":[)"
                R"({"name":"tokens","source":"json:/usage/total_tokens","metric":"sum"},)"
                R"({"name":"ms","source":"header:X-Time","metric":"histogram"},)"
                R"({"name":"id","source":"json:/id"}]})",
                r));
  REQUIRE(r.captures.size() == 3);
  CHECK(r.captures[0] == Capture{"tokens", "json:/usage/total_tokens", "sum"});
  CHECK(r.captures[1] == Capture{"ms", "header:X-Time", "histogram"});
  CHECK(r.captures[2] == Capture{"id", "json:/id", ""});
  // A reused slot forgets the metric of the line before.
  REQUIRE(parse(
      parser,
      R"({"offset_us":1,"method":"GET","target":"/","captures":[{"name":"t","source":"json:/a"}]})",
      r));
  CHECK(r.captures[0].metric.empty());
  CHECK(error_of(R"({"offset_us":0,"method":"GET","target":"/","captures":[)"
                 R"({"name":"t","source":"json:/a","metric":"avg"}]})") ==
        "field \"captures\": capture 't': metric 'avg' is not sum or histogram");
}
