// Guide 002's read/write mix: agents (list, get, create), workflows, collections and MCP
// servers, with no auth and no latency beyond --latency.

#include "agent_sim.hpp"
#include "replay/core/json_writer.hpp"

namespace replay::agent_sim {
namespace {

constexpr std::string_view kWorkflows =
    R"([{"id":"wf-1","name":"ticket triage","steps":4},{"id":"wf-2","name":"incident review",)"
    R"("steps":6},{"id":"wf-3","name":"onboarding","steps":3}])";
constexpr std::string_view kCollections =
    R"([{"id":"col-1","name":"runbooks","documents":412},{"id":"col-2","name":"policies",)"
    R"("documents":87}])";
constexpr std::string_view kMcpServers =
    R"([{"id":"mcp-1","name":"servicedesk","tools":12},{"id":"mcp-2","name":"github","tools":30}])";

}  // namespace

void AgentSim::serve_agents(const Call& call) {
  if (call.writer.request().method != "POST") {
    return reply(call, 200, "{\"items\":" + catalog_.list_json() + "}");
  }
  auto body = parse_object(call.writer.request().body);
  if (!body) return reply_detail(call, 400, "Body must be a JSON object");
  std::string_view name, model = "sim-gpt-4o-mini";
  if ((*body)["name"].get(name) != simdjson::SUCCESS || name.empty()) {
    return reply_detail(call, 422, "'name' is required");
  }
  if ((*body)["model"].get(model) != simdjson::SUCCESS) model = "sim-gpt-4o-mini";
  const CatalogAgent& a =
      catalog_.add(std::string(name.substr(0, 200)), std::string(model.substr(0, 100)));
  std::string out;
  JsonWriter json(out);
  json.begin_object().key("id").value(a.id).key("name").value(a.name);
  json.key("model").value(a.model).end_object();
  reply(call, 201, out);
}

void AgentSim::serve_agent(const Call& call) {
  const CatalogAgent* a = catalog_.find(call.resource);
  if (a == nullptr) return reply_detail(call, 404, "Agent not found");
  std::string out;
  JsonWriter json(out);
  json.begin_object().key("id").value(a->id).key("name").value(a->name);
  json.key("model").value(a->model).end_object();
  reply(call, 200, out);
}

void AgentSim::serve_catalog(const Call& call) {
  std::string_view items = kMcpServers;
  if (call.endpoint == Endpoint::workflows) items = kWorkflows;
  if (call.endpoint == Endpoint::collections) items = kCollections;
  reply(call, 200, "{\"items\":" + std::string(items) + "}");
}

}  // namespace replay::agent_sim
