#pragma once
// Guide 002's platform objects: agents (five seeded, more created through POST /api/v1/agents,
// bounded), and fixed lists of workflows, collections and MCP servers.

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace replay::agent_sim {

struct CatalogAgent {
  std::string id;  // "agent-1" .. "agent-5" seeded; created ones "agent-6", ...
  std::string name;
  std::string model;
};

class AgentCatalog {
 public:
  static constexpr size_t kMaxAgents = 10'000;
  static constexpr size_t kListed = 20;  // GET /api/v1/agents lists the latest this many

  AgentCatalog();
  const CatalogAgent& add(std::string name, std::string model);
  const CatalogAgent* find(std::string_view id) const;
  // The latest kListed agents, newest first, as a JSON array.
  std::string list_json() const;

 private:
  std::deque<CatalogAgent> agents_;
  size_t next_number_ = 1;
};

}  // namespace replay::agent_sim
