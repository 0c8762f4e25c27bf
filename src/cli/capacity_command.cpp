// `replay capacity TRACE --target URL --slo 'p99<200ms'`: the highest rate the trace's mix
// sustains within the SLOs. Open-loop steps at constant rates (warm-up, then the judged step,
// then the drain), chosen by capacity::CapacitySearch; one line per step, the verdict, and
// --out (capacity.json) and --html (latency against rate) written from one report.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "command.hpp"
#include "exit_codes.hpp"
#include "live_view.hpp"
#include "not_a_trace.hpp"
#include "replay/capacity/capacity_report.hpp"
#include "replay/capacity/ladder.hpp"
#include "replay/capacity/search.hpp"
#include "replay/capacity/step.hpp"
#include "replay/capacity/trace_rate.hpp"
#include "replay/core/units.hpp"
#include "replay/engine/engine.hpp"
#include "replay/report/run_report.hpp"
#include "replay/results/result_writer.hpp"
#include "replay/results/threshold.hpp"
#include "replay/schedule/rate.hpp"
#include "run_flags.hpp"

namespace replay::cli {
namespace {

std::atomic<bool> g_capacity_interrupted{false};
std::atomic<int> g_capacity_signal{0};

void on_capacity_interrupt(int signal_number) {
  g_capacity_signal.store(signal_number);
  g_capacity_interrupted.store(true);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

struct CapacityFlags {
  std::string trace_path;
  std::string target_url;
  std::vector<std::string> slos;
  std::string start;
  std::string step = "30s";
  std::string warmup = "5s";
  std::string precision = "5%";
  int64_t max_steps = 20;
  std::optional<int64_t> threads;
  int64_t max_connections = 1000;
  std::string timeout = "30s";
  std::string drain;
  std::vector<std::string> headers;
  bool insecure = false;
  std::string cacert;
  std::string out_path, html_path;
  bool quiet = false;
  std::string ladder;    // --ladder FROM..TO:STEPS: fixed rungs instead of the search
  std::string shard;     // --shard i/N (ladder only)
  unsigned shards = 0;   // --shards N, i from JOB_COMPLETION_INDEX (ladder only)
  std::string start_at;  // --start-at: the ladder's rung 1 on the wall clock
};

// What a --slo names that a step's timeline window does not hold ("" when it holds it): the
// window has the corrected latency, errors and rate only.
std::string outside_step_window(const results::Threshold& t) {
  using M = results::ThresholdMetric;
  if (!t.histogram.empty()) return t.histogram;
  switch (t.metric) {
    case M::goodput:
      return "goodput";
    case M::error_count:
      return "an error count";
    case M::status_ratio:
    case M::status_count:
      return "status";
    case M::probe:
      return "probe." + t.probe;
    case M::saturated:
      return "saturated";
    case M::checks:
      return "checks";
    case M::custom:
      return "metric." + t.metric_name;
    case M::percentile:
    case M::max:
    case M::mean:
    case M::errors:
    case M::rate:
      return "";
  }
  return "";
}

Error capacity_flag_error(std::string text) {
  return make_error(Errc::invalid_argument, "capacity: " + std::move(text));
}

// A whole number of seconds, at least `min_s`: the timeline's rows are seconds.
Result<int64_t> parse_seconds(const char* flag, const std::string& text, int64_t min_s) {
  auto us = parse_duration_us(text);
  if (!us) return us.error().within(std::string("capacity: ") + flag);
  if (*us % 1'000'000 != 0 || *us / 1'000'000 < min_s) {
    return capacity_flag_error(std::string(flag) + " '" + text + "': whole seconds, " +
                               std::to_string(min_s) +
                               "s or more (the judged window is whole seconds)");
  }
  return *us / 1'000'000;
}

// "5%" or "0.05".
Result<double> parse_precision(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() && *end == '%' && end[1] == '\0') {
    v /= 100;
  } else if (end == text.c_str() || *end != '\0') {
    return capacity_flag_error("--precision '" + text +
                               "': a percentage like 5% (or a ratio like 0.05)");
  }
  return v;
}

// The engine's configuration shared by every step, resolved as `replay run` resolves its flags
// (-H checked for CR/LF/NUL, the dev JWT secret, the trace's base URL); the rate and duration
// are set per step.
Result<engine::RunConfig> base_config(const CapacityFlags& f) {
  RunFlags run;
  run.config.trace_path = f.trace_path;
  run.config.target_url = f.target_url;
  run.threads = f.threads;
  run.max_connections = f.max_connections;
  run.timeout = f.timeout;
  run.drain = f.drain;
  run.headers = f.headers;
  run.config.insecure = f.insecure;
  run.config.cacert = f.cacert;
  run.shard = f.shard;
  run.shards = f.shards;
  run.start_at = f.start_at;
  if (auto checked = check_run_flags(run); !checked) return checked.error().within("capacity");
  if (auto resolved = resolve_run_flags(run); !resolved) {
    return resolved.error().within("capacity");
  }
  engine::RunConfig c = run.config;
  c.arrival = schedule::Arrival::constant;
  c.loop = true;
  return c;
}

// The live line of a step: "step 3 at 200.0/s " before run's own status line, fitted together
// to the terminal's width.
void show_live(const std::string& prefix, const engine::Progress& p) {
  if (p.first || p.last) return;  // the last call repeats the end
  const size_t columns = terminal_columns(STDERR_FILENO);
  const size_t room = columns > prefix.size() + 20 ? columns - prefix.size() : 20;
  std::fprintf(stderr, "\r\033[K%s%s", prefix.c_str(), format_live_line(p, room).c_str());
  std::fflush(stderr);
}

std::string per_s_text(double per_s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f/s", per_s);
  return buf;
}

// "2026-12-02T10:00:00Z", as --start-at takes it.
std::string utc_text(int64_t unix_ms) {
  const time_t seconds = static_cast<time_t>(unix_ms / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One step run at `rate` (the engine's rate: a shard takes its share of it) and judged at
// `judged_rate`: its report and its result, or the error that ends the command (its exit code
// beside it).
struct StepRun {
  capacity::StepReport step;
  results::ResultDoc doc;
};
Result<StepRun> run_step(engine::RunConfig c, double rate, double judged_rate,
                         const capacity::StepWindow& window,
                         const std::vector<results::Threshold>& slos, const std::string& label,
                         bool live, int& exit_code) {
  c.rate = schedule::RateSchedule{{schedule::Stage{rate, rate, schedule::kOpenEnded}}};
  c.duration_us = (window.warmup_s + window.step_s) * 1'000'000;
  const std::string prefix = "  " + label + " at " + per_s_text(judged_rate) + "  ";
  auto progress = [&](const engine::Progress& p) { show_live(prefix, p); };
  auto result =
      engine::run_replay(c, live ? std::function<void(const engine::Progress&)>(progress) : nullptr,
                         g_capacity_interrupted);
  if (live) std::fprintf(stderr, "\r\033[K");
  if (!result) {
    const Errc code = result.error().code;
    exit_code = code == Errc::invalid_argument || code == Errc::not_found ||
                        code == Errc::corrupt || code == Errc::unsupported
                    ? kExitUsage
                    : kExitRunFailed;
    return result.error().within("capacity: " + label);
  }
  const engine::RunResult& outcome = result.value();
  if (!outcome.interrupted && outcome.overall.completed == 0 && outcome.connections_opened == 0) {
    exit_code = kExitRunFailed;
    return capacity_flag_error(
        label + " at " + per_s_text(judged_rate) +
        ": no request got a response and no connection opened: is the target up?");
  }
  report::RunReport run{c, per_s_text(rate), std::move(result).value(), {}};
  results::ResultDoc doc = report::to_result_doc(run);
  auto step = capacity::judge_step(doc, judged_rate, window, slos);
  if (!step) {
    exit_code = kExitUsage;
    return step.error().within("capacity");
  }
  return StepRun{std::move(step).value(), std::move(doc)};
}

int run_capacity(const CapacityFlags& f) {
  struct sigaction action {};
  action.sa_handler = on_capacity_interrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  if (auto not_trace = not_a_trace_error(f.trace_path)) {
    return report_error(not_trace->within("capacity"), kExitUsage);
  }
  if (f.slos.empty()) {
    return report_error(capacity_flag_error("--slo is required, e.g. --slo 'p99<200ms'"),
                        kExitUsage);
  }
  std::vector<results::Threshold> slos;
  for (const auto& text : f.slos) {
    auto t = results::parse_threshold(text);
    if (!t) return report_error(t.error().within("capacity: --slo"), kExitUsage);
    // A step is judged on its timeline window, which holds the corrected latency only.
    if (const std::string what = outside_step_window(t.value()); !what.empty()) {
      // Saturation is judged on every step already.
      const char* note = t.value().metric == results::ThresholdMetric::saturated
                             ? " (a step that saturates fails anyway)"
                             : "";
      return report_error(capacity_flag_error("--slo '" + text +
                                              "': a step is judged on its corrected latency, "
                                              "errors and rate (pNN, max, mean, errors<N%, "
                                              "rate); " +
                                              what + " is for replay run --threshold" + note),
                          kExitUsage);
    }
    slos.push_back(t.value());
  }
  capacity::CapacitySettings settings;
  settings.trace = f.trace_path;
  settings.slos = f.slos;
  auto step_s = parse_seconds("--step", f.step, 1);
  if (!step_s) return report_error(step_s.error(), kExitUsage);
  auto warmup_s = parse_seconds("--warmup", f.warmup, 0);
  if (!warmup_s) return report_error(warmup_s.error(), kExitUsage);
  settings.window = {*warmup_s, *step_s};
  auto precision = parse_precision(f.precision);
  if (!precision) return report_error(precision.error(), kExitUsage);
  settings.precision = *precision;
  if (f.max_steps < 1) {
    return report_error(
        capacity_flag_error("--max-steps must be 1 or more, got " + std::to_string(f.max_steps)),
        kExitUsage);
  }
  settings.max_steps = static_cast<size_t>(f.max_steps);
  if (!f.start.empty()) {
    auto start = schedule::parse_rate_per_s(f.start);
    if (!start) return report_error(start.error().within("capacity: --start"), kExitUsage);
    settings.start_per_s = *start;
  }
  auto config = base_config(f);
  if (!config) return report_error(config.error(), kExitUsage);
  settings.target = config->target_url;
  settings.max_connections = config->max_connections;
  settings.drain_ms = config->drain_ms < 0 ? config->timeout_ms : config->drain_ms;
  std::optional<capacity::Ladder> ladder;
  if (!f.ladder.empty()) {
    auto parsed = capacity::parse_ladder(f.ladder);
    if (!parsed) return report_error(parsed.error().within("capacity"), kExitUsage);
    ladder = std::move(parsed).value();
    if (!f.start.empty()) {
      return report_error(
          capacity_flag_error("--start is the search's; --ladder names its own rates"), kExitUsage);
    }
    if (config->shard_count > 1 && f.start_at.empty()) {
      return report_error(capacity_flag_error("--shard/--shards need --start-at, the same on every "
                                              "shard, so that their rungs line up"),
                          kExitUsage);
    }
    settings.ladder = ladder->text;
    settings.shard_index = config->shard_index;
    settings.shard_count = config->shard_count;
    settings.max_steps = ladder->steps;
    settings.slot_s = capacity::ladder_slot_s(settings.window, settings.drain_ms);
    // Rung 1 at --start-at, or at the next whole second but one.
    settings.start_at_unix_ms = config->start_at_unix_ms != 0 ? config->start_at_unix_ms
                                                              : (now_unix_ms() / 1000 + 2) * 1000;
    settings.start_per_s = ladder->from_per_s;
  } else if (!f.shard.empty() || f.shards != 0 || !f.start_at.empty()) {
    return report_error(
        capacity_flag_error("--shard, --shards and --start-at need --ladder: a search "
                            "cannot be sharded (each shard would choose its next step "
                            "from its own share)"),
        kExitUsage);
  }
  if (f.start.empty() && !ladder) {
    auto rate = capacity::trace_rate_per_s(f.trace_path);
    if (!rate) {
      return report_error(rate.error().within("capacity: opening trace '" + f.trace_path + "'"),
                          kExitUsage);
    }
    settings.start_per_s = *rate;
    settings.start_from_trace = true;
  }
  capacity::SearchOptions options{settings.start_per_s, settings.precision, settings.growth,
                                  settings.max_steps};
  if (auto why = capacity::check_search_options(options); why && !ladder) {
    return report_error(capacity_flag_error(std::string(*why)), kExitUsage);
  }

  capacity::CapacityReport report;
  report.replay_version = REPLAY_VERSION;
  report.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  report.settings = settings;
  const bool live = !f.quiet && isatty(STDERR_FILENO);
  if (!f.quiet && ladder) {
    std::printf(
        "capacity ladder of %s with %s: %zu rungs %s..%s, steps of %llds after a %llds warm-up, "
        "one every %llds from %s%s\n",
        settings.target.c_str(), settings.trace.c_str(), ladder->steps,
        per_s_text(ladder->from_per_s).c_str(), per_s_text(ladder->to_per_s).c_str(),
        static_cast<long long>(settings.window.step_s),
        static_cast<long long>(settings.window.warmup_s), static_cast<long long>(settings.slot_s),
        utc_text(settings.start_at_unix_ms).c_str(),
        settings.shard_count > 1 ? (", as shard " + std::to_string(settings.shard_index) + "/" +
                                    std::to_string(settings.shard_count) + " at 1/" +
                                    std::to_string(settings.shard_count) + " of each rung")
                                       .c_str()
                                 : "");
    std::fputs(capacity::format_step_header().c_str(), stdout);
    std::fflush(stdout);
  } else if (!f.quiet) {
    std::printf(
        "capacity of %s with %s: start %.1f/s (%s), steps of %llds after a %llds warm-up, "
        "precision %g%%\n",
        settings.target.c_str(), settings.trace.c_str(), settings.start_per_s,
        settings.start_from_trace ? "the trace's own rate" : "--start",
        static_cast<long long>(settings.window.step_s),
        static_cast<long long>(settings.window.warmup_s), settings.precision * 100);
    std::fputs(capacity::format_step_header().c_str(), stdout);
    std::fflush(stdout);
  }
  int exit_code = kExitOk;
  if (ladder) {
    // Fixed rungs in lockstep: rung k starts at start + k * slot on every shard, whatever the
    // rungs before it did on this one.
    const auto rates = capacity::ladder_rates(*ladder);
    const double share = 1.0 / static_cast<double>(config->shard_count);
    for (size_t k = 0; k < rates.size() && !g_capacity_interrupted.load(); ++k) {
      engine::RunConfig c = *config;
      c.start_at_unix_ms =
          settings.start_at_unix_ms + static_cast<int64_t>(k) * settings.slot_s * 1000;
      const int64_t late_ms = now_unix_ms() - c.start_at_unix_ms;
      if (late_ms > 1000) {
        report.warnings.push_back("rung " + std::to_string(k + 1) + " started " +
                                  std::to_string(late_ms / 1000) +
                                  " s after its slot: out of lockstep with the other shards "
                                  "(the rung before it outran --drain)");
      }
      auto run = run_step(c, rates[k], rates[k] * share, settings.window, slos,
                          "rung " + std::to_string(k + 1) + "/" + std::to_string(rates.size()),
                          live, exit_code);
      if (!run) return report_error(run.error(), exit_code);
      run->step.number = k + 1;
      if (!f.quiet) {
        std::fputs(capacity::format_step_line(run->step).c_str(), stdout);
        std::fflush(stdout);
      }
      report.steps.push_back(std::move(run->step));
      report.step_results.push_back(std::move(run->doc));
    }
    capacity::finish_ladder_report(report);
    if (settings.shard_count > 1) {
      report.why = "shard " + std::to_string(settings.shard_index) + "/" +
                   std::to_string(settings.shard_count) +
                   " alone, on its share of each rung (replay merge the shards' --out files for "
                   "the ladder's capacity): " +
                   report.why;
    }
  } else {
    capacity::CapacitySearch search(options);
    while (auto rate = search.next_rate()) {
      engine::RunConfig c = *config;
      const size_t number = report.steps.size() + 1;
      auto run = run_step(c, *rate, *rate, settings.window, slos, "step " + std::to_string(number),
                          live, exit_code);
      if (!run) return report_error(run.error(), exit_code);
      run->step.number = number;
      if (!f.quiet) {
        std::fputs(capacity::format_step_line(run->step).c_str(), stdout);
        std::fflush(stdout);
      }
      const bool interrupted = run->step.reason == capacity::StepReason::interrupted;
      if (interrupted) {
        search.stop();
      } else {
        search.record(*rate, run->step.result());
      }
      report.steps.push_back(std::move(run->step));
      if (interrupted) break;
    }
    report.interrupted = search.end() == capacity::SearchEnd::stopped;
    capacity::finish_report(report, search);
  }
  for (const auto& w : report.warnings) {
    if (!f.quiet) std::printf("warning: %s\n", w.c_str());
  }
  if (!f.quiet) std::fputs(capacity::format_verdict(report).c_str(), stdout);
  auto save = [&](const std::string& path, const std::string& text, const char* flag,
                  const char* label) {
    if (path.empty()) return true;
    if (auto w = results::write_text_file(path, text, flag); !w) {
      report_error(w.error().within("capacity"), kExitRunFailed);
      return false;
    }
    if (!f.quiet) std::printf("  %-10s %s\n", label, path.c_str());
    return true;
  };
  if (!save(f.out_path, capacity::format_capacity_json(report), "--out", "result") ||
      !save(f.html_path, capacity::render_capacity_html(report), "--html", "html")) {
    return kExitRunFailed;
  }
  std::fflush(stdout);
  if (report.interrupted) {
    return g_capacity_signal.load() == SIGTERM ? kExitTerminated : kExitInterrupted;
  }
  return report.capacity_per_s() ? kExitOk : kExitRunFailed;
}

}  // namespace

Command add_capacity_command(CLI::App& app) {
  auto f = std::make_shared<CapacityFlags>();
  auto* sub = app.add_subcommand(
      "capacity", "Find the highest rate the trace's mix sustains within SLOs (open-loop steps)");
  sub->add_option("trace", f->trace_path, "Trace file (.zst); its records are looped")->required();
  sub->add_option("--target", f->target_url,
                  "Base URL to send to, e.g. http://127.0.0.1:8000 (default: the trace's)");
  sub->add_option("--slo", f->slos,
                  "An SLO every passing step must hold, as --threshold: p99<200ms, errors<1%, "
                  "chat:p99<2s (repeatable; at least one)");
  sub->add_option("--start", f->start,
                  "The first step's rate, e.g. 50/s (default: the trace's own rate, records per "
                  "second of its span)");
  sub->add_option("--step", f->step, "How long each step is judged, whole seconds");
  sub->add_option("--warmup", f->warmup,
                  "Load before each step's judged window, left out of its figures (whole "
                  "seconds, 0s or more)");
  sub->add_option("--precision", f->precision,
                  "Stop when (lowest failing - highest passing) / highest passing is at most this");
  sub->add_option("--max-steps", f->max_steps, "Steps at most (1 or more)");
  sub->add_option(
      "--threads", f->threads,
      "Worker threads, 1 to " + std::to_string(max_threads()) + " (default: one per core)");
  sub->add_option("--max-connections", f->max_connections,
                  "Connections at most, over all threads; a step whose requests wait for one "
                  "is client-limited, not a capacity");
  sub->add_option("--timeout", f->timeout, "Per-request timeout from send, 1ms or more");
  sub->add_option("--drain", f->drain,
                  "After each step's load, how long requests in flight may still complete "
                  "before the next step (default: --timeout); later ones count as abandoned");
  sub->add_option("-H,--header", f->headers, "Add or override a header: 'Name: value'");
  sub->add_flag("--insecure", f->insecure, "Skip TLS certificate verification");
  sub->add_option("--cacert", f->cacert, "Trust this CA file for TLS");
  sub->add_option("-o,--out", f->out_path,
                  "Write the search (format replay-capacity, docs/capacity.md) here as JSON");
  sub->add_option("--html", f->html_path,
                  "Write an HTML page with the steps' latency against rate here");
  sub->add_flag("-q,--quiet", f->quiet, "No step lines, no verdict (use with --out or --html)");
  sub->add_option("--ladder", f->ladder,
                  "Run fixed rungs instead of searching: FROM..TO:STEPS, e.g. 100/s..2000/s:12 "
                  "(equal ratios), each --warmup + --step long, one every warm-up + step + "
                  "drain + 2s; with --shard every shard runs its share of each rung in lockstep "
                  "and replay merge judges the merged rungs");
  sub->add_option("--shard", f->shard,
                  "With --ladder: run shard i/N (0-based) of every rung, 1/N of its arrivals");
  sub->add_option("--shards", f->shards,
                  "With --ladder: N shards, i from JOB_COMPLETION_INDEX (Kubernetes indexed jobs)");
  sub->add_option("--start-at", f->start_at,
                  "With --ladder: rung 1 at this UTC time (2026-12-02T10:00:00Z), the same on "
                  "every shard (default: 2 s from now; required with --shard/--shards)");
  return {sub, [f] { return run_capacity(*f); }};
}

}  // namespace replay::cli
