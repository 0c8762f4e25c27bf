#include <cstdio>

#include "command.hpp"
#include "exit_codes.hpp"

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

// CLI11's messages can span lines; users and scripts get one line naming the flag.
int report_parse_error(const CLI::ParseError& e) {
  std::string what = e.what();
  for (auto& c : what) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "replay: %s (see 'replay --help')\n", what.c_str());
  return kExitUsage;
}

}  // namespace

int main_with_args(int argc, char** argv) {
  CLI::App app{"replay: record, synthesise and replay HTTP traffic open-loop, with honest latency"};
  app.name("replay");
  app.set_version_flag("--version", std::string("replay ") + REPLAY_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 usage or input error, 2 run failed, 99 a --threshold (run) or\n"
      "--fail-on rule (compare) was crossed.\n"
      "Docs: README.md, docs/trace-format.md, docs/result-format.md, docs/scenarios.md,\n"
      "docs/recording.md, docs/compare.md");

  const Command commands[] = {add_inspect_command(app), add_run_command(app),
                              add_compare_command(app), add_report_command(app),
                              add_merge_command(app),   add_synth_command(app),
                              add_record_command(app),  add_import_command(app)};

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
    return report_parse_error(e);
  }
  for (const auto& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return kExitUsage;
}

}  // namespace replay::cli

int main(int argc, char** argv) {
  return replay::cli::main_with_args(argc, argv);
}
