#include "endpoint.hpp"

#include <array>

namespace replay::agent_sim {

namespace {

constexpr std::array<std::string_view, kEndpointCount> kTemplates = {
    "/health/live",
    "/health/ready",
    "/healthz",
    "/api/v1/chat",
    "/api/v1/chat/stream",
    "/api/v1/plans",
    "/api/v1/plans/{id}",
    "/api/v1/plans/{id}/approve",
    "/api/v1/plans/{id}/status",
    "/webhooks/servicedesk/{tenant}",
    "/api/v1/analytics/agents",
    "/v1/chat/completions",
    "/ws/chat",
    "/api/auth/signup",
    "/api/auth/login",
    "/api/auth/me",
    "/api/v1/agents",
    "/api/v1/agents/{id}",
    "/api/v1/workflows",
    "/api/v1/collections",
    "/api/v1/mcp-servers",
    "/metrics",
    "other",
};

constexpr std::string_view kPlansPrefix = "/api/v1/plans/";
constexpr std::string_view kWebhookPrefix = "/webhooks/servicedesk/";

Route route(Endpoint endpoint, std::string_view method, std::string_view allowed) {
  Route r;
  r.endpoint = endpoint;
  r.allow = allowed;
  if (allowed == "GET, HEAD") {
    r.method_allowed = method == "GET" || method == "HEAD";
  } else {
    r.method_allowed = method == allowed;
  }
  return r;
}

constexpr std::string_view kAgentsPrefix = "/api/v1/agents/";

// The sign-up flow's and guide 002's routes.
std::optional<Route> match_seed_route(std::string_view method, std::string_view path) {
  if (path == "/api/auth/signup") return route(Endpoint::signup, method, "POST");
  if (path == "/api/auth/login") return route(Endpoint::login, method, "POST");
  if (path == "/api/auth/me") return route(Endpoint::me, method, "GET, HEAD");
  if (path == "/api/v1/workflows") return route(Endpoint::workflows, method, "GET, HEAD");
  if (path == "/api/v1/collections") return route(Endpoint::collections, method, "GET, HEAD");
  if (path == "/api/v1/mcp-servers") return route(Endpoint::mcp_servers, method, "GET, HEAD");
  if (path == "/api/v1/agents") {
    Route r = route(Endpoint::agents, method, "GET, HEAD");
    r.allow = "GET, HEAD, POST";
    r.method_allowed = r.method_allowed || method == "POST";
    return r;
  }
  if (path.rfind(kAgentsPrefix, 0) == 0) {
    const std::string_view id = path.substr(kAgentsPrefix.size());
    if (id.empty() || id.find('/') != std::string_view::npos) return Route{};
    Route r = route(Endpoint::agent, method, "GET, HEAD");
    r.resource = id;
    return r;
  }
  return std::nullopt;
}

}  // namespace

std::string_view endpoint_template(Endpoint endpoint) {
  return kTemplates[static_cast<size_t>(endpoint)];
}

std::optional<Endpoint> endpoint_from_template(std::string_view text) {
  for (size_t i = 0; i < kEndpointCount; ++i) {
    if (kTemplates[i] == text) return static_cast<Endpoint>(i);
  }
  return std::nullopt;
}

bool is_infrastructure(Endpoint endpoint) {
  return endpoint == Endpoint::health_live || endpoint == Endpoint::health_ready ||
         endpoint == Endpoint::healthz || endpoint == Endpoint::metrics;
}

Route match_route(std::string_view method, std::string_view path) {
  if (path == "/health/live") return route(Endpoint::health_live, method, "GET, HEAD");
  if (path == "/health/ready") return route(Endpoint::health_ready, method, "GET, HEAD");
  if (path == "/healthz") return route(Endpoint::healthz, method, "GET, HEAD");
  if (path == "/metrics") return route(Endpoint::metrics, method, "GET, HEAD");
  if (path == "/api/v1/chat") return route(Endpoint::chat, method, "POST");
  if (path == "/api/v1/chat/stream") return route(Endpoint::chat_stream, method, "POST");
  if (path == "/api/v1/plans") return route(Endpoint::plans, method, "POST");
  if (path == "/v1/chat/completions") return route(Endpoint::llm_chat, method, "POST");
  if (path == "/ws/chat") return route(Endpoint::ws_chat, method, "GET");
  if (path == "/api/v1/analytics/agents") {
    return route(Endpoint::analytics_agents, method, "GET, HEAD");
  }
  if (auto r = match_seed_route(method, path)) return *r;
  if (path.rfind(kPlansPrefix, 0) == 0) {
    std::string_view rest = path.substr(kPlansPrefix.size());
    size_t slash = rest.find('/');
    std::string_view id = rest.substr(0, slash);
    if (id.empty()) return {};
    Route r;
    if (slash == std::string_view::npos) {
      r = route(Endpoint::plan, method, "GET, HEAD");
    } else if (rest.substr(slash) == "/approve") {
      r = route(Endpoint::plan_approve, method, "POST");
    } else if (rest.substr(slash) == "/status") {
      r = route(Endpoint::plan_status, method, "GET, HEAD");
    } else {
      return {};
    }
    r.resource = id;
    return r;
  }
  if (path.rfind(kWebhookPrefix, 0) == 0) {
    std::string_view tenant = path.substr(kWebhookPrefix.size());
    if (tenant.empty() || tenant.find('/') != std::string_view::npos) return {};
    Route r = route(Endpoint::webhook, method, "POST");
    r.resource = tenant;
    return r;
  }
  return {};
}

}  // namespace replay::agent_sim
