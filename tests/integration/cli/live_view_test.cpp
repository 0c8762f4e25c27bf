// `replay run` on a terminal: the plan first, then one status line redrawn in place that fits
// the terminal, with a p99 that matches the target's service time, then the summary without the
// plan again; Ctrl-C clears the line. Runs replay under a pseudo-terminal of 80 columns.

#include <doctest/doctest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim_process.hpp"

using replay::testing::SimProcess;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kWebhook = std::string(REPLAY_SOURCE_DIR) + "/traces/webhook.zst";
constexpr unsigned short kColumns = 80;

struct TerminalRun {
  int exit_code = -1;  // -1: killed after the timeout
  std::string screen;  // everything written to the terminal, as written (no \n -> \r\n)
};

// Runs argv on a new pseudo-terminal of kColumns columns (stdin, stdout and stderr on it), for
// at most `timeout_ms`; after `ctrl_c_after_ms` (if not 0) types Ctrl-C into it.
TerminalRun run_in_terminal(const std::vector<std::string>& argv, int timeout_ms,
                            int ctrl_c_after_ms = 0) {
  TerminalRun run;
  winsize size{};
  size.ws_row = 24;
  size.ws_col = kColumns;
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) return run;
  if (pid == 0) {
    termios mode{};
    tcgetattr(STDIN_FILENO, &mode);
    mode.c_oflag &= ~static_cast<tcflag_t>(OPOST);  // the bytes as replay wrote them
    tcsetattr(STDIN_FILENO, TCSANOW, &mode);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + std::chrono::milliseconds(timeout_ms);
  bool typed = ctrl_c_after_ms == 0;
  bool killed = false;
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    if (!typed && now >= started + std::chrono::milliseconds(ctrl_c_after_ms)) {
      const char ctrl_c = 0x03;
      typed = write(master, &ctrl_c, 1) == 1;
    }
    pollfd fd{master, POLLIN, 0};
    if (poll(&fd, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO: the child's side closed
    run.screen.append(buf, static_cast<size_t>(n));
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!killed && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

// A status line as drawn: "\r" + text + "\033[K", and where it starts on the screen.
struct Drawn {
  size_t at;
  std::string text;
};

std::vector<Drawn> status_lines(const std::string& screen) {
  std::vector<Drawn> lines;
  for (size_t at = screen.find('\r'); at != std::string::npos; at = screen.find('\r', at + 1)) {
    const size_t end = screen.find("\033[K", at);
    if (end == std::string::npos || end == at + 1) continue;  // a clear, not a line
    lines.push_back({at, screen.substr(at + 1, end - at - 1)});
  }
  return lines;
}

// The p99 a status line shows, in ms; -1 for "-" or none.
double shown_p99_ms(const std::string& line) {
  const size_t at = line.find("p99 ");
  if (at == std::string::npos || line.compare(at + 4, 1, "-") == 0) return -1;
  char* unit = nullptr;
  const double value = std::strtod(line.c_str() + at + 4, &unit);
  return std::string(unit).starts_with("ms") ? value : value * 1000;
}

// The in-flight count a status line shows; -1 when the line has none.
long shown_in_flight(const std::string& line) {
  const size_t at = line.find("in-flight ");
  if (at == std::string::npos) return -1;
  return std::strtol(line.c_str() + at + 10, nullptr, 10);
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("run on a terminal: plan, then a status line in 80 columns, then the summary") {
  // Each webhook is processed for 40 ms before it is answered; 4 workers keep up with 20/s.
  SimProcess sim({"--no-auth", "--webhook-sync", "--service-time", "40ms"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const TerminalRun run = run_in_terminal({kReplay, "run", kWebhook, "--target", target, "--rate",
                                           "20/s", "--duration", "5s", "--loop", "--threads", "2"},
                                          30'000);
  INFO(run.screen);
  REQUIRE(run.exit_code == 0);
  const auto lines = status_lines(run.screen);
  REQUIRE(lines.size() >= 3);
  // The plan comes first, once; the summary after the last line, without it again.
  const size_t plan_at = run.screen.find("replay run " + kWebhook + " -> " + target + "\n");
  CHECK(plan_at == 0);
  CHECK(run.screen.find("\n  schedule   20/s, constant arrivals, looped   threads 2") <
        lines[0].at);
  CHECK(count_of(run.screen, "replay run ") == 1);
  CHECK(count_of(run.screen, "  schedule   ") == 1);
  const size_t summary_at = run.screen.find("\n  requests   offered ");
  REQUIRE(summary_at != std::string::npos);
  CHECK(summary_at > lines.back().at);
  const size_t cleared_at = run.screen.find("\r\033[K", lines.back().at + 1);
  CHECK(cleared_at < summary_at);  // the last line was cleared before it
  bool latency_shown = false;
  for (const auto& line : lines) {
    CAPTURE(line.text);
    CHECK(line.text.size() < kColumns);
    CHECK(line.text.size() <= kColumns - 3u);
    CHECK(line.text.find_first_of("\r\n\033") == std::string::npos);
    CHECK(line.text.find("/5s") != std::string::npos);
    // A request is on the wire 40 ms of every 50 ms: each second has one in flight at some
    // point. (A gauge read at each second's start, just before that second's first send,
    // showed 0 every time.)
    CHECK(shown_in_flight(line.text) >= 1);
    const double p99 = shown_p99_ms(line.text);
    if (p99 < 0) continue;
    latency_shown = true;
    // Every request took its 40 ms of service; a loaded test machine adds some, not seconds.
    CHECK(p99 >= 40.0);
    CHECK(p99 < 400.0);
  }
  CHECK(latency_shown);
  CHECK(lines[1].text.find("ETA ") != std::string::npos);
}

TEST_CASE("run on a terminal: Ctrl-C clears the status line and draws no more") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const TerminalRun run = run_in_terminal({kReplay, "run", kWebhook, "--target", target, "--rate",
                                           "20/s", "--duration", "30s", "--loop"},
                                          30'000, 2'600);
  INFO(run.screen);
  CHECK(run.exit_code == 130);
  const auto lines = status_lines(run.screen);
  REQUIRE(!lines.empty());
  // The terminal echoes ^C after the line; the line and the echo are cleared at once, and
  // nothing is drawn after that.
  const size_t echo_at = run.screen.find("^C");
  REQUIRE(echo_at != std::string::npos);
  const size_t cleared_at = run.screen.find("\r\033[K", echo_at);
  REQUIRE(cleared_at != std::string::npos);
  CHECK(cleared_at == echo_at + 2);
  CHECK(lines.back().at < cleared_at);
  CHECK(run.screen.find("INTERRUPTED") > cleared_at);
}
