#pragma once
// Shared helpers for the agent-sim integration tests: tokens, JSON and /metrics lookups.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "replay/auth/jwt.hpp"
#include "sim_process.hpp"
#include "test_client.hpp"

namespace replay::testing {

inline constexpr const char* kSecret = "dev-only-jwt-secret-not-for-production";
inline constexpr const char* kTenant = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

// An HS256 token for `role`, expiring `expires_in_s` from now (negative: already expired).
inline std::string token(std::string role, std::string sub = "", int64_t expires_in_s = 3600,
                         std::string tenant = kTenant, const char* secret = kSecret) {
  auth::JwtClaims claims;
  claims.sub = sub.empty() ? "load-test-" + role + "-user" : sub;
  claims.tenant_id = std::move(tenant);
  claims.role = std::move(role);
  claims.exp = static_cast<int64_t>(std::time(nullptr)) + expires_in_s;
  return auth::jwt_sign_hs256(auth::jwt_claims_json(claims), secret);
}

inline std::string bearer(const std::string& jwt) {
  return "Authorization: Bearer " + jwt + "\r\n";
}

// A parsed JSON document that owns its parser.
struct Json {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool ok = false;
  explicit Json(const std::string& text) { ok = parser.parse(text).get(root) == simdjson::SUCCESS; }
  std::string str(const char* pointer) {
    std::string_view v;
    return root.at_pointer(pointer).get(v) == simdjson::SUCCESS ? std::string(v) : "<missing>";
  }
  int64_t num(const char* pointer) {
    int64_t v = -1;
    return root.at_pointer(pointer).get(v) == simdjson::SUCCESS ? v : -1;
  }
  bool has(const char* pointer) { return root.at_pointer(pointer).error() == simdjson::SUCCESS; }
};

// The value of an unlabelled or exactly labelled Prometheus sample, or -1.
inline double metric(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::atof(text.c_str() + at + series.size() + 1);
    at += series.size();
  }
  return -1;
}

inline std::string fetch_metrics(TestConnection& c) {
  auto r = c.request(make_request("GET", "/metrics"));
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  return r->body;
}

inline double since_ms(Clock::time_point start) {
  return elapsed_ms(start, Clock::now());
}

}  // namespace replay::testing
