#pragma once
// replay's documented exit codes (README "Exit codes"). Only src/cli maps errors to them.

namespace replay::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;          // bad flag or value, unreadable or corrupt input file
inline constexpr int kExitRunFailed = 2;      // the run could not be carried out (target, output)
inline constexpr int kExitWarning = 3;        // a --warn band was crossed and no --threshold
inline constexpr int kExitThreshold = 99;     // a --threshold was crossed (k6's convention)
inline constexpr int kExitInterrupted = 130;  // SIGINT: outputs written, marked interrupted
inline constexpr int kExitTerminated = 143;   // SIGTERM: the same

}  // namespace replay::cli
