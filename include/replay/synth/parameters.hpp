#pragma once
// Parameters in scenario files (docs/scenarios.md "Parameters"): `${NAME}` and
// `${NAME:-default}` inside JSON strings take their value from `-e NAME=value`, else from the
// environment, else the default; `$${` is a literal `${`. A value is JSON-escaped into the
// string it lands in, so it can never change the file's structure.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replay/core/result.hpp"

namespace replay::synth {

struct ScenarioParameters {
  std::vector<std::pair<std::string, std::string>> values;  // -e NAME=value, in order
  bool use_environment = true;                              // then getenv(NAME)

  // The value of `name`: the last -e of that name, else the environment's; nullptr when none.
  const std::string* find(std::string_view name, std::string& scratch) const;
};

// Parses "NAME=value" (-e): NAME of letters, digits and '_', not starting with a digit.
// Errors: Errc::invalid_argument naming the text.
Result<std::pair<std::string, std::string>> parse_parameter(std::string_view text);

// `text` (the file at `path`) with every `${...}` expanded. Errors, Errc::invalid_argument,
// "path: line N: ${NAME} is not set (...)", also for a `${` outside a string, an unclosed
// `${`, or a bad name.
Result<std::string> expand_parameters(std::string_view text, const ScenarioParameters& params,
                                      const std::string& path);

}  // namespace replay::synth
