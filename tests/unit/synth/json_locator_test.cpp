#include <doctest/doctest.h>

#include "replay/synth/json_locator.hpp"

using namespace replay::synth;

namespace {

JsonPath path(std::initializer_list<PathStep> steps) {
  return JsonPath(steps);
}
PathStep key(const char* k) {
  return PathStep{k, 0, false};
}
PathStep at(size_t i) {
  return PathStep{{}, i, true};
}

}  // namespace

TEST_CASE("well-formed JSON has no syntax error") {
  CHECK_FALSE(find_json_syntax_error(R"({"a": [1, -2.5e3, true, false, null, "x\n\u00e9"]})"));
  CHECK_FALSE(find_json_syntax_error("  \"just a string\"  \n"));
  CHECK_FALSE(find_json_syntax_error(R"({"pair": "\ud83d\ude00", "k": {}})"));
}

TEST_CASE("syntax errors are found with their line and cause") {
  struct Case {
    const char* text;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"{\n  \"a\": 1\n  \"b\": 2\n}", 3, "expected ',' or '}' after an object member"},
      {"{\n  \"a\": [1, 2,]\n}", 2, "trailing comma before ']'"},
      {"{\n  \"a\": 1,\n}", 3, "trailing comma before '}'"},
      {"{\n\n  \"a\": \"open\n}", 3, "control character in a string (escape it, e.g. \\n)"},
      {"{\"a\": \"never closed", 1, "unterminated string"},
      {"{\n  \"a\": tru\n}", 2, "unknown word 'tru' (strings need double quotes)"},
      {"{\n  a: 1\n}", 2, "expected a string key in double quotes"},
      {"{\"a\" 1}", 1, "expected ':' after the key \"a\""},
      {"{\"a\": 01}", 1, "numbers must not start with 0"},
      {"{\"a\": \"\\q\"}", 1, "invalid escape '\\q' in a string"},
      {"{}\n{}", 2, "unexpected text after the JSON value"},
      {"", 1, "expected a value, found the end of the text"},
      {"{\"a\": [1,\n2", 2, "unterminated array: expected ',' or ']'"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto e = find_json_syntax_error(c.text);
    REQUIRE(e.has_value());
    CHECK(e->line == c.line);
    CHECK(e->message == c.message);
  }
}

TEST_CASE("invalid UTF-8 and deep nesting are syntax errors") {
  auto utf8 = find_json_syntax_error("{\"a\": \"\xff\"}");
  REQUIRE(utf8);
  CHECK(utf8->message == "invalid UTF-8 in a string");
  std::string deep(600, '[');
  auto nested = find_json_syntax_error(deep);
  REQUIRE(nested);
  CHECK(nested->message == "nesting deeper than 512 levels");
}

TEST_CASE("line_of_json_path finds values, array elements and escaped keys") {
  const char* text =
      "{\n"                             // 1
      "  \"name\": \"x\",\n"            // 2
      "  \"sessions\": [\n"             // 3
      "    {\"steps\": [\n"             // 4
      "      {\"path\": \"/a\"},\n"     // 5
      "      {\n"                       // 6
      "        \"path\": \"/b\"\n"      // 7
      "      }\n"                       // 8
      "    ]}\n"                        // 9
      "  ],\n"                          // 10
      "  \"h\\u0065y\": {\"in\": 1}\n"  // 11
      "}\n";
  CHECK(line_of_json_path(text, {}) == 1);
  CHECK(line_of_json_path(text, path({key("name")})) == 2);
  CHECK(line_of_json_path(text, path({key("sessions"), at(0), key("steps"), at(0), key("path")})) ==
        5);
  CHECK(line_of_json_path(text, path({key("sessions"), at(0), key("steps"), at(1), key("path")})) ==
        7);
  CHECK(line_of_json_path(text, path({key("hey"), key("in")})) == 11);
  // A missing step: the deepest value that exists.
  CHECK(line_of_json_path(text, path({key("sessions"), at(0), key("steps"), at(1), key("nope")})) ==
        6);
  CHECK(line_of_json_path(text, path({key("sessions"), at(7)})) == 3);
}

TEST_CASE("paths are formatted for messages") {
  CHECK(format_json_path({}) == "(root)");
  CHECK(format_json_path(path({key("sessions"), at(0), key("steps"), at(2), key("path")})) ==
        "sessions[0].steps[2].path");
  CHECK(format_json_path(path({key("lists"), key("goals"), at(3)})) == "lists.goals[3]");
}
