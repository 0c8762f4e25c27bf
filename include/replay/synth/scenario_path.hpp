#pragma once
// Finding scenario files: `replay synth chat` means traces/chat.json, wherever replay runs.

#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"

namespace replay::synth {

// Where bare scenario names are looked up, in order: "traces" (relative to the working
// directory), `env_dir` ($REPLAY_SCENARIO_DIR) when non-empty, then the bundled scenarios:
// installed_scenario_dir(exe_path) when that directory exists (an installed replay), otherwise
// the source tree's traces/ folder compiled into this build.
std::vector<std::string> scenario_search_dirs(const char* env_dir, const std::string& exe_path);

// The same for the running executable (/proc/self/exe).
std::vector<std::string> scenario_search_dirs(const char* env_dir);

// Where an installed replay keeps its bundled scenarios: for <prefix>/bin/replay,
// <prefix>/share/replay/traces (the install() layout of this build, relative to the binary, so
// a package unpacked under any root finds them).
std::string installed_scenario_dir(const std::string& exe_path);

// Resolves a scenario argument. One ending in ".json" or containing '/' is a path, used as is
// (it must exist); otherwise NAME.json is looked up in `dirs`, the first match winning.
// Errors: Errc::not_found naming the places tried and the scenarios found there.
Result<std::string> find_scenario(std::string_view name_or_path,
                                  const std::vector<std::string>& dirs);

// The scenario names (stems of *.json files) in `dirs`, sorted, without duplicates.
std::vector<std::string> list_scenarios(const std::vector<std::string>& dirs);

}  // namespace replay::synth
