#pragma once
// The scenario file parser: one FileParser per file (includes open nested ones), simdjson's
// DOM for values, json_locator for the line numbers in error messages.

#include <simdjson.h>

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replay/synth/json_locator.hpp"
#include "replay/synth/scenario.hpp"

namespace replay::synth {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

using CaptureNames = std::map<std::string, size_t, std::less<>>;

// Letters, digits, '-', '_' and '.': scenario, session and list names.
bool is_scenario_name(std::string_view s) noexcept;
// An HTTP token (RFC 9110): methods and header names.
bool is_http_token(std::string_view s) noexcept;

// Adds one step to a JsonPath for as long as it lives.
class PathPush {
 public:
  PathPush(JsonPath& path, std::string_view key) : path_(path) {
    path_.push_back(PathStep{std::string(key), 0, false});
  }
  PathPush(JsonPath& path, size_t index) : path_(path) {
    path_.push_back(PathStep{{}, index, true});
  }
  PathPush(const PathPush&) = delete;
  PathPush& operator=(const PathPush&) = delete;
  ~PathPush() { path_.pop_back(); }

 private:
  JsonPath& path_;
};

// What session steps inherit from their session.
struct StepDefaults {
  std::string tag;
  std::optional<AuthSpec> auth;
  std::vector<HeaderTemplate> headers;
  std::optional<ThinkTime> think;
};

// The values of one JSON object's fields, after each key was checked to be known and unique.
struct Fields {
  std::vector<std::pair<std::string_view, simdjson::dom::element>> items;
  std::optional<simdjson::dom::element> get(std::string_view key) const;
};

// Parses one scenario file into `out`. Errors located in this file are formatted as
// "path: line N: field: message"; errors from included files come back already formatted.
class FileParser {
 public:
  // `include_stack` holds the canonical paths of the including files, for cycle detection.
  // `params` (must outlive the parser) expand the file's ${NAME} parameters before it is parsed.
  FileParser(Scenario& out, std::vector<std::string>& include_stack, std::string path,
             std::string_view text, bool top_level, const ScenarioParameters& params);

  // Parses the file; when `total_weight` > 0 the weights of the entries it adds are scaled so
  // that they sum to it (an included scenario's share of the mix).
  Result<void> parse(double total_weight);

 private:
  using Push = PathPush;

  Error fail(std::string message, Errc code = Errc::invalid_argument);
  Result<Fields> fields(simdjson::dom::element e, std::initializer_list<std::string_view> known);
  Result<std::string_view> string_of(simdjson::dom::element e);
  Result<double> weight_of(simdjson::dom::element e);
  // Reads the optional "weight" field into `weight`.
  Result<void> read_weight(const Fields& f, double& weight);
  Result<Template> template_of(simdjson::dom::element e, Escape escape, const TemplateScope& scope);

  Result<void> parse_root(simdjson::dom::element root);
  Result<void> parse_defaults(simdjson::dom::element e);
  Result<void> parse_lists(simdjson::dom::element e, Population& population);
  Result<void> check_list_cycles(const std::vector<std::pair<std::string, size_t>>& names);
  Result<void> parse_includes(simdjson::dom::element e);
  Result<void> parse_requests(simdjson::dom::element e);
  Result<void> parse_sessions(simdjson::dom::element e);
  Result<void> parse_session(simdjson::dom::element e, Entry& entry);
  Result<CaptureNames> collect_captures(simdjson::dom::array steps,
                                        std::vector<std::vector<trace::Capture>>& per_step);
  // One "captures" object: "name": "source", or "name": {"from": source, "metric": kind}.
  // `metrics_only` (a request entry, which has no later steps): each must be a metric.
  Result<std::vector<trace::Capture>> parse_captures(simdjson::dom::element e, bool metrics_only);
  Result<void> parse_request(const Fields& f, const StepDefaults& defaults,
                             const TemplateScope& scope, RequestSpec& spec);
  Result<std::vector<HeaderTemplate>> parse_headers(simdjson::dom::element e,
                                                    const TemplateScope& scope);
  Result<std::optional<AuthSpec>> parse_auth(simdjson::dom::element e);
  Result<ThinkTime> parse_think(simdjson::dom::element e);
  // The request's "ws" object (ws_fields.cpp); the request must be a GET.
  Result<WsSpec> parse_ws(simdjson::dom::element e, const TemplateScope& scope);
  // A session step's "poll": as the trace's, with "every" a duration.
  Result<trace::Poll> parse_poll_step(simdjson::dom::element e);
  Result<Template> parse_body(simdjson::dom::element e, const TemplateScope& scope, bool& is_json);
  Result<void> append_json_body(simdjson::dom::element e, const TemplateScope& scope,
                                Template& out);

  Scenario& out_;
  std::vector<std::string>& include_stack_;
  std::string path_;
  std::string_view text_;  // after parse() begins: expanded_
  std::string expanded_;   // the file with its parameters expanded
  bool top_level_;
  const ScenarioParameters& params_;
  std::string name_;  // this file's scenario name: the default tag and session name
  size_t population_ = 0;
  std::map<std::string, size_t, std::less<>> lists_;  // this file's lists -> Scenario::lists
  JsonPath at_;                                       // where the parser is
  std::optional<JsonPath> error_at_;                  // where fail() was called
};

// Checks a capture source: "json:/pointer", "header:Name" or "regex:pattern(with group)".
Result<void> check_capture_source(std::string_view source);

}  // namespace replay::synth
