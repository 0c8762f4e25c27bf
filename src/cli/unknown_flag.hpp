#pragma once
// What replay says about arguments a subcommand does not take: the argument, the command, and
// for a mistyped flag the closest one it has ("did you mean --rate?"). Main thread, after parsing.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"

namespace replay::cli {

// The long flag of `command` closest to `typed` ("--rat" -> "--rate", "-rate" -> "--rate"):
// at most two edits away (one for names of four letters or fewer), or the start or the whole
// of `typed` (three letters or more); none when no flag is that close. Ties go to the flag
// declared first.
std::optional<std::string> closest_flag(const CLI::App& command, std::string_view typed);

// An error for the first argument that `command` left over (CLI11's remaining(), flags before
// positionals), or none: "unknown flag --rat for 'replay run' (did you mean --rate?)".
std::optional<Error> leftover_argument_error(const CLI::App& command);

}  // namespace replay::cli
