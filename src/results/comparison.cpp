#include "replay/results/comparison.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "figures.hpp"
#include "replay/core/json_writer.hpp"

namespace replay::results {
namespace {

// Below this many completed requests on a side, the tests have little power: said in a note.
constexpr uint64_t kFewSamples = 30;

// Configuration fields expected to differ: before and after usually run against different
// builds (`target`), another seed is another draw of the same schedule, and endpoint timelines
// change what is kept, not what is sent.
constexpr std::string_view kUncomparedConfig[] = {"target", "seed", "endpoint_timeline"};

struct SideScope {
  const Scope* scope = nullptr;
  const PooledRuns* pool = nullptr;
};

void finish(MetricChange& m, double alpha, bool higher_is_worse) {
  m.delta = m.after - m.before;
  if (m.before != 0) {
    m.relative = m.delta / m.before;
  } else {
    m.relative = m.after == 0 ? 0 : std::numeric_limits<double>::quiet_NaN();
  }
  m.significant = m.p_value < alpha;
  if (m.significant && m.delta != 0) {
    m.direction = (m.delta > 0) == higher_is_worse ? 1 : -1;
  }
}

// A change without an interval (errors, rate): before, after and the test's p-value.
MetricChange tested(const char* name, MetricKind kind, double before, double after, double p_value,
                    double alpha, bool higher_is_worse) {
  MetricChange m;
  m.name = name;
  m.kind = kind;
  m.before = before;
  m.after = after;
  m.p_value = p_value;
  finish(m, alpha, higher_is_worse);
  m.ci_low = m.ci_high = m.delta;
  return m;
}

// Completions of `scope` during each run's load, per second of load: the scope's share of the
// pool's completions during the load.
double completed_during_load(const SideScope& s) {
  const uint64_t all = s.pool->doc.overall.completed;
  if (!s.scope || all == 0) return 0;
  return static_cast<double>(s.pool->completed_during_load) *
         static_cast<double>(s.scope->completed) / static_cast<double>(all);
}

// "p99 +12.3% worse": a significant change, relative unless it is new.
std::string change_text(const MetricChange& m) {
  const std::string rel = relative_text(m);
  return m.name + " " + (rel.empty() || rel == "new" ? metric_delta_text(m) : rel) + " " +
         direction_text(m);
}

// One bootstrapped percentile change of `before` to `after`; `name` as the metric's name.
MetricChange percentile_change(std::string name, const Histogram& before, const Histogram& after,
                               double p, const CompareOptions& options) {
  MetricChange m;
  m.name = std::move(name);
  m.kind = MetricKind::percentile;
  m.percentile = p;
  const PercentileShift s = bootstrap_percentile_shift(before, after, p, 1 - options.alpha,
                                                       options.seed, options.resamples);
  m.before = static_cast<double>(s.before_us);
  m.after = static_cast<double>(s.after_us);
  m.ci_low = s.delta_low_us;
  m.ci_high = s.delta_high_us;
  m.p_value = s.p_value;
  finish(m, options.alpha, true);
  return m;
}

// Replay's send lag and its parts, in result.json's names.
std::vector<MetricChange> compare_replay_side(const Scope& b, const Scope& a,
                                              const CompareOptions& options) {
  const std::pair<const char*, Histogram Scope::*> parts[] = {
      {"send_lag", &Scope::send_lag},
      {"scheduler_lag", &Scope::scheduler_lag},
      {"connection_wait", &Scope::connection_wait},
      {"connect", &Scope::connect}};
  std::vector<MetricChange> out;
  for (const auto& [name, member] : parts) {
    if ((b.*member).count() == 0 && (a.*member).count() == 0) continue;
    for (double p : {50.0, 99.0}) {
      out.push_back(percentile_change(std::string(name) + " " + percentile_name(p), b.*member,
                                      a.*member, p, options));
    }
  }
  return out;
}

ScopeChange compare_scope(const std::string& name, const std::string& kind, SideScope before,
                          SideScope after, const CompareOptions& options) {
  ScopeChange c;
  c.name = name;
  c.kind = kind;
  c.in_before = before.scope != nullptr;
  c.in_after = after.scope != nullptr;
  static const Scope kEmpty;
  const Scope& b = before.scope ? *before.scope : kEmpty;
  const Scope& a = after.scope ? *after.scope : kEmpty;
  c.requests_before = b.completed + b.failed;
  c.requests_after = a.completed + a.failed;
  for (double p : options.percentiles) {
    c.metrics.push_back(
        percentile_change(percentile_name(p), b.corrected, a.corrected, p, options));
  }
  // LLM streams: TTFT, TPOT and ITL percentiles, when either side has them.
  if (b.llm || a.llm) {
    static const LlmScope kNoLlm;
    const LlmScope& bl = b.llm ? *b.llm : kNoLlm;
    const LlmScope& al = a.llm ? *a.llm : kNoLlm;
    for (auto [name, member] :
         {std::pair{"ttft", &LlmScope::ttft_us}, std::pair{"tpot", &LlmScope::tpot_us},
          std::pair{"itl", &LlmScope::itl_us}}) {
      if ((bl.*member).count() == 0 && (al.*member).count() == 0) continue;
      for (double p : {50.0, 99.0}) {
        c.metrics.push_back(percentile_change(std::string(name) + " " + percentile_name(p),
                                              bl.*member, al.*member, p, options));
      }
    }
  }
  const ProportionTest errors =
      compare_proportions(b.errors, c.requests_before, a.errors, c.requests_after);
  c.metrics.push_back(tested("errors", MetricKind::errors, errors.before, errors.after,
                             errors.p_value, options.alpha, true));
  const RateTest rate =
      compare_rates(completed_during_load(before), static_cast<double>(before.pool->load_seconds),
                    completed_during_load(after), static_cast<double>(after.pool->load_seconds));
  c.metrics.push_back(tested("rate", MetricKind::rate, rate.before_per_s, rate.after_per_s,
                             rate.p_value, options.alpha, false));
  c.distribution = mann_whitney(b.corrected, a.corrected);
  return c;
}

const Scope* find_named(const std::vector<NamedScope>& scopes, const std::string& name) {
  for (const auto& s : scopes) {
    if (s.name == name) return &s.scope;
  }
  return nullptr;
}

std::vector<ScopeChange> compare_named(const std::vector<NamedScope>& before,
                                       const std::vector<NamedScope>& after, const char* kind,
                                       const PooledRuns& pb, const PooledRuns& pa,
                                       const CompareOptions& options) {
  std::vector<std::string> names;
  for (const auto& s : before) names.push_back(s.name);
  for (const auto& s : after) {
    if (!find_named(before, s.name)) names.push_back(s.name);
  }
  std::vector<ScopeChange> out;
  for (const auto& name : names) {
    out.push_back(compare_scope(name, kind, {find_named(before, name), &pb},
                                {find_named(after, name), &pa}, options));
  }
  return out;
}

const MetricChange* metric_for(const ScopeChange& s, const FailOnRule& rule) {
  switch (rule.metric) {
    case MetricKind::percentile:
      return s.find(rule.histogram.empty()
                        ? percentile_name(rule.percentile)
                        : rule.histogram + " " + percentile_name(rule.percentile));
    case MetricKind::errors:
      return s.find("errors");
    case MetricKind::rate:
      return s.find("rate");
  }
  return nullptr;
}

RuleOutcome check_rule(const FailOnRule& rule, const ScopeChange& s) {
  RuleOutcome out;
  out.rule = rule.text;
  out.scope = s.name;
  out.scope_kind = s.kind;
  out.every_scope = (rule.scope.empty() || rule.scope == "*") && s.kind != "overall";
  if (!s.in_before || !s.in_after) {
    out.crossed = true;
    out.detail = scope_label(s);
    out.detail.append(" is missing in the ")
        .append(s.in_before ? "after" : "before")
        .append(" run(s)");
    return out;
  }
  const MetricChange* m = metric_for(s, rule);
  if (!m) {  // every corrected percentile is computed; LLM ones only where streams ran
    out.detail = "no " + rule.histogram + " figures in this scope (no LLM streams)";
    return out;
  }
  double change = m->delta;
  if (rule.unit == ToleranceUnit::relative) {
    change = std::isnan(m->relative) ? (m->delta > 0 ? INFINITY : -INFINITY) : m->relative;
  }
  const bool beyond = rule.above ? change > rule.tolerance : change < rule.tolerance;
  out.crossed = beyond && m->significant;
  std::string change_text = rule.unit == ToleranceUnit::relative && !std::isnan(m->relative)
                                ? relative_text(*m)
                                : metric_delta_text(*m);
  if (change_text.empty()) change_text = "no change";
  out.detail = m->name + " " + change_text + " (" + metric_value_text(*m, m->before) + " -> " +
               metric_value_text(*m, m->after) + "), " + p_value_text(m->p_value);
  if (beyond && !m->significant) out.detail += ": beyond the tolerance but not significant";
  return out;
}

// The tag names of a run as a JSON array and as text.
std::pair<std::string, std::string> tag_set(const ResultDoc& doc) {
  std::vector<std::string> names;
  for (const auto& t : doc.by_tag) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  std::string json, text;
  JsonWriter w(json);
  w.begin_array();
  for (const auto& n : names) {
    w.value(n);
    text += (text.empty() ? "" : ", ") + n;
  }
  w.end_array();
  return {json, text.empty() ? "none" : text};
}

std::vector<ConfigMismatch> find_config_mismatch(const ResultDoc& before, const ResultDoc& after) {
  std::vector<std::string> keys;
  for (const auto& e : before.config) keys.push_back(e.key);
  for (const auto& e : after.config) {
    if (!before.find_config(e.key)) keys.push_back(e.key);
  }
  std::vector<ConfigMismatch> out;
  for (const auto& key : keys) {
    if (std::find(std::begin(kUncomparedConfig), std::end(kUncomparedConfig), key) !=
        std::end(kUncomparedConfig)) {
      continue;
    }
    const ConfigEntry* b = before.find_config(key);
    const ConfigEntry* a = after.find_config(key);
    if (b && a && b->json == a->json) continue;
    out.push_back(
        {key, b ? b->json : "null", a ? a->json : "null", b ? b->text : "", a ? a->text : ""});
  }
  const auto [tags_before_json, tags_before] = tag_set(before);
  const auto [tags_after_json, tags_after] = tag_set(after);
  if (tags_before_json != tags_after_json) {
    out.push_back({"tags", tags_before_json, tags_after_json, tags_before, tags_after});
  }
  return out;
}

// Every significant change for the worse of the service's metrics, overall first.
std::vector<Regression> find_regressions(const Comparison& c) {
  std::vector<Regression> out;
  auto add = [&](const ScopeChange& s) {
    if (!s.in_before || !s.in_after) return;
    for (const auto& m : s.metrics) {
      if (m.direction > 0) out.push_back({s.name, s.kind, m});
    }
  };
  add(c.overall);
  for (const auto& e : c.endpoints) add(e);
  for (const auto& t : c.tags) add(t);
  return out;
}

// A change without its direction: "+12.3%", or the absolute change when before was 0.
std::string bare_change_text(const MetricChange& m) {
  const std::string rel = relative_text(m);
  return m.kind == MetricKind::errors || rel.empty() || rel == "new" ? metric_delta_text(m) : rel;
}

// "POST /b p99 +30.1%, errors +1.00pp (significant)": one scope's regressions, named by p99 (or
// its most changed percentile when p99 did not get worse) and errors and rate; the tables and
// the JSON have every metric.
std::string scope_regression_text(const std::vector<Regression>& all, size_t from, size_t to) {
  const MetricChange* percentile = nullptr;
  std::string others;
  for (size_t i = from; i < to; ++i) {
    const MetricChange& m = all[i].metric;
    if (m.kind != MetricKind::percentile) {
      others += ", " + m.name + " " + bare_change_text(m);
    } else if (!percentile || m.name == "p99" ||
               (percentile->name != "p99" &&
                std::fabs(m.relative) > std::fabs(percentile->relative))) {
      percentile = &m;
    }
  }
  std::string label = all[from].scope_kind == "tag" ? "tag " + all[from].scope : all[from].scope;
  std::string text = percentile ? " " + percentile->name + " " + bare_change_text(*percentile) : "";
  if (text.empty() && !others.empty()) others.erase(0, 1);  // ", errors ..." -> " errors ..."
  if (!text.empty() || !others.empty()) label += text + others;
  return label + " (significant)";
}

void add_notes(Comparison& c, const PooledRuns& before, const PooledRuns& after) {
  auto saturation_note = [&](const PooledRuns& p, const char* side) {
    for (size_t i = 0; i < p.saturations.size(); ++i) {
      if (p.saturations[i].saturated || p.saturations[i].replay_limited()) {
        c.notes.push_back(std::string(side) + " run " + p.sources[i] + ": " +
                          p.saturations[i].summary);
      }
    }
    if (p.doc.interrupted)
      c.notes.push_back(std::string(side) + ": a run was interrupted (partial results)");
  };
  saturation_note(before, "before");
  saturation_note(after, "after");
  std::string replay_changes;
  for (const auto& m : c.overall.replay_side) {
    if (m.direction != 0) replay_changes += (replay_changes.empty() ? "" : ", ") + change_text(m);
  }
  if (!replay_changes.empty()) {
    c.notes.push_back(
        "replay's own send lag changed significantly (replay's side, not the service's; not in "
        "the verdict): " +
        replay_changes);
  }
  const uint64_t bounds_before = before.doc.overall.lower_bounds;
  const uint64_t bounds_after = after.doc.overall.lower_bounds;
  if (bounds_before || bounds_after) {
    c.notes.push_back(
        "the corrected latency includes failed requests at their failure time (lower bounds): " +
        std::to_string(bounds_before) + " before, " + std::to_string(bounds_after) + " after");
  }
  std::string few;
  auto check_few = [&](const ScopeChange& s) {
    if (s.in_before && s.in_after &&
        std::min(s.distribution.n_before, s.distribution.n_after) < kFewSamples) {
      few += (few.empty() ? "" : ", ") + scope_label(s);
    }
  };
  check_few(c.overall);
  for (const auto& e : c.endpoints) check_few(e);
  if (!few.empty()) {
    c.notes.push_back("fewer than " + std::to_string(kFewSamples) +
                      " completed requests on a side (tests have little power): " + few);
  }
  for (const auto& e : c.endpoints) {
    if (!e.in_before || !e.in_after) {
      c.notes.push_back("endpoint " + e.name + " is only in the " +
                        (e.in_before ? "before" : "after") + " run(s)");
    }
  }
}

}  // namespace

const MetricChange* ScopeChange::find(std::string_view metric) const noexcept {
  for (const auto& m : metrics) {
    if (m.name == metric) return &m;
  }
  return nullptr;
}

std::string ConfigMismatch::describe() const {
  auto side = [](const std::string& text) { return text.empty() ? std::string("unset") : text; };
  return "the runs differ in " +
         (key == "tags" ? std::string("the tags they saw") : "config." + key) + ": " +
         side(before_text) + " before, " + side(after_text) + " after";
}

bool Comparison::regressed() const noexcept {
  return std::any_of(rules.begin(), rules.end(), [](const RuleOutcome& r) { return r.crossed; });
}

std::string Comparison::verdict() const {
  // The scopes other than overall that got worse, each once.
  std::string worse;
  for (size_t i = 0; i < regressions.size();) {
    size_t end = i;
    while (end < regressions.size() && regressions[end].scope_kind == regressions[i].scope_kind &&
           regressions[end].scope == regressions[i].scope) {
      ++end;
    }
    if (regressions[i].scope_kind != "overall") {
      worse += (worse.empty() ? "" : ", ") + scope_regression_text(regressions, i, end);
    }
    i = end;
  }
  std::string overall_changes;
  for (const auto& m : overall.metrics) {
    if (m.direction != 0) {
      overall_changes += (overall_changes.empty() ? "" : ", ") + change_text(m);
    }
  }
  const std::string overall_text =
      "overall " + (overall_changes.empty() ? "no significant change" : overall_changes);
  std::string warning;
  if (!config_mismatch.empty()) {
    warning = "; warning: the configurations differ in ";
    for (size_t i = 0; i < config_mismatch.size(); ++i) {
      warning += (i ? ", " : "") + config_mismatch[i].key;
    }
  }
  // Rules are counted as given, however many scopes each was checked on.
  std::vector<std::string> given, crossed_rules;
  for (const auto& r : rules) {
    if (std::find(given.begin(), given.end(), r.rule) == given.end()) given.push_back(r.rule);
    if (r.crossed &&
        std::find(crossed_rules.begin(), crossed_rules.end(), r.rule) == crossed_rules.end()) {
      crossed_rules.push_back(r.rule);
    }
  }
  if (regressed()) {
    std::string crossed;
    size_t n = 0;
    for (const auto& r : rules) {
      if (!r.crossed) continue;
      ++n;
      if (n <= 3) {
        crossed += (crossed.empty() ? "" : "; ") + r.rule +
                   (r.scope.empty()         ? ""
                    : r.scope_kind == "tag" ? " on tag " + r.scope
                                            : " on " + r.scope) +
                   ": " + r.detail;
      }
    }
    if (n > 3) crossed += "; and " + std::to_string(n - 3) + " more";
    return "REGRESSION: " + std::to_string(crossed_rules.size()) + " of " +
           std::to_string(given.size()) + " --fail-on checks crossed: " + crossed +
           (worse.empty() ? "" : "; significantly worse: " + worse) + "; " + overall_text + warning;
  }
  const std::string rules_text =
      rules.empty() ? "no --fail-on rules"
                    : "no --fail-on rule crossed (" + std::to_string(given.size()) + " checked)";
  if (!regressions.empty()) {
    return "WORSE: " + (worse.empty() ? "" : worse + "; ") + overall_text + "; " + rules_text +
           warning;
  }
  std::string head = rules.empty() ? "OK (no --fail-on rules)" : "OK: " + rules_text;
  return head + "; " +
         (overall_changes.empty() ? "no significant change overall"
                                  : "significant changes overall: " + overall_changes) +
         warning;
}

Result<Comparison> compare_runs(const PooledRuns& before, const PooledRuns& after,
                                const std::vector<FailOnRule>& rules,
                                const CompareOptions& options) {
  Comparison c;
  c.options = options;
  for (const auto& rule : rules) {
    if (rule.metric == MetricKind::percentile &&
        std::find(c.options.percentiles.begin(), c.options.percentiles.end(), rule.percentile) ==
            c.options.percentiles.end()) {
      c.options.percentiles.push_back(rule.percentile);
    }
  }
  std::sort(c.options.percentiles.begin(), c.options.percentiles.end());
  c.before_sources = before.sources;
  c.after_sources = after.sources;
  c.overall = compare_scope("", "overall", {&before.doc.overall, &before},
                            {&after.doc.overall, &after}, c.options);
  c.overall.replay_side = compare_replay_side(before.doc.overall, after.doc.overall, c.options);
  c.tags = compare_named(before.doc.by_tag, after.doc.by_tag, "tag", before, after, c.options);
  c.endpoints = compare_named(before.doc.by_endpoint, after.doc.by_endpoint, "endpoint", before,
                              after, c.options);
  for (const auto& rule : rules) {
    if (rule.scope.empty() || rule.scope == "*") {
      if (rule.scope.empty()) c.rules.push_back(check_rule(rule, c.overall));
      for (const auto& e : c.endpoints) {
        if (e.in_before && e.in_after) c.rules.push_back(check_rule(rule, e));
      }
      if (rule.scope.empty()) {
        for (const auto& t : c.tags) {
          if (t.in_before && t.in_after) c.rules.push_back(check_rule(rule, t));
        }
      }
      continue;
    }
    const ScopeChange* found = nullptr;
    for (const auto* list : {&c.tags, &c.endpoints}) {
      for (const auto& s : *list) {
        if (!found && s.name == rule.scope) found = &s;
      }
    }
    if (!found) {
      return make_error(
          Errc::invalid_argument,
          "fail-on '" + rule.text + "': no tag or endpoint '" + rule.scope + "' in either run");
    }
    c.rules.push_back(check_rule(rule, *found));
  }
  c.regressions = find_regressions(c);
  c.config_mismatch = find_config_mismatch(before.doc, after.doc);
  add_notes(c, before, after);
  return c;
}

}  // namespace replay::results
