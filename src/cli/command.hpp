#pragma once
// How subcommands plug into the CLI11 front end: each command file adds its subcommand and
// returns the function that runs it after parsing. Runs on the main thread.

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "replay/core/result.hpp"

namespace replay::cli {

// A subcommand and the function that runs it once parsing has succeeded; returns the exit code.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

// Each adds its subcommand to `app`, with its flags bound to state the runner owns.
Command add_inspect_command(CLI::App& app);
Command add_run_command(CLI::App& app);
Command add_record_command(CLI::App& app);
Command add_import_command(CLI::App& app);
Command add_compare_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_merge_command(CLI::App& app);
Command add_synth_command(CLI::App& app);
Command add_capacity_command(CLI::App& app);

// Prints "replay: <context>" on stderr as one line and returns `exit_code`.
int report_error(const Error& error, int exit_code);

}  // namespace replay::cli
