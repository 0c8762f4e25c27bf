#include <doctest/doctest.h>

#include "check.hpp"
#include "recorder.hpp"

using namespace replay;
using namespace replay::engine;

namespace {

trace::Expect expect_of(std::string_view json) {
  auto parsed = trace::parse_expect(json);
  REQUIRE_MESSAGE(parsed.ok(), parsed.error().context);
  return std::move(parsed).value();
}

// The failed condition and what was held, or "pass".
std::string outcome(const trace::Expect& e, int status, std::string_view body,
                    const client::HeaderList& headers = {}) {
  auto failed = check_response(e, status, body, headers);
  return failed ? failed->condition + " | " + failed->observed : "pass";
}

}  // namespace

TEST_CASE("check_response: status, headers, JSON pointers and body text") {
  const auto e = expect_of(
      R"({"status": [200, 201], "header": {"Location": {"matches": "^/plans/\\d+$"}},)"
      R"("json": {"/id": {"exists": true}, "/state": {"equals": "draft"}, "/n": {"equals": 3},)"
      R"("/gone": {"exists": false}}, "body_contains": "draft"})");
  const client::HeaderList location = {{"content-type", "application/json"},
                                       {"location", "/plans/42"}};
  const std::string good = R"({"id": {"x": 1}, "state": "draft", "n": 3})";
  CHECK(outcome(e, 201, good, location) == "pass");
  CHECK(outcome(e, 503, good, location) == "status 200 or 201 | 503");
  CHECK(outcome(e, 201, good, {}) == "header Location matches ^/plans/\\d+$ | missing");
  CHECK(outcome(e, 201, good, {{"Location", "/plans/x"}}) ==
        "header Location matches ^/plans/\\d+$ | \"/plans/x\"");
  CHECK(outcome(e, 201, R"({"state": "draft", "n": 3})", location) == "json /id exists | missing");
  CHECK(outcome(e, 201, R"({"id": 1, "state": "done", "n": 3})", location) ==
        "json /state equals \"draft\" | \"done\"");
  CHECK(outcome(e, 201, R"({"id": 1, "state": "draft", "n": 4})", location) ==
        "json /n equals \"3\" | \"4\"");
  CHECK(outcome(e, 201, R"({"id": 1, "state": "draft", "n": 3, "gone": null})", location) ==
        "json /gone absent | \"null\"");
  CHECK(outcome(e, 201, "<html>draft</html>", location) ==
        "json /id exists | the body is not JSON");
  CHECK(outcome(expect_of(R"({"body_contains": "ok"})"), 200, "") ==
        "body contains \"ok\" | an empty body");
  CHECK(outcome(expect_of(R"({"body_contains": "ok"})"), 200, "it is ok") == "pass");
  // A long value is cut in the sample.
  const auto long_body = std::string(200, 'x');
  CHECK(outcome(expect_of(R"({"body_contains": "ok"})"), 200, long_body) ==
        "body contains \"ok\" | \"" + std::string(80, 'x') + "...\"");
}

TEST_CASE("check tallies: per scope, failed conditions counted by text, apart from errors") {
  Recorder recorder(0);
  const ScopeIds ids{0, 0};
  recorder.record_check(ids, nullptr);
  recorder.record_check(ids, nullptr);
  const CheckFailure status{"status 201", "503"};
  recorder.record_check(ids, &status);
  const CheckFailure other_status{"status 201", "500"};
  recorder.record_check(ids, &other_status);
  const CheckFailure none = no_response("timeout");
  recorder.record_check(ids, &none);
  const CheckTally& t = recorder.overall().checks;
  CHECK(t.passed == 2);
  CHECK(t.failed == 3);
  REQUIRE(t.failures.size() == 2);
  CHECK(t.failures[0] == CheckFailureCount{"status 201", "503", 2});  // the first sample kept
  CHECK(t.failures[1] == CheckFailureCount{"a response", "timeout", 1});
  CHECK(t.pass_ratio() == doctest::Approx(0.4));
  CHECK(recorder.overall().errors() == 0);  // checks are not errors

  CheckTally merged = t;
  merged.merge(t);
  CHECK(merged.passed == 4);
  CHECK(merged.failures[0].count == 4);
  CheckTally full;
  for (size_t i = 0; i < CheckTally::kMaxConditions + 3; ++i) {
    full.add_failure("c" + std::to_string(i), "x");
  }
  CHECK(full.failed == CheckTally::kMaxConditions + 3);
  CHECK(full.failures.size() == CheckTally::kMaxConditions);
}
