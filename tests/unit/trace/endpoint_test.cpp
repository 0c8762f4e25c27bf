#include <doctest/doctest.h>

#include "replay/trace/endpoint.hpp"

using replay::trace::endpoint_template;
using replay::trace::is_id_segment;

TEST_CASE("endpoint_template folds ids and drops the query") {
  CHECK(endpoint_template("GET", "/api/v1/plans/42/status?x=1") == "GET /api/v1/plans/{id}/status");
  CHECK(endpoint_template("GET", "/health/live") == "GET /health/live");
  CHECK(endpoint_template("POST", "/api/v1/chat") == "POST /api/v1/chat");
  CHECK(endpoint_template("POST", "/webhooks/servicedesk/acme") ==
        "POST /webhooks/servicedesk/acme");
  CHECK(endpoint_template("GET", "/api/v1/plans/550e8400-e29b-41d4-a716-446655440000") ==
        "GET /api/v1/plans/{id}");
  CHECK(endpoint_template("GET", "/users/12/orders/345") == "GET /users/{id}/orders/{id}");
  CHECK(endpoint_template("GET", "/blobs/d41d8cd98f00b204e9800998ecf8427e") == "GET /blobs/{id}");
  CHECK(endpoint_template("GET", "/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV/logs") == "GET /runs/{id}/logs");
  CHECK(endpoint_template("DELETE", "/sessions/Zx9_vQ-3kLmN8pRsT2uW") == "DELETE /sessions/{id}");
}

TEST_CASE("endpoint_template handles edge shapes of targets") {
  CHECK(endpoint_template("GET", "") == "GET /");
  CHECK(endpoint_template("GET", "/") == "GET /");
  CHECK(endpoint_template("GET", "?q=1") == "GET /");
  CHECK(endpoint_template("GET", "/a/#frag") == "GET /a/");
  CHECK(endpoint_template("GET", "/a//42/") == "GET /a//{id}/");
  CHECK(endpoint_template("GET", "http://example.com:8080/plans/7?x") == "GET /plans/{id}");
  CHECK(endpoint_template("GET", "https://example.com") == "GET /");
  CHECK(endpoint_template("OPTIONS", "*") == "OPTIONS *");
  CHECK(endpoint_template("GET", "/v2/42?redirect=/a/1") == "GET /v2/{id}");
}

TEST_CASE("is_id_segment keeps words and folds ids") {
  for (const char* word :
       {"v1", "api", "chat", "servicedesk", "health", "live", "plans", "status", "approve", "v20",
        "tenant-a", "acme-corp-2", "2fa", "utf-8", "eventSubscriptionsForTenant",
        "servicedesk-integration-webhooks", "deadbeef", "index.html", "abcdefabcdefabc"}) {
    CAPTURE(word);
    CHECK_FALSE(is_id_segment(word));
  }
  for (const char* id :
       {"0", "42", "00012345678901234567890", "550E8400-E29B-41D4-A716-446655440000",
        "deadbeefdeadbeef", "3f786850e387550fdab836ed7e6dc881de23001b",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV", "cus_NffrFeUfNV2Hib", "ord_1a2b3c4d5e6f7g8h",
        "aGVsbG8td29ybGQtdG9rZW4", "QmFzZVNpeHR5Rm91clRva2Vu"}) {
    CAPTURE(id);
    CHECK(is_id_segment(id));
  }
  CHECK_FALSE(is_id_segment(""));
  CHECK_FALSE(is_id_segment("2024-01-15"));
  CHECK(is_id_segment("xKpQwErTyUiOpAsDfGhJ"));  // random letters, no digit
  CHECK_FALSE(is_id_segment("user@example.com"));
}

TEST_CASE("capture placeholders fold like the ids they stand for") {
  CHECK(endpoint_template("GET", "/api/v1/plans/{{plan_id}}/status") ==
        "GET /api/v1/plans/{id}/status");
  CHECK(endpoint_template("GET", "/api/v1/plans/{{plan_id}}") == "GET /api/v1/plans/{id}");
  CHECK_FALSE(is_id_segment("{{}}"));
}
