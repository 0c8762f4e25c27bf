#include "unknown_flag.hpp"

#include <algorithm>
#include <vector>

namespace replay::cli {
namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbours ("--rtae") each cost one.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* up = command.get_parent(); up != nullptr; up = up->get_parent()) {
    path = up->get_name() + " " + path;
  }
  return path;
}

bool is_flag(std::string_view arg) {
  return arg.size() > 1 && arg[0] == '-';
}

}  // namespace

std::optional<std::string> closest_flag(const CLI::App& command, std::string_view typed) {
  typed = typed.substr(0, typed.find('='));
  std::string_view word = typed;
  while (!word.empty() && word.front() == '-') word.remove_prefix(1);
  if (word.size() < 2) return std::nullopt;  // "-x": any one letter is one edit from another
  std::optional<std::string> best;
  size_t best_score = SIZE_MAX;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames()) {
      size_t score = edit_distance(word, name);
      const bool prefix = word.size() >= 3 && (name.starts_with(word) || word.starts_with(name));
      if (prefix) score = std::min<size_t>(score, 1);
      const size_t allowed = name.size() <= 4 ? 1 : 2;
      if (score <= allowed && score < best_score) {
        best_score = score;
        best = "--" + name;
      }
    }
  }
  return best;
}

std::optional<Error> leftover_argument_error(const CLI::App& command) {
  const std::vector<std::string> left = command.remaining(false);
  if (left.empty()) return std::nullopt;
  const std::string path = command_path(command);
  const std::string see = " (see '" + path + " --help')";
  auto flag = std::find_if(left.begin(), left.end(), [](const auto& a) { return is_flag(a); });
  if (flag == left.end()) {
    return make_error(Errc::invalid_argument,
                      "unexpected argument '" + left.front() + "' for '" + path + "'" + see);
  }
  const std::string name = flag->substr(0, flag->find('='));
  const auto suggestion = closest_flag(command, name);
  return make_error(Errc::invalid_argument,
                    "unknown flag " + name + " for '" + path + "'" +
                        (suggestion ? " (did you mean " + *suggestion + "?)" : see));
}

}  // namespace replay::cli
