#include "response_values.hpp"

#include <strings.h>

#include <map>

namespace replay::engine {

std::optional<std::string> header_value(const client::HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  }
  return std::nullopt;
}

const std::regex* compiled_regex(std::string_view pattern) {
  thread_local std::map<std::string, std::optional<std::regex>, std::less<>> cache;
  auto it = cache.find(pattern);
  if (it == cache.end()) {
    if (cache.size() >= kCachedPatterns) cache.clear();
    std::optional<std::regex> re;
    try {
      re.emplace(std::string(pattern), std::regex::ECMAScript);
    } catch (const std::regex_error&) {
    }
    it = cache.emplace(std::string(pattern), std::move(re)).first;
  }
  return it->second ? &*it->second : nullptr;
}

}  // namespace replay::engine
