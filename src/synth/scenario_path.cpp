#include "replay/synth/scenario_path.hpp"

#include <algorithm>
#include <filesystem>

namespace replay::synth {

namespace fs = std::filesystem;

std::string installed_scenario_dir(const std::string& exe_path) {
  return (fs::path(exe_path).parent_path() / REPLAY_SCENARIO_INSTALL_RELATIVE_DIR)
      .lexically_normal()
      .string();
}

std::vector<std::string> scenario_search_dirs(const char* env_dir, const std::string& exe_path) {
  std::vector<std::string> dirs{"traces"};
  if (env_dir != nullptr && *env_dir != '\0') dirs.emplace_back(env_dir);
  std::error_code ec;
  const std::string installed = exe_path.empty() ? "" : installed_scenario_dir(exe_path);
  // An installed binary never reaches back into the tree it was built from.
  if (!installed.empty() && fs::is_directory(installed, ec)) {
    dirs.push_back(installed);
  } else {
    dirs.emplace_back(REPLAY_SCENARIO_SOURCE_DIR);
  }
  return dirs;
}

std::vector<std::string> scenario_search_dirs(const char* env_dir) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return scenario_search_dirs(env_dir, ec ? std::string() : exe.string());
}

Result<std::string> find_scenario(std::string_view name_or_path,
                                  const std::vector<std::string>& dirs) {
  const std::string arg(name_or_path);
  std::error_code ec;
  const bool is_path = arg.find('/') != std::string::npos ||
                       (arg.size() > 5 && arg.compare(arg.size() - 5, 5, ".json") == 0);
  if (is_path) {
    if (!fs::is_regular_file(arg, ec)) {
      return make_error(Errc::not_found, "scenario file '" + arg + "' does not exist");
    }
    return arg;
  }
  for (const std::string& dir : dirs) {
    fs::path candidate = fs::path(dir) / (arg + ".json");
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  std::string tried;
  for (const std::string& dir : dirs) tried += (tried.empty() ? "" : ", ") + dir;
  std::string known;
  for (const std::string& name : list_scenarios(dirs)) known += (known.empty() ? "" : ", ") + name;
  return make_error(Errc::not_found,
                    "scenario '" + arg + "' not found (looked for " + arg + ".json in " + tried +
                        "; scenarios there: " + (known.empty() ? "none" : known) + ")");
}

std::vector<std::string> list_scenarios(const std::vector<std::string>& dirs) {
  std::vector<std::string> names;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".json" && it->is_regular_file(ec)) {
        names.push_back(it->path().stem().string());
      }
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace replay::synth
