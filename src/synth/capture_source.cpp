// Checking capture sources, "regex:" ones by compiling them with std::regex.

// libstdc++ 12's <regex> trips -Wmaybe-uninitialized inside std::function when built with
// -fsanitize at -O1 (a false positive); this file holds nothing else, so the suppression
// covers only the regex check.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <regex>

#include "scenario_parser.hpp"

namespace replay::synth {

Result<void> check_capture_source(std::string_view source) {
  auto bad = [](std::string message) {
    return make_error(Errc::invalid_argument, std::move(message));
  };
  if (source.rfind("json:", 0) == 0) {
    std::string_view pointer = source.substr(5);
    if (!pointer.empty() && pointer.front() != '/') {
      return bad("a JSON pointer starts with '/': json:/id");
    }
    for (size_t i = 0; i < pointer.size(); ++i) {
      if (pointer[i] == '~' &&
          (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) {
        return bad("in a JSON pointer '~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')");
      }
    }
    return {};
  }
  if (source.rfind("header:", 0) == 0) {
    if (!is_http_token(source.substr(7))) {
      return bad("header: needs a header name: header:Location");
    }
    return {};
  }
  if (source.rfind("regex:", 0) == 0) {
    try {
      std::regex re{std::string(source.substr(6)), std::regex::ECMAScript};
      if (re.mark_count() < 1) {
        return bad("the regular expression needs a group for the value: regex:id=(\\d+)");
      }
    } catch (const std::regex_error& e) {
      return bad(std::string("bad regular expression: ") + e.what());
    }
    return {};
  }
  return bad(
      "a capture source starts with json:, header: or regex: "
      "(json:/id, header:Location, regex:id=(\\d+))");
}

}  // namespace replay::synth
