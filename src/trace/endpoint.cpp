#include "replay/trace/endpoint.hpp"

#include <algorithm>

namespace replay::trace {
namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool is_lower(char c) noexcept {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) noexcept {
  return c >= 'A' && c <= 'Z';
}
bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_token_char(char c) noexcept {
  return is_digit(c) || is_lower(c) || is_upper(c) || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '+' || c == '=';
}

// 0 digit, 1 lower, 2 upper, 3 other.
int char_class(char c) noexcept {
  if (is_digit(c)) return 0;
  if (is_lower(c)) return 1;
  if (is_upper(c)) return 2;
  return 3;
}

bool is_uuid(std::string_view s) noexcept {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

}  // namespace

bool is_id_segment(std::string_view s) noexcept {
  if (s.empty()) return false;
  // A {{capture}} placeholder stands for the id a session step will use.
  if (s.size() > 4 && s.substr(0, 2) == "{{" && s.substr(s.size() - 2) == "}}") return true;
  if (std::all_of(s.begin(), s.end(), is_digit)) return true;
  if (is_uuid(s)) return true;
  if (s.size() >= 16 && std::all_of(s.begin(), s.end(), is_hex)) return true;
  if (s.size() < 16 || !std::all_of(s.begin(), s.end(), is_token_char)) return false;
  bool has_digit = std::any_of(s.begin(), s.end(), is_digit);
  bool has_letter =
      std::any_of(s.begin(), s.end(), [](char c) { return is_lower(c) || is_upper(c); });
  if (has_digit && has_letter) return true;
  if (s.size() < 20) return false;
  // Random tokens (base64, ULIDs) change character class far more often than words or
  // camelCase names do.
  size_t changes = 0;
  for (size_t i = 1; i < s.size(); ++i) changes += char_class(s[i]) != char_class(s[i - 1]);
  return changes * 3 >= s.size();
}

std::string endpoint_template(std::string_view method, std::string_view target) {
  std::string_view path = target;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (path.substr(0, scheme.size()) == scheme) {
      size_t slash = path.find('/', scheme.size());
      path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
      break;
    }
  }
  path = path.substr(0, path.find_first_of("?#"));
  if (path.empty()) path = "/";
  std::string out;
  out.reserve(method.size() + 1 + path.size());
  out.append(method);
  out += ' ';
  size_t begin = 0;
  for (;;) {
    size_t slash = path.find('/', begin);
    std::string_view segment = path.substr(begin, slash - begin);
    out += is_id_segment(segment) ? std::string_view("{id}") : segment;
    if (slash == std::string_view::npos) break;
    out += '/';
    begin = slash + 1;
  }
  return out;
}

}  // namespace replay::trace
