#pragma once
// `replay run`'s live view: the run's plan printed once before the first status line, then one
// status line on stderr, redrawn in place once a second and cleared at the end or on Ctrl-C.
// The line is a pure function of the progress and the terminal's width, so it is tested alone.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "replay/engine/engine.hpp"

namespace replay::cli {

// Seconds of planned load left; nullopt when the plan is not known (open-ended or recorded
// timing before the trace ran out), 0 once the load is over (the run drains).
std::optional<double> eta_s(const engine::Progress& p);

// One status line, ASCII, at most `columns` - 3 characters, so that neither the cursor after it
// nor the ^C the terminal echoes there reaches the last column (which would wrap it and leave
// a stale line behind):
//   "12.0s/1m ETA 48s  200/s done 199/s  in-flight 12  p50 3.1ms p99 41.2ms  err 0"
// (offered and completed per second; latency corrected, of one second merged over the workers;
// errors in total; backlog and lost seconds only when not 0). Fields that do not fit are left
// out, the least needed first: lost seconds, p50, in-flight, ETA, offered rate, backlog,
// errors, completed rate, p99; the elapsed time always stays (cut if it must be).
std::string format_live_line(const engine::Progress& p, size_t columns);

// The width of the terminal on `fd` (TIOCGWINSZ); 80 when it is not a terminal or says 0.
size_t terminal_columns(int fd);

// Not thread-safe: the run's calling thread drives it through Engine's progress callback.
class LiveView {
 public:
  // `plan(first)` renders the header from the first progress (it knows the threads). The
  // header goes to `header_out` unless it is null; the status line to `line_out` (with the
  // width of `line_fd`) unless it is null. Both streams and `interrupted` must outlive it.
  LiveView(std::function<std::string(const engine::Progress&)> plan, FILE* header_out,
           FILE* line_out, int line_fd, const std::atomic<bool>& interrupted);

  // The engine's callback: the header on the first call, a status line on the others, none
  // once interrupted (Ctrl-C cleared it).
  void show(const engine::Progress& p);
  // Clears the status line, if one was drawn.
  void clear();
  // `summary` without the header it starts with, when that was printed already on the same
  // stream; else all of it.
  std::string after_header(std::string summary) const {
    if (!header_.empty() && summary.starts_with(header_)) summary.erase(0, header_.size());
    return summary;
  }

 private:
  std::function<std::string(const engine::Progress&)> plan_;
  FILE* header_out_;
  FILE* line_out_;
  int line_fd_;
  const std::atomic<bool>& interrupted_;
  std::string header_;
  bool drawn_ = false;
};

}  // namespace replay::cli
