#pragma once
// The simulated AI-agent platform: routes requests to the seeds' endpoints, applies auth,
// rate limits and injected faults, and answers after simulated latencies.

#include <simdjson.h>
#include <uv.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "account_store.hpp"
#include "agent_catalog.hpp"
#include "endpoint.hpp"
#include "latency.hpp"
#include "metrics.hpp"
#include "plan_store.hpp"
#include "rate_limiter.hpp"
#include "replay/auth/jwt.hpp"
#include "replay/http/response_writer.hpp"
#include "sim_options.hpp"
#include "timer_queue.hpp"
#include "webhook_queue.hpp"

namespace replay::agent_sim {

// The i-th word of the canned chat answer, with its trailing space, cycling.
std::string_view answer_token(uint32_t i);

// Loop thread only; non-movable. The loop and options must outlive it.
class AgentSim {
 public:
  AgentSim(uv_loop_t* loop, const SimOptions& options);
  AgentSim(const AgentSim&) = delete;
  AgentSim& operator=(const AgentSim&) = delete;

  // The http::Server request handler.
  void handle(http::Request& request, http::ResponseWriter writer);
  // Starts the clock for --stall windows (call when listening starts); each applied window
  // is reported on `log` as "agent-sim: stall start_ms=S end_ms=E" (ms since start).
  void start(FILE* log);
  // Reports open connections in /metrics.
  void set_connection_count(std::function<size_t()> count) { connection_count_ = std::move(count); }
  // Closes the timer and drops held and scheduled work; run the loop afterwards.
  void close();

 private:
  struct Call {
    http::ResponseWriter writer;
    Endpoint endpoint = Endpoint::other;
    std::string_view resource;  // {id} or {tenant}: a view into the request's target
    auth::JwtClaims claims;
  };
  struct ExtraHeader {
    std::string_view name;
    std::string_view value;
  };
  struct Stream;
  struct LlmStream;
  struct Trickle;
  struct WsChat;

  bool stalled() const { return active_stalls_ > 0; }
  void hold(std::function<void()> fn) { held_.push_back(std::move(fn)); }
  void begin_stall(uint64_t duration_ms);
  void end_stall();

  void process(http::Request& request, http::ResponseWriter writer);
  bool authenticate(Call& call);
  void serve(Call& call);
  // Answers (held while stalled), counts it in /metrics, trickles it with --slow-body.
  void reply(const Call& call, int status, std::string_view body, ExtraHeader extra = {},
             std::string_view content_type = "application/json");
  void reply_detail(const Call& call, int status, std::string_view detail, ExtraHeader extra = {});
  void record(const Call& call, int status);
  void trickle(const std::shared_ptr<Trickle>& t);
  // Runs `fn` with the call after `delay_ms`.
  void after(uint64_t delay_ms, Call& call, std::function<void(Call&)> fn);

  std::optional<simdjson::dom::object> parse_object(std::string_view body);
  void serve_metrics(const Call& call);
  void serve_chat(Call& call);
  void serve_chat_stream(Call& call);
  void start_stream(const std::shared_ptr<Stream>& s);
  void emit_token(const std::shared_ptr<Stream>& s);
  // POST /v1/chat/completions (llm_chat.cpp).
  void serve_llm_chat(Call& call);
  void start_llm_stream(const std::shared_ptr<LlmStream>& s);
  void emit_llm_chunk(const std::shared_ptr<LlmStream>& s);
  // GET /ws/chat (ws_chat.cpp): the upgrade, then each connection's replies and pings.
  void serve_ws_chat(const Call& call);
  void start_ws_reply(const std::shared_ptr<WsChat>& chat);
  void emit_ws_chunk(const std::shared_ptr<WsChat>& chat);
  void schedule_ws_ping(const std::shared_ptr<WsChat>& chat);
  void serve_create_plan(Call& call);
  void serve_plan(const Call& call);
  void serve_approve_plan(const Call& call);
  void serve_plan_status(const Call& call);
  void serve_webhook(const Call& call);
  void serve_analytics(const Call& call);
  // Guide 003's sign-up flow (auth_flow.cpp) and guide 002's objects (catalog_api.cpp).
  void serve_signup(const Call& call);
  void serve_login(const Call& call);
  void serve_me(const Call& call);
  void serve_agents(const Call& call);
  void serve_agent(const Call& call);
  void serve_catalog(const Call& call);
  std::string new_uuid();

  uv_loop_t* loop_;
  const SimOptions& options_;
  Rng rng_;
  TimerQueue timers_;
  Metrics metrics_;
  RateLimiter limiter_;
  WebhookQueue queue_;
  PlanStore plans_;
  AccountStore accounts_;
  AgentCatalog catalog_;
  simdjson::dom::parser json_;
  std::function<size_t()> connection_count_;
  std::vector<std::function<void()>> held_;  // work waiting for a stall to end
  int active_stalls_ = 0;
  uint64_t started_ms_ = 0;  // loop time at start()
  FILE* log_ = nullptr;
  std::string scratch_;   // reused response buffer
  uint64_t ws_open_ = 0;  // WebSocket connections open now
  uint64_t ws_messages_ = 0;
  uint64_t ws_rate_limited_ = 0;
};

}  // namespace replay::agent_sim
