// HTTP/2 against Debian's nginx: h2c (`listen ... http2`) and h2 over TLS (`ssl http2`),
// checked on the wire by nginx's own access log ($server_protocol, $connection).

#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "file_io.hpp"
#include "foreign_server.hpp"
#include "h2_support.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

namespace {

constexpr int kRequests = 50;
constexpr uint64_t kSmallBytes = 1000;
constexpr uint64_t kTrickleBytes = 250 * 1024;
constexpr uint64_t kRateBytesPerS = 100 * 1024;  // limit_rate 100k

// nginx in the foreground serving www/small.txt on an h2c listener and an h2 (TLS) one,
// logging "$server_protocol $connection $status" per request.
class Nginx {
 public:
  explicit Nginx(const TempDir& dir) : dir_(dir) {
    require_program(kNginx, "nginx-light");
    std::filesystem::create_directories(dir.file("www"));
    std::filesystem::create_directories(dir.file("tmp"));
    dir.write("www/small.txt", std::string(kSmallBytes, 'a'));
    std::filesystem::create_directories(dir.file("www/slow"));
    dir.write("www/slow/trickle.bin", std::string(kTrickleBytes, 'b'));
    const auto [cert, key] = write_certificate(dir);
    h2c_port_ = replay::testing::pick_free_port();
    tls_port_ = replay::testing::pick_free_port();
    REQUIRE(h2c_port_ != 0);
    REQUIRE(tls_port_ != 0);
    const std::string d = dir.path();
    std::ostringstream conf;
    conf << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << d
         << "/nginx.pid;\nerror_log " << d << "/error.log warn;\n"
         << "events { worker_connections 512; }\nhttp {\n"
         << "  log_format wire '$server_protocol $connection $status';\n"
         << "  access_log " << d << "/access.log wire;\n";
    for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      conf << "  " << temp << "_temp_path " << d << "/tmp/" << temp << ";\n";
    }
    conf << "  default_type text/plain;\n"
         << "  server { listen 127.0.0.1:" << h2c_port_ << " http2; root " << d << "/www;\n"
         << "    location /slow/ { limit_rate 100k; } }\n"
         << "  server { listen 127.0.0.1:" << tls_port_ << " ssl http2; root " << d << "/www;\n"
         << "    ssl_certificate " << cert << "; ssl_certificate_key " << key << "; }\n"
         << "}\n";
    dir.write("nginx.conf", conf.str());
    server_ = std::make_unique<ForeignServer>(
        std::vector<std::string>{kNginx, "-p", d + "/", "-c", d + "/nginx.conf", "-e", "stderr"},
        h2c_port_);
    INFO("nginx error.log: " << replay::testing::read_file(d + "/error.log"));
    REQUIRE(replay::testing::wait_for_port(h2c_port_, 10000));
    REQUIRE(replay::testing::wait_for_port(tls_port_, 10000));
  }
  uint16_t h2c_port() const { return h2c_port_; }
  uint16_t tls_port() const { return tls_port_; }

  // The access log's lines so far, then empties it (nginx appends to the same file).
  std::vector<std::string> take_log() const {
    const std::string path = dir_.file("access.log");
    std::vector<std::string> lines;
    std::istringstream in(replay::testing::read_file(path));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    dir_.write("access.log", "");
    return lines;
  }

 private:
  const TempDir& dir_;
  uint16_t h2c_port_ = 0;
  uint16_t tls_port_ = 0;
  std::unique_ptr<ForeignServer> server_;
};

// How many lines have `protocol`, and over how many distinct connections.
struct Wire {
  size_t lines_with_protocol = 0;
  size_t connections = 0;
};
Wire read_wire(const std::vector<std::string>& lines, const std::string& protocol) {
  Wire wire;
  std::set<std::string> connections;
  for (const auto& line : lines) {
    std::istringstream in(line);
    std::string seen, connection;
    in >> seen >> connection;
    if (seen == protocol) ++wire.lines_with_protocol;
    connections.insert(connection);
  }
  wire.connections = connections.size();
  return wire;
}

}  // namespace

TEST_CASE("nginx h2c: every request arrives as HTTP/2.0, all on replay's one connection") {
  TempDir dir("replay-h2-nginx-h2c");
  Nginx nginx(dir);
  const auto trace =
      write_trace(dir, "small.zst", spaced("small", "/small.txt", kRequests, 0, 10'000));
  const auto run = run_replay_at(dir, trace, "h2c://127.0.0.1:" + std::to_string(nginx.h2c_port()),
                                 "result.json", {"--threads", "1"});
  const auto lines = nginx.take_log();
  const Wire wire = read_wire(lines, "HTTP/2.0");

  CHECK(run.u64("/overall/completed") == kRequests);
  CHECK(run.u64("/overall/status/2xx") == kRequests);
  CHECK(lines.size() == kRequests);
  CHECK(wire.lines_with_protocol == kRequests);
  CHECK(wire.connections == run.u64("/connections_opened"));
  CHECK(run.u64("/connections_opened") == 1);
  CHECK(run.u64("/protocols/h2") == kRequests);
  // Body plus the decoded headers (nginx sends a few: server, date, type, length, ...).
  CHECK(run.u64("/overall/response_bytes") >= kRequests * (kSmallBytes + 30));
  CHECK(run.u64("/overall/response_bytes") <= kRequests * (kSmallBytes + 400));
}

TEST_CASE("nginx h2 over TLS: --http auto speaks HTTP/2.0, --http 1.1 HTTP/1.1, same server") {
  TempDir dir("replay-h2-nginx-tls");
  Nginx nginx(dir);
  const auto trace =
      write_trace(dir, "small.zst", spaced("small", "/small.txt", kRequests, 0, 10'000));
  const std::string url = "https://127.0.0.1:" + std::to_string(nginx.tls_port());

  const auto h2 = run_replay_at(dir, trace, url, "h2.json", {"--insecure", "--threads", "1"});
  const auto h2_lines = nginx.take_log();
  CHECK(h2.u64("/overall/completed") == kRequests);
  CHECK(h2.u64("/protocols/h2") == kRequests);
  CHECK(h2_lines.size() == kRequests);
  CHECK(read_wire(h2_lines, "HTTP/2.0").lines_with_protocol == kRequests);
  CHECK(read_wire(h2_lines, "HTTP/2.0").connections == 1);

  const auto h1 =
      run_replay_at(dir, trace, url, "h1.json", {"--insecure", "--http", "1.1", "--threads", "1"});
  const auto h1_lines = nginx.take_log();
  CHECK(h1.u64("/overall/completed") == kRequests);
  CHECK(h1.u64("/protocols/http1") == kRequests);
  CHECK(h1_lines.size() == kRequests);
  CHECK(read_wire(h1_lines, "HTTP/1.1").lines_with_protocol == kRequests);
}

TEST_CASE("record to nginx over HTTP/2: h2c by --upstream-http 2, h2 over TLS by ALPN") {
  require_program("/usr/bin/curl", "curl");
  TempDir dir("replay-h2-nginx-record");
  Nginx nginx(dir);
  constexpr int kThrough = 3;
  struct Upstream {
    std::string url;
    std::vector<std::string> flags;
  };
  const std::vector<Upstream> upstreams = {
      {"http://127.0.0.1:" + std::to_string(nginx.h2c_port()), {"--upstream-http", "2"}},
      {"https://127.0.0.1:" + std::to_string(nginx.tls_port()), {"--insecure"}}};
  for (const Upstream& upstream : upstreams) {
    INFO("upstream " << upstream.url);
    const uint16_t port = replay::testing::pick_free_port();
    const std::string trace = dir.file("recorded.zst");
    {
      std::string listening;
      auto recorder = start_recorder(port, upstream.url, trace, upstream.flags, &listening);
      CHECK(listening.find("over HTTP/2") != std::string::npos);
      for (int i = 0; i < kThrough; ++i) {
        // HTTP/1.1 from the client, HTTP/2 to nginx.
        const auto got = replay::testing::run_to_exit(
            {"/usr/bin/curl", "-s", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}",
             "http://127.0.0.1:" + std::to_string(port) + "/small.txt"},
            10000);
        CHECK(got.out == "200");
      }
      CHECK(recorder->stop(SIGINT, 10000) == 0);
    }
    const auto lines = nginx.take_log();
    const Wire wire = read_wire(lines, "HTTP/2.0");
    CHECK(lines.size() == kThrough);
    CHECK(wire.lines_with_protocol == kThrough);
    CHECK(wire.connections == 1);  // kept alive: the requests were streams of one connection

    const auto records = read_trace_records(trace);
    REQUIRE(records.size() == kThrough);
    for (const auto& record : records) {
      CHECK(record.protocol == "HTTP/1.1");
      REQUIRE(record.response.has_value());
      CHECK(record.response->status == 200);
      CHECK(record.response->bytes == kSmallBytes);
    }
  }
}

TEST_CASE(
    "nginx h2c: a 250 KiB body at limit_rate 100k takes 2 s, and small files on the same "
    "connection meanwhile take milliseconds") {
  // The HTTP/1.1 nginx test measures the same trickle: by whole second s nginx has sent
  // rate * (s + 1) bytes, so 250 KiB is complete at 2 s. Over HTTP/2 the small requests share
  // the trickle's one connection: a read path that stamped them with a late read, or held them
  // behind the trickle's frames, would measure them in hundreds of milliseconds. nginx 1.22's
  // h2 trickle ends at 2.00 s or 2.24 s (curl --http2-prior-knowledge measures both too).
  TempDir dir("replay-h2-nginx-trickle");
  Nginx nginx(dir);
  const uint64_t whole_seconds = (kTrickleBytes + kRateBytesPerS - 1) / kRateBytesPerS - 1;
  const double expected_ms = 1000.0 * static_cast<double>(whole_seconds);
  auto requests = spaced("trickle", "/slow/trickle.bin", 2, 0, 300'000);
  for (auto& small : spaced("small", "/small.txt", 20, 100'000, 50'000)) {
    requests.push_back(small);
  }
  const auto trace = write_trace(dir, "mixed.zst", std::move(requests));
  const auto run = run_replay_at(dir, trace, "h2c://127.0.0.1:" + std::to_string(nginx.h2c_port()),
                                 "result.json", {"--threads", "1", "--timeout", "10s"});
  MESSAGE(run.describe("/by_tag/trickle") << " | expected ~" << expected_ms << " ms");
  MESSAGE(run.describe("/by_tag/small"));
  const Wire wire = read_wire(nginx.take_log(), "HTTP/2.0");

  CHECK(run.u64("/overall/completed") == 22);
  CHECK(run.u64("/overall/status/2xx") == 22);
  CHECK(wire.lines_with_protocol == 22);
  CHECK(run.u64("/connections_opened") == 1);
  CHECK(run.u64("/by_tag/trickle/response_bytes") >= 2 * kTrickleBytes);
  CHECK(run.ms("/by_tag/trickle", "corrected", "p50") >= expected_ms - 100);
  CHECK(run.ms("/by_tag/trickle", "corrected", "max") <= expected_ms + 400);
  CHECK(run.ms("/by_tag/trickle", "ttfb", "p50") < 100);
  CHECK(run.ms("/by_tag/small", "corrected", "p50") < 20);
  CHECK(run.ms("/by_tag/small", "corrected", "max") < 50);
  CHECK(run.ms("/by_tag/small", "service", "p50") < 20);
}
