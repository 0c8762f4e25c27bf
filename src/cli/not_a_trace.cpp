#include "not_a_trace.hpp"

#include <cstdio>
#include <memory>
#include <set>
#include <string_view>

namespace replay::cli {
namespace {

constexpr size_t kSniffBytes = 1 << 20;

// The keys of the top-level JSON object that `text` starts with, as far as `text` goes; empty
// when it does not start with an object. Not a validator: enough to tell files apart.
std::set<std::string> top_level_keys(std::string_view text) {
  std::set<std::string> keys;
  size_t i = 0;
  if (text.starts_with("\xEF\xBB\xBF")) i = 3;
  while (i < text.size() &&
         (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) {
    ++i;
  }
  if (i == text.size() || text[i] != '{') return keys;
  int depth = 0;
  bool expect_key = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const size_t start = ++i;
      while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      if (i >= text.size()) break;
      if (depth == 1 && expect_key) keys.emplace(text.substr(start, i - start));
      expect_key = false;
    } else if (c == '{' || c == '[') {
      ++depth;
      expect_key = depth == 1;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) break;
    } else if (c == ',' && depth == 1) {
      expect_key = true;
    }
  }
  return keys;
}

}  // namespace

std::optional<Error> not_a_trace_error(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return std::nullopt;
  std::string text(kSniffBytes, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), file.get()));
  const std::set<std::string> keys = top_level_keys(text);
  if (keys.contains("log")) {
    return make_error(Errc::invalid_argument, "'" + path +
                                                  "' looks like a HAR file: convert it with "
                                                  "'replay import har " +
                                                  path + " -o trace.zst'");
  }
  for (const char* key : {"requests", "sessions", "include", "lists", "defaults"}) {
    if (keys.contains(key)) {
      return make_error(Errc::invalid_argument, "'" + path +
                                                    "' looks like a scenario: make a trace with "
                                                    "'replay synth " +
                                                    path + " -o trace.zst'");
    }
  }
  return std::nullopt;
}

}  // namespace replay::cli
