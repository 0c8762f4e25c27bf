#include <doctest/doctest.h>

#include <string>

#include "replay/trace/expect.hpp"
#include "replay/trace/record_codec.hpp"

using namespace replay;
using namespace replay::trace;

namespace {

std::string error_of(std::string_view json) {
  auto parsed = parse_expect(json);
  if (parsed) return "no error";
  CHECK(parsed.error().code == Errc::invalid_argument);
  return parsed.error().context;
}

Result<void> parse_line(LineParser& parser, const std::string& line, Record& out) {
  const std::string padded = line + std::string(kLinePadding, ' ');
  return parser.parse_record(std::string_view(padded.data(), line.size()), out);
}

}  // namespace

TEST_CASE("expect: every condition parses") {
  auto parsed = parse_expect(
      R"({"status": [200, 201], "header": {"Location": {"matches": "^/plans/"}, "X-Id": )"
      R"({"exists": false}}, "json": {"/id": {"exists": true}, "/n": {"equals": 5}, )"
      R"("/ok": {"equals": true}, "/name": {"equals": "a\"b"}}, "body_contains": "ok"})");
  REQUIRE(parsed);
  const Expect& e = parsed.value();
  CHECK(e.status == std::vector<int>{200, 201});
  REQUIRE(e.headers.size() == 2);
  CHECK(e.headers[0].first == "Location");
  CHECK(e.headers[0].second == ExpectCondition{ExpectCondition::Kind::matches, "^/plans/"});
  CHECK(e.headers[1].second.kind == ExpectCondition::Kind::absent);
  REQUIRE(e.json.size() == 4);
  CHECK(e.json[0].second.kind == ExpectCondition::Kind::exists);
  CHECK(e.json[1].second == ExpectCondition{ExpectCondition::Kind::equals, "5"});
  CHECK(e.json[2].second == ExpectCondition{ExpectCondition::Kind::equals, "true"});
  CHECK(e.json[3].second == ExpectCondition{ExpectCondition::Kind::equals, "a\"b"});
  CHECK(e.body_contains == "ok");
  CHECK(e.reads_body());
  CHECK(e.reads_headers());

  auto one = parse_expect(R"({"status": 204})");
  REQUIRE(one);
  CHECK(one.value().status == std::vector<int>{204});
  CHECK_FALSE(one.value().reads_body());
  CHECK_FALSE(one.value().reads_headers());
}

TEST_CASE("expect: what is wrong is named") {
  CHECK(error_of(R"({"status": 700})") == "status: 700 is not a status code (100..599)");
  CHECK(error_of(R"({"status": "2xx"})") == "status: must be a status code or an array of them");
  CHECK(error_of(R"({"status": []})") == "status: an empty list allows no status");
  CHECK(error_of(R"({"json": {"id": {"exists": true}}})") ==
        R"(json: "id" is not a JSON pointer ("" or starting with /))");
  CHECK(error_of(R"({"json": {"/id": {"has": 1}}})") ==
        R"(json./id: unknown condition "has" (exists, equals, matches))");
  CHECK(error_of(R"({"json": {"/id": {"exists": true, "equals": 1}}})")
            .find("must be one condition") != std::string::npos);
  CHECK(error_of(R"({"json": {"/id": {"equals": [1]}}})") ==
        "json./id: equals takes a string, number, boolean or null");
  CHECK(error_of(R"({"header": {"Location": {"matches": "(unclosed"}}})")
            .find(R"(header.Location: matches: "(unclosed" is not a regex)") == 0);
  CHECK(error_of(R"({"body_contains": 3})") == "body_contains: must be a string");
  CHECK(error_of(R"({"stat": 200})") ==
        R"(unknown key "stat" (status, header, json, body_contains))");
  CHECK(error_of(R"({})") == "names no condition (status, header, json, body_contains)");
  CHECK(error_of(R"([1])") == "must be an object");
}

TEST_CASE("expect: a record's checks (and session_end) round-trip through the trace line") {
  Record r;
  r.offset_us = 7;
  r.method = "POST";
  r.target = "/plans";
  r.session = "plans-000001";
  r.session_end = true;
  Expect e;
  e.status = {201};
  e.headers = {{"Location", {ExpectCondition::Kind::matches, "^/plans/\\d+"}}};
  e.json = {{"/id", {ExpectCondition::Kind::exists, ""}},
            {"/state", {ExpectCondition::Kind::equals, "draft \"1\""}},
            {"/gone", {ExpectCondition::Kind::absent, ""}}};
  e.body_contains = "id";
  r.expect = e;
  std::string line;
  append_record_line(r, line);
  CHECK(line.find(R"("expect":{"status":201,"header":{"Location":{"matches":"^/plans/\\d+"}})") !=
        std::string::npos);
  line.pop_back();  // the newline
  LineParser parser;
  Record back;
  REQUIRE(parse_line(parser, line, back));
  CHECK(back == r);

  // A reused Record does not keep the checks of an earlier line.
  REQUIRE(parse_line(parser, R"({"offset_us":8,"method":"GET","target":"/"})", back));
  CHECK_FALSE(back.expect.has_value());
  CHECK_FALSE(back.session_end);
}

TEST_CASE("expect: a bad expect in a trace line is a corrupt record naming the field") {
  LineParser parser;
  Record r;
  auto parsed = parse_line(
      parser, R"({"offset_us":0,"method":"GET","target":"/","expect":{"status":42}})", r);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == Errc::corrupt);
  CHECK(parsed.error().context == R"(field "expect": status: 42 is not a status code (100..599))");
  auto not_object =
      parse_line(parser, R"({"offset_us":0,"method":"GET","target":"/","expect":1})", r);
  REQUIRE_FALSE(not_object);
  CHECK(not_object.error().context.find(R"(field "expect")") == 0);
}
