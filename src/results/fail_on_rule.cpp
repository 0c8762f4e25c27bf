#include <charconv>

#include "replay/core/units.hpp"
#include "replay/results/comparison.hpp"

namespace replay::results {
namespace {

Error bad(std::string_view text, const std::string& why) {
  return make_error(Errc::invalid_argument,
                    "fail-on '" + std::string(text) + "': " + why +
                        " (e.g. p99>+10%, errors>+0.5pp, rate<-5%, chat:p99>+20ms)");
}

bool parse_number(std::string_view text, double& out) {
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size() && out >= 0;
}

// Strips `suffix` from `text` when it ends with it.
bool take_suffix(std::string_view& text, std::string_view suffix) {
  if (text.size() < suffix.size() || text.substr(text.size() - suffix.size()) != suffix) {
    return false;
  }
  text.remove_suffix(suffix.size());
  return true;
}

}  // namespace

Result<FailOnRule> parse_fail_on(std::string_view text) {
  FailOnRule r;
  r.text = std::string(text);
  const auto op_at = text.find_first_of("<>");
  if (op_at == std::string_view::npos) return bad(text, "no comparison (> or <)");
  r.above = text[op_at] == '>';
  std::string_view left = text.substr(0, op_at);
  std::string_view right = text.substr(op_at + 1);
  const auto colon = left.rfind(':');
  std::string_view metric = left;
  if (colon != std::string_view::npos) {
    r.scope = std::string(left.substr(0, colon));
    metric = left.substr(colon + 1);
    if (r.scope.empty()) return bad(text, "empty scope before ':'");
  }
  if (const auto dot = metric.find('.'); dot != std::string_view::npos) {
    const std::string_view name = metric.substr(0, dot);
    if (name == "ttft" || name == "tpot" || name == "itl") {
      r.histogram = std::string(name);
      metric = metric.substr(dot + 1);
      if (metric != "p50" && metric != "p99") {
        return bad(text, r.histogram + " is compared at p50 and p99 only");
      }
    } else if (name.find_first_not_of("p0123456789") != std::string_view::npos) {
      return bad(text, "unknown histogram '" + std::string(name) + "' (ttft, tpot, itl)");
    }
  }
  if (metric == "errors") {
    r.metric = MetricKind::errors;
  } else if (metric == "rate") {
    r.metric = MetricKind::rate;
  } else if (metric.size() > 1 && metric.front() == 'p') {
    r.metric = MetricKind::percentile;
    std::string_view number = metric.substr(1);
    if (!parse_number(number, r.percentile) || r.percentile <= 0 || r.percentile > 100) {
      return bad(text, "percentile must be p<number> with 0 < number <= 100, like p99.9");
    }
  } else {
    return bad(text, "unknown metric '" + std::string(metric) + "' (pNN, errors, rate)");
  }
  double sign = r.above ? 1 : -1;
  if (!right.empty() && (right.front() == '+' || right.front() == '-')) {
    sign = right.front() == '+' ? 1 : -1;
    right.remove_prefix(1);
  }
  if (right.empty()) return bad(text, "no tolerance after the comparison");
  double amount = 0;
  std::string_view number = right;
  if (take_suffix(number, "pp")) {
    if (r.metric != MetricKind::errors) return bad(text, "'pp' (percentage points) is for errors");
    if (!parse_number(number, amount)) return bad(text, "malformed number");
    r.unit = ToleranceUnit::points;
    amount /= 100;
  } else if (take_suffix(number, "%")) {
    if (!parse_number(number, amount)) return bad(text, "malformed number");
    r.unit = ToleranceUnit::relative;
    amount /= 100;
  } else if (r.metric == MetricKind::rate) {
    if (!take_suffix(number, "/s") || !parse_number(number, amount)) {
      return bad(text, "rate tolerance is a percentage or per second, like -5% or -20/s");
    }
    r.unit = ToleranceUnit::per_s;
  } else if (r.metric == MetricKind::percentile) {
    auto us = parse_duration_us(number);
    if (!us) return bad(text, "latency tolerance is a percentage or a duration, like +10% or +5ms");
    r.unit = ToleranceUnit::micros;
    amount = static_cast<double>(us.value());
  } else {
    return bad(text, "error tolerance is in percentage points or percent, like +0.5pp or +50%");
  }
  r.tolerance = sign * amount;
  return r;
}

}  // namespace replay::results
