#pragma once
// A response checked against its record's expectations (trace::Expect): pure, no I/O.

#include <optional>
#include <string>
#include <string_view>

#include "replay/client/request_builder.hpp"
#include "replay/trace/expect.hpp"

namespace replay::engine {

// The first condition a response does not meet: the condition as text (stable, so failures
// are counted by it: "status 201", "json /id exists", "header Location matches ^/plans/") and
// what the response held instead (a sample: "503", "missing", "\"draft\"").
struct CheckFailure {
  std::string condition;
  std::string observed;
};

// nullopt when `status`, `body` and `headers` meet every condition of `expect`.
std::optional<CheckFailure> check_response(const trace::Expect& expect, int status,
                                           std::string_view body,
                                           const client::HeaderList& headers);

// A request with expectations that got no response: every check fails, for `cause` (its
// failure cause's name, "timeout").
CheckFailure no_response(std::string_view cause);

}  // namespace replay::engine
