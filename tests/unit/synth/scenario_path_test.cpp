#include <doctest/doctest.h>

#include <filesystem>

#include "replay/synth/scenario_path.hpp"
#include "synth_test_support.hpp"

using namespace replay;
using namespace replay::synth;
using replay::synth::testing::TempDir;

TEST_CASE("bare names are looked up as NAME.json in the search directories, in order") {
  TempDir first;
  TempDir second;
  first.write("only-first.json", "{}");
  second.write("only-first.json", "{}");
  second.write("only-second.json", "{}");
  const std::vector<std::string> dirs{first.file(""), second.file("")};
  CHECK(find_scenario("only-first", dirs).value() == first.file("only-first.json"));
  CHECK(find_scenario("only-second", dirs).value() == second.file("only-second.json"));
  CHECK(list_scenarios(dirs) == std::vector<std::string>{"only-first", "only-second"});
  auto missing = find_scenario("nope", dirs);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().context == "scenario 'nope' not found (looked for nope.json in " +
                                       first.file("") + ", " + second.file("") +
                                       "; scenarios there: only-first, only-second)");
}

TEST_CASE("paths are used as they are") {
  TempDir dir;
  const std::string path = dir.write("mine.json", "{}");
  CHECK(find_scenario(path, {}).value() == path);
  auto missing = find_scenario(dir.file("gone.json"), {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().context == "scenario file '" + dir.file("gone.json") + "' does not exist");
}

TEST_CASE("the search path ends with the bundled scenarios") {
  auto dirs = scenario_search_dirs("/somewhere");
  REQUIRE(dirs.size() == 3);
  CHECK(dirs[0] == "traces");
  CHECK(dirs[1] == "/somewhere");
  CHECK(dirs[2] == std::string(REPLAY_SOURCE_DIR) + "/traces");
  CHECK(scenario_search_dirs(nullptr).size() == 2);
  auto plans = find_scenario("plans", scenario_search_dirs(nullptr));
  REQUIRE(plans.ok());
  CHECK(plans->size() > std::string("plans.json").size());
}

TEST_CASE("an installed replay looks in its own share/replay/traces, not the source tree") {
  TempDir prefix;
  const std::string exe = prefix.file("bin/replay");
  CHECK(installed_scenario_dir(exe) == prefix.file("share/replay/traces"));
  CHECK(installed_scenario_dir("/usr/bin/replay") == "/usr/share/replay/traces");

  // Until that directory exists (a binary in a build tree), the source tree's traces/ is last.
  CHECK(scenario_search_dirs(nullptr, exe).back() == std::string(REPLAY_SOURCE_DIR) + "/traces");

  std::filesystem::create_directories(prefix.file("share/replay/traces"));
  prefix.write("share/replay/traces/installed-only.json", "{}");
  const auto dirs = scenario_search_dirs("/somewhere", exe);
  CHECK(dirs ==
        std::vector<std::string>{"traces", "/somewhere", prefix.file("share/replay/traces")});
  CHECK(find_scenario("installed-only", dirs).value() ==
        prefix.file("share/replay/traces/installed-only.json"));
}
