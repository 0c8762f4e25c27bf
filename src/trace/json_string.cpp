#include "json_string.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace replay::trace {
namespace {

constexpr ptrdiff_t kShortString = 64;

// Appends the UTF-8 encoding of `code` (a scalar value, not a surrogate) to `out`.
void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Four hex digits at `p` (followed by readable padding), or -1.
int32_t read_hex4(const char* p) {
  int32_t code = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return -1;
    code = code * 16 + digit;
  }
  return code;
}

// The closing quote of the JSON string whose text starts at `p`: the first '"' after an even
// number of backslashes. `end` when there is none.
const char* string_end(const char* p, const char* end) {
  const char* q = p;
  for (;;) {
    q = static_cast<const char*>(std::memchr(q, '"', static_cast<size_t>(end - q)));
    if (!q) return end;
    size_t slashes = 0;
    for (const char* b = q; b > p && b[-1] == '\\'; --b) ++slashes;
    if (slashes % 2 == 0) return q;
    ++q;
  }
}

}  // namespace

simdjson::error_code unescape_json_string(const char* p, const char* end, std::string& out) {
  out.clear();
  // Most strings are short and plain: one scan for either byte beats two memchr calls.
  const char* q = p;
  const char* short_end = end - p > kShortString ? p + kShortString : end;
  while (q < short_end && *q != '"' && *q != '\\') ++q;
  if (q < short_end && *q == '"') {
    out.assign(p, q);
    return simdjson::SUCCESS;
  }
  for (;;) {
    const auto* quote = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
    if (!quote) return simdjson::UNCLOSED_STRING;
    const auto* slash =
        static_cast<const char*>(std::memchr(p, '\\', static_cast<size_t>(quote - p)));
    if (!slash) {
      out.append(p, quote);
      return simdjson::SUCCESS;
    }
    if (out.empty()) {
      // Unescaping only shrinks text: reserve the escaped length once, rather than growing
      // by doubling, which holds a large body twice while it copies.
      out.reserve(static_cast<size_t>(string_end(p, end) - p));
    }
    out.append(p, slash);
    p = slash + 2;
    switch (slash[1]) {
      case '"':
      case '\\':
      case '/':
        out += slash[1];
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        int32_t code = read_hex4(p);
        if (code < 0 || (code >= 0xDC00 && code <= 0xDFFF)) return simdjson::STRING_ERROR;
        p += 4;
        if (code >= 0xD800 && code <= 0xDBFF) {
          const int32_t low = p[0] == '\\' && p[1] == 'u' ? read_hex4(p + 2) : -1;
          if (low < 0xDC00 || low > 0xDFFF) return simdjson::STRING_ERROR;
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          p += 6;
        }
        append_utf8(out, static_cast<uint32_t>(code));
        break;
      }
      default:
        return simdjson::STRING_ERROR;
    }
  }
}

}  // namespace replay::trace
