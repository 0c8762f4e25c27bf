// replay against nginx (Debian nginx-light) serving static files of known sizes over
// keep-alive, `return 204`, a 404, a 4 MiB file and a body trickled by `limit_rate`.

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "foreign_server.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

namespace {

constexpr uint64_t kSmallBytes = 1000;
constexpr uint64_t kMediumBytes = 64 * 1024;
constexpr uint64_t kLargeBytes = 4 * 1024 * 1024;
constexpr uint64_t kTrickleBytes = 250 * 1024;
constexpr uint64_t kRateBytesPerS = 100 * 1024;  // limit_rate 100k
// nginx's response head (status line, Server, Date, Content-Type, Content-Length,
// Last-Modified, Connection, ETag, Accept-Ranges) is about 250 bytes.
constexpr uint64_t kHeadSlack = 400;

std::string file_of(uint64_t size) {
  std::string bytes(size, '\0');
  for (uint64_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + i % 26);
  return bytes;
}

// nginx in the foreground, one process, everything it writes inside `dir`.
class Nginx {
 public:
  explicit Nginx(const TempDir& dir) {
    require_program(kNginx, "nginx-light");
    std::filesystem::create_directories(dir.file("www/slow"));
    std::filesystem::create_directories(dir.file("tmp"));
    dir.write("www/small.txt", file_of(kSmallBytes));
    dir.write("www/medium.bin", file_of(kMediumBytes));
    dir.write("www/large.bin", file_of(kLargeBytes));
    dir.write("www/slow/trickle.bin", file_of(kTrickleBytes));
    const uint16_t port = replay::testing::pick_free_port();
    REQUIRE(port != 0);
    const std::string d = dir.path();
    dir.write("nginx.conf",
              "daemon off;\n"
              "master_process off;\n"
              "worker_processes 1;\n"
              "pid " +
                  d +
                  "/nginx.pid;\n"
                  "error_log " +
                  d +
                  "/error.log warn;\n"
                  "events { worker_connections 512; }\n"
                  "http {\n"
                  "  access_log " +
                  d +
                  "/access.log;\n"
                  "  client_body_temp_path " +
                  d +
                  "/tmp/body;\n"
                  "  proxy_temp_path " +
                  d +
                  "/tmp/proxy;\n"
                  "  fastcgi_temp_path " +
                  d +
                  "/tmp/fastcgi;\n"
                  "  uwsgi_temp_path " +
                  d +
                  "/tmp/uwsgi;\n"
                  "  scgi_temp_path " +
                  d +
                  "/tmp/scgi;\n"
                  "  types { text/plain txt; }\n"
                  "  default_type application/octet-stream;\n"
                  "  sendfile on;\n"
                  "  keepalive_timeout 30s;\n"
                  "  keepalive_requests 10000;\n"
                  "  server {\n"
                  "    listen 127.0.0.1:" +
                  std::to_string(port) +
                  ";\n"
                  "    root " +
                  d +
                  "/www;\n"
                  "    location = /empty { return 204; }\n"
                  "    location /slow/ { limit_rate 100k; }\n"
                  "  }\n"
                  "}\n");
    server_ = std::make_unique<ForeignServer>(
        std::vector<std::string>{kNginx, "-p", d + "/", "-c", d + "/nginx.conf", "-e", "stderr"},
        port);
    const int status = wait_for_http(port, "/small.txt", 10000);
    INFO("nginx error.log: " << replay::testing::read_file(d + "/error.log"));
    REQUIRE_MESSAGE(status == 200, "nginx did not answer on 127.0.0.1:" << port);
  }
  uint16_t port() const { return server_->port(); }

 private:
  std::unique_ptr<ForeignServer> server_;
};

}  // namespace

TEST_CASE("nginx: static files, 204 and 404 over keep-alive: statuses, bytes and latencies") {
  TempDir dir("replay-truth-nginx");
  Nginx nginx(dir);
  // 100 requests, one every 20 ms; each ten: 4 small, 2 empty (204), 1 missing (404),
  // 2 medium, 1 large.
  std::vector<TraceRequest> requests;
  for (int i = 0; i < 100; ++i) {
    const int slot = i % 10;
    const int64_t at = i * 20'000;
    if (slot < 4) {
      requests.push_back({at, "small", "/small.txt"});
    } else if (slot < 6) {
      requests.push_back({at, "empty", "/empty"});
    } else if (slot == 6) {
      requests.push_back({at, "missing", "/missing.txt"});
    } else if (slot < 9) {
      requests.push_back({at, "medium", "/medium.bin"});
    } else {
      requests.push_back({at, "large", "/large.bin"});
    }
  }
  const auto trace = write_trace(dir, "static.zst", requests);
  const auto run = run_replay(dir, trace, nginx.port(), "result.json", {"--timeout", "5s"});
  for (const char* tag : {"small", "empty", "missing", "medium", "large"})
    MESSAGE(run.describe(std::string("/by_tag/") + tag));
  MESSAGE("connections_opened " << run.u64("/connections_opened"));

  CHECK(run.u64("/overall/offered") == 100);
  CHECK(run.u64("/overall/completed") == 100);
  CHECK(run.u64("/overall/failed") == 0);
  CHECK(run.u64("/overall/failures/timeout") == 0);
  CHECK(run.u64("/overall/status/2xx") == 90);
  CHECK(run.u64("/overall/status/4xx") == 10);
  CHECK(run.u64("/overall/errors") == 10);
  CHECK(run.u64("/overall/latency_us/lower_bounds") == 0);
  // Keep-alive with about one request in flight: a few connections for 100 requests.
  CHECK(run.u64("/connections_opened") <= 10);

  struct Expected {
    const char* tag;
    uint64_t count;
    uint64_t body_bytes;
    const char* status;
    double p99_ms;
  };
  const Expected expected[] = {
      {"small", 40, kSmallBytes, "2xx", 100},
      {"empty", 20, 0, "2xx", 100},
      // nginx's own 404 page is 153 bytes.
      {"missing", 10, 153, "4xx", 100},
      {"medium", 20, kMediumBytes, "2xx", 100},
      {"large", 10, kLargeBytes, "2xx", 300},
  };
  for (const auto& e : expected) {
    const std::string scope = std::string("/by_tag/") + e.tag;
    INFO(run.describe(scope));
    CHECK(run.u64(scope + "/completed") == e.count);
    CHECK(run.u64(scope + "/status/" + e.status) == e.count);
    CHECK(run.u64(scope + "/failed") == 0);
    CHECK(run.u64(scope + "/response_bytes") >= e.count * (e.body_bytes + 50));
    CHECK(run.u64(scope + "/response_bytes") <= e.count * (e.body_bytes + kHeadSlack));
    CHECK(run.ms(scope, "corrected", "p50") < 20);
    CHECK(run.ms(scope, "corrected", "p99") < e.p99_ms);
    CHECK(run.ms(scope, "ttfb", "p50") <= run.ms(scope, "corrected", "p50"));
  }
}

TEST_CASE(
    "nginx: limit_rate 100k sends 250 KiB in 2 s (100 KiB at once, 100 KiB at 1 s, the "
    "rest at 2 s)") {
  TempDir dir("replay-truth-nginx-rate");
  Nginx nginx(dir);
  // By whole second s after the request started nginx has sent rate * (s + 1) body bytes (the
  // head is not counted; measured with a plain socket client on nginx 1.22): the body is
  // complete at the first s where that reaches its size.
  const uint64_t whole_seconds = (kTrickleBytes + kRateBytesPerS - 1) / kRateBytesPerS - 1;
  const double expected_ms = 1000.0 * static_cast<double>(whole_seconds);
  const auto trace =
      write_trace(dir, "trickle.zst", spaced("trickle", "/slow/trickle.bin", 3, 0, 300'000));
  const auto run = run_replay(dir, trace, nginx.port(), "result.json", {"--timeout", "10s"});
  MESSAGE(run.describe("/overall") << " | expected ~" << expected_ms << " ms");

  CHECK(run.u64("/overall/completed") == 3);
  CHECK(run.u64("/overall/status/2xx") == 3);
  CHECK(run.u64("/overall/failed") == 0);
  CHECK(run.u64("/overall/response_bytes") >= 3 * (kTrickleBytes + 50));
  CHECK(run.u64("/overall/response_bytes") <= 3 * (kTrickleBytes + kHeadSlack));
  CHECK(run.ms("/overall", "corrected", "p50") >= expected_ms - 100);
  CHECK(run.ms("/overall", "corrected", "p50") <= expected_ms + 400);
  CHECK(run.ms("/overall", "service", "p50") >= expected_ms - 100);
  CHECK(run.ms("/overall", "service", "p50") <= expected_ms + 400);
  // The head comes in the first burst.
  CHECK(run.ms("/overall", "ttfb", "p50") < 100);
}
