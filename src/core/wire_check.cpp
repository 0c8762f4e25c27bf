#include "replay/core/wire_check.hpp"

#include <cstring>

namespace replay {
namespace {

std::string describe_byte(unsigned char c, size_t at) {
  const std::string where = " (byte " + std::to_string(at) + ")";
  switch (c) {
    case '\r':
      return "contains CR" + where;
    case '\n':
      return "contains LF" + where;
    case '\0':
      return "contains NUL" + where;
    case ' ':
      return "contains a space" + where;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex = "0x";
      hex += kHex[c >> 4];
      hex += kHex[c & 15];
      return "contains " + hex + where;
    }
  }
}

}  // namespace

const char* wire_field_name(WireField field) noexcept {
  switch (field) {
    case WireField::method:
      return "method";
    case WireField::target:
      return "target";
    case WireField::header_name:
      return "header name";
    case WireField::header_value:
      return "header value";
  }
  return "field";
}

bool is_token_char(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

std::optional<std::string> check_wire_text(WireField field, std::string_view text) {
  switch (field) {
    case WireField::method:
    case WireField::header_name:
      if (text.empty()) return std::string("is empty");
      for (size_t i = 0; i < text.size(); ++i) {
        if (!is_token_char(text[i])) {
          auto why = describe_byte(static_cast<unsigned char>(text[i]), i);
          if (text[i] != '\r' && text[i] != '\n' && text[i] != '\0') why += ", not a token";
          return why;
        }
      }
      return std::nullopt;
    case WireField::target:
      if (text.empty()) return std::string("is empty");
      for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c <= 0x20 || c == 0x7f) return describe_byte(c, i);
      }
      return std::nullopt;
    case WireField::header_value: {
      // Short values byte by byte; long ones (tokens, cookies) by memchr per bad byte, where
      // find_first_of would call memchr on the set for every byte.
      if (text.size() < 64) {
        for (size_t i = 0; i < text.size(); ++i) {
          const char c = text[i];
          if (c == '\r' || c == '\n' || c == '\0') {
            return describe_byte(static_cast<unsigned char>(c), i);
          }
        }
        return std::nullopt;
      }
      const char* first = nullptr;
      for (const char bad : {'\r', '\n', '\0'}) {
        const size_t span = first ? static_cast<size_t>(first - text.data()) : text.size();
        if (const void* p = std::memchr(text.data(), bad, span))
          first = static_cast<const char*>(p);
      }
      if (!first) return std::nullopt;
      const auto at = static_cast<size_t>(first - text.data());
      return describe_byte(static_cast<unsigned char>(*first), at);
    }
  }
  return std::nullopt;
}

}  // namespace replay
