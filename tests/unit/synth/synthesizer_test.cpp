#include <doctest/doctest.h>
#include <simdjson.h>

#include <cmath>
#include <map>
#include <set>

#include "replay/auth/jwt.hpp"
#include "replay/synth/synthesizer.hpp"
#include "replay/trace/trace_reader.hpp"
#include "synth_test_support.hpp"

using namespace replay;
using namespace replay::synth;
using replay::synth::testing::load_bundled;
using replay::synth::testing::read_file;
using replay::synth::testing::TempDir;

namespace {

SynthOptions options_for(const std::string& rate, int64_t duration_us,
                         schedule::Arrival arrival = schedule::Arrival::constant,
                         uint64_t seed = 1) {
  SynthOptions o;
  o.rate = schedule::parse_rate_schedule(rate).value().limited_to(duration_us);
  o.arrival = arrival;
  o.seed = seed;
  return o;
}

std::vector<trace::Record> generate(const Scenario& s, SynthOptions o) {
  auto synth = Synthesizer::create(s, std::move(o));
  if (!synth) FAIL(synth.error().context);
  std::vector<trace::Record> out;
  trace::Record r;
  while ((*synth)->next(r)) out.push_back(r);
  CHECK((*synth)->records() == out.size());
  return out;
}

std::string header_value(const trace::Record& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return {};
}

std::string write(const Scenario& s, SynthOptions o, const std::string& path) {
  auto synth = Synthesizer::create(s, std::move(o));
  REQUIRE(synth.ok());
  trace::TraceHeader header;
  header.created = "2026-11-22T12:00:00Z";
  header.source = "synth test";
  auto summary = write_synth_trace(**synth, path, header);
  REQUIRE(summary.ok());
  CHECK(summary->records > 0);
  return read_file(path);
}

}  // namespace

TEST_CASE("the same seed gives a byte-identical trace, another seed another one") {
  Scenario mix = load_bundled("mix");
  TempDir dir;
  auto o = [] { return options_for("50/s", 20'000'000, schedule::Arrival::poisson, 7); };
  std::string a = write(mix, o(), dir.file("a.zst"));
  std::string b = write(mix, o(), dir.file("b.zst"));
  SynthOptions other = o();
  other.seed = 8;
  std::string c = write(mix, other, dir.file("c.zst"));
  CHECK(a.size() > 10'000);
  CHECK(a == b);
  CHECK(a != c);
  // The file reads back as a trace with every record.
  auto reader = trace::TraceReader::open(dir.file("a.zst"));
  REQUIRE(reader.ok());
  trace::Record r;
  uint64_t n = 0;
  while ((*reader)->next(r).value()) ++n;
  CHECK(n == generate(mix, o()).size());
}

TEST_CASE("the same seed and --now give the same bytes, token provenance included") {
  Scenario mix = load_bundled("mix");
  TempDir dir;
  // As `replay synth` writes it: created is --now, the header names the tokens' origin.
  auto write_at = [&](int64_t epoch_s, const std::string& name) {
    SynthOptions o = options_for("40/s", 5'000'000, schedule::Arrival::poisson, 3);
    o.epoch_s = epoch_s;
    auto synth = Synthesizer::create(mix, std::move(o));
    REQUIRE(synth.ok());
    trace::TraceHeader header;
    header.created = format_rfc3339(epoch_s);
    header.source = "synth test";
    header.tokens = (*synth)->token_provenance();
    REQUIRE(write_synth_trace(**synth, dir.file(name), header).ok());
    return read_file(dir.file(name));
  };
  const int64_t y2k = 946'684'800;  // 2000-01-01T00:00:00Z
  const std::string a = write_at(y2k, "a.zst");
  CHECK(a == write_at(y2k, "b.zst"));
  CHECK(a != write_at(y2k + 1, "c.zst"));
  auto reader = trace::TraceReader::open(dir.file("a.zst"));
  REQUIRE(reader.ok());
  CHECK((*reader)->header().created == "2000-01-01T00:00:00Z");
  CHECK((*reader)->header().tokens ==
        trace::TokenProvenance{"synth", auth::secret_fingerprint(kDevJwtSecret), y2k + 86400});
}

TEST_CASE("token provenance: synth, the secret's fingerprint (never the secret), the exp") {
  SynthOptions o = options_for("5/s", 1'000'000);
  o.jwt_secret = "s3cret";
  o.epoch_s = 2'000'000'000;
  o.token_ttl_s = 3600;
  Scenario chat = load_bundled("chat");
  auto synth = Synthesizer::create(chat, o);
  REQUIRE(synth.ok());
  const trace::TokenProvenance p = (*synth)->token_provenance();
  CHECK(p.minted_by == "synth");
  CHECK(p.secret_fingerprint == auth::secret_fingerprint("s3cret"));
  CHECK(p.secret_fingerprint.find("s3cret") == std::string::npos);
  CHECK(p.exp_s == 2'000'003'600);
  // The tokens in the records carry that exp.
  trace::Record r;
  REQUIRE((*synth)->next(r));
  CHECK(auth::jwt_exp_unverified(header_value(r, "Authorization").substr(7)) == p.exp_s);
  // A scenario without tokens says nothing about them.
  Scenario health = load_bundled("health");
  auto plain = Synthesizer::create(health, options_for("5/s", 1'000'000));
  REQUIRE(plain.ok());
  CHECK((*plain)->token_provenance().empty());
}

TEST_CASE("constant arrivals are exact") {
  Scenario health = load_bundled("health");
  auto records = generate(health, options_for("200/s", 10'000'000));
  REQUIRE(records.size() == 2000);
  for (size_t i = 0; i < records.size(); ++i) {
    CHECK(records[i].offset_us == static_cast<int64_t>(i) * 5000);
    CHECK(records[i].session.empty());
    CHECK(records[i].tag == "health");
  }
  // A ramp: 0 -> 100/s over 10 s offers 500 arrivals.
  CHECK(generate(health, options_for("0/s->100/s:10s", 10'000'000)).size() == 500);
}

TEST_CASE("Poisson arrivals have the rate and a dispersion index near 1") {
  Scenario health = load_bundled("health");
  const int seconds = 200;
  auto records =
      generate(health, options_for("100/s", seconds * 1'000'000LL, schedule::Arrival::poisson, 3));
  std::vector<double> counts(seconds, 0);
  for (const auto& r : records) {
    REQUIRE(r.offset_us < seconds * 1'000'000LL);
    counts[static_cast<size_t>(r.offset_us / 1'000'000)] += 1;
  }
  double mean = 0;
  for (double c : counts) mean += c;
  mean /= seconds;
  double variance = 0;
  for (double c : counts) variance += (c - mean) * (c - mean);
  variance /= seconds - 1;
  CHECK(mean == doctest::Approx(100).epsilon(0.03));
  // For Poisson counts variance/mean is 1; constant arrivals would give 0.
  CHECK(variance / mean > 0.75);
  CHECK(variance / mean < 1.25);
  // Offsets are in order.
  for (size_t i = 1; i < records.size(); ++i)
    CHECK(records[i - 1].offset_us <= records[i].offset_us);
}

TEST_CASE("tokens verify and carry sub, tenant_id, role and exp") {
  Scenario chat = load_bundled("chat");
  SynthOptions o = options_for("20/s", 2'000'000);
  o.token_ttl_s = 3600;
  auto records = generate(chat, o);
  REQUIRE(records.size() == 40);
  for (const auto& r : records) {
    std::string auth = header_value(r, "Authorization");
    REQUIRE(auth.rfind("Bearer ", 0) == 0);
    std::string token = auth.substr(7);
    auto v = auth::jwt_verify_hs256(token, kDevJwtSecret, kDefaultEpochS);
    REQUIRE(v.ok());
    CHECK(v.claims.sub == "load-test-operator-user");
    CHECK(v.claims.tenant_id == "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    CHECK(v.claims.role == "operator");
    CHECK(v.claims.exp == kDefaultEpochS + 3600);
    CHECK(auth::jwt_verify_hs256(token, kDevJwtSecret, kDefaultEpochS + 3600).status ==
          auth::JwtStatus::expired);
    CHECK(auth::jwt_verify_hs256(token, "another-secret", kDefaultEpochS).status ==
          auth::JwtStatus::bad_signature);
  }
  SynthOptions own = options_for("20/s", 1'000'000);
  own.jwt_secret = "s3cret";
  own.epoch_s = 2'000'000'000;
  auto mine = generate(chat, own);
  auto v = auth::jwt_verify_hs256(header_value(mine[0], "Authorization").substr(7), "s3cret",
                                  2'000'000'000);
  CHECK(v.ok());
  CHECK(v.claims.exp == 2'000'000'000 + 24 * 3600);
}

TEST_CASE("plans sessions: four steps in order, the create step captures the id") {
  Scenario plans = load_bundled("plans");
  SynthOptions o = options_for("2/s", 30'000'000, schedule::Arrival::poisson, 11);
  o.users = 5;
  auto records = generate(plans, o);
  std::map<std::string, std::vector<const trace::Record*>> sessions;
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) CHECK(records[i - 1].offset_us <= records[i].offset_us);
    REQUIRE_FALSE(records[i].session.empty());
    sessions[records[i].session].push_back(&records[i]);
  }
  CHECK(sessions.size() > 40);
  CHECK(records.size() == sessions.size() * 4);
  for (const auto& [id, steps] : sessions) {
    CAPTURE(id);
    CHECK(id.size() == 12);
    CHECK(id.rfind("plans-", 0) == 0);
    CHECK(id.find_first_not_of("0123456789", 6) == std::string::npos);
    REQUIRE(steps.size() == 4);
    CHECK(steps[0]->method == "POST");
    CHECK(steps[0]->target == "/api/v1/plans");
    REQUIRE(steps[0]->captures.size() == 1);
    CHECK(steps[0]->captures[0].name == "plan_id");
    CHECK(steps[0]->captures[0].source == "json:/id");
    CHECK(steps[1]->method == "GET");
    CHECK(steps[1]->target == "/api/v1/plans/{{plan_id}}");
    CHECK(steps[2]->method == "POST");
    CHECK(steps[2]->target == "/api/v1/plans/{{plan_id}}/approve");
    CHECK(steps[3]->method == "GET");
    CHECK(steps[3]->target == "/api/v1/plans/{{plan_id}}/status");
    for (int k = 1; k < 4; ++k) CHECK(steps[k]->captures.empty());
    // Think times: 500ms..2s before get and approve, 1s..3s before status.
    for (int k = 1; k < 3; ++k) {
      int64_t gap = steps[k]->offset_us - steps[k - 1]->offset_us;
      CHECK(gap >= 500'000);
      CHECK(gap <= 2'000'000);
    }
    int64_t last_gap = steps[3]->offset_us - steps[2]->offset_us;
    CHECK(last_gap >= 1'000'000);
    CHECK(last_gap <= 3'000'000);
    // One user and tenant per session: the same token on every step.
    for (int k = 1; k < 4; ++k) {
      CHECK(header_value(*steps[k], "Authorization") == header_value(*steps[0], "Authorization"));
    }
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    REQUIRE(parser.parse(steps[0]->body).get(body) == simdjson::SUCCESS);
    CHECK(body["context"].get_string().value() == "load test");
  }
}

TEST_CASE("the only placeholders left in a trace are capture names") {
  Scenario mix = load_bundled("mix");
  auto records = generate(mix, options_for("100/s", 20'000'000, schedule::Arrival::poisson, 5));
  std::set<std::string> names;
  for (const auto& r : records) {
    std::string all = r.target + r.body;
    for (const auto& h : r.headers) all += h.value;
    for (size_t open = all.find("{{"); open != std::string::npos; open = all.find("{{", open + 2)) {
      const size_t close = all.find("}}", open);
      REQUIRE(close != std::string::npos);
      names.insert(all.substr(open + 2, close - open - 2));
    }
  }
  CHECK(names == std::set<std::string>{"plan_id"});
}

TEST_CASE("--tenants and --users replace the lists, keeping the scenario's first entries") {
  Scenario webhook = load_bundled("webhook");
  SynthOptions o = options_for("100/s", 5'000'000);
  o.tenants = 6;
  std::set<std::string> tenants;
  for (const auto& r : generate(webhook, o)) {
    tenants.insert(r.target.substr(std::string("/webhooks/servicedesk/").size()));
  }
  CHECK(tenants.size() == 6);
  CHECK(tenants.count("6ba7b810-9dad-11d1-80b4-00c04fd430c8") == 1);
  CHECK(tenants.count("c1b2a3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d") == 1);
  o.tenants = 2;
  tenants.clear();
  for (const auto& r : generate(webhook, o)) {
    tenants.insert(r.target.substr(std::string("/webhooks/servicedesk/").size()));
  }
  CHECK(tenants == std::set<std::string>{"6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                                         "3f2c9a61-5b7e-4d0a-9c43-8e1f2a7b6c50"});

  Scenario chat = load_bundled("chat");
  SynthOptions u = options_for("100/s", 5'000'000);
  u.users = 4;
  u.tenants = 3;
  std::set<std::string> subs;
  std::set<std::string> token_tenants;
  auto synth = Synthesizer::create(chat, u);
  REQUIRE(synth.ok());
  CHECK((*synth)->populations()[0].users ==
        std::vector<std::string>{"load-test-operator-user", "load-test-user-0002",
                                 "load-test-user-0003", "load-test-user-0004"});
  trace::Record r;
  while ((*synth)->next(r)) {
    auto v = auth::jwt_verify_hs256(header_value(r, "Authorization").substr(7), kDevJwtSecret,
                                    kDefaultEpochS);
    REQUIRE(v.ok());
    subs.insert(v.claims.sub);
    token_tenants.insert(v.claims.tenant_id);
  }
  CHECK(subs.size() == 4);
  CHECK(token_tenants.size() == 3);
  CHECK((*synth)->tokens_minted() == 12);
}

TEST_CASE("a scenario that needs tenants or users it lacks is refused until they are given") {
  TempDir dir;
  auto s = load_scenario(
      dir.write("t.json", R"({"requests": [{"method": "POST", "path": "/hook/{{tenant}}"}]})"));
  REQUIRE(s.ok());
  auto refused = Synthesizer::create(*s, options_for("1/s", 1'000'000));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().context ==
        dir.file("t.json") +
            ": a request uses {{tenant}} but its scenario lists no tenants: add lists.tenants or "
            "pass --tenants N");
  SynthOptions o = options_for("1/s", 1'000'000);
  o.tenants = 1;
  CHECK(Synthesizer::create(*s, o).ok());

  auto a =
      load_scenario(dir.write("a.json", R"({"sessions": [{"name": "s", "auth": {"role": "admin"},
                    "steps": [{"method": "GET", "path": "/"}]}]})"));
  REQUIRE(a.ok());
  auto no_user = Synthesizer::create(*a, options_for("1/s", 1'000'000));
  REQUIRE_FALSE(no_user.ok());
  CHECK(no_user.error().context ==
        dir.file("a.json") +
            ": session 's' needs a user ({{user}} or a token) but its scenario lists no users: add "
            "lists.users or auth.user, or pass --identities N");
  auto open_ended = Synthesizer::create(*s, SynthOptions{});
  REQUIRE_FALSE(open_ended.ok());
}

TEST_CASE("auth.user and auth.tenant templates set the token's claims") {
  TempDir dir;
  auto s = load_scenario(dir.write("u.json", R"({
    "lists": {"tenants": ["t1"]},
    "requests": [{"method": "GET", "path": "/{{tenant}}",
                  "auth": {"role": "viewer", "user": "svc-{{pick:a|b}}", "tenant": "fixed"}}]})"));
  REQUIRE(s.ok());
  std::set<std::string> subs;
  for (const auto& r : generate(*s, options_for("50/s", 1'000'000))) {
    CHECK(r.target == "/t1");
    auto v = auth::jwt_verify_hs256(header_value(r, "Authorization").substr(7), kDevJwtSecret,
                                    kDefaultEpochS);
    REQUIRE(v.ok());
    CHECK(v.claims.tenant_id == "fixed");
    CHECK(v.claims.role == "viewer");
    subs.insert(v.claims.sub);
  }
  CHECK(subs == std::set<std::string>{"svc-a", "svc-b"});
}

TEST_CASE("every bundled scenario generates well-formed requests") {
  for (const char* name : {"health", "chat", "chat-stream", "llm", "plans", "webhook", "mix"}) {
    CAPTURE(name);
    Scenario s = load_bundled(name);
    SynthOptions o = options_for("20/s", 10'000'000, schedule::Arrival::poisson, 2);
    auto records = generate(s, o);
    CHECK(records.size() > 100);
    simdjson::dom::parser parser;
    for (const auto& r : records) {
      CHECK_FALSE(r.method.empty());
      CHECK(r.target.rfind('/', 0) == 0);
      CHECK(r.target.find(' ') == std::string::npos);
      CHECK_FALSE(r.tag.empty());
      if (header_value(r, "Content-Type") == "application/json") {
        simdjson::dom::element body;
        CHECK(parser.parse(r.body).get(body) == simdjson::SUCCESS);
      }
    }
  }
}

TEST_CASE("chat-stream asks for server-sent events; webhook payload sizes vary widely") {
  auto stream = generate(load_bundled("chat-stream"), options_for("10/s", 2'000'000));
  for (const auto& r : stream) {
    CHECK(r.target == "/api/v1/chat/stream");
    CHECK(header_value(r, "Accept") == "text/event-stream");
  }
  auto hooks = generate(load_bundled("webhook"), options_for("100/s", 20'000'000));
  size_t small = 0;
  size_t large = 0;
  for (const auto& r : hooks) {
    if (r.body.size() < 600) ++small;
    if (r.body.size() > 3000) ++large;
    CHECK(r.headers.size() == 1);  // no token: the webhook takes none
  }
  CHECK(small > hooks.size() / 3);
  CHECK(large > hooks.size() / 20);
}

TEST_CASE("auth.claims join the minted token's claims; other claims, other tokens") {
  TempDir dir;
  auto s = load_scenario(dir.write("c.json", R"({
    "lists": {"tenants": ["t1"], "users": ["u1"]},
    "requests": [
      {"name": "a", "method": "GET", "path": "/a",
       "auth": {"role": "viewer", "claims": {"org": "acme", "scopes": ["read"]}}},
      {"name": "b", "method": "GET", "path": "/b", "auth": {"role": "viewer"}}]})"));
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().context));
  std::set<std::string> tokens_a, tokens_b;
  for (const auto& r : generate(*s, options_for("50/s", 1'000'000))) {
    const std::string token = header_value(r, "Authorization").substr(7);
    auto v = auth::jwt_verify_hs256(token, kDevJwtSecret, kDefaultEpochS);
    REQUIRE(v.ok());
    CHECK(v.claims.role == "viewer");
    CHECK(v.claims.sub == "u1");
    auto payload = auth::jwt_payload_json(token);
    REQUIRE(payload.ok());
    if (r.target == "/a") {
      tokens_a.insert(token);
      CHECK(payload->find(R"("org":"acme","scopes":["read"])") != std::string::npos);
    } else {
      tokens_b.insert(token);
      CHECK(payload->find("org") == std::string::npos);
    }
  }
  CHECK(tokens_a.size() == 1);
  CHECK(tokens_b.size() == 1);
  CHECK(*tokens_a.begin() != *tokens_b.begin());
}

TEST_CASE("llm: OpenAI-compatible streamed chat with usage, varied prompts and max_tokens") {
  auto records = generate(load_bundled("llm"), options_for("50/s", 4'000'000));
  std::set<int64_t> max_tokens;
  std::set<std::string> prompts;
  simdjson::dom::parser parser;
  for (const auto& r : records) {
    CHECK(r.target == "/v1/chat/completions");
    CHECK(header_value(r, "Accept") == "text/event-stream");
    simdjson::dom::element body;
    REQUIRE(parser.parse(r.body).get(body) == simdjson::SUCCESS);
    CHECK(bool(body["stream"]) == true);
    CHECK(bool(body.at_pointer("/stream_options/include_usage")) == true);
    max_tokens.insert(int64_t(body["max_tokens"]));
    simdjson::dom::array messages = body["messages"];
    std::string_view last;
    for (auto m : messages) last = std::string_view(m["content"]);
    prompts.insert(std::string(last));
  }
  CHECK(max_tokens == std::set<int64_t>{32, 128, 512});
  CHECK(prompts.size() > records.size() / 2);
}

TEST_CASE("captures declared metrics reach the records of request entries and session steps") {
  auto s = parse_scenario(
      R"({"requests": [{"tag": "llm", "method": "POST", "path": "/v1/chat/completions",
           "body": {"max_tokens": 8},
           "captures": {"tokens": {"from": "json:/usage/total_tokens", "metric": "sum"},
                        "ms": {"from": "header:X-Time", "metric": "histogram"}}}],
          "sessions": [{"steps": [
            {"method": "POST", "path": "/a", "captures": {"id": "json:/id",
              "n": {"from": "json:/n", "metric": "sum"}, "same": {"from": "json:/x"}}},
            {"method": "GET", "path": "/a/{{id}}"}]}]})",
      "inline.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().context));
  auto records = generate(s.value(), options_for("4/s", 2'000'000));
  bool saw_request = false, saw_step = false;
  for (const trace::Record& r : records) {
    if (r.tag == "llm") {
      saw_request = true;
      REQUIRE(r.captures.size() == 2);
      CHECK(r.captures[0] == trace::Capture{"tokens", "json:/usage/total_tokens", "sum"});
      CHECK(r.captures[1] == trace::Capture{"ms", "header:X-Time", "histogram"});
      CHECK(r.session.empty());
    } else if (r.method == "POST") {
      saw_step = true;
      REQUIRE(r.captures.size() == 3);
      CHECK(r.captures[0] == trace::Capture{"id", "json:/id", ""});
      CHECK(r.captures[1] == trace::Capture{"n", "json:/n", "sum"});
      CHECK(r.captures[2] == trace::Capture{"same", "json:/x", ""});  // an object without metric
    }
  }
  CHECK(saw_request);
  CHECK(saw_step);
}
