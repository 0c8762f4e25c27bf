#include <doctest/doctest.h>

#include <map>
#include <set>

#include "replay/synth/synthesizer.hpp"
#include "replay/synth/template.hpp"

using namespace replay;
using namespace replay::synth;

namespace {

using Names = std::map<std::string, size_t, std::less<>>;

// Compiles `text` with the lists {colors: [red, green, blue]}, failing the test on error.
struct Fixture {
  Names list_names{{"colors", 0}, {"quoted", 1}, {"nested", 2}};
  std::vector<std::vector<Template>> lists;
  Random random{42};
  ExpandContext context;

  Fixture() {
    TemplateScope scope;
    scope.lists = &list_names;
    lists.resize(3);
    for (const char* c : {"red", "green", "blue"}) {
      lists[0].push_back(compile_template(c, Escape::raw, scope).value());
    }
    lists[1].push_back(compile_template("say \"hi\"\n", Escape::raw, scope).value());
    lists[2].push_back(
        compile_template("item {{int:7..7}} {{pick:colors}}", Escape::raw, scope).value());
    context.random = &random;
    context.lists = &lists;
    context.tenant = "tenant-a";
    context.user = "user-b";
    context.seq = 17;
    context.now_s = kDefaultEpochS + 5;
  }

  Template compile(std::string_view text, Escape escape = Escape::raw) {
    TemplateScope scope;
    scope.lists = &list_names;
    auto t = compile_template(text, escape, scope);
    if (!t) FAIL(t.error().context);
    return std::move(t).value();
  }

  std::string expand(const Template& t) {
    std::string out;
    expand_template(t, context, out);
    return out;
  }

  std::string expand(std::string_view text, Escape escape = Escape::raw) {
    return expand(compile(text, escape));
  }
};

// 8-4-4-4-12 lower-case hex digits, version 4, RFC 4122 variant.
bool is_uuid_v4(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
    if (!dash && std::string_view("0123456789abcdef").find(id[i]) == std::string_view::npos) {
      return false;
    }
  }
  return id[14] == '4' && std::string_view("89ab").find(id[19]) != std::string_view::npos;
}

std::string compile_error(std::string_view text, const TemplateScope& scope = {},
                          Escape escape = Escape::raw) {
  auto t = compile_template(text, escape, scope);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().code == Errc::invalid_argument);
  return t.error().context;
}

}  // namespace

TEST_CASE("literal text is fixed and expands to itself") {
  Fixture f;
  Template t = f.compile("/api/v1/plans");
  CHECK(t.is_fixed());
  CHECK(t.fixed_text() == "/api/v1/plans");
  CHECK(f.expand(t) == "/api/v1/plans");
  CHECK_FALSE(f.compile("/x/{{uuid}}").is_fixed());
  CHECK(f.compile("").empty());
}

TEST_CASE("{{uuid}} gives distinct version-4 UUIDs") {
  Fixture f;
  std::set<std::string> seen;
  Template t = f.compile("{{uuid}}");
  for (int i = 0; i < 1000; ++i) {
    std::string id = f.expand(t);
    CHECK(is_uuid_v4(id));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("{{int:LO..HI}} stays in range and reaches both ends") {
  Fixture f;
  Template t = f.compile("{{int:-2..3}}");
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) seen.insert(f.expand(t));
  CHECK(seen == std::set<std::string>{"-2", "-1", "0", "1", "2", "3"});
  CHECK(f.expand("n={{ int : 5..5 }}") == "n=5");
}

TEST_CASE("{{pick:...}} chooses inline choices or list items, all of them over time") {
  Fixture f;
  std::set<std::string> inline_seen;
  std::set<std::string> list_seen;
  Template inline_t = f.compile("{{pick:a|b c|}}");
  Template list_t = f.compile("{{pick:colors}}");
  for (int i = 0; i < 500; ++i) {
    inline_seen.insert(f.expand(inline_t));
    list_seen.insert(f.expand(list_t));
  }
  CHECK(inline_seen == std::set<std::string>{"a", "b c", ""});
  CHECK(list_seen == std::set<std::string>{"red", "green", "blue"});
  // List items are templates themselves.
  CHECK(f.expand("{{pick:nested}}").rfind("item 7 ", 0) == 0);
}

TEST_CASE("{{text:LO..HI}} writes exactly that many bytes of words") {
  Fixture f;
  for (int len : {0, 1, 2, 3, 17, 400, 5000}) {
    std::string out =
        f.expand(f.compile("{{text:" + std::to_string(len) + ".." + std::to_string(len) + "}}"));
    CAPTURE(len);
    CHECK(out.size() == static_cast<size_t>(len));
    if (len > 0) {
      CHECK(out.front() != ' ');
      CHECK(out.back() != ' ');
    }
    CHECK(out.find_first_not_of("abcdefghijklmnopqrstuvwxyz ") == std::string::npos);
  }
  std::set<size_t> sizes;
  Template t = f.compile("{{text:10..20}}");
  for (int i = 0; i < 300; ++i) sizes.insert(f.expand(t).size());
  CHECK(*sizes.begin() == 10);
  CHECK(*sizes.rbegin() == 20);
  CHECK(sizes.size() == 11);
}

TEST_CASE("{{now}}, {{seq}}, {{tenant}} and {{user}} come from the request's context") {
  Fixture f;
  CHECK(f.expand("{{now}}") == "2026-11-22T12:00:05Z");
  f.context.now_s += 3600;
  CHECK(f.expand("{{now}}") == "2026-11-22T13:00:05Z");
  CHECK(f.expand("#{{seq}}") == "#17");
  CHECK(f.expand("{{tenant}}/{{user}}") == "tenant-a/user-b");
}

TEST_CASE("RFC 3339 times format and parse") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339(951782400) == "2000-02-29T00:00:00Z");
  CHECK(format_rfc3339(kDefaultEpochS) == "2026-11-22T12:00:00Z");
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59Z");
  CHECK(parse_rfc3339("2026-11-22T12:00:00Z").value() == kDefaultEpochS);
  CHECK(parse_rfc3339("2000-02-29T00:00:00.250+00:00").value() == 951782400);
  for (const char* bad :
       {"2026-11-22", "2026-13-01T00:00:00Z", "2026-11-22T12:00:00+02:00", "yesterday"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad).ok());
  }
}

TEST_CASE("generated text is escaped for where it lands") {
  Fixture f;
  f.context.tenant = "a b/c";
  CHECK(f.expand("/t/{{tenant}}", Escape::path) == "/t/a%20b%2Fc");
  CHECK(f.expand("{{pick:quoted}}", Escape::json) == "say \\\"hi\\\"\\n");
  CHECK(f.expand("{{pick:quoted}}", Escape::header) == "say \"hi\" ");
  CHECK(f.expand("{{pick:x y|x y}}", Escape::path) == "x%20y");
  // Literal text is escaped once, when compiled.
  CHECK(f.expand("a \"q\" {{seq}}", Escape::json) == "a \\\"q\\\" 17");
}

TEST_CASE("captures stay in the output as {{name}} when an earlier step defines them") {
  Names before{{"plan_id", 0}};
  TemplateScope scope;
  scope.captures_before = &before;
  auto t = compile_template("/plans/{{ plan_id }}/approve", Escape::path, scope);
  REQUIRE(t.ok());
  CHECK(t->is_fixed());
  CHECK(t->fixed_text() == "/plans/{{plan_id}}/approve");
}

TEST_CASE("template errors say what is wrong") {
  Names lists{{"colors", 0}};
  Names before{{"token", 0}};
  Names later{{"plan_id", 2}};
  TemplateScope in_session;
  in_session.lists = &lists;
  in_session.captures_before = &before;
  in_session.captures_later = &later;
  TemplateScope plain;
  plain.lists = &lists;

  CHECK(compile_error("/x/{{uuid") == "unterminated '{{' in \"{{uuid\"");
  CHECK(compile_error("{{bogus:1}}") ==
        "unknown generator '{{bogus:1}}' (generators: uuid, tenant, user, pick, int, text, now, "
        "seq)");
  CHECK(compile_error("{{plan_id}}", plain) ==
        "unknown generator '{{plan_id}}' (generators: uuid, tenant, user, pick, int, text, now, "
        "seq; captures exist only in sessions)");
  CHECK(compile_error("{{plan_id}}", in_session) ==
        "capture 'plan_id' is used before any step defines it (steps[2] captures it)");
  CHECK(compile_error("{{plan}}", in_session) ==
        "'{{plan}}' is neither a generator nor a capture of an earlier step (generators: uuid, "
        "tenant, user, pick, int, text, now, seq)");
  CHECK(compile_error("{{int}}") ==
        "'{{int}}' needs an argument: {{pick:a|b}}, {{pick:LIST}}, {{int:1..100}} or "
        "{{text:20..500}}");
  CHECK(compile_error("{{int:5..1}}") == "bad range in '{{int:5..1}}': 5 is greater than 1");
  CHECK(compile_error("{{int:1-5}}") == "bad range in '{{int:1-5}}': expected LO..HI, e.g. 1..100");
  CHECK(compile_error("{{text:0..99999999}}") ==
        "bad range in '{{text:0..99999999}}': text lengths go from 0 to 1048576 bytes");
  CHECK(compile_error("{{pick:shapes}}", plain) ==
        "unknown list 'shapes' in '{{pick:shapes}}' (lists: colors; inline choices are separated "
        "by '|')");
  CHECK(compile_error("/a b", {}, Escape::path) ==
        "spaces, control and non-ASCII characters must be percent-encoded in a path (a space is "
        "%20)");
  CHECK(compile_error("a\r\nb", {}, Escape::header) ==
        "control characters are not allowed in a header value");
  TemplateScope no_captures;
  no_captures.no_captures = "tokens are minted when the trace is synthesised";
  CHECK(compile_error("{{plan_id}}", no_captures) ==
        "'{{plan_id}}' is not a generator (generators: uuid, tenant, user, pick, int, text, now, "
        "seq), and captures cannot be used here: tokens are minted when the trace is "
        "synthesised");
}

TEST_CASE("generator and identifier names") {
  for (const char* g : {"uuid", "tenant", "user", "pick", "int", "text", "now", "seq"}) {
    CHECK(is_generator_name(g));
  }
  CHECK_FALSE(is_generator_name("plan_id"));
  CHECK(is_identifier("plan_id"));
  CHECK(is_identifier("_x9"));
  CHECK_FALSE(is_identifier("9x"));
  CHECK_FALSE(is_identifier("a-b"));
  CHECK_FALSE(is_identifier(""));
}
