#include "replay/policy/record_policy.hpp"

#include <doctest/doctest.h>

namespace replay::policy {
namespace {

trace::Record make(std::string target, std::vector<trace::HeaderField> headers) {
  trace::Record r;
  r.method = "GET";
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

TEST_CASE("parse_session_rule: the three sources, and clear errors") {
  auto header = parse_session_rule("header:X-Session-Id");
  REQUIRE(header.ok());
  CHECK(header->kind == SessionRule::Kind::header);
  CHECK(header->name == "X-Session-Id");
  auto cookie = parse_session_rule("cookie:sid");
  REQUIRE(cookie.ok());
  CHECK(cookie->kind == SessionRule::Kind::cookie);
  CHECK(parse_session_rule("client-ip")->kind == SessionRule::Kind::client_ip);
  for (const char* bad : {"header:", "ip", "query:x", "header:a b", ""}) {
    CAPTURE(bad);
    auto r = parse_session_rule(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::invalid_argument);
    CHECK(r.error().context.find("header:NAME") != std::string::npos);
  }
}

TEST_CASE("TagRules: header first, then the longest whole-segment prefix, then the fallback") {
  TagRules rules;
  REQUIRE(rules.add("/api/v1/chat=chat, /api=api,/webhooks/=webhook").ok());
  REQUIRE(rules.add("header:X-Tag,*=other").ok());
  CHECK(rules.tag_for("/api/v1/chat", {}) == "chat");
  CHECK(rules.tag_for("/api/v1/chat/stream?x=1", {}) == "chat");
  CHECK(rules.tag_for("/api/v1/chatty", {}) == "api");  // not a whole segment
  CHECK(rules.tag_for("/api?q=1", {}) == "api");
  CHECK(rules.tag_for("/webhooks/servicedesk/t1", {}) == "webhook");
  CHECK(rules.tag_for("/health/live", {}) == "other");
  CHECK(rules.tag_for("/api/v1/chat", {{"x-tag", " vip "}}) == "vip");
  CHECK(rules.tag_for("/api/v1/chat", {{"X-Tag", ""}}) == "chat");

  TagRules none;
  REQUIRE(none.add("/a=x").ok());
  CHECK(none.tag_for("/b", {}).empty());

  for (const char* bad : {"api=x", "/a=", "/a", "header:"}) {
    CAPTURE(bad);
    TagRules r;
    auto added = r.add(bad);
    REQUIRE_FALSE(added.ok());
    CHECK(added.error().context.find(bad) != std::string::npos);
  }
}

TEST_CASE("Redactor: default names, kept schemes and cookie names, --redact, --keep-secrets") {
  Redactor redactor;
  CHECK(redactor.redacts("authorization"));
  CHECK(redactor.redacts("Cookie"));
  CHECK(redactor.redacts("SET-COOKIE"));
  CHECK_FALSE(redactor.redacts("X-Trace"));
  CHECK(redactor.redacted_value("Authorization", "Bearer eyJ.abc.def") == "Bearer REDACTED");
  CHECK(redactor.redacted_value("Authorization", "opaque") == "REDACTED");
  CHECK(redactor.redacted_value("Cookie", "sid=abc; theme=dark") == "sid=REDACTED; theme=REDACTED");
  CHECK(redactor.redacted_value("X-Trace", "keep") == "keep");
  redactor.add("X-Internal-Token");
  CHECK(redactor.redacted_value("x-internal-token", "t0k3n") == "REDACTED");

  Redactor keep(true);
  keep.add("X-Internal-Token");
  CHECK_FALSE(keep.redacts("Authorization"));
  CHECK_FALSE(keep.redacts("X-Internal-Token"));
  CHECK(keep.redacted_value("Authorization", "Bearer x") == "Bearer x");
}

TEST_CASE("RecordPolicy::apply: session, tag, redaction and body cut in one pass") {
  RecordPolicy policy;
  REQUIRE(policy.tags.add("/api/v1/chat=chat").ok());
  policy.session = parse_session_rule("header:X-Session-Id").value();
  policy.max_body_bytes = 4;
  trace::Record r =
      make("/api/v1/chat",
           {{"X-Session-Id", "s-42"}, {"Authorization", "Bearer secret"}, {"Cookie", "sid=abc"}});
  r.body = "hello world";
  policy.apply(r);
  CHECK(r.session == "s-42");
  CHECK(r.tag == "chat");
  CHECK(r.headers[1].value == "Bearer REDACTED");
  CHECK(r.headers[2].value == "sid=REDACTED");
  CHECK(r.body == "hell");
  CHECK(r.body_truncated);

  // A session read from a secret is stored as a stable pseudonym, never in clear.
  RecordPolicy by_cookie;
  by_cookie.session = parse_session_rule("cookie:sid").value();
  trace::Record a = make("/", {{"Cookie", "theme=dark; sid=\"abc\""}});
  trace::Record b = make("/", {{"Cookie", "sid=abc"}});
  trace::Record c = make("/", {{"Cookie", "sid=xyz"}});
  by_cookie.apply(a);
  by_cookie.apply(b);
  by_cookie.apply(c);
  CHECK(a.session.size() == 17);
  CHECK(a.session.front() == 'h');
  CHECK(a.session == b.session);
  CHECK(a.session != c.session);
  CHECK(a.session.find("abc") == std::string::npos);

  RecordPolicy keep;
  keep.redactor = Redactor(true);
  keep.session = parse_session_rule("cookie:sid").value();
  trace::Record d = make("/", {{"Cookie", "sid=abc"}});
  keep.apply(d);
  CHECK(d.session == "abc");
  CHECK(d.headers[0].value == "sid=abc");

  RecordPolicy by_ip;
  by_ip.session = parse_session_rule("client-ip").value();
  trace::Record e = make("/", {});
  by_ip.apply(e, "10.0.0.7");
  CHECK(e.session == "10.0.0.7");
}

TEST_CASE("is_unrecorded_header and find_cookie") {
  for (const char* name : {"Host", "content-length", "Transfer-Encoding", "Connection",
                           "Keep-Alive", "TE", "Upgrade", "Expect", ":path"}) {
    CAPTURE(name);
    CHECK(is_unrecorded_header(name));
  }
  CHECK_FALSE(is_unrecorded_header("Authorization"));
  CHECK_FALSE(is_unrecorded_header("Content-Type"));
  CHECK(find_cookie("a=1; b=2", "b") == std::optional<std::string_view>("2"));
  CHECK(find_cookie("a=1;b", "b") == std::nullopt);
  CHECK(find_cookie("ab=1", "b") == std::nullopt);
}

}  // namespace
}  // namespace replay::policy
