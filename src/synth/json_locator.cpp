#include "replay/synth/json_locator.hpp"

#include <algorithm>
#include <cstdint>

#include "replay/core/json_writer.hpp"

namespace replay::synth {
namespace {

constexpr int kMaxDepth = 512;

// A recursive-descent pass over JSON text that checks the grammar and, when given a path,
// notes the line of each value on it.
class Scanner {
 public:
  Scanner(std::string_view text, const JsonPath* path) : text_(text), path_(path) {}

  // True when the whole text is one JSON value; otherwise error() says where and why.
  bool scan_document() {
    skip_space();
    if (!scan_value(0, true)) return false;
    skip_space();
    if (pos_ < text_.size()) return fail("unexpected text after the JSON value");
    return true;
  }

  const JsonSyntaxError& error() const { return error_; }
  int found_line() const { return found_line_; }

 private:
  bool fail(std::string message) {
    error_.line = line_at(pos_);
    error_.message = std::move(message);
    return false;
  }

  int line_at(size_t pos) const {
    pos = std::min(pos, text_.size());
    return 1 + static_cast<int>(std::count(text_.begin(),
                                           text_.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++pos_;
    }
  }

  // `on_path`: this value is the one path_ leads to at `depth` steps from the root.
  bool scan_value(int depth, bool on_path) {
    if (depth > kMaxDepth) return fail("nesting deeper than 512 levels");
    if (on_path && path_ != nullptr) found_line_ = line_at(pos_);
    if (at_end()) return fail("expected a value, found the end of the text");
    switch (peek()) {
      case '{':
        return scan_object(depth, on_path);
      case '[':
        return scan_array(depth, on_path);
      case '"': {
        std::string ignored;
        return scan_string(ignored);
      }
      case 't':
        return scan_literal("true");
      case 'f':
        return scan_literal("false");
      case 'n':
        return scan_literal("null");
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return scan_number();
        return fail(std::string("expected a value, found '") + peek() + "'");
    }
  }

  bool wants(bool on_path, int depth, const PathStep& step) const {
    if (!on_path || path_ == nullptr || static_cast<size_t>(depth) >= path_->size()) return false;
    const PathStep& want = (*path_)[static_cast<size_t>(depth)];
    return want.is_index == step.is_index &&
           (want.is_index ? want.index == step.index : want.key == step.key);
  }

  bool scan_object(int depth, bool on_path) {
    ++pos_;
    skip_space();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      if (at_end()) return fail("unterminated object: expected a key or '}'");
      if (peek() == '}') return fail("trailing comma before '}'");
      if (peek() != '"') return fail("expected a string key in double quotes");
      PathStep step;
      if (!scan_string(step.key)) return false;
      skip_space();
      if (at_end() || peek() != ':') return fail("expected ':' after the key \"" + step.key + "\"");
      ++pos_;
      skip_space();
      if (!scan_value(depth + 1, wants(on_path, depth, step))) return false;
      skip_space();
      if (at_end()) return fail("unterminated object: expected ',' or '}'");
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      if (peek() != ',') return fail("expected ',' or '}' after an object member");
      ++pos_;
    }
  }

  bool scan_array(int depth, bool on_path) {
    ++pos_;
    skip_space();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return true;
    }
    for (size_t index = 0;; ++index) {
      skip_space();
      if (!at_end() && peek() == ']') return fail("trailing comma before ']'");
      PathStep step;
      step.is_index = true;
      step.index = index;
      if (!scan_value(depth + 1, wants(on_path, depth, step))) return false;
      skip_space();
      if (at_end()) return fail("unterminated array: expected ',' or ']'");
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      if (peek() != ',') return fail("expected ',' or ']' after an array element");
      ++pos_;
    }
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool scan_hex4(uint32_t& out) {
    out = 0;
    for (int i = 0; i < 4; ++i) {
      if (at_end() || hex_value(peek()) < 0) return fail("\\u needs four hex digits");
      out = out * 16 + static_cast<uint32_t>(hex_value(peek()));
      ++pos_;
    }
    return true;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // Scans a string literal and decodes it into `out`.
  bool scan_string(std::string& out) {
    const size_t start = pos_++;
    for (;;) {
      if (at_end()) {
        pos_ = start;
        return fail("unterminated string");
      }
      const auto c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return fail("control character in a string (escape it, e.g. \\n)");
      if (c >= 0x80) {
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (len == 1 || pos_ + len > text_.size() || !is_valid_utf8(text_.substr(pos_, len))) {
          return fail("invalid UTF-8 in a string");
        }
        out.append(text_.substr(pos_, len));
        pos_ += len;
        continue;
      }
      ++pos_;
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (at_end()) continue;  // reported as unterminated on the next turn
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
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
          uint32_t cp = 0;
          if (!scan_hex4(cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00) {
            uint32_t low = 0;
            if (pos_ + 1 >= text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
              return fail("unpaired surrogate in a \\u escape");
            }
            pos_ += 2;
            if (!scan_hex4(low)) return false;
            if (low < 0xdc00 || low > 0xdfff) return fail("unpaired surrogate in a \\u escape");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else if (cp >= 0xdc00 && cp < 0xe000) {
            return fail("unpaired surrogate in a \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          return fail(std::string("invalid escape '\\") + e + "' in a string");
      }
    }
  }

  bool digits() {
    size_t start = pos_;
    while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool scan_number() {
    if (peek() == '-') ++pos_;
    if (at_end() || peek() < '0' || peek() > '9') return fail("expected a digit in a number");
    if (peek() == '0') {
      ++pos_;
      if (!at_end() && peek() >= '0' && peek() <= '9') return fail("numbers must not start with 0");
    } else {
      digits();
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (!digits()) return fail("expected a digit after '.' in a number");
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (!digits()) return fail("expected a digit in a number's exponent");
    }
    return true;
  }

  bool scan_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      size_t end = pos_;
      while (end < text_.size() && end - pos_ < 20 &&
             std::string_view(" \t\r\n,]}:").find(text_[end]) == std::string_view::npos) {
        ++end;
      }
      return fail("unknown word '" + std::string(text_.substr(pos_, end - pos_)) +
                  "' (strings need double quotes)");
    }
    pos_ += word.size();
    return true;
  }

  std::string_view text_;
  const JsonPath* path_;
  size_t pos_ = 0;
  int found_line_ = 1;
  JsonSyntaxError error_;
};

}  // namespace

std::string format_json_path(const JsonPath& path) {
  if (path.empty()) return "(root)";
  std::string out;
  for (const PathStep& step : path) {
    if (step.is_index) {
      out += '[';
      out += std::to_string(step.index);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out += step.key;
    }
  }
  return out;
}

std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text) {
  Scanner scanner(text, nullptr);
  if (scanner.scan_document()) return std::nullopt;
  return scanner.error();
}

int line_of_json_path(std::string_view text, const JsonPath& path) {
  Scanner scanner(text, &path);
  (void)scanner.scan_document();
  return scanner.found_line();
}

}  // namespace replay::synth
