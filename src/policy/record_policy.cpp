#include "replay/policy/record_policy.hpp"

#include <algorithm>
#include <cstdio>

#include "header_text.hpp"

namespace replay::policy {
namespace {

// A header name as RFC 9110 allows it: one or more token characters.
bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string_view> find_header(const std::vector<trace::HeaderField>& headers,
                                            std::string_view name) {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

// A stable pseudonym for a secret session key.
std::string hashed_key(std::string_view value) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char c : value) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "h%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

// The path of a target without its query: "/a/b?x" -> "/a/b".
std::string_view path_of(std::string_view target) {
  const size_t q = target.find_first_of("?#");
  return q == std::string_view::npos ? target : target.substr(0, q);
}

bool prefix_matches(std::string_view path, std::string_view prefix) {
  if (path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/';
}

// "'subject': why (hint)", built by appending (GCC 12 warns falsely on "'" + string).
Error invalid(std::string_view subject, const char* why, const char* hint) {
  std::string text;
  text += '\'';
  text.append(subject);
  text += "': ";
  text += why;
  text += " (";
  text += hint;
  text += ')';
  return make_error(Errc::invalid_argument, std::move(text));
}

}  // namespace

Result<SessionRule> parse_session_rule(std::string_view text) {
  SessionRule rule;
  auto bad = [&](const char* why) {
    return invalid(text, why, "use header:NAME, cookie:NAME or client-ip");
  };
  if (text == "client-ip") {
    rule.kind = SessionRule::Kind::client_ip;
    return rule;
  }
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return bad("unknown session source");
  const std::string_view kind = text.substr(0, colon);
  const std::string_view name = text.substr(colon + 1);
  if (kind == "header") {
    rule.kind = SessionRule::Kind::header;
  } else if (kind == "cookie") {
    rule.kind = SessionRule::Kind::cookie;
  } else {
    return bad("unknown session source");
  }
  if (!is_token(name)) return bad("missing or invalid name");
  rule.name = std::string(name);
  return rule;
}

Result<void> TagRules::add(std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view rule = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (rule.empty()) continue;
    auto bad = [&](const char* why) {
      return invalid(rule, why, "use /path/prefix=TAG, header:NAME or *=TAG");
    };
    if (rule.rfind("header:", 0) == 0) {
      const std::string_view name = rule.substr(7);
      if (!is_token(name)) return bad("missing or invalid header name");
      header_names_.emplace_back(name);
      continue;
    }
    const size_t eq = rule.find('=');
    if (eq == std::string_view::npos) return bad("expected '='");
    const std::string_view prefix = trim(rule.substr(0, eq));
    const std::string_view tag = trim(rule.substr(eq + 1));
    if (tag.empty()) return bad("empty tag");
    if (prefix == "*") {
      fallback_ = std::string(tag);
    } else if (prefix.empty() || prefix.front() != '/') {
      return bad("a path prefix starts with '/'");
    } else {
      prefixes_.push_back({std::string(prefix), std::string(tag)});
    }
  }
  return {};
}

std::string TagRules::tag_for(std::string_view target,
                              const std::vector<trace::HeaderField>& headers) const {
  for (const auto& name : header_names_) {
    if (auto value = find_header(headers, name); value && !trim(*value).empty()) {
      return std::string(trim(*value));
    }
  }
  const std::string_view path = path_of(target);
  const Prefix* best = nullptr;
  for (const auto& p : prefixes_) {
    if (prefix_matches(path, p.path) && (!best || p.path.size() > best->path.size())) best = &p;
  }
  if (best) return best->tag;
  return fallback_;
}

void RecordPolicy::apply(trace::Record& record, std::string_view client_ip) const {
  switch (session.kind) {
    case SessionRule::Kind::none:
      break;
    case SessionRule::Kind::client_ip:
      record.session = std::string(client_ip);
      break;
    case SessionRule::Kind::header:
      if (auto value = find_header(record.headers, session.name); value && !value->empty()) {
        record.session = redactor.redacts(session.name) ? hashed_key(*value) : std::string(*value);
      }
      break;
    case SessionRule::Kind::cookie:
      for (const auto& h : record.headers) {
        if (!iequals(h.name, "cookie")) continue;
        if (auto value = find_cookie(h.value, session.name); value && !value->empty()) {
          record.session = redactor.redacts("cookie") ? hashed_key(*value) : std::string(*value);
          break;
        }
      }
      break;
  }
  if (!tags.empty()) record.tag = tags.tag_for(record.target, record.headers);
  if (record.body.size() > max_body_bytes) {
    record.body.resize(max_body_bytes);
    record.body_truncated = true;
  }
  redactor.redact(record);
}

bool is_unrecorded_header(std::string_view name) noexcept {
  if (!name.empty() && name.front() == ':') return true;
  static constexpr std::string_view kNames[] = {
      "host", "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection",
      "te",   "trailer",        "upgrade",           "expect"};
  for (std::string_view n : kNames) {
    if (iequals(n, name)) return true;
  }
  return false;
}

std::optional<std::string_view> find_cookie(std::string_view cookie_header, std::string_view name) {
  for (const std::string_view pair : cookie_pairs(cookie_header)) {
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (trim(pair.substr(0, eq)) == name) {
      std::string_view value = trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace replay::policy
