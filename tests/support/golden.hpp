#pragma once
// Golden files for the views' text (vegeta's plot test -update, STYLE.md): the summaries and
// the comparison, in tests/unit/results/golden/.

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace replay::testing {
namespace golden_detail {

// The first line where `actual` and `expected` differ, for the failure message.
inline std::string first_difference(const std::string& actual, const std::string& expected) {
  std::istringstream a(actual), e(expected);
  std::string la, le;
  for (int line = 1;; ++line) {
    const bool more_a = bool(std::getline(a, la)), more_e = bool(std::getline(e, le));
    if (!more_a && !more_e) return "only in the final newline";
    if (la != le || more_a != more_e) {
      return "line " + std::to_string(line) + ":\n  got      " + la + "\n  expected " + le;
    }
  }
}

}  // namespace golden_detail

// Checks `actual` byte for byte against tests/unit/results/golden/`name`, naming the first line
// that differs; with REPLAY_UPDATE_GOLDEN=1 in the environment it rewrites the file instead.
inline void check_golden(const std::string& name, const std::string& actual) {
  const auto path = std::filesystem::path(REPLAY_SOURCE_DIR) / "tests/unit/results/golden" / name;
  const char* update = std::getenv("REPLAY_UPDATE_GOLDEN");
  if (update && std::string_view(update) == "1") {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    MESSAGE("rewrote " << path.string());
    return;
  }
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(),
                  "no golden file " << path.string() << " (REPLAY_UPDATE_GOLDEN=1 writes it)");
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK_MESSAGE(actual == expected.str(),
                name << " differs from the golden file, "
                     << golden_detail::first_difference(actual, expected.str())
                     << "\n(REPLAY_UPDATE_GOLDEN=1 rewrites it)");
}

}  // namespace replay::testing
