#include "agent_catalog.hpp"

#include "replay/core/json_writer.hpp"

namespace replay::agent_sim {

AgentCatalog::AgentCatalog() {
  for (const char* name : {"triage", "planner", "researcher", "summariser", "responder"}) {
    add(name, "sim-gpt-4o-mini");
  }
}

const CatalogAgent& AgentCatalog::add(std::string name, std::string model) {
  if (agents_.size() >= kMaxAgents) agents_.erase(agents_.begin() + 5);  // keep the seeded five
  agents_.push_back({"agent-" + std::to_string(next_number_++), std::move(name), std::move(model)});
  return agents_.back();
}

const CatalogAgent* AgentCatalog::find(std::string_view id) const {
  for (const CatalogAgent& a : agents_) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

std::string AgentCatalog::list_json() const {
  std::string out;
  JsonWriter json(out);
  json.begin_array();
  size_t n = 0;
  for (auto it = agents_.rbegin(); it != agents_.rend() && n < kListed; ++it, ++n) {
    json.begin_object().key("id").value(it->id).key("name").value(it->name);
    json.key("model").value(it->model).end_object();
  }
  json.end_array();
  return out;
}

}  // namespace replay::agent_sim
