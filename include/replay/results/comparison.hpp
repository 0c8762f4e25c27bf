#pragma once
// `replay compare`'s model: per scope (overall, tags, endpoints) the change of corrected latency
// percentiles, error ratio and achieved rate between two pooled sides, each with a significance
// test, and the --fail-on rules checked against them; overall, replay's own send lag and its
// parts compared the same way, for information only. docs/compare.md defines every metric.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/results/merge.hpp"
#include "replay/results/significance.hpp"

namespace replay::results {

enum class MetricKind { percentile, errors, rate };

// How a --fail-on tolerance is measured.
enum class ToleranceUnit {
  relative,  // "+10%": (after - before) / before
  micros,    // "+5ms": after - before in microseconds (latency only)
  points,    // "+0.5pp": after - before in percentage points, kept as a ratio (errors only)
  per_s,     // "-20/s": after - before per second (rate only)
};

// One --fail-on rule: "[scope:]metric(>|<)[+|-]tolerance", e.g. "p99>+10%", "errors>+0.5pp",
// "rate<-5%", "chat:p99>+20ms", "*:p99.9>+25%" (every endpoint). It is crossed when the change
// is beyond the tolerance in the rule's direction AND significant. A rule without a scope is
// checked overall and on every tag and endpoint in both runs, so that a regression of one
// endpoint cannot hide in an unchanged overall figure.
struct FailOnRule {
  std::string text;
  // "" overall and every tag and endpoint in both runs, "*" every endpoint in both runs, else
  // a tag or an endpoint
  std::string scope;
  MetricKind metric = MetricKind::percentile;
  double percentile = 99;  // for MetricKind::percentile
  // "" the corrected latency; "ttft", "tpot" or "itl": LLM streams' (p50 and p99 only), as in
  // "chat:ttft.p99>+10%"
  std::string histogram;
  bool above = true;  // '>': crossed when change > tolerance; '<': when change < tolerance
  ToleranceUnit unit = ToleranceUnit::relative;
  double tolerance = 0;  // ratio for relative and points, us for micros, 1/s for per_s
};

// Parses one rule; Errc::invalid_argument naming the rule and what is wrong. A tolerance
// without a sign takes the direction of the comparison ("rate<5%" means "rate<-5%").
Result<FailOnRule> parse_fail_on(std::string_view text);

struct MetricChange {
  std::string name;  // "p99", "errors", "rate"
  MetricKind kind = MetricKind::percentile;
  double percentile = 0;
  double before = 0;  // us for latencies, a ratio for errors, per second for rate
  double after = 0;
  double delta = 0;     // after - before
  double relative = 0;  // delta / before; NaN when before is 0 and after is not
  double ci_low = 0;    // confidence interval of delta (percentiles only; else equal to delta)
  double ci_high = 0;
  double p_value = 1;
  bool significant = false;  // p_value < alpha
  int direction = 0;         // +1 significantly worse, -1 significantly better, 0 neither
};

struct ScopeChange {
  std::string name;  // "" for overall
  std::string kind;  // "overall", "tag" or "endpoint"
  bool in_before = false;
  bool in_after = false;
  uint64_t requests_before = 0;  // completed + failed
  uint64_t requests_after = 0;
  // The percentiles, LLM streams' "ttft p50", "ttft p99", "tpot ..", "itl .." (when either run
  // has them), then errors, then rate.
  std::vector<MetricChange> metrics;
  // Overall only: p50 and p99 of send_lag, scheduler_lag, connection_wait and connect (named
  // "send_lag p99", ...; those empty on both sides left out). Replay's side, not the service's:
  // never in the verdict, a scope's verdict or a --fail-on rule.
  std::vector<MetricChange> replay_side;
  MannWhitney distribution;  // of the corrected latency

  // The change named `name` ("p99", "errors", "rate"), or nullptr.
  const MetricChange* find(std::string_view name) const noexcept;
};

struct RuleOutcome {
  std::string rule;
  std::string scope;       // the scope it was checked on ("" overall)
  std::string scope_kind;  // "overall", "tag" or "endpoint"
  // True when the rule is checked on every scope ("" or "*") and this is one of them other than
  // overall: the outputs list such checks one by one only when they are crossed.
  bool every_scope = false;
  bool crossed = false;
  std::string detail;  // "p99 +12.3% (20.34ms -> 22.85ms), p < 0.0001"
};

// A significant change for the worse of one of the service's metrics (never replay's side).
struct Regression {
  std::string scope;       // "" overall
  std::string scope_kind;  // "overall", "tag" or "endpoint"
  MetricChange metric;     // direction > 0
};

// A configuration field that differs between the two sides (the first run of each), or the set
// of tags the runs saw (key "tags"). JSON values as result.json has them ("null" when a side
// lacks the field), texts for people ("" when absent).
struct ConfigMismatch {
  std::string key;
  std::string before_json, after_json;
  std::string before_text, after_text;

  // "the runs differ in config.rate: 100/s before, 200/s after".
  std::string describe() const;
};

struct CompareOptions {
  double alpha = 0.01;                                   // significance level
  std::vector<double> percentiles = {50, 90, 99, 99.9};  // rules add theirs
  uint64_t seed = 1;                                     // bootstrap generator seed
  int resamples = 10000;                                 // bootstrap resamples per percentile
};

struct Comparison {
  CompareOptions options;
  std::vector<std::string> before_sources;
  std::vector<std::string> after_sources;
  ScopeChange overall;
  std::vector<ScopeChange> tags;       // union of both sides, before's order first
  std::vector<ScopeChange> endpoints;  // likewise
  std::vector<RuleOutcome> rules;
  // Every significant change for the worse: overall, then endpoints, then tags, each scope's
  // metrics in table order.
  std::vector<Regression> regressions;
  // Fields of the runs' configurations that differ, except `target` (before and after usually
  // run against different builds) and `seed` (another draw of the same schedule).
  std::vector<ConfigMismatch> config_mismatch;
  // Runs that were saturated, generator- or client-limited or interrupted, significant changes
  // of replay's side, failures in the latency, small samples, scopes on one side only.
  std::vector<std::string> notes;

  // True when any --fail-on check was crossed (the exit code 99).
  bool regressed() const noexcept;
  // One line: "REGRESSION: k of n --fail-on checks crossed: ..." when a check was crossed,
  // "WORSE: ..." when something got significantly worse within the rules (or without any), else
  // "OK: ...". It names every scope in `regressions`, then the overall change, and ends with a
  // warning when the configurations differ. Replay's side never enters it.
  std::string verdict() const;
};

// Compares two pooled sides. Errc::invalid_argument when a rule names a scope neither side has.
Result<Comparison> compare_runs(const PooledRuns& before, const PooledRuns& after,
                                const std::vector<FailOnRule>& rules,
                                const CompareOptions& options = {});

}  // namespace replay::results
