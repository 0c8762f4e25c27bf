#pragma once
// Scenario files (docs/scenarios.md): a weighted mix of requests and sessions with templates,
// loaded and validated once, then handed to the Synthesizer.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/synth/parameters.hpp"
#include "replay/synth/template.hpp"
#include "replay/trace/record.hpp"

namespace replay::synth {

// A pause before a session step, uniform in [min_us, max_us].
struct ThinkTime {
  int64_t min_us = 0;
  int64_t max_us = 0;
};

// A bearer JWT to mint for a request: role, and the user and tenant it is for.
struct AuthSpec {
  std::string role;
  Template user;    // empty: the request's (or session's) user
  Template tenant;  // empty: the request's (or session's) tenant
  // Further claims as JSON object members, compact ("\"org\":\"acme\",\"scopes\":[\"a\"]"); ""
  // when none. Never sub, tenant_id, role, exp or iat (replay mints those).
  std::string claims_json;
};

// A request header whose value is a template (Escape::header).
struct HeaderTemplate {
  std::string name;
  Template value;
};

// One message a WebSocket request sends after its upgrade.
struct WsMessageSpec {
  ThinkTime think;            // pause after the upgrade (first message) or the previous message
  Template text;              // a text message; Escape::raw, or Escape::json for a JSON object
  uint32_t reply_frames = 0;  // trace::WsMessage::reply_frames
  std::string reply_until;    // trace::WsMessage::reply_until
};

// A request that is a WebSocket session (trace format version 2): its messages, then how
// long the connection stays open after the last one.
struct WsSpec {
  std::vector<WsMessageSpec> messages;
  std::optional<ThinkTime> hold;  // none: close once the last reply ended
  int64_t reply_quiet_us = trace::kDefaultReplyQuietUs;
};

// One request of the mix, or one step of a session.
struct RequestSpec {
  std::string tag;
  std::string method;
  Template target;  // Escape::path
  std::vector<HeaderTemplate> headers;
  Template body;
  std::optional<AuthSpec> auth;
  std::vector<trace::Capture> captures;  // session steps; request entries: metrics only
  ThinkTime think;                       // session steps only: pause after the previous step
  std::optional<trace::Expect> expect;   // the response's checks
  std::optional<WsSpec> ws;              // plain requests only: a WebSocket session
  // Session steps only: sent again until the response meets poll->until (trace version 2).
  std::optional<trace::Poll> poll;
  bool once = false;  // session steps only: not sent when its values are held (trace "once")
};

// The tenants and users {{tenant}}, {{user}} and auth draw from; one per scenario file.
struct Population {
  std::vector<std::string> tenants;
  std::vector<std::string> users;
};

// One choice of the weighted mix: a request (one step, no session name) or a session.
struct Entry {
  double weight = 1;      // > 0; relative to the other entries
  size_t population = 0;  // index into Scenario::populations
  std::string session;    // session name; empty for a plain request
  std::vector<RequestSpec> steps;
};

// The scenario's own suggestions; command-line flags win. Validated when loaded.
struct ScenarioDefaults {
  std::string rate;      // "20/s" or stages
  std::string duration;  // "1m"
  std::string arrival;   // "constant" | "poisson"
  std::string base_url;  // "http://127.0.0.1:8000"
};

// A loaded scenario: its entries (included files' too) with everything they refer to.
struct Scenario {
  std::string name;
  std::string description;
  std::string path;  // the file it was loaded from
  ScenarioDefaults defaults;
  std::vector<Population> populations;
  std::vector<std::vector<Template>> lists;  // Segment::list indexes it
  std::vector<Entry> entries;                // included scenarios' entries too, weights scaled

  bool has_sessions() const noexcept;
  // Some request is a WebSocket session: the trace needs format version 2.
  bool has_websockets() const noexcept;
  // Whether any session step polls (the trace then needs format version 2 too).
  bool has_polls() const noexcept;
};

// Reads, parses and validates the scenario file at `path` and the files it includes.
// Errors are one line: "traces/x.json: line 12: sessions[0].steps[2].path: capture 'plan_id'
// is used before any step defines it". Errc::not_found / Errc::io for unreadable files,
// Errc::corrupt for bad JSON, Errc::invalid_argument for everything else.
// `${NAME}` parameters are expanded from `params` (-e, then the environment) in every file
// before it is parsed.
Result<Scenario> load_scenario(const std::string& path, const ScenarioParameters& params = {});

// As load_scenario, for `text` already read from `path` (`path` names it in errors and
// anchors relative includes).
Result<Scenario> parse_scenario(std::string_view text, const std::string& path,
                                const ScenarioParameters& params = {});

}  // namespace replay::synth
