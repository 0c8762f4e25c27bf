// `replay record` and `replay import` as users run them: real clients (curl, hey) through the
// recording proxy to agent-sim and python3-httpbin, then `replay run` of the recording.

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "replay/trace/trace_reader.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::ChildProcess;
using replay::testing::run_to_exit;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kCurl = "/usr/bin/curl";
const std::string kHey = "/usr/bin/hey";
const std::string kPython = "/usr/bin/python3";
const std::string kFixtures = std::string(REPLAY_SOURCE_DIR) + "/tests/fixtures/";

std::string url(uint16_t port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

// A running `replay record`; port() is where it listens.
struct Recorder {
  std::unique_ptr<ChildProcess> process;
  uint16_t port = 0;
  std::string line;

  Recorder(const std::string& upstream, const std::string& output,
           std::vector<std::string> extra = {}, ChildProcess::Options options = {}) {
    std::vector<std::string> argv = {kReplay,      "record", "--proxy", ":0",
                                     "--upstream", upstream, "-o",      output};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<ChildProcess>(argv, options);
    auto listening = process->wait_stdout_line("listening on ", 10000);
    if (!listening) return;
    line = *listening;
    // "listening on [https://]HOST:PORT, forwarding to ...": the port ends the address.
    const size_t comma = line.find(',');
    const size_t colon = line.rfind(':', comma);
    if (comma != std::string::npos && colon != std::string::npos)
      port = static_cast<uint16_t>(std::atoi(line.c_str() + colon + 1));
  }
};

struct Trace {
  std::vector<replay::trace::Record> records;
  std::optional<replay::Error> error;  // why reading stopped early, if it did
};

Trace read_trace(const std::string& path) {
  Trace t;
  auto reader = replay::trace::TraceReader::open(path);
  if (!reader) {
    t.error = reader.error();
    return t;
  }
  replay::trace::Record r;
  while (true) {
    auto more = reader.value()->next(r);
    if (!more) {
      t.error = more.error();
      break;
    }
    if (!more.value()) break;
    t.records.push_back(r);
  }
  return t;
}

std::string header_value(const replay::trace::Record& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

// Reads a `curl -N` event stream to its end: when each "data:" line arrived, in milliseconds
// after the first one.
std::vector<double> data_line_offsets_ms(ChildProcess& stream) {
  std::vector<double> offsets;
  std::optional<std::chrono::steady_clock::time_point> first;
  for (const auto& line : stream.read_lines_until_eof(15000)) {
    if (line.text.rfind("data:", 0) != 0) continue;
    if (!first) first = line.at;
    offsets.push_back(std::chrono::duration<double, std::milli>(line.at - *first).count());
  }
  return offsets;
}

// A Python httpbin on a free loopback port.
struct Httpbin {
  std::unique_ptr<ChildProcess> process;
  uint16_t port = 0;
  Httpbin() {
    port = replay::testing::pick_free_port();
    process = std::make_unique<ChildProcess>(std::vector<std::string>{
        kPython, "-m", "httpbin.core", "--port", std::to_string(port), "--host", "127.0.0.1"});
    if (!replay::testing::wait_for_port(port, 15000)) port = 0;
  }
  ~Httpbin() {
    if (process) process->stop(SIGTERM, 5000);
  }
};

}  // namespace

TEST_CASE("record: curl through the proxy; SSE arrives event by event; the file is complete") {
  REQUIRE(access(kCurl.c_str(), X_OK) == 0);
  SimProcess sim({"--no-auth", "--stream-first-token", "50ms", "--stream-tokens", "8",
                  "--stream-token-interval", "100ms"});
  REQUIRE(sim.started());
  const std::string path = temp_path("curl.zst");
  Recorder recorder(
      url(sim.port(), ""), path,
      {"--tag-by", "/api/v1/chat=chat,/health=health", "--session-by", "header:X-Session-Id"});
  REQUIRE(recorder.port != 0);
  CHECK(recorder.line.find("forwarding to http://127.0.0.1:" + std::to_string(sim.port())) !=
        std::string::npos);

  auto health = run_to_exit({kCurl, "-s", "-i", url(recorder.port, "/health/live")}, 10000);
  CHECK(health.exit_code == 0);
  CHECK(health.out.find("HTTP/1.1 200 OK") == 0);
  CHECK(health.out.find("{\"status\":\"alive\"}") != std::string::npos);

  // curl -N prints each event as it arrives: time the lines.
  ChildProcess stream({kCurl, "-s", "-N", "-X", "POST", url(recorder.port, "/api/v1/chat/stream"),
                       "-H", "Content-Type: application/json", "-H",
                       "Authorization: Bearer not-a-real-token", "-H", "X-Session-Id: s-77", "-d",
                       "{\"message\":\"hello\"}"});
  const std::vector<double> data_ms = data_line_offsets_ms(stream);
  CHECK(stream.stop(0, 5000) == 0);
  REQUIRE(data_ms.size() == 9);        // 8 tokens and [DONE]
  CHECK(data_ms[7] >= 7 * 100 * 0.7);  // spaced like the sim sent them

  const int code = recorder.process->stop(SIGINT, 10000);
  CHECK(code == 0);
  const std::string& out = recorder.process->out();
  CHECK(out.find("recorded 2 requests in ") != std::string::npos);
  CHECK(out.find(path) != std::string::npos);
  CHECK(recorder.process->err().empty());

  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const Trace trace = read_trace(path);
  CHECK_FALSE(trace.error.has_value());
  REQUIRE(trace.records.size() == 2);
  CHECK(trace.records[0].target == "/health/live");
  CHECK(trace.records[0].tag == "health");
  CHECK(trace.records[0].response->status == 200);
  const auto& chat = trace.records[1];
  CHECK(chat.method == "POST");
  CHECK(chat.tag == "chat");
  CHECK(chat.session == "s-77");
  CHECK(chat.body == "{\"message\":\"hello\"}");
  CHECK(header_value(chat, "Authorization") == "Bearer REDACTED");
  REQUIRE(chat.response.has_value());
  CHECK(chat.response->sse_events == 9);
  CHECK(chat.response->duration_us >= 700'000);
  CHECK(chat.offset_us > 0);
}

TEST_CASE("record: hey under load, every request recorded in arrival order") {
  REQUIRE(access(kHey.c_str(), X_OK) == 0);
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const std::string path = temp_path("hey.zst");
  Recorder recorder(url(sim.port(), ""), path);
  REQUIRE(recorder.port != 0);
  auto hey =
      run_to_exit({kHey, "-n", "2000", "-c", "20", url(recorder.port, "/health/live")}, 60000);
  CHECK(hey.exit_code == 0);
  CHECK(hey.out.find("[200]\t2000 responses") != std::string::npos);
  CHECK(recorder.process->stop(SIGTERM, 10000) == 0);
  CHECK(recorder.process->out().find("recorded 2000 requests") != std::string::npos);
  const Trace trace = read_trace(path);
  CHECK_FALSE(trace.error.has_value());
  REQUIRE(trace.records.size() == 2000);
  bool sorted = true, all_ok = true;
  for (size_t i = 0; i < trace.records.size(); ++i) {
    if (i > 0 && trace.records[i].offset_us < trace.records[i - 1].offset_us) sorted = false;
    if (!trace.records[i].response || trace.records[i].response->status != 200) all_ok = false;
  }
  CHECK(sorted);
  CHECK(all_ok);
}

TEST_CASE("record: httpbin echoes the same request through the proxy; replay run reproduces it") {
  Httpbin httpbin;
  REQUIRE(httpbin.port != 0);
  const std::string recorded = temp_path("httpbin.zst");
  Recorder recorder(url(httpbin.port, ""), recorded);
  REQUIRE(recorder.port != 0);
  const std::string body = "{\"a\":1,\"text\":\"caf\xc3\xa9\",\"list\":[1,2,3]}";
  auto curl_to = [&](uint16_t port) {
    return run_to_exit(
        {kCurl, "-s", "-X", "POST", url(port, "/anything/items?x=1&y=two"), "-H",
         "Content-Type: application/json", "-H", "X-Custom: abc", "-H", "X-Custom-2: with  spaces",
         "-H", "Authorization: Bearer tok-123", "--data-binary", body},
        20000);
  };
  auto direct = curl_to(httpbin.port);
  auto proxied = curl_to(recorder.port);
  REQUIRE(direct.exit_code == 0);
  REQUIRE(proxied.exit_code == 0);
  simdjson::dom::parser p1, p2;
  simdjson::dom::element d, x;
  REQUIRE(p1.parse(direct.out).get(d) == simdjson::SUCCESS);
  REQUIRE(p2.parse(proxied.out).get(x) == simdjson::SUCCESS);
  // Everything the upstream saw is the same, Host included (the proxy sends the upstream's).
  for (const char* field : {"method", "data", "args", "json", "headers", "url"}) {
    CAPTURE(field);
    CHECK(simdjson::to_string(d[field]) == simdjson::to_string(x[field]));
  }
  CHECK(recorder.process->stop(SIGINT, 10000) == 0);
  const Trace trace = read_trace(recorded);
  REQUIRE(trace.records.size() == 1);
  CHECK(trace.records[0].body == body);

  // Replay the recording through a second recorder: the request it sends is the recorded one.
  const std::string replayed = temp_path("replayed.zst");
  Recorder second(url(httpbin.port, ""), replayed, {"--keep-secrets"});
  REQUIRE(second.port != 0);
  auto run = run_to_exit({kReplay, "run", recorded, "--target", url(second.port, ""), "-q", "--out",
                          temp_path("httpbin-run.json")},
                         60000);
  CHECK(run.exit_code == 0);
  CHECK(second.process->stop(SIGINT, 10000) == 0);
  const Trace again = read_trace(replayed);
  REQUIRE(again.records.size() == 1);
  const auto& a = trace.records[0];
  const auto& b = again.records[0];
  CHECK(b.method == a.method);
  CHECK(b.target == a.target);
  CHECK(b.body == a.body);
  CHECK(b.headers == a.headers);  // Authorization included: the replay sends "Bearer REDACTED"
  REQUIRE(b.response.has_value());
  CHECK(b.response->status == 200);
}

TEST_CASE("record: kill -9 mid-stream leaves every record older than a second readable") {
  SimProcess sim({"--no-auth", "--stream-first-token", "10ms", "--stream-tokens", "100",
                  "--stream-token-interval", "50ms"});
  REQUIRE(sim.started());
  const std::string path = temp_path("killed.zst");
  Recorder recorder(url(sim.port(), ""), path);
  REQUIRE(recorder.port != 0);
  for (int i = 0; i < 30; ++i) {
    auto r = run_to_exit(
        {kCurl, "-s", "-o", "/dev/null", url(recorder.port, "/health/live?i=" + std::to_string(i))},
        10000);
    REQUIRE(r.exit_code == 0);
  }
  // A 5 s stream is in flight when the recorder dies.
  ChildProcess stream({kCurl, "-s", "-N", "-o", "/dev/null", "-X", "POST",
                       url(recorder.port, "/api/v1/chat/stream"), "-H",
                       "Content-Type: application/json", "-d", "{\"message\":\"x\"}"});
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  CHECK(recorder.process->stop(SIGKILL, 5000) == 128 + SIGKILL);
  stream.stop(SIGKILL, 5000);
  const Trace trace = read_trace(path);
  REQUIRE(trace.records.size() >= 30);
  for (int i = 0; i < 30; ++i) {
    CHECK(trace.records[static_cast<size_t>(i)].target == "/health/live?i=" + std::to_string(i));
  }
}

TEST_CASE("record: a full disk stops the recording, not the proxying; exit 2 says what was lost") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const std::string path = temp_path("full.zst");
  ChildProcess::Options limit;
  limit.file_size_limit = 4096;  // the file cannot grow past 4 KiB: writes fail with EFBIG
  Recorder recorder(url(sim.port(), ""), path, {}, limit);
  REQUIRE(recorder.port != 0);
  int ok = 0;
  for (int i = 0; i < 60; ++i) {
    // Bodies that do not compress: the file fills up quickly.
    std::string body;
    for (int j = 0; j < 40; ++j) body += std::to_string((i * 7919 + j * 104729) % 1000003) + ",";
    auto r = run_to_exit({kCurl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                          url(recorder.port, "/webhooks/servicedesk/t1"), "-H",
                          "Content-Type: application/json", "-d", "{\"n\":[" + body + "0]}"},
                         10000);
    ok += r.out == "202" ? 1 : 0;
    // Pauses let the writer end frames: the first five fit in the file.
    if (i == 4 || i % 20 == 19) std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  }
  CHECK(ok == 60);  // every request was proxied
  const int code = recorder.process->stop(SIGINT, 10000);
  CHECK(code == 2);
  const std::string& err = recorder.process->err();
  CHECK(err.find("still proxying, but requests are no longer recorded") != std::string::npos);
  CHECK(err.find("File too large") != std::string::npos);
  CHECK(err.find("of 60 requests not recorded") != std::string::npos);
  // Said twice (at once, and at the end), the same both times, and true: the file holds
  // exactly that many records and ends with a complete frame.
  const std::string kKeeps = "the trace keeps the first ";
  const size_t first = err.find(kKeeps);
  const size_t last = err.rfind(kKeeps);
  REQUIRE(first != std::string::npos);
  REQUIRE(last != first);
  const long kept = std::atol(err.c_str() + first + kKeeps.size());
  CHECK(std::atol(err.c_str() + last + kKeeps.size()) == kept);
  CHECK(kept > 0);
  const Trace trace = read_trace(path);
  CHECK_FALSE(trace.error.has_value());
  CHECK(trace.records.size() == static_cast<size_t>(kept));
  const auto inspected = run_to_exit({kReplay, "inspect", path}, 10000);
  CHECK(inspected.exit_code == 0);
  CHECK(inspected.out.find("records    " + std::to_string(kept) + " ") != std::string::npos);
  const auto skipping = run_to_exit({kReplay, "inspect", "--skip-bad", path}, 10000);
  CHECK(skipping.exit_code == 0);
}

// Every byte of a trace, decompressed by zstd itself (not by replay's reader).
std::string decompressed(const std::string& path) {
  const auto r = run_to_exit({"/usr/bin/zstd", "-dc", path}, 10000);
  CHECK(r.exit_code == 0);
  return r.out;
}

// Sends `bytes` on a new loopback connection to `port` and reads until the peer closes (at
// most 5 s): the response.
std::string exchange_raw(uint16_t port, const std::string& bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  std::string response;
  char buffer[4096];
  for (int i = 0; i < 1000; ++i) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    response.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return response;
}

// Requests full of credentials, sent through a recorder on `port` with curl.
void send_secrets(uint16_t port, const std::string& jwt) {
  const std::vector<std::vector<std::string>> requests = {
      {"-H", "X-Auth-Token: secret-auth-token-1", "-H", "Api-Key: secret-api-key-2", "-H",
       "X-Amz-Security-Token: secret-amz-token-3", "-H", "X-Access-Token: secret-access-4", "-H",
       "Authorization: Bearer secret-bearer-5", "-H", "Cookie: sid=secret-cookie-6",
       url(port, "/health/live?api_key=secret-query-7&id_token=" + jwt + "&page=2")},
      {"-X", "POST", "-H", "Content-Type: application/json", "-d",
       R"({"user":"ann","auth":{"password":"secret-json-8","inner":{"client_secret":"secret-json-9"}}})",
       url(port, "/webhooks/servicedesk/t1")},
      {"-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded", "-d",
       "user=ann&password=secret-form-10&token=" + jwt, url(port, "/webhooks/servicedesk/t1")},
  };
  for (const auto& args : requests) {
    std::vector<std::string> argv = {kCurl, "-s", "-o", "/dev/null"};
    argv.insert(argv.end(), args.begin(), args.end());
    CHECK(run_to_exit(argv, 10000).exit_code == 0);
  }
}

// True when a TCP socket can be bound to [::1] (IPv6 loopback configured).
bool ipv6_loopback_available() {
  const int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

TEST_CASE("record: secrets in headers, query strings and bodies never reach the file") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtand0LTExIn0.c2VjcmV0LXNpZ25hdHVyZS0xMg";
  const std::vector<std::string> secrets = {"secret-auth-token-1",
                                            "secret-api-key-2",
                                            "secret-amz-token-3",
                                            "secret-access-4",
                                            "secret-bearer-5",
                                            "secret-cookie-6",
                                            "secret-query-7",
                                            "secret-json-8",
                                            "secret-json-9",
                                            "secret-form-10",
                                            jwt,
                                            "c2VjcmV0LXNpZ25hdHVyZS0xMg"};

  const std::string fixed_path = temp_path("secrets.zst");
  Recorder fixed(url(sim.port(), ""), fixed_path);
  REQUIRE(fixed.port != 0);
  send_secrets(fixed.port, jwt);
  CHECK(fixed.process->stop(SIGINT, 10000) == 0);
  const std::string fixed_bytes = decompressed(fixed_path);
  for (const auto& secret : secrets) {
    CAPTURE(secret);
    CHECK(fixed_bytes.find(secret) == std::string::npos);
  }
  const Trace fixed_trace = read_trace(fixed_path);
  REQUIRE(fixed_trace.records.size() == 3);
  CHECK(header_value(fixed_trace.records[0], "X-Auth-Token") == "REDACTED");
  CHECK(fixed_trace.records[0].target == "/health/live?api_key=REDACTED&id_token=REDACTED&page=2");
  CHECK(fixed_trace.records[1].body ==
        R"({"user":"ann","auth":{"password":"REDACTED","inner":{"client_secret":"REDACTED"}}})");
  CHECK(fixed_trace.records[2].body == "user=ann&password=REDACTED&token=REDACTED");

  // Hash mode with a key file: placeholders instead, the key nowhere in the file.
  const std::string key_path = temp_path("record.key");
  const std::string key = "k3y-bytes-that-must-not-leak-0123456789";
  { std::ofstream(key_path) << key << "\n"; }
  const std::string hashed_path = temp_path("secrets-hashed.zst");
  Recorder hashed(url(sim.port(), ""), hashed_path, {"--redact-key", key_path});
  REQUIRE(hashed.port != 0);
  send_secrets(hashed.port, jwt);
  CHECK(hashed.process->stop(SIGINT, 10000) == 0);
  const std::string hashed_bytes = decompressed(hashed_path);
  CHECK(hashed_bytes.find(key) == std::string::npos);
  for (const auto& secret : secrets) {
    CAPTURE(secret);
    CHECK(hashed_bytes.find(secret) == std::string::npos);
  }
  const Trace hashed_trace = read_trace(hashed_path);
  REQUIRE(hashed_trace.records.size() == 3);
  const std::string token = header_value(hashed_trace.records[0], "X-Auth-Token");
  CHECK(token.rfind("redacted:hmac:", 0) == 0);
  CHECK(token.size() == 30);
  // The JWT in the query and in the form body is one secret: one placeholder.
  const std::string& target = hashed_trace.records[0].target;
  const size_t id = target.find("id_token=");
  REQUIRE(id != std::string::npos);
  const std::string jwt_placeholder = target.substr(id + 9, 30);
  CHECK(jwt_placeholder.rfind("redacted:hmac:", 0) == 0);
  CHECK(hashed_trace.records[2].body.find("token=" + jwt_placeholder) != std::string::npos);

  const auto short_key = temp_path("short.key");
  { std::ofstream(short_key) << "abc"; }
  const auto refused =
      run_to_exit({kReplay, "record", "--proxy", ":0", "--upstream", url(sim.port(), ""), "-o",
                   temp_path("never.zst"), "--redact-key", short_key},
                  10000);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("--redact-key: key '" + short_key + "': 3 bytes, at least 16") !=
        std::string::npos);
  const auto missing =
      run_to_exit({kReplay, "record", "--proxy", ":0", "--upstream", url(sim.port(), ""), "-o",
                   temp_path("never.zst"), "--redact-key", temp_path("missing.key")},
                  10000);
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("No such file or directory") != std::string::npos);
}

TEST_CASE("record: the summary counts refused requests by status") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const std::string path = temp_path("refused.zst");
  Recorder recorder(url(sim.port(), ""), path);
  REQUIRE(recorder.port != 0);
  for (int i = 0; i < 2; ++i) {
    const std::string connect =
        exchange_raw(recorder.port, "CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(connect.rfind("HTTP/1.1 405 ", 0) == 0);
  }
  const std::string bad_target =
      exchange_raw(recorder.port, "GET ftp://example.com/x HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(bad_target.rfind("HTTP/1.1 400 ", 0) == 0);
  CHECK(exchange_raw(recorder.port,
                     "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .rfind("HTTP/1.1 200 ", 0) == 0);
  CHECK(recorder.process->stop(SIGINT, 10000) == 0);
  const std::string& out = recorder.process->out();
  CHECK(out.find("recorded 1 request in ") != std::string::npos);
  CHECK(out.find(", 3 refused (400 x1, 405 x2)") != std::string::npos);
}

TEST_CASE("record: --session-by client-ip keys sessions by the client's address") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  const std::string path = temp_path("by-ip.zst");
  Recorder recorder(url(sim.port(), ""), path, {"--session-by", "client-ip"});
  REQUIRE(recorder.port != 0);
  for (int i = 0; i < 2; ++i) {
    auto r = run_to_exit({kCurl, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                          url(recorder.port, "/health/live?i=" + std::to_string(i))},
                         10000);
    CHECK(r.out == "200");
  }
  CHECK(recorder.process->stop(SIGINT, 10000) == 0);
  const Trace trace = read_trace(path);
  REQUIRE(trace.records.size() == 2);
  CHECK(trace.records[0].session == "127.0.0.1");
  CHECK(trace.records[1].session == "127.0.0.1");

  if (!ipv6_loopback_available()) {
    MESSAGE("IPv6 loopback unavailable: the [::1] client part is skipped");
    return;
  }
  // A recorder on [::1]: the key is the bare IPv6 address, without brackets or port.
  const std::string v6_path = temp_path("by-ip6.zst");
  std::vector<std::string> argv = {
      kReplay, "record", "--proxy",      "[::1]:0",  "--upstream", url(sim.port(), ""),
      "-o",    v6_path,  "--session-by", "client-ip"};
  ChildProcess v6(argv);
  constexpr std::string_view kPrefix = "listening on [::1]:";
  auto listening = v6.wait_stdout_line(kPrefix, 10000);
  REQUIRE(listening.has_value());
  const std::string v6_port =
      listening->substr(kPrefix.size(), listening->find(',') - kPrefix.size());
  auto r = run_to_exit({kCurl, "-s", "-g", "-o", "/dev/null", "-w", "%{http_code}",
                        "http://[::1]:" + v6_port + "/health/live"},
                       10000);
  CHECK(r.out == "200");
  CHECK(v6.stop(SIGINT, 10000) == 0);
  const Trace v6_trace = read_trace(v6_path);
  REQUIRE(v6_trace.records.size() == 1);
  CHECK(v6_trace.records[0].session == "::1");
  CHECK(v6_trace.records[0].session != trace.records[0].session);
}

// A self-signed certificate for localhost and 127.0.0.1 made with the openssl CLI.
struct SelfSigned {
  std::string cert = temp_path("cert.pem");
  std::string key = temp_path("key.pem");
  bool made = false;
  SelfSigned() {
    auto r = run_to_exit(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext",
         "subjectAltName=DNS:localhost,IP:127.0.0.1"},
        20000);
    made = r.exit_code == 0;
  }
};

TEST_CASE("record: --cert/--key serve https; curl verifies it; SSE streams incrementally") {
  REQUIRE(access("/usr/bin/openssl", X_OK) == 0);
  SelfSigned tls;
  REQUIRE(tls.made);
  SimProcess sim({"--no-auth", "--stream-first-token", "50ms", "--stream-tokens", "6",
                  "--stream-token-interval", "100ms"});
  REQUIRE(sim.started());
  const std::string path = temp_path("https.zst");
  Recorder recorder(url(sim.port(), ""), path,
                    {"--cert", tls.cert, "--key", tls.key, "--tag-by", "/api/v1/chat=chat"});
  REQUIRE(recorder.port != 0);
  CHECK(recorder.line.find("listening on https://127.0.0.1:") == 0);
  const std::string base = "https://localhost:" + std::to_string(recorder.port);
  const std::string resolve = "localhost:" + std::to_string(recorder.port) + ":127.0.0.1";

  auto health = run_to_exit(
      {kCurl, "-s", "-i", "--cacert", tls.cert, "--resolve", resolve, base + "/health/live"},
      10000);
  CHECK(health.exit_code == 0);
  // curl offers h2 by ALPN and the recorder takes it (HTTP/1.1 clients are in other tests).
  CHECK(health.out.find("HTTP/2 200") == 0);
  CHECK(health.out.find("{\"status\":\"alive\"}") != std::string::npos);
  // Without the CA curl refuses the self-signed certificate: it really is TLS.
  auto untrusted = run_to_exit({kCurl, "-s", "--resolve", resolve, base + "/health/live"}, 10000);
  CHECK(untrusted.exit_code == 60);
  // Plain HTTP to the https port gets no HTTP answer.
  auto plain = run_to_exit({kCurl, "-s", "-m", "5", url(recorder.port, "/health/live")}, 10000);
  CHECK(plain.exit_code != 0);

  ChildProcess stream({kCurl, "-s", "-N", "--cacert", tls.cert, "--resolve", resolve, "-X", "POST",
                       base + "/api/v1/chat/stream", "-H", "Content-Type: application/json", "-d",
                       "{\"message\":\"over tls\"}"});
  const std::vector<double> data_ms = data_line_offsets_ms(stream);
  CHECK(stream.stop(0, 5000) == 0);
  REQUIRE(data_ms.size() == 7);        // 6 tokens and [DONE]
  CHECK(data_ms[5] >= 5 * 100 * 0.7);  // each event arrived when the sim sent it

  CHECK(recorder.process->stop(SIGINT, 10000) == 0);
  CHECK(recorder.process->out().find("recorded 2 requests in ") != std::string::npos);
  const Trace trace = read_trace(path);
  CHECK_FALSE(trace.error.has_value());
  REQUIRE(trace.records.size() == 2);
  CHECK(trace.records[0].target == "/health/live");
  CHECK(trace.records[0].response->status == 200);
  CHECK(trace.records[1].tag == "chat");
  CHECK(trace.records[1].body == "{\"message\":\"over tls\"}");
  REQUIRE(trace.records[1].response.has_value());
  CHECK(trace.records[1].response->sse_events == 7);
}

TEST_CASE("record: --cert and --key errors are one line with exit code 1") {
  SelfSigned tls;
  REQUIRE(tls.made);
  const std::vector<std::string> base = {
      kReplay, "record", "--upstream", "http://127.0.0.1:9", "-o", temp_path("tls-errors.zst")};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_to_exit(argv, 10000);
  };
  auto cert_only = with({"--cert", tls.cert});
  CHECK(cert_only.exit_code == 1);
  CHECK(cert_only.err == "replay: record: --cert needs --key (the certificate's private key)\n");
  auto key_only = with({"--key", tls.key});
  CHECK(key_only.exit_code == 1);
  CHECK(key_only.err == "replay: record: --key needs --cert (the certificate it belongs to)\n");
  auto missing = with({"--cert", "/nonexistent/x.pem", "--key", tls.key});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err ==
        "replay: record: --cert/--key: certificate '/nonexistent/x.pem': no such file\n");
  auto swapped = with({"--cert", tls.key, "--key", tls.cert});
  CHECK(swapped.exit_code == 1);
  CHECK(swapped.err.find("replay: record: --cert/--key: certificate '" + tls.key + "'") == 0);
  CHECK(std::count(swapped.err.begin(), swapped.err.end(), '\n') == 1);
}

// One-shot upstream for the slow-client test (agent-sim's streams are paced by its timers):
// answers GET /warm with "ok" and GET /large with SIZE bytes (0, 1, ... 255, 0, ...) as fast
// as the proxy takes them, then exits. Argv: PORT SIZE (a multiple of 1 MiB).
constexpr const char* kLargeUpstream = R"(
import socket, sys
port, size = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(8)
srv.settimeout(60)
pattern = bytes(range(256)) * 4096
while True:
    conn, _ = srv.accept()
    conn.settimeout(60)
    data = b""
    while True:
        while b"\r\n\r\n" not in data:
            piece = conn.recv(65536)
            if not piece:
                break
            data += piece
        if b"\r\n\r\n" not in data:
            break
        head, _, data = data.partition(b"\r\n\r\n")
        if b" /large " in head.split(b"\r\n")[0]:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                         b"Content-Length: %d\r\n\r\n" % size)
            for _ in range(size // len(pattern)):
                conn.sendall(pattern)
            conn.close()
            sys.exit(0)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    conn.close()
)";

// A client with a small fixed receive buffer (so the kernel cannot absorb a response for it)
// that asks for /large, waits a second, then reads 64 KiB at a time with short sleeps until
// the proxy closes. Argv: PORT OUTPUT_FILE.
constexpr const char* kSlowClient = R"(
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.settimeout(30)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /large HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
time.sleep(1)
data = bytearray()
deadline = time.time() + 60
while time.time() < deadline:
    piece = s.recv(65536)
    if not piece:
        break
    data += piece
    time.sleep(0.002)
open(sys.argv[2], "wb").write(data)
)";

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

// A process's resident memory in KiB from /proc/PID/status: "VmRSS" now or "VmHWM" (peak).
long memory_kib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

TEST_CASE("record: a slow client gets a large response intact while the proxy stays small") {
  constexpr size_t kBody = 16 << 20;
  const uint16_t upstream_port = replay::testing::pick_free_port();
  ChildProcess upstream(
      {kPython, "-c", kLargeUpstream, std::to_string(upstream_port), std::to_string(kBody)});
  REQUIRE(replay::testing::wait_for_port(upstream_port, 10000));
  const std::string path = temp_path("slow-client.zst");
  Recorder recorder(url(upstream_port, ""), path, {"--order-window", "60s"});
  REQUIRE(recorder.port != 0);
  auto warm = run_to_exit({kCurl, "-s", url(recorder.port, "/warm")}, 10000);
  REQUIRE(warm.out == "ok");
  const long rss_before_kib = memory_kib(recorder.process->pid(), "VmRSS");
  REQUIRE(rss_before_kib > 0);

  const std::string received = temp_path("slow-client.bin");
  auto slow =
      run_to_exit({kPython, "-c", kSlowClient, std::to_string(recorder.port), received}, 90000);
  CHECK(slow.exit_code == 0);
  const long peak_kib = memory_kib(recorder.process->pid(), "VmHWM");
  // Without the pauses the proxy would hold most of the 16 MiB the client had not read.
  // AddressSanitizer keeps freed memory in quarantine, so its RSS cannot show the bound:
  // there the pauses counted below are the evidence.
  if (!kAddressSanitizer) CHECK(peak_kib - rss_before_kib < 4 * 1024);
  CHECK(recorder.process->stop(SIGINT, 10000) == 0);
  CHECK(recorder.process->out().find(" upstream pauses for slow clients") != std::string::npos);

  std::ifstream file(received, std::ios::binary);
  const std::string response((std::istreambuf_iterator<char>(file)),
                             std::istreambuf_iterator<char>());
  const size_t body_at = response.find("\r\n\r\n");
  REQUIRE(body_at != std::string::npos);
  CHECK(response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(response.find("Content-Length: " + std::to_string(kBody)) < body_at);
  REQUIRE(response.size() - body_at - 4 == kBody);
  bool intact = true;
  for (size_t i = 0; i < kBody && intact; ++i) {
    intact = static_cast<unsigned char>(response[body_at + 4 + i]) == i % 256;
  }
  CHECK(intact);
  std::remove(received.c_str());
  const Trace trace = read_trace(path);
  REQUIRE(trace.records.size() == 2);
  REQUIRE(trace.records[1].response.has_value());
  CHECK(trace.records[1].response->bytes == kBody);
}

TEST_CASE("record: usage errors and an output that cannot be written") {
  auto missing = run_to_exit({kReplay, "record", "-o", temp_path("x.zst")}, 10000);
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("--upstream") != std::string::npos);
  auto bad_rule = run_to_exit({kReplay, "record", "--upstream", "http://127.0.0.1:9", "-o",
                               temp_path("x.zst"), "--tag-by", "chat"},
                              10000);
  CHECK(bad_rule.exit_code == 1);
  CHECK(bad_rule.err ==
        "replay: record: --tag-by: 'chat': expected '=' (use /path/prefix=TAG, "
        "header:NAME or *=TAG)\n");
  auto bad_http = run_to_exit({kReplay, "record", "--upstream", "http://127.0.0.1:9", "-o",
                               temp_path("x.zst"), "--upstream-http", "3"},
                              10000);
  CHECK(bad_http.exit_code == 1);
  CHECK(bad_http.err == "replay: record: --upstream-http must be auto, 1.1 or 2, got '3'\n");
  auto h2c_as_h1 = run_to_exit({kReplay, "record", "--upstream", "h2c://127.0.0.1:9", "-o",
                                temp_path("x.zst"), "--upstream-http", "1.1"},
                               10000);
  CHECK(h2c_as_h1.exit_code == 1);
  CHECK(h2c_as_h1.err ==
        "replay: record: --upstream-http 1.1: the target h2c://127.0.0.1:9 is h2c:// (HTTP/2)\n");
  auto full = run_to_exit(
      {kReplay, "record", "--upstream", "http://127.0.0.1:9", "-o", "/dev/full"}, 10000);
  CHECK(full.exit_code == 2);
  CHECK(full.err.find("No space left on device") != std::string::npos);
  auto busy_sim = SimProcess({"--no-auth"});
  REQUIRE(busy_sim.started());
  auto in_use =
      run_to_exit({kReplay, "record", "--proxy", "127.0.0.1:" + std::to_string(busy_sim.port()),
                   "--upstream", "http://127.0.0.1:9", "-o", temp_path("busy.zst")},
                  10000);
  CHECK(in_use.exit_code == 2);
  CHECK(in_use.err.find("--proxy") != std::string::npos);
}

TEST_CASE("import: HAR and access-log fixtures to traces, bad input named by line") {
  const std::string har = temp_path("har.zst");
  auto imported = run_to_exit(
      {kReplay, "import", "har", kFixtures + "sample.har", "-o", har, "--tag-by", "*=web"}, 10000);
  CHECK(imported.exit_code == 0);
  CHECK(imported.out.find("imported 4 requests from") == 0);
  CHECK(imported.out.find("(base url https://app.example.com), 2 hosts") != std::string::npos);
  const Trace t = read_trace(har);
  REQUIRE(t.records.size() == 4);
  CHECK(t.records[0].tag == "web");
  auto inspect = run_to_exit({kReplay, "inspect", har, "--json"}, 10000);
  CHECK(inspect.exit_code == 0);
  CHECK(inspect.out.find("\"source\":\"import har\"") != std::string::npos);

  auto bad = run_to_exit(
      {kReplay, "import", "har", kFixtures + "bad.har", "-o", temp_path("b.zst")}, 10000);
  CHECK(bad.exit_code == 1);
  CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
  CHECK(bad.err.find("entry 2 (line 11): request.url: missing") != std::string::npos);
  auto skipped = run_to_exit(
      {kReplay, "import", "har", kFixtures + "bad.har", "-o", temp_path("b.zst"), "--skip-bad"},
      10000);
  CHECK(skipped.exit_code == 0);
  CHECK(skipped.out.find("imported 2 requests") == 0);
  CHECK(skipped.out.find("3 bad entries skipped") != std::string::npos);

  const std::string log = temp_path("log.zst");
  auto from_log = run_to_exit({kReplay, "import", "access-log", kFixtures + "access.log", "-o", log,
                               "--base-url", "http://127.0.0.1:8000", "--session-by", "client-ip"},
                              10000);
  CHECK(from_log.exit_code == 0);
  CHECK(from_log.out.find("imported 5 requests") == 0);
  CHECK(from_log.out.find(", 1 left out (methods other than GET and HEAD") != std::string::npos);
  const Trace l = read_trace(log);
  REQUIRE(l.records.size() == 5);
  CHECK(l.records[1].session == "10.0.0.2");
  auto bad_log = run_to_exit(
      {kReplay, "import", "access-log", kFixtures + "bad_access.log", "-o", temp_path("c.zst")},
      10000);
  CHECK(bad_log.exit_code == 1);
  CHECK(bad_log.err.find("line 2: malformed request line") != std::string::npos);
  auto skip_log = run_to_exit({kReplay, "import", "access-log", kFixtures + "bad_access.log", "-o",
                               temp_path("c.zst"), "--skip-bad"},
                              10000);
  CHECK(skip_log.exit_code == 0);
  CHECK(skip_log.out.find("imported 3 requests") == 0);
  CHECK(skip_log.out.find("3 bad lines skipped (first: line 2: malformed request line") !=
        std::string::npos);
}
