// replay against Python's http.server: HTTP/1.0 answers with Content-Length, and a
// connection closed after every response.

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "foreign_server.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

TEST_CASE("python http.server: HTTP/1.0, a connection per request, all 2xx, small latencies") {
  require_program(kPython, "python3");
  TempDir dir("replay-truth-http-server");
  constexpr uint64_t kTextBytes = 512;
  constexpr uint64_t kDataBytes = 20000;
  dir.write("index.txt", std::string(kTextBytes, 't'));
  dir.write("data.bin", std::string(kDataBytes, 'd'));
  ForeignServer server(
      {kPython, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0", "--directory", dir.path()},
      0);
  // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
  const auto line = server.process().wait_stdout_line("Serving HTTP on", 10000);
  REQUIRE_MESSAGE(line.has_value(), "http.server did not start: " << server.process().err());
  const size_t at = line->find(" port ");
  REQUIRE(at != std::string::npos);
  server.set_port(static_cast<uint16_t>(std::atoi(line->c_str() + at + 6)));
  REQUIRE(wait_for_http(server.port(), "/index.txt", 10000) == 200);

  std::vector<TraceRequest> requests;
  for (int i = 0; i < 50; ++i) {
    if (i % 2 == 0) {
      requests.push_back({i * 40'000, "text", "/index.txt"});
    } else {
      requests.push_back({i * 40'000, "data", "/data.bin"});
    }
  }
  const auto trace = write_trace(dir, "http-server.zst", requests);
  const auto run = run_replay(dir, trace, server.port(), "result.json", {"--timeout", "5s"});
  MESSAGE(run.describe("/overall") << " | connections " << run.u64("/connections_opened"));

  CHECK(run.u64("/overall/offered") == 50);
  CHECK(run.u64("/overall/completed") == 50);
  CHECK(run.u64("/overall/status/2xx") == 50);
  CHECK(run.u64("/overall/failed") == 0);
  CHECK(run.u64("/overall/failures/closed_early") == 0);
  CHECK(run.u64("/overall/failures/reset") == 0);
  CHECK(run.u64("/overall/failures/timeout") == 0);
  // HTTP/1.0 without keep-alive: the server closes each connection after its response.
  CHECK(run.u64("/connections_opened") >= 50);
  CHECK(run.u64("/connections_opened") <= 55);
  CHECK(run.ms("/overall", "corrected", "p50") < 20);
  CHECK(run.ms("/overall", "corrected", "p99") < 200);
  // Head (status line, Server, Date, Content-type, Content-Length, Last-Modified): ~180 B.
  CHECK(run.u64("/by_tag/text/response_bytes") >= 25 * (kTextBytes + 100));
  CHECK(run.u64("/by_tag/text/response_bytes") <= 25 * (kTextBytes + 300));
  CHECK(run.u64("/by_tag/data/response_bytes") >= 25 * (kDataBytes + 100));
  CHECK(run.u64("/by_tag/data/response_bytes") <= 25 * (kDataBytes + 300));
}
