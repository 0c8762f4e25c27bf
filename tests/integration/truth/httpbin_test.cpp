// replay against httpbin (Debian python3-httpbin) under gunicorn: /delay, /status/503,
// /drip and chunked /stream-bytes, each with a duration or size httpbin documents.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "foreign_server.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

TEST_CASE("httpbin under gunicorn: /delay/1, /status/503, /drip and chunked /stream-bytes") {
  require_python_module("httpbin", "python3-httpbin");
  require_python_module("gunicorn", "gunicorn");
  const uint16_t port = replay::testing::pick_free_port();
  REQUIRE(port != 0);
  // Threaded workers: the slow endpoints sleep in a thread each instead of queueing.
  ForeignServer server(
      {kPython, "-m", "gunicorn", "--bind", "127.0.0.1:" + std::to_string(port), "--workers", "2",
       "--worker-class", "gthread", "--threads", "8", "--graceful-timeout", "2", "httpbin:app"},
      port);
  const int status = wait_for_http(port, "/status/200", 30000);
  REQUIRE_MESSAGE(status == 200, "gunicorn httpbin:app did not answer on 127.0.0.1:"
                                     << port << ": " << server.process().err());

  TempDir dir("replay-truth-httpbin");
  constexpr uint64_t kStreamBytes = 50000;
  constexpr uint64_t kChunkBytes = 1000;
  std::vector<TraceRequest> requests = spaced("delay", "/delay/1", 4, 0, 500'000);
  for (auto& r : spaced("drip", "/drip?duration=1&numbytes=10&code=200", 4, 250'000, 500'000))
    requests.push_back(r);
  for (auto& r : spaced("unavailable", "/status/503", 20, 0, 100'000)) requests.push_back(r);
  for (auto& r :
       spaced("stream", "/stream-bytes/50000?chunk_size=1000&seed=7", 10, 50'000, 200'000))
    requests.push_back(r);
  const auto trace = write_trace(dir, "httpbin.zst", requests);
  const auto run = run_replay(dir, trace, port, "result.json", {"--timeout", "10s"});
  for (const char* tag : {"delay", "drip", "unavailable", "stream"})
    MESSAGE(run.describe(std::string("/by_tag/") + tag));

  CHECK(run.u64("/overall/offered") == 38);
  CHECK(run.u64("/overall/completed") == 38);
  CHECK(run.u64("/overall/failed") == 0);

  {
    INFO("/delay/1 sleeps one second before it answers");
    CHECK(run.u64("/by_tag/delay/status/2xx") == 4);
    CHECK(run.ms("/by_tag/delay", "corrected", "p50") >= 1000);
    CHECK(run.ms("/by_tag/delay", "corrected", "p50") <= 1150);
    CHECK(run.ms("/by_tag/delay", "service", "p50") >= 1000);
    CHECK(run.ms("/by_tag/delay", "service", "p50") <= 1150);
  }
  {
    INFO("/status/503 answers 503 at once");
    CHECK(run.u64("/by_tag/unavailable/status/5xx") == 20);
    CHECK(run.u64("/by_tag/unavailable/errors") == 20);
    CHECK(run.u64("/by_tag/unavailable/failed") == 0);
    CHECK(run.ms("/by_tag/unavailable", "corrected", "p99") < 500);
  }
  {
    INFO("/drip sends 10 bytes 100 ms apart: the tenth (Content-Length 10) at 0.9 s");
    CHECK(run.u64("/by_tag/drip/status/2xx") == 4);
    CHECK(run.ms("/by_tag/drip", "corrected", "p50") >= 890);
    CHECK(run.ms("/by_tag/drip", "corrected", "p50") <= 1050);
    CHECK(run.ms("/by_tag/drip", "ttfb", "p50") < 150);
    CHECK(run.u64("/by_tag/drip/response_bytes") >= 4 * (10 + 50));
    CHECK(run.u64("/by_tag/drip/response_bytes") <= 4 * (10 + 400));
  }
  {
    INFO("/stream-bytes: 50000 bytes in 1000-byte chunks");
    CHECK(run.u64("/by_tag/stream/status/2xx") == 10);
    // Chunk framing adds "3e8\r\n...\r\n" (7 bytes) per chunk and "0\r\n\r\n" at the end.
    const uint64_t framing = (kStreamBytes / kChunkBytes) * 7 + 5;
    CHECK(run.u64("/by_tag/stream/response_bytes") >= 10 * (kStreamBytes + framing + 50));
    CHECK(run.u64("/by_tag/stream/response_bytes") <= 10 * (kStreamBytes + framing + 400));
    CHECK(run.ms("/by_tag/stream", "corrected", "p99") < 500);
  }
}
