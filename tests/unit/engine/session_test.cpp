#include <doctest/doctest.h>

#include "replay/engine/session.hpp"

using namespace replay;
using namespace replay::engine;

TEST_CASE("placeholders are found and substituted") {
  CHECK(has_placeholder("/api/v1/plans/{{plan_id}}/approve"));
  CHECK_FALSE(has_placeholder("/api/v1/plans/42"));
  CHECK_FALSE(has_placeholder("{{ unclosed"));
  CaptureValues values{{"plan_id", "p-42"}, {"token", "abc"}};
  CHECK(substitute_captures("/api/v1/plans/{{plan_id}}/approve", values).value() ==
        "/api/v1/plans/p-42/approve");
  CHECK(substitute_captures("{{token}}:{{plan_id}}{{token}}", values).value() == "abc:p-42abc");
  auto missing = substitute_captures("/x/{{nope}}", values);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().context.find("'nope'") != std::string::npos);
}

TEST_CASE("json pointer captures take strings as is and numbers as their text") {
  const std::string body = R"({"id":"p-7","n":42,"ok":true,"nested":{"list":[{"id":9}]}})";
  CHECK(extract_capture("json:/id", body, {}).value() == "p-7");
  CHECK(extract_capture("json:/n", body, {}).value() == "42");
  CHECK(extract_capture("json:/ok", body, {}).value() == "true");
  CHECK(extract_capture("json:/nested/list/0/id", body, {}).value() == "9");
  CHECK_FALSE(extract_capture("json:/missing", body, {}).has_value());
  CHECK_FALSE(extract_capture("json:/nested", body, {}).has_value());
  CHECK_FALSE(extract_capture("json:/id", "not json", {}).has_value());
}

TEST_CASE("header and regex captures") {
  client::HeaderList headers{{"Content-Type", "application/json"}, {"location", "/plans/5"}};
  CHECK(extract_capture("header:Location", "", headers).value() == "/plans/5");
  CHECK_FALSE(extract_capture("header:Retry-After", "", headers).has_value());
  CHECK(extract_capture("regex:id=(\\d+)", "x id=123 y", {}).value() == "123");
  CHECK_FALSE(extract_capture("regex:id=(\\d+)", "no ids", {}).has_value());
}

TEST_CASE("capture sources are validated") {
  CHECK(validate_capture_source("json:/id").ok());
  CHECK(validate_capture_source("header:Location").ok());
  CHECK(validate_capture_source("regex:id=(\\d+)").ok());
  CHECK(validate_capture_source("json:id").error().context.find("pointer") != std::string::npos);
  CHECK(validate_capture_source("regex:id=\\d+").error().context.find("group") !=
        std::string::npos);
  CHECK(validate_capture_source("regex:(").error().context.find("regular expression") !=
        std::string::npos);
  CHECK(validate_capture_source("xpath://id").error().context.find("unknown kind") !=
        std::string::npos);
}

TEST_CASE("a captured value that would inject a header or a request is refused, never built") {
  const auto target = client::parse_target("http://127.0.0.1:8080").value();
  const RequestTemplate t{"GET", "/p/{{id}}", {{"X-Plan", "{{plan}}"}}, "{{note}}"};
  // A CR LF in the target or a header value would make two requests of one on the wire.
  auto in_target = build_from_template(
      t, {{"id", "1 HTTP/1.1\r\nX-Admin: yes\r\n\r\nGET /x"}, {"plan", "p"}, {"note", ""}}, target,
      {});
  REQUIRE_FALSE(in_target.ok());
  CHECK(in_target.error().code == Errc::invalid_argument);
  auto in_header = build_from_template(
      t, {{"id", "1"}, {"plan", "p\r\nX-Admin: yes"}, {"note", ""}}, target, {});
  REQUIRE_FALSE(in_header.ok());
  CHECK(in_header.error().code == Errc::invalid_argument);
  // The body may hold any bytes; a value that is not captured is still not_found.
  auto in_body =
      build_from_template(t, {{"id", "1"}, {"plan", "p"}, {"note", "a\r\nb"}}, target, {});
  REQUIRE(in_body.ok());
  CHECK(in_body.value()->find("\r\n\r\na\r\nb") != std::string::npos);
  auto missing = build_from_template(t, {{"id", "1"}}, target, {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
}
