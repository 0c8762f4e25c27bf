#include "agent_sim.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <utility>

#include "replay/core/json_writer.hpp"

namespace replay::agent_sim {

namespace {

// Roles in increasing power; each endpoint needs at least one of them.
enum class Role { none, viewer, operator_, admin };

Role role_from_claim(std::string_view role) {
  if (role == "admin") return Role::admin;
  if (role == "operator") return Role::operator_;
  if (role == "viewer") return Role::viewer;
  return Role::none;
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::admin:
      return "admin";
    case Role::operator_:
      return "operator";
    case Role::viewer:
      return "viewer";
    case Role::none:
      return "none";
  }
  return "none";
}

Role required_role(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::chat:
    case Endpoint::chat_stream:
    case Endpoint::llm_chat:
    case Endpoint::ws_chat:
      return Role::operator_;
    case Endpoint::plans:
    case Endpoint::plan:
    case Endpoint::plan_approve:
    case Endpoint::plan_status:
    case Endpoint::analytics_agents:
      return Role::admin;
    default:
      return Role::none;
  }
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && http::iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

struct AgentSim::Trickle {
  Call call;
  std::string body;
  size_t offset = 0;
};

AgentSim::AgentSim(uv_loop_t* loop, const SimOptions& options)
    : loop_(loop),
      options_(options),
      rng_(options.seed),
      timers_(loop),
      limiter_(options.rate_limit_per_min),
      queue_(timers_, rng_, options.service_time, options.workers, options.queue_size) {}

void AgentSim::start(FILE* log) {
  log_ = log;
  uv_update_time(loop_);
  started_ms_ = uv_now(loop_);
  for (const StallWindow& window : options_.stalls) {
    uint64_t duration_ms = window.duration_ms;
    timers_.schedule(window.start_ms, [this, duration_ms] { begin_stall(duration_ms); });
  }
}

void AgentSim::close() {
  timers_.close();
  held_.clear();
}

void AgentSim::begin_stall(uint64_t duration_ms) {
  uv_update_time(loop_);
  uint64_t start_ms = uv_now(loop_) - started_ms_;
  ++active_stalls_;
  if (log_ != nullptr) {
    std::fprintf(log_, "agent-sim: stall start_ms=%llu end_ms=%llu\n",
                 static_cast<unsigned long long>(start_ms),
                 static_cast<unsigned long long>(start_ms + duration_ms));
    std::fflush(log_);
  }
  timers_.schedule(duration_ms, [this] { end_stall(); });
}

void AgentSim::end_stall() {
  if (--active_stalls_ > 0) return;
  std::vector<std::function<void()>> held = std::move(held_);
  held_.clear();
  for (auto& fn : held) fn();
}

void AgentSim::handle(http::Request& request, http::ResponseWriter writer) {
  if (stalled()) {
    hold([this, writer]() mutable {
      http::Request& held_request = writer.request();
      process(held_request, std::move(writer));
    });
    return;
  }
  process(request, std::move(writer));
}

void AgentSim::process(http::Request& request, http::ResponseWriter writer) {
  Route route = match_route(request.method, request.path());
  Call call{std::move(writer), route.endpoint, route.resource, {}};
  if (!route.method_allowed) {
    reply_detail(call, 405, "Method Not Allowed", {"Allow", route.allow});
    return;
  }
  if (route.endpoint != Endpoint::metrics) {
    if (options_.reset_rate > 0 && rng_.uniform() < options_.reset_rate) {
      metrics_.count_reset();
      call.writer.reset_connection();
      return;
    }
    if (options_.error_rate > 0 && rng_.uniform() < options_.error_rate) {
      reply_detail(call, 500, "Injected error");
      return;
    }
  }
  if (!authenticate(call)) return;
  const auto& extra = options_.extra_latency[static_cast<size_t>(call.endpoint)];
  if (extra && !extra->is_zero()) {
    after(extra->sample_ms(rng_), call, [this](Call& delayed) { serve(delayed); });
    return;
  }
  serve(call);
}

bool AgentSim::authenticate(Call& call) {
  Role needed = required_role(call.endpoint);
  if (needed == Role::none) return true;
  const http::Request& request = call.writer.request();
  auto header = request.headers.find("authorization");
  if (options_.no_auth) {
    call.claims = {"anonymous", "default", "admin", std::nullopt};
    if (header && starts_with_ignoring_case(*header, "Bearer ")) {
      auto v = auth::jwt_verify_hs256(trim(header->substr(7)), options_.jwt_secret,
                                      static_cast<int64_t>(std::time(nullptr)));
      if (v.ok() && !v.claims.sub.empty()) call.claims = std::move(v.claims);
    }
    return true;
  }
  constexpr ExtraHeader kChallenge{"WWW-Authenticate", "Bearer"};
  if (!header) {
    reply_detail(call, 401, "Not authenticated", kChallenge);
    return false;
  }
  if (!starts_with_ignoring_case(*header, "Bearer ")) {
    reply_detail(call, 401, "Authorization must use the Bearer scheme", kChallenge);
    return false;
  }
  auto v = auth::jwt_verify_hs256(trim(header->substr(7)), options_.jwt_secret,
                                  static_cast<int64_t>(std::time(nullptr)));
  switch (v.status) {
    case auth::JwtStatus::valid:
      break;
    case auth::JwtStatus::malformed:
      reply_detail(call, 401, "Invalid token: " + v.reason, kChallenge);
      return false;
    case auth::JwtStatus::bad_signature:
      reply_detail(call, 401, "Invalid token signature", kChallenge);
      return false;
    case auth::JwtStatus::expired:
      reply_detail(call, 401, "Token has expired", kChallenge);
      return false;
  }
  if (v.claims.sub.empty()) {
    reply_detail(call, 401, "Token has no subject", kChallenge);
    return false;
  }
  Role role = role_from_claim(v.claims.role);
  if (role < needed) {
    std::string detail = "Role '" + v.claims.role + "' may not use this endpoint; it needs ";
    detail.append(role_name(needed));
    reply_detail(call, 403, detail);
    return false;
  }
  if (auto wait_s = limiter_.take(v.claims.sub, uv_now(loop_))) {
    metrics_.count_rate_limit_hit();
    char seconds[12];
    auto end = std::to_chars(seconds, seconds + sizeof seconds, *wait_s).ptr;
    std::string detail =
        "Rate limit exceeded: " + std::to_string(options_.rate_limit_per_min) + " per 1 minute";
    reply_detail(call, 429, detail,
                 {"Retry-After", std::string_view(seconds, static_cast<size_t>(end - seconds))});
    return false;
  }
  call.claims = std::move(v.claims);
  return true;
}

void AgentSim::after(uint64_t delay_ms, Call& call, std::function<void(Call&)> fn) {
  auto shared = std::make_shared<Call>(std::move(call));
  timers_.schedule(delay_ms, [shared, fn = std::move(fn)] { fn(*shared); });
}

void AgentSim::record(const Call& call, int status) {
  const http::Request& request = call.writer.request();
  metrics_.record(request.method, call.endpoint, status, uv_hrtime() - request.started_at_ns);
}

void AgentSim::reply_detail(const Call& call, int status, std::string_view detail,
                            ExtraHeader extra) {
  std::string body;
  JsonWriter json(body);
  json.begin_object().key("detail").value(detail).end_object();
  reply(call, status, body, extra);
}

void AgentSim::reply(const Call& call, int status, std::string_view body, ExtraHeader extra,
                     std::string_view content_type) {
  if (stalled()) {
    hold([this, call, status, body = std::string(body), name = extra.name,
          value = std::string(extra.value), content_type] {
      reply(call, status, body, {name, value}, content_type);
    });
    return;
  }
  record(call, status);
  http::HeaderField headers[2] = {{"Content-Type", content_type}, {extra.name, extra.value}};
  std::span<const http::HeaderField> fields(headers, extra.name.empty() ? 1 : 2);
  if (!options_.slow_body || is_infrastructure(call.endpoint) || body.empty()) {
    call.writer.respond(status, fields, body);
    return;
  }
  call.writer.write_head(status, fields, body.size());
  auto t = std::make_shared<Trickle>(Trickle{call, std::string(body), 0});
  trickle(t);
}

void AgentSim::trickle(const std::shared_ptr<Trickle>& t) {
  if (!t->call.writer.connected()) return;
  if (stalled()) {
    hold([this, t] { trickle(t); });
    return;
  }
  const http::ResponseWriter& writer = t->call.writer;
  size_t n = std::min<size_t>(options_.slow_body_bytes, t->body.size() - t->offset);
  writer.write_body(std::string_view(t->body).substr(t->offset, n));
  t->offset += n;
  if (t->offset >= t->body.size()) {
    writer.end();
    return;
  }
  timers_.schedule(options_.slow_body_interval_ms, [this, t] { trickle(t); });
}

}  // namespace replay::agent_sim
