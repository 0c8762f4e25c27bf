// replay run --metrics-listen / --dashboard over loopback: what each path serves during the
// run and after it, the final exposition equal to result.json, the report equal to --html's,
// and the flags' one-line errors (a bad address, an address in use, a bad linger).

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "live_support.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using namespace replay::testing;

namespace {

const std::string kDemo = std::string(REPLAY_SOURCE_DIR) + "/traces/demo.zst";

std::string base(uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> run_args(uint16_t sim_port, const std::string& rate,
                                  const std::string& duration) {
  return {REPLAY_PATH, "run",    kDemo, "--target",   base(sim_port), "--only", "webhook,analytics",
          "--loop",    "--rate", rate,  "--duration", duration,       "--quiet"};
}

// The "second" events' seconds in an SSE stream, in order.
std::vector<int> event_seconds(const std::string& stream) {
  std::vector<int> seconds;
  const std::string marker = "event: second\ndata: {\"second\":";
  for (size_t at = stream.find(marker); at != std::string::npos; at = stream.find(marker, at + 1)) {
    seconds.push_back(std::atoi(stream.c_str() + at + marker.size()));
  }
  return seconds;
}

// Waits (bounded) until `url` answers.
bool wait_http(const std::string& url, int timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < until) {
    if (http_get(url, 1000).status != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST_CASE("--metrics-listen and --dashboard: live paths, then totals equal to result.json") {
  SimProcess sim({"--no-auth", "--latency", "20ms"});
  REQUIRE(sim.started());
  const TempDir dir("replay-live");
  const uint16_t metrics = pick_free_port();
  const uint16_t dashboard = pick_free_port();
  auto args = run_args(sim.port(), "100/s", "10s");
  for (const std::string& a :
       {std::string("--metrics-listen"), "127.0.0.1:" + std::to_string(metrics),
        std::string("--dashboard"), "127.0.0.1:" + std::to_string(dashboard),
        std::string("--metrics-linger"), std::string("6s"), std::string("--out"),
        dir.file("r.json"), std::string("--html"), dir.file("r.html")}) {
    args.push_back(a);
  }
  ChildProcess replay(args);
  REQUIRE(replay.started());
  REQUIRE(wait_http(base(metrics) + "/metrics", 10000));
  // The server is up before the load starts (replay's start-up checks take a moment).
  const auto load_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < load_by &&
         metric_sum(http_get(base(metrics) + "/metrics").body, "replay_offered_total") <= 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  // During the run: the exposition, SSE seconds in order, the page and its charts.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const Fetched live = http_get(base(metrics) + "/metrics");
  CHECK(live.status == 200);
  CHECK(metric_sum(live.body, "replay_running") == 1);
  CHECK(metric_sum(live.body, "replay_offered_total") > 50);
  CHECK(metric_sum(live.body, "replay_requests_total") > 0);
  const Fetched stream = http_get(base(dashboard) + "/events", 2500, {"-N"});
  CHECK(stream.exit_code == 28);  // curl's timeout: the stream stays open during the run
  const std::vector<int> seconds = event_seconds(stream.body);
  INFO(stream.body.substr(0, 400));
  REQUIRE(seconds.size() >= 3);
  for (size_t i = 0; i < seconds.size(); ++i) CHECK(seconds[i] == static_cast<int>(i));
  const Fetched page = http_get(base(dashboard) + "/");
  CHECK(page.status == 200);
  CHECK(page.body.find("<h1>replay live</h1>") != std::string::npos);
  const Fetched charts = http_get(base(dashboard) + "/charts");
  CHECK(charts.body.find("Offered vs achieved rate") != std::string::npos);
  CHECK(http_get(base(dashboard) + "/report").status == 404);   // not before the end
  CHECK(http_get(base(dashboard) + "/metrics").status == 404);  // only on its own listener
  CHECK(http_get(base(metrics) + "/").status == 404);
  CHECK(http_get(base(metrics) + "/metrics", 5000, {"-X", "POST"}).status == 405);

  // After the run (it lingers): final totals, the report, the event stream's end.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  Fetched last;
  while (std::chrono::steady_clock::now() < until) {
    last = http_get(base(metrics) + "/metrics");
    if (metric_sum(last.body, "replay_running") == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(metric_sum(last.body, "replay_running") == 0);
  // The outputs are written after the last progress call; /report comes after them.
  const auto written_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < written_by &&
         http_get(base(dashboard) + "/report").status != 200) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const ResultCounts counts = read_result_counts(dir.file("r.json"));
  CHECK(counts.completed > 900);
  CHECK(metric_sum(last.body, "replay_requests_total") ==
        static_cast<double>(counts.completed + counts.failed));
  CHECK(metric_sum(last.body, "replay_errors_total") == static_cast<double>(counts.errors));
  CHECK(metric_sum(last.body, "replay_offered_total") == static_cast<double>(counts.offered));
  CHECK(metric_sum(last.body, "replay_latency_seconds_count") ==
        static_cast<double>(counts.completed + counts.failed));
  const std::string html = slurp(dir.file("r.html"));
  REQUIRE(html.size() > 10000);
  CHECK(http_get(base(dashboard) + "/report").body == html);
  CHECK(http_get(base(dashboard) + "/").body == html);
  const Fetched ended = http_get(base(dashboard) + "/events", 5000, {"-N"});
  CHECK(ended.exit_code == 0);  // it ends by itself now
  CHECK(event_seconds(ended.body).size() >= 5);
  CHECK(ended.body.ends_with("event: end\ndata: {}\n\n"));
  CHECK(replay.stop(0, 20000) == 0);
}

TEST_CASE("--metrics-listen and --dashboard on one address: one listener serves both; shards") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const uint16_t port = pick_free_port();
  const std::string at = "127.0.0.1:" + std::to_string(port);
  auto args = run_args(sim.port(), "50/s", "2s");
  for (const std::string& a : {std::string("--metrics-listen"), at, std::string("--dashboard"), at,
                               std::string("--metrics-linger"), std::string("3s"),
                               std::string("--shard"), std::string("1/2")}) {
    args.push_back(a);
  }
  ChildProcess replay(args);
  REQUIRE(wait_http(base(port) + "/metrics", 10000));
  const std::string exposition = http_get(base(port) + "/metrics").body;
  CHECK(exposition.find("# TYPE replay_requests_total counter") != std::string::npos);
  CHECK(exposition.find("replay_offered_total{shard=\"1/2\"} ") != std::string::npos);
  CHECK(http_get(base(port) + "/").body.find("<h1>replay live</h1>") != std::string::npos);
  CHECK(replay.stop(0, 20000) == 0);
}

TEST_CASE(
    "--metrics-listen, --dashboard, --metrics-linger: bad values give one line naming the flag") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const TempDir dir("replay-live-flags");
  auto run = [&](std::vector<std::string> extra) {
    auto args = run_args(sim.port(), "10/s", "1s");
    args.push_back("--out");
    args.push_back(dir.file("r.json"));
    args.insert(args.end(), extra.begin(), extra.end());
    return run_to_exit(args, 30000);
  };
  auto one_line = [](const std::string& s) {
    return std::count(s.begin(), s.end(), '\n') == 1 && s.back() == '\n';
  };
  const Finished host = run({"--metrics-listen", "example.com:9464"});
  CHECK(host.exit_code == 1);
  CHECK(one_line(host.err));
  CHECK(host.err.find("--metrics-listen") != std::string::npos);
  const Finished port = run({"--dashboard", "127.0.0.1:99999"});
  CHECK(port.exit_code == 1);
  CHECK(one_line(port.err));
  CHECK(port.err.find("--dashboard") != std::string::npos);
  const Finished linger = run({"--dashboard", "127.0.0.1:0", "--metrics-linger", "soon"});
  CHECK(linger.exit_code == 1);
  CHECK(linger.err.find("--metrics-linger") != std::string::npos);

  // An address in use: refused before any load is offered.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string busy = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const Finished in_use = run({"--metrics-listen", busy});
  ::close(fd);
  CHECK(in_use.exit_code == 2);
  CHECK(one_line(in_use.err));
  CHECK(in_use.err.find("--metrics-listen") != std::string::npos);
  CHECK(in_use.err.find("address already in use") != std::string::npos);
}
