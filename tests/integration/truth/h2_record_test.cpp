// The recorder takes HTTP/2 from clients: curl --http2-prior-knowledge on its plain listener
// and curl --http2 over TLS (ALPN) record the same requests as curl --http1.1, and each
// recording replays the same.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <cctype>
#include <csignal>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "h2_support.hpp"
#include "temp_dir.hpp"
#include "truth_run.hpp"

using replay::testing::ChildProcess;
using replay::testing::TempDir;
using namespace replay::testing::truth;

namespace {

const std::string kCurl = "/usr/bin/curl";
constexpr int kRequests = 3;

// The HTTP version curl used for each of kRequests chat POSTs to `url` with `flags`.
std::vector<std::string> post_chats(const std::string& url, std::vector<std::string> flags) {
  std::vector<std::string> versions;
  for (int i = 0; i < kRequests; ++i) {
    std::vector<std::string> argv = {kCurl,
                                     "-s",
                                     "-o",
                                     "/dev/null",
                                     "-w",
                                     "%{http_version}",
                                     "-X",
                                     "POST",
                                     url + "/api/v1/chat",
                                     "-H",
                                     "Content-Type: application/json",
                                     "-d",
                                     "{\"message\":\"m" + std::to_string(i) + "\"}"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    const auto finished = replay::testing::run_to_exit(argv, 10000);
    CHECK(finished.exit_code == 0);
    versions.push_back(finished.out);
  }
  return versions;
}

// Each record of a trace as "METHOD target body", and its header names, lower-cased.
std::vector<std::string> records_of(const std::string& trace) {
  std::vector<std::string> records;
  for (const auto& record : read_trace_records(trace)) {
    std::string summary = record.method + " " + record.target + " " + record.body;
    for (const auto& header : record.headers) {
      std::string name = header.name;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      summary += " " + name;
    }
    records.push_back(summary);
  }
  return records;
}

// The "protocol" field of each record of a trace ("" where it has none).
std::vector<std::string> protocols_of(const std::string& trace) {
  std::vector<std::string> protocols;
  for (const auto& record : read_trace_records(trace)) protocols.push_back(record.protocol);
  return protocols;
}

}  // namespace

TEST_CASE("record: h2c and h2 (ALPN) from curl record what HTTP/1.1 does, and replay the same") {
  require_program(kCurl, "curl");
  TempDir dir("replay-h2-record");
  const auto [cert, key] = write_certificate(dir);
  AgentSim sim({"--chat-latency", "fixed:20ms"});
  const std::string upstream = sim.url("http");
  const uint16_t h2c_port = replay::testing::pick_free_port();
  const uint16_t tls_port = replay::testing::pick_free_port();
  const uint16_t h1_port = replay::testing::pick_free_port();
  const std::string h2c_trace = dir.file("h2c.zst");
  const std::string tls_trace = dir.file("tls.zst");
  const std::string h1_trace = dir.file("h1.zst");
  {
    auto h2c = start_recorder(h2c_port, upstream, h2c_trace);
    auto tls = start_recorder(tls_port, upstream, tls_trace, {"--cert", cert, "--key", key});
    auto h1 = start_recorder(h1_port, upstream, h1_trace);
    const std::vector<std::string> two(kRequests, "2");
    CHECK(post_chats("http://127.0.0.1:" + std::to_string(h2c_port), {"--http2-prior-knowledge"}) ==
          two);
    CHECK(post_chats("https://127.0.0.1:" + std::to_string(tls_port),
                     {"--http2", "--cacert", cert}) == two);
    CHECK(post_chats("http://127.0.0.1:" + std::to_string(h1_port), {"--http1.1"}) ==
          std::vector<std::string>(kRequests, "1.1"));
    for (auto* recorder : {h2c.get(), tls.get(), h1.get()}) {
      CHECK(recorder->stop(SIGINT, 10000) == 0);
    }
  }
  const auto h1_records = records_of(h1_trace);
  REQUIRE(h1_records.size() == kRequests);
  CHECK(h1_records[0] == "POST /api/v1/chat {\"message\":\"m0\"} user-agent accept content-type");
  CHECK(records_of(h2c_trace) == h1_records);
  CHECK(records_of(tls_trace) == h1_records);
  // Each record says what the client spoke.
  CHECK(protocols_of(h1_trace) == std::vector<std::string>(kRequests, "HTTP/1.1"));
  CHECK(protocols_of(h2c_trace) == std::vector<std::string>(kRequests, "HTTP/2"));
  CHECK(protocols_of(tls_trace) == std::vector<std::string>(kRequests, "HTTP/2"));

  std::vector<uint64_t> bytes;
  for (const auto& trace : {h1_trace, h2c_trace, tls_trace}) {
    for (const char* scheme : {"http", "h2c"}) {
      INFO(trace << " over " << scheme);
      const auto run =
          run_replay_at(dir, trace, sim.url(scheme), "result.json", {"--threads", "1"});
      CHECK(run.u64("/overall/completed") == kRequests);
      CHECK(run.u64("/overall/status/codes/200") == kRequests);
      CHECK(run.ms("/overall", "service", "p50") >= 20);
      if (std::string(scheme) == "h2c") bytes.push_back(run.u64("/overall/response_bytes"));
    }
  }
  // Over h2c each recording's replay gets the same responses: the same bytes, give or take the
  // conversation ids' and latencies' digits.
  REQUIRE(bytes.size() == 3);
  CHECK(bytes[1] <= bytes[0] + 20);
  CHECK(bytes[1] + 20 >= bytes[0]);
  CHECK(bytes[2] <= bytes[0] + 20);
  CHECK(bytes[2] + 20 >= bytes[0]);
}

TEST_CASE("record over HTTP/2 to the upstream: a client that leaves resets its stream only") {
  require_program(kCurl, "curl");
  TempDir dir("replay-h2-record-cancel");
  // A 5 s event stream: 100 tokens 50 ms apart.
  AgentSim sim({"--stream-first-token", "fixed:10ms", "--stream-tokens", "100",
                "--stream-token-interval", "50ms", "--chat-latency", "fixed:20ms"});
  const uint16_t port = replay::testing::pick_free_port();
  const std::string trace = dir.file("cancel.zst");
  const std::string proxy = "http://127.0.0.1:" + std::to_string(port);
  std::string listening;
  auto recorder =
      start_recorder(port, sim.url("http"), trace, {"--upstream-http", "2"}, &listening);
  CHECK(listening.find("over HTTP/2") != std::string::npos);
  // The client gives up on the stream after 0.5 s (curl's exit 28: timed out).
  const auto left = replay::testing::run_to_exit(
      {kCurl, "-s", "-N", "--max-time", "0.5", "-o", "/dev/null", "-X", "POST",
       proxy + "/api/v1/chat/stream", "-H", "Content-Type: application/json", "-d",
       "{\"message\":\"long\"}"},
      10000);
  CHECK(left.exit_code == 28);
  // The upstream connection goes on for the next request.
  const auto posts = post_chats(proxy, {"--http1.1"});
  CHECK(posts == std::vector<std::string>(kRequests, "1.1"));
  CHECK(recorder->stop(SIGINT, 10000) == 0);
  INFO(recorder->out() << recorder->err());
  CHECK(recorder->out().find("recorded 4 requests") != std::string::npos);
  CHECK(recorder->out().find("1 cancelled by clients") != std::string::npos);
  CHECK(recorder->out().find("upstream failures") == std::string::npos);

  const auto text = replay::testing::run_to_exit({"/usr/bin/zstd", "-dc", trace}, 10000);
  REQUIRE(text.exit_code == 0);
  std::istringstream in(text.out);
  std::string line;
  std::getline(in, line);  // the header
  std::getline(in, line);
  simdjson::dom::parser parser;
  simdjson::dom::element stream = parser.parse(line);
  CHECK(std::string_view(stream["target"]) == "/api/v1/chat/stream");
  CHECK(int64_t(stream["response"]["status"]) == 200);
  // Events arrived until the client left, not the whole stream.
  CHECK(int64_t(stream["response"]["sse_events"]) >= 2);
  CHECK(int64_t(stream["response"]["sse_events"]) < 50);
}
