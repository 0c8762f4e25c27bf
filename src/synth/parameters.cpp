#include "replay/synth/parameters.hpp"

#include <cstdlib>

namespace replay::synth {
namespace {

bool is_name_char(char c, bool first) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return letter || (!first && c >= '0' && c <= '9');
}

bool is_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!is_name_char(s[i], i == 0)) return false;
  }
  return true;
}

// `value` as the inside of a JSON string.
void append_json_escaped(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char ch : value) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += ch;
    }
  }
}

size_t line_at(std::string_view text, size_t offset) {
  size_t line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

}  // namespace

const std::string* ScenarioParameters::find(std::string_view name, std::string& scratch) const {
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    if (it->first == name) return &it->second;
  }
  if (!use_environment) return nullptr;
  const char* env = std::getenv(std::string(name).c_str());
  if (!env) return nullptr;
  scratch = env;
  return &scratch;
}

Result<std::pair<std::string, std::string>> parse_parameter(std::string_view text) {
  const size_t eq = text.find('=');
  const std::string_view name = text.substr(0, eq);
  if (eq == std::string_view::npos || !is_name(name)) {
    return make_error(
        Errc::invalid_argument,
        "-e '" + std::string(text) + "': expected NAME=value, NAME of letters, digits and '_'");
  }
  return std::pair{std::string(name), std::string(text.substr(eq + 1))};
}

Result<std::string> expand_parameters(std::string_view text, const ScenarioParameters& params,
                                      const std::string& path) {
  auto fail = [&](size_t at, const std::string& why) {
    return make_error(Errc::invalid_argument,
                      path + ": line " + std::to_string(line_at(text, at)) + ": " + why);
  };
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  std::string scratch;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string && c == '\\' && i + 1 < text.size()) {
      out += c;
      out += text[++i];
      continue;
    }
    if (c == '"') in_string = !in_string;
    if (c == '$' && i + 2 < text.size() && text[i + 1] == '$' && text[i + 2] == '{') {
      out += "${";  // $${ is a literal ${
      i += 2;
      continue;
    }
    if (c != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out += c;
      continue;
    }
    if (!in_string) return fail(i, "${...} is allowed inside strings only");
    const size_t close = text.find('}', i + 2);
    const size_t quote = text.find('"', i + 2);
    if (close == std::string_view::npos || (quote != std::string_view::npos && quote < close)) {
      return fail(i, "'${' without a closing '}' (write $${ for a literal ${)");
    }
    const std::string_view inner = text.substr(i + 2, close - i - 2);
    const size_t dash = inner.find(":-");
    const std::string_view name = inner.substr(0, dash);
    if (!is_name(name)) {
      return fail(i, "'${" + std::string(inner) +
                         "}': a parameter is ${NAME} or ${NAME:-default}, NAME of letters, "
                         "digits and '_'");
    }
    if (const std::string* value = params.find(name, scratch)) {
      append_json_escaped(out, *value);
    } else if (dash != std::string_view::npos) {
      out += inner.substr(dash + 2);  // the default, as written in the (JSON) file
    } else {
      return fail(i, "${" + std::string(name) + "} is not set (export it, pass -e " +
                         std::string(name) + "=..., or write ${" + std::string(name) +
                         ":-default})");
    }
    i = close;
  }
  return out;
}

}  // namespace replay::synth
