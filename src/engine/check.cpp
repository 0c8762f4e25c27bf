#include "check.hpp"

#include <simdjson.h>

#include <regex>

#include "response_values.hpp"

namespace replay::engine {
namespace {

using trace::ExpectCondition;

constexpr size_t kObservedBytes = 80;  // of a value shown as what the response held

std::string in_quotes(std::string_view value) {
  std::string out = "\"";
  out.append(value.substr(0, kObservedBytes));
  if (value.size() > kObservedBytes) out += "...";
  out += '"';
  return out;
}

std::string describe(std::string_view what, const ExpectCondition& c) {
  std::string out(what);
  switch (c.kind) {
    case ExpectCondition::Kind::exists:
      return out + " exists";
    case ExpectCondition::Kind::absent:
      return out + " absent";
    case ExpectCondition::Kind::equals:
      return out + " equals " + in_quotes(c.value);
    case ExpectCondition::Kind::matches:
      return out + " matches " + c.value;
  }
  return out;
}

// nullopt when `value` (nullopt: not there) meets `c`; else what it held.
std::optional<std::string> unmet(const ExpectCondition& c,
                                 const std::optional<std::string>& value) {
  switch (c.kind) {
    case ExpectCondition::Kind::exists:
      if (value) return std::nullopt;
      return "missing";
    case ExpectCondition::Kind::absent:
      if (!value) return std::nullopt;
      return in_quotes(*value);
    case ExpectCondition::Kind::equals:
      if (value && *value == c.value) return std::nullopt;
      return value ? in_quotes(*value) : "missing";
    case ExpectCondition::Kind::matches: {
      const std::regex* re = compiled_regex(c.value);
      if (value && re && std::regex_search(*value, *re)) return std::nullopt;
      return value ? in_quotes(*value) : "missing";
    }
  }
  return std::nullopt;
}

// The value at `pointer`: strings as their text, anything else (objects and arrays too) as
// its JSON; nullopt when absent.
std::optional<std::string> json_value(const simdjson::dom::element& doc,
                                      const std::string& pointer) {
  auto value = doc.at_pointer(pointer);
  if (value.error()) return std::nullopt;
  std::string_view s;
  if (value.get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(value.value());
}

}  // namespace

std::optional<CheckFailure> check_response(const trace::Expect& expect, int status,
                                           std::string_view body,
                                           const client::HeaderList& headers) {
  if (!expect.status.empty()) {
    bool allowed = false;
    for (int code : expect.status) allowed = allowed || code == status;
    if (!allowed) {
      std::string condition = "status";
      for (size_t i = 0; i < expect.status.size(); ++i) {
        condition += i == 0 ? " " : " or ";
        condition += std::to_string(expect.status[i]);
      }
      return CheckFailure{std::move(condition), std::to_string(status)};
    }
  }
  for (const auto& [name, condition] : expect.headers) {
    if (auto held = unmet(condition, header_value(headers, name))) {
      return CheckFailure{describe("header " + name, condition), std::move(*held)};
    }
  }
  if (!expect.json.empty()) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element doc;
    const bool is_json = parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS;
    for (const auto& [pointer, condition] : expect.json) {
      if (!is_json) {
        return CheckFailure{describe("json " + pointer, condition), "the body is not JSON"};
      }
      if (auto held = unmet(condition, json_value(doc, pointer))) {
        return CheckFailure{describe("json " + pointer, condition), std::move(*held)};
      }
    }
  }
  if (expect.body_contains && body.find(*expect.body_contains) == std::string_view::npos) {
    return CheckFailure{"body contains " + in_quotes(*expect.body_contains),
                        body.empty() ? "an empty body" : in_quotes(body)};
  }
  return std::nullopt;
}

CheckFailure no_response(std::string_view cause) {
  return CheckFailure{"a response", std::string(cause)};
}

}  // namespace replay::engine
