// agent-sim endpoints, auth, rate limits and SSE as clients see them.

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace replay;
using namespace replay::testing;

TEST_CASE("health endpoints, HEAD, 404, 405 and /metrics") {
  SimProcess sim({"--queue-size", "17"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  for (auto [path, status] :
       {std::pair{"/health/live", "alive"}, {"/health/ready", "ready"}, {"/healthz", "ok"}}) {
    CAPTURE(path);
    auto r = c.request(make_request("GET", path));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->header("Content-Type") == "application/json");
    CHECK(Json(r->body).str("/status") == status);
  }
  auto head = c.request(make_request("HEAD", "/health/live"), 5000, true);
  REQUIRE(head.has_value());
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  auto missing = c.request(make_request("GET", "/api/v1/nothing"));
  REQUIRE(missing.has_value());
  CHECK(missing->status == 404);
  auto wrong = c.request(make_request("DELETE", "/health/live"));
  REQUIRE(wrong.has_value());
  CHECK(wrong->status == 405);
  CHECK(wrong->header("Allow") == "GET, HEAD");
  auto get_chat = c.request(make_request("GET", "/api/v1/chat"));
  REQUIRE(get_chat.has_value());
  CHECK(get_chat->status == 405);

  std::string m = fetch_metrics(c);
  CHECK(metric(m, R"(http_requests_total{method="GET",endpoint="/health/live",status="200"})") ==
        1);
  CHECK(metric(m, R"(http_requests_total{method="HEAD",endpoint="/health/live",status="200"})") ==
        1);
  CHECK(metric(m, R"(http_requests_total{method="GET",endpoint="other",status="404"})") == 1);
  CHECK(metric(m, R"(http_request_duration_seconds_count{endpoint="/healthz"})") == 1);
  CHECK(metric(m, R"(http_request_duration_seconds_bucket{endpoint="/healthz",le="+Inf"})") == 1);
  CHECK(m.find("# TYPE http_request_duration_seconds histogram") != std::string::npos);
  CHECK(metric(m, "queue_depth") == 0);
  CHECK(metric(m, "queue_capacity") == 17);
  CHECK(metric(m, "rate_limit_hits_total") == 0);
  CHECK(metric(m, "open_connections") == 1);
}

TEST_CASE("chat answers with the seeds' fields after the configured model latency") {
  SimProcess sim({"--chat-latency", "150ms"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  std::string op = bearer(token("operator"));
  auto start = Clock::now();
  auto r =
      c.request(make_request("POST", "/api/v1/chat",
                             R"({"message":"What are the Q4 KPIs?","conversation_id":"c-1"})", op));
  double took = since_ms(start);
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(took >= 140);
  CHECK(took < 2000);
  Json body(r->body);
  REQUIRE(body.ok);
  CHECK(body.str("/response").find("What are the Q4 KPIs?") != std::string::npos);
  CHECK(body.str("/conversation_id") == "c-1");
  CHECK(body.has("/citations/0/title"));
  CHECK(body.str("/model_used") == "sim/gpt-4o-mini");
  CHECK(body.num("/latency_ms") == 150);

  auto fresh = c.request(
      make_request("POST", "/api/v1/chat", R"({"message":"hi"})", bearer(token("admin"))));
  REQUIRE(fresh.has_value());
  CHECK(fresh->status == 200);
  CHECK(Json(fresh->body).str("/conversation_id").size() == 36);

  auto not_json = c.request(make_request("POST", "/api/v1/chat", "message=hi", op));
  REQUIRE(not_json.has_value());
  CHECK(not_json->status == 400);
  auto no_message = c.request(make_request("POST", "/api/v1/chat", R"({"msg":"hi"})", op));
  REQUIRE(no_message.has_value());
  CHECK(no_message->status == 422);
}

TEST_CASE("missing, malformed, forged and expired tokens get 401; the wrong role gets 403") {
  SimProcess sim({"--chat-latency", "0"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  auto chat = [&](const std::string& headers) {
    auto r = c.request(make_request("POST", "/api/v1/chat", R"({"message":"hi"})", headers));
    REQUIRE(r.has_value());
    return *r;
  };
  TestResponse none = chat("");
  CHECK(none.status == 401);
  CHECK(none.header("WWW-Authenticate") == "Bearer");
  CHECK(chat("Authorization: Basic dXNlcjpwYXNz\r\n").status == 401);
  CHECK(chat("Authorization: Bearer not-a-jwt\r\n").status == 401);
  TestResponse forged = chat(bearer(token("operator", "", 3600, kTenant, "another-secret")));
  CHECK(forged.status == 401);
  CHECK(Json(forged.body).str("/detail").find("signature") != std::string::npos);
  TestResponse expired = chat(bearer(token("operator", "", -10)));
  CHECK(expired.status == 401);
  CHECK(Json(expired.body).str("/detail").find("expired") != std::string::npos);
  CHECK(chat(bearer(token("viewer"))).status == 403);
  CHECK(chat(bearer(token("operator"))).status == 200);

  auto plan = c.request(
      make_request("POST", "/api/v1/plans", R"({"goal":"g"})", bearer(token("operator"))));
  REQUIRE(plan.has_value());
  CHECK(plan->status == 403);
  auto analytics =
      c.request(make_request("GET", "/api/v1/analytics/agents", {}, bearer(token("operator"))));
  REQUIRE(analytics.has_value());
  CHECK(analytics->status == 403);
  // Health, metrics and webhooks need no token.
  CHECK(c.request(make_request("GET", "/health/live"))->status == 200);
  CHECK(c.request(make_request("POST", "/webhooks/servicedesk/load-test-tenant", "{}"))->status ==
        202);
}

TEST_CASE("the JWT secret comes from --jwt-secret, else DEV_JWT_SECRET; --no-auth skips checks") {
  {
    SimProcess sim({"--chat-latency", "0", "--jwt-secret", "s3cret"});
    REQUIRE(sim.started());
    TestConnection c(sim.port());
    auto body = R"({"message":"hi"})";
    CHECK(c.request(make_request("POST", "/api/v1/chat", body,
                                 bearer(token("operator", "", 60, kTenant, "s3cret"))))
              ->status == 200);
    CHECK(
        c.request(make_request("POST", "/api/v1/chat", body, bearer(token("operator"))))->status ==
        401);
  }
  {
    SimProcess sim({"--chat-latency", "0"}, false, {"DEV_JWT_SECRET=from-env"});
    REQUIRE(sim.started());
    TestConnection c(sim.port());
    CHECK(c.request(make_request("POST", "/api/v1/chat", R"({"message":"hi"})",
                                 bearer(token("operator", "", 60, kTenant, "from-env"))))
              ->status == 200);
  }
  {
    SimProcess sim({"--chat-latency", "0", "--no-auth"});
    REQUIRE(sim.started());
    TestConnection c(sim.port());
    for (int i = 0; i < 70; ++i) {  // and no rate limit
      auto r = c.request(make_request("POST", "/api/v1/chat", R"({"message":"hi"})"));
      REQUIRE(r.has_value());
      REQUIRE(r->status == 200);
    }
  }
}

TEST_CASE("plan lifecycle: create 201, get, approve, approve again 409, status, 404s") {
  SimProcess sim({"--plan-latency", "20ms", "--plan-step-time", "150ms"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  std::string admin = bearer(token("admin"));
  auto created = c.request(make_request(
      "POST", "/api/v1/plans",
      R"({"goal":"Analyse the last 30 days of production downtime events","context":"load test"})",
      admin));
  REQUIRE(created.has_value());
  CHECK(created->status == 201);
  Json plan(created->body);
  std::string id = plan.str("/id");
  CHECK(id.size() == 36);
  CHECK(plan.str("/status") == "pending_approval");
  CHECK(plan.str("/tenant_id") == kTenant);
  CHECK(plan.has("/steps/3/title"));

  std::string base = "/api/v1/plans/" + id;
  auto got = c.request(make_request("GET", base, {}, admin));
  REQUIRE(got.has_value());
  CHECK(got->status == 200);
  CHECK(Json(got->body).str("/goal").find("downtime") != std::string::npos);
  CHECK(Json(c.request(make_request("GET", base + "/status", {}, admin))->body).str("/status") ==
        "pending_approval");

  auto approved = c.request(make_request("POST", base + "/approve", {}, admin));
  REQUIRE(approved.has_value());
  CHECK(approved->status == 200);
  CHECK(Json(approved->body).str("/status") == "approved");
  auto twice = c.request(make_request("POST", base + "/approve", {}, admin));
  REQUIRE(twice.has_value());
  CHECK(twice->status == 409);
  CHECK(Json(c.request(make_request("GET", base + "/status", {}, admin))->body).str("/status") ==
        "executing");
  std::string final_status;
  for (int i = 0; i < 50 && final_status != "completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    final_status =
        Json(c.request(make_request("GET", base + "/status", {}, admin))->body).str("/status");
  }
  CHECK(final_status == "completed");

  const std::string unknown = "/api/v1/plans/00000000-0000-4000-8000-000000000000";
  CHECK(c.request(make_request("GET", unknown, {}, admin))->status == 404);
  CHECK(c.request(make_request("POST", unknown + "/approve", {}, admin))->status == 404);
  CHECK(c.request(make_request("GET", unknown + "/status", {}, admin))->status == 404);
  // Another tenant's admin cannot see it.
  std::string other = bearer(token("admin", "other-admin", 3600, "load-test-tenant"));
  CHECK(c.request(make_request("GET", base, {}, other))->status == 404);
  CHECK(c.request(make_request("POST", "/api/v1/plans", R"({"context":"x"})", admin))->status ==
        422);
}

TEST_CASE("SSE chat stream: head first, first token after its delay, spaced tokens, [DONE]") {
  SimProcess sim({"--stream-first-token", "300ms", "--stream-tokens", "5",
                  "--stream-token-interval", "100ms"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  auto start = Clock::now();
  auto r = c.request(
      make_request("POST", "/api/v1/chat/stream", R"({"message":"hi"})", bearer(token("operator"))),
      10000);
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->header("Content-Type") == "text/event-stream");
  CHECK(r->header("Transfer-Encoding") == "chunked");
  auto events = sse_events(*r);
  REQUIRE(events.size() == 6);
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    Json e(events[i].data);
    REQUIRE(e.ok);
    CHECK(e.num("/index") == i);
    CHECK_FALSE(e.str("/token").empty());
  }
  CHECK(events[5].data == "[DONE]");
  double first_ms = elapsed_ms(start, events[0].received_at);
  CHECK(first_ms >= 290);
  CHECK(first_ms < 1500);
  CHECK(elapsed_ms(r->head_at, events[0].received_at) >= 100);  // the head came first
  for (int i = 1; i < 5; ++i) {
    CAPTURE(i);
    double gap = elapsed_ms(events[i - 1].received_at, events[i].received_at);
    CHECK(gap >= 85);
    CHECK(gap < 800);
  }
  CHECK(elapsed_ms(events[4].received_at, events[5].received_at) < 200);
  // The connection stays usable after the stream.
  CHECK(c.request(make_request("GET", "/health/live"))->status == 200);
}

TEST_CASE("the per-user rate limit answers 429 with Retry-After; 0 turns it off") {
  SimProcess sim({"--rate-limit", "5", "--chat-latency", "0"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  std::string alice = bearer(token("operator", "alice"));
  for (int i = 0; i < 5; ++i) {
    CHECK(c.request(make_request("POST", "/api/v1/chat", R"({"message":"hi"})", alice))->status ==
          200);
  }
  auto limited = c.request(make_request("POST", "/api/v1/chat", R"({"message":"hi"})", alice));
  REQUIRE(limited.has_value());
  CHECK(limited->status == 429);
  int retry_after = std::atoi(limited->header("Retry-After").c_str());
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 12);
  std::string bob = bearer(token("operator", "bob"));
  CHECK(c.request(make_request("POST", "/api/v1/chat", R"({"message":"hi"})", bob))->status == 200);
  std::string m = fetch_metrics(c);
  CHECK(metric(m, "rate_limit_hits_total") == 1);
  CHECK(metric(m, R"(http_requests_total{method="POST",endpoint="/api/v1/chat",status="429"})") ==
        1);

  SimProcess unlimited({"--rate-limit", "0", "--chat-latency", "0"});
  REQUIRE(unlimited.started());
  TestConnection u(unlimited.port());
  for (int i = 0; i < 80; ++i) {
    auto r = u.request(make_request("POST", "/api/v1/chat", R"({"message":"hi"})", alice));
    REQUIRE(r.has_value());
    REQUIRE(r->status == 200);
  }
}

TEST_CASE("pipelined requests are answered in order") {
  SimProcess sim({"--chat-latency", "100ms"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  CHECK(c.send(
      make_request("POST", "/api/v1/chat", R"({"message":"first"})", bearer(token("operator"))) +
      make_request("GET", "/health/live") + make_request("POST", "/webhooks/servicedesk/t", "{}")));
  auto a = c.read_response();
  auto b = c.read_response();
  auto d = c.read_response();
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  REQUIRE(d.has_value());
  CHECK(Json(a->body).str("/response").find("first") != std::string::npos);
  CHECK(Json(b->body).str("/status") == "alive");
  CHECK(d->status == 202);
}

TEST_CASE("analytics summarises the agents for admins") {
  SimProcess sim({"--chat-latency", "0"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  CHECK(c.request(
             make_request("POST", "/api/v1/chat", R"({"message":"x"})", bearer(token("operator"))))
            ->status == 200);
  for (int i = 0; i < 2; ++i) {
    CHECK(c.request(make_request("POST", "/webhooks/servicedesk/acme", "{}"))->status == 202);
  }
  auto r = c.request(make_request("GET", "/api/v1/analytics/agents", {}, bearer(token("admin"))));
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  Json body(r->body);
  CHECK(body.str("/agents/0/name") == "chat-assistant");
  CHECK(body.num("/agents/0/requests") == 1);
  CHECK(body.str("/agents/2/name") == "servicedesk-enhancer");
  CHECK(body.num("/agents/2/jobs_accepted") == 2);
  CHECK(body.num("/agents/2/jobs_by_tenant/acme") == 2);
}
