// ${NAME} parameters in scenario files: from -e, the environment or a default, JSON-escaped
// into their string, refused outside strings or unset, with the file's line.

#include "replay/synth/parameters.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>
#include <stdlib.h>

#include <set>

#include "replay/auth/jwt.hpp"
#include "replay/synth/scenario.hpp"
#include "synth_test_support.hpp"

using namespace replay;
using namespace replay::synth;
using replay::synth::testing::TempDir;

namespace {

ScenarioParameters only(std::vector<std::pair<std::string, std::string>> values) {
  return ScenarioParameters{std::move(values), false};
}

std::string expanded(std::string_view text, const ScenarioParameters& p) {
  auto out = expand_parameters(text, p, "s.json");
  REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().context));
  return out.value();
}

std::string error_of(std::string_view text, const ScenarioParameters& p) {
  auto out = expand_parameters(text, p, "s.json");
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().code == Errc::invalid_argument);
  return out.error().context;
}

}  // namespace

TEST_CASE("parameters: -e, then the environment, then the default") {
  const std::string text =
      R"({"base_url": "http://${TARGET_HOST:-127.0.0.1:8000}", "m": "${LLM_MODEL}"})";
  CHECK(expanded(text, only({{"LLM_MODEL", "gpt-x"}})) ==
        R"({"base_url": "http://127.0.0.1:8000", "m": "gpt-x"})");
  // The last -e of a name wins; -e wins over the environment.
  ::setenv("REPLAY_TEST_TARGET_HOST", "10.0.0.1:80", 1);
  ScenarioParameters env{{{"LLM_MODEL", "a"}, {"LLM_MODEL", "b"}}, true};
  CHECK(expanded(R"(["${REPLAY_TEST_TARGET_HOST:-x}", "${LLM_MODEL}"])", env) ==
        R"(["10.0.0.1:80", "b"])");
  env.values.emplace_back("REPLAY_TEST_TARGET_HOST", "override");
  CHECK(expanded(R"(["${REPLAY_TEST_TARGET_HOST}"])", env) == R"(["override"])");
  ::unsetenv("REPLAY_TEST_TARGET_HOST");
  CHECK(expanded(R"(["${REPLAY_TEST_TARGET_HOST:-}"])", ScenarioParameters{}) == R"([""])");
  // $${ is a literal ${; a $ alone or {{generators}} are left as they are.
  CHECK(expanded(R"(["$${X}", "5$", "{{uuid}}"])", only({})) == R"(["${X}", "5$", "{{uuid}}"])");
}

TEST_CASE("parameters: a value is escaped into its string and cannot change the JSON") {
  const std::string out = expanded(R"({"t": "${T}", "n": 1})", only({{"T", "a\"b\\c\nd\te\x01"}}));
  CHECK(out == "{\"t\": \"a\\\"b\\\\c\\nd\\te\\u0001\", \"n\": 1}");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(out).get(root) == simdjson::SUCCESS);
  CHECK(std::string_view(root["t"]) == "a\"b\\c\nd\te\x01");
  CHECK(int64_t(root["n"]) == 1);
  // A quote escaped in the file does not end the string for the scanner.
  CHECK(expanded(R"({"t": "say \"${T}\""})", only({{"T", "hi"}})) == R"({"t": "say \"hi\""})");
}

TEST_CASE("parameters: unset, outside a string, unclosed or misnamed are refused with the line") {
  CHECK(error_of("{\n\"a\": 1,\n\"b\": \"${TENANT_IDS}\"}", only({})) ==
        "s.json: line 3: ${TENANT_IDS} is not set (export it, pass -e TENANT_IDS=..., or write "
        "${TENANT_IDS:-default})");
  CHECK(error_of("{\"n\": ${N}}", only({{"N", "1"}})) ==
        "s.json: line 1: ${...} is allowed inside strings only");
  CHECK(error_of(R"({"a": "${NAME"})", only({})).find("'${' without a closing '}'") !=
        std::string::npos);
  CHECK(error_of(R"({"a": "${1X}"})", only({})).find("a parameter is ${NAME} or") !=
        std::string::npos);
  CHECK(error_of(R"({"a": "${}"})", only({})).find("a parameter is ${NAME} or") !=
        std::string::npos);
  CHECK(parse_parameter("TENANT=t1").value() ==
        std::pair<std::string, std::string>{"TENANT", "t1"});
  CHECK(parse_parameter("A=b=c").value().second == "b=c");
  CHECK(parse_parameter("A=").value().second == "");
  CHECK_FALSE(parse_parameter("noequals").ok());
  CHECK(parse_parameter("9A=x").error().context ==
        "-e '9A=x': expected NAME=value, NAME of letters, digits and '_'");
}

TEST_CASE("a scenario takes its host, tenants and model from parameters, lists split on commas") {
  TempDir dir;
  const std::string path = dir.write("p.json", R"({
    "defaults": {"rate": "${RATE:-20/s}", "base_url": "http://${TARGET_HOST:-127.0.0.1:8000}"},
    "lists": {"tenants": "${TENANT_IDS}", "models": "${LLM_MODEL:-m1, m2}"},
    "requests": [{"method": "POST", "path": "/t/{{tenant}}", "body": {"model": "{{pick:models}}"},
                  "auth": {"role": "admin", "claims": {"org": "${ORG:-acme}", "scopes": ["read", "write"], "n": 3}}}]})");
  auto s = load_scenario(path, only({{"TENANT_IDS", "t1, t2,t3,"}, {"TARGET_HOST", "10.1.2.3:9"}}));
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().context));
  CHECK(s->defaults.rate == "20/s");
  CHECK(s->defaults.base_url == "http://10.1.2.3:9");
  REQUIRE(s->populations.size() == 1);
  CHECK(s->populations[0].tenants == std::vector<std::string>{"t1", "t2", "t3"});
  REQUIRE(s->entries.size() == 1);
  const auto& auth = s->entries[0].steps[0].auth;
  REQUIRE(auth.has_value());
  CHECK(auth->claims_json == R"("org":"acme","scopes":["read","write"],"n":3)");

  // Unset and without a default: the file and line.
  auto unset = load_scenario(path, only({}));
  REQUIRE_FALSE(unset.ok());
  CHECK(unset.error().context.find(path + ": line 3: ${TENANT_IDS} is not set") == 0);
  // Claims replay mints are refused.
  const std::string owned = dir.write("o.json", R"({"requests": [{"method": "GET", "path": "/",
      "auth": {"role": "admin", "claims": {"exp": 1}}}]})");
  auto refused = load_scenario(owned, only({}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().context.find("requests[0].auth.claims: claim 'exp' is minted by replay") !=
        std::string::npos);
}
