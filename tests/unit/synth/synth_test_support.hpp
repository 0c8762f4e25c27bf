#pragma once
// Shared helpers of the synth unit tests: bundled scenarios, temporary directories, file reads.

#include <doctest/doctest.h>

#include <string>

#include "replay/synth/scenario.hpp"
#include "temp_dir.hpp"

namespace replay::synth::testing {

using ::replay::testing::read_file;
using ::replay::testing::TempDir;

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

}  // namespace replay::synth::testing
