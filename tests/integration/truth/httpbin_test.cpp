// replay against httpbin (Debian python3-httpbin) under gunicorn: /delay, /status/503,
// /drip and chunked /stream-bytes, each with a duration or size httpbin documents.

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "file_io.hpp"
#include "foreign_server.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::TempDir;
using namespace replay::testing::truth;

namespace {

// httpbin under gunicorn on a free loopback port, answering; `port` is set to it.
std::unique_ptr<ForeignServer> start_httpbin(uint16_t& port) {
  require_python_module("httpbin", "python3-httpbin");
  require_python_module("gunicorn", "gunicorn");
  port = replay::testing::pick_free_port();
  REQUIRE(port != 0);
  // Threaded workers: the slow endpoints sleep in a thread each instead of queueing.
  auto server = std::make_unique<ForeignServer>(
      std::vector<std::string>{kPython, "-m", "gunicorn", "--bind",
                               "127.0.0.1:" + std::to_string(port), "--workers", "2",
                               "--worker-class", "gthread", "--threads", "8", "--graceful-timeout",
                               "2", "httpbin:app"},
      port);
  const int status = wait_for_http(port, "/status/200", 30000);
  REQUIRE_MESSAGE(status == 200, "gunicorn httpbin:app did not answer on 127.0.0.1:"
                                     << port << ": " << server->process().err());
  return server;
}

}  // namespace

TEST_CASE("httpbin under gunicorn: /delay/1, /status/503, /drip and chunked /stream-bytes") {
  uint16_t port = 0;
  const auto server = start_httpbin(port);

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

TEST_CASE("httpbin: --endpoint-timeline keeps each endpoint's latency per second apart") {
  uint16_t port = 0;
  const auto server = start_httpbin(port);
  TempDir dir("replay-truth-httpbin-endpoints");
  // One tag, two endpoints: /delay/1 (one second) every 500 ms and /get (at once) every 100 ms
  // for 3 s; only the endpoint timeline tells their seconds apart.
  std::vector<TraceRequest> requests = spaced("api", "/delay/1", 6, 0, 500'000);
  for (auto& r : spaced("api", "/get", 30, 50'000, 100'000)) requests.push_back(r);
  const auto trace = write_trace(dir, "endpoints.zst", requests);
  const auto run = run_replay(dir, trace, port, "result.json",
                              {"--timeout", "10s", "--endpoint-timeline", "--csv",
                               dir.path() + "/timeline.csv", "--html", dir.path() + "/r.html"});
  REQUIRE(run.has("/timeline_by_endpoint"));
  simdjson::dom::object endpoints;
  REQUIRE(run.root.at_pointer("/timeline_by_endpoint").get(endpoints) == simdjson::SUCCESS);
  size_t seen = 0;
  for (auto [name, rows] : endpoints) {
    const std::string endpoint(name);
    INFO("endpoint " << endpoint);
    const bool delayed = endpoint.find("/delay") != std::string::npos;
    CHECK((delayed || endpoint.find("/get") != std::string::npos));
    ++seen;
    uint64_t completed = 0;
    for (auto row : rows.get_array()) {
      const uint64_t n = row["completed"].get_uint64().value();
      completed += n;
      if (n == 0) continue;
      const double p50_ms = static_cast<double>(row["p50_us"].get_int64().value()) / 1000;
      INFO("second " << row["second"].get_int64().value() << " p50 " << p50_ms << " ms");
      if (delayed) {
        CHECK(p50_ms >= 1000);
        CHECK(p50_ms <= 1150);
      } else {
        CHECK(p50_ms < 100);
      }
    }
    CHECK(completed == (delayed ? 6u : 30u));
  }
  CHECK(seen == 2);
  // The tag's own timeline mixes them (its p99 in a second with a /delay answer is ~1 s).
  CHECK(run.u64("/by_tag/api/completed") == 36);
  const std::string csv = replay::testing::read_file(dir.path() + "/timeline.csv");
  CHECK(csv.find(",endpoint:GET /get,") != std::string::npos);
  const std::string html = replay::testing::read_file(dir.path() + "/r.html");
  CHECK(html.find("<h2>Latency over time by endpoint</h2>") != std::string::npos);
}

TEST_CASE(
    "httpbin: checks of status, JSON pointers and headers pass and fail as the responses say") {
  uint16_t port = 0;
  const auto server = start_httpbin(port);
  TempDir dir("replay-truth-httpbin-checks");
  std::vector<TraceRequest> requests;
  auto add = [&](const std::string& tag, const std::string& target, int count,
                 const std::string& expect) {
    for (auto& r : spaced(tag, target, count, 0, 50'000)) {
      r.expect = expect;
      requests.push_back(r);
    }
  };
  // /get answers its query back as JSON: {"args": {"plan": "7"}, "url": ..., "headers": ...}.
  add("json_ok", "/get?plan=7", 10,
      R"({"status": 200, "json": {"/args/plan": {"equals": "7"}, "/headers": {"exists": true},)"
      R"( "/nope": {"exists": false}}, "header": {"Content-Type": {"matches": "^application/json"}}})");
  add("json_wrong", "/get?plan=8", 5, R"({"json": {"/args/plan": {"equals": 7}}})");
  add("unavailable", "/status/503", 5, R"({"status": [200, 201]})");
  // /response-headers echoes its query as response headers.
  add("located", "/response-headers?Location=/plans/7", 5,
      R"({"header": {"Location": {"matches": "^/plans/\\d+$"}}, "body_contains": "Location"})");
  add("slow", "/delay/3", 2, R"({"status": 200})");
  for (int i = 0; i < 4; ++i) {
    requests.push_back({.offset_us = 300'000, .tag = "unchecked", .target = "/get"});
  }
  const auto trace = write_trace(dir, "checks.zst", requests);
  const auto run = run_replay(dir, trace, port, "result.json", {"--timeout", "1s"});

  CHECK(run.u64("/overall/checks/passed") == 15);
  CHECK(run.u64("/overall/checks/failed") == 12);
  CHECK(run.number("/overall/checks/ratio") == doctest::Approx(15.0 / 27));
  CHECK(run.u64("/by_tag/json_ok/checks/passed") == 10);
  CHECK(run.u64("/by_tag/located/checks/passed") == 5);
  CHECK_FALSE(run.has("/by_tag/unchecked/checks"));
  // A failed check is not an error: /get answered 200 to every request.
  CHECK(run.u64("/by_tag/json_wrong/errors") == 0);
  CHECK(run.u64("/by_tag/json_wrong/checks/failed") == 5);
  const auto text = [&](const std::string& pointer) {
    std::string_view s;
    CHECK(run.root.at_pointer(pointer).get(s) == simdjson::SUCCESS);
    return std::string(s);
  };
  // In the order first seen, each with the first response's value.
  CHECK(run.u64("/overall/checks/failures/0/count") + run.u64("/overall/checks/failures/1/count") +
            run.u64("/overall/checks/failures/2/count") ==
        12);
  std::vector<std::string> conditions;
  for (int i = 0; i < 3; ++i) {
    conditions.push_back(text("/overall/checks/failures/" + std::to_string(i) + "/condition") +
                         " | " +
                         text("/overall/checks/failures/" + std::to_string(i) + "/observed"));
  }
  std::sort(conditions.begin(), conditions.end());
  CHECK(conditions == std::vector<std::string>{"a response | timeout",
                                               "json /args/plan equals \"7\" | \"8\"",
                                               "status 200 or 201 | 503"});
  CHECK(run.out.find("  checks     55.56% passed (15 of 27)") != std::string::npos);
  CHECK(run.out.find("failed   status 200 or 201  x5  (e.g. 503)") != std::string::npos);
}

TEST_CASE("httpbin: a metric captured from /anything's echo sums to the total the trace sent") {
  uint16_t port = 0;
  const auto server = start_httpbin(port);
  TempDir dir("replay-truth-httpbin-metrics");
  // /anything echoes the JSON body under "json": each request sends n = 1..25, so the metric's
  // sum is 325 exactly; /response-headers?X-Units=K answers with the header X-Units: K.
  std::vector<TraceRequest> requests;
  int64_t total = 0;
  for (int n = 1; n <= 25; ++n) {
    TraceRequest r;
    r.offset_us = n * 40'000;
    r.tag = "echo";
    r.method = "POST";
    r.target = "/anything";
    r.headers = {{"Content-Type", "application/json"}};
    r.body = "{\"n\":" + std::to_string(n) + "}";
    r.captures = R"([{"name":"n","source":"json:/json/n","metric":"sum"},)"
                 R"({"name":"path","source":"json:/url","metric":"sum"}])";
    requests.push_back(r);
    total += n;
  }
  for (int k : {5, 7, 9, 11}) {
    TraceRequest r;
    r.offset_us = 1'100'000 + k * 10'000;
    r.tag = "units";
    r.target = "/response-headers?X-Units=" + std::to_string(k);
    r.captures = R"([{"name":"units","source":"header:X-Units","metric":"histogram"}])";
    requests.push_back(r);
  }
  const auto trace = write_trace(dir, "metrics.zst", requests);
  const auto run = run_replay(dir, trace, port, "result.json",
                              {"--threshold", "metric.n.sum==" + std::to_string(total),
                               "--threshold", "units:metric.units.max==11"});
  MESSAGE(run.out);
  CHECK(run.u64("/overall/completed") == 29);
  CHECK(run.u64("/overall/errors") == 0);
  simdjson::dom::array metrics;
  REQUIRE(run.root.at_pointer("/by_tag/echo/metrics").get(metrics) == simdjson::SUCCESS);
  REQUIRE(metrics.size() == 2);
  CHECK(metrics.at(0)["name"].get_string().value() == "n");
  CHECK(metrics.at(0)["sum"].get_double().value() == static_cast<double>(total));
  CHECK(metrics.at(0)["count"].get_uint64().value() == 25);
  // The echoed URL is text: counted as non-numeric, not dropped.
  CHECK(metrics.at(1)["non_numeric"].get_uint64().value() == 25);
  CHECK(metrics.at(1)["count"].get_uint64().value() == 0);
  REQUIRE(run.root.at_pointer("/by_tag/units/metrics").get(metrics) == simdjson::SUCCESS);
  CHECK(metrics.at(0)["sum"].get_double().value() == 32.0);
  CHECK(metrics.at(0)["values"]["p50"].get_uint64().value() == 7);
  CHECK(run.out.find("PASS  metric.n.sum==" + std::to_string(total)) != std::string::npos);
}
