// `replay compare`, `replay merge` and `replay report` through the built binary, on results of
// real runs against agent-sim (20 ms, then 30 ms service latency), and the HTML pages checked in
// headless Chromium (which must be installed: tools/install-deps.sh --test installs it).

#include <doctest/doctest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>

#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::CommandResult;
using replay::testing::read_file;
using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::temp_path;
using replay::testing::TempDir;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kDemo = std::string(REPLAY_SOURCE_DIR) + "/traces/demo.zst";
const std::string kHealth = std::string(REPLAY_SOURCE_DIR) + "/traces/health.zst";

CommandResult replay_cli(std::vector<std::string> args, int timeout_ms = 60000) {
  args.insert(args.begin(), kReplay);
  return run_command(args, timeout_ms);
}

// A 4 s run at 200/s of the demo's webhook and analytics requests against a sim answering
// after `latency`; its result path (its HTML report is beside it, with ".html" added).
std::string run_against_sim(const std::string& latency, const std::string& name) {
  SimProcess sim({"--no-auth", "--latency", latency});
  REQUIRE(sim.started());
  const std::string out = temp_path(name);
  auto r = replay_cli({"run", kDemo, "--target", "http://127.0.0.1:" + std::to_string(sim.port()),
                       "--rate", "200/s", "--duration", "4s", "--loop", "--only",
                       "webhook,analytics", "--quiet", "--out", out, "--html", out + ".html"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return out;
}

// Results of the two runs, made once for all test cases.
const std::string& fast_result() {
  static const std::string path = run_against_sim("20ms", "fast.json");
  return path;
}
const std::string& slow_result() {
  static const std::string path = run_against_sim("30ms", "slow.json");
  return path;
}

bool one_line(const std::string& s) {
  return !s.empty() && s.back() == '\n' && std::count(s.begin(), s.end(), '\n') == 1;
}

std::string find_chromium() {
  for (const char* path :
       {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

// Runs headless Chromium on `html` with `extra` arguments; stdout and stderr.
CommandResult chromium(const std::string& binary, const std::string& html,
                       std::vector<std::string> extra) {
  const TempDir profile("replay-chromium");
  std::vector<std::string> args = {binary,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--no-first-run",
                                   "--enable-logging=stderr",
                                   "--v=0",
                                   "--user-data-dir=" + profile.path()};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back("file://" + html);
  return run_command(args, 90000);
}

// Line and band paths in a page's DOM (or one chart of it) whose "d" draws something: a move
// then a line or close.
size_t drawn_paths(const std::string& dom) {
  size_t n = 0;
  for (const char* kind : {"<path class=\"line\" d=\"M", "<path class=\"band\" d=\"M"}) {
    for (size_t at = dom.find(kind); at != std::string::npos; at = dom.find(kind, at + 1)) {
      const size_t start = at + std::string_view(kind).size();
      const std::string d = dom.substr(start, dom.find('"', start) - start);
      const bool numbers = !d.empty() && std::isdigit(static_cast<unsigned char>(d[0]));
      if (numbers && d.find_first_of("LZ") != std::string::npos) ++n;
    }
  }
  return n;
}

// Each <svg> element of `dom`, from its start tag to its end.
std::vector<std::string> charts_of(const std::string& dom) {
  std::vector<std::string> charts;
  for (size_t at = dom.find("<svg "); at != std::string::npos; at = dom.find("<svg ", at + 1)) {
    const size_t end = dom.find("</svg>", at);
    charts.push_back(dom.substr(at, end == std::string::npos ? end : end - at));
  }
  return charts;
}

// The id of a chart's <svg id="..."> start tag.
std::string chart_id(const std::string& chart) {
  const size_t at = chart.find("id=\"");
  return at == std::string::npos ? "" : chart.substr(at + 4, chart.find('"', at + 4) - at - 4);
}

// Chromium logs each console message (an error, an uncaught exception, a refused load) as a
// ":CONSOLE" line with --enable-logging=stderr; the pages have no script, so they log none.
bool has_console_message(const std::string& log) {
  return log.find(":CONSOLE") != std::string::npos || log.find("Uncaught") != std::string::npos ||
         log.find("Refused to") != std::string::npos;
}

void check_in_browser(const std::string& html, size_t min_charts, size_t min_paths) {
  const std::string binary = find_chromium();
  INFO("headless Chromium is needed: tools/install-deps.sh --test installs Debian's 'chromium'");
  REQUIRE_FALSE(binary.empty());
  const std::string png = html + ".png";
  auto shot = chromium(binary, html, {"--screenshot=" + png, "--window-size=1400,3000"});
  INFO(shot.err);
  CHECK(shot.exit_code == 0);
  struct stat st {};
  REQUIRE(stat(png.c_str(), &st) == 0);
  CHECK(st.st_size > 20000);  // a blank page is a few kilobytes
  MESSAGE("screenshot: " << png);
  auto dom = chromium(binary, html, {"--dump-dom"});
  CHECK(dom.exit_code == 0);
  const std::vector<std::string> charts = charts_of(dom.out);
  CHECK(charts.size() >= min_charts);
  CHECK(drawn_paths(dom.out) >= min_paths);
  // Every chart draws a series or a band: none is an empty frame.
  for (const auto& chart : charts) {
    INFO("chart " << chart_id(chart));
    CHECK(drawn_paths(chart) >= 1);
  }
  for (const auto* log : {&shot.err, &dom.err}) CHECK_FALSE(has_console_message(*log));
}

}  // namespace

TEST_CASE("a real run's result has send lag's parts, how it ended and its named verdicts") {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.load(fast_result()).get(doc) == simdjson::SUCCESS);
  simdjson::dom::element latency = doc["overall"]["latency_us"];
  const uint64_t completed = uint64_t(doc["overall"]["completed"]);
  CHECK(uint64_t(latency["send_lag"]["count"]) == completed);
  for (const char* part : {"scheduler_lag", "connection_wait", "connect"}) {
    INFO(part);
    CHECK(uint64_t(latency[part]["count"]) == completed);
    CHECK(std::string_view(latency[part]["hdr"]).substr(0, 5) == "hdr1:");
  }
  CHECK(int64_t(doc["drain_us"]) > 0);
  CHECK(int64_t(doc["trace_ended_at_us"]) == -1);  // --loop with --duration
  CHECK(simdjson::dom::array(doc["warnings"]).size() == 0);
  CHECK(uint64_t(doc["overall"]["failures"]["abandoned"]) == 0);
  simdjson::dom::element saturation = doc["saturation"];
  CHECK(saturation["generator_limited"].is_bool());
  CHECK(saturation["client_limited"].is_bool());
  CHECK(std::string_view(saturation["headline"]) == std::string_view(saturation["summary"]));
  CHECK(read_file(fast_result() + ".html").find("scheduler lag (replay late)") !=
        std::string::npos);

  // A trace that runs out before --duration ends: said in the summary, result.json and page.
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const std::string out = temp_path("ran-out.json");
  auto r =
      replay_cli({"run", kHealth, "--target", "http://127.0.0.1:" + std::to_string(sim.port()),
                  "--rate", "100/s", "--duration", "3s", "--out", out, "--html", out + ".html"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("\n  warning: the trace ran out ") != std::string::npos);
  CHECK(r.out.find("\n    scheduler ") != std::string::npos);
  CHECK(r.out.find("\n    conn wait ") != std::string::npos);
  CHECK(r.out.find("\n    connect ") != std::string::npos);
  simdjson::dom::parser again;
  simdjson::dom::element ran_out;
  REQUIRE(again.load(out).get(ran_out) == simdjson::SUCCESS);
  const int64_t ended_at = int64_t(ran_out["trace_ended_at_us"]);
  CHECK(ended_at > 0);
  CHECK(ended_at < 3'000'000);
  simdjson::dom::array warnings = ran_out["warnings"];
  REQUIRE(warnings.size() == 1);
  CHECK(std::string_view(*warnings.begin()).find("the trace ran out") == 0);
  const std::string html = read_file(out + ".html");
  CHECK(html.find("<div class=\"notice\"><b>Warning</b><ul>\n<li>the trace ran out") !=
        std::string::npos);
}

TEST_CASE("the summary names exact status codes and shows a sample of each error status") {
  // One webhook worker with room for 5 jobs: most webhooks are refused with 503 and a body.
  SimProcess sim({"--no-auth", "--workers", "1", "--service-time", "50ms", "--queue-size", "5"});
  REQUIRE(sim.started());
  const std::string out = temp_path("codes.json");
  auto r = replay_cli({"run", kDemo, "--target", "http://127.0.0.1:" + std::to_string(sim.port()),
                       "--rate", "100/s", "--duration", "2s", "--loop", "--only", "webhook",
                       "--out", out});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("\n  codes      202 ") != std::string::npos);
  CHECK(r.out.find("   503 ") != std::string::npos);
  CHECK(r.out.find("\n    status 503       ") != std::string::npos);
  CHECK(r.out.find("\n      e.g. at ") != std::string::npos);
  CHECK(r.out.find("Webhook queue is full") != std::string::npos);
  // The saved result prints the same lines.
  auto again = replay_cli({"report", out});
  CHECK(again.out.find("Webhook queue is full") != std::string::npos);
}

TEST_CASE("compare exits 99 when a --fail-on rule is crossed, 0 otherwise") {
  const std::string before = fast_result(), after = slow_result();
  auto crossed =
      replay_cli({"compare", before, after, "--fail-on", "p50>+10%", "--fail-on", "errors>+0.5pp"});
  INFO(crossed.err);
  CHECK(crossed.exit_code == 99);
  CHECK(crossed.out.find("verdict  REGRESSION: 1 of 2 --fail-on checks crossed: p50>+10%") !=
        std::string::npos);
  CHECK(crossed.out.find("POST /webhooks/servicedesk/{id}") != std::string::npos);

  auto scoped = replay_cli(
      {"compare", "--before", before, "--after", after, "--fail-on", "webhook:p50>+10%"});
  CHECK(scoped.exit_code == 99);

  // Within the tolerance the verdict still says what got worse, and the exit stays 0.
  auto lenient = replay_cli({"compare", before, after, "--fail-on", "p50>+100%"});
  INFO(lenient.out);
  CHECK(lenient.exit_code == 0);
  CHECK(lenient.out.find("verdict  WORSE: ") != std::string::npos);
  // The endpoint is named with its p50 or p99, whichever the verdict found worse: a run's
  // p99 of 800 requests moves with a few late ones (on a busy machine, replay's own start).
  CHECK((lenient.out.find(" POST /webhooks/servicedesk/{id} p50 +") != std::string::npos ||
         lenient.out.find(" POST /webhooks/servicedesk/{id} p99 +") != std::string::npos));
  CHECK(lenient.out.find("; overall p50 +") != std::string::npos);
  CHECK(lenient.out.find("; no --fail-on rule crossed (1 checked)\n") != std::string::npos);

  // A rule without a scope is checked on every endpoint too.
  auto everywhere = replay_cli({"compare", before, after, "--fail-on", "p50>+10%"});
  CHECK(everywhere.exit_code == 99);
  CHECK(everywhere.out.find("  CROSSED  p50>+10%  GET /api/v1/analytics/agents") !=
        std::string::npos);

  auto same =
      replay_cli({"compare", before, before, "--fail-on", "p99>+1%", "--fail-on", "rate<-1%"});
  CHECK(same.exit_code == 0);
  CHECK(same.out.find("no significant change overall") != std::string::npos);

  // Improvements do not cross a '>' rule; pooling the same run twice per side changes nothing.
  auto better = replay_cli(
      {"compare", "--before", after, after, "--after", before, before, "--fail-on", "p50>+10%"});
  CHECK(better.exit_code == 0);
  CHECK(better.out.find("(2 runs,") != std::string::npos);
  CHECK(better.out.find("p50 -") != std::string::npos);
}

TEST_CASE("compare warns when the runs' configurations differ") {
  std::string text = read_file(fast_result());
  const auto rate = text.find("\"200/s\"");
  REQUIRE(rate != std::string::npos);
  text.replace(rate, 7, "\"100/s\"");
  const std::string other = temp_path("other-rate.json");
  std::ofstream(other) << text;
  auto warned = replay_cli({"compare", fast_result(), other});
  INFO(warned.err);
  CHECK(warned.exit_code == 0);
  CHECK(warned.out.find("\nwarning: the runs differ in config.rate: 200/s before, 100/s after\n") !=
        std::string::npos);
  CHECK(warned.out.find("; warning: the configurations differ in rate\n") != std::string::npos);
  auto json = replay_cli({"compare", fast_result(), other, "--format", "json"});
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(json.out).get(doc) == simdjson::SUCCESS);
  simdjson::dom::array mismatch = doc["config_mismatch"];
  REQUIRE(mismatch.size() == 1);
  CHECK(std::string_view((*mismatch.begin())["key"]) == "rate");
  CHECK(std::string_view((*mismatch.begin())["after"]) == "100/s");
  auto same = replay_cli({"compare", fast_result(), fast_result()});
  CHECK(same.out.find("warning") == std::string::npos);
}

TEST_CASE("compare: usage and input errors are one line with exit 1") {
  auto bad_rule = replay_cli({"compare", fast_result(), slow_result(), "--fail-on", "p99>fast"});
  CHECK(bad_rule.exit_code == 1);
  CHECK(one_line(bad_rule.err));
  CHECK(bad_rule.err.find("--fail-on: fail-on 'p99>fast'") != std::string::npos);

  auto missing = replay_cli({"compare", fast_result(), "/nonexistent/after.json"});
  CHECK(missing.exit_code == 1);
  CHECK(one_line(missing.err));
  CHECK(missing.err.find("after: '/nonexistent/after.json'") != std::string::npos);

  const std::string trace_json = temp_path("not-a-result.json");
  std::ofstream(trace_json) << R"({"format":"replay-trace","version":1})";
  auto wrong = replay_cli({"compare", trace_json, fast_result()});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find("not-a-result.json: not a replay result") != std::string::npos);

  auto three = replay_cli({"compare", fast_result(), slow_result(), fast_result()});
  CHECK(three.exit_code == 1);
  CHECK(three.err.find("expected two results") != std::string::npos);

  auto unknown_scope =
      replay_cli({"compare", fast_result(), slow_result(), "--fail-on", "nope:p99>+1%"});
  CHECK(unknown_scope.exit_code == 1);
  CHECK(unknown_scope.err.find("no tag or endpoint 'nope'") != std::string::npos);
}

TEST_CASE("compare --format markdown has the verdict, tables and notes; json parses") {
  auto md = replay_cli(
      {"compare", fast_result(), slow_result(), "--format", "markdown", "--fail-on", "p50>+10%"});
  CHECK(md.exit_code == 99);
  CHECK(md.out.find("### ❌ replay compare: regression") == 0);
  CHECK(md.out.find("**Verdict:** REGRESSION") != std::string::npos);
  CHECK(md.out.find(
            "| metric | before | after | change | relative | 99% interval | significance |") !=
        std::string::npos);
  CHECK(md.out.find("| p50 | ") != std::string::npos);
  CHECK(md.out.find("#### Endpoints") != std::string::npos);
  CHECK(md.out.find("| POST /webhooks/servicedesk/{id} | ") != std::string::npos);
  CHECK(md.out.find("<details><summary>GET /api/v1/analytics/agents") != std::string::npos);
  CHECK(md.out.find("#### Notes on significance") != std::string::npos);

  auto json = replay_cli({"compare", fast_result(), slow_result(), "--format", "json"});
  CHECK(json.exit_code == 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(json.out).get(doc) == simdjson::SUCCESS);
  CHECK(bool(doc["regressed"]) == false);
  simdjson::dom::array metrics = doc["overall"]["metrics"];
  simdjson::dom::element p50 = *metrics.begin();
  CHECK(std::string_view(p50["name"]) == "p50");
  CHECK(std::string_view(p50["direction"]) == "worse");
  CHECK(double(p50["relative"]) > 0.3);
  CHECK(double(p50["p_value"]) < 0.01);
  CHECK(double(doc["overall"]["distribution"]["superiority"]) > 0.9);
}

TEST_CASE("merge adds results exactly and refuses results of different runs") {
  const std::string all = temp_path("all.json");
  auto twice = replay_cli({"merge", fast_result(), fast_result(), "-o", all});
  INFO(twice.err);
  REQUIRE(twice.exit_code == 0);
  CHECK(twice.out.find("merged     2 results: ") == 0);
  simdjson::dom::parser p1, p2;
  simdjson::dom::element one, merged;
  REQUIRE(p1.load(fast_result()).get(one) == simdjson::SUCCESS);
  REQUIRE(p2.load(all).get(merged) == simdjson::SUCCESS);
  CHECK(uint64_t(merged["overall"]["completed"]) == 2 * uint64_t(one["overall"]["completed"]));
  CHECK(uint64_t(merged["overall"]["latency_us"]["corrected"]["p99"]) ==
        uint64_t(one["overall"]["latency_us"]["corrected"]["p99"]));
  CHECK(uint64_t(merged["config"]["threads"]) == 2 * uint64_t(one["config"]["threads"]));

  // One result merged gives itself back; the merged file reads back in compare.
  const std::string self = temp_path("self.json");
  REQUIRE(replay_cli({"merge", fast_result(), "-o", self}).exit_code == 0);
  CHECK(replay_cli({"compare", fast_result(), self, "--fail-on", "p50>+0.1%"}).exit_code == 0);

  auto different = replay_cli({"merge", fast_result(), slow_result(), "-o", temp_path("bad.json")});
  CHECK(different.exit_code == 1);
  CHECK(one_line(different.err));
  CHECK(different.err.find("are not shards of one run: config.target differs") !=
        std::string::npos);
}

TEST_CASE("report and compare write self-contained HTML that renders in Chromium") {
  const std::string report = temp_path("report.html");
  auto r = replay_cli({"report", slow_result(), "--html", report});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string html = read_file(report);
  CHECK(html.find("<!DOCTYPE html>") == 0);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("POST /webhooks/servicedesk/{id}") != std::string::npos);
  // Self-contained: nothing is fetched.
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  // Latency of each tag on its own chart, responses by exact code, the codes table, connect.
  CHECK(html.find("<svg id=\"latency-tag-0\"") != std::string::npos);
  CHECK(html.find("<svg id=\"latency-tag-1\"") != std::string::npos);
  CHECK(html.find("<svg id=\"status\"") != std::string::npos);
  CHECK(html.find("<h2>Status codes</h2>") != std::string::npos);
  CHECK(html.find("<h2>Connections</h2>") != std::string::npos);
  CHECK(html.find("duration_us") == std::string::npos);
  check_in_browser(report, 8, 16);
  // `run --html` draws the very page `report` draws from the result it wrote.
  CHECK(read_file(slow_result() + ".html") == html);

  const std::string compare = temp_path("compare.html");
  auto c = replay_cli({"compare", fast_result(), slow_result(), "--html", compare});
  REQUIRE(c.exit_code == 0);
  CHECK(read_file(compare).find("replay compare") != std::string::npos);
  check_in_browser(compare, 8, 18);

  // The console check can fail: a page that logs an error is caught.
  const std::string noisy = temp_path("noisy.html");
  {
    std::ofstream out(noisy);
    out << "<!DOCTYPE html><p>x</p><script>console.error('boom'); missing_fn();</script>\n";
  }
  auto logged = chromium(find_chromium(), noisy, {"--dump-dom"});
  CHECK(has_console_message(logged.err));

  auto missing = replay_cli({"report", "/nonexistent.json", "--html", temp_path("x.html")});
  CHECK(missing.exit_code == 1);
  auto unwritable = replay_cli({"report", slow_result(), "--html", "/nonexistent/dir/x.html"});
  CHECK(unwritable.exit_code == 2);
  CHECK(unwritable.err.find("--html '/nonexistent/dir/x.html'") != std::string::npos);
}
