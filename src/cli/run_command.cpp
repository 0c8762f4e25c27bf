// `replay run TRACE --target URL --rate R`: open-loop replay with the terminal summary,
// result.json, .hgrm files, thresholds and the live view on a TTY.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "abort_rules.hpp"
#include "command.hpp"
#include "exit_codes.hpp"
#include "live_view.hpp"
#include "not_a_trace.hpp"
#include "replay/core/units.hpp"
#include "replay/engine/engine.hpp"
#include "replay/report/result_views.hpp"
#include "replay/report/run_report.hpp"
#include "replay/results/hlog_export.hpp"
#include "replay/results/html_report.hpp"
#include "replay/results/result_writer.hpp"
#include "replay/results/threshold.hpp"
#include "run_flags.hpp"

namespace replay::cli {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};  // the signal that interrupted the run

std::atomic<bool> g_live_line{false};  // a status line may be on stderr

void on_interrupt(int signal_number) {
  g_signal.store(signal_number);
  g_interrupted.store(true);
  // Ctrl-C clears the status line at once (write is async-signal-safe; the view draws no more).
  if (g_live_line.load()) {
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, "\r\033[K", 4);
  }
  // A second Ctrl-C ends the process the ordinary way.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

int exit_code_for(const Error& e) {
  switch (e.code) {
    case Errc::invalid_argument:
    case Errc::not_found:
    case Errc::corrupt:
    case Errc::unsupported:
      return kExitUsage;
    default:
      return kExitRunFailed;
  }
}

int run_run(RunFlags& f) {
  // First of all: a signal during start-up (trace checks, the receive-stamp probe) still ends
  // the run the graceful way, with its (empty) outputs written.
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  if (auto checked = check_run_flags(f); !checked) return report_error(checked.error(), kExitUsage);
  if (auto not_trace = not_a_trace_error(f.config.trace_path)) {
    return report_error(not_trace->within("run"), kExitUsage);
  }
  if (auto resolved = resolve_run_flags(f); !resolved)
    return report_error(resolved.error(), kExitUsage);
  // A probe threshold must name one of the run's --probe names: a typo is caught now, not
  // as a FAIL after the load.
  std::vector<std::string> probe_names;
  for (const auto& probe : f.config.probes) probe_names.push_back(probe.name);
  std::vector<results::Threshold> thresholds;
  for (const auto& text : f.thresholds) {
    auto t = results::parse_threshold(text);
    if (!t) return report_error(t.error().within("--threshold"), kExitUsage);
    if (auto named = results::check_probe_named(t.value(), probe_names); !named) {
      return report_error(named.error().within("--threshold"), kExitUsage);
    }
    thresholds.push_back(t.value());
  }
  for (const auto& text : f.warnings) {
    auto t = results::parse_threshold(text);
    if (!t) return report_error(t.error().within("--warn"), kExitUsage);
    if (auto named = results::check_probe_named(t.value(), probe_names); !named) {
      return report_error(named.error().within("--warn"), kExitUsage);
    }
    t->warn = true;
    thresholds.push_back(t.value());
  }
  auto abort_rules = AbortRules::parse(f.abort_on);
  if (!abort_rules) return report_error(abort_rules.error(), kExitUsage);
  // A warning, not an error, as k6's --quiet and --no-summary never refuse to run: the run
  // still loads the target, and the user can stop it now.
  if (!keeps_results(f)) {
    std::fprintf(stderr,
                 "replay: warning: -q without --out, --html, --csv, --hgrm, --hlog or --threshold: "
                 "nothing of this run is kept\n");
  }
  // The plan goes to stdout before the load starts, TTY or not, as k6 prints its execution
  // plan; the summary then leaves it out, so stdout stays what `replay report` prints.
  const std::string shard = f.config.shard_count > 1 ? std::to_string(f.config.shard_index) + "/" +
                                                           std::to_string(f.config.shard_count)
                                                     : "";
  auto serving =
      LiveOutputs::start(f.live, f.config.trace_path + " → " + f.config.target_url, shard);
  if (!serving) return report_error(serving.error().within("run"), exit_code_for(serving.error()));
  std::unique_ptr<LiveOutputs> live_outputs = std::move(serving).value();
  // --abort-on judges the live counts too.
  f.config.live_counts = live_outputs != nullptr || !abort_rules->empty();
  const bool live = !f.quiet && isatty(STDERR_FILENO);
  g_live_line.store(live);
  LiveView view(
      [&](const engine::Progress& first) {
        report::RunReport plan;
        plan.config = f.config;
        plan.rate_text = f.rate;
        plan.users_text = f.users;
        plan.result.threads = first.threads;
        return report::format_summary_header(report::to_result_doc(plan));
      },
      f.quiet ? nullptr : stdout, live ? stderr : nullptr, STDERR_FILENO, g_interrupted);
  auto result = engine::run_replay(
      f.config,
      [&](const engine::Progress& p) {
        view.show(p);
        if (live_outputs) live_outputs->on_progress(p);
        // Stops the run as Ctrl-C does: what was measured is written.
        if (abort_rules->check(p)) g_interrupted.store(true);
      },
      g_interrupted);
  view.clear();
  g_live_line.store(false);
  if (!result) return report_error(result.error().within("run"), exit_code_for(result.error()));

  report::RunReport report;
  report.config = f.config;
  report.rate_text = f.rate;
  report.users_text = f.users;
  report.result = std::move(result).value();
  report.thresholds = std::move(thresholds);
  // One document for every output: the views `replay report` renders from --out are these.
  results::ResultDoc doc = report::to_result_doc(report);
  const auto& aborted = abort_rules->crossed();
  if (aborted) {
    doc.thresholds.push_back(*aborted);
    doc.warnings.push_back("stopped by --abort-on '" + aborted->expression +
                           "': " + aborted->observed);
  }
  const bool crossed = results::any_threshold_crossed(doc.thresholds);
  const bool warned = results::any_warning_crossed(doc.thresholds);
  doc.source = f.out_path;
  if (!f.quiet) std::fputs(view.after_header(report::format_summary(doc)).c_str(), stdout);
  // Writes one output file and names it under the summary (after a blank line, so the summary
  // is the output up to its first "\n\n  result " or the like); false (reported) when it fails.
  bool first_saved = true;
  auto save_note = [&](const char* label, const std::string& what) {
    if (f.quiet) return;
    std::printf("%s  %-10s %s\n", first_saved ? "\n" : "", label, what.c_str());
    first_saved = false;
  };
  auto save = [&](const std::string& path, const std::string& text, const char* flag,
                  const char* label) {
    if (auto w = results::write_text_file(path, text, flag); !w) {
      report_error(w.error(), kExitRunFailed);
      return false;
    }
    save_note(label, path);
    return true;
  };
  if (!f.out_path.empty() &&
      !save(f.out_path, results::format_result_doc(doc), "--out", "result")) {
    return kExitRunFailed;
  }
  if (!f.html_path.empty() &&
      !save(f.html_path, results::render_html_report(doc), "--html", "html")) {
    return kExitRunFailed;
  }
  if (!f.csv_path.empty() && !save(f.csv_path, report::format_timeline_csv(doc), "--csv", "csv")) {
    return kExitRunFailed;
  }
  if (!f.hgrm_dir.empty()) {
    auto files = report::write_hgrm_files(doc, f.hgrm_dir);
    if (!files) return report_error(files.error(), kExitRunFailed);
    save_note("hgrm", f.hgrm_dir + "/*.hgrm (" + std::to_string(files->size()) + " files)");
  }
  if (!f.hlog_path.empty()) {
    if (auto w = results::write_hlog_file(doc, f.hlog_path); !w) {
      return report_error(w.error(), kExitRunFailed);
    }
    save_note("hlog", f.hlog_path);
  }
  std::fflush(stdout);
  if (live_outputs) {
    // The dashboard ends on the same report as --html; the last scrapes see the final totals.
    if (!f.quiet && live_outputs->linger_us() > 0 && !g_interrupted.load()) {
      std::fprintf(stderr,
                   "replay: serving the final figures for %s more (--metrics-linger; "
                   "Ctrl-C ends it)\n",
                   format_duration_us(live_outputs->linger_us()).c_str());
    }
    live_outputs->finish(results::render_html_report(doc), g_interrupted);
  }
  // Exit 2 (a resource limit stopped the run, or no request got a response) wins over an
  // interrupt and a threshold (README "Exit codes").
  const auto& outcome = report.result;
  if (outcome.resource_limit) {
    std::fprintf(stderr, "replay: run: %s\n", outcome.warnings.back().c_str());
    return kExitRunFailed;
  }
  if (!outcome.interrupted && outcome.overall.offered > 0 && outcome.overall.completed == 0) {
    std::fprintf(stderr,
                 "replay: run: no request got a response (%llu offered, %llu failed, "
                 "%llu connections opened, %llu attempts failed): is the target up?\n",
                 static_cast<unsigned long long>(outcome.overall.offered),
                 static_cast<unsigned long long>(outcome.overall.failed()),
                 static_cast<unsigned long long>(outcome.connections_opened),
                 static_cast<unsigned long long>(outcome.connections_failed));
    return kExitRunFailed;
  }
  // A run --abort-on stopped is a threshold crossed (k6's abortOnFail), not an interrupt.
  if (report.result.interrupted && !aborted) {
    return g_signal.load() == SIGTERM ? kExitTerminated : kExitInterrupted;
  }
  if (crossed) return kExitThreshold;
  if (warned) return kExitWarning;
  return kExitOk;
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto f = std::make_shared<RunFlags>();
  auto* sub = app.add_subcommand("run", "Replay a trace open-loop against a target and measure it");
  sub->add_option("trace", f->config.trace_path, "Trace file (.zst)")->required();
  sub->add_option("--target", f->config.target_url,
                  "Base URL to send to, e.g. http://127.0.0.1:8000 (default: the trace's)");
  sub->add_option("--rate", f->rate,
                  "Arrival rate or stages: 200/s, 12000/m, '10/s:1m, 10/s->200/s:30s, 200/s:5m' "
                  "(default: the trace's recorded timing)");
  sub->add_option("--users", f->users,
                  "Closed-loop users instead of a rate (as k6 VUs, Locust users): 50, or stages "
                  "'1:10s, 1->200:30s, 200->10:1m'; each runs the trace's sessions in turn, a step "
                  "one think time after the last response");
  sub->add_option("--spawn-rate", f->spawn_rate,
                  "Users started per second with --users N (default: all at once)");
  sub->add_option("--think", f->think,
                  "With --users: a pause before each of a user's sessions after its first, e.g. "
                  "2s or 1s..3s (Locust's wait_time)");
  sub->add_option("--arrival", f->arrival,
                  "constant | poisson | recorded (default: constant with --rate, else recorded)");
  auto* speed = sub->add_option("--speed", f->speed,
                                "Speed factor for recorded timing, e.g. 2x (not with --rate)");
  sub->add_option("--duration", f->duration, "Stop offering load after this long, e.g. 10m");
  sub->add_flag("--loop", f->config.loop, "Start the trace again when it ends");
  sub->add_option("--threads", f->threads,
                  "Worker threads, 1 to " + std::to_string(max_threads()) +
                      " (4 per core; default: one per core)");
  sub->add_option("--max-connections", f->max_connections,
                  "Connections at most (1 or more), over all threads; past it requests wait in "
                  "a backlog");
  sub->add_option("--http", f->config.http,
                  "HTTP version: auto (h2 when an https server chooses it by ALPN, else "
                  "HTTP/1.1), 1.1, or 2 (h2 over TLS, h2c with prior knowledge on http)");
  sub->add_flag("--http2", f->http2, "Same as --http 2");
  sub->add_option("--max-streams", f->max_streams,
                  "HTTP/2: requests open at once per connection, at most (1 or more; the "
                  "server's SETTINGS_MAX_CONCURRENT_STREAMS may lower it; default 100)");
  sub->add_option("--timeout", f->timeout, "Per-request timeout from send, 1ms or more");
  sub->add_option("--connect-timeout", f->connect_timeout, "Connect timeout, 1ms or more");
  sub->add_option("--drain", f->drain,
                  "After the offered load ends, how long requests in flight may still "
                  "complete before they count as abandoned, e.g. 5s (default: --timeout)");
  sub->add_option("--start-at", f->start_at,
                  "Start second 0 at this UTC time, e.g. 2026-12-02T10:00:00Z, so that the "
                  "shards of a run start together");
  sub->add_option("--only", f->only, "Replay only these tags (repeat or comma-separate)");
  sub->add_option("--skip", f->skip, "Leave out these tags (repeat or comma-separate)");
  sub->add_option("-H,--header", f->headers, "Add or override a header: 'Name: value'");
  sub->add_option("--warn", f->warnings,
                  "A warning band, as --threshold: crossing it prints WARN and exits 3 (when no "
                  "--threshold was crossed), e.g. --warn 'p95<300ms' beside --threshold "
                  "'p95<500ms'");
  sub->add_option("--threshold", f->thresholds,
                  "Fail with exit 99 unless it holds: p95<500ms, chat:p99<2s, errors<1%, "
                  "rate>190/s; a --probe: probe.queue.last==0, probe.queue.max<1000 (also min, "
                  "mean); saturated==false; LLM streams: chat:ttft.p95<3s, tpot.p50<50ms, "
                  "itl.p99<200ms, e2e.max<30s, goodput>95%");
  sub->add_option("--abort-on", f->abort_on,
                  "Stop the run early (exit 99) when this threshold is crossed, checked on the "
                  "live figures every second (k6's abortOnFail): p99<2s, max<10s, errors<5%, "
                  "errors<100");
  sub->add_option("--goodput", f->goodput,
                  "LLM goodput SLOs, e.g. 'ttft<500ms,tpot<50ms,e2e<10s' (also itl): a request "
                  "is good when its stream meets all; failed ones never are");
  sub->add_option("--stream-format", f->stream_format,
                  "How to read event streams' content: auto (per event), openai, anthropic, "
                  "generic (any non-empty data event)");
  sub->add_option("--stream-content", f->stream_content,
                  "generic/auto: the JSON pointer of an event's content, e.g. /delta/text");
  sub->add_option("--stream-tokens", f->stream_tokens,
                  "JSON pointer of an event's output token count when the stream has no "
                  "usage.completion_tokens, e.g. /meta/tokens (last one wins)");
  sub->add_option("-o,--out", f->out_path, "Write result.json here");
  sub->add_option("--hgrm", f->hgrm_dir, "Write HdrHistogram percentile files into this folder");
  sub->add_option("--hlog", f->hlog_path,
                  "Write the timeline here as an HdrHistogram interval log (.hlog): corrected "
                  "latency untagged, service time Tag=service, microseconds (as replay report "
                  "--hlog)");
  sub->add_option("--html", f->html_path,
                  "Write a self-contained HTML report (inline SVG charts) here");
  sub->add_option("--csv", f->csv_path,
                  "Write the per-second timeline (overall, per tag and with --endpoint-timeline "
                  "per endpoint) as CSV");
  sub->add_flag("--endpoint-timeline", f->config.endpoint_timeline,
                "Also keep the per-second timeline of each endpoint (its first 50): latency "
                "over time per endpoint in result.json, CSV and HTML");
  sub->add_option("--probe", f->probes,
                  "Sample a Prometheus gauge every second into the timeline: "
                  "NAME=http://host:port/metrics#metric (repeatable)");
  sub->add_option("--metrics-listen", f->live.metrics_listen,
                  "Serve live Prometheus metrics at http://ADDR/metrics during the run, e.g. "
                  "127.0.0.1:9464 (docs/metrics.md)");
  sub->add_option("--dashboard", f->live.dashboard,
                  "Serve a live web dashboard at http://ADDR/ during the run, e.g. "
                  "127.0.0.1:5665; it ends on the run's HTML report");
  sub->add_option("--metrics-linger", f->live.linger,
                  "Keep --metrics-listen and --dashboard up this long after the run, so that "
                  "the last scrape sees the final totals (default 5s; Ctrl-C cuts it short)");
  sub->add_option("--shard", f->shard,
                  "Run shard INDEX/COUNT (0-based): its share of the sessions and every COUNT-th "
                  "arrival, on the unsharded run's time origin");
  sub->add_option("--shards", f->shards,
                  "Shard count, with the index from JOB_COMPLETION_INDEX (Kubernetes Indexed "
                  "Job); not with --shard (0: not sharded)");
  sub->add_flag("--insecure", f->config.insecure,
                "Skip TLS certificate verification (not with --cacert)");
  sub->add_option("--cacert", f->config.cacert, "Trust this CA file for TLS");
  sub->add_flag("--no-tls-resume", f->no_tls_resume,
                "Full TLS handshake on every connection (default: resume the session the "
                "target gave an earlier one, as browsers do)");
  auto* seed = sub->add_option("--seed", f->config.seed, "Seed for --arrival poisson");
  sub->add_option("--jwt-secret", f->config.jwt_secret,
                  "Re-mint the trace's HS256 bearer tokens with this secret and a fresh exp, "
                  "keeping their claims (recorded tokens expire); synth's only if it minted "
                  "them with it. Without it, synth's tokens are re-minted when minted with "
                  "$DEV_JWT_SECRET, else the dev secret");
  sub->add_flag("--skip-bad", f->config.skip_bad, "Skip corrupt trace records instead of stopping");
  sub->add_flag("-q,--quiet", f->quiet,
                "No live view and no summary (use with --out, --html, --csv, --hgrm or --hlog)");
  return {sub, [f, speed, seed] {
            f->speed_given = speed->count() > 0;
            f->seed_given = seed->count() > 0;
            return run_run(*f);
          }};
}

}  // namespace replay::cli
