// replay run --dashboard in headless Chromium (tools/install-deps.sh --test installs it),
// driven over the DevTools protocol: while the run goes on, the open page's count of SSE
// events, its charts' seconds and its rate line grow; when the run ends the page loads the
// report by itself, and its sections and DOM are those of the --html file; no console message
// or exception at any time.

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "cdp_browser.hpp"
#include "child_process.hpp"
#include "file_io.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using namespace replay::testing;

namespace {

const std::string kDemo = std::string(REPLAY_SOURCE_DIR) + "/traces/demo.zst";

std::string find_chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

long number(const std::optional<std::string>& s) {
  return s ? std::atol(s->c_str()) : -1;
}

using Clock = std::chrono::steady_clock;

// Evaluates `expression` until it gives `want` or `timeout_ms` passes; the last value.
std::string eval_until(CdpBrowser& browser, const std::string& expression, const std::string& want,
                       int timeout_ms) {
  const auto until = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string last;
  while (Clock::now() < until) {
    last = browser.eval(expression).value_or("");
    if (last == want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return last;
}

constexpr const char* kEvents = "document.body.getAttribute('data-events')";
constexpr const char* kSeconds =
    "document.getElementById('live-figures').getAttribute('data-seconds')";
constexpr const char* kRateLine =
    "document.querySelector('#live section:nth-of-type(2) path.line').getAttribute('d').length";
constexpr const char* kHeadings =
    "Array.from(document.querySelectorAll('h2')).map(h => h.textContent).join('|')";

}  // namespace

TEST_CASE("--dashboard in headless Chromium: series grow during the run, then the report") {
  INFO("headless Chromium is needed: tools/install-deps.sh --test installs Debian's 'chromium'");
  REQUIRE_FALSE(find_chromium().empty());
  SimProcess sim({"--no-auth", "--latency", "20ms"});
  REQUIRE(sim.started());
  const TempDir dir("replay-dashboard");
  // The browser starts before the run: a cold Chromium on a busy machine can take seconds,
  // which the run's 8 s must not spend.
  CdpBrowser browser(find_chromium(), dir.path());
  REQUIRE(browser.started());
  const uint16_t port = pick_free_port();
  const std::string page = "http://127.0.0.1:" + std::to_string(port) + "/";
  ChildProcess replay({REPLAY_PATH,
                       "run",
                       kDemo,
                       "--target",
                       "http://127.0.0.1:" + std::to_string(sim.port()),
                       "--only",
                       "webhook,analytics",
                       "--loop",
                       "--rate",
                       "100/s",
                       "--duration",
                       "8s",
                       "--dashboard",
                       "127.0.0.1:" + std::to_string(port),
                       "--metrics-linger",
                       "20s",
                       "--quiet",
                       "--out",
                       dir.file("r.json"),
                       "--html",
                       dir.file("r.html")});
  REQUIRE(replay.started());
  REQUIRE(wait_for_port(port, 10000));

  const bool opened = browser.open(page, 60000);
  INFO("chromium.log: " << replay::testing::read_file(dir.path() + "/chromium.log"));
  REQUIRE(opened);
  // The page follows the run: its first event, then more, with more seconds drawn.
  const auto first_by = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < first_by && number(browser.eval(kEvents)) < 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const long events_1 = number(browser.eval(kEvents));
  const long seconds_1 = number(browser.eval(kSeconds));
  const long line_1 = number(browser.eval(kRateLine));
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  const long events_2 = number(browser.eval(kEvents));
  const long seconds_2 = number(browser.eval(kSeconds));
  const long line_2 = number(browser.eval(kRateLine));
  MESSAGE("page: events " << events_1 << " -> " << events_2 << ", chart seconds " << seconds_1
                          << " -> " << seconds_2 << ", rate line " << line_1 << " -> " << line_2
                          << " characters");
  CHECK(events_1 >= 1);
  CHECK(events_2 >= events_1 + 2);
  CHECK(seconds_2 >= seconds_1 + 2);
  CHECK(line_2 > line_1);
  const std::string status =
      browser.eval("document.getElementById('live-status').textContent").value_or("");
  CHECK(status.rfind("second ", 0) == 0);

  // The run ends: the page reloads itself into the report.
  CHECK(eval_until(browser, "document.querySelector('h1').textContent", "replay report", 30000) ==
        "replay report");
  const std::string live_headings = browser.eval(kHeadings).value_or("");
  const std::string live_body = browser.eval("document.body.innerHTML").value_or("live");
  REQUIRE(browser.open("file://" + dir.file("r.html")));
  CHECK(eval_until(browser, "document.querySelector('h1').textContent", "replay report", 10000) ==
        "replay report");
  const std::string file_headings = browser.eval(kHeadings).value_or("");
  MESSAGE("report sections: " << file_headings);
  CHECK(file_headings.find("Latency over time") != std::string::npos);
  CHECK(live_headings == file_headings);
  CHECK(live_body == browser.eval("document.body.innerHTML").value_or("file"));
  std::string console;
  for (const auto& line : browser.console()) console += line + "\n";
  INFO(console);
  CHECK(browser.console().empty());
  CHECK(replay.stop(0, 30000) == 0);
}
