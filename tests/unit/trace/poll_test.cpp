#include <doctest/doctest.h>

#include <string>

#include "replay/trace/poll.hpp"
#include "replay/trace/record_codec.hpp"
#include "trace_test_support.hpp"

using namespace replay;
using namespace replay::trace;
using replay::trace::testing::parse_after;

namespace {

constexpr std::string_view kStatusLine =
    R"({"offset_us":5,"session":"s","method":"GET","target":"/api/v1/enhancements/7",)"
    R"("poll":{"every_us":2000000,"max":30,"until":{"json":{"/status":{"equals":"done"}}}}})";

}  // namespace

TEST_CASE("poll: a status poll round-trips through its record line (version 2)") {
  Record r;
  REQUIRE(parse_after(2, kStatusLine, r));
  REQUIRE(r.poll);
  CHECK(r.poll->every_us == 2'000'000);
  CHECK(r.poll->max_attempts == 30);
  REQUIRE(r.poll->until.json.size() == 1);
  CHECK(r.poll->until.json[0].first == "/status");
  CHECK(r.poll->until.json[0].second.value == "done");
  std::string line;
  append_record_line(r, line);
  CHECK(line.find(R"("poll":{"every_us":2000000,"max":30,"until":{"json":{"/status":)") !=
        std::string::npos);
  Record back;
  line.pop_back();  // the '\n'
  REQUIRE(parse_after(2, line, back));
  CHECK(back == r);
}

TEST_CASE("poll: a version 1 trace cannot hold one; bad polls name the field") {
  Record r;
  auto v1 = parse_after(1, kStatusLine, r);
  REQUIRE_FALSE(v1);
  CHECK(v1.error().context ==
        "field \"poll\": a poll step needs trace format version 2 (the header says 1)");
  CHECK(parse_poll(R"({"every_us":10,"until":{}})").error().context ==
        "every_us: must be 1000 (1 ms) or more microseconds");
  CHECK(parse_poll(R"({"max":0,"until":{}})").error().context ==
        "max: must be 1 to 10000 attempts");
  CHECK(parse_poll(R"({"max":3})").error().context ==
        "until: missing: the condition that ends the polling");
  CHECK(parse_poll(R"({"until":{"status":700}})").error().context.find("until: status: 700") == 0);
  CHECK(parse_poll(R"({"until":{"status":200},"every":1})").error().context ==
        "every: unknown field (every_us, max, until)");
  auto in_line = parse_after(
      2, R"({"offset_us":0,"method":"GET","target":"/","poll":{"max":-1,"until":{}}})", r);
  REQUIRE_FALSE(in_line);
  CHECK(in_line.error().context == "field \"poll\": max: must be 1 to 10000 attempts");
}

TEST_CASE("a once step and a user-scoped capture round-trip; a bad scope names itself") {
  Record r;
  const std::string line =
      R"({"offset_us":0,"session":"s","method":"POST","target":"/login","once":true,)"
      R"("captures":[{"name":"token","source":"json:/t","scope":"user"},)"
      R"({"name":"id","source":"json:/id","scope":"session"}]})";
  REQUIRE(parse_after(1, line, r));
  CHECK(r.once);
  REQUIRE(r.captures.size() == 2);
  CHECK(r.captures[0].user_scope);
  CHECK_FALSE(r.captures[1].user_scope);
  std::string written;
  append_record_line(r, written);
  CHECK(written.find(R"("once":true)") != std::string::npos);
  CHECK(written.find(R"("scope":"user")") != std::string::npos);
  Record back;
  written.pop_back();
  REQUIRE(parse_after(1, written, back));
  CHECK(back == r);
  auto bad = parse_after(
      1,
      R"({"offset_us":0,"method":"GET","target":"/","captures":[{"name":"a","source":"json:/a","scope":"tenant"}]})",
      r);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().context.find("capture scope 'tenant' is not session or user") !=
        std::string::npos);
}
