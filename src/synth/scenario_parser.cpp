#include "scenario_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "replay/core/units.hpp"
#include "replay/schedule/arrivals.hpp"
#include "replay/schedule/rate.hpp"

namespace replay::synth {
namespace {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return make_error(err == ENOENT ? Errc::not_found : Errc::io, path + ": " + std::strerror(err));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(Errc::io, path + ": read failed");
  return text.str();
}

std::string file_stem(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

}  // namespace

bool is_scenario_name(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::optional<element> Fields::get(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k == key) return v;
  }
  return std::nullopt;
}

FileParser::FileParser(Scenario& out, std::vector<std::string>& include_stack, std::string path,
                       std::string_view text, bool top_level, const ScenarioParameters& params)
    : out_(out),
      include_stack_(include_stack),
      path_(std::move(path)),
      text_(text),
      top_level_(top_level),
      params_(params) {}

Error FileParser::fail(std::string message, Errc code) {
  error_at_ = at_;
  return make_error(code, std::move(message));
}

Result<Fields> FileParser::fields(element e, std::initializer_list<std::string_view> known) {
  object obj;
  if (e.get(obj) != simdjson::SUCCESS) return fail("expected an object {...}");
  Fields f;
  for (auto [key, value] : obj) {
    if (!key.empty() && key.front() == '_') continue;  // "_comment" and the like
    bool is_known = false;
    for (std::string_view k : known) is_known = is_known || k == key;
    if (!is_known) {
      std::string names;
      for (std::string_view k : known) names += (names.empty() ? "" : ", ") + std::string(k);
      Push p(at_, key);
      return fail("unknown field '" + std::string(key) + "' (fields here: " + names + ")");
    }
    if (f.get(key)) {
      Push p(at_, key);
      return fail("duplicate field '" + std::string(key) + "'");
    }
    f.items.emplace_back(key, value);
  }
  return f;
}

Result<std::string_view> FileParser::string_of(element e) {
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return fail("expected a string");
  return s;
}

Result<double> FileParser::weight_of(element e) {
  double w = 0;
  if (e.is_int64()) {
    w = static_cast<double>(e.get_int64().value_unsafe());
  } else if (e.is_uint64()) {
    w = static_cast<double>(e.get_uint64().value_unsafe());
  } else if (e.get(w) != simdjson::SUCCESS) {
    return fail("expected a number");
  }
  if (!(w > 0) || !std::isfinite(w)) return fail("weight must be a positive number");
  return w;
}

Result<void> FileParser::read_weight(const Fields& f, double& weight) {
  if (auto w = f.get("weight")) {
    Push p(at_, "weight");
    auto parsed = weight_of(*w);
    if (!parsed) return parsed.error();
    weight = *parsed;
  }
  return {};
}

Result<Template> FileParser::template_of(element e, Escape escape, const TemplateScope& scope) {
  auto text = string_of(e);
  if (!text) return text.error();
  auto t = compile_template(text.value(), escape, scope);
  if (!t) return fail(t.error().context);
  return t;
}

Result<void> FileParser::parse(double total_weight) {
  auto expanded = expand_parameters(text_, params_, path_);
  if (!expanded) return expanded.error();
  expanded_ = std::move(expanded).value();
  text_ = expanded_;
  const size_t first_entry = out_.entries.size();
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(text_.data(), text_.size()).get(root); err != simdjson::SUCCESS) {
    if (auto syntax = find_json_syntax_error(text_)) {
      return make_error(Errc::corrupt, path_ + ": line " + std::to_string(syntax->line) +
                                           ": bad JSON: " + syntax->message);
    }
    return make_error(Errc::corrupt, path_ + ": bad JSON: " + simdjson::error_message(err));
  }
  if (auto r = parse_root(root); !r) {
    if (!error_at_) return r.error();  // from an included file, already formatted
    return make_error(r.error().code,
                      path_ + ": line " + std::to_string(line_of_json_path(text_, *error_at_)) +
                          ": " + format_json_path(*error_at_) + ": " + r.error().context);
  }
  if (total_weight > 0) {
    double sum = 0;
    for (size_t i = first_entry; i < out_.entries.size(); ++i) sum += out_.entries[i].weight;
    for (size_t i = first_entry; i < out_.entries.size(); ++i) {
      out_.entries[i].weight *= total_weight / sum;
    }
  }
  return {};
}

Result<void> FileParser::parse_root(element root) {
  auto f =
      fields(root, {"name", "description", "defaults", "lists", "include", "requests", "sessions"});
  if (!f) return f.error();
  name_ = file_stem(path_);
  if (auto e = f->get("name")) {
    Push p(at_, "name");
    auto name = string_of(*e);
    if (!name) return name.error();
    if (!is_scenario_name(*name)) return fail("a name uses letters, digits, '-', '_' and '.' only");
    name_ = std::string(*name);
  }
  if (top_level_) out_.name = name_;
  if (auto e = f->get("description")) {
    Push p(at_, "description");
    auto text = string_of(*e);
    if (!text) return text.error();
    if (top_level_) out_.description = std::string(*text);
  }
  if (auto e = f->get("defaults")) {
    Push p(at_, "defaults");
    if (auto r = parse_defaults(*e); !r) return r;
  }
  population_ = out_.populations.size();
  out_.populations.emplace_back();
  if (auto e = f->get("lists")) {
    Push p(at_, "lists");
    if (auto r = parse_lists(*e, out_.populations[population_]); !r) return r;
  }
  const size_t first_entry = out_.entries.size();
  if (auto e = f->get("include")) {
    Push p(at_, "include");
    if (auto r = parse_includes(*e); !r) return r;
  }
  if (auto e = f->get("requests")) {
    Push p(at_, "requests");
    if (auto r = parse_requests(*e); !r) return r;
  }
  if (auto e = f->get("sessions")) {
    Push p(at_, "sessions");
    if (auto r = parse_sessions(*e); !r) return r;
  }
  if (out_.entries.size() == first_entry) {
    return fail("nothing to synthesise: add 'requests', 'sessions' or 'include'");
  }
  return {};
}

Result<void> FileParser::parse_defaults(element e) {
  auto f = fields(e, {"rate", "duration", "arrival", "base_url"});
  if (!f) return f.error();
  ScenarioDefaults d;
  if (auto v = f->get("rate")) {
    Push p(at_, "rate");
    auto text = string_of(*v);
    if (!text) return text.error();
    if (auto rate = schedule::parse_rate_schedule(*text); !rate) return fail(rate.error().context);
    d.rate = std::string(*text);
  }
  if (auto v = f->get("duration")) {
    Push p(at_, "duration");
    auto text = string_of(*v);
    if (!text) return text.error();
    auto us = parse_duration_us(*text);
    if (!us) return fail(us.error().context);
    if (*us <= 0) return fail("duration must be positive");
    d.duration = std::string(*text);
  }
  if (auto v = f->get("arrival")) {
    Push p(at_, "arrival");
    auto text = string_of(*v);
    if (!text) return text.error();
    if (*text != "constant" && *text != "poisson") {
      return fail("arrival '" + std::string(*text) + "': expected constant or poisson");
    }
    d.arrival = std::string(*text);
  }
  if (auto v = f->get("base_url")) {
    Push p(at_, "base_url");
    auto text = string_of(*v);
    if (!text) return text.error();
    if (text->rfind("http://", 0) != 0 && text->rfind("https://", 0) != 0) {
      return fail("base_url must start with http:// or https://");
    }
    d.base_url = std::string(*text);
  }
  if (top_level_) out_.defaults = d;
  return {};
}

Result<void> FileParser::parse_lists(element e, Population& population) {
  object obj;
  if (e.get(obj) != simdjson::SUCCESS) return fail("expected an object of named lists");
  // Names first, so that items may pick from lists defined after them.
  std::vector<std::pair<std::string, size_t>> names;
  std::vector<std::vector<std::string>> items;
  std::set<std::string, std::less<>> seen;
  for (auto [key, value] : obj) {
    if (!key.empty() && key.front() == '_') continue;
    Push p(at_, key);
    if (!is_scenario_name(key))
      return fail("a list name uses letters, digits, '-', '_' and '.' only");
    if (!seen.insert(std::string(key)).second)
      return fail("duplicate list '" + std::string(key) + "'");
    // An array of strings, or one string of comma-separated items ("${TENANT_IDS}").
    std::vector<std::string> texts;
    array list;
    std::string_view csv;
    if (value.get(csv) == simdjson::SUCCESS) {
      for (size_t start = 0; start <= csv.size();) {
        size_t comma = csv.find(',', start);
        if (comma == std::string_view::npos) comma = csv.size();
        std::string_view item = csv.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) texts.emplace_back(item);
        start = comma + 1;
      }
    } else if (value.get(list) == simdjson::SUCCESS) {
      size_t i = 0;
      for (element item : list) {
        Push q(at_, i++);
        auto text = string_of(item);
        if (!text) return text.error();
        texts.emplace_back(*text);
      }
    } else {
      return fail("expected an array of strings, or a string of comma-separated items");
    }
    if (texts.empty()) return fail("a list needs at least one item");
    if (key == "tenants" || key == "users") {
      auto& target = key == "tenants" ? population.tenants : population.users;
      for (size_t i = 0; i < texts.size(); ++i) {
        Push q(at_, i);
        if (texts[i].empty()) return fail("must not be empty");
        if (texts[i].find("{{") != std::string::npos) {
          return fail("tenants and users are plain strings: generators are not expanded here");
        }
        target.push_back(texts[i]);
      }
      continue;
    }
    names.emplace_back(std::string(key), out_.lists.size());
    lists_[std::string(key)] = out_.lists.size();
    out_.lists.emplace_back();
    items.push_back(std::move(texts));
  }
  TemplateScope scope;
  scope.lists = &lists_;
  scope.no_captures = "list items are expanded when the trace is synthesised";
  for (size_t n = 0; n < names.size(); ++n) {
    Push p(at_, names[n].first);
    for (size_t i = 0; i < items[n].size(); ++i) {
      Push q(at_, i);
      auto t = compile_template(items[n][i], Escape::raw, scope);
      if (!t) return fail(t.error().context);
      out_.lists[names[n].second].push_back(std::move(t).value());
    }
  }
  return check_list_cycles(names);
}

Result<void> FileParser::check_list_cycles(
    const std::vector<std::pair<std::string, size_t>>& names) {
  // Depth-first search over "an item of list A picks from list B"; lists only refer to lists
  // of the same file, so the search stays inside `names`.
  std::map<size_t, std::string> name_of;
  for (const auto& [name, index] : names) name_of[index] = name;
  enum class Mark { none, active, done };
  std::map<size_t, Mark> mark;
  std::vector<size_t> chain;
  std::function<Result<void>(size_t)> visit = [&](size_t list) -> Result<void> {
    mark[list] = Mark::active;
    chain.push_back(list);
    const auto& items = out_.lists[list];
    for (size_t i = 0; i < items.size(); ++i) {
      for (const Segment& s : items[i].segments) {
        if (s.kind != Segment::Kind::pick_list) continue;
        if (mark[s.list] == Mark::active) {
          std::string cycle;
          auto start = std::find(chain.begin(), chain.end(), s.list);
          for (auto it = start; it != chain.end(); ++it) cycle += name_of[*it] + " -> ";
          cycle += name_of[s.list];
          Push p(at_, name_of[list]);
          Push q(at_, i);
          return fail("lists pick from each other in a cycle: " + cycle);
        }
        if (mark[s.list] == Mark::none) {
          if (auto r = visit(s.list); !r) return r;
        }
      }
    }
    chain.pop_back();
    mark[list] = Mark::done;
    return {};
  };
  for (const auto& [name, index] : names) {
    if (mark[index] == Mark::none) {
      if (auto r = visit(index); !r) return r;
    }
  }
  return {};
}

Result<void> FileParser::parse_includes(element e) {
  array list;
  if (e.get(list) != simdjson::SUCCESS) {
    return fail("expected an array of {\"scenario\": NAME, \"weight\": N}");
  }
  size_t i = 0;
  for (element item : list) {
    Push p(at_, i++);
    auto f = fields(item, {"scenario", "weight"});
    if (!f) return f.error();
    double weight = 1;
    if (auto r = read_weight(*f, weight); !r) return r;
    auto name_element = f->get("scenario");
    if (!name_element) return fail("missing field 'scenario'");
    Push q(at_, "scenario");
    auto name = string_of(*name_element);
    if (!name) return name.error();
    namespace fs = std::filesystem;
    fs::path target{std::string(*name)};
    if (target.extension() != ".json") target += ".json";
    if (target.is_relative()) target = fs::path(path_).parent_path() / target;
    std::error_code ec;
    const std::string canonical = fs::weakly_canonical(target, ec).string();
    for (size_t s = 0; s < include_stack_.size(); ++s) {
      if (include_stack_[s] != canonical) continue;
      std::string cycle;
      for (size_t k = s; k < include_stack_.size(); ++k) {
        cycle += fs::path(include_stack_[k]).filename().string() + " -> ";
      }
      return fail("include cycle: " + cycle + fs::path(canonical).filename().string());
    }
    auto text = read_file(target.string());
    if (!text) return fail("cannot include '" + std::string(*name) + "': " + text.error().context);
    include_stack_.push_back(canonical);
    FileParser nested(out_, include_stack_, target.string(), text.value(), false, params_);
    auto r = nested.parse(weight);
    include_stack_.pop_back();
    if (!r) return r;
  }
  return {};
}

bool Scenario::has_sessions() const noexcept {
  for (const Entry& e : entries) {
    if (!e.session.empty()) return true;
  }
  return false;
}

bool Scenario::has_polls() const noexcept {
  for (const Entry& e : entries) {
    for (const RequestSpec& step : e.steps) {
      if (step.poll) return true;
    }
  }
  return false;
}

bool Scenario::has_websockets() const noexcept {
  for (const Entry& e : entries) {
    for (const RequestSpec& step : e.steps) {
      if (step.ws) return true;
    }
  }
  return false;
}

Result<Scenario> parse_scenario(std::string_view text, const std::string& path,
                                const ScenarioParameters& params) {
  Scenario scenario;
  scenario.path = path;
  std::error_code ec;
  std::vector<std::string> stack{std::filesystem::weakly_canonical(path, ec).string()};
  FileParser parser(scenario, stack, path, text, true, params);
  if (auto r = parser.parse(0); !r) return r.error();
  return scenario;
}

Result<Scenario> load_scenario(const std::string& path, const ScenarioParameters& params) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_scenario(text.value(), path, params);
}

}  // namespace replay::synth
