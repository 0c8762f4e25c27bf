#include <cstdio>

#include "command.hpp"
#include "exit_codes.hpp"
#include "unknown_flag.hpp"

namespace replay::cli {

int report_error(const Error& error, int exit_code) {
  std::string line = error.context;
  for (auto& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fprintf(stderr, "replay: %s\n", line.c_str());
  return exit_code;
}

namespace {

// CLI11's messages can span lines; users and scripts get one line naming the flag, and the
// help of the (sub)command it was parsing.
int report_parse_error(const CLI::App& app, const CLI::ParseError& e) {
  std::string what = e.what();
  for (auto& c : what) {
    if (c == '\n') c = ' ';
  }
  std::string command = app.get_name();
  for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    command += " " + at->get_name();
  }
  std::fprintf(stderr, "replay: %s (see '%s --help')\n", what.c_str(), command.c_str());
  return kExitUsage;
}

// Subcommands keep what they do not know, so that it is reported with the command's own flags
// to suggest from (CLI11's own error lists the leftovers in reverse, with no suggestion).
void keep_leftovers(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands(std::function<bool(CLI::App*)>{})) {
    sub->allow_extras();
    keep_leftovers(*sub);
  }
}

// An empty list's default shows as "=[]" in --help: show nothing, as for an empty string.
void hide_empty_list_defaults(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    if (option->get_default_str() == "[]") option->default_str("");
  }
  for (CLI::App* sub : app.get_subcommands(std::function<bool(CLI::App*)>{})) {
    hide_empty_list_defaults(*sub);
  }
}

// The first leftover of the deepest subcommand parsed, as one error; none when all were taken.
std::optional<Error> leftover_error(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) {
    if (auto deeper = leftover_error(*sub)) return deeper;
    if (auto error = leftover_argument_error(*sub)) return error;
  }
  return std::nullopt;
}

}  // namespace

int main_with_args(int argc, char** argv) {
  CLI::App app{"replay: record, synthesise and replay HTTP traffic open-loop, with honest latency"};
  app.name("replay");
  app.set_version_flag("--version", std::string("replay ") + REPLAY_VERSION);
  app.require_subcommand(1);
  // Every --help shows each option's default (flags excepted: they default to off).
  app.option_defaults()->always_capture_default();
  app.footer(
      "Exit codes: 0 ok, 1 usage or input error, 2 run failed, 99 a --threshold (run) or\n"
      "--fail-on rule (compare) was crossed.\n"
      "Docs: README.md, docs/trace-format.md, docs/result-format.md, docs/scenarios.md,\n"
      "docs/recording.md, docs/compare.md, docs/capacity.md");

  const Command commands[] = {
      add_inspect_command(app), add_run_command(app),    add_compare_command(app),
      add_report_command(app),  add_merge_command(app),  add_synth_command(app),
      add_record_command(app),  add_import_command(app), add_capacity_command(app)};
  keep_leftovers(app);
  hide_empty_list_defaults(app);

  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const auto& command : commands) {
      known = known || command.app->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + command.app->get_name();
    }
    if (!known) {
      return report_error(
          make_error(Errc::invalid_argument,
                     std::string("unknown command '") + argv[1] + "' (commands: " + names + ")"),
          kExitUsage);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e);
  }
  if (auto error = leftover_error(app)) return report_error(*error, kExitUsage);
  for (const auto& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return kExitUsage;
}

}  // namespace replay::cli

int main(int argc, char** argv) {
  return replay::cli::main_with_args(argc, argv);
}
