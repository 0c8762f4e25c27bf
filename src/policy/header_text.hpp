#pragma once
// Small text helpers for header names and values, shared by the record policy and the
// redactor.

#include <string_view>
#include <vector>

namespace replay::policy {

// ASCII case-insensitive equality, as header names compare.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The non-empty "name=value" pieces of a Cookie header value, trimmed, in order.
inline std::vector<std::string_view> cookie_pairs(std::string_view header) {
  std::vector<std::string_view> pairs;
  size_t start = 0;
  while (start < header.size()) {
    size_t semi = header.find(';', start);
    if (semi == std::string_view::npos) semi = header.size();
    const std::string_view pair = trim(header.substr(start, semi - start));
    start = semi + 1;
    if (!pair.empty()) pairs.push_back(pair);
  }
  return pairs;
}

}  // namespace replay::policy
