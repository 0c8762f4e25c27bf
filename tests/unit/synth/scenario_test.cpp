#include <doctest/doctest.h>

#include <cmath>

#include "replay/synth/scenario.hpp"
#include "synth_test_support.hpp"

using namespace replay;
using namespace replay::synth;
using replay::synth::testing::load_bundled;
using replay::synth::testing::TempDir;

namespace {

// Loads `text` as x.json; the error must be one line "<path>: <expected>".
void check_error(const std::string& text, const std::string& expected,
                 Errc code = Errc::invalid_argument) {
  CAPTURE(text);
  TempDir dir;
  const std::string path = dir.write("x.json", text);
  auto s = load_scenario(path);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == code);
  CHECK(s.error().context == path + ": " + expected);
  CHECK(s.error().context.find('\n') == std::string::npos);
}

// A session scenario whose third step's path is `path3`.
std::string session_with_path(const std::string& path3) {
  return "{\n"                                                       // 1
         "  \"sessions\": [{\n"                                      // 2
         "    \"steps\": [\n"                                        // 3
         "      {\"method\": \"POST\", \"path\": \"/plans\",\n"      // 4
         "       \"captures\": {\"token\": \"header:X-Token\"}},\n"  // 5
         "      {\"method\": \"GET\", \"path\": \"/plans/1\"},\n"    // 6
         "      {\"method\": \"GET\",\n"                             // 7
         "       \"path\": \"" +
         path3 +
         "\"},\n"                                               // 8
         "      {\"method\": \"POST\", \"path\": \"/x\",\n"     // 9
         "       \"captures\": {\"plan_id\": \"json:/id\"}}\n"  // 10
         "    ]\n"
         "  }]\n"
         "}\n";
}

}  // namespace

TEST_CASE("bad JSON names the line and the cause") {
  check_error("{\n  \"requests\": [\n    {\"method\": \"GET\" \"path\": \"/\"}\n  ]\n}\n",
              "line 3: bad JSON: expected ',' or '}' after an object member", Errc::corrupt);
  check_error("{\n  \"requests\": [],\n}\n", "line 3: bad JSON: trailing comma before '}'",
              Errc::corrupt);
}

TEST_CASE("a capture used before any step defines it names the step's field") {
  check_error(session_with_path("/plans/{{plan_id}}"),
              "line 8: sessions[0].steps[2].path: capture 'plan_id' is used before any step "
              "defines it (steps[3] captures it)");
  check_error(session_with_path("/plans/{{plan}}"),
              "line 8: sessions[0].steps[2].path: '{{plan}}' is neither a generator nor a "
              "capture of an earlier step (generators: uuid, tenant, user, pick, int, text, now, "
              "seq)");
  // Defined by an earlier step: fine.
  TempDir dir;
  CHECK(load_scenario(dir.write("ok.json", session_with_path("/plans/{{token}}"))).ok());
}

TEST_CASE("unknown generators, lists and fields are errors") {
  check_error(
      "{\n  \"requests\": [\n    {\"method\": \"GET\",\n     \"path\": \"/a/{{uuidd}}\"}\n  ]\n}\n",
      "line 4: requests[0].path: unknown generator '{{uuidd}}' (generators: uuid, tenant, user, "
      "pick, int, text, now, seq; captures exist only in sessions)");
  check_error(
      "{\n  \"requests\": [{\"method\": \"POST\", \"path\": \"/a\",\n"
      "    \"body\": {\"deep\": [1, {\"m\": \"{{pick:nope}}\"}]}}]\n}\n",
      "line 3: requests[0].body.deep[1].m: unknown list 'nope' in '{{pick:nope}}' "
      "(lists: none; inline choices are separated by '|')");
  check_error(
      "{\n  \"requests\": [{\"method\": \"GET\", \"path\": \"/a\",\n    \"heders\": {}}]\n}\n",
      "line 3: requests[0].heders: unknown field 'heders' (fields here: name, weight, tag, "
      "method, path, headers, body, auth, expect, ws, captures)");
  check_error("{\"name\": \"a\", \"name\": \"b\", \"requests\": []}",
              "line 1: name: duplicate field 'name'");
}

TEST_CASE("weights, durations, rates and think times are checked") {
  const std::string request = R"({"method": "GET", "path": "/"})";
  check_error("{\"requests\": [\n{\"weight\": 0, \"method\": \"GET\", \"path\": \"/\"}]}",
              "line 2: requests[0].weight: weight must be a positive number");
  check_error("{\"requests\": [\n{\"weight\": -2.5, \"method\": \"GET\", \"path\": \"/\"}]}",
              "line 2: requests[0].weight: weight must be a positive number");
  check_error("{\"requests\": [\n{\"weight\": \"3\", \"method\": \"GET\", \"path\": \"/\"}]}",
              "line 2: requests[0].weight: expected a number");
  check_error("{\"include\": [{\"scenario\": \"x\", \"weight\": 0}]}",
              "line 1: include[0].weight: weight must be a positive number");
  check_error("{\"defaults\": {\n\"duration\": \"10\"}, \"requests\": [" + request + "]}",
              "line 2: defaults.duration: duration '10': missing unit (e.g. 500ms, 30s, 1m30s)");
  check_error("{\"defaults\": {\"rate\": \"fast\"}, \"requests\": [" + request + "]}",
              "line 1: defaults.rate: stage 1 of 'fast': rate 'fast': missing '/unit' (e.g. 200/s, "
              "12000/m, 0.5/ms)");
  check_error("{\"defaults\": {\"arrival\": \"recorded\"}, \"requests\": [" + request + "]}",
              "line 1: defaults.arrival: arrival 'recorded': expected constant or poisson");
  check_error("{\"sessions\": [{\"think\": \"2s..1s\", \"steps\": [" + request + "]}]}",
              "line 1: sessions[0].think: the range's upper end is below its lower end");
}

TEST_CASE("captures are checked where they are defined") {
  auto with_capture = [](const std::string& name, const std::string& source) {
    return "{\"sessions\": [{\"steps\": [{\"method\": \"GET\", \"path\": \"/\",\n\"captures\": "
           "{\"" +
           name + "\": \"" + source + "\"}}]}]}";
  };
  check_error(with_capture("id", "body:/id"),
              "line 2: sessions[0].steps[0].captures.id: a capture source starts with json:, "
              "header: or regex: (json:/id, header:Location, regex:id=(\\d+))");
  check_error(with_capture("id", "json:id"),
              "line 2: sessions[0].steps[0].captures.id: a JSON pointer starts with '/': json:/id");
  check_error(with_capture("id", "regex:id=\\\\d+"),
              "line 2: sessions[0].steps[0].captures.id: the regular expression needs a group for "
              "the value: regex:id=(\\d+)");
  check_error(with_capture("uuid", "json:/id"),
              "line 2: sessions[0].steps[0].captures.uuid: capture name 'uuid' is taken by a "
              "generator");
  check_error(
      "{\"requests\": [{\"method\": \"GET\", \"path\": \"/\",\n\"captures\": {\"id\": "
      "\"json:/id\"}}]}",
      "line 2: requests[0].captures.id: a request entry's captures are metrics only ({\"from\": "
      "..., \"metric\": \"sum\"}): a capture used by later steps belongs to a session");
  check_error(
      "{\"requests\": [{\"method\": \"GET\", \"path\": \"/\",\n\"captures\": {\"t\": "
      "{\"from\": \"json:/n\", \"metric\": \"avg\"}}}]}",
      "line 2: requests[0].captures.t.metric: metric is \"sum\" or \"histogram\", not 'avg'");
  check_error(
      "{\"requests\": [{\"method\": \"GET\", \"path\": \"/\",\n\"captures\": {\"t\": "
      "{\"metric\": \"sum\"}}}]}",
      "line 2: requests[0].captures.t: a capture object needs \"from\": a source like "
      "\"json:/id\"");
  TempDir dir;
  CHECK(load_scenario(dir.write("ok.json", with_capture("loc", "header:Location"))).ok());
  CHECK(load_scenario(dir.write("ok2.json", with_capture("n", "regex:n=([0-9]+)"))).ok());
}

TEST_CASE("lists that pick from each other in a cycle are an error") {
  check_error(
      "{\n  \"lists\": {\n    \"a\": [\"x {{pick:b}}\"],\n    \"b\": [\"y\", \"{{pick:c}}\"],\n"
      "    \"c\": [\"{{pick:a}}\"]\n  },\n  \"requests\": [{\"method\": \"GET\", \"path\": "
      "\"/\"}]\n}\n",
      "line 5: lists.c[0]: lists pick from each other in a cycle: a -> b -> c -> a");
  check_error(
      "{\"lists\": {\"a\": [\"{{pick:a}}\"]}, \"requests\": [{\"method\": \"GET\", "
      "\"path\": \"/\"}]}",
      "line 1: lists.a[0]: lists pick from each other in a cycle: a -> a");
}

TEST_CASE("include cycles and missing includes are errors") {
  TempDir dir;
  const std::string request = R"({"method": "GET", "path": "/"})";
  dir.write("a.json", "{\"include\": [{\"scenario\": \"b\"}]}");
  dir.write("b.json",
            "{\"requests\": [" + request + "],\n \"include\": [{\"scenario\": \"a.json\"}]}");
  auto s = load_scenario(dir.file("a.json"));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().context ==
        dir.file("b.json") +
            ": line 2: include[0].scenario: include cycle: a.json -> b.json -> "
            "a.json");
  dir.write("c.json", "{\"include\": [\n{\"scenario\": \"missing\"}]}");
  s = load_scenario(dir.file("c.json"));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().context == dir.file("c.json") +
                                 ": line 2: include[0].scenario: cannot include "
                                 "'missing': " +
                                 dir.file("missing.json") + ": No such file or directory");
}

TEST_CASE("other structural mistakes") {
  check_error("[1, 2]", "line 1: (root): expected an object {...}");
  check_error("{\"name\": \"empty\"}",
              "line 1: (root): nothing to synthesise: add 'requests', 'sessions' or 'include'");
  check_error("{\"requests\": [\n{\"path\": \"/\"}]}",
              "line 2: requests[0]: missing field 'method'");
  check_error("{\"requests\": [{\"method\": \"GET\",\n\"path\": \"api\"}]}",
              "line 2: requests[0].path: a path starts with '/'");
  check_error(
      "{\"requests\": [{\"method\": \"GET\", \"path\": \"/\", \"auth\": {\"role\": \"admin\"},\n"
      "\"headers\": {\"Authorization\": \"Bearer x\"}}]}",
      "line 2: requests[0].headers.Authorization: Authorization is set by 'auth': remove "
      "one of them");
  check_error(
      "{\"lists\": {\"tenants\": [\n\"{{uuid}}\"]}, \"requests\": [{\"method\": \"GET\", "
      "\"path\": \"/\"}]}",
      "line 2: lists.tenants[0]: tenants and users are plain strings: generators are not "
      "expanded here");
  check_error("{\"sessions\": [{\"steps\": []}]}",
              "line 1: sessions[0].steps: a session needs at least one step");
  check_error(
      "{\"requests\": [{\"method\": \"GET\", \"path\": \"/\",\n\"auth\": {\"role\": "
      "\"admin\", \"user\": \"{{plan_id}}\"}}]}",
      "line 2: requests[0].auth.user: '{{plan_id}}' is not a generator (generators: uuid, "
      "tenant, user, pick, int, text, now, seq), and captures cannot be used here: tokens "
      "are minted when the trace is synthesised");
}

TEST_CASE("files that cannot be read") {
  auto s = load_scenario("/nonexistent/dir/x.json");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == Errc::not_found);
  CHECK(s.error().context == "/nonexistent/dir/x.json: No such file or directory");
}

TEST_CASE("keys starting with '_' are comments") {
  TempDir dir;
  auto s = load_scenario(dir.write(
      "c.json",
      R"({"_comment": "hi", "requests": [{"_why": "x", "method": "GET", "path": "/"}]})"));
  REQUIRE(s.ok());
  CHECK(s->entries.size() == 1);
}

TEST_CASE("the plans scenario is one session of four steps capturing the plan id") {
  Scenario s = load_bundled("plans");
  CHECK(s.name == "plans");
  CHECK(s.defaults.base_url == "http://127.0.0.1:8000");
  REQUIRE(s.entries.size() == 1);
  const Entry& e = s.entries[0];
  CHECK(e.session == "plans");
  REQUIRE(e.steps.size() == 4);
  const char* methods[] = {"POST", "GET", "POST", "GET"};
  const char* targets[] = {"/api/v1/plans", "/api/v1/plans/{{plan_id}}",
                           "/api/v1/plans/{{plan_id}}/approve", "/api/v1/plans/{{plan_id}}/status"};
  for (size_t i = 0; i < 4; ++i) {
    CHECK(e.steps[i].method == methods[i]);
    CHECK(e.steps[i].target.fixed_text() == targets[i]);
    CHECK(e.steps[i].tag == "plans");
    REQUIRE(e.steps[i].auth.has_value());
    CHECK(e.steps[i].auth->role == "admin");
  }
  REQUIRE(e.steps[0].captures.size() == 1);
  CHECK(e.steps[0].captures[0] == trace::Capture{"plan_id", "json:/id"});
  CHECK(e.steps[1].captures.empty());
  CHECK(e.steps[0].think.max_us == 0);
  CHECK(e.steps[1].think.min_us == 500'000);
  CHECK(e.steps[1].think.max_us == 2'000'000);
  CHECK(e.steps[3].think.min_us == 1'000'000);
  // A JSON body gets Content-Type.
  REQUIRE(e.steps[0].headers.size() == 1);
  CHECK(e.steps[0].headers[0].name == "Content-Type");
  CHECK(e.steps[0].headers[0].value.fixed_text() == "application/json");
}

TEST_CASE("mix includes the other scenarios with their weights scaled") {
  Scenario s = load_bundled("mix");
  CHECK(s.name == "mix");
  std::map<std::string, double> by_tag;
  double total = 0;
  for (const Entry& e : s.entries) {
    by_tag[e.steps[0].tag] += e.weight;
    total += e.weight;
  }
  CHECK(by_tag["health"] == doctest::Approx(30));
  CHECK(by_tag["chat"] == doctest::Approx(25));
  CHECK(by_tag["chat-stream"] == doctest::Approx(10));
  CHECK(by_tag["plans"] == doctest::Approx(2.5));
  CHECK(by_tag["webhook"] == doctest::Approx(20));
  CHECK(by_tag["analytics"] == doctest::Approx(5));
  CHECK(total == doctest::Approx(92.5));
  // Each file keeps its own tenants and users.
  CHECK(s.populations.size() == 6);
  CHECK(s.has_sessions());
}

TEST_CASE("every bundled scenario loads") {
  for (const char* name :
       {"health", "chat", "chat-stream", "ws-chat", "llm", "plans", "webhook", "mix"}) {
    CAPTURE(name);
    Scenario s = load_bundled(name);
    CHECK(s.name == name);
    CHECK_FALSE(s.description.empty());
    CHECK_FALSE(s.entries.empty());
    CHECK_FALSE(s.defaults.rate.empty());
  }
}

TEST_CASE("a CR, LF or NUL where it would reach the wire is an error naming the field") {
  auto request = [](const std::string& fields) {
    return "{\n  \"requests\": [\n    {" + fields + "}\n  ]\n}\n";
  };
  check_error(request(R"("method": "GET\r\nX-A: 1", "path": "/a")"),
              "line 3: requests[0].method: not an HTTP method: contains CR (byte 3)");
  check_error(request(R"("method": "GET", "path": "/a", "headers": {"X\r\nY": "1"})"),
              "line 3: requests[0].headers: a header name contains CR (byte 1)");
  check_error(request(R"("method": "GET", "path": "/a", "headers": {"X-A": "1\r\nX-Admin: yes"})"),
              "line 3: requests[0].headers.X-A: control characters are not allowed in a header "
              "value");
  check_error(request(R"("method": "GET", "path": "/a", "headers": {"X-A": "1\u0000"})"),
              "line 3: requests[0].headers.X-A: control characters are not allowed in a header "
              "value");
  check_error(request(R"("method": "GET", "path": "/a\r\n\r\nGET /smuggled")"),
              "line 3: requests[0].path: spaces, control and non-ASCII characters must be "
              "percent-encoded in a path (a space is %20)");
}

TEST_CASE("expect: a request's and a step's checks load, and a bad one names its field") {
  TempDir dir;
  auto s = load_scenario(
      dir.write("checks.json",
                R"({"requests": [{"method": "GET", "path": "/health", "expect": {"status": 200}}],
          "sessions": [{"steps": [
            {"method": "POST", "path": "/plans", "captures": {"id": "json:/id"},
             "expect": {"status": [200, 201], "json": {"/id": {"exists": true}},
                        "header": {"Location": {"matches": "^/plans/"}}}},
            {"method": "GET", "path": "/plans/{{id}}"}]}]})"));
  REQUIRE_MESSAGE(s.ok(), s.error().context);
  REQUIRE(s.value().entries.size() == 2);
  const auto& health = s.value().entries[0].steps[0];
  REQUIRE(health.expect.has_value());
  CHECK(health.expect->status == std::vector<int>{200});
  const auto& create = s.value().entries[1].steps[0];
  REQUIRE(create.expect.has_value());
  CHECK(create.expect->status == std::vector<int>{200, 201});
  CHECK(create.expect->json.size() == 1);
  CHECK(create.expect->headers.size() == 1);
  CHECK_FALSE(s.value().entries[1].steps[1].expect.has_value());

  check_error(
      "{\"requests\": [{\"method\": \"GET\", \"path\": \"/\",\n"
      "\"expect\": {\"status\": 700}}]}",
      "line 2: requests[0].expect: status: 700 is not a status code (100..599)");
  check_error(
      "{\"sessions\": [{\"steps\": [{\"method\": \"GET\", \"path\": \"/\",\n"
      "\"expect\": {\"json\": {\"/a\": {\"is\": 1}}}}]}]}",
      "line 2: sessions[0].steps[0].expect: json./a: unknown condition \"is\" "
      "(exists, equals, matches)");
}
