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
      constexpr std::string_view kBreaking("\r\n\0", 3);
      const size_t at = text.find_first_of(kBreaking);
      if (at == std::string_view::npos) return std::nullopt;
      return describe_byte(static_cast<unsigned char>(text[at]), at);
    }
  }
  return std::nullopt;
}

}  // namespace replay
