#pragma once
// A session's cookies, as a browser keeps them for one site: each Set-Cookie a session step's
// response carries is stored by name (a later one replaces it, Max-Age=0 or an empty value
// removes it), and every later step of the session sends them in its Cookie header. One target
// per run, so Domain and Path are not matched; Expires is not read (a session is short).
// Bounded like a browser's minimum (RFC 6265 section 6.1): 50 cookies of 4096 bytes.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace replay::engine {

class CookieJar {
 public:
  static constexpr size_t kMaxCookies = 50;
  static constexpr size_t kMaxCookieBytes = 4096;

  // Stores the cookie of one Set-Cookie header value ("sid=abc; Path=/; HttpOnly"); ignores
  // one without a name, or too large, and a new name when the jar is full.
  void store(std::string_view set_cookie);
  bool empty() const noexcept { return cookies_.empty(); }
  size_t size() const noexcept { return cookies_.size(); }

  // The Cookie header value to send: the pairs of `recorded` (the request's own Cookie header,
  // "" when none) whose names the jar does not hold, then the jar's, in the order stored.
  std::string header_value(std::string_view recorded) const;

 private:
  std::vector<std::pair<std::string, std::string>> cookies_;  // (name, value), stored order
};

}  // namespace replay::engine
