// Guide 003's sign-up flow: POST /api/auth/signup creates an account (and its tenant),
// POST /api/auth/login answers with a bearer token (role operator, for the chat endpoints)
// and a session cookie, GET /api/auth/me needs that cookie.

#include <ctime>

#include "agent_sim.hpp"
#include "replay/core/json_writer.hpp"

namespace replay::agent_sim {
namespace {

constexpr int64_t kTokenTtlS = 3600;

std::string text_field(simdjson::dom::object& object, const char* key) {
  std::string_view v;
  if (object[key].get(v) != simdjson::SUCCESS) return {};
  return std::string(v.substr(0, 320));
}

// The value of cookie `name` in a Cookie header ("" when absent).
std::string_view cookie_value(std::string_view header, std::string_view name) {
  size_t at = 0;
  while (at < header.size()) {
    while (at < header.size() && (header[at] == ' ' || header[at] == ';')) ++at;
    const size_t end = std::min(header.find(';', at), header.size());
    const std::string_view pair = header.substr(at, end - at);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    at = end;
  }
  return {};
}

}  // namespace

void AgentSim::serve_signup(const Call& call) {
  auto body = parse_object(call.writer.request().body);
  if (!body) return reply_detail(call, 400, "Body must be a JSON object");
  Account account;
  account.email = text_field(*body, "email");
  account.password = text_field(*body, "password");
  if (account.email.find('@') == std::string::npos) {
    return reply_detail(call, 422, "'email' must be an email address");
  }
  if (account.password.size() < 8) {
    return reply_detail(call, 422, "'password' needs at least 8 characters");
  }
  account.user_id = new_uuid();
  account.tenant_id = new_uuid();
  std::string out;
  JsonWriter json(out);
  json.begin_object().key("user_id").value(account.user_id).key("email").value(account.email);
  json.key("tenant_id").value(account.tenant_id).end_object();
  if (!accounts_.add(std::move(account))) {
    return reply_detail(call, 409, "Email already registered");
  }
  reply(call, 201, out);
}

void AgentSim::serve_login(const Call& call) {
  auto body = parse_object(call.writer.request().body);
  if (!body) return reply_detail(call, 400, "Body must be a JSON object");
  const Account* account = accounts_.find(text_field(*body, "email"));
  if (account == nullptr || account->password != text_field(*body, "password")) {
    return reply_detail(call, 401, "Invalid email or password");
  }
  const auto now_s = static_cast<int64_t>(std::time(nullptr));
  auth::JwtClaims claims;
  claims.sub = account->user_id;
  claims.tenant_id = account->tenant_id;
  claims.role = "operator";
  claims.exp = now_s + kTokenTtlS;
  const std::string token =
      auth::jwt_sign_hs256(auth::jwt_claims_json(claims), options_.jwt_secret);
  const std::string session_id = new_uuid();
  accounts_.open_session(session_id, account->email);
  std::string out;
  JsonWriter json(out);
  json.begin_object().key("access_token").value(token).key("token_type").value("bearer");
  json.key("expires_in").value(kTokenTtlS).key("tenant_id").value(account->tenant_id);
  json.end_object();
  const std::string cookie = "session=" + session_id + "; Path=/; HttpOnly";
  reply(call, 200, out, {"Set-Cookie", cookie});
}

void AgentSim::serve_me(const Call& call) {
  auto header = call.writer.request().headers.find("cookie");
  const Account* account = header ? accounts_.session(cookie_value(*header, "session")) : nullptr;
  if (account == nullptr) return reply_detail(call, 401, "No session: log in first");
  std::string out;
  JsonWriter json(out);
  json.begin_object().key("user_id").value(account->user_id).key("email").value(account->email);
  json.key("tenant_id").value(account->tenant_id).end_object();
  reply(call, 200, out);
}

}  // namespace replay::agent_sim
