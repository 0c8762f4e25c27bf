// `replay synth SCENARIO -o trace.zst --rate R --duration D`: a trace from a scenario file.

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <tuple>

#include "command.hpp"
#include "exit_codes.hpp"
#include "replay/core/units.hpp"
#include "replay/schedule/arrivals.hpp"
#include "replay/synth/scenario.hpp"
#include "replay/synth/scenario_path.hpp"
#include "replay/synth/synthesizer.hpp"

namespace replay::cli {
namespace {

struct SynthFlags {
  std::string scenario;
  std::string out_path;
  std::string rate;
  std::string duration;
  std::string arrival;
  uint64_t seed = 1;
  std::optional<int64_t> tenants;  // none: the scenario's lists
  std::optional<int64_t> users;
  std::string jwt_secret;
  std::string token_ttl = "24h";
  std::string now;
  std::string base_url;
  int zstd_level = 3;
  std::vector<std::string> parameters;  // -e NAME=value
};

// The synthesizer's options from the flags and the scenario's defaults; errors name the flag.
Result<synth::SynthOptions> resolve(const SynthFlags& f, const synth::Scenario& scenario,
                                    std::string& rate_text, int64_t& duration_us) {
  synth::SynthOptions o;
  rate_text = !f.rate.empty() ? f.rate : scenario.defaults.rate;
  const char* rate_from = !f.rate.empty() ? "--rate" : "the scenario's defaults.rate";
  if (rate_text.empty()) {
    return make_error(Errc::invalid_argument,
                      "--rate is required: scenario '" + scenario.name + "' sets no default rate");
  }
  auto rate = schedule::parse_rate_schedule(rate_text);
  if (!rate) return rate.error().within(rate_from);
  const std::string duration_text = !f.duration.empty() ? f.duration : scenario.defaults.duration;
  duration_us = rate->total_us();
  if (!f.duration.empty() || (duration_us == schedule::kOpenEnded && !duration_text.empty())) {
    auto d = parse_duration_us(duration_text);
    if (!d) return d.error().within(!f.duration.empty() ? "--duration" : "defaults.duration");
    if (*d <= 0) return make_error(Errc::invalid_argument, "--duration must be positive");
    duration_us = std::min(duration_us, *d);
  }
  if (duration_us == schedule::kOpenEnded) {
    return make_error(Errc::invalid_argument, "--duration is required: scenario '" + scenario.name +
                                                  "' sets no default duration");
  }
  o.rate = rate->limited_to(duration_us);
  std::string arrival = !f.arrival.empty() ? f.arrival : scenario.defaults.arrival;
  if (arrival.empty()) arrival = "constant";
  auto kind = schedule::parse_arrival(arrival);
  if (!kind) return kind.error().within("--arrival");
  if (*kind == schedule::Arrival::recorded) {
    return make_error(Errc::invalid_argument,
                      "--arrival: synth places arrivals itself: constant or poisson");
  }
  o.arrival = *kind;
  o.seed = f.seed;
  for (const auto& [flag, given, count] : {std::tuple{"--tenants", f.tenants, &o.tenants},
                                           std::tuple{"--identities", f.users, &o.users}}) {
    if (!given) continue;
    if (*given < 1) {
      return make_error(Errc::invalid_argument,
                        std::string(flag) + " must be 1 or more, got " + std::to_string(*given));
    }
    *count = static_cast<size_t>(*given);
  }
  if (!f.jwt_secret.empty()) {
    o.jwt_secret = f.jwt_secret;
  } else if (const char* env = std::getenv("DEV_JWT_SECRET"); env != nullptr && *env != '\0') {
    o.jwt_secret = env;
  }
  auto ttl = parse_duration_us(f.token_ttl);
  if (!ttl) return ttl.error().within("--token-ttl");
  if (*ttl < 1'000'000) return make_error(Errc::invalid_argument, "--token-ttl must be 1s or more");
  o.token_ttl_s = *ttl / 1'000'000;
  if (f.now == "now") {
    o.epoch_s = static_cast<int64_t>(std::time(nullptr));
  } else if (!f.now.empty()) {
    auto epoch = synth::parse_rfc3339(f.now);
    if (!epoch) return epoch.error().within("--now");
    o.epoch_s = *epoch;
  }
  return o;
}

int run_synth(const SynthFlags& f) {
  auto path = synth::find_scenario(f.scenario,
                                   synth::scenario_search_dirs(std::getenv("REPLAY_SCENARIO_DIR")));
  if (!path) return report_error(path.error(), kExitUsage);
  synth::ScenarioParameters parameters;
  for (const auto& text : f.parameters) {
    auto p = synth::parse_parameter(text);
    if (!p) return report_error(p.error(), kExitUsage);
    parameters.values.push_back(std::move(p).value());
  }
  auto scenario = synth::load_scenario(*path, parameters);
  if (!scenario) return report_error(scenario.error(), kExitUsage);
  std::string rate_text;
  int64_t duration_us = 0;
  auto options = resolve(f, *scenario, rate_text, duration_us);
  if (!options) return report_error(options.error(), kExitUsage);
  const std::string arrival = schedule::arrival_name(options->arrival);
  const uint64_t seed = options->seed;
  const int64_t epoch_s = options->epoch_s;
  auto synthesizer = synth::Synthesizer::create(*scenario, std::move(options).value());
  if (!synthesizer) return report_error(synthesizer.error(), kExitUsage);

  trace::TraceHeader header;
  header.created = synth::format_rfc3339(epoch_s);
  header.source = "synth " + scenario->name + " --rate '" + rate_text + "' --duration " +
                  format_duration_us(duration_us) + " --arrival " + arrival + " --seed " +
                  std::to_string(seed);
  header.base_url = !f.base_url.empty() ? f.base_url : scenario->defaults.base_url;
  header.tokens = (*synthesizer)->token_provenance();
  // WebSocket sessions need format version 2; other traces stay readable by older builds.
  if (scenario->has_websockets() || scenario->has_polls()) {
    header.version = trace::kTraceFormatVersionWs;
  }
  auto summary = synth::write_synth_trace(**synthesizer, f.out_path, header, f.zstd_level);
  if (!summary) return report_error(summary.error(), kExitRunFailed);

  std::printf("synth %s: %llu records, %llu sessions, %s -> %s (%s)\n", scenario->name.c_str(),
              static_cast<unsigned long long>(summary->records),
              static_cast<unsigned long long>(summary->sessions),
              format_duration_us(duration_us).c_str(), f.out_path.c_str(),
              format_bytes(summary->bytes).c_str());
  // replay run re-mints expired tokens on its own when it holds their secret, which it finds
  // in $DEV_JWT_SECRET or the dev default as synth did; a --jwt-secret must be passed again.
  const int64_t exp_s = (*synthesizer)->token_exp_s();
  if (!f.jwt_secret.empty() && (*synthesizer)->tokens_minted() > 0 &&
      exp_s <= static_cast<int64_t>(std::time(nullptr))) {
    std::fprintf(stderr,
                 "replay: note: the trace's tokens expired at %s: replay run re-mints them when "
                 "given the same secret (--jwt-secret or $DEV_JWT_SECRET)\n",
                 synth::format_rfc3339(exp_s).c_str());
  }
  return kExitOk;
}

}  // namespace

Command add_synth_command(CLI::App& app) {
  auto f = std::make_shared<SynthFlags>();
  auto* sub =
      app.add_subcommand("synth", "Synthesise a trace from a scenario file (traces/*.json)");
  sub->add_option(
         "scenario", f->scenario,
         "Scenario name (health, chat, chat-stream, llm, plans, webhook, mix) or a .json file")
      ->required();
  sub->add_option("-o,--output", f->out_path, "Trace file to write (.zst)")->required();
  sub->add_option("--rate", f->rate,
                  "Arrivals (requests or session starts): 200/s, or stages "
                  "'10/s:1m, 10/s->200/s:30s' (default: the scenario's)");
  sub->add_option("--duration", f->duration,
                  "How long arrivals go on, e.g. 5m (default: the scenario's)");
  sub->add_option("--arrival", f->arrival, "constant | poisson (default: the scenario's)");
  sub->add_option("--seed", f->seed, "Seed: the same seed gives a byte-identical trace");
  sub->add_option("--tenants", f->tenants,
                  "Use N tenants, 1 or more (default: the scenario's list)");
  // --identities was --users before `run --users` meant closed-loop users; the old name stays.
  sub->add_option("--identities,--users", f->users,
                  "Mint tokens for N user identities, 1 or more (default: the scenario's list)");
  sub->add_option("--jwt-secret", f->jwt_secret,
                  "HS256 secret for bearer tokens (default: $DEV_JWT_SECRET, else the seeds' "
                  "dev secret)");
  sub->add_option("--token-ttl", f->token_ttl, "Tokens expire this long after --now, e.g. 24h");
  sub->add_option("--now", f->now,
                  "Wall-clock time of the trace's start, RFC 3339 or 'now' "
                  "(default 2026-11-22T12:00:00Z, so traces reproduce)");
  sub->add_option("--base-url", f->base_url, "Base URL written in the trace header");
  sub->add_option("-e,--env", f->parameters,
                  "Set a scenario parameter: NAME=value for ${NAME} in the scenario file "
                  "(repeatable; wins over the environment)");
  sub->add_option("--zstd-level", f->zstd_level, "zstd compression level, 1..19")
      ->check(CLI::Range(1, 19));
  return {sub, [f] { return run_synth(*f); }};
}

}  // namespace replay::cli
