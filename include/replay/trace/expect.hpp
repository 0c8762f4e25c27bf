#pragma once
// A record's checks (k6's check(), Locust's catch_response): what its response is expected to
// hold. Every condition named must hold for the check to pass; a failed check is counted as
// such, never as an HTTP error. The JSON form is the trace's "expect" field and a scenario's
// (docs/trace-format.md):
//   {"status": 201, "header": {"Location": {"matches": "^/plans/"}},
//    "json": {"/id": {"exists": true}}, "body_contains": "ok"}

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replay/core/result.hpp"

namespace replay::trace {

// One condition on a header's or a JSON pointer's value.
struct ExpectCondition {
  enum class Kind : uint8_t {
    exists,   // {"exists": true}
    absent,   // {"exists": false}
    equals,   // {"equals": "x"}: strings as their text, numbers, booleans and null as JSON
    matches,  // {"matches": "regex"}: ECMAScript, searched anywhere in the value
  };
  Kind kind = Kind::exists;
  std::string value;  // equals: the text; matches: the pattern
  friend bool operator==(const ExpectCondition&, const ExpectCondition&) = default;
};

struct Expect {
  std::vector<int> status;                                       // one of these; empty: any status
  std::vector<std::pair<std::string, ExpectCondition>> headers;  // name (any case) -> condition
  std::vector<std::pair<std::string, ExpectCondition>> json;     // JSON pointer -> condition
  std::optional<std::string> body_contains;
  // Whether checking needs the response's body, and its header lines.
  bool reads_body() const { return !json.empty() || body_contains.has_value(); }
  bool reads_headers() const { return !headers.empty(); }
  friend bool operator==(const Expect&, const Expect&) = default;
};

// The Expect written as the JSON object `json`. Errc::invalid_argument naming the field and
// what is wrong ("status: 700 is not a status code (100..599)", "json./id: unknown
// condition \"has\" (exists, equals, matches)", a regex that does not compile, an unknown key);
// callers say where the object was.
Result<Expect> parse_expect(std::string_view json);

// Appends `expect` as the JSON object parse_expect reads back to the same value.
void append_expect(std::string& out, const Expect& expect);

}  // namespace replay::trace
