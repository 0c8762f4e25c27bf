#pragma once
// Session chaining: values captured from one step's response (JSON pointer, header, regex)
// and substituted as {{name}} into later steps' target, headers and body.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "replay/client/request_builder.hpp"
#include "replay/core/result.hpp"
#include "replay/trace/record.hpp"

namespace replay::engine {

class CookieJar;  // src/engine/cookie_jar.hpp: a session's cookies

using CaptureValues = std::unordered_map<std::string, std::string>;

// A request whose bytes depend on captured values: built when its step starts.
struct RequestTemplate {
  std::string method;
  std::string target;
  client::HeaderList headers;
  std::string body;
};

// True when `text` holds a {{name}} placeholder.
bool has_placeholder(std::string_view text) noexcept;

// Replaces every {{name}} in `text` with values[name]. Errc::not_found naming the first
// placeholder that has no value.
Result<std::string> substitute_captures(std::string_view text, const CaptureValues& values);

// The request `t` makes with `values` substituted into its target, headers and body, built
// as client::build_checked_request does (with `overrides`). Errc::not_found naming the first
// placeholder that has no value; Errc::invalid_argument when a substituted value would put a
// CR, LF or NUL into the method, target or a header (the body may hold anything).
// `cookies`, when given, makes the request's Cookie header (its recorded pairs with the jar's
// in their place: CookieJar::header_value); a Cookie from -H `overrides` still wins.
Result<client::WireBytes> build_from_template(const RequestTemplate& t, const CaptureValues& values,
                                              const client::Target& target,
                                              const client::HeaderList& overrides,
                                              const CookieJar* cookies = nullptr);

// Checks a capture source ("json:/id", "header:Location", "regex:id=(\\d+)");
// Errc::invalid_argument naming what is wrong.
Result<void> validate_capture_source(std::string_view source);

// The value `source` selects from a response: json: a JSON pointer into the body (strings
// as is, numbers and booleans as their JSON text); header: the first header of that name
// (case-insensitive); regex: the first group of the first match in the body (ECMAScript).
// nullopt when the response does not hold it.
std::optional<std::string> extract_capture(std::string_view source, std::string_view body,
                                           const client::HeaderList& headers);

}  // namespace replay::engine
