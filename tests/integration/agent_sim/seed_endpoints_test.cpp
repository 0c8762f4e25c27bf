// agent-sim's endpoints for the seeds' bundled scenarios: guide 003's sign-up flow (signup,
// login with a bearer token and a session cookie, /api/auth/me behind the cookie, chat with the
// token) and guide 002's objects (agents list/get/create, workflows, collections, MCP servers).

#include <doctest/doctest.h>

#include <string>

#include "test_support.hpp"

using namespace replay;
using namespace replay::testing;

TEST_CASE("sign-up flow: signup 201 and 409, login 401 or a token and a cookie, me needs it") {
  SimProcess sim({"--chat-latency", "5ms"});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  const std::string account = R"({"email":"ann@example.com","password":"long-enough"})";
  auto created = c.request(make_request("POST", "/api/auth/signup", account));
  REQUIRE(created.has_value());
  CHECK(created->status == 201);
  CHECK(Json(created->body).str("/email") == "ann@example.com");
  CHECK(c.request(make_request("POST", "/api/auth/signup", account))->status == 409);
  CHECK(c.request(make_request("POST", "/api/auth/signup", R"({"email":"x","password":"p"})"))
            ->status == 422);
  CHECK(c.request(make_request("POST", "/api/auth/login",
                               R"({"email":"ann@example.com","password":"wrong-one"})"))
            ->status == 401);
  CHECK(c.request(make_request("GET", "/api/auth/me"))->status == 401);

  auto login = c.request(make_request("POST", "/api/auth/login", account));
  REQUIRE(login.has_value());
  CHECK(login->status == 200);
  const std::string cookie = login->header("Set-Cookie");
  REQUIRE(cookie.rfind("session=", 0) == 0);
  const std::string session = cookie.substr(0, cookie.find(';'));
  auto me = c.request(make_request("GET", "/api/auth/me", {}, "Cookie: a=1; " + session + "\r\n"));
  REQUIRE(me.has_value());
  CHECK(me->status == 200);
  CHECK(Json(me->body).str("/email") == "ann@example.com");
  CHECK(Json(me->body).str("/tenant_id") == Json(created->body).str("/tenant_id"));
  CHECK(c.request(make_request("GET", "/api/auth/me", {}, "Cookie: session=forged\r\n"))->status ==
        401);

  // The token is an operator's: chat takes it.
  const std::string token = Json(login->body).str("/access_token");
  auto chat = c.request(make_request("POST", "/api/v1/chat", R"({"message":"hi"})",
                                     "Authorization: Bearer " + token + "\r\n"));
  REQUIRE(chat.has_value());
  CHECK(chat->status == 200);
}

TEST_CASE("guide 002's objects: agents listed, got, created; workflows, collections, MCP servers") {
  SimProcess sim({});
  REQUIRE(sim.started());
  TestConnection c(sim.port());
  auto list = c.request(make_request("GET", "/api/v1/agents"));
  REQUIRE(list.has_value());
  CHECK(list->status == 200);
  CHECK(Json(list->body).str("/items/0/id") == "agent-5");
  CHECK(Json(c.request(make_request("GET", "/api/v1/agents/agent-2"))->body).str("/name") ==
        "planner");
  CHECK(c.request(make_request("GET", "/api/v1/agents/agent-99"))->status == 404);
  auto made = c.request(make_request("POST", "/api/v1/agents", R"({"name":"scribe"})"));
  REQUIRE(made.has_value());
  CHECK(made->status == 201);
  CHECK(Json(made->body).str("/id") == "agent-6");
  CHECK(Json(c.request(make_request("GET", "/api/v1/agents"))->body).str("/items/0/name") ==
        "scribe");
  CHECK(c.request(make_request("POST", "/api/v1/agents", R"({"model":"m"})"))->status == 422);
  auto wrong = c.request(make_request("DELETE", "/api/v1/agents"));
  REQUIRE(wrong.has_value());
  CHECK(wrong->status == 405);
  CHECK(wrong->header("Allow") == "GET, HEAD, POST");
  for (const char* path : {"/api/v1/workflows", "/api/v1/collections", "/api/v1/mcp-servers"}) {
    CAPTURE(path);
    auto r = c.request(make_request("GET", path));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(Json(r->body).has("/items/0/id"));
  }
}
