#pragma once
// What captures (session.cpp) and checks (check.cpp) read from a response alike: a header by
// name, and the regexes they match, compiled once per thread.

#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "replay/client/request_builder.hpp"

namespace replay::engine {

// The first header named `name` (without regard to case); nullopt when there is none.
std::optional<std::string> header_value(const client::HeaderList& headers, std::string_view name);

// `pattern` compiled as an ECMAScript regex, kept per thread (at most kCachedPatterns; the
// cache starts over past that); null when it does not compile.
const std::regex* compiled_regex(std::string_view pattern);
inline constexpr size_t kCachedPatterns = 256;

}  // namespace replay::engine
