// agent-sim under load and injected faults, and facing misbehaving clients.

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace replay;
using namespace replay::testing;

TEST_CASE("a full webhook queue answers 503; bad JSON 400") {
  SimProcess sim({"--workers", "1", "--service-time", "2s", "--queue-size", "3"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  std::vector<int> statuses;
  for (int i = 0; i < 6; ++i) {
    auto r = c.request(make_request("POST", "/webhooks/servicedesk/load-test-tenant",
                                    R"({"ticket_id":"TEST-123"})"));
    REQUIRE(r.has_value());
    statuses.push_back(r->status);
    if (r->status == 503) CHECK(r->header("Retry-After") == "1");
  }
  CHECK(statuses == std::vector<int>{202, 202, 202, 202, 503, 503});
  std::string m = fetch_metrics(c);
  CHECK(metric(m, "queue_depth") == 3);
  CHECK(metric(m, "queue_busy_workers") == 1);
  CHECK(metric(m, "queue_jobs_rejected_total") == 2);
  CHECK(c.request(make_request("POST", "/webhooks/servicedesk/t", "{not json"))->status == 400);
}

TEST_CASE("above capacity the webhook queue grows; below it drains") {
  // Capacity: 2 workers / 50 ms = 40 jobs/s; offered: about 100/s for 1.2 s.
  SimProcess sim({"--workers", "2", "--service-time", "50ms", "--queue-size", "10000"});
  REQUIRE(sim.started());
  TestConnection sender(sim.port());
  TestConnection probe(sim.port());
  std::vector<double> depths;
  auto start = Clock::now();
  int sent = 0;
  for (int i = 0; i < 120 && since_ms(start) < 3000; ++i) {
    auto due = start + std::chrono::milliseconds(10 * i);
    std::this_thread::sleep_until(due);
    auto r = sender.request(
        make_request("POST", "/webhooks/servicedesk/load-test-tenant", R"({"ticket_id":"T"})"));
    REQUIRE(r.has_value());
    REQUIRE(r->status == 202);
    ++sent;
    if (i % 30 == 29) depths.push_back(metric(fetch_metrics(probe), "queue_depth"));
  }
  double offered_s = since_ms(start) / 1000.0;
  CAPTURE(offered_s);
  REQUIRE(depths.size() == 4);
  CHECK(depths[0] > 0);
  for (size_t i = 1; i < depths.size(); ++i) CHECK(depths[i] > depths[i - 1]);
  CHECK(depths.back() >= 0.25 * (sent - 40 * offered_s));

  // No more load: it drains at 40 jobs/s.
  double last = depths.back();
  auto drain_start = Clock::now();
  double depth = last;
  std::vector<double> drain;
  while (depth > 0 && since_ms(drain_start) < 10000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    depth = metric(fetch_metrics(probe), "queue_depth");
    drain.push_back(depth);
  }
  CHECK(depth == 0);
  REQUIRE(drain.size() >= 2);
  CHECK(drain.front() < last);
  CHECK(drain.front() > 0);  // gradually, not at once
  std::string m = fetch_metrics(probe);
  CHECK(metric(m, "queue_jobs_accepted_total") == sent);
}

TEST_CASE("a stall holds every response until the end of the window the sim printed") {
  SimProcess sim({"--stall", "1s@600ms", "--chat-latency", "0"}, true);
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  auto before = c.request(make_request("GET", "/health/live"));
  REQUIRE(before.has_value());
  CHECK(elapsed_ms(sim.started_at(), before->done_at) < 500);

  auto line = sim.wait_stderr_line("stall start_ms=", 5000);
  REQUIRE(line.has_value());
  long start_ms = std::atol(line->c_str() + line->find("start_ms=") + 9);
  long end_ms = std::atol(line->c_str() + line->find("end_ms=") + 7);
  CHECK(start_ms >= 600);
  CHECK(end_ms - start_ms == 1000);

  double sent_ms = since_ms(sim.started_at());
  CHECK(sent_ms < end_ms - 300);  // really inside the window
  TestConnection other(sim.port());
  CHECK(other.send(
      make_request("POST", "/api/v1/chat", R"({"message":"held"})", bearer(token("operator")))));
  auto held = c.request(make_request("GET", "/health/live"), 5000);
  auto held_chat = other.read_response(5000);
  REQUIRE(held.has_value());
  REQUIRE(held_chat.has_value());
  CHECK(held->status == 200);
  CHECK(held_chat->status == 200);
  // The test's clock starts a little after the sim's, so allow a little slack below.
  CHECK(elapsed_ms(sim.started_at(), held->done_at) >= end_ms - 30);
  CHECK(elapsed_ms(sim.started_at(), held_chat->done_at) >= end_ms - 30);
  CHECK(elapsed_ms(sim.started_at(), held->done_at) < end_ms + 1500);

  auto after = Clock::now();
  CHECK(c.request(make_request("GET", "/health/live")).has_value());
  CHECK(since_ms(after) < 500);
}

TEST_CASE("--error-rate answers 500 and --reset-rate resets, reproducibly per seed") {
  {
    SimProcess sim({"--error-rate", "1"});
    REQUIRE(sim.started());
    TestConnection c(sim.port());
    auto r = c.request(make_request("GET", "/healthz"));
    REQUIRE(r.has_value());
    CHECK(r->status == 500);
    CHECK(Json(r->body).str("/detail") == "Injected error");
    CHECK(c.request(make_request("GET", "/metrics"))->status == 200);  // never failed
  }
  {
    SimProcess sim({"--reset-rate", "1"});
    REQUIRE(sim.started());
    TestConnection c(sim.port());
    CHECK_FALSE(c.request(make_request("GET", "/healthz")).has_value());
    CHECK(c.was_reset());
  }
  auto pattern = [](const char* seed) {
    SimProcess sim({"--error-rate", "0.5", "--seed", seed});
    REQUIRE(sim.started());
    TestConnection c(sim.port());
    std::string out;
    for (int i = 0; i < 40; ++i) {
      auto r = c.request(make_request("GET", "/health/live"));
      REQUIRE(r.has_value());
      out += r->status == 500 ? 'x' : '.';
    }
    return out;
  };
  std::string a = pattern("7");
  CHECK(a == pattern("7"));
  CHECK(a != pattern("8"));
  CHECK(a.find('x') != std::string::npos);
  CHECK(a.find('.') != std::string::npos);
}

TEST_CASE("--slow-body trickles bodies; --latency delays endpoints") {
  {
    SimProcess sim({"--slow-body=64@30ms", "--chat-latency", "0"});
    REQUIRE(sim.started());
    TestConnection c(sim.port());
    auto start = Clock::now();
    auto r = c.request(
        make_request("POST", "/api/v1/chat", R"({"message":"hi"})", bearer(token("operator"))));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(Json(r->body).ok);
    size_t pieces = (r->body.size() + 63) / 64;
    CHECK(r->pieces.size() >= 3);
    CHECK(since_ms(start) >= 30.0 * static_cast<double>(pieces - 1) - 15);
    auto fast = Clock::now();
    CHECK(c.request(make_request("GET", "/health/live"))->status == 200);
    CHECK(since_ms(fast) < 200);
  }
  {
    SimProcess sim({"--latency", "200ms", "--chat-latency", "0"});
    REQUIRE(sim.started());
    TestConnection c(sim.port());
    auto start = Clock::now();
    CHECK(c.request(make_request("POST", "/webhooks/servicedesk/t", "{}"))->status == 202);
    CHECK(since_ms(start) >= 190);
    start = Clock::now();
    CHECK(c.request(make_request("GET", "/health/live"))->status == 200);
    CHECK(since_ms(start) < 150);
  }
  {
    SimProcess sim({"--latency", "/health/live=200ms"});
    REQUIRE(sim.started());
    TestConnection c(sim.port());
    auto start = Clock::now();
    CHECK(c.request(make_request("GET", "/health/live"))->status == 200);
    CHECK(since_ms(start) >= 190);
    start = Clock::now();
    CHECK(c.request(make_request("GET", "/healthz"))->status == 200);
    CHECK(since_ms(start) < 150);
  }
}

TEST_CASE("malformed, oversized and slowloris clients are answered or closed; others unaffected") {
  SimProcess sim(
      {"--header-timeout", "1s", "--max-header-bytes", "4096", "--max-body-bytes", "1024"});
  REQUIRE(sim.started());
  TestConnection good(sim.port());
  auto check_good = [&] {
    auto start = Clock::now();
    auto r = good.request(make_request("GET", "/health/live"));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(since_ms(start) < 500);
  };
  check_good();

  TestConnection slowloris(sim.port());
  CHECK(slowloris.send("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  auto slow_start = Clock::now();

  {
    TestConnection garbage(sim.port());
    auto r =
        garbage.request(std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 junk\r\n\r\n"));
    REQUIRE(r.has_value());
    CHECK(r->status == 400);
    CHECK(garbage.wait_closed(3000));
  }
  check_good();
  {
    TestConnection big_head(sim.port());
    auto r = big_head.request(
        make_request("GET", "/health/live", {}, "X-Big: " + std::string(8000, 'h') + "\r\n"));
    REQUIRE(r.has_value());
    CHECK(r->status == 431);
    CHECK(big_head.wait_closed(3000));
  }
  check_good();
  {
    TestConnection big_body(sim.port());
    auto r = big_body.request(
        make_request("POST", "/webhooks/servicedesk/t", "\"" + std::string(5000, 'b') + "\""));
    REQUIRE(r.has_value());
    CHECK(r->status == 413);
    CHECK(big_body.wait_closed(3000));
  }
  check_good();

  // The slowloris client keeps trickling header bytes; the head timeout still ends it.
  std::optional<TestResponse> timeout_answer;
  for (int i = 0; i < 60 && !timeout_answer; ++i) {
    if (!slowloris.send("a")) break;
    timeout_answer = slowloris.read_response(100);
    if (i % 5 == 0) check_good();
  }
  double slow_ms = since_ms(slow_start);
  REQUIRE(timeout_answer.has_value());
  CHECK(timeout_answer->status == 408);
  CHECK(slowloris.wait_closed(3000));
  CHECK(slow_ms >= 900);
  CHECK(slow_ms < 4000);
  check_good();
}
