// `replay synth` as users meet it: the summary line, byte-identical output for a seed,
// one-line errors naming file, line and field, the bundled sample traces (which regenerate
// byte for byte), and tokens that agent-sim accepts.
//
// REPLAY_UPDATE_SAMPLES=1 makes the sample test rewrite traces/*.zst instead of comparing.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "replay/auth/jwt.hpp"
#include "replay/trace/trace_reader.hpp"
#include "replay/trace/trace_writer.hpp"
#include "run_command.hpp"
#include "sim_process.hpp"
#include "temp_dir.hpp"

using replay::testing::CommandResult;
using replay::testing::read_file;
using replay::testing::run_command;
using replay::testing::SimProcess;
using replay::testing::temp_path;

namespace {

const std::string kReplay = REPLAY_PATH;
const std::string kTraces = std::string(REPLAY_SOURCE_DIR) + "/traces";

// `env` entries ("NAME=value") are set for replay; DEV_JWT_SECRET is unset unless given, so
// the caller's environment does not change which secret synth and run use.
CommandResult replay_cli(std::vector<std::string> args, int timeout_ms = 60000,
                         std::vector<std::string> env = {}) {
  args.insert(args.begin(), kReplay);
  args.insert(args.begin(), env.begin(), env.end());
  args.insert(args.begin(), {"/usr/bin/env", "-u", "DEV_JWT_SECRET"});
  return run_command(args, timeout_ms);
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// Status classes of a result.json: {offered, 2xx, 4xx}.
struct Statuses {
  uint64_t offered = 0, ok = 0, client_errors = 0;
};
Statuses statuses_of(const std::string& result_path) {
  simdjson::dom::parser parser;
  auto doc = parser.load(result_path);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  return {uint64_t(doc["overall"]["offered"]), uint64_t(doc["overall"]["status"]["2xx"]),
          uint64_t(doc["overall"]["status"]["4xx"])};
}

// Synthesises `scenario` in 2000, so that its tokens expired long before any run of this test.
// 100 users at 30/s stay under agent-sim's 60 requests per minute per user.
std::string synth_in_2000(const std::string& scenario, const std::string& name,
                          std::vector<std::string> env = {}) {
  const auto trace = temp_path(name);
  auto s = replay_cli({"synth", scenario, "-o", trace, "--rate", "30/s", "--duration", "2s",
                       "--users", "100", "--now", "2000-01-01T00:00:00Z"},
                      60000, std::move(env));
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  CHECK(s.err.empty());
  return trace;
}

constexpr const char* kExpiredWarning =
    "  warning: the trace's bearer tokens expired at 2000-01-02T00:00:00Z (minted by synth with "
    "a secret whose fingerprint is ";

bool one_line(const std::string& s) {
  return !s.empty() && s.back() == '\n' && std::count(s.begin(), s.end(), '\n') == 1;
}

// How each bundled sample trace in traces/ is made (also in docs/scenarios.md).
struct Sample {
  const char* name;
  std::vector<std::string> flags;
};

const Sample kSamples[] = {
    {"health", {"--rate", "10/s", "--duration", "10s", "--arrival", "constant"}},
    {"chat", {"--rate", "5/s", "--duration", "20s", "--arrival", "poisson"}},
    {"chat-stream", {"--rate", "2/s", "--duration", "20s", "--arrival", "poisson"}},
    {"ws-chat", {"--rate", "1/s", "--duration", "20s", "--arrival", "poisson"}},
    {"plans",
     {"--rate", "1/s", "--duration", "20s", "--arrival", "constant", "--identities", "20"}},
    {"webhook", {"--rate", "20/s", "--duration", "10s", "--arrival", "poisson"}},
    {"mix", {"--rate", "40/s", "--duration", "20s", "--arrival", "poisson", "--identities", "50"}},
};

std::vector<std::string> sample_command(const Sample& s, const std::string& out) {
  std::vector<std::string> args{"synth", s.name, "-o", out};
  args.insert(args.end(), s.flags.begin(), s.flags.end());
  for (const char* f : {"--seed", "1", "--token-ttl", "87600h", "--zstd-level", "19"}) {
    args.emplace_back(f);
  }
  return args;
}

}  // namespace

TEST_CASE("synth writes the trace and prints one summary line") {
  const auto out = temp_path("plans.zst");
  auto r = replay_cli(
      {"synth", "plans", "-o", out, "--rate", "2/s", "--duration", "10s", "--arrival", "constant"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(one_line(r.out));
  const std::string expected = "synth plans: 80 records, 20 sessions, 10.00s -> " + out + " (";
  CHECK(r.out.rfind(expected, 0) == 0);
  CHECK(r.out.size() > expected.size() + 6);
  CHECK(r.out.substr(r.out.size() - 6) == " KiB)\n");
  auto reader = replay::trace::TraceReader::open(out);
  REQUIRE(reader.ok());
  CHECK((*reader)->header().created == "2026-11-22T12:00:00Z");
  CHECK((*reader)->header().base_url == "http://127.0.0.1:8000");
  CHECK((*reader)->header().source.rfind("synth plans --rate '2/s'", 0) == 0);
  CHECK((*reader)->header().tokens.minted_by == "synth");
  CHECK((*reader)->header().tokens.secret_fingerprint == "3c9f46e9aab08dd7");  // the dev secret's
  CHECK((*reader)->header().tokens.exp_s == 1795435200);  // 2026-11-23T12:00:00Z: --now + 24h
  replay::trace::Record record;
  int records = 0;
  while ((*reader)->next(record).value()) ++records;
  CHECK(records == 80);
  CHECK((std::filesystem::status(out).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
}

TEST_CASE("a seed reproduces the file byte for byte; the secret comes from DEV_JWT_SECRET") {
  const auto a = temp_path("a.zst");
  const auto b = temp_path("b.zst");
  const auto c = temp_path("c.zst");
  const auto d = temp_path("d.zst");
  const std::vector<std::string> flags{"--rate", "30/s", "--duration", "5s"};
  auto run = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args{"synth", "mix", "-o", out};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = replay_cli(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };
  run(a, {"--seed", "9"});
  run(b, {"--seed", "9"});
  run(c, {"--seed", "10"});
  CHECK(read_file(a) == read_file(b));
  CHECK(read_file(a) != read_file(c));
  auto env =
      replay_cli({"synth", "mix", "-o", d, "--rate", "30/s", "--duration", "5s", "--seed", "9"},
                 60000, {"DEV_JWT_SECRET=another-secret"});
  REQUIRE(env.exit_code == 0);
  CHECK(read_file(d) != read_file(a));
  auto flag = temp_path("e.zst");
  run(flag, {"--seed", "9", "--jwt-secret", "another-secret"});
  CHECK(read_file(flag) == read_file(d));
  // --now moves {{now}}, created and every token's exp: other bytes, reproducibly.
  const auto e = temp_path("f.zst");
  const auto f = temp_path("g.zst");
  run(e, {"--seed", "9", "--now", "2000-01-01T00:00:00Z"});
  run(f, {"--seed", "9", "--now", "2000-01-01T00:00:00Z"});
  CHECK(read_file(e) == read_file(f));
  CHECK(read_file(e) != read_file(a));
}

TEST_CASE("tokens minted with a --jwt-secret that expired already: a note to pass it to run") {
  const auto out = temp_path("note.zst");
  auto r = replay_cli({"synth", "chat", "-o", out, "--rate", "5/s", "--duration", "1s", "--arrival",
                       "constant", "--now", "2000-01-01T00:00:00Z", "--jwt-secret", "s3cret"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.err ==
        "replay: note: the trace's tokens expired at 2000-01-02T00:00:00Z: replay run re-mints "
        "them when given the same secret (--jwt-secret or $DEV_JWT_SECRET)\n");
}

TEST_CASE("scenario and flag errors are one line and exit 1") {
  const auto bad = temp_path("bad.json");
  {
    std::ofstream f(bad);
    f << "{\n  \"requests\": [\n    {\"method\": \"GET\",\n     \"path\": \"/x/{{uid}}\"}\n  "
         "]\n}\n";
  }
  const auto out = temp_path("never.zst");
  auto r = replay_cli({"synth", bad, "-o", out, "--rate", "1/s", "--duration", "1s"});
  CHECK(r.exit_code == 1);
  CHECK(one_line(r.err));
  CHECK(r.err == "replay: " + bad +
                     ": line 4: requests[0].path: unknown generator '{{uid}}' (generators: uuid, "
                     "tenant, user, pick, int, text, now, seq; captures exist only in sessions)\n");
  CHECK_FALSE(std::filesystem::exists(out));

  auto unknown = replay_cli({"synth", "nosuch", "-o", out});
  CHECK(unknown.exit_code == 1);
  CHECK(one_line(unknown.err));
  CHECK(unknown.err.find("scenario 'nosuch' not found") != std::string::npos);
  CHECK(unknown.err.find("mix, plans, platform") != std::string::npos);

  auto rate = replay_cli({"synth", "health", "-o", out, "--rate", "fast"});
  CHECK(rate.exit_code == 1);
  CHECK(rate.err.rfind("replay: --rate: ", 0) == 0);
  CHECK(one_line(rate.err));

  auto arrival = replay_cli({"synth", "health", "-o", out, "--arrival", "recorded"});
  CHECK(arrival.exit_code == 1);
  CHECK(arrival.err == "replay: --arrival: synth places arrivals itself: constant or poisson\n");

  const auto bare = temp_path("bare.json");
  {
    std::ofstream f(bare);
    f << R"({"requests": [{"method": "GET", "path": "/"}]})";
  }
  auto no_rate = replay_cli({"synth", bare, "-o", out});
  CHECK(no_rate.exit_code == 1);
  CHECK(no_rate.err == "replay: --rate is required: scenario 'bare' sets no default rate\n");
  auto no_duration = replay_cli({"synth", bare, "-o", out, "--rate", "5/s"});
  CHECK(no_duration.exit_code == 1);
  CHECK(no_duration.err ==
        "replay: --duration is required: scenario 'bare' sets no default duration\n");
  auto zero_users = replay_cli({"synth", "chat", "-o", out, "--users", "0"});
  CHECK(zero_users.exit_code == 1);
  CHECK(one_line(zero_users.err));

  auto unwritable = replay_cli({"synth", "health", "-o", "/nonexistent/dir/x.zst"});
  CHECK(unwritable.exit_code == 2);
  CHECK(one_line(unwritable.err));
}

TEST_CASE("the bundled sample traces regenerate byte for byte") {
  const bool update = std::getenv("REPLAY_UPDATE_SAMPLES") != nullptr;
  for (const Sample& s : kSamples) {
    CAPTURE(s.name);
    const std::string bundled = kTraces + "/" + s.name + ".zst";
    const std::string out = update ? bundled : temp_path(std::string(s.name) + ".zst");
    auto r = replay_cli(sample_command(s, out));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    if (update) {
      MESSAGE("wrote " << r.out);
      continue;
    }
    REQUIRE_MESSAGE(std::filesystem::exists(bundled),
                    "missing; create it with REPLAY_UPDATE_SAMPLES=1 test_integration_synth");
    CHECK(read_file(out) == read_file(bundled));
  }
}

TEST_CASE("agent-sim accepts every synthesised token") {
  SimProcess sim({"--chat-latency", "2ms", "--stream-first-token", "1ms", "--stream-tokens", "3",
                  "--stream-token-interval", "1ms", "--plan-latency", "1ms"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const auto trace = temp_path("auth.zst");
  // --now now: tokens valid from this moment, whatever today's date; 100 users stay under
  // agent-sim's 60 requests per minute per user.
  auto s = replay_cli({"synth", "mix", "-o", trace, "--rate", "100/s", "--duration", "3s",
                       "--users", "100", "--now", "now", "--token-ttl", "1h"});
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  const auto result = temp_path("auth-result.json");
  // Plans need the engine to fill in {{plan_id}}; the other endpoints check tokens and roles.
  auto r = replay_cli(
      {"run", trace, "--target", target, "--skip", "plans", "--out", result, "--quiet"}, 120000);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  simdjson::dom::parser parser;
  auto doc = parser.load(result);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  const uint64_t offered = uint64_t(doc["overall"]["offered"]);
  CHECK(offered > 250);
  CHECK(uint64_t(doc["overall"]["status"]["2xx"]) == offered);
  CHECK(uint64_t(doc["overall"]["status"]["4xx"]) == 0);
  CHECK(uint64_t(doc["by_tag"]["analytics"]["status"]["2xx"]) > 0);
  CHECK(uint64_t(doc["by_tag"]["chat"]["status"]["2xx"]) > 0);
}

TEST_CASE("run re-mints synth's expired tokens with the secret that minted them, silently") {
  // Every endpoint, plans sessions included: their steps are templates, re-minted the same.
  SimProcess sim({"--chat-latency", "1ms", "--stream-first-token", "1ms", "--stream-tokens", "3",
                  "--stream-token-interval", "1ms", "--plan-latency", "1ms", "--jwt-secret",
                  replay::auth::kDevJwtSecret});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const std::string trace = synth_in_2000("mix", "old.zst");
  const auto result = temp_path("old-result.json");
  auto r = replay_cli({"run", trace, "--target", target, "--out", result}, 120000);
  INFO(r.out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("warning") == std::string::npos);
  CHECK(r.err.find("warning") == std::string::npos);
  const Statuses st = statuses_of(result);
  CHECK(st.offered > 40);
  CHECK(st.ok == st.offered);

  // The same with a secret of its own, found in $DEV_JWT_SECRET by synth, run and agent-sim.
  SimProcess own({"--chat-latency", "1ms", "--stream-first-token", "1ms", "--stream-tokens", "3",
                  "--stream-token-interval", "1ms", "--plan-latency", "1ms"},
                 false, {"DEV_JWT_SECRET=s3cret"});
  REQUIRE(own.started());
  const std::string own_trace = synth_in_2000("mix", "own.zst", {"DEV_JWT_SECRET=s3cret"});
  auto o = replay_cli({"run", own_trace, "--target",
                       "http://127.0.0.1:" + std::to_string(own.port()), "--out", result},
                      120000, {"DEV_JWT_SECRET=s3cret"});
  INFO(o.out);
  REQUIRE(o.exit_code == 0);
  CHECK(o.out.find("warning") == std::string::npos);
  const Statuses own_st = statuses_of(result);
  CHECK(own_st.offered > 40);
  CHECK(own_st.ok == own_st.offered);
}

TEST_CASE("run holding another secret keeps synth's expired tokens and warns exactly once") {
  // agent-sim holds the other secret: the kept tokens fail its signature check and expiry.
  // chat: every request carries a token.
  SimProcess sim({"--chat-latency", "1ms", "--jwt-secret", "another-secret"});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  const std::string trace = synth_in_2000("chat", "expired.zst");
  const auto result = temp_path("expired-result.json");
  const std::string given_warning = std::string(kExpiredWarning) +
                                    "3c9f46e9aab08dd7, not the one given): pass that secret with "
                                    "--jwt-secret or $DEV_JWT_SECRET to re-mint them\n";
  auto flag = replay_cli({"run", trace, "--target", target, "--skip", "plans", "--out", result,
                          "--jwt-secret", "another-secret"},
                         120000);
  INFO(flag.out);
  REQUIRE(flag.exit_code == 0);
  CHECK(count_of(flag.out, "warning:") == 1);
  CHECK(count_of(flag.out, given_warning) == 1);
  CHECK(flag.out.find("another-secret") == std::string::npos);
  const Statuses st = statuses_of(result);
  CHECK(st.offered > 40);
  CHECK(st.client_errors == st.offered);  // 401: expired, and signed with the dev secret

  // From the environment, looped over the trace twice: still one line.
  auto env = replay_cli({"run", trace, "--target", target, "--skip", "plans", "--out", result,
                         "--loop", "--rate", "30/s", "--duration", "4s"},
                        120000, {"DEV_JWT_SECRET=another-secret"});
  INFO(env.out);
  REQUIRE(env.exit_code == 0);
  CHECK(count_of(env.out, "warning:") == 1);
  CHECK(count_of(env.out, given_warning) == 1);

  // A trace synthesised with its own secret, replayed with none: the dev default is not it.
  const std::string own = synth_in_2000("chat", "own-expired.zst", {"DEV_JWT_SECRET=s3cret"});
  auto none = replay_cli({"run", own, "--target", target, "--skip", "plans", "--out", result});
  INFO(none.out);
  REQUIRE(none.exit_code == 0);
  CHECK(count_of(none.out, "warning:") == 1);
  CHECK(count_of(none.out, std::string(kExpiredWarning) +
                               "5b8ab76c692af678, not the dev default): pass that secret with "
                               "--jwt-secret or $DEV_JWT_SECRET to re-mint them\n") == 1);
}

TEST_CASE("tokens synth did not mint: --jwt-secret re-mints them, else one warning once expired") {
  SimProcess sim({"--jwt-secret", replay::auth::kDevJwtSecret});
  REQUIRE(sim.started());
  const auto target = "http://127.0.0.1:" + std::to_string(sim.port());
  // As recorded with --keep-secrets: the header says nothing about the tokens.
  const auto trace = temp_path("recorded.zst");
  {
    replay::trace::TraceHeader header;
    header.source = "record";
    auto writer = replay::trace::TraceWriter::create(trace, header);
    REQUIRE(writer.ok());
    for (int i = 0; i < 20; ++i) {
      replay::auth::JwtClaims claims{"load-test-user-" + std::to_string(i),
                                     "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "admin",
                                     946'684'800 + i};  // 2000-01-01T00:00:00Z on
      replay::trace::Record r;
      r.offset_us = i * 50'000;
      r.method = "GET";
      r.target = "/api/v1/analytics/agents";
      r.headers = {{"Authorization",
                    "Bearer " + replay::auth::jwt_sign_hs256(replay::auth::jwt_claims_json(claims),
                                                             replay::auth::kDevJwtSecret)}};
      REQUIRE((*writer)->write(r).ok());
    }
    REQUIRE((*writer)->close().ok());
  }
  const auto result = temp_path("recorded-result.json");
  const std::string warning =
      "  warning: the trace's bearer tokens expired at 2000-01-01T00:00:00Z (by their exp claim; "
      "synth did not mint them, so run re-mints them only with --jwt-secret): pass the target's "
      "secret with --jwt-secret to re-mint them\n";
  // $DEV_JWT_SECRET never re-signs tokens synth did not mint.
  for (const std::vector<std::string>& env :
       {std::vector<std::string>{}, std::vector<std::string>{"DEV_JWT_SECRET=x"}}) {
    auto kept = replay_cli({"run", trace, "--target", target, "--out", result}, 60000, env);
    INFO(kept.out);
    REQUIRE(kept.exit_code == 0);
    CHECK(count_of(kept.out, "warning:") == 1);
    CHECK(count_of(kept.out, warning) == 1);
    CHECK(statuses_of(result).client_errors == 20);
  }
  auto reminted = replay_cli({"run", trace, "--target", target, "--out", result, "--jwt-secret",
                              replay::auth::kDevJwtSecret});
  INFO(reminted.out);
  REQUIRE(reminted.exit_code == 0);
  CHECK(reminted.out.find("warning") == std::string::npos);
  CHECK(statuses_of(result).ok == 20);
}
