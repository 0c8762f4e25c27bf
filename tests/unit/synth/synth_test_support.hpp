#pragma once
// Shared helpers of the synth unit tests: a temporary directory and scenario files in it.

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "replay/synth/scenario.hpp"

namespace replay::synth::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/replay-synth-XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return path_ + "/" + name; }

  // Writes `text` to `name` in the directory; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream out(file(name), std::ios::binary);
    out << text;
    return file(name);
  }

 private:
  std::string path_;
};

// The source tree's bundled scenario `name`.
inline std::string bundled(const std::string& name) {
  return std::string(REPLAY_SOURCE_DIR) + "/traces/" + name + ".json";
}

// Loads a bundled scenario, failing the test when it does not load.
inline Scenario load_bundled(const std::string& name) {
  auto s = load_scenario(bundled(name));
  if (!s) FAIL(s.error().context);
  return std::move(s).value();
}

// Bytes of a file.
inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace replay::synth::testing
