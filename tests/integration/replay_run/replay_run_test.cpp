// replay's engine against tools/agent-sim on loopback: measured latencies against injected
// delays and stalls, send-rate accuracy, stages, saturation, and failures counted by cause.
// Every run is bounded by its schedule (a few seconds to 20 s) and the request timeout.

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "replay/auth/jwt.hpp"
#include "replay/engine/engine.hpp"
#include "replay/histogram/histogram.hpp"
#include "replay/report/run_report.hpp"
#include "replay/results/saturation.hpp"
#include "replay/trace/trace_writer.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"
#include "test_certificate.hpp"
#include "test_client.hpp"

using namespace replay;
using namespace replay::engine;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

// Writes `records` as the trace `name` in the test's folder; returns its path.
std::string write_records(const std::string& name, const std::vector<trace::Record>& records) {
  const std::string path = temp_path(name + ".zst");
  trace::TraceHeader header;
  header.source = "replay_run_test";
  auto writer = trace::TraceWriter::create(path, header);
  REQUIRE(writer.ok());
  for (const auto& r : records) REQUIRE(writer.value()->write(r).ok());
  REQUIRE(writer.value()->close().ok());
  return path;
}

// A trace of `count` copies of one request, 1 ms apart (runs re-time it with --rate).
std::string write_trace(const std::string& name, const std::string& method,
                        const std::string& target, int count = 1, const std::string& tag = "t") {
  std::vector<trace::Record> records(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    auto& r = records[static_cast<size_t>(i)];
    r.method = method;
    r.target = target;
    r.tag = tag;
    r.offset_us = i * 1000;
  }
  return write_records(name, records);
}

RunResult replay_at(const std::string& trace, uint16_t port, const std::string& rate,
                    int64_t duration_us, RunConfig config = {}) {
  config.trace_path = trace;
  config.target_url = "http://127.0.0.1:" + std::to_string(port);
  config.rate = schedule::parse_rate_schedule(rate).value();
  config.duration_us = duration_us;
  config.loop = true;
  std::atomic<bool> interrupt{false};
  auto result = run_replay(config, nullptr, interrupt);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().context));
  return std::move(result).value();
}

uint64_t failures_of(const RunResult& r, client::FailureCause cause) {
  return r.overall.failures[static_cast<size_t>(cause)];
}

double ms(int64_t us) {
  return static_cast<double>(us) / 1000.0;
}

// The run's saturation verdict as `replay run` states it: analysed on the result it saves.
results::Saturation verdict_of(const RunResult& r) {
  report::RunReport run;
  run.result = r;
  return results::analyse_saturation(report::to_result_doc(run));
}

}  // namespace

TEST_CASE("a fixed 20 ms service latency under capacity gives a corrected p50 within 2 ms of it") {
  SimProcess sim({"--no-auth", "--latency", "20ms"});
  REQUIRE(sim.started());
  auto trace = write_trace("fixed", "GET", "/api/v1/analytics/agents");
  auto r = replay_at(trace, sim.port(), "200/s", 5'000'000);
  CHECK(r.overall.offered == 1000);
  CHECK(r.overall.completed == 1000);
  CHECK(r.overall.failed() == 0);
  CHECK(r.overall.status_classes[2] == 1000);
  INFO("corrected p50 " << ms(r.overall.corrected.value_at_percentile(50)) << " ms");
  CHECK(std::abs(r.overall.corrected.value_at_percentile(50) - 20'000) <= 2'000);
  CHECK(std::abs(r.overall.service.value_at_percentile(50) - 20'000) <= 2'000);
  // Under capacity the corrected and service distributions agree: nothing waited.
  CHECK(r.overall.send_lag.value_at_percentile(50) < 2'000);
  REQUIRE(r.by_endpoint.size() == 1);
  CHECK(r.by_endpoint[0].name == "GET /api/v1/analytics/agents");
}

TEST_CASE(
    "a 2 s stall: corrected p99 and p99.9 match the analytic expectation, service p99 "
    "does not see it") {
  // 1000/s for 20 s = 20000 requests; the sim answers nothing from 5 s to 7 s after its start.
  // The ~2000 requests intended inside the window complete when it ends, so their corrected
  // latencies spread uniformly over 0..2 s: the top 1 % (200 requests) is above
  // 2 s * (1 - 200/2000) = 1.8 s and the top 0.1 % above 2 s * (1 - 20/2000) = 1.98 s.
  // With 50 connections only ~50 requests are on the wire during the stall, so service time
  // (what closed-loop tools report) keeps its p99 small: that gap is coordinated omission.
  SimProcess sim({"--no-auth", "--stall", "2s@5s"});
  REQUIRE(sim.started());
  auto trace = write_trace("stall", "GET", "/health/live");
  RunConfig config;
  config.max_connections = 50;
  auto r = replay_at(trace, sim.port(), "1000/s", 20'000'000, config);
  CHECK(r.overall.offered == 20000);
  CHECK(r.overall.completed == 20000);
  const double p99 = ms(r.overall.corrected.value_at_percentile(99));
  const double p999 = ms(r.overall.corrected.value_at_percentile(99.9));
  INFO("corrected p99 " << p99 << " ms, p99.9 " << p999 << " ms, service p99 "
                        << ms(r.overall.service.value_at_percentile(99)) << " ms");
  CHECK(p99 == doctest::Approx(1800).epsilon(0.10));
  CHECK(p999 == doctest::Approx(1980).epsilon(0.10));
  CHECK(ms(r.overall.corrected.max()) == doctest::Approx(2000).epsilon(0.10));
  CHECK(ms(r.overall.service.value_at_percentile(99)) < 100);
}

TEST_CASE("the achieved send rate is within 1 % of the requested rate") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  auto trace = write_trace("rate", "GET", "/health/live");
  auto r = replay_at(trace, sim.port(), "2000/s", 5'000'000);
  CHECK(r.overall.offered == 10000);
  CHECK(r.overall.sent == 10000);
  REQUIRE(r.timeline.size() >= 5);
  for (int s = 1; s <= 3; ++s) {
    INFO("second " << s);
    CHECK(r.timeline[s].offered == 2000);
    CHECK(static_cast<double>(r.timeline[s].sent) == doctest::Approx(2000).epsilon(0.01));
  }
  INFO("send lag p99 " << ms(r.overall.send_lag.value_at_percentile(99)) << " ms");
  CHECK(r.overall.send_lag.value_at_percentile(50) < 1'000);
}

TEST_CASE("an idle stretch of the trace is slept through: the run wakes for its timers only") {
  // Two requests 3 s apart at their recorded times, on one worker. Each thread wakes only for
  // its ticks (the worker's every 100 ms, the feeder's batches and the live view's second) and
  // the two requests; a worker that polled its input every millisecond while it had nothing
  // to send made about 3000 voluntary context switches here.
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  trace::Record first;
  first.method = "GET";
  first.target = "/health/live";
  trace::Record second = first;
  second.offset_us = 3'000'000;
  RunConfig config;
  config.trace_path = write_records("idle", {first, second});
  config.target_url = "http://127.0.0.1:" + std::to_string(sim.port());
  config.threads = 1;
  std::atomic<bool> interrupt{false};
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  auto result = run_replay(config, nullptr, interrupt);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  REQUIRE(result.ok());
  CHECK(result->overall.completed == 2);
  // Woken by its own timer, each request leaves within a few milliseconds; one that waited for
  // the worker's 100 ms tick would be 100 ms late. The margin is for ASan on a busy CI machine,
  // where 5.5 ms has been seen.
  CHECK(result->overall.send_lag.max() < 40'000);
  const long switches = after.ru_nvcsw - before.ru_nvcsw;
  INFO("voluntary context switches: " << switches);
  CHECK(switches < 400);
}

TEST_CASE("stages hit their rates") {
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  auto trace = write_trace("stages", "GET", "/health/live");
  auto r = replay_at(trace, sim.port(), "100/s:2s, 100/s->300/s:2s, 300/s:2s", 6'000'000);
  // 100*2 + (100+300)/2*2 + 300*2
  CHECK(static_cast<double>(r.overall.offered) == doctest::Approx(1200).epsilon(0.002));
  REQUIRE(r.timeline.size() >= 6);
  CHECK(r.timeline[0].sent == doctest::Approx(100).epsilon(0.03));
  CHECK(r.timeline[1].sent == doctest::Approx(100).epsilon(0.03));
  CHECK(r.timeline[2].sent == doctest::Approx(150).epsilon(0.05));
  CHECK(r.timeline[3].sent == doctest::Approx(250).epsilon(0.05));
  CHECK(r.timeline[4].sent == doctest::Approx(300).epsilon(0.03));
  CHECK(r.timeline[5].sent == doctest::Approx(300).epsilon(0.03));
}

TEST_CASE("--max-connections below the load: client-limited, not service saturation") {
  // 4 connections to a 100 ms endpoint serve at most 40/s; 80/s are offered for 8 s. The
  // backlog grows by ~40 requests every second, and the median latency of each second's
  // completions by (80 - 40) / 80 = 0.5 s per second, while the service still answers in
  // 100 ms: the limit is replay's connection cap, and the verdict says so.
  SimProcess sim({"--no-auth", "--latency", "100ms"});
  REQUIRE(sim.started());
  auto trace = write_trace("saturate", "GET", "/api/v1/analytics/agents");
  RunConfig config;
  config.max_connections = 4;
  config.threads = 1;
  auto r = replay_at(trace, sim.port(), "80/s", 8'000'000, config);
  auto verdict = verdict_of(r);
  INFO(verdict.summary);
  CHECK(verdict.client_limited);
  CHECK_FALSE(verdict.generator_limited);
  CHECK_FALSE(verdict.saturated);
  CHECK(verdict.summary.find("CLIENT-LIMITED") == 0);
  CHECK(verdict.growth_ms_per_s == doctest::Approx(500).epsilon(0.25));
  CHECK(verdict.achieved_per_s == doctest::Approx(40).epsilon(0.15));
  CHECK(r.overall.service.value_at_percentile(50) < 150'000);
  CHECK(r.overall.connection_wait.value_at_percentile(99) > 1'000'000);
  CHECK(r.overall.scheduler_lag.value_at_percentile(99) < 20'000);
  REQUIRE(r.timeline.size() >= 7);
  CHECK(r.timeline[6].backlog > r.timeline[2].backlog);
  CHECK(r.timeline[6].backlog > 100);
  // Nothing dropped: what still waited for a connection at the end was abandoned, counted,
  // and kept in the corrected latency as a lower bound.
  const uint64_t abandoned = failures_of(r, client::FailureCause::abandoned);
  CHECK(abandoned > 200);
  CHECK(r.overall.completed + abandoned == r.overall.offered);
  CHECK(r.overall.offered == 640);
  CHECK(r.overall.corrected.count() == 640);
}

TEST_CASE("--rate beyond what replay can send: generator-limited, bounded, on time") {
  // A million requests a second for 3 s: far more than replay sends on this machine. Input is
  // pulled only while few requests wait, so memory stays bounded; what was not sent by the end
  // is abandoned at once, so the run ends soon after its 3 s.
  SimProcess sim({"--no-auth"});
  REQUIRE(sim.started());
  auto trace = write_trace("flood", "GET", "/health/live");
  const auto started = std::chrono::steady_clock::now();
  auto r = replay_at(trace, sim.port(), "1000000/s", 3'000'000);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto verdict = verdict_of(r);
  INFO(verdict.summary << "; ran " << seconds << " s");
  CHECK(verdict.generator_limited);
  CHECK(verdict.summary.find("GENERATOR-LIMITED") == 0);
  CHECK(seconds < 20);
  CHECK(r.overall.offered == 3'000'000);
  CHECK(r.overall.completed + r.overall.failed() == r.overall.offered);
  CHECK(failures_of(r, client::FailureCause::abandoned) > 0);
}

TEST_CASE("a refused connection is counted by cause and the run goes on") {
  // A port that was just bound and released: nothing listens there.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const uint16_t port = ntohs(addr.sin_port);
  close(fd);
  auto trace = write_trace("refused", "GET", "/health/live");
  auto r = replay_at(trace, port, "50/s", 1'000'000);
  CHECK(r.overall.offered == 50);
  CHECK(failures_of(r, client::FailureCause::connect_refused) == 50);
  CHECK(r.overall.completed == 0);
  CHECK(r.overall.error_ratio() == doctest::Approx(1.0));
}

TEST_CASE("resets, timeouts and 5xx are counted by cause") {
  SUBCASE("reset") {
    SimProcess sim({"--no-auth", "--reset-rate", "1"});
    REQUIRE(sim.started());
    auto trace = write_trace("reset", "GET", "/health/live");
    auto r = replay_at(trace, sim.port(), "50/s", 1'000'000);
    CHECK(failures_of(r, client::FailureCause::reset) == 50);
  }
  SUBCASE("timeout") {
    SimProcess sim({"--no-auth", "--stall", "10s@0s"});
    REQUIRE(sim.started());
    auto trace = write_trace("timeout", "GET", "/health/live");
    RunConfig config;
    config.timeout_ms = 300;
    auto r = replay_at(trace, sim.port(), "20/s", 1'000'000, config);
    CHECK(failures_of(r, client::FailureCause::timeout) == 20);
    // Failed requests stay in the corrected latency, at their failure time (a lower bound):
    // a p99 threshold under the timeout cannot pass while every request times out.
    CHECK(r.overall.corrected.count() == 20);
    CHECK(r.overall.lower_bounds == 20);
    CHECK(r.overall.corrected.value_at_percentile(50) >= 300'000);
    CHECK(r.overall.corrected_completed.count() == 0);
    CHECK(r.overall.service.count() == 0);
    uint64_t failed_in_rows = 0;
    for (const auto& row : r.timeline) {
      failed_in_rows += row.failed;
      const uint64_t in_histogram =
          row.corrected.empty() ? 0 : histogram::Histogram::deserialise(row.corrected)->count();
      CHECK(in_histogram == row.completed + row.failed);
    }
    CHECK(failed_in_rows == 20);
  }
  SUBCASE("5xx") {
    SimProcess sim({"--no-auth", "--error-rate", "1"});
    REQUIRE(sim.started());
    auto trace = write_trace("errors", "GET", "/api/v1/analytics/agents");
    auto r = replay_at(trace, sim.port(), "50/s", 1'000'000);
    CHECK(r.overall.status_classes[5] == 50);
    CHECK(r.overall.error_ratio() == doctest::Approx(1.0));
  }
}

namespace {

// A listening socket on 127.0.0.1 at an ephemeral port, which it stores in `port`.
int listen_on_loopback(uint16_t& port) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(listener, 64) == 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return listener;
}

}  // namespace

TEST_CASE("a target that answers with malformed HTTP is counted as http_parse") {
  uint16_t port = 0;
  const int listener = listen_on_loopback(port);
  std::atomic<bool> stop{false};
  std::thread server([&] {
    while (!stop.load()) {
      pollfd p{listener, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(listener, nullptr, nullptr);
      if (c < 0) continue;
      char buf[4096];
      pollfd q{c, POLLIN, 0};
      if (poll(&q, 1, 1000) > 0 && read(c, buf, sizeof buf) > 0) {
        const char garbage[] = "HTTP/1.1 abc nonsense\r\n\r\n";
        [[maybe_unused]] auto n = write(c, garbage, sizeof garbage - 1);
      }
      close(c);
    }
  });
  auto trace = write_trace("garbage", "GET", "/x");
  auto r = replay_at(trace, port, "20/s", 1'000'000);
  stop.store(true);
  server.join();
  close(listener);
  CHECK(failures_of(r, client::FailureCause::http_parse) == 20);
}

namespace {

// `sessions` plan lifecycles (create -> get -> approve -> status), `think_ms` apart, the id
// captured from the create response by `capture_source`.
std::string write_plans_trace(const std::string& name, int sessions, int think_ms,
                              const std::string& capture_source) {
  std::vector<trace::Record> records;
  for (int i = 0; i < sessions; ++i) {
    const int64_t start = i * 100'000;
    const std::string session = "plans-" + std::to_string(i);
    trace::Record create;
    create.session = session;
    create.tag = "plans";
    create.offset_us = start;
    create.method = "POST";
    create.target = "/api/v1/plans";
    create.headers = {{"Content-Type", "application/json"}};
    create.body = R"({"goal":"Onboard tenant )" + std::to_string(i) + R"("})";
    create.captures = {{"plan_id", capture_source}};
    records.push_back(create);
    const char* steps[][2] = {{"GET", "/api/v1/plans/{{plan_id}}"},
                              {"POST", "/api/v1/plans/{{plan_id}}/approve"},
                              {"GET", "/api/v1/plans/{{plan_id}}/status"}};
    for (int k = 0; k < 3; ++k) {
      trace::Record step;
      step.session = session;
      step.tag = "plans";
      step.offset_us = start + (k + 1) * think_ms * 1000;
      step.method = steps[k][0];
      step.target = steps[k][1];
      records.push_back(step);
    }
  }
  return write_records(name, records);
}

const ScopeStats* endpoint(const RunResult& r, const std::string& name) {
  for (const auto& e : r.by_endpoint) {
    if (e.name == name) return &e.stats;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("plan lifecycles chain through captured ids: every plan approved, no 404") {
  // Creating a plan takes 150 ms; the next step is scheduled 20 ms after the create, so it
  // starts when the create completes plus its 20 ms think time, and its latency is measured
  // from then: the slow create is not counted again in the steps after it.
  SimProcess sim({"--no-auth", "--plan-latency", "150ms"});
  REQUIRE(sim.started());
  auto trace = write_plans_trace("plans", 20, 20, "json:/id");
  RunConfig config;
  config.trace_path = trace;
  config.target_url = "http://127.0.0.1:" + std::to_string(sim.port());
  config.speed = 1.0;
  std::atomic<bool> interrupt{false};
  auto result = run_replay(config, nullptr, interrupt);
  REQUIRE(result.ok());
  const RunResult& r = result.value();
  CHECK(r.overall.offered == 80);
  CHECK(r.overall.completed == 80);
  CHECK(r.overall.status_classes[2] == 80);
  CHECK(r.overall.status_classes[4] == 0);
  CHECK(r.overall.capture_failed == 0);
  CHECK(r.overall.session_aborted == 0);
  const ScopeStats* create = endpoint(r, "POST /api/v1/plans");
  const ScopeStats* get = endpoint(r, "GET /api/v1/plans/{id}");
  const ScopeStats* approve = endpoint(r, "POST /api/v1/plans/{id}/approve");
  REQUIRE(create);
  REQUIRE(get);
  REQUIRE(approve);
  CHECK(approve->status_classes[2] == 20);
  CHECK(create->corrected.value_at_percentile(50) >= 150'000);
  INFO("get p99 " << ms(get->corrected.value_at_percentile(99)) << " ms");
  CHECK(get->corrected.value_at_percentile(99) < 100'000);

  // The service agrees: 20 plans created and approved.
  replay::testing::TestConnection connection(sim.port());
  auto analytics =
      connection.request("GET /api/v1/analytics/agents HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  REQUIRE(analytics.has_value());
  CHECK(analytics->body.find("\"plans_created\":20") != std::string::npos);
  CHECK(analytics->body.find("\"plans_approved\":20") != std::string::npos);
}

TEST_CASE("a capture the response does not hold fails its session's later steps, counted") {
  SimProcess sim({"--no-auth", "--plan-latency", "10ms"});
  REQUIRE(sim.started());
  auto trace = write_plans_trace("broken", 10, 20, "json:/no_such_field");
  RunConfig config;
  config.trace_path = trace;
  config.target_url = "http://127.0.0.1:" + std::to_string(sim.port());
  std::atomic<bool> interrupt{false};
  auto result = run_replay(config, nullptr, interrupt);
  REQUIRE(result.ok());
  const RunResult& r = result.value();
  CHECK(r.overall.offered == 40);
  CHECK(r.overall.completed == 10);  // only the creates went out
  CHECK(r.overall.capture_failed == 10);
  CHECK(r.overall.session_aborted == 30);
  CHECK(r.overall.status_classes[4] == 0);  // no request ever went out with a bad id
  CHECK(r.overall.error_ratio() == doctest::Approx(1.0));
  // Steps never sent have no latency: only the creates were measured.
  CHECK(r.overall.corrected.count() == 10);
  const ScopeStats* get = endpoint(r, "GET /api/v1/plans/{id}");
  REQUIRE(get);
  CHECK(get->session_aborted == 10);
  CHECK(get->corrected.count() == 0);
  CHECK(get->sent == 0);
}

namespace {

// A raw HTTP server (none of replay's HTTP code) that creates items: POST /items answers 201
// with `Location: /items/N` and no body, GET /items/N answers 200 for an N it created and 404
// otherwise. One request per connection, each answer ends with Connection: close.
class ItemServer {
 public:
  ItemServer() : listener_(listen_on_loopback(port_)), thread_([this] { serve(); }) {}
  ~ItemServer() {
    stop_.store(true);
    thread_.join();
    close(listener_);
  }
  uint16_t port() const { return port_; }
  int gets_found() const { return gets_found_.load(); }

 private:
  void serve() {
    int created = 0;
    while (!stop_.load()) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept(listener_, nullptr, nullptr);
      if (c < 0) continue;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        pollfd q{c, POLLIN, 0};
        if (poll(&q, 1, 1000) <= 0) break;
        const ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      std::string answer;
      if (head.rfind("POST /items ", 0) == 0) {
        ++created;
        answer = "HTTP/1.1 201 Created\r\nLocation: /items/" + std::to_string(created) +
                 "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      } else {
        const int id = head.rfind("GET /items/", 0) == 0 ? std::atoi(head.c_str() + 11) : 0;
        const bool found = id > 0 && id <= created;
        if (found) ++gets_found_;
        answer = found ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                       : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: "
                         "close\r\n\r\n";
      }
      [[maybe_unused]] auto n = write(c, answer.data(), answer.size());
      close(c);
    }
  }

  uint16_t port_ = 0;
  int listener_;
  std::atomic<bool> stop_{false};
  std::atomic<int> gets_found_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("header: captures take the Location of a create into the next step") {
  ItemServer server;
  std::vector<trace::Record> records;
  for (int i = 0; i < 10; ++i) {
    const std::string session = "items-" + std::to_string(i);
    trace::Record create;
    create.session = session;
    create.offset_us = i * 50'000;
    create.method = "POST";
    create.target = "/items";
    create.captures = {{"loc", "header:Location"}};
    trace::Record get;
    get.session = session;
    get.offset_us = i * 50'000 + 10'000;
    get.method = "GET";
    get.target = "{{loc}}";
    records.push_back(create);
    records.push_back(get);
  }
  RunConfig config;
  config.trace_path = write_records("items", records);
  config.target_url = "http://127.0.0.1:" + std::to_string(server.port());
  std::atomic<bool> interrupt{false};
  auto result = run_replay(config, nullptr, interrupt);
  REQUIRE(result.ok());
  const RunResult& r = result.value();
  CHECK(r.overall.capture_failed == 0);
  CHECK(r.overall.session_aborted == 0);
  CHECK(r.overall.status_classes[2] == 20);
  CHECK(server.gets_found() == 10);
}

TEST_CASE("--jwt-secret re-mints recorded tokens that have expired, keeping their claims") {
  SimProcess sim({"--rate-limit", "0"});  // auth on, the seeds' dev secret
  REQUIRE(sim.started());
  const std::string secret = "dev-only-jwt-secret-not-for-production";
  auth::JwtClaims claims{"load-test-admin-user", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "admin",
                         1000};  // expired in 1970
  const std::string token = auth::jwt_sign_hs256(auth::jwt_claims_json(claims), secret);
  trace::Record request;
  request.method = "GET";
  request.target = "/api/v1/analytics/agents";
  request.headers = {{"Authorization", "Bearer " + token}};
  const std::string path = write_records("expired", {request});
  auto as_recorded = replay_at(path, sim.port(), "20/s", 1'000'000);
  CHECK(as_recorded.overall.status_classes[4] == 20);  // 401: the token expired
  RunConfig config;
  config.jwt_secret = secret;
  auto reminted = replay_at(path, sim.port(), "20/s", 1'000'000, config);
  CHECK(reminted.overall.status_classes[2] == 20);  // the admin role survived re-minting
}

TEST_CASE("webhooks offered above the queue's capacity: saturation, in-flight and latency grow") {
  // 2 workers x 50 ms per job = 40 jobs/s; 80/s offered for 8 s. Each second 40 more jobs wait.
  // The request arriving at t completes at 2t (FIFO at 40/s), so its latency is c/2 for a
  // completion at c: the per-second median grows (80 - 40) / 80 = 0.5 s per second of the
  // timeline. The sim answers when a job is processed.
  SimProcess sim({"--no-auth", "--webhook-sync", "--workers", "2", "--service-time", "50ms",
                  "--queue-size", "10000"});
  REQUIRE(sim.started());
  trace::Record request;
  request.tag = "webhook";
  request.method = "POST";
  request.target = "/webhooks/servicedesk/acme";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"ticket_id":"T-1","subject":"VPN down"})";
  const std::string path = write_records("webhooks", {request});
  auto r = replay_at(path, sim.port(), "80/s", 8'000'000);
  auto verdict = verdict_of(r);
  INFO(verdict.summary);
  CHECK(verdict.saturated);
  CHECK_FALSE(verdict.client_limited);
  CHECK_FALSE(verdict.generator_limited);
  CHECK(verdict.summary.find("SATURATED") == 0);
  CHECK(verdict.growth_ms_per_s == doctest::Approx(500).epsilon(0.25));
  CHECK(verdict.achieved_per_s == doctest::Approx(40).epsilon(0.15));
  REQUIRE(r.timeline.size() >= 7);
  CHECK(r.timeline[6].in_flight > r.timeline[2].in_flight + 100);
  CHECK(r.overall.completed == 640);
  CHECK(r.overall.status_classes[2] == 640);
}

TEST_CASE("--probe samples the service's queue depth every second into the timeline") {
  // One worker at 100 ms per job drains 10/s; 40/s are offered, so the queue grows ~30/s.
  SimProcess sim({"--no-auth", "--workers", "1", "--service-time", "100ms"});
  REQUIRE(sim.started());
  trace::Record request;
  request.method = "POST";
  request.target = "/webhooks/servicedesk/acme";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"ticket_id":"T-1"})";
  const std::string path = write_records("probe", {request});
  RunConfig config;
  const std::string metrics = "http://127.0.0.1:" + std::to_string(sim.port()) + "/metrics";
  config.probes.push_back(parse_probe("queue=" + metrics + "#queue_depth").value());
  config.probes.push_back(parse_probe("missing=" + metrics + "#no_such_metric").value());
  auto r = replay_at(path, sim.port(), "40/s", 5'000'000, config);
  REQUIRE(r.probes.size() == 2);
  const auto& queue = r.probes[0].by_second;
  REQUIRE(queue.size() >= 4);
  INFO("queue depth by second: " << queue[0] << " " << queue[1] << " " << queue[2] << " "
                                 << queue[3]);
  CHECK(queue[1] > queue[0]);
  CHECK(queue[3] > queue[1] + 30);
  CHECK(queue[3] == doctest::Approx(30 * 3.5).epsilon(0.3));
  for (double v : r.probes[1].by_second) CHECK(std::isnan(v));
}

TEST_CASE("shards take disjoint, deterministic shares whose union is the whole run") {
  SimProcess sim({"--no-auth", "--plan-latency", "5ms"});
  REQUIRE(sim.started());
  auto trace = write_plans_trace("shards", 40, 10, "json:/id");
  uint64_t offered = 0, completed = 0;
  for (unsigned i = 0; i < 4; ++i) {
    RunConfig config;
    config.trace_path = trace;
    config.target_url = "http://127.0.0.1:" + std::to_string(sim.port());
    config.shard_index = i;
    config.shard_count = 4;
    std::atomic<bool> interrupt{false};
    auto r = run_replay(config, nullptr, interrupt);
    REQUIRE(r.ok());
    INFO("shard " << i << " offered " << r->overall.offered);
    CHECK(r->overall.offered % 4 == 0);  // whole sessions: 4 steps each
    CHECK(r->overall.offered > 0);
    CHECK(r->overall.session_aborted == 0);
    offered += r->overall.offered;
    completed += r->overall.status_classes[2];
  }
  CHECK(offered == 160);
  CHECK(completed == 160);  // every session ran whole in exactly one shard
}

TEST_CASE("session steps past --duration are left out without ending the run early") {
  // Sessions of 4 steps 2 s apart, started at 20/s for 3 s: most steps fall past the end,
  // yet every one of the 60 session starts goes out.
  SimProcess sim({"--no-auth", "--plan-latency", "5ms"});
  REQUIRE(sim.started());
  auto trace = write_plans_trace("past_end", 200, 2000, "json:/id");
  RunConfig config;
  auto r = replay_at(trace, sim.port(), "20/s", 3'000'000, config);
  const ScopeStats* create = endpoint(r, "POST /api/v1/plans");
  REQUIRE(create);
  CHECK(create->offered == 60);
  CHECK(r.overall.session_aborted == 0);
}

namespace {

// A loopback target whose event streams are timed to tens of microseconds (agent-sim's timers
// are whole milliseconds): each connection gets a thread; a request for /stream is answered
// with `events` events `gap_us` apart, anything else with "ok".
class PreciseStreamServer {
 public:
  PreciseStreamServer(int events, int gap_us)
      : events_(events), gap_us_(gap_us), listener_(listen_on_loopback(port_)) {
    accepter_ = std::thread([this] { accept_loop(); });
  }
  ~PreciseStreamServer() {
    stop_.store(true);
    accepter_.join();
    for (auto& t : connections_) t.join();
    close(listener_);
  }
  uint16_t port() const { return port_; }
  // The gaps between events as the server sent them (us): a busy machine may delay a send.
  Histogram sent_gaps() {
    std::lock_guard lock(gaps_mutex_);
    return sent_gaps_;
  }

 private:
  void accept_loop() {
    while (!stop_.load()) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept(listener_, nullptr, nullptr);
      if (c < 0) continue;
      const int one = 1;  // each event its own segment, as SSE servers send them
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connections_.emplace_back([this, c] { serve(c); });
    }
  }

  void serve(int fd) {
    prctl(PR_SET_TIMERSLACK, 1UL);
    std::string input;
    char buf[4096];
    while (!stop_.load()) {
      const size_t head_end = input.find("\r\n\r\n");
      if (head_end == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        input.append(buf, static_cast<size_t>(n));
        continue;
      }
      const bool stream = input.compare(0, 12, "POST /stream") == 0;
      size_t body = 0;
      if (const size_t at = input.find("Content-Length: ");
          at != std::string::npos && at < head_end)
        body = std::stoul(input.substr(at + 16));
      if (input.size() < head_end + 4 + body) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        input.append(buf, static_cast<size_t>(n));
        continue;
      }
      input.erase(0, head_end + 4 + body);
      if (!stream) {
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        continue;
      }
      const std::string event = "data: token\n\n";
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: " +
                       std::to_string(event.size() * static_cast<size_t>(events_)) + "\r\n\r\n");
      timespec at{};
      clock_gettime(CLOCK_MONOTONIC, &at);
      uint64_t last_sent_ns = 0;
      for (int k = 0; k < events_; ++k) {
        // Sleeps (timer slack 1 us) rather than spins: this test shares 2 cores with replay.
        at.tv_nsec += static_cast<long>(gap_us_ * 1000);
        if (at.tv_nsec >= 1'000'000'000) {
          at.tv_nsec -= 1'000'000'000;
          ++at.tv_sec;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
        send_all(fd, event);
        const uint64_t sent_ns = uv_hrtime();
        if (k > 0) {
          std::lock_guard lock(gaps_mutex_);
          sent_gaps_.record(static_cast<int64_t>(sent_ns - last_sent_ns) / 1000);
        }
        last_sent_ns = sent_ns;
      }
    }
    close(fd);
  }

  static void send_all(int fd, const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  int events_;
  uint64_t gap_us_;
  uint16_t port_ = 0;  // before listener_, which sets it
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  std::thread accepter_;
  std::vector<std::thread> connections_;  // touched by the accepter only, joined after it
  std::mutex gaps_mutex_;
  Histogram sent_gaps_;
};

}  // namespace

TEST_CASE("event streams are timed event by event while other requests keep the worker busy") {
  // 2000/s of plain requests keep a send wake-up due within 2 ms at all times, so their
  // responses are read at the next wake-up (every ~0.5 ms). Beside them, streams of ten events
  // 300 us apart: each event must carry its own arrival time (gaps of ~0.3 ms), not share the
  // stamp of a read that took several events at once (gaps of 0 and ~0.6 ms). Their requests
  // ask for text/event-stream, so even the first events are read as they come.
  std::vector<trace::Record> records;
  for (int i = 0; i < 100; ++i) {
    trace::Record r;
    r.offset_us = i * 500;
    r.method = i % 50 == 0 ? "POST" : "GET";
    r.target = i % 50 == 0 ? "/stream" : "/plain";
    r.tag = i % 50 == 0 ? "stream" : "plain";
    if (i % 50 == 0) r.headers = {{"Accept", "text/event-stream"}};
    records.push_back(r);
  }
  auto trace = write_records("streams", records);
  RunConfig config;
  config.threads = 1;
  config.max_connections = 16;
  // Up to three runs: on a loaded machine (CI runs two suites at once on two cores) a run can
  // lose the CPU while events arrive and read two at once. Reading only at send wake-ups does
  // that a third of the time in every run, so it never passes.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    CAPTURE(attempt);
    PreciseStreamServer server(10, 300);
    auto r = replay_at(trace, server.port(), "2000/s", 2'000'000, config);
    REQUIRE(r.overall.failed() == 0);
    const ScopeStats* stream = nullptr;
    for (const auto& tag : r.by_tag) {
      if (tag.name == "stream") stream = &tag.stats;
    }
    REQUIRE(stream != nullptr);
    REQUIRE(stream->completed == 80);
    const SseStats& sse = const_cast<ScopeStats*>(stream)->sse_stats();
    const Histogram sent = server.sent_gaps();
    REQUIRE(sse.events_per_response.value_at_percentile(50) == 10);
    REQUIRE(sse.inter_event.count() == sent.count());
    // Measured gaps follow the sent ones (a loaded machine may delay some sends: compare with
    // what was sent, not with the plan) within 50 us at every decile shown. Reading only at
    // send wake-ups would read two events at once a third of the time (gaps of 0 and ~0.6 ms).
    std::string worst;
    for (double p : {10.0, 20.0, 30.0, 50.0, 70.0, 90.0}) {
      const int64_t measured = sse.inter_event.value_at_percentile(p);
      if (std::abs(measured - sent.value_at_percentile(p)) > 50 && worst.empty()) {
        worst = "p" + std::to_string(static_cast<int>(p)) + ": measured " +
                std::to_string(ms(measured)) + " ms, sent " +
                std::to_string(ms(sent.value_at_percentile(p))) + " ms";
      }
    }
    if (worst.empty()) {
      CHECK(ms(sse.inter_event.value_at_percentile(50)) == doctest::Approx(0.3).epsilon(0.2));
      break;
    }
    MESSAGE("event gaps off the sent ones: " << worst);
    CHECK_MESSAGE(attempt < 3, "event gaps off the sent ones in all three runs: " << worst);
  }
}

TEST_CASE("https: new connections resume the target's TLS session unless told not to") {
  const auto certificate = tls::testing::make_test_certificate();
  tls::testing::TempFile cert(certificate.cert_pem);
  tls::testing::TempFile key(certificate.key_pem);
  SimProcess sim({"--no-auth", "--cert", cert.path(), "--key", key.path()});
  REQUIRE(sim.started());
  const std::string trace = write_trace("https", "GET", "/health/live", 10);
  auto run = [&](bool resume) {
    RunConfig config;
    config.trace_path = trace;
    config.target_url = "https://localhost:" + std::to_string(sim.port());
    config.cacert = cert.path();
    config.tls_resume = resume;
    // HTTP/1.1 (agent-sim offers h2 too): each request on a connection of its own.
    config.http = "1.1";
    config.headers = {{"Connection", "close"}};
    config.threads = 1;
    config.rate = schedule::parse_rate_schedule("100/s").value();
    config.duration_us = 1'000'000;
    config.loop = true;
    std::atomic<bool> interrupt{false};
    auto result = run_replay(config, nullptr, interrupt);
    REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().context));
    return std::move(result).value();
  };

  const RunResult resumed = run(true);
  CHECK(resumed.overall.completed == 100);
  CHECK(resumed.overall.failed() == 0);
  CHECK(resumed.tls_handshakes == 100);
  // The first connection has no session to offer; the others were made 10 ms after one that
  // had its ticket. Allow one more on a loaded machine.
  CHECK(resumed.tls_resumed >= 98);

  const RunResult full = run(false);
  CHECK(full.overall.completed == 100);
  CHECK(full.tls_handshakes == 100);
  CHECK(full.tls_resumed == 0);
}
