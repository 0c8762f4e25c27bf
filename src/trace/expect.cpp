#include "replay/trace/expect.hpp"

#include <simdjson.h>

#include <charconv>
#include <regex>

#include "replay/core/json_writer.hpp"

namespace replay::trace {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

Error bad(const std::string& field, const std::string& why) {
  return make_error(Errc::invalid_argument, field + ": " + why);
}

// A scalar as the text a check compares: a string as it is, anything else as its JSON.
std::optional<std::string> scalar_text(element value) {
  switch (value.type()) {
    case element_type::STRING:
      return std::string(std::string_view(value));
    case element_type::ARRAY:
    case element_type::OBJECT:
      return std::nullopt;
    default:
      return simdjson::minify(value);
  }
}

Result<ExpectCondition> parse_condition(const std::string& field, element value) {
  object obj;
  if (value.get(obj) != simdjson::SUCCESS || obj.size() != 1) {
    return bad(field,
               R"(must be one condition: {"exists": true}, {"equals": V} or {"matches": "regex"})");
  }
  const auto [key, operand] = *obj.begin();
  ExpectCondition c;
  if (key == "exists") {
    bool exists = false;
    if (operand.get(exists) != simdjson::SUCCESS) return bad(field, "exists takes true or false");
    c.kind = exists ? ExpectCondition::Kind::exists : ExpectCondition::Kind::absent;
  } else if (key == "equals") {
    auto text = scalar_text(operand);
    if (!text) return bad(field, "equals takes a string, number, boolean or null");
    c.kind = ExpectCondition::Kind::equals;
    c.value = std::move(*text);
  } else if (key == "matches") {
    std::string_view pattern;
    if (operand.get(pattern) != simdjson::SUCCESS) return bad(field, "matches takes a string");
    try {
      std::regex compiled{std::string(pattern), std::regex::ECMAScript};
    } catch (const std::regex_error& e) {
      return bad(field,
                 "matches: \"" + std::string(pattern) + "\" is not a regex (" + e.what() + ")");
    }
    c.kind = ExpectCondition::Kind::matches;
    c.value = std::string(pattern);
  } else {
    return bad(field, "unknown condition \"" + std::string(key) + "\" (exists, equals, matches)");
  }
  return c;
}

Result<std::vector<std::pair<std::string, ExpectCondition>>> parse_conditions(
    const std::string& field, element value, bool pointers) {
  object obj;
  if (value.get(obj) != simdjson::SUCCESS) {
    return bad(field, pointers ? "must be an object of JSON pointer -> condition"
                               : "must be an object of header name -> condition");
  }
  std::vector<std::pair<std::string, ExpectCondition>> out;
  for (const auto [key, condition] : obj) {
    const std::string name(key);
    if (pointers && !name.empty() && name[0] != '/') {
      return bad(field, "\"" + name + "\" is not a JSON pointer (\"\" or starting with /)");
    }
    if (!pointers && name.empty()) return bad(field, "a header name is empty");
    auto c = parse_condition(field + "." + name, condition);
    if (!c) return c.error();
    out.emplace_back(name, std::move(c).value());
  }
  return out;
}

Result<int> parse_status(element value) {
  int64_t code = 0;
  if (value.get(code) != simdjson::SUCCESS) {
    return bad("status", "must be a status code or an array of them");
  }
  if (code < 100 || code > 599) {
    return bad("status", std::to_string(code) + " is not a status code (100..599)");
  }
  return static_cast<int>(code);
}

void append_condition(std::string& out, const ExpectCondition& c) {
  switch (c.kind) {
    case ExpectCondition::Kind::exists:
      out += "{\"exists\":true}";
      return;
    case ExpectCondition::Kind::absent:
      out += "{\"exists\":false}";
      return;
    case ExpectCondition::Kind::equals:
      out += "{\"equals\":";
      append_json_string(out, c.value);
      out += '}';
      return;
    case ExpectCondition::Kind::matches:
      out += "{\"matches\":";
      append_json_string(out, c.value);
      out += '}';
      return;
  }
}

void append_conditions(std::string& out, std::string_view key,
                       const std::vector<std::pair<std::string, ExpectCondition>>& conditions) {
  out += ",\"";
  out += key;
  out += "\":{";
  for (size_t i = 0; i < conditions.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, conditions[i].first);
    out += ':';
    append_condition(out, conditions[i].second);
  }
  out += '}';
}

}  // namespace

Result<Expect> parse_expect(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return make_error(Errc::invalid_argument, "not valid JSON");
  }
  object obj;
  if (root.get(obj) != simdjson::SUCCESS) {
    return make_error(Errc::invalid_argument, "must be an object");
  }
  Expect out;
  for (const auto [key, value] : obj) {
    if (key == "status") {
      simdjson::dom::array codes;
      if (value.get(codes) == simdjson::SUCCESS) {
        for (element code : codes) {
          auto status = parse_status(code);
          if (!status) return status.error();
          out.status.push_back(status.value());
        }
        if (out.status.empty()) return bad("status", "an empty list allows no status");
      } else {
        auto status = parse_status(value);
        if (!status) return status.error();
        out.status.push_back(status.value());
      }
    } else if (key == "header") {
      auto conditions = parse_conditions("header", value, /*pointers=*/false);
      if (!conditions) return conditions.error();
      out.headers = std::move(conditions).value();
    } else if (key == "json") {
      auto conditions = parse_conditions("json", value, /*pointers=*/true);
      if (!conditions) return conditions.error();
      out.json = std::move(conditions).value();
    } else if (key == "body_contains") {
      std::string_view text;
      if (value.get(text) != simdjson::SUCCESS) return bad("body_contains", "must be a string");
      out.body_contains = std::string(text);
    } else {
      return make_error(Errc::invalid_argument, "unknown key \"" + std::string(key) +
                                                    "\" (status, header, json, body_contains)");
    }
  }
  if (out.status.empty() && out.headers.empty() && out.json.empty() && !out.body_contains) {
    return make_error(Errc::invalid_argument,
                      "names no condition (status, header, json, body_contains)");
  }
  return out;
}

void append_expect(std::string& out, const Expect& expect) {
  out += '{';
  const size_t start = out.size();
  if (!expect.status.empty()) {
    out += "\"status\":";
    if (expect.status.size() == 1) {
      out += std::to_string(expect.status.front());
    } else {
      out += '[';
      for (size_t i = 0; i < expect.status.size(); ++i) {
        if (i > 0) out += ',';
        out += std::to_string(expect.status[i]);
      }
      out += ']';
    }
  }
  if (!expect.headers.empty()) append_conditions(out, "header", expect.headers);
  if (!expect.json.empty()) append_conditions(out, "json", expect.json);
  if (expect.body_contains) {
    out += ",\"body_contains\":";
    append_json_string(out, *expect.body_contains);
  }
  // The first field written carries no comma before it.
  if (out.size() > start && out[start] == ',') out.erase(start, 1);
  out += '}';
}

}  // namespace replay::trace
