// The endpoints' own behaviour, once routing, faults and auth have passed.

#include <array>
#include <cstdio>
#include <ctime>

#include "agent_sim.hpp"
#include "replay/core/json_writer.hpp"

namespace replay::agent_sim {

namespace {

constexpr std::string_view kLiveBody = R"({"status":"alive"})";
constexpr std::string_view kReadyBody = R"({"status":"ready","checks":{"queue":"ok"}})";
constexpr std::string_view kHealthzBody = R"({"status":"ok"})";
constexpr std::string_view kModel = "sim/gpt-4o-mini";
constexpr std::string_view kAnswer =
    "Based on the last quarter's production data, output rose four percent while unplanned "
    "downtime fell, mostly on lines two and five. The main drivers were shorter changeovers "
    "and fewer quality holds; scrap rate and energy per unit still trail their targets.";
constexpr std::array<std::string_view, 4> kStepTitles = {
    "Collect the relevant records", "Analyse causes and trends", "Draft recommendations",
    "Review with stakeholders"};

// The first `max_bytes` of `text`, cut at a UTF-8 character boundary.
std::string_view utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;
  return text.substr(0, n);
}

std::optional<std::string_view> string_field(simdjson::dom::object& object, const char* key) {
  std::string_view value;
  if (object[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

struct PlanProgress {
  std::string_view status;
  uint32_t steps_completed;
};

PlanProgress plan_progress(const Plan& plan, uint64_t now_ms, uint64_t step_ms) {
  if (!plan.approved_ms) return {"pending_approval", 0};
  uint64_t elapsed = now_ms - *plan.approved_ms;
  uint64_t done = step_ms == 0 ? PlanStore::kSteps : elapsed / step_ms;
  if (done >= PlanStore::kSteps) return {"completed", PlanStore::kSteps};
  return {"executing", static_cast<uint32_t>(done)};
}

void write_plan(JsonWriter& json, const Plan& plan, PlanProgress progress) {
  json.begin_object();
  json.key("id").value(plan.id);
  json.key("tenant_id").value(plan.tenant_id);
  json.key("goal").value(plan.goal);
  json.key("context").value(plan.context);
  json.key("status").value(progress.status);
  json.key("created_by").value(plan.created_by);
  json.key("created_at").value(plan.created_at_s);
  json.key("steps").begin_array();
  for (uint32_t i = 0; i < PlanStore::kSteps; ++i) {
    json.begin_object();
    json.key("index").value(i + 1);
    json.key("title").value(kStepTitles[i]);
    json.key("done").value(i < progress.steps_completed);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

}  // namespace

std::string_view answer_token(uint32_t i) {
  static const std::vector<std::string_view> words = [] {
    std::vector<std::string_view> out;
    std::string_view rest = kAnswer;
    while (!rest.empty()) {
      size_t space = rest.find(' ');
      size_t end = space == std::string_view::npos ? rest.size() : space + 1;
      out.push_back(rest.substr(0, end));
      rest.remove_prefix(end);
    }
    return out;
  }();
  return words[i % words.size()];
}

struct AgentSim::Stream {
  Call call;
  std::string conversation_id;
  uint32_t sent = 0;
};

std::string AgentSim::new_uuid() {
  uint64_t hi = rng_.next_u64();
  uint64_t lo = rng_.next_u64();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;              // version 4
  lo = (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return text;
}

std::optional<simdjson::dom::object> AgentSim::parse_object(std::string_view body) {
  simdjson::dom::object object;
  if (json_.parse(body.data(), body.size()).get(object) != simdjson::SUCCESS) return std::nullopt;
  return object;
}

void AgentSim::serve(Call& call) {
  switch (call.endpoint) {
    case Endpoint::health_live:
      reply(call, 200, kLiveBody);
      return;
    case Endpoint::health_ready:
      reply(call, 200, kReadyBody);
      return;
    case Endpoint::healthz:
      reply(call, 200, kHealthzBody);
      return;
    case Endpoint::metrics:
      serve_metrics(call);
      return;
    case Endpoint::chat:
      serve_chat(call);
      return;
    case Endpoint::chat_stream:
      serve_chat_stream(call);
      return;
    case Endpoint::plans:
      serve_create_plan(call);
      return;
    case Endpoint::plan:
      serve_plan(call);
      return;
    case Endpoint::plan_approve:
      serve_approve_plan(call);
      return;
    case Endpoint::plan_status:
      serve_plan_status(call);
      return;
    case Endpoint::webhook:
      serve_webhook(call);
      return;
    case Endpoint::analytics_agents:
      serve_analytics(call);
      return;
    case Endpoint::llm_chat:
      serve_llm_chat(call);
      return;
    case Endpoint::ws_chat:
      serve_ws_chat(call);
      return;
    case Endpoint::signup:
      serve_signup(call);
      return;
    case Endpoint::login:
      serve_login(call);
      return;
    case Endpoint::me:
      serve_me(call);
      return;
    case Endpoint::agents:
      serve_agents(call);
      return;
    case Endpoint::agent:
      serve_agent(call);
      return;
    case Endpoint::workflows:
    case Endpoint::collections:
    case Endpoint::mcp_servers:
      serve_catalog(call);
      return;
    case Endpoint::other:
      reply_detail(call, 404, "Not Found");
      return;
  }
}

void AgentSim::serve_metrics(const Call& call) {
  scratch_.clear();
  double connections = connection_count_ ? static_cast<double>(connection_count_()) : 0;
  metrics_.render(scratch_,
                  {
                      {"queue_depth", static_cast<double>(queue_.depth())},
                      {"queue_capacity", queue_.capacity()},
                      {"queue_workers", queue_.workers()},
                      {"queue_busy_workers", queue_.busy_workers()},
                      {"queue_jobs_accepted_total", static_cast<double>(queue_.accepted())},
                      {"queue_jobs_rejected_total", static_cast<double>(queue_.rejected())},
                      {"queue_jobs_processed_total", static_cast<double>(queue_.processed())},
                      {"plans_created_total", static_cast<double>(plans_.created())},
                      {"open_connections", connections},
                      {"stall_active", stalled() ? 1.0 : 0.0},
                      {"ws_open_connections", static_cast<double>(ws_open_)},
                      {"ws_messages_received_total", static_cast<double>(ws_messages_)},
                      {"ws_rate_limit_hits_total", static_cast<double>(ws_rate_limited_)},
                  });
  reply(call, 200, scratch_, {}, "text/plain; version=0.0.4; charset=utf-8");
}

void AgentSim::serve_chat(Call& call) {
  auto body = parse_object(call.writer.request().body);
  if (!body) return reply_detail(call, 400, "Body must be a JSON object");
  auto message = string_field(*body, "message");
  if (!message || message->empty()) return reply_detail(call, 422, "'message' is required");
  auto conversation = string_field(*body, "conversation_id");
  std::string conversation_id = conversation ? std::string(*conversation) : new_uuid();
  std::string question(utf8_prefix(*message, 80));
  uint64_t latency_ms = options_.chat_latency.sample_ms(rng_);
  after(latency_ms, call,
        [this, latency_ms, question = std::move(question),
         conversation_id = std::move(conversation_id)](Call& done) {
          std::string out;
          JsonWriter json(out);
          json.begin_object();
          json.key("response").value("Regarding \"" + question + "\": " + std::string(kAnswer));
          json.key("conversation_id").value(conversation_id);
          json.key("citations").begin_array();
          json.begin_object().key("id").value("kb-101").key("title");
          json.value("Q4 production KPI dashboard").key("score").value(0.92).end_object();
          json.begin_object().key("id").value("kb-207").key("title");
          json.value("Downtime root-cause log").key("score").value(0.87).end_object();
          json.end_array();
          json.key("model_used").value(kModel);
          json.key("latency_ms").value(latency_ms);
          json.end_object();
          reply(done, 200, out);
        });
}

void AgentSim::serve_chat_stream(Call& call) {
  auto body = parse_object(call.writer.request().body);
  if (!body) return reply_detail(call, 400, "Body must be a JSON object");
  auto message = string_field(*body, "message");
  if (!message || message->empty()) return reply_detail(call, 422, "'message' is required");
  auto conversation = string_field(*body, "conversation_id");
  auto s = std::make_shared<Stream>();
  s->conversation_id = conversation ? std::string(*conversation) : new_uuid();
  s->call = std::move(call);
  start_stream(s);
}

void AgentSim::start_stream(const std::shared_ptr<Stream>& s) {
  if (stalled()) {
    hold([this, s] { start_stream(s); });
    return;
  }
  s->call.writer.write_head(200,
                            {{"Content-Type", "text/event-stream"},
                             {"Cache-Control", "no-cache"},
                             {"X-Accel-Buffering", "no"}},
                            std::nullopt);
  timers_.schedule(options_.stream_first_token.sample_ms(rng_), [this, s] { emit_token(s); });
}

void AgentSim::emit_token(const std::shared_ptr<Stream>& s) {
  const http::ResponseWriter& writer = s->call.writer;
  if (!writer.connected()) {
    record(s->call, 200);  // the client left mid-stream
    return;
  }
  if (stalled()) {
    hold([this, s] { emit_token(s); });
    return;
  }
  std::string event;
  if (s->sent < options_.stream_tokens) {
    event = "data: ";
    JsonWriter json(event);
    json.begin_object();
    json.key("index").value(s->sent);
    json.key("token").value(answer_token(s->sent));
    json.key("conversation_id").value(s->conversation_id);
    json.end_object();
    event += "\n\n";
    ++s->sent;
  }
  if (s->sent < options_.stream_tokens) {
    writer.write_body(event);
    timers_.schedule(options_.stream_token_interval_ms, [this, s] { emit_token(s); });
    return;
  }
  event += "data: [DONE]\n\n";
  writer.write_body(event);
  record(s->call, 200);
  writer.end();
}

void AgentSim::serve_create_plan(Call& call) {
  auto body = parse_object(call.writer.request().body);
  if (!body) return reply_detail(call, 400, "Body must be a JSON object");
  auto goal = string_field(*body, "goal");
  if (!goal || goal->empty()) return reply_detail(call, 422, "'goal' is required");
  Plan plan;
  plan.goal = std::string(utf8_prefix(*goal, 2000));
  plan.context = std::string(utf8_prefix(string_field(*body, "context").value_or(""), 2000));
  after(options_.plan_latency.sample_ms(rng_), call,
        [this, plan = std::move(plan)](Call& done) mutable {
          plan.id = new_uuid();
          plan.tenant_id = done.claims.tenant_id;
          plan.created_by = done.claims.sub;
          plan.created_at_s = static_cast<int64_t>(std::time(nullptr));
          const Plan& stored = plans_.add(std::move(plan));
          std::string out;
          JsonWriter json(out);
          write_plan(json, stored, {"pending_approval", 0});
          reply(done, 201, out);
        });
}

void AgentSim::serve_plan(const Call& call) {
  const Plan* plan = plans_.find(call.resource, call.claims.tenant_id);
  if (plan == nullptr) return reply_detail(call, 404, "Plan not found");
  std::string out;
  JsonWriter json(out);
  write_plan(json, *plan, plan_progress(*plan, uv_now(loop_), options_.plan_step_ms));
  reply(call, 200, out);
}

void AgentSim::serve_approve_plan(const Call& call) {
  Plan* plan = plans_.find(call.resource, call.claims.tenant_id);
  if (plan == nullptr) return reply_detail(call, 404, "Plan not found");
  if (plan->approved_ms) return reply_detail(call, 409, "Plan is already approved");
  plan->approved_ms = uv_now(loop_);
  plans_.count_approval();
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("id").value(plan->id);
  json.key("status").value("approved");
  json.key("approved_by").value(call.claims.sub);
  json.end_object();
  reply(call, 200, out);
}

void AgentSim::serve_plan_status(const Call& call) {
  const Plan* plan = plans_.find(call.resource, call.claims.tenant_id);
  if (plan == nullptr) return reply_detail(call, 404, "Plan not found");
  PlanProgress progress = plan_progress(*plan, uv_now(loop_), options_.plan_step_ms);
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("id").value(plan->id);
  json.key("status").value(progress.status);
  json.key("steps_total").value(PlanStore::kSteps);
  json.key("steps_completed").value(progress.steps_completed);
  json.key("progress").value(static_cast<double>(progress.steps_completed) / PlanStore::kSteps);
  json.end_object();
  reply(call, 200, out);
}

void AgentSim::serve_webhook(const Call& call) {
  simdjson::dom::element document;
  const std::string& body = call.writer.request().body;
  if (json_.parse(body.data(), body.size()).get(document) != simdjson::SUCCESS) {
    return reply_detail(call, 400, "Body must be JSON");
  }
  std::function<void()> on_processed;
  if (options_.webhook_sync) {
    on_processed = [this, call] {
      std::string out;
      JsonWriter json(out);
      json.begin_object().key("status").value("processed").key("tenant").value(call.resource);
      json.key("queue_depth").value(queue_.depth()).end_object();
      reply(call, 200, out);
    };
  }
  if (!queue_.submit(call.resource, std::move(on_processed))) {
    return reply_detail(call, 503, "Webhook queue is full", {"Retry-After", "1"});
  }
  if (options_.webhook_sync) return;
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("status").value("queued");
  json.key("tenant").value(call.resource);
  json.key("job_id").value(new_uuid());
  json.key("queue_depth").value(queue_.depth());
  json.end_object();
  reply(call, 202, out);
}

void AgentSim::serve_analytics(const Call& call) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("tenant_id").value(call.claims.tenant_id);
  json.key("agents").begin_array();
  json.begin_object();
  json.key("name").value("chat-assistant");
  json.key("requests")
      .value(metrics_.requests(Endpoint::chat) + metrics_.requests(Endpoint::chat_stream));
  json.key("avg_latency_ms").value(metrics_.mean_duration_ms(Endpoint::chat));
  json.key("model").value(kModel);
  json.end_object();
  json.begin_object();
  json.key("name").value("planner");
  json.key("plans_created").value(plans_.created());
  json.key("plans_approved").value(plans_.approved());
  json.end_object();
  json.begin_object();
  json.key("name").value("servicedesk-enhancer");
  json.key("jobs_accepted").value(queue_.accepted());
  json.key("jobs_rejected").value(queue_.rejected());
  json.key("jobs_processed").value(queue_.processed());
  json.key("queue_depth").value(queue_.depth());
  json.key("workers").value(queue_.workers());
  json.key("jobs_by_tenant").begin_object();
  for (const auto& [tenant, jobs] : queue_.per_tenant()) json.key(tenant).value(jobs);
  json.end_object();
  json.end_object();
  json.end_array();
  json.end_object();
  reply(call, 200, out);
}

}  // namespace replay::agent_sim
