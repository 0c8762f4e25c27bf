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
#include <memory>

#include "command.hpp"
#include "exit_codes.hpp"
#include "not_a_trace.hpp"
#include "replay/capacity/capacity_report.hpp"
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
};

Error flag_error(std::string text) {
  return make_error(Errc::invalid_argument, "capacity: " + std::move(text));
}

// A whole number of seconds, at least `min_s`: the timeline's rows are seconds.
Result<int64_t> parse_seconds(const char* flag, const std::string& text, int64_t min_s) {
  auto us = parse_duration_us(text);
  if (!us) return us.error().within(std::string("capacity: ") + flag);
  if (*us % 1'000'000 != 0 || *us / 1'000'000 < min_s) {
    return flag_error(std::string(flag) + " '" + text + "': whole seconds, " +
                      std::to_string(min_s) + "s or more (the judged window is whole seconds)");
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
    return flag_error("--precision '" + text + "': a percentage like 5% (or a ratio like 0.05)");
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
  if (auto checked = check_run_flags(run); !checked) return checked.error().within("capacity");
  if (auto resolved = resolve_run_flags(run); !resolved) {
    return resolved.error().within("capacity");
  }
  engine::RunConfig c = run.config;
  c.arrival = schedule::Arrival::constant;
  c.loop = true;
  return c;
}

void print_live(size_t step, double rate, const engine::Progress& p) {
  std::fprintf(stderr, "\r\033[K  step %zu at %.1f/s: %5.1fs  achieved %7.1f/s  p99 %9s", step,
               rate, p.elapsed_s, p.completed_per_s, format_ms(p.p99_us).c_str());
  std::fflush(stderr);
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
    return report_error(flag_error("--slo is required, e.g. --slo 'p99<200ms'"), kExitUsage);
  }
  std::vector<results::Threshold> slos;
  for (const auto& text : f.slos) {
    auto t = results::parse_threshold(text);
    if (!t) return report_error(t.error().within("capacity: --slo"), kExitUsage);
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
        flag_error("--max-steps must be 1 or more, got " + std::to_string(f.max_steps)),
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
  if (f.start.empty()) {
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
  if (auto why = capacity::check_search_options(options)) {
    return report_error(flag_error(std::string(*why)), kExitUsage);
  }

  capacity::CapacityReport report;
  report.replay_version = REPLAY_VERSION;
  report.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  report.settings = settings;
  const bool live = !f.quiet && isatty(STDERR_FILENO);
  if (!f.quiet) {
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
  capacity::CapacitySearch search(options);
  while (auto rate = search.next_rate()) {
    engine::RunConfig c = *config;
    c.rate = schedule::RateSchedule{{schedule::Stage{*rate, *rate, schedule::kOpenEnded}}};
    c.duration_us = (settings.window.warmup_s + settings.window.step_s) * 1'000'000;
    const size_t number = report.steps.size() + 1;
    auto progress = [&](const engine::Progress& p) {
      if (!p.last) print_live(number, *rate, p);  // the last call repeats the end
    };
    auto result = engine::run_replay(
        c, live ? std::function<void(const engine::Progress&)>(progress) : nullptr,
        g_capacity_interrupted);
    if (live) std::fprintf(stderr, "\r\033[K");
    if (!result) {
      const Errc code = result.error().code;
      return report_error(result.error().within("capacity: step " + std::to_string(number)),
                          code == Errc::invalid_argument || code == Errc::not_found ||
                                  code == Errc::corrupt || code == Errc::unsupported
                              ? kExitUsage
                              : kExitRunFailed);
    }
    const engine::RunResult& outcome = result.value();
    if (!outcome.interrupted && outcome.overall.completed == 0 && outcome.connections_opened == 0) {
      return report_error(
          flag_error("step " + std::to_string(number) + " at " + std::to_string(*rate) +
                     "/s: no request got a response and no connection opened: is the target up?"),
          kExitRunFailed);
    }
    report::RunReport run{c, "", std::move(result).value(), {}};
    const results::ResultDoc doc = report::to_result_doc(run);
    auto step = capacity::judge_step(doc, *rate, settings.window, slos);
    if (!step) return report_error(step.error().within("capacity"), kExitUsage);
    step->number = number;
    if (!f.quiet) {
      std::fputs(capacity::format_step_line(*step).c_str(), stdout);
      std::fflush(stdout);
    }
    const bool interrupted = step->reason == capacity::StepReason::interrupted;
    if (interrupted) {
      search.stop();
    } else {
      search.record(*rate, step->result());
    }
    report.steps.push_back(std::move(step).value());
    if (interrupted) break;
  }
  report.interrupted = search.end() == capacity::SearchEnd::stopped;
  capacity::finish_report(report, search);
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
  return {sub, [f] { return run_capacity(*f); }};
}

}  // namespace replay::cli
