#pragma once
// The sim's endpoints, by path template; the template is the `endpoint` label in /metrics.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace replay::agent_sim {

enum class Endpoint : uint8_t {
  health_live,
  health_ready,
  healthz,
  chat,
  chat_stream,
  plans,
  plan,
  plan_approve,
  plan_status,
  webhook,
  analytics_agents,
  llm_chat,  // POST /v1/chat/completions (OpenAI-compatible)
  ws_chat,   // GET /ws/chat, upgraded to a WebSocket
  // Guide 003's sign-up flow (auth_flow.cpp) and guide 002's objects (catalog_api.cpp).
  signup,
  login,
  me,
  agents,  // GET lists, POST creates
  agent,
  workflows,
  collections,
  mcp_servers,
  metrics,
  other,
};
inline constexpr size_t kEndpointCount = static_cast<size_t>(Endpoint::other) + 1;

// "/api/v1/plans/{id}" and so on; "other" for unknown paths.
std::string_view endpoint_template(Endpoint endpoint);
// The endpoint whose template is `text`.
std::optional<Endpoint> endpoint_from_template(std::string_view text);
// Health checks and /metrics: never delayed by a bare --latency, never failed on purpose.
bool is_infrastructure(Endpoint endpoint);

struct Route {
  Endpoint endpoint = Endpoint::other;
  bool method_allowed = true;
  std::string_view allow;     // the allowed methods, for 405
  std::string_view resource;  // {id} or {tenant}
};

// Matches a request path (no query) and method.
Route match_route(std::string_view method, std::string_view path);

}  // namespace replay::agent_sim
