#include <doctest/doctest.h>

#include "replay/synth/synthesizer.hpp"
#include "synth_test_support.hpp"

using namespace replay;
using namespace replay::synth;

namespace {

std::string session_with_poll(std::string_view poll_json) {
  return R"({"name":"jobs","sessions":[{"name":"job","steps":[)"
         R"({"method":"POST","path":"/jobs","captures":{"id":"json:/id"}},)"
         R"({"method":"GET","path":"/jobs/{{id}}","poll":)" +
         std::string(poll_json) + "}]}]}";
}

}  // namespace

TEST_CASE("a session step's poll is written into its records, and asks for trace version 2") {
  auto s = parse_scenario(
      session_with_poll(
          R"({"every":"2s","max":30,"until":{"json":{"/status":{"equals":"done"}}}})"),
      "jobs.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().context));
  CHECK(s->has_polls());
  SynthOptions o;
  o.rate = schedule::parse_rate_schedule("1/s").value().limited_to(2'000'000);
  o.epoch_s = 2'000'000'000;
  auto synth = Synthesizer::create(*s, std::move(o));
  REQUIRE(synth.ok());
  trace::Record r;
  int polls = 0;
  while ((*synth)->next(r)) {
    if (r.method != "GET") {
      CHECK_FALSE(r.poll);
      continue;
    }
    REQUIRE(r.poll);
    ++polls;
    CHECK(r.poll->every_us == 2'000'000);
    CHECK(r.poll->max_attempts == 30);
    CHECK(r.poll->until.json.at(0).first == "/status");
  }
  CHECK(polls == 2);
}

TEST_CASE("a bad poll names its place and what is wrong") {
  auto error_of = [](std::string_view poll) {
    auto s = parse_scenario(session_with_poll(poll), "jobs.json");
    return s ? std::string("no error") : s.error().context;
  };
  CHECK(error_of(R"({"every":2,"until":{"status":200}})")
            .find("sessions[0].steps[1].poll: every: expected a duration such as \"2s\"") !=
        std::string::npos);
  CHECK(error_of(R"({"every":"1s"})").find("poll: until: missing") != std::string::npos);
  CHECK(error_of(R"({"every":"1s","max":0,"until":{"status":200}})")
            .find("poll: max: must be 1 to 10000 attempts") != std::string::npos);
  CHECK(error_of(R"({"every_us":5,"until":{"status":200}})").find("poll: every_us:") !=
        std::string::npos);
}
