// FileParser's part for the fields of one request or step: method, path, headers, auth,
// think time, body.

#include <algorithm>

#include "replay/core/units.hpp"
#include "replay/core/wire_check.hpp"
#include "scenario_parser.hpp"

namespace replay::synth {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

void append_literal(Template& t, std::string_view text) {
  if (!t.segments.empty() && t.segments.back().kind == Segment::Kind::literal) {
    t.segments.back().text += text;
    return;
  }
  Segment s;
  s.text = std::string(text);
  t.segments.push_back(std::move(s));
}

void append_segments(Template& t, Template&& more) {
  for (Segment& s : more.segments) {
    if (s.kind == Segment::Kind::literal) {
      append_literal(t, s.text);
    } else {
      t.segments.push_back(std::move(s));
    }
  }
}

// True when `text` has no control character, so an error may quote it on one line.
bool is_printable(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

// The token rule of every method and header name replay sends is core's (wire_check.hpp).
bool is_http_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

Result<void> FileParser::parse_request(const Fields& f, const StepDefaults& defaults,
                                       const TemplateScope& scope, RequestSpec& spec) {
  spec.tag = defaults.tag;
  if (auto t = f.get("tag")) {
    Push p(at_, "tag");
    auto tag = string_of(*t);
    if (!tag) return tag.error();
    if (tag->empty()) return fail("a tag must not be empty");
    spec.tag = std::string(*tag);
  }
  auto method = f.get("method");
  if (!method) return fail("missing field 'method'");
  {
    Push p(at_, "method");
    auto text = string_of(*method);
    if (!text) return text.error();
    if (!is_http_token(*text)) {
      // A CR or LF is named, never echoed: the error stays one line.
      if (!is_printable(*text))
        return fail("not an HTTP method: " + *check_wire_text(WireField::method, *text));
      return fail("'" + std::string(*text) + "' is not an HTTP method");
    }
    spec.method = std::string(*text);
  }
  auto path = f.get("path");
  if (!path) return fail("missing field 'path'");
  {
    Push p(at_, "path");
    auto text = string_of(*path);
    if (!text) return text.error();
    if (text->empty() || text->front() != '/') return fail("a path starts with '/'");
    auto t = template_of(*path, Escape::path, scope);
    if (!t) return t.error();
    spec.target = std::move(t).value();
  }
  spec.auth = defaults.auth;
  if (auto a = f.get("auth")) {
    Push p(at_, "auth");
    auto auth = parse_auth(*a);
    if (!auth) return auth.error();
    spec.auth = std::move(auth).value();
  }
  if (auto x = f.get("expect")) {
    Push p(at_, "expect");
    auto expect = trace::parse_expect(simdjson::minify(*x));
    if (!expect) return fail(expect.error().context);
    spec.expect = std::move(expect).value();
  }
  spec.headers = defaults.headers;
  if (auto h = f.get("headers")) {
    Push p(at_, "headers");
    auto headers = parse_headers(*h, scope);
    if (!headers) return headers.error();
    for (HeaderTemplate& header : *headers) {
      auto same =
          std::find_if(spec.headers.begin(), spec.headers.end(),
                       [&](const HeaderTemplate& x) { return iequals(x.name, header.name); });
      if (same != spec.headers.end()) {
        *same = std::move(header);
      } else {
        spec.headers.push_back(std::move(header));
      }
    }
  }
  for (const HeaderTemplate& header : spec.headers) {
    if (spec.auth && iequals(header.name, "Authorization")) {
      Push p(at_, "headers");
      Push q(at_, header.name);
      return fail("Authorization is set by 'auth': remove one of them");
    }
  }
  if (auto b = f.get("body")) {
    Push p(at_, "body");
    bool is_json = false;
    auto body = parse_body(*b, scope, is_json);
    if (!body) return body.error();
    spec.body = std::move(body).value();
    bool has_type =
        std::any_of(spec.headers.begin(), spec.headers.end(),
                    [](const HeaderTemplate& h) { return iequals(h.name, "Content-Type"); });
    if (is_json && !has_type) {
      HeaderTemplate type;
      type.name = "Content-Type";
      append_literal(type.value, "application/json");
      type.value.escape = Escape::header;
      spec.headers.push_back(std::move(type));
    }
  }
  return {};
}

Result<std::vector<HeaderTemplate>> FileParser::parse_headers(element e,
                                                              const TemplateScope& scope) {
  object obj;
  if (e.get(obj) != simdjson::SUCCESS) return fail("expected an object of \"Name\": \"value\"");
  std::vector<HeaderTemplate> headers;
  for (auto [name, value] : obj) {
    if (!is_printable(name)) {
      return fail("a header name " + *check_wire_text(WireField::header_name, name));
    }
    Push p(at_, name);
    if (!is_http_token(name)) return fail("'" + std::string(name) + "' is not a header name");
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) {
      return fail("replay sets " + std::string(name) + " from the body");
    }
    for (const HeaderTemplate& h : headers) {
      if (iequals(h.name, name)) return fail("duplicate header '" + std::string(name) + "'");
    }
    auto t = template_of(value, Escape::header, scope);
    if (!t) return t.error();
    headers.push_back(HeaderTemplate{std::string(name), std::move(t).value()});
  }
  return headers;
}

Result<std::optional<AuthSpec>> FileParser::parse_auth(element e) {
  bool flag = true;
  if (e.is_null() || (e.get(flag) == simdjson::SUCCESS && !flag)) {
    return std::optional<AuthSpec>();  // "auth": false drops the session's auth for a step
  }
  auto f = fields(e, {"role", "user", "tenant", "claims"});
  if (!f) {
    return fail(
        "expected {\"role\": ..., \"user\": ..., \"tenant\": ..., \"claims\": {...}} or false");
  }
  AuthSpec auth;
  auto role = f->get("role");
  if (!role) return fail("missing field 'role' (admin, operator, viewer, ...)");
  {
    Push p(at_, "role");
    auto text = string_of(*role);
    if (!text) return text.error();
    if (text->empty()) return fail("a role must not be empty");
    auth.role = std::string(*text);
  }
  TemplateScope scope;
  scope.lists = &lists_;
  scope.no_captures = "tokens are minted when the trace is synthesised";
  for (std::string_view key : {"user", "tenant"}) {
    if (auto v = f->get(key)) {
      Push p(at_, key);
      auto t = template_of(*v, Escape::raw, scope);
      if (!t) return t.error();
      if (t->empty()) return fail("must not be empty");
      (key == "user" ? auth.user : auth.tenant) = std::move(t).value();
    }
  }
  if (auto c = f->get("claims")) {
    Push p(at_, "claims");
    object claims;
    if (c->get(claims) != simdjson::SUCCESS) return fail("expected an object of extra claims");
    for (auto [key, value] : claims) {
      for (std::string_view owned : {"sub", "tenant_id", "role", "exp", "iat"}) {
        if (key == owned) {
          return fail("claim '" + std::string(key) +
                      "' is minted by replay (from user, tenant, role and --token-ttl)");
        }
      }
    }
    // The object's members as they are, compact: they join the minted ones.
    const std::string json = simdjson::minify(*c);
    auth.claims_json = json.size() > 2 ? json.substr(1, json.size() - 2) : std::string();
  }
  return std::optional<AuthSpec>(std::move(auth));
}

Result<ThinkTime> FileParser::parse_think(element e) {
  auto text = string_of(e);
  if (!text) return fail("expected a duration (\"1s\") or a range (\"500ms..2s\")");
  size_t dots = text->find("..");
  auto lo = parse_duration_us(text->substr(0, dots));
  if (!lo) return fail(lo.error().context);
  ThinkTime think{*lo, *lo};
  if (dots != std::string_view::npos) {
    auto hi = parse_duration_us(text->substr(dots + 2));
    if (!hi) return fail(hi.error().context);
    if (*hi < *lo) return fail("the range's upper end is below its lower end");
    think.max_us = *hi;
  }
  if (think.min_us < 0) return fail("think time must not be negative");
  return think;
}

Result<Template> FileParser::parse_body(element e, const TemplateScope& scope, bool& is_json) {
  if (e.type() == element_type::STRING) {
    is_json = false;
    return template_of(e, Escape::raw, scope);
  }
  is_json = true;
  Template body;
  body.escape = Escape::json;
  if (auto r = append_json_body(e, scope, body); !r) return r.error();
  return body;
}

Result<void> FileParser::append_json_body(element e, const TemplateScope& scope, Template& out) {
  switch (e.type()) {
    case element_type::OBJECT: {
      append_literal(out, "{");
      bool first = true;
      object obj;
      if (e.get(obj) != simdjson::SUCCESS) return fail("expected an object");
      for (auto [key, value] : obj) {
        std::string quoted = first ? "\"" : ",\"";
        append_escaped(quoted, key, Escape::json);
        quoted += "\":";
        append_literal(out, quoted);
        first = false;
        Push p(at_, key);
        if (auto r = append_json_body(value, scope, out); !r) return r;
      }
      append_literal(out, "}");
      return {};
    }
    case element_type::ARRAY: {
      append_literal(out, "[");
      size_t i = 0;
      array list;
      if (e.get(list) != simdjson::SUCCESS) return fail("expected an array");
      for (element value : list) {
        if (i > 0) append_literal(out, ",");
        Push p(at_, i++);
        if (auto r = append_json_body(value, scope, out); !r) return r;
      }
      append_literal(out, "]");
      return {};
    }
    case element_type::STRING: {
      auto t = template_of(e, Escape::json, scope);
      if (!t) return t.error();
      append_literal(out, "\"");
      append_segments(out, std::move(t).value());
      append_literal(out, "\"");
      return {};
    }
    default:
      append_literal(out, simdjson::minify(e));
      return {};
  }
}

}  // namespace replay::synth
