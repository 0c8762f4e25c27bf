#include "cookie_jar.hpp"

#include <algorithm>
#include <cctype>

namespace replay::engine {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Calls fn(name, value) for each "name=value" of a "; "-separated list; pieces without '='
// are passed with an empty name.
template <class F>
void each_pair(std::string_view list, F&& fn) {
  while (!list.empty()) {
    const size_t semi = list.find(';');
    const std::string_view piece = trim(list.substr(0, semi));
    const size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      fn(std::string_view(), piece);
    } else {
      fn(trim(piece.substr(0, eq)), trim(piece.substr(eq + 1)));
    }
    if (semi == std::string_view::npos) break;
    list.remove_prefix(semi + 1);
  }
}

}  // namespace

void CookieJar::store(std::string_view set_cookie) {
  if (set_cookie.size() > kMaxCookieBytes) return;
  const size_t semi = set_cookie.find(';');
  const std::string_view pair = trim(set_cookie.substr(0, semi));
  const size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return;
  const std::string_view name = trim(pair.substr(0, eq));
  const std::string_view value = trim(pair.substr(eq + 1));
  if (name.empty()) return;
  bool removed = value.empty();
  if (semi != std::string_view::npos) {
    each_pair(set_cookie.substr(semi + 1), [&](std::string_view attr, std::string_view v) {
      if (iequals(attr, "Max-Age") && !v.empty() && (v.front() == '-' || v == "0")) removed = true;
    });
  }
  auto it = std::find_if(cookies_.begin(), cookies_.end(),
                         [&](const auto& c) { return c.first == name; });
  if (removed) {
    if (it != cookies_.end()) cookies_.erase(it);
    return;
  }
  if (it != cookies_.end()) {
    it->second = std::string(value);
  } else if (cookies_.size() < kMaxCookies) {
    cookies_.emplace_back(std::string(name), std::string(value));
  }
}

std::string CookieJar::header_value(std::string_view recorded) const {
  std::string out;
  auto add = [&](std::string_view name, std::string_view value) {
    if (!out.empty()) out += "; ";
    out += name;
    out += '=';
    out += value;
  };
  each_pair(recorded, [&](std::string_view name, std::string_view value) {
    if (name.empty()) return;
    const bool held = std::any_of(cookies_.begin(), cookies_.end(),
                                  [&](const auto& c) { return c.first == name; });
    if (!held) add(name, value);
  });
  for (const auto& [name, value] : cookies_) add(name, value);
  return out;
}

}  // namespace replay::engine
