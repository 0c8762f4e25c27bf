// FileParser's part for request entries and sessions: weights, steps and where captures
// are defined.

#include "replay/core/units.hpp"
#include "scenario_parser.hpp"

namespace replay::synth {

Result<void> FileParser::parse_requests(element e) {
  array list;
  if (e.get(list) != simdjson::SUCCESS) return fail("expected an array of requests");
  size_t i = 0;
  for (element item : list) {
    Push p(at_, i++);
    object obj;
    if (item.get(obj) == simdjson::SUCCESS) {
      for (std::string_view key : {"think", "steps"}) {
        if (obj.at_key(key).error() == simdjson::SUCCESS) {
          Push q(at_, key);
          std::string message(1, '\'');
          message.append(key);
          message += "' belongs to a session: move this request into 'sessions'";
          return fail(std::move(message));
        }
      }
    }
    auto f = fields(item, {"name", "weight", "tag", "method", "path", "headers", "body", "auth",
                           "expect", "ws", "captures"});
    if (!f) return f.error();
    std::vector<trace::Capture> metrics;
    if (auto c = f->get("captures")) {
      Push q(at_, "captures");
      auto parsed = parse_captures(*c, true);
      if (!parsed) return parsed.error();
      metrics = std::move(parsed).value();
    }
    Entry entry;
    entry.population = population_;
    if (auto r = read_weight(*f, entry.weight); !r) return r;
    if (auto n = f->get("name")) {
      Push q(at_, "name");
      if (auto name = string_of(*n); !name) return name.error();
    }
    StepDefaults defaults;
    defaults.tag = name_;
    TemplateScope scope;
    scope.lists = &lists_;
    RequestSpec spec;
    if (auto r = parse_request(*f, defaults, scope, spec); !r) return r;
    spec.captures = std::move(metrics);
    if (auto w = f->get("ws")) {
      Push q(at_, "ws");
      if (spec.method != "GET") return fail("a WebSocket upgrade is a GET, not " + spec.method);
      auto ws = parse_ws(*w, scope);
      if (!ws) return ws.error();
      spec.ws = std::move(ws).value();
    }
    entry.steps.push_back(std::move(spec));
    out_.entries.push_back(std::move(entry));
  }
  return {};
}

Result<trace::Poll> FileParser::parse_poll_step(element e) {
  // As the trace has it, but with "every" a duration ("2s") rather than microseconds.
  object obj;
  if (e.get(obj) != simdjson::SUCCESS) {
    return fail(R"(expected {"every": "2s", "max": 30, "until": {...}})");
  }
  std::string trace_form = "{";
  bool typed_every = false;
  for (const auto [key, value] : obj) {
    if (trace_form.size() > 1) trace_form += ',';
    if (key == "every") {
      typed_every = true;
      std::string_view text;
      if (value.get(text) != simdjson::SUCCESS) {
        return fail("every: expected a duration such as \"2s\"");
      }
      auto us = parse_duration_us(text);
      if (!us) return fail("every: expected a duration such as \"2s\"");
      trace_form += "\"every_us\":" + std::to_string(*us);
    } else {
      trace_form += "\"" + std::string(key) + "\":" + simdjson::minify(value);
    }
  }
  trace_form += "}";
  auto poll = trace::parse_poll(trace_form);
  if (!poll) {
    std::string why = poll.error().context;
    if (typed_every && why.rfind("every_us", 0) == 0) why.replace(0, 8, "every");
    if (why.find("unknown field (every_us") != std::string::npos) {
      why.replace(why.find("(every_us"), 9, "(every");
    }
    return fail(why);
  }
  return poll;
}

Result<void> FileParser::parse_sessions(element e) {
  array list;
  if (e.get(list) != simdjson::SUCCESS) return fail("expected an array of sessions");
  size_t i = 0;
  for (element item : list) {
    Push p(at_, i++);
    Entry entry;
    entry.population = population_;
    if (auto r = parse_session(item, entry); !r) return r;
    out_.entries.push_back(std::move(entry));
  }
  return {};
}

Result<CaptureNames> FileParser::collect_captures(
    array steps, std::vector<std::vector<trace::Capture>>& per_step) {
  CaptureNames first_defined;
  size_t j = 0;
  for (element step : steps) {
    Push p(at_, j);
    per_step.emplace_back();
    object obj;
    element captures;
    if (step.get(obj) == simdjson::SUCCESS &&
        obj.at_key("captures").get(captures) == simdjson::SUCCESS) {
      Push q(at_, "captures");
      auto parsed = parse_captures(captures, false);
      if (!parsed) return parsed.error();
      for (const trace::Capture& c : *parsed) first_defined.emplace(c.name, j);
      per_step.back() = std::move(parsed).value();
    }
    ++j;
  }
  return first_defined;
}

Result<std::vector<trace::Capture>> FileParser::parse_captures(element e, bool metrics_only) {
  object map;
  if (e.get(map) != simdjson::SUCCESS) {
    return fail("expected an object of name: source, e.g. {\"plan_id\": \"json:/id\"}");
  }
  std::vector<trace::Capture> out;
  for (auto [name, value] : map) {
    Push r(at_, name);
    if (!is_identifier(name)) {
      return fail("capture name '" + std::string(name) + "' must be an identifier (plan_id)");
    }
    if (is_generator_name(name)) {
      return fail("capture name '" + std::string(name) + "' is taken by a generator");
    }
    trace::Capture capture{std::string(name), "", ""};
    if (value.is_object()) {
      auto f = fields(value, {"from", "metric", "scope"});
      if (!f) return f.error();
      auto from = f->get("from");
      if (!from) return fail("a capture object needs \"from\": a source like \"json:/id\"");
      {
        Push s(at_, "from");
        auto text = string_of(*from);
        if (!text) return text.error();
        capture.source = std::string(*text);
      }
      if (auto m = f->get("metric")) {
        Push t(at_, "metric");
        auto kind = string_of(*m);
        if (!kind) return kind.error();
        if (*kind != "sum" && *kind != "histogram") {
          return fail("metric is \"sum\" or \"histogram\", not '" + std::string(*kind) + "'");
        }
        capture.metric = std::string(*kind);
      }
      if (auto sc = f->get("scope")) {
        Push t(at_, "scope");
        auto scope = string_of(*sc);
        if (!scope) return scope.error();
        if (*scope != "user" && *scope != "session") {
          return fail("scope is \"session\" or \"user\", not '" + std::string(*scope) + "'");
        }
        capture.user_scope = *scope == "user";
      }
    } else {
      auto text = string_of(value);
      if (!text) return text.error();
      capture.source = std::string(*text);
    }
    if (auto ok = check_capture_source(capture.source); !ok) return fail(ok.error().context);
    if (metrics_only && capture.metric.empty()) {
      return fail(
          "a request entry's captures are metrics only ({\"from\": ..., \"metric\": "
          "\"sum\"}): a capture used by later steps belongs to a session");
    }
    out.push_back(std::move(capture));
  }
  return out;
}

Result<void> FileParser::parse_session(element e, Entry& entry) {
  auto f = fields(e, {"name", "weight", "tag", "auth", "headers", "think", "steps"});
  if (!f) return f.error();
  entry.session = name_;
  if (auto n = f->get("name")) {
    Push p(at_, "name");
    auto name = string_of(*n);
    if (!name) return name.error();
    if (!is_scenario_name(*name)) return fail("a name uses letters, digits, '-', '_' and '.' only");
    entry.session = std::string(*name);
  }
  if (auto r = read_weight(*f, entry.weight); !r) return r;
  StepDefaults defaults;
  defaults.tag = name_;
  if (auto t = f->get("tag")) {
    Push p(at_, "tag");
    auto tag = string_of(*t);
    if (!tag) return tag.error();
    if (tag->empty()) return fail("a tag must not be empty");
    defaults.tag = std::string(*tag);
  }
  if (auto a = f->get("auth")) {
    Push p(at_, "auth");
    auto auth = parse_auth(*a);
    if (!auth) return auth.error();
    defaults.auth = std::move(auth).value();
  }
  if (auto h = f->get("headers")) {
    Push p(at_, "headers");
    TemplateScope scope;
    scope.lists = &lists_;
    scope.no_captures = "session headers go on every step, the first one included";
    auto headers = parse_headers(*h, scope);
    if (!headers) return headers.error();
    defaults.headers = std::move(headers).value();
  }
  if (auto t = f->get("think")) {
    Push p(at_, "think");
    auto think = parse_think(*t);
    if (!think) return think.error();
    defaults.think = *think;
  }
  auto steps_element = f->get("steps");
  if (!steps_element) return fail("missing field 'steps'");
  Push p(at_, "steps");
  array steps;
  if (steps_element->get(steps) != simdjson::SUCCESS) return fail("expected an array of steps");
  if (steps.size() == 0) return fail("a session needs at least one step");
  std::vector<std::vector<trace::Capture>> per_step;
  auto first_defined = collect_captures(steps, per_step);
  if (!first_defined) return first_defined.error();
  size_t j = 0;
  for (element step : steps) {
    Push q(at_, j);
    auto sf = fields(step, {"name", "tag", "method", "path", "headers", "body", "auth", "captures",
                            "think", "expect", "poll", "once"});
    if (!sf) return sf.error();
    CaptureNames before;
    CaptureNames later;
    for (const auto& [name, index] : *first_defined)
      (index < j ? before : later).emplace(name, index);
    TemplateScope scope;
    scope.lists = &lists_;
    scope.captures_before = &before;
    scope.captures_later = &later;
    RequestSpec spec;
    if (auto r = parse_request(*sf, defaults, scope, spec); !r) return r;
    spec.captures = per_step[j];
    if (auto t = sf->get("think")) {
      Push r(at_, "think");
      auto think = parse_think(*t);
      if (!think) return think.error();
      spec.think = *think;
    } else if (j > 0 && defaults.think) {
      spec.think = *defaults.think;
    }
    if (auto once = sf->get("once")) {
      Push r(at_, "once");
      if (once->get(spec.once) != simdjson::SUCCESS) return fail("expected true or false");
      if (spec.once && spec.captures.empty()) {
        return fail("a step sent once captures what later sessions reuse: give it captures");
      }
    }
    if (auto poll = sf->get("poll")) {
      Push r(at_, "poll");
      auto parsed = parse_poll_step(*poll);
      if (!parsed) return parsed.error();
      spec.poll = std::move(parsed).value();
    }
    entry.steps.push_back(std::move(spec));
    ++j;
  }
  return {};
}

}  // namespace replay::synth
