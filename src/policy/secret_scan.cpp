#include "secret_scan.hpp"

#include <vector>

namespace replay::policy {
namespace {

bool is_lower(char c) noexcept {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) noexcept {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) noexcept {
  return is_lower(c) || is_upper(c) || is_digit(c);
}
bool is_base64url(char c) noexcept {
  return is_alnum(c) || c == '-' || c == '_';
}
char lower(char c) noexcept {
  return is_upper(c) ? static_cast<char>(c + ('a' - 'A')) : c;
}

// True when `text` holds `lower_needle` (lower case), ignoring the case of `text`.
bool contains_folded(std::string_view text, std::string_view lower_needle) noexcept {
  if (lower_needle.size() > text.size()) return false;
  for (size_t i = 0; i + lower_needle.size() <= text.size(); ++i) {
    size_t j = 0;
    while (j < lower_needle.size() && lower(text[i + j]) == lower_needle[j]) ++j;
    if (j == lower_needle.size()) return true;
  }
  return false;
}

// The lower-case words of a name: "X-Amz-Security-Token" -> x amz security token,
// "APIKey" -> api key, "new_password2" -> new password2.
std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!is_alnum(c)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
      continue;
    }
    const bool camel_break =
        i > 0 && is_upper(c) &&
        (is_lower(name[i - 1]) || is_digit(name[i - 1]) ||
         (is_upper(name[i - 1]) && i + 1 < name.size() && is_lower(name[i + 1])));
    if (camel_break && !word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
    word += lower(c);
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// The length of the JWT-shaped token starting at text[pos], or 0.
size_t jwt_length(std::string_view text, size_t pos) noexcept {
  if (text.substr(pos, 3) != "eyJ") return 0;
  if (pos > 0 && is_base64url(text[pos - 1])) return 0;
  size_t i = pos;
  for (int segment = 0; segment < 3; ++segment) {
    const size_t start = i;
    while (i < text.size() && is_base64url(text[i])) ++i;
    if (segment < 2) {
      if (i == start || i >= text.size() || text[i] != '.') return 0;
      ++i;
    }
  }
  // "eyJ..a.b.c.d" is not a JWT: a fourth segment means something else.
  if (i < text.size() && text[i] == '.' && i + 1 < text.size() && is_base64url(text[i + 1]))
    return 0;
  return i - pos;
}

int hex_value(char c) noexcept {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "a%20b+c" -> "a b c"; a malformed escape stays as it is.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool is_json_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The end of the JSON string whose opening quote is at text[open]: the index of its closing
// quote, or text.size() when it is cut short.
size_t json_string_end(std::string_view text, size_t open) noexcept {
  size_t i = open + 1;
  while (i < text.size()) {
    if (text[i] == '\\') {
      i += 2;
      continue;
    }
    if (text[i] == '"') return i;
    ++i;
  }
  return text.size();
}

}  // namespace

bool is_secret_name(std::string_view name) {
  // Most names hold none of these letters in a row: no need to split them into words.
  static constexpr std::string_view kHints[] = {"pass", "pwd", "secret",    "token",
                                                "key",  "jwt", "credential"};
  bool hinted = false;
  for (std::string_view hint : kHints) hinted = hinted || contains_folded(name, hint);
  if (!hinted) return false;
  static constexpr std::string_view kWords[] = {"password",   "passwd",     "pwd",    "passphrase",
                                                "secret",     "token",      "apikey", "jwt",
                                                "credential", "credentials"};
  const std::vector<std::string> words = name_words(name);
  for (size_t i = 0; i < words.size(); ++i) {
    for (std::string_view w : kWords) {
      if (words[i] == w) return true;
    }
    if (i + 1 < words.size() && words[i + 1] == "key" &&
        (words[i] == "api" || words[i] == "private")) {
      return true;
    }
  }
  return false;
}

bool redact_jwts(std::string& text, const ReplaceSecret& replace) {
  if (text.find("eyJ") == std::string::npos) return false;
  std::string out;
  size_t copied = 0;
  size_t pos = 0;
  while ((pos = text.find("eyJ", pos)) != std::string::npos) {
    const size_t length = jwt_length(text, pos);
    if (length == 0) {
      pos += 3;
      continue;
    }
    out.append(text, copied, pos - copied);
    out += replace(std::string_view(text).substr(pos, length));
    pos += length;
    copied = pos;
  }
  if (copied == 0) return false;
  out.append(text, copied, std::string::npos);
  text = std::move(out);
  return true;
}

bool redact_urlencoded(std::string& text, const ReplaceSecret& replace) {
  std::string out;
  out.reserve(text.size());
  bool changed = false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t amp = text.find('&', start);
    if (amp == std::string::npos) amp = text.size();
    const std::string_view pair = std::string_view(text).substr(start, amp - start);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && is_secret_name(percent_decode(pair.substr(0, eq)))) {
      out.append(pair.substr(0, eq + 1));
      out += replace(percent_decode(pair.substr(eq + 1)));
      changed = true;
    } else {
      std::string kept(pair);
      changed |= redact_jwts(kept, replace);
      out += kept;
    }
    if (amp == text.size()) break;
    out += '&';
    start = amp + 1;
  }
  if (changed) text = std::move(out);
  return changed;
}

bool redact_json(std::string& text, const ReplaceSecret& replace) {
  const std::string_view in = text;
  std::string out;
  out.reserve(text.size());
  bool changed = false;
  // One entry per open object or array: true when every string inside it is secret.
  std::vector<bool> secret_container;
  bool secret_value_next = false;  // the value after this member name is secret
  size_t copied = 0;
  size_t i = 0;
  while (i < in.size()) {
    const char c = in[i];
    if (c == '"') {
      const size_t end = json_string_end(in, i);
      const std::string_view content = in.substr(i + 1, end - i - 1);
      size_t after = end < in.size() ? end + 1 : end;
      size_t look = after;
      while (look < in.size() && is_json_space(in[look])) ++look;
      if (look < in.size() && in[look] == ':') {
        secret_value_next = is_secret_name(content);
        i = look + 1;
        continue;
      }
      const bool secret =
          secret_value_next || (!secret_container.empty() && secret_container.back());
      secret_value_next = false;
      std::string replaced;
      bool replace_here = false;
      if (secret) {
        replaced = replace(content);
        replace_here = true;
      } else if (content.find("eyJ") != std::string_view::npos) {
        replaced.assign(content);
        replace_here = redact_jwts(replaced, replace);
      }
      if (replace_here) {
        out.append(in.substr(copied, i + 1 - copied));
        out += replaced;
        copied = end;
        changed = true;
      }
      i = after;
      continue;
    }
    if (c == '{' || c == '[') {
      secret_container.push_back(secret_value_next ||
                                 (!secret_container.empty() && secret_container.back()));
      secret_value_next = false;
    } else if (c == '}' || c == ']') {
      if (!secret_container.empty()) secret_container.pop_back();
      secret_value_next = false;
    } else if (!is_json_space(c)) {
      secret_value_next = false;  // a number, a literal, a comma
    }
    ++i;
  }
  if (!changed) return false;
  out.append(in.substr(copied));
  text = std::move(out);
  return true;
}

}  // namespace replay::policy
